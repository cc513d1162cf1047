"""The redline's typst source (for its PDF) converted in parts: each part once, then from the
cache.

As for the HTML page (`redline_html`), the redline Markdown is cut before its top-level
headings, and pandoc converts only the parts not in the cache
(`build/.cache/redline-typst.sqlite`), one run per core, while the template around them is
filled by a small run of its own. What depends on the whole document is done afterwards, as
the filter does it in one run:

- heading ids: pandoc's reader numbers automatic ids across the document; each part's
  headings get placeholders, `heading_ids` gives the final ones;
- links to `#…` without a target become their text (typst refuses an unknown label);
- heading levels are made consecutive (PDF/UA): a part's levels from its first heading on;
  a part whose first heading is more than one below the heading before it is converted
  again, told that level (on the BGB: none of 2,600 parts).

The result is byte for byte the whole-document conversion (`typst_whole`; tests check it
on every pair of the corpus). Where a part could read differently alone, or an id needs a
form of label the placeholders do not have, the whole document is converted at once.
"""

from __future__ import annotations

import functools
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from pipeline.render import FILTER_DIR, file_sha256, templates_dir
from pipeline.render.kvcache import Cache
from pipeline.render.pandoc import RULED_TABLES
from pipeline.render.reader import REDLINE_READER
from pipeline.render.redline_html import (
    FILTERS_LOADED,
    CachedPart,
    heading_ids,
    lua_list,
    meta_args,
    native_run,
    part_keys,
    part_runs,
    run_reader,
    run_source,
    split_parts,
    words_skipped,
)
from pipeline.render.tools import (
    Slot,
    cores,
    fixed_clock,
    pandoc_identity,
    run_pandoc,
    run_pandoc_pool,
)

FILTER = FILTER_DIR / "redline.lua"
FILTER_PARTS = FILTER_DIR / "redline-typst-teile.lua"
CACHE_VERSION = "2"
CACHE_LIMIT_BYTES = 200 * 1024 * 1024
"""The cache keeps the most recently used parts up to this size."""

_MARK = re.compile(r"^// rl-teil: (\S+)\n", re.M)
_END = "ende"
_PLACEHOLDER = re.compile(r"<rlhid(\d+)z>")
_PLACEHOLDER_ID = re.compile(r"rlhid\d+z")
_LINK = re.compile(r"/\*rl-a:([^*]*)\*/"
                   r"(#link\((?:<[^>\n]*>|label\(\"(?:[^\"\\\n]|\\.)*\"\))\)\[)(.*?)\]/\*/rl-a\*/",
                   re.S)
_LINK_START = "/*rl-a:"
_MARKER_WORD = re.compile(r"(?:\d+\.|[-+/=])(?:\s|$)")
"""Text typst would read as a list or heading marker at the start of a line: pandoc escapes it
there, not inside a link (so such a link's text is not unlinked here)."""



def typst_args(title: str, meta: dict[str, str] | None, template: str = "redline.typ"
               ) -> list[str]:
    """pandoc's options for the redline's whole typst document (after `-f …`). No wrapping:
    a part's lines must not depend on the placeholders and marks in it."""
    return ["-t", "typst", "--wrap=none", "-s", "--template", str(templates_dir() / template),
            "--lua-filter", str(FILTER), "-M", f"title={title}", *meta_args(meta or {})]


def typst_whole(md: str, *, title: str, meta: dict[str, str] | None = None,
                epoch: int | None = None, template: str = "redline.typ",
                source_format: str = REDLINE_READER, started=None) -> bytes:
    """The typst document from one pandoc run over the whole document (the reference, and
    the way for documents that cannot be cut)."""
    return run_pandoc(["-f", source_format, *typst_args(title, meta, template)], md,
                      env=fixed_clock(epoch or 0), started=started)


@dataclass
class _Part(CachedPart):
    typst: str
    heads: list[dict]
    ids: list[str]
    levels: list[int]


class _Whole(Exception):  # noqa: N818  (not an error: a way out)
    """The document cannot be put together from its parts: convert it whole."""



