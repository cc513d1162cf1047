"""The redline as an HTML page, converted in parts: each part once, then from the cache.

A whole-document pandoc run costs as much for a 30-word amendment as for a new text. Here
the redline Markdown is cut before its top-level headings into parts; pandoc converts only
the parts not in the cache (`build/.cache/redline-html.sqlite`, key: the part's text, the
definitions, the filter, the reader and pandoc's version), all at once, one run per core.
What depends on the whole document is done afterwards, as pandoc would do it:

- heading ids: pandoc numbers automatic ids across the document (a second „Allgemeines“
  becomes `allgemeines-1`); the filter reports each heading's text, `heading_ids` numbers
  them (`pandoc_identifier`, pandoc's own rule);
- links to `#…` without a target become plain text (the filter's `fix_ids`);
- footnotes are numbered through the document and listed at its end;
- the table of contents and the page around the body come from one small pandoc run over
  the headings.

The result is byte for byte the whole-document render with `--wrap=none`
(`render_html_whole`; tests/test_redline_html.py checks it on every pair of the corpus).
Where a part could read differently alone (a `[Text]` that may name a heading elsewhere,
example lists), the whole document is converted at once instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.files import write_atomic
from pipeline.plan.nesting import Nesting
from pipeline.render import FILTER_DIR, file_sha256, templates_dir
from pipeline.render.kvcache import Cache
from pipeline.render.pandoc import RULED_TABLES, reader_for
from pipeline.render.reader import REDLINE_READER
from pipeline.render.tools import (
    consecutive_runs,
    cores,
    fixed_clock,
    pandoc_identity,
    run_pandoc,
    run_pandoc_pool,
)

log = logging.getLogger(__name__)

FILTER = FILTER_DIR / "redline.lua"
FILTER_PARTS = FILTER_DIR / "redline-teile.lua"
FILTER_HTML = FILTER_DIR / "redline-html.lua"
CACHE_VERSION = "3"
CACHE_LIMIT_BYTES = 200 * 1024 * 1024
"""The cache keeps the most recently used parts up to this size."""
TOC_DEPTH = 2
PARALLEL_MIN_CHARS = 60_000
"""Below this much Markdown per run, another pandoc process costs more than it saves."""
RUN_MAX_CHARS = 400_000
"""At most this much Markdown per pandoc run (a pandoc holds its whole input's AST)."""

_ATX = re.compile(r"#{1,6}(?:[ \t]|$)")
_DEFINITION = re.compile(r"\[\^?[^\]\n]+\]:[ \t]")
_KAPITEL_OPEN = re.compile(r"^(:{3,})[ \t]*\{\.rl-kapitel[^}\n]*\}[ \t]*$")
_SHORTCUT = re.compile(r"(?<![\\!\]])\[([^\]\^\n][^\]\n]*)\](?![(\[{:])")
_HEADING_TEXT = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t]*(?:\{[^}]*\})?[ \t]*#*[ \t]*$", re.M)
_SETEXT = re.compile(r"^(.+)\n[ \t]{0,3}(?:=+|-+)[ \t]*$", re.M)


def _env(epoch: int | None) -> dict[str, str]:
    return fixed_clock(epoch if epoch is not None else 0)


def _meta_args(meta: dict[str, str]) -> list[str]:
    return [a for k, v in meta.items() if v for a in ("-M", f"{k}={v}")]


def page_args(title: str, meta: dict[str, str] | None) -> list[str]:
    """pandoc's options for the standalone redline page."""
    return ["-t", "html5", "--wrap=none", "-s", "--template",
            str(templates_dir() / "redline.html"), "--lua-filter", str(FILTER),
            "-M", f"title={title}", "-M", "lang=de", "--toc", f"--toc-depth={TOC_DEPTH}",
            "-V", "toc-title=Inhalt", *_meta_args(meta or {})]


def render_html_whole(md: str, *, title: str, meta: dict[str, str] | None = None,
                      epoch: int | None = None) -> bytes:
    """The page from one pandoc run over the whole document (the reference, and the way for
    documents that cannot be cut)."""
    return run_pandoc(["-f", REDLINE_READER, *page_args(title, meta)], md, env=_env(epoch))


# --- cutting the document into parts -------------------------------------------------------


