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

import functools
import hashlib
import json
import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from html import unescape
from pathlib import Path
from typing import Any

from pipeline.files import write_atomic
from pipeline.plan.nesting import Nesting
from pipeline.render import (
    FILTER_DIR,
    LIST_FILTER,
    SHARED_STYLES,
    file_sha256,
    redline_ast,
    templates_dir,
)
from pipeline.render.kvcache import Cache
from pipeline.render.pandoc import RULED_TABLES, reader_for
from pipeline.render.reader import REDLINE_READER
from pipeline.render.tools import (
    Slot,
    Slots,
    balanced_runs,
    cores,
    fixed_clock,
    pandoc_identity,
    run_pandoc,
    run_pandoc_pool,
)
from pipeline.render.workers import active as workers_active

log = logging.getLogger(__name__)

FILTER = FILTER_DIR / "redline.lua"
FILTER_PARTS = FILTER_DIR / "redline-teile.lua"
FILTER_HTML = FILTER_DIR / "redline-html.lua"
FILTER_INFO = FILTER_DIR / "teile-info.lua"
FILTERS_LOADED = ("redline-html.lua", "build-typst-text.lua", "synopse-typst.lua",
                  "teile-info.lua", LIST_FILTER.name)
"""Lua files redline.lua loads: their contents are part of the cache keys of parts it
converts (the PDF's, the Word file's)."""
CACHE_VERSION = "4"
CACHE_LIMIT_BYTES = 200 * 1024 * 1024
"""The cache keeps the most recently used parts up to this size."""
TOC_DEPTH = 2
PARALLEL_MIN_CHARS = 20_000
"""Below this much Markdown per run, another pandoc process costs more than it saves."""
WORKER_RUN_MIN_CHARS = 6_000
"""The same while pandoc workers convert: a run costs a worker 2–3 ms of its own."""
RUN_MAX_CHARS = 200_000
"""At most this much Markdown per pandoc run (a pandoc holds its whole input's AST)."""
AHEAD_RUN_MAX_CHARS = 30_000
"""At most this much in a run of the conversion ahead while pandoc workers convert (`lip
redline`; `lip site` of a plan up to 1 MB): a run keeps its worker to the end, and the
engine's last pandoc and the page's own runs, which the command waits for, get the next free
one. Behind two runs of 56 kB, the engine's Markdown of JGG 2012 waited 95 ms; in runs of
30 kB the page came 4–6 % sooner (JGG 2012; three laws in one text of 400 kB). A further run
costs a worker little, a pandoc of its own (no workers) its start."""
PAGE_RUN_MAX_CHARS = 100_000
"""At most this much in the page's own runs, which run while lip holds the most (the
redline, its parts, what was converted ahead): up to here a pandoc's memory does not grow
with its input (27 MB of its own; 38 MB at 200,000 characters, 53 at 300,000). The
conversion ahead keeps the larger runs: there they cost 0.17 s on ten years of BGB."""

_ATX = re.compile(r"#{1,6}(?:[ \t]|$)")
_DEFINITION = re.compile(r"\[\^?[^\]\n]+\]:[ \t]")
_KAPITEL_OPEN = re.compile(r"^(:{3,})[ \t]*\{\.rl-kapitel[^}\n]*\}[ \t]*$")
_SHORTCUT = re.compile(r"\[(?<![\\!]\[)([^\]\^\n][^\]\n]*)\](?![({:]|\[(?!\]))")
"""A label that may name a heading: `[Ziele]`, `[Ziele][]`, or the second half of
`[Text][Ziele]`; not after `\\` or `!`. (Looked behind once the `[` is found: a pattern
that begins with the bracket is searched for as fast as a string, 1 instead of 23 ms on
the BGB's redline.)"""
_HEADING_TEXT = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t]*(?:\{[^}]*\})?[ \t]*#*[ \t]*$", re.M)
_SETEXT = re.compile(r"^(.+)\n[ \t]{0,3}(?:=+|-+)[ \t]*$", re.M)


def _env(epoch: int | None) -> dict[str, str]:
    return fixed_clock(epoch if epoch is not None else 0)


def meta_args(meta: dict[str, str]) -> list[str]:
    """`-M key=value` for each field that has a value."""
    return [a for k, v in meta.items() if v for a in ("-M", f"{k}={v}")]


def page_args(title: str, meta: dict[str, str] | None) -> list[str]:
    """pandoc's options for the standalone redline page."""
    return ["-t", "html5", "--wrap=none", "-s", "--template",
            str(templates_dir() / "redline.html"), "--lua-filter", str(FILTER),
            "-M", f"title={title}", "-M", "lang=de", "--toc", f"--toc-depth={TOC_DEPTH}",
            "-V", "toc-title=Inhalt", *meta_args(meta or {})]


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
    if _shortcut_to_heading(texts):
        return None
    return texts, ["\n".join(defs).strip("\n")] if defs else []


_BLOCK_BREAK = re.compile(r"\n\n(?=\S)")


def _block_starts(text: str) -> Iterator[int]:
    """Where the blocks of `text` may begin: at its start and after each blank line, where
    something other than space follows. (A pattern `(?:\\A|\\n\\n)` is tried at every
    position, one that begins with its newlines only where they stand: 23 → 2 ms on ten
    years of BGB.)"""
    if text[:1] and not text[0].isspace():
        yield 0
    for m in _BLOCK_BREAK.finditer(text):
        yield m.end()


_LIST_LINE = re.compile(r"[ ]{0,3}(?:[-+*]|\(?(?:\d+|[A-Za-z]+|#|@[\w-]*)[.)])(?:[ \t]|$)",
                        re.M)
"""A line that may open a list item (generously: any word before `.` or `)` counts)."""
_DEFINITION_LINE = re.compile(r"^[ ]{0,3}[:~](?:[ \t]|$)", re.M)
_PIECES = re.compile(r"\n\n+(?=\S)")


def _may_end_in_list(text: str) -> bool:
    """Whether Markdown may end in a list (its last block that starts unindented)."""
    last = _PIECES.split(text)[-1]
    return bool(_LIST_LINE.match(last) or _DEFINITION_LINE.search(last))


def _may_start_with_list(text: str) -> bool:
    """Whether Markdown may start with a list (or a term its next lines define)."""
    head = "\n\n".join(_PIECES.split(text, maxsplit=2)[:2])
    return bool(_LIST_LINE.match(text) or _DEFINITION_LINE.search(head))


def split_passages(texts: list[str], passages: dict[str, redline_ast.Passage] | None
                   ) -> tuple[list[str], dict[int, str]]:
    """The parts, with each changed passage of `passages` (its Markdown -> its blocks,
    `Redline.passages`) that stands as a block sequence of its own cut out as a part of its
    own; and (part number -> its blocks as JSON) for those.

    A passage stands alone unless a list at its edge may join a list of the text beside it
    (or an indented code block at its start the list before it): then pandoc would read
    them as one, and it stays in its part."""
    if not passages:
        return texts, {}
    texts = _joined_where_passages_span(texts, passages)
    by_first = _by_first_line(passages)

    def alone(md: str, before: str, after: str) -> bool:
        _, first, last = passages[md]
        if (first in redline_ast.LISTS or first == "CodeBlock") and before \
                and _may_end_in_list(before):
            return False
        return not (last in redline_ast.LISTS and _may_start_with_list(after.lstrip("\n")))

    out: list[str] = []
    found: dict[int, str] = {}
    for text in texts:
        for md, piece in _cut_passages(text, by_first, alone):
            if md is not None:
                found[len(out)] = passages[md][0]
            out.append(piece)
    return out, found