def _tool_key() -> str:
    import hashlib

    return hashlib.sha256("\0".join([
        CACHE_VERSION, pandoc_identity(),
        file_sha256(FILTER, FILTER_PARTS, *(FILTER_DIR / f for f in FILTERS_LOADED)),
        REDLINE_READER, ",".join(RULED_TABLES)]).encode()).hexdigest()


def _convert(items: list[tuple[str, str]], defs: list[str],
             slots: Slot | None = None) -> dict[str, _Part]:
    """Convert (key, part text) pairs in runs, one pandoc per run, all at once."""
    def digest(n: int, out: bytes) -> dict[str, _Part]:
        infos = lua_list(json.loads(info_files[n].read_text(encoding="utf-8")))
        pieces = _MARK.split(out.decode("utf-8"))
        keys, texts = pieces[1::2], pieces[2::2]
        if pieces[0] or keys != [k for k, _ in runs[n]] + [_END] or texts[-1].strip() \
                or len(infos) != len(keys):
            raise _Whole
        return {key: _Part(text, lua_list(info["h"]), lua_list(info["i"]), lua_list(info["l"]))
                for key, text, info in zip(keys[:-1], texts[:-1], infos[:-1], strict=True)}

    runs = part_runs(items)
    parts: dict[str, _Part] = {}
    with tempfile.TemporaryDirectory(prefix="lip-redline-typst-") as tmp:
        info_files = [Path(tmp) / f"teile-{n}.json" for n in range(len(runs))]
        for converted in run_pandoc_pool([
                (["-f", run_reader(run, defs, native_run(run)), "-t", "typst", "--wrap=none",
                  "--lua-filter", str(FILTER_PARTS), "-M", f"redline-info={info}",
                  *words_skipped(run)],
                 # a mark after the last part too: its typst keeps what parts it from the next
                 functools.partial(run_source, run, defs, native_run(run), _END))
                for run, info in zip(runs, info_files, strict=True)], cores(), slots,
                then=digest):
            parts.update(converted)
    return parts



def _label(ident: str) -> str:
    """The typst label pandoc writes for a heading's id: `<id>`. An id that pandoc may write
    otherwise (`#label("x²")`) sends the document to be converted whole."""
    if not ident or not all(c in "-.:" or ("a" + c).isidentifier() for c in ident):
        raise _Whole
    return f"<{ident}>"


def _frame(title: str, meta: dict[str, str] | None, epoch: int | None,
           template: str) -> tuple[str, str]:
    """The template around the body: (head, tail)."""
    mark = "RLBODY" + "0" * 16
    out = typst_whole(mark, title=title, meta=meta, epoch=epoch, template=template)
    text = out.decode("utf-8")
    start = text.index(mark)
    return text[:start], text[start + len(mark):]


def _levels_before(keys: list[str], parts: dict[str, _Part]) -> dict[int, int]:
    """{position: level of the heading before it} for the parts whose first heading the
    whole document would make shallower than their own conversion did."""
    need: dict[int, int] = {}
    prev = 1  # the title
    for n, key in enumerate(keys):
        levels = parts[key].levels
        given = key.partition("@")[2]
        if given and int(given) != prev:
            raise _Whole  # not expected: converted told another level before it
        if levels:
            if not given and levels[0] > prev + 1:
                need[n] = prev
            prev = _last_level(levels, prev if given or n in need else None)
    return need


def _last_level(levels: list[int], before: int | None) -> int:
    """The level of a part's last heading, its levels made consecutive from the heading
    `before` it (None: from its own first heading)."""
    prev = before
    for level in levels:
        prev = level if prev is None else min(level, prev + 1)
    assert prev is not None
    return prev


def _assemble(keys: list[str], parts: dict[str, _Part]) -> str:
    """The body from its parts: final heading ids and links."""
    if _levels_before(keys, parts):
        raise _Whole  # not expected: the levels were given where they mattered
    finals = iter(heading_ids([h for key in keys for h in parts[key].heads]))
    own = [[next(finals) for _ in parts[key].heads] for key in keys]
    ids: set[str] = set()
    for key, mine in zip(keys, own, strict=True):
        part = parts[key]
        ids.update(i for i in part.ids if not _PLACEHOLDER_ID.fullmatch(i))
        ids.update(mine[int(n) - 1] for n in _PLACEHOLDER.findall(part.typst))
    body = []
    for key, mine in zip(keys, own, strict=True):
        text = _PLACEHOLDER.sub(lambda m, mine=mine: _label(mine[int(m.group(1)) - 1]),
                                parts[key].typst)
        body.append(_links(text, ids) if _LINK_START in text else text)
    return "".join(body).rstrip("\n")  # the template puts the body's last line break


