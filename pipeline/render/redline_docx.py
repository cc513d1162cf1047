"""The redline's Word file converted in parts: each part once, then from the cache.

As for the HTML page (`redline_html`) and the PDF's typst (`redline_typst`), the redline
Markdown is cut before its top-level headings and pandoc converts only the parts not in the
cache (`build/.cache/redline-docx.sqlite`), one run per core, and a small run of its own
after them makes the file around them (title, styles, header, properties). A DOCX is not
text to be joined: what pandoc numbers through the document is numbered again here.

- Each part's XML comes with what it refers to: its footnotes, its comments (a moved
  passage's), its lists' numbering (`w:num` and the `w:abstractNum` they use) and its links'
  relationships.
- pandoc gives bookmarks, footnotes and relationships their ids from one counter; the parts'
  ids are numbered again, in order, from one counter, and the lists' numbers likewise.
- Heading ids (the bookmarks' names) get placeholders in the parts and their final names from
  `heading_ids`, as pandoc's reader numbers them through the document.
- Parts the filter would not change (no marks, links to anchors, pictures or HTML) go with a
  small filter that gives their headings the placeholders and does nothing else.

The result is the whole-document conversion (`render_docx_whole`) up to the numbers of these
ids: the tests compare both with the ids numbered in order of appearance, on every pair of
the corpus; Word files from both look the same page for page in LibreOffice. Where a part
could read differently alone, a link's target is in no part (the filter would make it
text), a chapter has an author of its own (the marks of a part do not know their chapter),
or the parts hold what this does not put together (pictures, endnotes), the whole
document is converted at once.

Not kept: the list definitions no paragraph uses (pandoc writes one for an empty list item),
and the order of the abstract list definitions; Word shows the same either way.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.render import FILTER_DIR, file_sha256, templates_dir
from pipeline.render.kvcache import Cache
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
    PoolJob,
    Slot,
    cores,
    fixed_clock,
    pandoc_identity,
    run_pandoc,
    run_pandoc_pool,
)

FILTER = FILTER_DIR / "redline.lua"
FILTER_PARTS = FILTER_DIR / "redline-docx-teile.lua"
FILTER_PLAIN = FILTER_DIR / "redline-docx-schlicht.lua"
CACHE_VERSION = "2"
CACHE_LIMIT_BYTES = 200 * 1024 * 1024
"""The cache keeps the most recently used parts up to this size."""

_END = "ende"
_MARK = re.compile(r"<!--rl-teil:([^>\s]*)-->")
_BODY_START = "<w:body>"
_BETWEEN = "\n    "
"""What pandoc writes between two elements of the body."""
_NOTE_REF = re.compile(r'<w:footnoteReference w:id="(\d+)" />')
_NOTE = re.compile(r'<w:footnote w:id="(\d+)">.*?</w:footnote>', re.S)
_COMMENT_REF = re.compile(r'<w:commentRangeStart w:id="(\d+)" />')
_COMMENT = re.compile(r'<w:comment w:id="(\d+)"[ >].*?</w:comment>', re.S)
"""A Word comment (a moved passage's: where it went or came from), in word/comments.xml."""
_NUM_ID = re.compile(r'<w:numId w:val="(\d+)" />')
_NUM = re.compile(r'<w:num w:numId="(\d+)">.*?</w:num>', re.S)
_ABSTRACT_ID = re.compile(r'<w:abstractNumId w:val="(\d+)" />')
_ABSTRACT = re.compile(r'<w:abstractNum w:abstractNumId="(\d+)"[ >].*?</w:abstractNum>', re.S)
_REL_REF = re.compile(r'r:id="rId(\d+)"')
"""A reference to a relationship (where it begins a word: `_begins_word`)."""
_REL = re.compile(r'<Relationship [^>]*\bId="rId(\d+)"[^>]*/>')
_TARGET = re.compile(r'\bTarget="([^"]*)"')
_COUNTED = re.compile(r'(w:id="|r:id="rId|Id="rId)(\d+)"')
"""The ids pandoc takes from its one counter: bookmarks, footnotes, changes, relationships;
where a word ends before them, they are other attributes' (`_begins_word`)."""
_WORD_CHAR = re.compile(r"\w")
_NUMBERED = re.compile(r'(<w:numId w:val="|<w:num w:numId=")(\d+)"')
_PLACEHOLDER = re.compile(r'w:name="rlhid(\d+)z"')
_HEADING = re.compile(r'(?<=\n    )(<w:bookmarkStart w:id="(\d+)" w:name="[^"]*" />\n    )?'
                      r'<w:p><w:pPr><w:pStyle w:val="Heading(\d)" /></w:pPr>')
"""A heading of the body's top level, and its bookmark, which pandoc spans over its section:
up to the next heading of the same or a higher level, which may be in another part (a
heading without an id ends sections too; one in a list, with its list's numbering, is no
section)."""
_BOOKMARK_END = re.compile(r'<w:bookmarkEnd w:id="(\d+)" />')
_SECTION = re.compile(r'<!--rl-abschnitt:(\d)-->(?:<w:bookmarkStart w:id="(\d+)")?')
"""A section's start in a part: the end of the sections it closes goes before it."""
_PLACEHOLDER_ID = re.compile(r"rlhid\d+z")
_NOT_IN_NAME = re.compile(r"[&<>\"']")
_KAPITEL = re.compile(r"^:{3,}[ \t]*\{\.rl-kapitel([^}\n]*)\}[ \t]*$", re.M)
_AUTOR = re.compile(r'\bautor="([^"]*)"')
_NOT_PUT_TOGETHER = ("r:embed=", "<w:comment ", "<w:endnoteReference", "<w:drawing>")


@dataclass
class _Part(CachedPart):
    body: str
    """Its XML in word/document.xml; ids as its run numbered them."""
    notes: list[str]
    comments: list[str]
    nums: list[str]
    abstracts: list[str]
    rels: list[str]
    heads: list[dict]
    ids: list[str]
    links: list[str]


class _Whole(Exception):  # noqa: N818  (not an error: a way out)
    """The document cannot be put together from its parts: convert it whole."""


def _reference() -> list[str]:
    reference = templates_dir() / "reference.docx"  # the council's Word styles (issue 3)
    return ["--reference-doc", str(reference)] if reference.exists() else []


def _part_args(author: str, date: str) -> list[str]:
    """What every part's run is told (its marks' author and date, the styles); the title
    and the file's properties go to the frame alone."""
    return ["-M", "lang=de-DE", "-M", f"redline-author={author}", "-M", f"redline-date={date}",
            *_reference()]


def docx_args(title: str, author: str, date: str, provenance: dict[str, str] | None
              ) -> list[str]:
    """pandoc's options for the redline's whole Word file (after `-f …`), output not
    included."""
    return ["-t", "docx", "--lua-filter", str(FILTER), "-M", f"title={title}",
            *_part_args(author, date), *meta_args(provenance or {})]


def _tool_key(author: str, date: str) -> str:
    reference = templates_dir() / "reference.docx"
    return hashlib.sha256("\0".join([
        CACHE_VERSION, pandoc_identity(),
        file_sha256(FILTER, FILTER_PARTS, FILTER_PLAIN,
                    *(FILTER_DIR / f for f in FILTERS_LOADED)),
        file_sha256(reference) if reference.exists() else "", REDLINE_READER, author, date,
    ]).encode()).hexdigest()


_PLAIN_NOT = re.compile(r"\{[^}\n]*\.(?:ins|del|moved)\b|:{3,}[ \t]*(?:ins|del)\b"
                        r"|\]\(#|\]:[ \t]*<?#|!\[|<")
"""What the filter changes or looks at in a part: marks (spans, fenced blocks, also after a
list item's marker, moved passages), links to anchors (inline, or by a definition; an
automatic one begins with `<`), pictures, and anything that may be HTML (a `<`)."""


def _is_plain(text: str) -> bool:
    """Whether a part needs no more of the filter than its headings' placeholders."""
    return _PLAIN_NOT.search(text) is None


def _chapters_speak_for(md: str, author: str) -> bool:
    """Whether every chapter's changes are by `author` (a chapter without an author of its
    own has the document's): the parts do not know which chapter they are in."""
    for m in _KAPITEL.finditer(md):
        named = _AUTOR.search(m.group(1))
        if named is not None and named.group(1) not in ("", author):
            return False
    return True


# --- converting ---------------------------------------------------------------------------


def _read_docx(path: Path) -> dict[str, str]:
    """The XML files of a Word file pandoc wrote, by name."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith((".xml", ".rels"))}


def _pieces(files: dict[str, str]) -> tuple[str, list[tuple[str, str]], str]:
    """(before the first mark, [(key, XML)], from the end mark on) of word/document.xml."""
    doc = files["word/document.xml"]
    start = doc.index(_BODY_START) + len(_BODY_START)
    pieces = _MARK.split(doc[start:])
    keys, xmls = pieces[1::2], pieces[2::2]
    if not keys or keys[-1] != _END:
        raise _Whole
    return doc[:start] + pieces[0], list(zip(keys[:-1], xmls[:-1], strict=True)), xmls[-1]


def _convert(items: list[tuple[str, str]], defs: list[str], author: str, date: str,
             slots: Slot | None = None, frame: PoolJob | None = None) -> dict[str, _Part]:
    """Convert (key, part text) pairs in runs, one pandoc per run, all at once; and the
    `frame` after them, on the first pandoc that is free. (Made beside them, it took one of
    the two workers first, and the larger of two runs waited for it: JGG 2012's Word file
    473 → 461 ms, median of 16 runs each, alternating.)"""
    def digest(n: int, _out: bytes) -> dict[str, _Part]:
        if n == len(runs):
            return {}
        infos = lua_list(json.loads(info_files[n].read_text(encoding="utf-8")))
        files = _read_docx(out_files[n])
        before, parts, _ = _pieces(files)
        if before.split(_BODY_START, 1)[1].strip() or len(infos) != len(parts) + 1 \
                or [k for k, _ in parts] != [k for k, _ in runs[n]]:
            raise _Whole
        notes = {m.group(1): m.group(0) for m in _NOTE.finditer(files["word/footnotes.xml"])}
        comments = {m.group(1): m.group(0)
                    for m in _COMMENT.finditer(files.get("word/comments.xml", ""))}
        numbering = files["word/numbering.xml"]
        nums = {m.group(1): m.group(0) for m in _NUM.finditer(numbering)}
        abstracts = {m.group(1): m.group(0) for m in _ABSTRACT.finditer(numbering)}
        rels = {m.group(1): m.group(0)
                for m in _REL.finditer(files["word/_rels/document.xml.rels"])}
        sections = {m.group(2) for _, piece in parts for m in _HEADING.finditer(piece)
                    if m.group(2)}

        def unended(piece: str) -> str:
            """The piece without the ends of the sections (and the space before them): the
            whole document ends them where the next section starts (`_sections`)."""
            out, last = [], 0
            for m in _BOOKMARK_END.finditer(piece):
                if m.group(1) in sections:
                    out.append(piece[last:m.start()].rstrip())
                    last = m.end()
            out.append(piece[last:])
            return "".join(out)

        out: dict[str, _Part] = {}
        for (key, piece), info in zip(parts, infos, strict=False):
            xml = _HEADING.sub(lambda m: f"<!--rl-abschnitt:{m.group(3)}-->{m.group(0)}",
                               _BETWEEN + unended(piece).strip())[len(_BETWEEN):]
            if any(s in xml for s in _NOT_PUT_TOGETHER):
                raise _Whole
            own_notes = [notes[i] for i in dict.fromkeys(_NOTE_REF.findall(xml))]
            inner = xml + "".join(own_notes)
            own_comments = [comments[i] for i in dict.fromkeys(_COMMENT_REF.findall(inner))]
            own_nums = [nums[i] for i in dict.fromkeys(_NUM_ID.findall(inner))]
            used = dict.fromkeys(a for num in own_nums for a in _ABSTRACT_ID.findall(num))
            own_abstracts = [abstracts[i] for i in used]
            own_rels = [rels[i] for i in dict.fromkeys(
                m.group(1) for m in _REL_REF.finditer(inner) if _begins_word(m))]
            out[key] = _Part(xml, own_notes, own_comments, own_nums, own_abstracts, own_rels,
                             lua_list(info["h"]), lua_list(info["i"]), lua_list(info["a"]))
        return out

    runs = part_runs(items)
    if _PLAIN_NOT.search("\n".join(defs)):
        plain_runs = []
    elif len(runs) > cores():  # runs of unchanged parts, and runs of the others
        plain_runs = part_runs([(k, t) for k, t in items if _is_plain(t)])
        runs = plain_runs + part_runs([(k, t) for k, t in items if not _is_plain(t)])
    else:  # one round: its runs as they are, without the filter where none needs it
        runs.sort(key=lambda run: not all(_is_plain(t) for _, t in run))
        plain_runs = [run for run in runs if all(_is_plain(t) for _, t in run)]
    parts: dict[str, _Part] = {}
    with tempfile.TemporaryDirectory(prefix="lip-redline-docx-") as tmp:
        info_files = [Path(tmp) / f"teile-{n}.json" for n in range(len(runs))]
        out_files = [Path(tmp) / f"teile-{n}.docx" for n in range(len(runs))]
        try:
            for converted in run_pandoc_pool([
                    (["-f", run_reader(run, defs, native_run(run)), "-t", "docx",
                      "--lua-filter", str(FILTER_PLAIN if n < len(plain_runs) else FILTER_PARTS),
                      "-M", f"redline-info={info}",
                      *([] if n < len(plain_runs) else words_skipped(run)),
                      *_part_args(author, date), "-o", str(out)],
                     functools.partial(run_source, run, defs, native_run(run), _END))
                    for n, (run, info, out)
                    in enumerate(zip(runs, info_files, out_files, strict=True))]
                    + ([frame] if frame is not None else []),
                    cores(), slots, then=digest):
                parts.update(converted)
        except (KeyError, ValueError, zipfile.BadZipFile) as e:  # not as expected: whole
            raise _Whole from e
    return parts


@dataclass
class _Frame:
    """The file around the parts: every file of pandoc's Word file as it wrote it for the
    title alone, and word/document.xml cut where the parts go."""

    head: str
    tail: str
    files: dict[str, str]


def _frame_job(title: str, author: str, date: str, provenance: dict[str, str] | None,
               epoch: int | None, path: Path) -> tuple[list[str], str, dict[str, str]]:
    """The pandoc run that makes the frame's Word file at `path` (the zip the result
    copies)."""
    return (["-f", REDLINE_READER, "-t", "docx", "--lua-filter", str(FILTER_PARTS),
             "-M", f"redline-info={path.with_suffix('.json')}", "-M", f"title={title}",
             *_part_args(author, date), *meta_args(provenance or {}), "-o", str(path)],
            f"<!--rl-teil:{_END}-->\n", fixed_clock(epoch or 0))


# --- putting the file together --------------------------------------------------------------


def bookmark_name(ident: str) -> str:
    """The bookmark pandoc's Word writer names after an id: the id, or for one longer than
    Word's 40 characters "X" and 39 hex digits of its SHA-1."""
    if len(ident) <= 40:
        return ident
    return "X" + hashlib.sha1(ident.encode("utf-8")).hexdigest()[1:]  # noqa: S324  (pandoc's)