def _by_first_line(passages: Iterable[str]) -> dict[str, list[str]]:
    by_first: dict[str, list[str]] = {}
    for md in passages:
        by_first.setdefault(md.split("\n", 1)[0], []).append(md)
    return by_first


def _cut_passages(text: str, by_first: dict[str, list[str]],
                  cut: Callable[[str, str, str], bool]) -> list[tuple[str | None, str]]:
    """`text` as (passage or None, text) pieces: each changed passage (by its first line in
    `by_first`) that stands at a block start at the top level and that `cut(passage, text
    before it, text after it)` takes, and the text between them."""
    out: list[tuple[str | None, str]] = []
    pos = 0
    # where the text since the last cut stands, fed up to `fed` (once, not again for every
    # passage: a part with many passages that stay in it was read quadratically)
    nesting, fed = Nesting(), 0
    for start in _block_starts(text):
        if start < pos:
            continue
        line_end = text.find("\n", start)
        for md in by_first.get(text[start:line_end if line_end >= 0 else len(text)], ()):
            end = start + len(md)
            if not text.startswith(md, start) or not (
                    end == len(text) or text.startswith("\n\n", end)):
                continue
            before = text[pos:start].strip("\n")
            if before and fed < start:
                for line in text[fed:start].split("\n"):
                    nesting.feed(line)
                fed = start
            if before and not nesting.top_level:
                continue  # the same text inside a code fence or a div: not the passage
            if not cut(md, before, text[end:]):
                continue
            if before:
                out.append((None, before))
            out.append((md, md))
            pos = fed = end
            nesting = Nesting()
            break
    rest = text[pos:].strip("\n")
    if rest:
        out.append((None, rest))
    return out


# --- parts whose changed passages sit at a list's edge, from blocks --------------------------


_MAY_HOLD_CHANGE = re.compile(r"\{\.(?:ins|del|moved)|^:{3,}\s*(?:ins|del)\s*$", re.M)
"""A mark of the engine's: only a part with one may hold a changed passage."""
_CAPTION = re.compile(r"[ ]{0,3}(?:[Tt]able)?:[ \t]")
"""A line that may be a table's caption, which pandoc joins to the table across a blank
line."""


def _join(blocks: list, more: list, text_before: str, text: str) -> bool:
    """Append the blocks `more` (read from `text`) to `blocks` (read from `text_before`) as
    pandoc reads the two texts one after the other, a blank line between. A list at the end
    and one of the same kind at the start are one list: pandoc joins bullet lists whatever
    their bullets, ordered lists of the same numbering and delimiter (`(1)` and `1.` are two
    lists), and across the blank line each item's text becomes a paragraph (its reader's
    `compactify`: a loose list). False where unsure how pandoc reads them."""
    if not blocks or not more:
        blocks.extend(more)
        return True
    left, right = blocks[-1], more[0]
    lt, rt = left["t"], right["t"]
    last_piece = _PIECES.split(text_before)[-1]
    if lt == "Plain" or "DefinitionList" in (lt, rt) or _CAPTION.match(text) \
            or _CAPTION.match(last_piece) or (lt in redline_ast.LISTS and text[:1] in " \t"):
        return False  # a line of text, terms, captions, what follows a list indented
    if lt not in redline_ast.LISTS or rt not in redline_ast.LISTS or lt != rt:
        blocks.extend(more)
        return True
    if lt == "OrderedList":
        (_, left_style, left_delim), (_, right_style, right_delim) = left["c"][0], right["c"][0]
        if left_style["t"] != "Decimal" or right_style["t"] != "Decimal":
            return False
        if left_delim != right_delim:
            blocks.extend(more)
            return True
    items = left["c"] if lt == "BulletList" else left["c"][1]
    if not items or not items[-1] or items[-1][-1]["t"] not in ("Plain", "Para"):
        return False  # whether the joined list is loose depends on more than this
    merged = [[{"t": "Para", "c": b["c"]} if b["t"] == "Plain" else b for b in item]
              for item in [*items, *(right["c"] if rt == "BulletList" else right["c"][1])]]
    blocks[-1] = {"t": lt, "c": merged if lt == "BulletList" else [left["c"][0], merged]}
    blocks.extend(more[1:])
    return True


Plan = dict[str, list[tuple[str | None, str]]]
"""Parts (key) to put together from blocks, each as `_cut_passages` cuts it."""


def plan_joins(items: dict[str, str], passages: dict[str, redline_ast.Passage]) -> Plan:
    """Of the parts (key: text) that may hold changed passages `split_passages` left in
    them (a list at their edge joins the text beside it), those worth putting together from
    blocks (`joined_sources`): cut into their passages and the text between them, where that
    text is at most twice the passages (it must be read first) and no passage begins or ends
    with a bullet list: mostly nested ones (the BtMG's substance lists), whose pieces read
    alone differ from the whole (`*    *   Fentanyl` then `    *   -` is an item and a code
    block alone), so that `_join` gave up on three of four such parts."""
    by_first = _by_first_line(passages)
    plans: Plan = {}
    for key, text in items.items():
        if not _MAY_HOLD_CHANGE.search(text):
            continue
        segments = _cut_passages(text, by_first, lambda *_: True)
        edges = {kind for md, _ in segments if md is not None for kind in passages[md][1:]}
        beside = sum(len(t) for md, t in segments if md is None)
        if edges and "BulletList" not in edges and beside <= 2 * (len(text) - beside):
            plans[key] = segments
    return plans


def joined_sources(plans: Plan, passages: dict[str, redline_ast.Passage], defs: list[str],
                   slots: Slot | None = None) -> dict[str, str]:
    """For the parts `plans` (`plan_joins`): each part's blocks as JSON, as pandoc reads the
    part. Only the text between the passages is read (Markdown to JSON); the passages come
    from their blocks and the lists at their edges are joined as pandoc joins them (`_join`).
    Reading the parts' Markdown again cost JGG 2013–2021 49 kB of its 153, of which 35 kB
    were the passages. A part where joining is unsure is left out (read as Markdown)."""
    from pipeline.render.redline_text import parse_chunks, stretch_sides

    if not plans:
        return {}
    # each part's text as it stands (a ruled line at a segment's edge must stay a line of its
    # own, or the reader would lack the table syntax it needs)
    texts = ["\n\n".join(t for _, t in segments) for segments in plans.values()]
    used = used_definitions(texts, _definitions(defs))
    # one reader for all, as a run of these parts would have (a table syntax more than a
    # text needs reads it the same)
    reader = reader_for(*texts, *used, reader=REDLINE_READER) + "-auto_identifiers"
    between = list(dict.fromkeys(t for segments in plans.values()
                                 for md, t in segments if md is None))
    read = dict(zip(between, [blocks for side in parse_chunks(
        stretch_sides(between, used), slots, reader=reader) for blocks in side], strict=True))
    out: dict[str, str] = {}
    for key, segments in plans.items():
        blocks: list = []
        before = ""
        for md, text in segments:
            more = json.loads(passages[md][0]) if md is not None else read[text]
            if not _join(blocks, more, before, text):
                break
            before = text
        else:
            out[key] = json.dumps(blocks, ensure_ascii=False)
    return out