def _links(text: str, ids: set[str]) -> str:
    out: list[str] = []
    pos = 0
    while (start := text.find(_LINK_START, pos)) >= 0:
        m = _LINK.match(text, start)
        if m is None:
            raise _Whole
        out.append(text[pos:start])
        target, opening, content = unquote(m.group(1)), m.group(2), m.group(3)
        if target in ids:
            out.append(f"{opening}{content}]")
        elif _MARKER_WORD.match(content) or _LINK_START in content:
            raise _Whole
        else:
            out.append(content)
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def typst_source(md: str, *, title: str, meta: dict[str, str] | None = None,
                 epoch: int | None = None, cache_dir: Path | None = None,
                 slots: Slot | None = None, template: str = "redline.typ") -> bytes:
    """The whole typst document of the redline `md`, converted in cached parts."""
    split = split_parts(md)
    if split is None:
        return typst_whole(md, title=title, meta=meta, epoch=epoch, template=template)
    texts, defs = split
    keys = part_keys(texts, defs, _tool_key())
    from concurrent.futures import ThreadPoolExecutor

    with Cache(cache_dir, "redline-typst.sqlite", CACHE_LIMIT_BYTES) as cache, \
            ThreadPoolExecutor(1, thread_name_prefix="redline-typst-rahmen") as pool:
        frame_key = "rahmen:" + _frame_key(title, meta, epoch, template)
        frame = _load_frame(cache.get(frame_key))
        made = pool.submit(_frame, title, meta, epoch, template) if frame is None else None
        parts: dict[str, _Part] = {}
        new: set[str] = set()
        try:
            _convert_into(parts, new, dict(zip(keys, texts, strict=True)), defs, cache, slots)
            # a part converted as if its first heading followed one a level up, where it does
            # not: once more, told the level before it (a key of its own)
            need = _levels_before(keys, parts)
            for n, level in need.items():
                keys[n] = f"{keys[n]}@{level}"
            _convert_into(parts, new, {keys[n]: texts[n] for n in need}, defs, cache, slots)
            body = _assemble(keys, parts)
        except _Whole:
            return typst_whole(md, title=title, meta=meta, epoch=epoch, template=template)
        cache.put_many({k: parts[k].dump() for k in new})
        if made is not None:
            frame = made.result()
            cache.put(frame_key, json.dumps(frame, ensure_ascii=False))
    head, tail = frame
    return (head + body + tail).encode("utf-8")


def _load_frame(data: str | None) -> tuple[str, str] | None:
    """(head, tail) from the cache; None if missing or damaged (it is made again)."""
    try:
        head, tail = json.loads(data) if data is not None else (None, None)
    except (ValueError, TypeError):
        return None
    return (head, tail) if isinstance(head, str) and isinstance(tail, str) else None


def _convert_into(parts: dict[str, _Part], new: set[str], todo: dict[str, str],
                  defs: list[str], cache: Cache, slots: Slot | None) -> None:
    """The parts `todo` (key: text) into `parts`, from the cache or converted (their keys
    into `new`)."""
    if not todo:
        return
    parts.update((k, part) for k, data in cache.get_many(list(todo)).items()
                 if (part := _Part.load(data)) is not None)
    missing = [(k, t) for k, t in todo.items() if k not in parts]
    if missing:
        parts.update(_convert(missing, defs, slots))
        new.update(k for k, _ in missing)


def _frame_key(title: str, meta: dict[str, str] | None, epoch: int | None,
               template: str) -> str:
    import hashlib

    return hashlib.sha256("\0".join([
        _tool_key(), file_sha256(templates_dir() / template), str(epoch or 0), title,
        json.dumps(meta or {}, ensure_ascii=False, sort_keys=True)]).encode()).hexdigest()
