"""Render redline Markdown: HTML (fragment and page), PDF via typst, DOCX with tracked changes,
and the Synopse (two columns: Bisherige Fassung | Neue Fassung)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import RenderError
from pipeline.files import write_atomic
from pipeline.redline.engine import DEL, INS, PANDOC_API, resolve_blocks
from pipeline.render import FILTER_DIR, redline_ast, templates_dir
from pipeline.render.reader import REDLINE_READER as READER
from pipeline.render.tools import Slot, fixed_clock, import_meanwhile, run_pandoc

if TYPE_CHECKING:
    from pipeline.redline import Redline

FILTER = FILTER_DIR / "redline.lua"
TEMPLATES = templates_dir()  # the one locator of templates/


def _env(epoch: int | None) -> dict[str, str]:
    return fixed_clock(epoch if epoch is not None else 0)


def _meta_args(meta: dict[str, str]) -> list[str]:
    """`redline_html.meta_args`, that module loaded only when needed."""
    from pipeline.render.redline_html import meta_args

    return meta_args(meta)


def to_html_fragment(redline: Redline | str) -> str:
    """HTML with semantic <ins>/<del>, labelled "Einfügung:"/"Streichung:" for screen readers."""
    md = redline if isinstance(redline, str) else redline.markdown
    return run_pandoc(["-f", READER, "-t", "html5", "--lua-filter", str(FILTER)], md,
                      env=_env(0)).decode("utf-8")


def _as_read(md: str) -> tuple[str, str]:
    """(reader, text) for pandoc: the simple marks as HTML spans, which it reads once, where
    the text holds no HTML of its own (`redline_html.native_marks`)."""
    from pipeline.render.redline_html import may_hold_html, native_marks

    if may_hold_html(md):
        return READER, md
    return READER + "+native_spans", native_marks(md)


def render_docx(md: str, out: Path, *, title: str, author: str, date: str,
                epoch: int | None = None, provenance: dict[str, str] | None = None,
                version: str = "", cache_dir: Path | None = None,
                slots: Slot | None = None) -> Path:
    """DOCX with real Word tracked changes (w:ins / w:del) by `author` on `date`;
    `provenance` (lip-commit, lip-kapitel, …) goes into the custom properties. The page
    header names `title` and `version`, as the PDF's does. Converted in parts, cached in
    `cache_dir` (`redline_docx`), where the document allows."""
    from pipeline.render import redline_docx

    data = redline_docx.docx_bytes(md, title=title, author=author, date=date, epoch=epoch,
                                   provenance=provenance, cache_dir=cache_dir, slots=slots,
                                   finish=change_finisher(title, version))
    if data is None:
        render_docx_whole(md, out, title=title, author=author, date=date, epoch=epoch,
                          provenance=provenance)
        _unique_change_ids(out, title, version)
    else:  # finished while put together: the archive is written once, not read back
        write_atomic(out, data)
    return out


def render_docx_whole(md: str, out: Path, *, title: str, author: str, date: str,
                      epoch: int | None = None,
                      provenance: dict[str, str] | None = None) -> Path:
    """pandoc's Word file of the redline from one run over the whole document (the
    reference, and the way for documents that cannot be cut); not yet tracked as Word
    expects (`render_docx`)."""
    from pipeline.render.redline_docx import docx_args

    reader, md = _as_read(md)
    run_pandoc(["-f", reader, *docx_args(title, author, date, provenance), "-o", str(out)],
               md, env=_env(epoch))
    return out


_CHANGE_ID = re.compile(rb'<w:(ins|del) w:id="\d+"')
# the first chapter-level heading's paragraph properties up to where a page break may follow
# (pStyle, keepNext, keepLines come before pageBreakBefore in OOXML's order)
_FIRST_HEADING = re.compile(rb'<w:pStyle w:val="Heading1" ?/>(?:<w:keep(?:Next|Lines) ?/>)*')
_PARAGRAPH = re.compile(rb"<w:p>.*?</w:p>|<w:p .*?</w:p>", re.S)
_CHANGE = {k: re.compile(rb"<w:" + k + rb" [^>]*>.*?</w:" + k + rb">", re.S)
           for k in (b"ins", b"del")}
_CHANGE_TAG = {k: re.compile(rb"<w:" + k + rb' w:id="\d+"( w:author="[^"]*")?( w:date="[^"]*")?')
               for k in (b"ins", b"del")}
_RUN = re.compile(rb"<w:r[ >]")
_COMMENT_RUN = re.compile(rb'<w:r><w:rPr><w:rStyle w:val="CommentReference" ?/></w:rPr>'
                          rb'<w:commentReference w:id="\d+" ?/></w:r>')
"""The run that holds a comment's mark (a moved passage's): no text of the paragraph."""


_TABLE = re.compile(rb"<w:tbl>.*?</w:tbl>", re.S)
_ROW = re.compile(rb"<w:tr>.*?</w:tr>|<w:tr .*?</w:tr>", re.S)


def _whole_change(body: bytes) -> bytes | None:
    """The w:ins/w:del element to mark `body` with if all of its runs are that change."""
    for kind in (b"ins", b"del"):
        tag = _CHANGE_TAG[kind].search(body)
        if tag is None:
            continue
        rest = _CHANGE[kind].sub(b"", body)
        if b"<w:commentReference " in rest:
            rest = _COMMENT_RUN.sub(b"", rest)
        if not _RUN.search(rest):
            return b"<w:" + kind + b' w:id="0"' + (tag.group(1) or b"") + \
                (tag.group(2) or b"") + b" />"
    return None


def _track_row(row: bytes) -> bytes:
    """A table row whose text is all inserted (deleted) is an inserted (deleted) row."""
    mark = _whole_change(row)
    if mark is None:
        return row
    if b"<w:trPr>" in row:  # w:ins/w:del come last in w:trPr (after w:tblHeader)
        return row.replace(b"</w:trPr>", mark + b"</w:trPr>", 1)
    start = row.index(b">") + 1
    return row[:start] + b"<w:trPr>" + mark + b"</w:trPr>" + row[start:]


def _track_structure(xml: bytes) -> bytes:
    """Paragraph marks outside tables, whole rows inside them (a cell's last paragraph mark
    cannot be deleted in Word)."""
    out, pos = [], 0
    for m in _TABLE.finditer(xml):
        out.append(_PARAGRAPH.sub(lambda p: _track_paragraph_mark(p.group(0)),
                                  xml[pos:m.start()]))
        out.append(_ROW.sub(lambda r: _track_row(r.group(0)), m.group(0)))
        pos = m.end()
    out.append(_PARAGRAPH.sub(lambda p: _track_paragraph_mark(p.group(0)), xml[pos:]))
    return b"".join(out)


def _track_paragraph_mark(par: bytes) -> bytes:
    """Mark the paragraph mark as inserted/deleted when all of the paragraph's text is, so
    rejecting an inserted paragraph (or accepting a deleted one) leaves no empty line."""
    if b"<w:ins w:id=" not in par and b"<w:del w:id=" not in par:
        return par  # no change in it (most paragraphs): `_whole_change` would find none
    body = re.sub(rb"<w:pPr>.*?</w:pPr>", b"", par, count=1, flags=re.S)
    mark = _whole_change(body)
    if mark is None:
        return par
    if b"<w:pPr>" in par:
        head, rest = par.split(b"</w:pPr>", 1)
        if b"<w:rPr>" in head:
            head = head.replace(b"<w:rPr>", b"<w:rPr>" + mark, 1)
            return head + b"</w:pPr>" + rest
        return head + b"<w:rPr>" + mark + b"</w:rPr></w:pPr>" + rest
    start = par.index(b">") + 1
    return par[:start] + b"<w:pPr><w:rPr>" + mark + b"</w:rPr></w:pPr>" + par[start:]


def change_finisher(title: str, version: str) -> Callable[[str, bytes], bytes]:
    """What a Word file of a redline needs beyond pandoc's, file by file in the order of the
    archive: whole paragraphs' marks tracked, every w:ins/w:del with its own w:id (pandoc
    numbers insertions and deletions separately, so ids repeat; Word expects one per
    change), the template's page header filled, the first heading on the title's page
    (`keep_title_page`) and space between a table or a list and the text after it."""
    from pipeline.render.wordstyle import fill_header, is_header, space_after_blocks

    counter = iter(range(10_000, 10**9))

    def finish(name: str, data: bytes) -> bytes:
        if name in ("word/document.xml", "word/footnotes.xml"):
            data = _track_structure(data)
            if name == "word/document.xml":
                data = space_after_blocks(keep_title_page(data))
            return _CHANGE_ID.sub(
                lambda m: b'<w:' + m.group(1) + b' w:id="' + str(next(counter)).encode()
                + b'"', data)
        if is_header(name):
            return fill_header(data, title, version, "")
        return data
    return finish


def keep_title_page(document: bytes) -> bytes:
    """word/document.xml with its first chapter-level heading on the title's page: the
    council's template starts each such heading on a new page, which left the redline's
    title alone on page 1, even for a change of one word."""
    return _FIRST_HEADING.sub(lambda m: m.group(0) + b'<w:pageBreakBefore w:val="0"/>',
                              document, count=1)


def _unique_change_ids(docx: Path, title: str, version: str) -> None:
    """The Word file `docx` pandoc wrote, finished in place (`change_finisher`)."""
    from pipeline.render.redline_docx import zip_like

    write_atomic(docx, zip_like(docx, {}, change_finisher(title, version)))


def render_pdf(md: str, out: Path, *, title: str, meta: dict[str, str] | None = None,
               epoch: int | None = None, template: str = "redline.typ",
               cache_dir: Path | None = None, slots: Slot | None = None) -> Path:
    """Tagged PDF (PDF/UA-1) via pandoc → typst with the council template. Markdown is
    converted in parts, cached in `cache_dir` (`redline_typst`); `slots` are shared with the
    command's other pandocs."""
    from pipeline.render import redline_typst

    import_meanwhile("typst")()  # typst loads while pandoc converts
    typ = redline_typst.typst_source(md, title=title, meta=meta, epoch=epoch,
                                     cache_dir=cache_dir, slots=slots, template=template)
    return compile_pdf(typ, out, epoch=epoch)