def _cut_before_headings(md: str) -> list[str]:
    """`md` cut where `split_parts` cuts: before each top-level ATX heading that follows a
    blank line."""
    pieces: list[list[str]] = [[]]
    nesting = Nesting()
    blank_before = False
    for line in md.split("\n"):
        if nesting.top_level and blank_before and _ATX.match(line):
            pieces.append([])
        pieces[-1].append(line)
        nesting.feed(line)
        blank_before = not line.strip()
    return ["\n".join(p).strip("\n") for p in pieces]


def _joined_where_passages_span(texts: list[str], passages: Iterable[str]) -> list[str]:
    """The parts, with those a changed passage runs across joined into one, so that the
    passage can be cut out of it (`split_parts` cuts before headings, and a passage may
    begin before one: „Abschnitt 4“ and its first paragraph changed; on ten years of BGB
    73 kB of passages). A passage is taken to run across parts only where its pieces are
    the parts' texts exactly; else the parts stay as they are and it is read as Markdown."""
    first_lines: dict[str, list[int]] = {}
    for n, text in enumerate(texts):
        first_lines.setdefault(text.split("\n", 1)[0], []).append(n)
    join_next = [False] * len(texts)
    for md in passages:
        if "\n\n#" not in md:
            continue
        pieces = _cut_before_headings(md)
        last = len(pieces) - 1
        if last < 1:
            continue
        for n in first_lines.get(pieces[1].split("\n", 1)[0], ()):
            if n == 0 or n + last > len(texts):
                continue
            head, tail = texts[n - 1], texts[n + last - 1]
            if (head == pieces[0] or head.endswith("\n\n" + pieces[0])) \
                    and texts[n:n + last - 1] == pieces[1:last] \
                    and (tail == pieces[last] or tail.startswith(pieces[last] + "\n\n")):
                for k in range(n - 1, n + last - 1):
                    join_next[k] = True
                break
    if not any(join_next):
        return texts
    out = [texts[0]]
    for n in range(1, len(texts)):
        if join_next[n - 1]:
            out[-1] += "\n\n" + texts[n]
        else:
            out.append(texts[n])
    return out


def _shortcut_to_heading(texts: list[str]) -> bool:
    """Whether a `[Text]` in the parts `texts` may link to a heading
    (implicit_header_references): then a part alone would read it differently."""
    shortcuts = {" ".join(s.split()).lower()
                 for s in {s for md in texts for s in _SHORTCUT.findall(md)}}
    if not shortcuts:
        return False
    headings = {" ".join(m.group(1).split()).lower()
                for md in texts for m in _HEADING_TEXT.finditer(md)}
    headings |= {" ".join(m.group(1).split()).lower()
                 for md in texts for m in _SETEXT.finditer(md)}
    return bool(shortcuts & headings) or any("*" in s or "_" in s or "`" in s for s in shortcuts)


# --- heading ids as pandoc makes them -------------------------------------------------------


def pandoc_identifier(text: str) -> str:
    """pandoc's automatic identifier of a heading whose plain text is `text` (Markdown,
    without gfm_auto_identifiers and ascii_identifiers: Text.Pandoc.Shared.textToIdentifier)."""
    low = text.lower()
    drop = [c for c in set(low) if not _kept(c)]
    kept = low.translate(dict.fromkeys(map(ord, drop))) if drop else low
    words = [w for w in re.split(r"[ \t\n\r\f\v\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]+",
                                 kept) if w]
    ident = "-".join(words)
    k = 0
    while k < len(ident) and not _hs_alpha(ident[k]):
        k += 1
    return ident[k:]


@functools.cache
def _kept(c: str) -> bool:
    """Whether an identifier keeps the character (asked once per character: a plan has
    thousands of headings)."""
    return _hs_space(c) or _hs_alnum(c) or c in "_-."


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


class CachedPart:
    """A converted part as the cache keeps it: its fields (text or lists) as JSON."""

    def dump(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False)

    @classmethod
    def load(cls, data: str):
        """A part from the cache; None if the entry is damaged (it is converted again)."""
        try:
            part = cls(**json.loads(data))
        except (ValueError, TypeError):
            return None
        if not all(isinstance(getattr(part, f.name), str if f.type == "str" else list)
                   for f in fields(part)):
            return None
        return part


@dataclass
class _Part(CachedPart):
    html: str
    notes: list[str]
    heads: list[dict]
    ids: list[str]
    toc: list[dict]


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


def _convert(items: list[tuple[str, str]], defs: list[str],
             slots: Slot | None = None, run_max: int = RUN_MAX_CHARS,
             passages: dict[str, str] | None = None) -> dict[str, _Part]:
    """Convert (key, part text) pairs in runs, one pandoc per run, all at once.

    A changed passage in `passages` (key -> its blocks as JSON, `split_passages`) is
    converted from its blocks, without reading its Markdown: pandoc's JSON reader costs a
    quarter of its Markdown reader. Parts that need none of the filter's work (no marks,
    links to anchors, images, ids or raw HTML; in a redline most of the unchanged text) go
    without it: the filter makes pandoc a quarter slower even where it changes nothing.
    Their headings get their placeholder ids and their table-of-contents entries here; a
    part that turns out to need the filter after all is converted again with it, from its
    Markdown."""
    passages = passages or {}
    from_blocks = [(k, t) for k, t in items if k in passages]
    plain = [(k, t) for k, t in items if k not in passages and _may_be_plain(t)]
    marked = [(k, t) for k, t in items if k not in passages and not _may_be_plain(t)]
    # a worker's run costs it little beside its work: runs of Markdown down to a few kB keep
    # both cores busy (a run of 30 kB took 39 ms while the other worker idled after 10)
    run_min = WORKER_RUN_MIN_CHARS if workers_active() else PARALLEL_MIN_CHARS
    runs = [(run, _FROM_BLOCKS) for run in part_runs(from_blocks, run_max)] \
        + [(run, _PLAIN) for run in part_runs(plain, run_max, run_min)] \
        + [(run, _FILTERED_RUN) for run in part_runs(marked, run_max, run_min)]
    # the longest first: a long run started last would leave the other cores idle meanwhile
    runs.sort(key=_run_cost, reverse=True)
    parts, again = _convert_runs(runs, defs, slots, passages)
    if again:
        texts = dict(items)
        more, _ = _convert_runs([(run, _FILTERED_RUN) for run in part_runs(
            [(k, texts[k]) for k in again], run_max)], defs, slots)
        parts.update(more)
    return parts


_SIMPLE_MARK = re.compile(r"(?<![\\!\]])\[([^\[\]\\`<>\n]*)\]\{\.(ins|del)\}")
"""A mark as the engine writes it, `[Text]{.ins}`, whose text pandoc reads the same between
`<span class="ins">` and `</span>`: no brackets, backslashes, code or HTML in it."""


def native_marks(text: str) -> str:
    """A part without HTML (`_may_be_plain`) with its simple marks as HTML spans, for a reader
    with native_spans. pandoc reads `[Text]{.ins}` several times (as a link, a reference, …)
    before it takes it for a span, and `<span class="ins">` once: § 11 of the TPG's redline
    67 → 40 ms, the same HTML. Only lines of text: not in code, nor indented (a code block
    there would hold the brackets as they are), nor in tables (a longer line makes pandoc
    size a pipe table's columns otherwise)."""
    if "]{." not in text or "```" in text or "~~~" in text:
        return text
    return "\n".join(_SIMPLE_MARK.sub(r'<span class="\2">\1</span>', line)
                     if line[:1] not in (" ", "\t") and "`" not in line and "|" not in line
                     else line for line in text.split("\n"))