class _Counter:
    """pandoc's one counter of ids, and its list numbers, continued through the parts."""

    def __init__(self, frame: _Frame) -> None:
        used = [int(m.group(2)) for text in frame.files.values()
                for m in _COUNTED.finditer(text) if _begins_word(m)]
        self.next_id = max([8, *used]) + 1
        self.frame_nums = {m.group(1): m.group(0)
                           for m in _NUM.finditer(frame.files["word/numbering.xml"])}
        """The lists pandoc writes into every file (the one all lists of one style share)."""
        self.next_num = max([999, *map(int, self.frame_nums)]) + 1

    def shared(self, nums: list[str]) -> set[str]:
        """The lists of `nums` that are the frame's own."""
        return {m.group(1) for num in nums if (m := _NUM.match(num))
                and self.frame_nums.get(m.group(1)) == num}

    def renumber(self, texts: list[str], shared: set[str],
                 known: dict[str, str] | None = None) -> list[str]:
        """`texts` (one part's) with its ids and list numbers continued from the last part's;
        the lists `shared` with the frame keep theirs, the ids `known` take the given ones."""
        ids: dict[str, str] = dict(known or {})
        nums: dict[str, str] = {n: n for n in shared}

        def new_id(m: re.Match) -> str:
            if not _begins_word(m):
                return m.group(0)
            if m.group(2) not in ids:
                ids[m.group(2)] = str(self.next_id)
                self.next_id += 1
            return f'{m.group(1)}{ids[m.group(2)]}"'

        def new_num(m: re.Match) -> str:
            if m.group(2) not in nums:
                nums[m.group(2)] = str(self.next_num)
                self.next_num += 1
            return f'{m.group(1)}{nums[m.group(2)]}"'

        return [_NUMBERED.sub(new_num, _COUNTED.sub(new_id, t)) for t in texts]