def compile_pdf(typ: bytes, out: Path, *, epoch: int | None = None) -> Path:
    """The PDF (PDF/UA-1) of a typst document; its source beside it (`out` as `.typ`)."""
    import typst

    from pipeline.render import workers

    workers.stop()
    out.parent.mkdir(parents=True, exist_ok=True)
    src = out.with_suffix(".typ")
    src.write_bytes(typ)
    stamp = dt.datetime.fromtimestamp(epoch if epoch is not None else 0, dt.UTC)
    try:
        pdf, warnings = typst.compile_with_warnings(
            str(src), root=str(out.parent), ignore_system_fonts=True, timestamp=stamp,
            pdf_standards=["ua-1"])
    except typst.TypstError as e:
        raise RenderError("typst", f"typst compile {src}", 1,
                          f"{e.message}\n{getattr(e, 'hints', '')}") from None
    write_atomic(out, pdf)
    return out


# --- Synopse ---------------------------------------------------------------------------------


def _plainify_headers(blocks: list) -> list:
    """Headings become bold paragraphs (a heading inside a table cell confuses readers)."""
    out = []
    for b in blocks:
        if b["t"] == "Header":
            out.append({"t": "Para", "c": [{"t": "Strong", "c": b["c"][2]}]})
        elif b["t"] == "Div":
            out.append({"t": "Div", "c": [b["c"][0], _plainify_headers(b["c"][1])]})
        else:
            out.append(b)
    return out