_NOT_PLAIN_SOURCE = re.compile(r"<(?!!-- -->$)|!\[", re.M)
"""Markdown that needs the filter: raw HTML (but the empty comment with which pandoc's writer
parts two adjacent lists), images."""


def _may_be_plain(text: str) -> bool:
    return _NOT_PLAIN_SOURCE.search(text) is None


def may_hold_html(text: str) -> bool:
    """Whether Markdown may hold HTML of its own (other than the comment with which pandoc's
    writer parts two lists): then it is read without native_spans, as a whole."""
    return _HTML_SOURCE.search(text) is not None


_HTML_SOURCE = re.compile(r"<(?!!-- -->$)", re.M)


_FROM_BLOCKS, _PLAIN, _FILTERED_RUN = "blocks", "plain", "filter"
"""How a run is converted: from the passages' blocks, from Markdown without the filter, or
from Markdown with it."""
_COST_PER_CHAR = {_FROM_BLOCKS: 0.4, _PLAIN: 1.0, _FILTERED_RUN: 1.25}
"""pandoc's time per character of a run's Markdown, by how it is converted: from the blocks
(JSON, twice as long as the Markdown) it takes 0.4 of the Markdown reader's time (ten years
of BGB, TPG); the filter adds a quarter."""


def _run_cost(run: tuple[list[tuple[str, str]], str]) -> float:
    """A run's conversion time, roughly: the page starts the longest runs first."""
    parts, kind = run
    return _COST_PER_CHAR[kind] * sum(len(text) for _, text in parts)


def _convert_runs(runs: list[tuple[list[tuple[str, str]], str]], defs: list[str],
                  slots: Slot | None = None, passages: dict[str, str] | None = None
                  ) -> tuple[dict[str, _Part], list[str]]:
    """Convert runs of (key, text) parts, each as its kind says; the parts, and the keys of
    the parts converted without the filter that need it after all."""
    import tempfile

    def digest(n: int, out: bytes) -> tuple[dict[str, _Part], list[str]]:
        """Run n's parts, and the keys of those that need the filter after all: done as
        its pandoc ends, while the others still run."""
        info_list = None if runs[n][1] != _FILTERED_RUN else json.loads(
            info_files[n].read_text(encoding="utf-8"))
        parts: dict[str, _Part] = {}
        again: list[str] = []
        text = out.decode("utf-8")
        notes: dict[int, str] = {}
        m = _NOTES_SECTION.search(text)
        body = text
        if m:
            body = text[:m.start()]
            items = _NOTE_ITEM.split(m.group(1))  # ['', n, item, n, item, ...]
            for k, item in zip(items[1::2], items[2::2], strict=True):
                notes[int(k)] = item.rstrip("\n")
        infos = {i["k"]: i for i in info_list} if info_list is not None else None
        pieces = _MARK.split(body)
        for key, html in zip(pieces[1::2], pieces[2::2], strict=True):
            refs = [int(k) for k in _NOTE_REF.findall(html)]
            local = {k: j for j, k in enumerate(refs, 1)}
            html = _NOTE_REF.sub(lambda r, local=local: _note_ref(local[int(r.group(1))]), html)
            part_notes = [_renumber_note(notes[k], local[k]) for k in refs]
            if infos is None:
                part = _plain_part(html, part_notes)
                if part is None:
                    again.append(key)
                else:
                    parts[key] = part
                continue
            info = infos[key]
            if info["d"]:
                raise _Whole
            inline_ids = [i.replace("&#45;", "-") for i in _ID_MARK.findall(html)]
            html = _ID_MARK.sub("", html)
            parts[key] = _Part(html, part_notes, lua_list(info["h"]),
                               lua_list(info["i"]) + inline_ids, lua_list(info["t"]))
        return parts, again

    parts: dict[str, _Part] = {}
    again: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lip-redline-") as tmp:
        info_files = [Path(tmp) / f"teile-{n}.json" for n in range(len(runs))]
        for run_parts, run_again in run_pandoc_pool([
                (["-f", "json", "-t", "html5", "--wrap=none"],
                 functools.partial(blocks_source, run, passages or {}))
                if kind == _FROM_BLOCKS else
                (["-f", run_reader(run, defs, kind == _PLAIN),
                  "-t", "html5", "--wrap=none", *(_list_filter(run, defs) if kind == _PLAIN else [
                      "--lua-filter", str(FILTER_PARTS), "-M", f"redline-info={info}",
                      "-M", f"toc-depth={TOC_DEPTH}"])],
                 functools.partial(run_source, run, defs, kind == _PLAIN))
                for (run, kind), info in zip(runs, info_files, strict=True)], cores(),
                slots, then=digest):
            parts.update(run_parts)
            again.extend(run_again)
    return parts, again


_NOT_PLAIN_HTML = re.compile(r'<(?:img|figure)\b| id="')
"""HTML of a part converted without the filter that the filter would have changed (beyond
marks, headings and links to anchors) or taken ids from; footnote references, spans, divs,
sections and headings' tags are taken out before (`_marks` judges the marks, `_plain_part`
the headings, `_anchor_links` the links)."""
_HEADING = re.compile(r"<h[1-6]\b")
_HEADING_TAG = re.compile(r"<h[1-6]\b[^>]*>")
_BACKLINK_WHOLE = re.compile(r'<a href="#fnref\d+" class="footnote-back" role="doc-backlink">'
                             r'.*?</a>')
_CONTAINER = re.compile(r"<(/?)(?:blockquote|li|dd|dt|td|th|table)\b"
                        r"|<h([1-6])((?: [a-z-]+=\"[^\"]*\")*)>(.*?)</h\2>"
                        r"|(<del>|<del class=\"rl-block|</del>)", re.S)
_ANCHOR_LINK = re.compile(r'<a href="#([^"]*)"([^>]*)>(.*?)</a>', re.S)
_NOTE_LINK = (' class="footnote-ref" ', ' class="footnote-back" ')


class _NotPlain(Exception):  # noqa: N818  (not an error: a way out)
    """The part needs the filter."""


def _anchor_links(html: str) -> str:
    """Links to `#…` marked as the filter marks them (Python unlinks those whose target does
    not exist); footnote links stay. _NotPlain for a link with attributes of its own or a
    target that is not plain."""
    def one(m: re.Match) -> str:
        target, attrs, inner = m.groups()
        if attrs:
            if attrs.startswith(_NOTE_LINK):
                return m.group(0)
            raise _NotPlain
        if not _PLAIN_ID.fullmatch(target) or "<a " in inner:
            raise _NotPlain
        return f'<!--rl-a:{target.replace("-", "&#45;")}-->{m.group(0)}<!--/rl-a-->'
    return _ANCHOR_LINK.sub(one, html) if 'href="#' in html else html