def _unwrap_chapters(lines: list[str]) -> list[str]:
    """Drop the `::::: {.rl-kapitel}` fences: for HTML the filter only unwraps them."""
    out: list[str] = []
    closers: list[str] = []
    nesting = Nesting()
    for line in lines:
        # both a chapter's fence and its closer begin with ':' (most lines do not)
        if (line[:1] == ":" or (closers and line.lstrip()[:1] == ":")) \
                and (nesting.top_level or closers):
            m = _KAPITEL_OPEN.match(line)
            if m and nesting.top_level:
                closers.append(m.group(1))
                continue
            if closers and nesting.top_level and line.strip() == closers[-1]:
                closers.pop()
                continue
        out.append(line)
        nesting.feed(line)
    return out


def split_parts(md: str) -> tuple[list[str], list[str]] | None:
    """(parts, definitions): `md` cut before each top-level ATX heading that follows a blank
    line, with the link and footnote definitions taken out (every part gets all of them).
    None when a part could read differently alone than in the whole."""
    if "(@" in md:
        return None  # example lists are numbered across the document
    lines = _unwrap_chapters(md.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    parts: list[list[str]] = [[]]
    defs: list[str] = []
    nesting = Nesting()
    blank_before = True
    in_def = False
    for line in lines:
        top = nesting.top_level
        if top and blank_before and _DEFINITION.match(line):
            in_def = True
            defs.append(line)
        elif in_def and (not line.strip() or line[:1] in (" ", "\t")):
            defs.append(line)  # a definition's continuation (indented) or a blank line
            blank_before = not line.strip()
            continue
        else:
            in_def = False
            if top and blank_before and _ATX.match(line) and parts[-1]:
                parts.append([])
            parts[-1].append(line)
        nesting.feed(line)
        blank_before = not line.strip()
    if not nesting.top_level or nesting.stray_closer:
        return None
    texts = ["\n".join(p).strip("\n") for p in parts]
    texts = [t for t in texts if t]
    if _shortcut_to_heading("\n".join(texts)):
        return None
    return texts, ["\n".join(defs).strip("\n")] if defs else []


def _shortcut_to_heading(md: str) -> bool:
    """Whether a `[Text]` may link to a heading (implicit_header_references): then a part
    alone would read it differently."""
    shortcuts = {" ".join(m.group(1).split()).lower() for m in _SHORTCUT.finditer(md)}
    if not shortcuts:
        return False
    headings = {" ".join(m.group(1).split()).lower() for m in _HEADING_TEXT.finditer(md)}
    headings |= {" ".join(m.group(1).split()).lower() for m in _SETEXT.finditer(md)}
    return bool(shortcuts & headings) or any("*" in s or "_" in s or "`" in s for s in shortcuts)


# --- heading ids as pandoc makes them -------------------------------------------------------


def pandoc_identifier(text: str) -> str:
    """pandoc's automatic identifier of a heading whose plain text is `text` (Markdown,
    without gfm_auto_identifiers and ascii_identifiers: Text.Pandoc.Shared.textToIdentifier)."""
    kept = "".join(c for c in text.lower() if _hs_space(c) or _hs_alnum(c) or c in "_-.")
    words = [w for w in re.split(r"[ \t\n\r\f\v\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]+",
                                 kept) if w]
    ident = "-".join(words)
    k = 0
    while k < len(ident) and not _hs_alpha(ident[k]):
        k += 1
    return ident[k:]


def _hs_space(c: str) -> bool:
    return c in " \t\n\r\f\v\xa0" or (c > "\xff" and unicodedata.category(c) == "Zs")


def _hs_alpha(c: str) -> bool:
    return unicodedata.category(c)[0] == "L"


def _hs_alnum(c: str) -> bool:
    return unicodedata.category(c) in ("Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No")


def heading_ids(heads: list[dict]) -> list[str]:
    """The ids pandoc's reader gives the headings of a document, in order: the written one,
    or the text's identifier made unique with -1, -2, … (Text.Pandoc.Shared.uniqueIdent)."""
    used: set[str] = set()
    out = []
    for h in heads:
        if "x" in h:
            ident = h["x"]
        else:
            base = pandoc_identifier(h["s"]) or "section"
            ident = base
            if base in used:
                n = 1
                while f"{base}-{n}" in used:
                    n += 1
                ident = f"{base}-{n}"
        used.add(ident)
        out.append(ident)
    return out


# --- converting parts -----------------------------------------------------------------------


@dataclass
class _Part:
    html: str
    notes: list[str]
    heads: list[dict]
    ids: list[str]
    toc: list[dict]

    def dump(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False)

    @staticmethod
    def load(data: str) -> _Part | None:
        """A part from the cache; None if the entry is damaged (it is converted again)."""
        try:
            return _Part(**json.loads(data))
        except (ValueError, TypeError):
            return None


_MARK = re.compile(r"^<!--rl-teil:(\S+)-->\n", re.M)
_ID_MARK = re.compile(r"<!--rl-id:(.*?)-->")
_NOTE_REF = re.compile(r'<a href="#fn(\d+)" class="footnote-ref" id="fnref\1" '
                       r'role="doc-noteref"><sup>\1</sup></a>')
_NOTES_SECTION = re.compile(r'<section id="footnotes" class="footnotes footnotes-end-of-'
                            r'document" role="doc-endnotes">\n<hr />\n<ol>\n(.*)\n</ol>\n'
                            r'</section>\n?\Z', re.S)
_NOTE_ITEM = re.compile(r'^<li id="fn(\d+)">', re.M)
_BACKLINK = re.compile(r'<a href="#fnref(\d+)" class="footnote-back" role="doc-backlink">')
_LINK_MARK = re.compile(r"<!--rl-a:(.*?)-->(.*?)<!--/rl-a-->", re.S)
_HEAD_ID = re.compile(r'id="rlhid(\d+)z"')


class _Whole(Exception):  # noqa: N818  (not an error: a way out)
    """A part cannot be converted alone: convert the whole document."""


def _convert(jobs: list[list[tuple[str, str]]], defs: list[str]) -> dict[str, _Part]:
    """Convert runs of (key, part text), one pandoc per run, all at once."""
    import tempfile

    sources = []
    for run in jobs:
        chunks = [f"<!--rl-teil:{key}-->\n\n{text}\n" for key, text in run]
        sources.append("\n".join(chunks) + ("\n" + "\n\n".join(defs) + "\n" if defs else ""))
    parts: dict[str, _Part] = {}
    with tempfile.TemporaryDirectory(prefix="lip-redline-") as tmp:
        info_files = [Path(tmp) / f"teile-{n}.json" for n in range(len(sources))]
        outputs = run_pandoc_pool([
            (["-f", reader_for(src, reader=REDLINE_READER) + "-auto_identifiers", "-t", "html5",
              "--wrap=none", "--lua-filter", str(FILTER_PARTS), "-M", f"redline-info={info}",
              "-M", f"toc-depth={TOC_DEPTH}"], src)
            for src, info in zip(sources, info_files, strict=True)], cores())
        all_infos = [json.loads(f.read_text(encoding="utf-8")) for f in info_files]
    for out, info_list in zip(outputs, all_infos, strict=True):
        text = out.decode("utf-8")
        infos = {i["k"]: i for i in info_list}
        notes: dict[int, str] = {}
        m = _NOTES_SECTION.search(text)
        body = text
        if m:
            body = text[:m.start()]
            items = _NOTE_ITEM.split(m.group(1))  # ['', n, item, n, item, ...]
            for n, item in zip(items[1::2], items[2::2], strict=True):
                notes[int(n)] = item.rstrip("\n")
        pieces = _MARK.split(body)
        for key, html in zip(pieces[1::2], pieces[2::2], strict=True):
            info = infos[key]
            if info["d"]:
                raise _Whole
            refs = [int(n) for n in _NOTE_REF.findall(html)]
            local = {n: k for k, n in enumerate(refs, 1)}
            html = _NOTE_REF.sub(lambda r, local=local: _note_ref(local[int(r.group(1))]), html)
            inline_ids = [i.replace("&#45;", "-") for i in _ID_MARK.findall(html)]
            html = _ID_MARK.sub("", html)
            parts[key] = _Part(html, [_renumber_note(notes[n], local[n]) for n in refs],
                               _list(info["h"]), _list(info["i"]) + inline_ids, _list(info["t"]))
    return parts


def _list(value) -> list:
    """A Lua list from JSON: an empty one comes as {}."""
    return value if isinstance(value, list) else []


def _note_ref(n: int | str) -> str:
    return (f'<a href="#fn{n}" class="footnote-ref" id="fnref{n}" role="doc-noteref">'
            f'<sup>{n}</sup></a>')


def _renumber_note(item: str, n: int | str) -> str:
    return _BACKLINK.sub(f'<a href="#fnref{n}" class="footnote-back" role="doc-backlink">', item)


def _runs(items: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Consecutive runs of parts for one pandoc each: at least one per core (above
    PARALLEL_MIN_CHARS), at most RUN_MAX_CHARS each, so that a pandoc's memory does not grow
    with the document."""
    sizes = [len(t) for _, t in items]
    total = sum(sizes)
    ways = max(1, min(cores(), total // PARALLEL_MIN_CHARS), -(-total // RUN_MAX_CHARS))
    return [[items[k] for k in run] for run in consecutive_runs(sizes, ways)]


def _tool_key() -> str:
    return hashlib.sha256("\0".join([
        CACHE_VERSION, pandoc_identity(), file_sha256(FILTER_PARTS, FILTER_HTML), REDLINE_READER,
        ",".join(RULED_TABLES), str(TOC_DEPTH)]).encode()).hexdigest()


# --- putting the page together --------------------------------------------------------------


def _unlink(node, ids: set[str]):
    """Links to `#target` without a target become their text (the filter's fix_ids)."""
    if isinstance(node, list):
        out = []
        for x in node:
            if isinstance(x, dict) and x.get("t") == "Link":
                target = x["c"][2][0]
                if target.startswith("#") and target[1:] not in ids:
                    out.extend(_unlink(x["c"][1], ids))
                    continue
            if isinstance(x, dict) and x.get("t") == "RawInline" \
                    and x["c"][1].startswith(("<!--rl-a:", "<!--/rl-a-->")):
                continue
            out.append(_unlink(x, ids))
        return out
    if isinstance(node, dict) and "c" in node:
        return {**node, "c": _unlink(node["c"], ids)}
    return node


def _link_fix(html: str, ids: set[str]) -> str:
    def one(m: re.Match) -> str:
        target = m.group(1).replace("&#45;", "-")
        inner = m.group(2)
        if target in ids:
            return inner
        return re.sub(r"\A<a [^>]*>(.*)</a>\Z", r"\1", inner, flags=re.S)
    return _LINK_MARK.sub(one, html)


def convert_ahead(text: str, unchanged: Callable[[str], str],
                  cache_dir: Path | None) -> Callable[[], None]:
    """Start converting the unchanged passages of NEU (`text`) into the cache in the
    background; return the function that waits for it.

    `unchanged(text)` writes NEU as the engine writes unchanged text: while the engine
    compares, pandoc converts what will be unchanged in the redline, so the page later takes
    only the changed parts. A text converted before is recognised by its digest and not
    split again (on a warm run that work would only compete with the engine). Errors here
    only cost that time: the page converts what is missing itself."""
    if cache_dir is None:
        return lambda: None
    done_key = "vorab:" + hashlib.sha256(f"{_tool_key()}\0{text}".encode()).hexdigest()

    def fill() -> None:
        try:
            with Cache(cache_dir, "redline-html.sqlite", CACHE_LIMIT_BYTES) as cache:
                if cache.get(done_key) is not None:
                    return
            split = split_parts(unchanged(text))
            if split is None:
                return
            texts, defs = split
            keys = _part_keys(texts, defs)
            with Cache(cache_dir, "redline-html.sqlite", CACHE_LIMIT_BYTES) as cache:
                have = cache.get_many(list(dict.fromkeys(keys)))
                missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in have}
                if missing:
                    converted = _convert(_runs(list(missing.items())), defs)
                    cache.put_many({k: converted[k].dump() for k in missing})
                cache.put(done_key, "1")
        except Exception as e:  # noqa: BLE001  (the page converts what is missing itself)
            log.debug("redline: Vorab-Übersetzung abgebrochen: %s", e)

    thread = threading.Thread(target=fill, name="redline-vorab", daemon=True)
    thread.start()
    return thread.join


def _part_keys(texts: list[str], defs: list[str]) -> list[str]:
    tool = _tool_key()
    defs_key = hashlib.sha256("\n\n".join(defs).encode()).hexdigest()
    return [hashlib.sha256(f"{tool}\0{defs_key}\0{t}".encode()).hexdigest()[:40] for t in texts]


def render_html(md: str, out: Path, *, title: str, meta: dict[str, str] | None = None,
                epoch: int | None = None, cache_dir: Path | None = None) -> Path:
    """A standalone, self-contained HTML page of the redline, converted in cached parts."""
    write_atomic(out, render_html_bytes(md, title=title, meta=meta, epoch=epoch,
                                        cache_dir=cache_dir))
    return out


def render_html_bytes(md: str, *, title: str, meta: dict[str, str] | None = None,
                      epoch: int | None = None, cache_dir: Path | None = None) -> bytes:
    split = split_parts(md)
    if split is None:
        return render_html_whole(md, title=title, meta=meta, epoch=epoch)
    texts, defs = split
    keys = _part_keys(texts, defs)
    with Cache(cache_dir, "redline-html.sqlite", CACHE_LIMIT_BYTES) as cache:
        parts = {k: part for k, data in cache.get_many(list(dict.fromkeys(keys))).items()
                 if (part := _Part.load(data)) is not None}
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in parts}
        if missing:
            try:
                converted = _convert(_runs(list(missing.items())), defs)
            except _Whole:
                return render_html_whole(md, title=title, meta=meta, epoch=epoch)
            parts.update(converted)
            cache.put_many({key: converted[key].dump() for key in missing})
        return _assemble(keys, parts, cache, title=title, meta=meta, epoch=epoch)


def _assemble(keys: list[str], parts: dict[str, _Part], cache: Cache, *, title: str,
              meta: dict[str, str] | None, epoch: int | None) -> bytes:
    # heading ids through the whole document
    finals = iter(heading_ids([h for key in keys for h in parts[key].heads]))
    html_parts, toc, notes = [], [], []
    ids: set[str] = set()
    for key in keys:
        part = parts[key]
        mine = [next(finals) for _ in part.heads]
        html = _HEAD_ID.sub(lambda m, mine=mine: f'id="{mine[int(m.group(1)) - 1]}"', part.html)
        ids.update(mine[int(n) - 1] for n in _HEAD_ID.findall(part.html))
        ids.update(part.ids)
        for h in part.toc:
            attr = h["c"][1]
            if attr[0].startswith("rlhid"):
                attr = [mine[int(attr[0][5:-1]) - 1], *attr[1:]]
            toc.append({"t": "Header", "c": [h["c"][0], attr, h["c"][2]]})
        html_parts.append((html, part.notes))
    body = []
    for html, part_notes in html_parts:
        first = len(notes) + 1
        html = _NOTE_REF.sub(lambda r, first=first: _note_ref(first + int(r.group(1)) - 1), html)
        notes.extend(f'<li id="fn{first + k}">' + _renumber_note(item, first + k)
                     for k, item in enumerate(part_notes))
        body.append(_link_fix(html, ids))
    text = "".join(body)
    if notes:
        text += ('<section id="footnotes" class="footnotes footnotes-end-of-document" '
                 'role="doc-endnotes">\n<hr />\n<ol>\n' + "\n".join(notes)
                 + "\n</ol>\n</section>\n")
    return _page(text.removesuffix("\n"), _unlink(toc, ids), cache, title=title, meta=meta,
                 epoch=epoch)


_FILTERED = ("Span", "Div", "Link", "Image")
"""The elements redline.lua changes in an HTML page; headings without them pass unchanged."""


def _without_filter(args: list[str]) -> list[str]:
    out: list[str] = []
    for a in args:
        if out and out[-1] == "--lua-filter":
            out.pop()
        else:
            out.append(a)
    return out


def _page(body: str, toc: list[dict], cache: Cache, *, title: str,
          meta: dict[str, str] | None, epoch: int | None) -> bytes:
    """The template around `body`, with the table of contents of the headings `toc` (the
    frame comes from the cache when the headings, title and metadata were seen before)."""
    mark = "RLBODY" + "0" * 16
    doc = {"pandoc-api-version": [1, 23, 1], "meta": {},
           "blocks": [*toc, {"t": "Para", "c": [{"t": "Str", "c": mark}]}]}
    source = json.dumps(doc, ensure_ascii=False)
    args = ["-f", "json", *page_args(title, meta)]
    key = "rahmen:" + hashlib.sha256("\0".join(
        [_tool_key(), file_sha256(FILTER, templates_dir() / "redline.html"), str(epoch),
         *args, source]).encode()).hexdigest()
    frame = cache.get(key)
    if frame is None:
        if not any(f'"t": "{t}"' in source for t in _FILTERED):
            args = _without_filter(args)  # the filter would change nothing: spare its start
        frame = run_pandoc(args, source, env=_env(epoch)).decode("utf-8")
        cache.put(key, frame)
    start = frame.index("<main>\n") + len("<main>\n")
    end = frame.rindex("\n</main>")
    return (frame[:start] + body + frame[end:]).encode("utf-8")