def _strip_ids(node: Any) -> Any:
    """Drop identifiers (the old column repeats the new one's ids). Words, spaces and other
    elements without content of their own are taken as they are, not copied (the BGB's
    Synopse has 1.7 million)."""
    if isinstance(node, dict):
        t, c = node.get("t"), node.get("c")
        if c is None or isinstance(c, str):
            return node
        if t in redline_ast.WITH_ID:
            attr = c[0]
            return {"t": t, "c": [["", attr[1], attr[2]], *[_strip_ids(x) for x in c[1:]]]}
        if t == "Header":
            return {"t": t, "c": [c[0], ["", c[1][1], c[1][2]], _strip_ids(c[2])]}
        return {k: _strip_ids(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_strip_ids(x) for x in node]
    return node


def _cell(blocks: list, colspan: int = 1) -> list:
    return [["", [], []], {"t": "AlignDefault"}, 1, colspan, _plainify_headers(blocks)]


def _is_change_div(b: dict, kind: str | None = None) -> bool:
    if b["t"] != "Div":
        return False
    classes = b["c"][0][1]
    return (INS in classes or DEL in classes) and (kind is None or kind in classes)


def synopse_rows(blocks: list) -> list[tuple[list, list, bool]]:
    """Rows (old blocks, new blocks, unchanged) aligned by paragraph/Maßnahme."""
    rows: list[tuple[list, list, bool]] = []
    flat: list = []
    for b in blocks:  # a chapter wrapper is no row of its own
        if b["t"] == "Div" and "rl-kapitel" in b["c"][0][1]:
            flat.extend(b["c"][1])
        else:
            flat.append(b)
    blocks = flat
    k = 0
    while k < len(blocks):
        b = blocks[k]
        if _is_change_div(b, DEL) and "moved" not in b["c"][0][1] and k + 1 < len(blocks) \
                and _is_change_div(blocks[k + 1], INS) and "moved" not in blocks[k + 1]["c"][0][1]:
            pair = [b, blocks[k + 1]]
            rows.append((resolve_blocks(pair, False, True), resolve_blocks(pair, True, True),
                         False))
            k += 2
            continue
        whole = json.dumps([b])
        if '"ins"' not in whole and '"del"' not in whole:  # no mark in it: the same in both
            rows.append(([b], [b], True))
            k += 1
            continue
        old = resolve_blocks([b], False, True)
        new = resolve_blocks([b], True, True)
        unchanged = json.dumps(old) == whole and json.dumps(new) == whole
        rows.append((old, new, unchanged))
        k += 1
    return rows


def redline_blocks(redline_md: str, *, cache_dir: Path | None = None,
                   slots: Slot | None = None) -> list:
    """The redline's blocks for the Synopse: read in parts (`redline_html.split_parts`),
    each once, then from the engine's cache in `cache_dir`, on all cores; its chapters
    unwrapped. Only their automatic heading ids differ from one reading of the whole (the
    Synopse drops ids); where a part could read differently alone, the whole is read."""
    from pipeline.render.redline_html import split_parts
    from pipeline.render.redline_text import read_texts

    split = split_parts(redline_md)
    if split is None:
        return whole_blocks(redline_md)
    texts, defs = split
    return [b for blocks in read_texts(texts, defs, cache_dir=cache_dir, slots=slots)
            for b in blocks]


def whole_blocks(redline_md: str) -> list:
    """The redline's blocks from one reading of the whole."""
    reader, text = _as_read(redline_md)
    return json.loads(run_pandoc(["-f", reader, "-t", "json"], text))["blocks"]


def synopse_document(redline_md: str, *, title: str, heading_old: str = "Bisherige Fassung",
                     heading_new: str = "Neue Fassung", cache_dir: Path | None = None,
                     slots: Slot | None = None) -> dict:
    """The Synopse as a pandoc document: one table, one row per paragraph or Maßnahme
    (the redline read as `redline_blocks` reads it)."""
    return synopse_of_blocks(redline_blocks(redline_md, cache_dir=cache_dir, slots=slots),
                             heading_old=heading_old, heading_new=heading_new)


def synopse_of_blocks(blocks: list, *, heading_old: str = "Bisherige Fassung",
                      heading_new: str = "Neue Fassung") -> dict:
    """`synopse_document` of the redline's blocks."""
    rows = []
    for old, new, unchanged in synopse_rows(blocks):
        if unchanged and old and old[0]["t"] == "Header":
            rows.append([["", ["rl-heading"], []], [_cell(old, 2)]])
        elif unchanged and old and old[0]["t"] == "Div" and "vorgaben" in old[0]["c"][0][1]:
            rows.append([["", ["rl-vorgaben"], []], [_cell(_strip_ids(old), 2)]])  # once, across both
        else:
            same = _strip_ids(old) if unchanged else None  # one copy for both columns
            rows.append([["", [], []], [_cell(same or _strip_ids(old)),
                                        _cell(same or _strip_ids(new))]])
    head = [["", [], []], [[["", [], []], [_cell([{"t": "Plain", "c": _words(heading_old)}]),
                                           _cell([{"t": "Plain", "c": _words(heading_new)}])]]]]
    table = {"t": "Table", "c": [
        ["synopse", ["synopse"], []], [None, []],
        [[{"t": "AlignLeft"}, {"t": "ColWidth", "c": 0.5}],
         [{"t": "AlignLeft"}, {"t": "ColWidth", "c": 0.5}]],
        head, [[["", [], []], 0, [], rows]], [["", [], []], []]]}
    return {"pandoc-api-version": PANDOC_API, "meta": {}, "blocks": [table]}


def _words(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, w in enumerate(text.split()):
        if i:
            out.append({"t": "Space"})
        out.append({"t": "Str", "c": w})
    return out


def synopse_with_summary(summary_md: str, redline_md: str, title: str, *,
                         cache_dir: Path | None = None, slots: Slot | None = None) -> dict:
    """Summary (Markdown) followed by the Synopse table, as a pandoc document."""
    from pipeline.render.redline_text import compact_words

    doc = synopse_document(redline_md, title=title, cache_dir=cache_dir, slots=slots)
    if summary_md:
        summary = json.loads(run_pandoc(["-f", READER, "-t", "json"], summary_md))["blocks"]
        doc["blocks"] = summary + doc["blocks"]
    # the same HTML and PDF from less than half the JSON (the BGB's: 6.7 → 2.8 s to typst)
    doc["blocks"] = compact_words(doc["blocks"])
    return doc


def synopse_json(summary_md: str, redline_md: str, title: str) -> str:
    """`synopse_with_summary` as pandoc JSON text."""
    return json.dumps(synopse_with_summary(summary_md, redline_md, title), ensure_ascii=False)


def synopse_fragment(redline_md: str, *, heading_old: str, heading_new: str,
                     filters: list[Path]) -> str:
    """The Synopse table as an HTML fragment, through `filters` (the review site's own
    filter makes it safe to publish): the same rows as the Synopse of `lip redline`."""
    doc = synopse_document(redline_md, title="", heading_old=heading_old,
                           heading_new=heading_new)
    for table in doc["blocks"]:  # no <col style=…>: the site's CSP forbids inline style
        table["c"][2] = [[{"t": "AlignDefault"}, {"t": "ColWidthDefault"}]
                         for _ in table["c"][2]]
    args = ["-f", "json", "-t", "html5", "--wrap=none", *[f"--lua-filter={f}" for f in filters]]
    return run_pandoc(args, json.dumps(doc, ensure_ascii=False)).decode("utf-8")


def render_synopse_html(summary_md: str, redline_md: str, out: Path, *, title: str,
                        meta: dict[str, str] | None = None, epoch: int | None = None,
                        synopse: str | None = None) -> Path:
    """The Synopse as a page; `synopse`: its `synopse_json`, if made before."""
    args = ["-f", "json", "-t", "html5", "-s", "--template", str(TEMPLATES / "redline.html"),
            "--lua-filter", str(FILTER), "-M", f"title={title}", "-M", "lang=de",
            "-V", "synopse=1", *_meta_args(meta or {}), "-o", str(out)]
    run_pandoc(args, synopse if synopse is not None else synopse_json(summary_md, redline_md,
                                                                      title), env=_env(epoch))
    return out


def render_synopse_pdf(summary_md: str, redline_md: str, out: Path, *, title: str,
                       meta: dict[str, str] | None = None, epoch: int | None = None,
                       cache_dir: Path | None = None, slots: Slot | None = None) -> Path:
    """The Synopse as a PDF, read and written in parts cached in `cache_dir`."""
    doc = synopse_with_summary(summary_md, redline_md, title, cache_dir=cache_dir, slots=slots)
    typ = _synopse_typst(doc, title=title, meta=meta, epoch=epoch, cache_dir=cache_dir,
                         slots=slots)
    del doc  # typst needs the memory
    return compile_pdf(typ, out, epoch=epoch)


def _synopse_typst(doc: dict, *, title: str, meta: dict[str, str] | None, epoch: int | None,
                   cache_dir: Path | None, slots: Slot | None) -> bytes:
    """The typst of the Synopse `doc` (`synopse_with_summary`), its cells written in cached
    stretches (`synopse_typst`)."""
    from pipeline.render.synopse_typst import synopse_source

    import_meanwhile("typst")()
    return synopse_source(doc, title=title, meta={**(meta or {}), "synopse": "1"},
                          epoch=epoch, cache_dir=cache_dir, slots=slots)


def render_synopse(summary_md: str, redline_md: str, out_dir: Path, *, title: str,
                   meta: dict[str, str] | None = None, epoch: int | None = None,
                   cache_dir: Path | None = None, slots: Slot | None = None) -> list[Path]:
    """synopse.html and synopse.pdf from one Synopse document (reading the redline twice
    cost the BGB's 3 s), the page's pandoc beside the PDF's. The redline is read and the
    PDF's cells are written in parts, cached in `cache_dir` (`synopse_typst`)."""
    from concurrent.futures import ThreadPoolExecutor

    doc = synopse_with_summary(summary_md, redline_md, title, cache_dir=cache_dir,
                               slots=slots)
    with ThreadPoolExecutor(1, thread_name_prefix="synopse-seite") as pool:
        page = pool.submit(render_synopse_html, summary_md, redline_md,
                           out_dir / "synopse.html", title=title, meta=meta, epoch=epoch,
                           synopse=json.dumps(doc, ensure_ascii=False))
        typ = _synopse_typst(doc, title=title, meta=meta, epoch=epoch, cache_dir=cache_dir,
                             slots=slots)
        del doc  # typst needs the memory
        pdf = compile_pdf(typ, out_dir / "synopse.pdf", epoch=epoch)
        return [page.result(), pdf]