def _plain_part(html: str, notes: list[str]) -> _Part | None:
    """A part converted without the filter, as the filter would have made it: marks become
    <ins>/<del> with their labels, each heading gets its placeholder id, the top-level ones
    up to TOC_DEPTH go into the table of contents. None if the part needs the filter (a
    heading with markup: its text as pandoc reads it cannot be told from the HTML)."""
    if _NOT_PLAIN_HTML.search(_HEADING_TAG.sub("", _SPAN_DIV.sub("", _NOTE_REF.sub("", html)))) \
            or any(_NOT_PLAIN_HTML.search(_SPAN_DIV.sub("", n)) or _HEADING.search(n)
                   for n in (_BACKLINK_WHOLE.sub("", n) for n in notes)):
        return None
    try:
        html, notes = _anchor_links(html), [_anchor_links(n) for n in notes]
    except _NotPlain:
        return None
    marked = _marks(html)
    marked_notes = [_marks(n) for n in notes]
    if marked is None or any(m is None for m in marked_notes):
        return None
    html, ids = marked
    notes = [m[0] for m in marked_notes if m is not None]
    ids += [i for m in marked_notes if m is not None for i in m[1]]
    heads: list[dict] = []
    toc: list[dict] = []
    depth = 0
    out: list[str] = []
    last = 0
    dels: list[bool] = []  # open <del>: a deleted block (True) or words (False)
    for m in _CONTAINER.finditer(html):
        if m.group(5) is not None:
            if m.group(5) == "</del>":
                if dels:
                    dels.pop()
            else:
                dels.append(m.group(5) != "<del>")
            continue
        if m.group(2) is None:
            depth += -1 if m.group(1) else 1
            continue
        level, inner = int(m.group(2)), m.group(4)
        attrs = dict(_ATTRIBUTE.findall(m.group(3)))
        classes = attrs.pop("class", "")
        written_id = attrs.pop("id", "")
        read = _heading_inlines(inner)
        if read is None or attrs or not _PLAIN_ID.fullmatch(written_id):
            return None  # markup in the heading, or attributes the filter would keep
        text, inlines = read
        heads.append({"x": written_id} if written_id else {"s": text})
        # a deleted passage's heading keeps its place in the numbering, not its id
        ident = "" if any(dels) else f"rlhid{len(heads)}z"
        out.append(html[last:m.start()])
        out.append(f"<h{level}" + (f' class="{classes}"' if classes else "")  # pandoc's order
                   + (f' id="{ident}"' if ident else "") + f">{inner}</h{level}>")
        last = m.end()
        if depth == 0 and level <= TOC_DEPTH:
            toc.append({"t": "Header", "c": [level, [ident, classes.split(), []], inlines]})
    out.append(html[last:])
    return _Part("".join(out), notes, heads, ids, toc)


_HEADING_MARK = re.compile("(" + "|".join(re.escape(t) for t in (
    "<ins>", "</ins>", "<del>", "</del>",
    *(f'<span class="visually-hidden">{label}</span>' for label in ("Einfügung: ", "Streichung: "))
)) + ")")


def _heading_inlines(inner: str) -> tuple[str, list[dict]] | None:
    """A heading's text and its content as the filter leaves it: words, and its marks as raw
    HTML (what the table of contents shows). The text is the words alone, inserted and
    deleted ones (pandoc's stringify drops raw HTML): the heading's id comes from it. None
    for any other markup."""
    inlines: list[dict] = []
    words: list[str] = []
    for k, piece in enumerate(_HEADING_MARK.split(inner)):
        if k % 2:
            inlines.append({"t": "RawInline", "c": ["html", piece]})
        elif "<" in piece:
            return None
        elif piece:
            text = unescape(piece)
            words.append(text)
            for n, word in enumerate(text.split(" ")):
                if n:
                    inlines.append({"t": "Space"})
                if word:
                    inlines.append({"t": "Str", "c": word})
    return "".join(words), inlines


_SPAN_DIV = re.compile(r"</?(?:span|div|section)\b[^>]*>")
_MARK_TAG = re.compile(r'<(/?)(span|div|section)((?: [a-z-]+="[^"]*")*)>|<h[1-6][ >]')
_ATTRIBUTE = re.compile(r' ([a-z-]+)="([^"]*)"')
_PLAIN_ID = re.compile(r"[\w.:-]*")
_SPAN_LABEL = {"ins": "Einfügung: ", "del": "Streichung: "}
_BLOCK_LABEL = {"ins": "Eingefügter Abschnitt:", "del": "Gestrichener Abschnitt:"}


def _marks(html: str) -> tuple[str, list[str]] | None:
    """The redline's marks in pandoc's HTML without the filter (`<span class="ins">`,
    `<div class="del">`, `<div id=… class="moved ins" data-von=…>`; a `<section>` where the
    passage opens with a heading) as redline-html.lua writes them; the ids of marked
    passages. None where the filter would do more: an id on a span or on another div, a
    heading inside another div (the page is then converted whole), an id or target that is
    not plain."""
    out: list[str] = []
    ids: list[str] = []
    open_tags: list[tuple[str, str | None]] = []
    last = 0
    for m in _MARK_TAG.finditer(html):
        if m.group(2) is None:  # a heading
            if any(name != "span" and kind is None for name, kind in open_tags):
                return None
            continue
        closing, name = m.group(1), m.group(2)
        if closing:
            if not open_tags:
                return None
            _, kind = open_tags.pop()
            replacement = f"</{kind}>" if kind else m.group(0)
        else:
            attrs = dict(_ATTRIBUTE.findall(m.group(3)))
            classes = attrs.get("class", "").split()
            kind = "ins" if "ins" in classes else "del" if "del" in classes else None
            ident = attrs.get("id", "")
            if kind is None or name == "span":
                if ident or name == "section":
                    return None
                replacement = m.group(0) if kind is None else \
                    f'<{kind}><span class="visually-hidden">{_SPAN_LABEL[kind]}</span>'
            elif name == "section" and ident:
                # the id of the heading the passage opens with, moved onto the section by
                # pandoc: the filter leaves it on the heading (and drops it where deleted)
                return None
            else:
                moved = "moved" in classes
                target = attrs["data-nach"] if "data-nach" in attrs else attrs.get("data-von", "")
                if not _PLAIN_ID.fullmatch(ident) or not _PLAIN_ID.fullmatch(target):
                    return None
                if moved:
                    text, where = moved_label(kind, unescape(attrs.get("data-stelle", "")))
                    label = (f'<p class="rl-label">{text}<a href="#{target}">'
                             f'{_escape(where)}</a></p>')
                else:
                    label = f'<span class="visually-hidden">{_BLOCK_LABEL[kind]}</span>'
                cls = f"rl-block rl-{kind}" + (" rl-moved" if moved else "")
                replacement = f'<{kind} class="{cls}"' + (f' id="{ident}"' if ident else "") \
                    + f">{label}"
                if ident:
                    ids.append(ident)
            open_tags.append((name, kind))
        out.append(html[last:m.start()])
        out.append(replacement)
        last = m.end()
    if open_tags:
        return None
    out.append(html[last:])
    return "".join(out), ids


def moved_label(kind: str, place: str) -> tuple[str, str]:
    """What a moved passage says of its other place, in two pieces (the second a link on the
    page): redline-html.lua's `moved_label`, which the PDF and the Word file use."""
    if kind == "del":
        return ("Verschoben nach ", place) if place else ("Verschoben an ", "die neue Stelle")
    return "Verschoben von ", place or "der bisherigen Stelle"