def _begins_word(m: re.Match) -> bool:
    """Whether a match of `_COUNTED` or `_REL_REF` begins a word (`w:id`, not `xw:id`).
    Checked here, not with `\\b` in the pattern: a pattern that begins with `\\b` is tried
    at every position, one with a letter only where that letter stands (BGB's 3.7 MB of XML:
    52 → 18 ms). No match can begin inside one turned down, so none is missed."""
    start = m.start()
    return start == 0 or _WORD_CHAR.match(m.string, start - 1) is None


def _names(keys: list[str], parts: dict[str, _Part]) -> list[list[str]]:
    """Each part's headings' final ids (`heading_ids`), checked: every link's target is one
    of the document's ids, and each id can be a bookmark's name as it stands."""
    finals = iter(heading_ids([h for key in keys for h in parts[key].heads]))
    own = [[next(finals) for _ in parts[key].heads] for key in keys]
    ids: set[str] = set()
    for key, mine in zip(keys, own, strict=True):
        ids.update(i for i in parts[key].ids if not _PLACEHOLDER_ID.fullmatch(i))
        ids.update(mine)
    for key in keys:
        if any(t not in ids for t in parts[key].links):
            raise _Whole
    if any(_NOT_IN_NAME.search(i) for mine in own for i in mine):
        raise _Whole
    return own