def _escape(text: str) -> str:
    """Text in HTML, escaped as pandoc escapes an attribute's value (redline-html.lua)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace('"', "&quot;")


def lua_list(value) -> list:
    """A Lua list from JSON: an empty one comes as {}."""
    return value if isinstance(value, list) else []


def native_run(run: list[tuple[str, str]]) -> bool:
    """Whether a run's marks go to pandoc as HTML spans (`native_marks`): only where no part
    holds HTML of its own, which a reader with native_spans would read otherwise."""
    return not any(may_hold_html(text) for _, text in run)


def run_source(run: list[tuple[str, str]], defs: list[str], native: bool,
               end: str | None = None) -> str:
    """A run of (key, text) parts as pandoc reads it: each after the raw mark
    `<!--rl-teil:KEY-->`, its marks as HTML spans if `native`; a mark `end` after the last
    where what follows it in the output must be told from the last part; then the
    definitions they may use (`run_definitions`)."""
    chunks = [f"<!--rl-teil:{key}-->\n\n{native_marks(text) if native else text}\n"
              for key, text in run]
    if end is not None:
        chunks.append(f"<!--rl-teil:{end}-->\n")
    used = run_definitions(run, defs)
    return "\n".join(chunks) + ("\n" + "\n\n".join(used) + "\n" if used else "")


_INLINE_WORK = re.compile(r"[\[<]|:::")
"""What may put something below a paragraph or a heading that the filter's top-down passes
look for: brackets and `<` (marks, links, pictures, notes, HTML) and fenced divs (a marked
block, whose headings get marks)."""


def words_skipped(run: list[tuple[str, str]]) -> list[str]:
    """pandoc's options telling redline.lua which parts of a run (`s`, a letter each in
    turn) hold nothing for its top-down passes below a paragraph or heading
    (`_INLINE_WORK`): they skip those parts' words instead of visiting each (JGG 2012's Word
    file: a run of 63 kB 174 → 150 ms)."""
    return ["-M", "redline-schlicht=" + "".join(
        "-" if _INLINE_WORK.search(text) else "s" for _, text in run)]


def blocks_source(run: list[tuple[str, str]], passages: dict[str, str]) -> str:
    """A run of changed passages as pandoc's JSON reader takes it: each one's blocks after
    the raw mark `<!--rl-teil:KEY-->`, as `run_source` has it, lists numbered „(1)“ or „a)“
    in their divs (`delimited_lists`: these runs go without a filter)."""
    blocks = []
    for key, _ in run:
        blocks.append('{"t": "RawBlock", "c": ["html", "<!--rl-teil:' + key + '-->"]}')
        inner = passages[key][1:-1]
        if '"OneParen"' in inner or '"TwoParens"' in inner:
            inner = json.dumps(delimited_lists(json.loads("[" + inner + "]")),
                               ensure_ascii=False)[1:-1]
        if inner:
            blocks.append(inner)
    return redline_ast.json_document(blocks)


_LIST_DELIMITERS = {"OneParen": "one-paren-", "TwoParens": "two-parens-"}
_LIST_STYLES = {"DefaultStyle": "decimal", "Decimal": "decimal", "LowerAlpha": "lower-alpha",
                "UpperAlpha": "upper-alpha", "LowerRoman": "lower-roman",
                "UpperRoman": "upper-roman"}


def delimited_lists(node: Any) -> Any:
    """pandoc JSON `node` with each list numbered „(1)“, „1)“ or „a)“ in a div whose class
    names its numbers, as filters/list-delimiters.lua puts it (pandoc's HTML would show
    „1.“ and „a.“); bottom-up, as a filter goes."""
    if isinstance(node, list):
        return [_delimited(x) for x in node]
    if isinstance(node, dict):
        return {k: delimited_lists(v) for k, v in node.items()}
    return node


def _delimited(node: Any) -> Any:
    node = delimited_lists(node)
    if isinstance(node, dict) and node.get("t") == "OrderedList":
        (_, style, delimiter), _ = node["c"]
        prefix, name = _LIST_DELIMITERS.get(delimiter["t"]), _LIST_STYLES.get(style["t"])
        if prefix and name:
            return {"t": "Div", "c": [["", [prefix + name], []], [node]]}
    return node


_DELIMITED_LIST_SOURCE = re.compile(r"[\w#]\)(?:[ \t]|$)", re.M)
"""What every marker of a list numbered „(1)“, „1)“, „a)“ or „#)“ ends with, wherever the
list stands (a quote, a list item, a definition, a table cell, a footnote): Markdown without
it holds no such list. Prose has it too („(OE 50.6) …“): there the filter costs little, as it
does wherever no list is."""


def _list_filter(run: list[tuple[str, str]], defs: list[str]) -> list[str]:
    """The filter a run converted without redline-teile.lua needs where it, or a footnote it
    uses, may hold a list numbered „(1)“ or „a)“ (list-delimiters.lua alone)."""
    if any(_DELIMITED_LIST_SOURCE.search(text)
           for text in (*(t for _, t in run), *run_definitions(run, defs))):
        return ["--lua-filter", str(LIST_FILTER)]
    return []


def run_definitions(run: list[tuple[str, str]], defs: list[str]) -> list[str]:
    """The definitions a run's parts may use (`used_definitions`): a part reads the same
    with them as with all (which is what its cache key says)."""
    return used_definitions((t for _, t in run), _definitions(defs))


def run_reader(run: list[tuple[str, str]], defs: list[str], native: bool) -> str:
    """The reader for `run_source`: headings without ids (the filters give them
    placeholders), native spans if `native`."""
    return (reader_for(*(t for _, t in run), *run_definitions(run, defs), reader=REDLINE_READER)
            + "-auto_identifiers"
            + ("+native_spans" if native else ""))


def _note_ref(n: int | str) -> str:
    return (f'<a href="#fn{n}" class="footnote-ref" id="fnref{n}" role="doc-noteref">'
            f'<sup>{n}</sup></a>')


def _renumber_note(item: str, n: int | str) -> str:
    return _BACKLINK.sub(f'<a href="#fnref{n}" class="footnote-back" role="doc-backlink">', item)


def part_runs(items: list[tuple[str, str]], run_max: int = RUN_MAX_CHARS,
              run_min: int = PARALLEL_MIN_CHARS) -> list[list[tuple[str, str]]]:
    """Runs of parts for one pandoc each: at least one per core (above `run_min`), at most
    `run_max` each, so that a pandoc's memory does not grow with the document, and as many as
    fill every core in each round."""
    sizes = [len(t) for _, t in items]
    total = sum(sizes)
    ways = max(1, min(cores(), total // run_min), -(-total // run_max))
    if ways > cores():  # whole rounds: five runs on two cores leave one core idle at the end
        ways = -(-ways // cores()) * cores()
    return [[items[k] for k in run] for run in balanced_runs(sizes, ways)]


def _tool_key() -> str:
    return hashlib.sha256("\0".join([
        CACHE_VERSION, pandoc_identity(),
        file_sha256(FILTER_PARTS, FILTER_HTML, FILTER_INFO, LIST_FILTER),
        REDLINE_READER, ",".join(RULED_TABLES), str(TOC_DEPTH)]).encode()).hexdigest()


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


class Ahead:
    """Converting, in the background, the passages of NEU that ALT has as well: they will be
    unchanged in the redline, so pandoc converts them while the engine compares.

    `pending` (known once `ready` is set) holds the keys of the parts it converts; the page
    converts the other missing parts at the same time and then `join`s. Errors here only cost
    time: the page converts whatever is still missing itself."""

    def __init__(self, work: Callable[[], None] | None = None) -> None:
        self.ready = threading.Event()
        self.pending: set[str] = set()
        self.parts: dict[str, _Part] = {}
        """The parts converted, for the page (as they are in the cache, without reading
        them back from it)."""
        self.slots = Slots(cores()) if work is not None else None
        """One per core, taken by each pandoc of the engine, of this conversion and of the
        page: more pandocs than cores only add memory. This conversion takes them in the
        background: the engine's and the page's pandocs, which the command waits for, go
        first."""
        self.sides: tuple[Callable[[], str], Callable[[], str]] | None = None
        """How to write ALT and NEU as the engine writes unchanged text (`split_seen`)."""
        self._thread = threading.Thread(target=work, name="redline-vorab", daemon=True) \
            if work is not None else None
        if work is None:
            self.ready.set()

    def split_seen(self, old: Callable[[], str], new: Callable[[], str]) -> None:
        """The engine's `split_seen`: the texts to convert, as the engine splits them."""
        if self._thread is not None:
            self.sides = (old, new)

    def start(self) -> None:
        """Start (once): best while the engine waits for its own pandoc, as the splitting
        here competes with the engine's Python for the interpreter."""
        if self._thread is not None and self._thread.ident is None:
            self._thread.start()

    def join(self) -> None:
        if self._thread is not None and self._thread.ident is not None:
            self._thread.join()

    def wait_ready(self) -> set[str]:
        self.start()
        self.ready.wait()
        return self.pending


NO_AHEAD = Ahead()


def convert_ahead(show: Callable[[str], str], cache_dir: Path | None) -> Ahead:
    """Converting into the cache the parts of NEU that ALT has too, to be started with
    `start()` once the engine has split both texts (`Ahead.split_seen`, the engine's
    `split_seen`).

    Each text comes as the engine writes unchanged text, and `show(text)` wraps it as the
    page will show it; a part of NEU whose text is a part of ALT as well is most likely
    unchanged in the redline (on ten years of BGB: 61 % of the page). A pair converted
    before is recognised by its digest and not split again (on a warm run that work would
    only compete with the engine)."""
    if cache_dir is None:
        return NO_AHEAD

    def fill() -> None:
        sides, ahead.sides = ahead.sides, None  # each text is dropped once split
        try:
            if sides is None:
                return
            old_text = show(sides[0]())
            done_key = "vorab:" + _digest_of(old_text, sides[1]())
            with Cache(cache_dir, "redline-html.sqlite", CACHE_LIMIT_BYTES) as cache:
                if cache.get(done_key) is not None:
                    return
            old_split = split_parts(old_text)
            del old_text
            if old_split is None:
                return
            # ALT's parts by hash only, its texts dropped before NEU is split: a part taken
            # for shared by a collision is merely converted early
            in_old = {hash(t) for t in old_split[0]}
            del old_split
            split = split_parts(show(sides[1]()))
            del sides
            if split is None:
                return
            texts, defs = split
            shared = [t for t in texts if hash(t) in in_old]
            keys = part_keys(shared, defs)
            with Cache(cache_dir, "redline-html.sqlite", CACHE_LIMIT_BYTES) as cache:
                have = cache.get_many(list(dict.fromkeys(keys)))
                missing = {k: t for k, t in zip(keys, shared, strict=True) if k not in have}
                ahead.pending = set(missing)
                ahead.ready.set()
                _convert_into(ahead.parts, missing, defs, cache,
                              ahead.slots.background if ahead.slots else None,
                              AHEAD_RUN_MAX_CHARS if workers_active() else RUN_MAX_CHARS)
                cache.put(done_key, "1")
        except Exception as e:  # noqa: BLE001  (the page converts what is missing itself)
            log.debug("redline: Vorab-Übersetzung abgebrochen: %s", e)
        finally:
            ahead.ready.set()

    ahead = Ahead(fill)
    return ahead


def _digest_of(old: str, new: str) -> str:
    """The pair's digest for the cache (its NEU written once more only while hashed)."""
    h = hashlib.sha256(f"{_tool_key()}\0{old}\0".encode())
    h.update(new.encode())
    return h.hexdigest()


def passage_key(blocks: str) -> str:
    """A passage's cache key (`split_passages`): its blocks, and how they are converted."""
    return hashlib.sha256("\0".join([_tool_key(), "json", blocks]).encode()).hexdigest()[:40]


def part_keys(texts: list[str], defs: list[str], tool: str | None = None) -> list[str]:
    """Each part's cache key: its text and the definitions it may use, and `tool` (how it is
    converted; the page's by default). A part's conversion does not depend on the others (a
    changed footnote elsewhere, or ALT's notes that NEU lacks, leave the key as it is)."""
    tool = tool if tool is not None else _tool_key()
    definitions = _definitions(defs)
    return [hashlib.sha256("\0".join([tool, text, *used_definitions([text], definitions)])
                           .encode()).hexdigest()[:40] for text in texts]


_LABEL = re.compile(r"\[(\^?)([^\]\n]+)\]:")
_BRACKETED = re.compile(r"\[([^\[\]]*)\]")
"""Every way to refer to a definition is a label in brackets (`[x]`, `[Text][x]`, `[^x]`)."""


def _label(text: str) -> str:
    """A label as pandoc compares them (lowercased, spaces collapsed), folded a little further
    (casefold): two labels pandoc takes for the same are always the same here."""
    return " ".join(text.casefold().split())


def _definitions(defs: list[str]) -> list[tuple[str, str]]:
    """(label, definition) for each link or footnote definition, the label of a note with its
    `^`, as `_label` gives it."""
    out: list[tuple[str, str]] = []
    for line in "\n".join(defs).split("\n"):
        m = _LABEL.match(line)
        if m:
            out.append((m.group(1) + _label(m.group(2)), line))
        elif out:
            out[-1] = (out[-1][0], out[-1][1] + "\n" + line)
    return out


def used_definitions(texts: Iterable[str], definitions: list[tuple[str, str]]) -> list[str]:
    """The definitions (`_definitions`) that `texts` may use, in their order: those whose
    label is in brackets in a text, and those a definition so found uses in turn (a note that
    cites a link). A superset: at worst one more definition that pandoc reads and ignores.

    Each pandoc run gets only these: on the BGB every run read all 9 kB of its notes."""
    if not definitions:
        return []
    labels = {_label(m.group(1)) for text in texts if "]" in text
              for m in _BRACKETED.finditer(text)}
    used = [False] * len(definitions)
    while True:
        found = [k for k, (label, _) in enumerate(definitions) if not used[k] and label in labels]
        if not found:
            return [d for (_, d), wanted in zip(definitions, used, strict=True) if wanted]
        for k in found:
            used[k] = True
            labels |= {_label(m.group(1)) for m in _BRACKETED.finditer(definitions[k][1])}


def render_html(md: str, out: Path, *, title: str, meta: dict[str, str] | None = None,
                epoch: int | None = None, cache_dir: Path | None = None,
                ahead: Ahead = NO_AHEAD,
                passages: dict[str, redline_ast.Passage] | None = None) -> Path:
    """A standalone, self-contained HTML page of the redline, converted in cached parts."""
    write_atomic(out, render_html_bytes(md, title=title, meta=meta, epoch=epoch,
                                        cache_dir=cache_dir, ahead=ahead, passages=passages))
    return out