def _assemble(keys: list[str], parts: dict[str, _Part], frame: _Frame) -> dict[str, str]:
    """The files that differ from the frame's, put together from the parts."""
    own = _names(keys, parts)
    counter = _Counter(frame)
    body: list[str] = []
    notes: list[str] = []
    comments: list[str] = []
    nums: list[str] = []
    rels: list[str] = []
    abstracts: dict[str, str] = {}
    links: dict[str, str] = {}  # a link's address: its relationship's number
    for key, mine in zip(keys, own, strict=True):
        part = parts[key]
        known, part_rels = _links_known(part.rels, links)
        shared = counter.shared(part.nums)
        own_nums = [n for n in part.nums if _number(_NUM, n) not in shared]
        texts = counter.renumber([_named(part.body, mine), *part.notes, *own_nums, *part_rels,
                                  *part.comments], shared, known)
        if part.comments:
            comments.extend(texts[-len(part.comments):])
            texts = texts[:-len(part.comments)]
        body.append(texts[0])
        notes.extend(texts[1:1 + len(part.notes)])
        nums.extend(texts[1 + len(part.notes):1 + len(part.notes) + len(own_nums)])
        for rel in texts[1 + len(part.notes) + len(own_nums):]:
            links[_address(rel)] = _number(_REL, rel)
            rels.append(rel)
        for abstract in part.abstracts:
            if abstracts.setdefault(_number(_ABSTRACT, abstract), abstract) != abstract:
                raise _Whole
    numbering = frame.files["word/numbering.xml"]
    have = {m.group(1) for m in _ABSTRACT.finditer(numbering)}
    document, ends = _sections(_BETWEEN.join(b for b in body if b))
    files = {"word/comments.xml": _with_comments(frame.files["word/comments.xml"], comments)} \
        if comments else {}
    return {
        **files,
        "word/document.xml": frame.head + document + ends + frame.tail,
        "word/footnotes.xml": _insert_before(frame.files["word/footnotes.xml"],
                                             "</w:footnotes>", "".join(notes)),
        "word/numbering.xml": _numbering(
            numbering, [a for i, a in abstracts.items() if i not in have], nums),
        "word/_rels/document.xml.rels": _insert_before(
            frame.files["word/_rels/document.xml.rels"], "</Relationships>", "".join(rels)),
        # pandoc gives the footnotes the document's links as well
        "word/_rels/footnotes.xml.rels": _insert_before(
            frame.files["word/_rels/footnotes.xml.rels"], "</Relationships>", "".join(rels)),
    }