def render_html_bytes(md: str, *, title: str, meta: dict[str, str] | None = None,
                      epoch: int | None = None, cache_dir: Path | None = None,
                      ahead: Ahead = NO_AHEAD,
                      passages: dict[str, redline_ast.Passage] | None = None) -> bytes:
    """The page; parts that `ahead` is converting are taken from the cache once it is done,
    the other missing parts are converted meanwhile, changed passages in `passages`
    (`Redline.passages`) from their blocks."""
    split = split_parts(md)
    if split is None:
        ahead.join()
        return render_html_whole(md, title=title, meta=meta, epoch=epoch)
    texts, defs = split
    texts, from_blocks = split_passages(texts, passages)
    keys = part_keys(texts, defs)
    sources: dict[str, str] = {}
    for n, blocks in from_blocks.items():
        keys[n] = passage_key(blocks)
        sources[keys[n]] = blocks
    with Cache(cache_dir, "redline-html.sqlite", CACHE_LIMIT_BYTES) as cache:
        # what the conversion ahead has done so far is in memory: not read back from the cache
        done = ahead.parts
        parts = {k: done[k] for k in keys if k in done}
        parts.update(_cached_parts(cache, [k for k in keys if k not in parts]))
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in parts}
        coming = ahead.wait_ready() if missing else set()
        # only while pandoc workers convert: without them, the text beside the passages
        # costs a pandoc of its own and its start (SGB VI's six years: twice the passages,
        # the page 1.71 → 1.96 s)
        plans = plan_joins({k: t for k, t in missing.items()
                            if k not in coming and k not in sources}, passages) \
            if passages and workers_active() else {}
        try:
            # (read first, then all parts at once: while the text beside the passages was
            # read, converting the other parts took the workers it needed, TPG 36 → 45 ms)
            sources.update(joined_sources(plans, passages or {}, defs, ahead.slots))
            _convert_into(parts, {k: t for k, t in missing.items() if k not in coming}, defs,
                          cache, ahead.slots, PAGE_RUN_MAX_CHARS, sources)
            ahead.join()
            if coming:  # what the conversion ahead left undone is converted now
                parts.update((k, ahead.parts[k]) for k in coming if k in ahead.parts)
                _convert_into(parts, {k: t for k, t in missing.items() if k not in parts},
                              defs, cache, ahead.slots, PAGE_RUN_MAX_CHARS, sources)
        except _Whole:
            ahead.join()
            return render_html_whole(md, title=title, meta=meta, epoch=epoch)
        return _assemble(keys, parts, cache, title=title, meta=meta, epoch=epoch)


def _convert_into(parts: dict[str, _Part], todo: dict[str, str], defs: list[str],
                  cache: Cache, slots: Slot | None, run_max: int = RUN_MAX_CHARS,
                  passages: dict[str, str] | None = None) -> None:
    if todo:
        converted = _convert(list(todo.items()), defs, slots, run_max, passages)
        parts.update(converted)
        cache.put_many({key: converted[key].dump() for key in todo})


def _cached_parts(cache: Cache, keys: list[str]) -> dict[str, _Part]:
    return {k: part for k, data in cache.get_many(list(dict.fromkeys(keys))).items()
            if (part := _Part.load(data)) is not None}


def _assemble(keys: list[str], parts: dict[str, _Part], cache: Cache, *, title: str,
              meta: dict[str, str] | None, epoch: int | None) -> bytes:
    # heading ids through the whole document; the links need all of them before any part
    finals = iter(heading_ids([h for key in keys for h in parts[key].heads]))
    own_ids, toc = [], []
    ids: set[str] = set()
    for key in keys:
        part = parts[key]
        mine = [next(finals) for _ in part.heads]
        own_ids.append(mine)
        ids.update(mine[int(n) - 1] for n in _HEAD_ID.findall(part.html))
        ids.update(part.ids)
        for h in part.toc:
            attr = h["c"][1]
            if attr[0].startswith("rlhid"):
                attr = [mine[int(attr[0][5:-1]) - 1], *attr[1:]]
            toc.append({"t": "Header", "c": [h["c"][0], attr, h["c"][2]]})
    # the frame's pandoc runs while the body is put together
    from concurrent.futures import ThreadPoolExecutor

    key, args, source = _frame_job(_unlink(toc, ids), title=title, meta=meta, epoch=epoch)
    frame = cache.get(key)
    with ThreadPoolExecutor(1, thread_name_prefix="redline-rahmen") as pool:
        made = pool.submit(run_pandoc, args, source, env=_env(epoch)) if frame is None else None
        body = _body(keys, parts, own_ids, ids)
        if made is not None:
            frame = made.result().decode("utf-8")
            cache.put(key, frame)
    start = frame.index("<main>\n") + len("<main>\n")
    end = frame.rindex("\n</main>")
    return b"".join([frame[:start].encode("utf-8"), *body, frame[end:].encode("utf-8")])


def _body(keys: list[str], parts: dict[str, _Part], own_ids: list[list[str]],
          ids: set[str]) -> list[bytes]:
    """The page's body, part by part, with the final heading ids, footnote numbers and
    links, and the footnotes at its end."""
    # each part is encoded as soon as it is final: the page is held as UTF-8 once, not as
    # several copies of a Python string (2 bytes a character for a German text)
    body: list[bytes] = []
    notes: list[str] = []
    for key, mine in zip(keys, own_ids, strict=True):
        part = parts[key]
        html = _HEAD_ID.sub(lambda m, mine=mine: f'id="{mine[int(m.group(1)) - 1]}"', part.html)
        first = len(notes) + 1
        html = _NOTE_REF.sub(lambda r, first=first: _note_ref(first + int(r.group(1)) - 1), html)
        notes.extend(f'<li id="fn{first + k}">' + _link_fix(_renumber_note(item, first + k), ids)
                     for k, item in enumerate(part.notes))
        body.append(_link_fix(html, ids).encode("utf-8"))
    if notes:
        body.append(('<section id="footnotes" class="footnotes footnotes-end-of-document" '
                     'role="doc-endnotes">\n<hr />\n<ol>\n' + "\n".join(notes)
                     + "\n</ol>\n</section>\n").encode("utf-8"))
    last = next((k for k in range(len(body) - 1, -1, -1) if body[k]), None)
    if last is not None:
        body[last] = body[last].removesuffix(b"\n")
    return body


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


def _frame_job(toc: list[dict], *, title: str, meta: dict[str, str] | None,
               epoch: int | None) -> tuple[str, list[str], str]:
    """(cache key, pandoc's arguments, its input) of the template around the body, with the
    table of contents of the headings `toc` (a frame is taken from the cache when the
    headings, title and metadata were seen before)."""
    mark = "RLBODY" + "0" * 16
    doc = {"pandoc-api-version": [1, 23, 1], "meta": {},
           "blocks": [*toc, {"t": "Para", "c": [{"t": "Str", "c": mark}]}]}
    source = json.dumps(doc, ensure_ascii=False)
    args = ["-f", "json", *page_args(title, meta)]
    key = "rahmen:" + hashlib.sha256("\0".join(
        [_tool_key(), file_sha256(FILTER, *(templates_dir() / name
                                            for name in ("redline.html", *SHARED_STYLES))),
         str(epoch),
         *args, source]).encode()).hexdigest()
    if not any(f'"t": "{t}"' in source for t in _FILTERED):
        args = _without_filter(args)  # the filter would change nothing: spare its start
    return key, args, source