def _with_comments(xml: str, comments: list[str]) -> str:
    """word/comments.xml with `comments` in it: pandoc writes an empty one as one element."""
    if "</w:comments>" in xml:
        return _insert_before(xml, "</w:comments>", "".join(comments))
    if not xml.endswith(" />"):
        raise _Whole
    return xml[:-len(" />")] + ">" + "".join(comments) + "</w:comments>"


def _number(pattern: re.Pattern, element: str) -> str:
    """The number (id) of an element a part holds, or `_Whole` if it is not one."""
    m = pattern.match(element)
    if m is None:
        raise _Whole
    return m.group(1)


def _address(rel: str) -> str:
    m = _TARGET.search(rel)
    if m is None:
        raise _Whole
    return m.group(1)


def _links_known(rels: list[str], links: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """A part's links whose address an earlier part has (pandoc gives all links to one
    address one relationship): {its number: the earlier one's}; and the others."""
    known: dict[str, str] = {}
    new: list[str] = []
    for rel in rels:
        if _address(rel) in links:
            known[_number(_REL, rel)] = links[_address(rel)]
        else:
            new.append(rel)
    return known, new


def _named(body: str, names: list[str]) -> str:
    """A part's XML with its headings' bookmarks named after their final ids."""
    return _PLACEHOLDER.sub(
        lambda m: f'w:name="{bookmark_name(names[int(m.group(1)) - 1])}"', body)


def _sections(body: str) -> tuple[str, str]:
    """The body with each section's bookmark ended where pandoc ends it (before the next
    heading of the same or a higher level), and the ends of those still open at its end."""
    open_: list[tuple[int, str]] = []

    def start(m: re.Match) -> str:
        level = int(m.group(1))
        ends = []
        while open_ and open_[-1][0] >= level:
            ended = open_.pop()[1]
            if ended:
                ends.append(f'<w:bookmarkEnd w:id="{ended}" />{_BETWEEN}')
        open_.append((level, m.group(2) or ""))
        return "".join(ends) + m.group(0)[m.group(0).index("-->") + 3:]

    body = _SECTION.sub(start, body)
    return body, "".join(f'{_BETWEEN}<w:bookmarkEnd w:id="{i}" />'
                         for _, i in reversed(open_) if i)


def _insert_before(xml: str, closing: str, inserted: str) -> str:
    if not inserted:
        return xml
    if closing not in xml:  # an empty root, <Relationships … />: opened and closed
        root = re.search(r"<(\w+)([^<>]*?)\s*/>\s*\Z", xml)
        if root is None or f"</{root.group(1)}>" != closing:
            raise _Whole
        return xml[:root.start()] + f"<{root.group(1)}{root.group(2)}>" + inserted + closing
    at = xml.rindex(closing)
    return xml[:at] + inserted + xml[at:]


def _numbering(xml: str, abstracts: list[str], nums: list[str]) -> str:
    """word/numbering.xml with the parts' abstract lists after the frame's and their lists
    after the frame's (pandoc writes all abstract lists before all lists)."""
    if not abstracts and not nums:
        return xml
    first_num = xml.find("<w:num ")
    at = first_num if first_num >= 0 else xml.rindex("</w:numbering>")
    xml = xml[:at] + "".join(abstracts) + xml[at:]
    return _insert_before(xml, "</w:numbering>", "".join(nums))


# --- the Word file --------------------------------------------------------------------------


def docx_bytes(md: str, *, title: str, author: str, date: str, epoch: int | None = None,
               provenance: dict[str, str] | None = None, cache_dir: Path | None = None,
               slots: Slot | None = None,
               finish: Callable[[str, bytes], bytes] | None = None) -> bytes | None:
    """pandoc's Word file of the redline `md`, converted in cached parts, each file of it
    passed through `finish` (name, data) as it is written; None where it has to be converted
    whole (see the module's docstring)."""
    if not _chapters_speak_for(md, author):
        return None
    split = split_parts(md)
    if split is None:
        return None
    texts, defs = split
    tool = _tool_key(author, date)
    keys = part_keys(texts, defs, tool)
    frame_key = "rahmen:" + hashlib.sha256("\0".join([
        tool, str(epoch or 0), title,
        json.dumps(provenance or {}, ensure_ascii=False, sort_keys=True)]).encode()).hexdigest()
    with Cache(cache_dir, "redline-docx.sqlite", CACHE_LIMIT_BYTES) as cache, \
            tempfile.TemporaryDirectory(prefix="lip-redline-docx-") as tmp:
        frame_file = Path(tmp) / "rahmen.docx"
        frame = _cached_frame(cache.get(frame_key), frame_file)
        made = _frame_job(title, author, date, provenance, epoch, frame_file) \
            if frame is None else None
        try:
            parts = {k: part for k, data in cache.get_many(list(dict.fromkeys(keys))).items()
                     if (part := _Part.load(data)) is not None}
            missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in parts}
            if missing:
                parts.update(_convert(list(missing.items()), defs, author, date, slots, made))
            elif made is not None:
                args, source, env = made
                run_pandoc(args, source, env=env)
            if made is not None:
                frame = _load_frame(frame_file)
            assert frame is not None
            files = _assemble(keys, parts, frame)
        except _Whole:
            return None
        cache.put_many({k: parts[k].dump() for k in missing})
        if made is not None:
            cache.put(frame_key, base64.b64encode(frame_file.read_bytes()).decode("ascii"))
        return zip_like(frame_file, files, finish)


def _cached_frame(data: str | None, path: Path) -> _Frame | None:
    """The frame from the cache, its Word file written to `path`; None if missing or
    damaged (it is made again)."""
    if data is None:
        return None
    try:
        path.write_bytes(base64.b64decode(data, validate=True))
        return _load_frame(path)
    except (ValueError, _Whole):
        return None


def _load_frame(path: Path) -> _Frame:
    try:
        files = _read_docx(path)
        head, parts, tail = _pieces(files)
    except (KeyError, ValueError, zipfile.BadZipFile) as e:
        raise _Whole from e
    if parts:
        raise _Whole
    return _Frame(head, tail, files)


def zip_like(frame: Path, files: dict[str, str],
              finish: Callable[[str, bytes], bytes] | None = None) -> bytes:
    """The frame's Word file with `files` in place of its own: the same entries, order,
    times and compression; each file through `finish` if given."""
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(frame) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = files[info.filename].encode("utf-8") if info.filename in files \
                else src.read(info)
            dst.writestr(info, data if finish is None else finish(info.filename, data))
    return out.getvalue()
