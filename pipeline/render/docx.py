"""DOCX for Word users: the whole Beschlussdrucksache, styled by templates/reference.docx.

pandoc writes the body; a few things Word needs that pandoc cannot say are set afterwards in
the file's XML (`finish_word`): the header's title, Fassung and ENTWURF, the contents list
(filled, so that it is not empty until Word updates its fields), and table widths fitted to
the A4 text column.

pandoc stores a PNG copy beside every SVG image; those copies are made ahead of time, next to
pandoc, and kept in the build cache (render/svgpng.py). Without a cache, pandoc makes them.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from pipeline.assemble import DRAFT_MARK, TOC_ANCHOR, Assembled, with_drucksache
from pipeline.render import filter_args_for
from pipeline.render.backend import Settings
from pipeline.render.pandoc import PendingPandoc
from pipeline.render.svgpng import PngCopies
from pipeline.render.wordstyle import R_NS, TEXT_WIDTH, fill_header, is_header, space_after_blocks

TOC_TITLE = "Inhalt"
TOC_LEVELS = 2
COLUMN_WIDTHS = {
    "Finanzielle Auswirkungen": (50, 17, 15, 18),
    "Angaben zur Drucksache": (30, 70),
}
"""Column widths in percent for the Drucksache's tables, by the start of their caption (the
other tables keep pandoc's relative widths, fitted to the column)."""

PROVENANCE_PREFIX = "lip-"
"""Metadata keys pandoc writes into docProps/custom.xml: where the file came from (issue 17)."""


def build_provenance(manifest: dict) -> dict[str, str]:
    """The build's provenance as custom properties: commit and each chapter's text hash, the
    same fields `lip word-export` writes, so `lip word-import` knows the text of any DOCX."""
    if not manifest.get("commit"):
        return {}
    props = {"lip-art": "build", "lip-commit": str(manifest["commit"]),
             "lip-geaendert": "ja" if manifest.get("geaendert") else "nein"}
    chapters = manifest.get("kapitel") or []
    props["lip-kapitel"] = " ".join(str(ch.get("id", "")) for ch in chapters)
    for ch in chapters:
        props[f"lip-text-sha256-{ch.get('id', '')}"] = str(ch.get("text_sha256", ""))
    return props


class WordConversion:
    """pandoc's DOCX run together with the PNG copies it will ask for."""

    def __init__(self, pandoc: PendingPandoc, copies: PngCopies | None,
                 settings: Settings | None = None, whole: bool = True) -> None:
        self._pandoc, self._copies, self._settings = pandoc, copies, settings
        self._whole = whole
        """The whole Beschlussdrucksache (the Drucksache part in front); a chapter exported
        for editing in Word (`lip word-export`) is only its text."""

    def finish(self, doc: Assembled) -> bytes:
        if self._settings is not None and not any(k.startswith(PROVENANCE_PREFIX)
                                                  for k in doc.metadata):
            provenance = build_provenance(self._settings.manifest() or {})
            doc = Assembled(doc.parts, {**doc.metadata, **provenance}, doc.data)
        try:
            full = with_drucksache(doc, word=True) if self._whole else doc
            return finish_word(self._pandoc.finish(full), doc.data)
        finally:
            self._copies_done()

    def cancel(self) -> None:
        self._pandoc.cancel()
        self._copies_done()

    def _copies_done(self) -> None:
        """Wait for conversions still running and tidy the cache (once)."""
        copies, self._copies = self._copies, None
        if copies is not None:
            copies.finish()


def start(*, template: Path, settings: Settings, whole: bool = True) -> WordConversion:
    copies = PngCopies(settings.resources, settings.cache_dir) if settings.cache_dir else None
    filters = filter_args_for("docx") if whole else []
    pandoc = PendingPandoc("docx", [f"--reference-doc={template}", *filters],
                           settings, "pandoc (DOCX)",
                           env=copies.pandoc_env(settings.work_dir) if copies else None,
                           on_input=copies.start if copies else None)
    return WordConversion(pandoc, copies, settings, whole)


def finish_word(docx: bytes, data: dict) -> bytes:
    """pandoc's DOCX with header texts, a filled contents list and fitted tables; in the
    whole Beschlussdrucksache the Drucksache's pages are a section of their own, headed by it
    („Beschlussdrucksache Nr. …“, `assemble.drucksache_kopf`) as in the PDF."""
    draft = DRAFT_MARK if data.get("entwurf") else ""
    title = str(data.get("kurztitel") or data.get("titel", ""))
    fassung = str(data.get("fassung", ""))
    kopf = str((data.get("drucksache") or {}).get("kopf", ""))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w") as dst:
        names = src.namelist()
        xml = src.read("word/document.xml").decode("utf-8")
        # the Drucksache's header: the template's, filled with its own title
        own = kopf and ANLAGE_TITLE in xml and "word/header1.xml" in names \
            and DRUCKSACHE_HEADER not in names
        for info in src.infolist():
            data_ = src.read(info)
            if is_header(info.filename):
                data_ = fill_header(data_, title, fassung, draft)
            elif info.filename == "word/document.xml":
                data_ = _document(xml, draft=bool(draft),
                                  drucksache_header=DRUCKSACHE_HEADER_ID if own else None
                                  ).encode("utf-8")
            elif own and info.filename == "word/_rels/document.xml.rels":
                data_ = data_.replace(b"</Relationships>", (
                    f'<Relationship Id="{DRUCKSACHE_HEADER_ID}" Type="{R_NS}/header" '
                    f'Target="{DRUCKSACHE_HEADER.removeprefix("word/")}"/></Relationships>').encode())
            elif own and info.filename == "[Content_Types].xml":
                data_ = data_.replace(b"</Types>", (
                    f'<Override PartName="/{DRUCKSACHE_HEADER}" ContentType="application/'
                    'vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/></Types>'
                ).encode())
            _write(dst, info, data_)
            if own and info.filename == "word/header1.xml":
                _write(dst, zipfile.ZipInfo(DRUCKSACHE_HEADER, info.date_time),
                       fill_header(src.read(info), kopf, fassung, draft))
    return out.getvalue()


def _write(dst: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> None:
    entry = zipfile.ZipInfo(info.filename, info.date_time)  # same dates: reproducible
    entry.external_attr = info.external_attr
    # Pictures are compressed already: storing them saves the build the time.
    entry.compress_type = zipfile.ZIP_STORED if info.filename.endswith(_PACKED) \
        else zipfile.ZIP_DEFLATED
    dst.writestr(entry, data)


DRUCKSACHE_HEADER = "word/header-drucksache.xml"
DRUCKSACHE_HEADER_ID = "rIdLipKopfDrucksache"
ANLAGE_TITLE = '<w:pStyle w:val="Anlagentitel" />'
"""pandoc's paragraph of Anlage 1's title (assemble.drucksache_markdown): the plan's section
begins there."""


_PACKED = (".png", ".jpg", ".jpeg", ".gif")


_TITLE_BLOCK = re.compile(r'<w:p>\s*<w:pPr>\s*<w:pStyle w:val="(?:Title|Subtitle|Author|Date)" ?/>'
                          r"\s*</w:pPr>.*?</w:p>\s*", re.S)
_HEADING = re.compile(r'(?:<w:bookmarkStart w:id="\d+" w:name="([^"]+)" ?/>\s*)?'
                      r'<w:p>\s*<w:pPr>\s*<w:pStyle w:val="Heading([1-9])" ?/>.*?</w:pPr>(.*?)</w:p>', re.S)


def _document(xml: str, *, draft: bool = False, drucksache_header: str | None = None) -> str:
    body = xml.find("<w:body>") + len("<w:body>")
    head, rest = xml[:body], xml[body:]
    start = _TITLE_BLOCK.sub("", rest[:20_000])  # the Drucksache opens the file, as in the PDF
    xml = head + start + rest[20_000:]
    xml = _contents(xml)
    if not draft:  # a draft keeps the header's ENTWURF on every page (the PDF's watermark)
        xml = _first_page_without_header(xml)
    if drucksache_header is not None:
        xml = _drucksache_section(xml, drucksache_header)
    return space_after_blocks(re.sub(r"<w:tbl>.*?</w:tbl>", _fit_table, xml, flags=re.S))


def _first_page_without_header(xml: str) -> str:
    """The Drucksache's first page carries no page header, as in the PDF, but the same
    footer („Seite 1 von N“). Only for the final document: Word has no watermark, so a draft
    shows its ENTWURF in the header of every page. the last section gets a first page of its own (w:titlePg) whose
    footer is the default one and which has no header."""
    at = xml.rfind("<w:sectPr")
    end = xml.find("</w:sectPr>", at)
    if at < 0 or end < 0 or "<w:titlePg" in xml[at:end]:
        return xml
    sect = xml[at:end]
    footer = re.search(r'<w:footerReference r:id="([^"]+)" w:type="default" ?/>', sect)
    if footer is not None:
        sect = sect.replace(footer.group(0), footer.group(0)
                            + f'<w:footerReference r:id="{footer.group(1)}" w:type="first"/>')
    # CT_SectPr's order: titlePg comes after cols and before docGrid
    grid = sect.find("<w:docGrid")
    sect = sect[:grid] + "<w:titlePg/>" + sect[grid:] if grid >= 0 else sect + "<w:titlePg/>"
    return xml[:at] + sect + xml[end:]


def _drucksache_section(xml: str, header_id: str) -> str:
    """The Drucksache's pages (up to Anlage 1's title) as a section of their own: the plan's
    section, headed by the header `header_id`. Its first page has no header where the plan's
    has none (`_first_page_without_header`), as in the PDF, which heads neither the
    Drucksache's first page nor Anlage 1's title page."""
    at = xml.rfind("<w:sectPr")
    end = xml.find("</w:sectPr>", at) + len("</w:sectPr>")
    title = xml.find(ANLAGE_TITLE)
    last = xml.rfind("<w:p>", 0, title)  # the Anlage title's paragraph
    if at < 0 or title < 0 or last < 0:
        return xml
    sect = re.sub(r'<w:headerReference\b[^>]*\bw:type="default"[^>]*/>',
                  f'<w:headerReference w:type="default" r:id="{header_id}"/>', xml[at:end])
    # an empty paragraph ends the Drucksache's section; the Anlage's title (a page break
    # before it in its style) begins the next page with the plan's section
    return xml[:last] + f"<w:p><w:pPr>{sect}</w:pPr></w:p>" + xml[last:]


def _contents(xml: str) -> str:
    """Word's contents field at the marker, filled with the headings (linked); Word adds
    page numbers when it updates the field (it asks on opening)."""
    marker = re.search(rf'<w:bookmarkStart w:id="\d+" w:name="{TOC_ANCHOR}" ?/>(.*?)'
                       rf'<w:bookmarkEnd w:id="\d+" ?/>', xml, re.S)
    if marker is None:
        return xml
    entries = []
    for m in _HEADING.finditer(xml, marker.end()):
        level = int(m.group(2))
        if level > TOC_LEVELS:
            continue
        text = "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", m.group(3)))
        run = f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'
        if m.group(1):
            run = f'<w:hyperlink w:anchor="{m.group(1)}" w:history="1">{run}</w:hyperlink>'
        entries.append(f'<w:p><w:pPr><w:pStyle w:val="TOC{level}"/></w:pPr>{{begin}}{run}{{end}}</w:p>')
    if not entries:
        return xml
    begin = ('<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
             f'<w:r><w:instrText xml:space="preserve">TOC \\o "1-{TOC_LEVELS}" \\h \\z \\u</w:instrText></w:r>'
             '<w:r><w:fldChar w:fldCharType="separate"/></w:r>')
    end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    last = len(entries) - 1
    entries = [e.replace("{begin}", begin if i == 0 else "").replace("{end}", end if i == last else "")
               for i, e in enumerate(entries)]
    toc = ('<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/>'
           '<w:docPartUnique/></w:docPartObj></w:sdtPr><w:sdtContent>'
           f'<w:p><w:pPr><w:pStyle w:val="TOCHeading"/></w:pPr><w:r><w:t>{TOC_TITLE}</w:t></w:r></w:p>'
           + "".join(entries) + "</w:sdtContent></w:sdt>")
    return xml[:marker.start()] + toc + xml[marker.end():]


_ROW = re.compile(r"<w:tr>.*?</w:tr>", re.S)
_PARAGRAPH_START = re.compile(r"<w:p>(?:\s*<w:pPr>(?:\s*<w:pStyle [^>]*/>)?)?")


def _keep_with_next(paragraph_start: re.Match) -> str:
    """A paragraph's start with „keep with next“ (w:keepNext, after its style as OOXML's
    order wants)."""
    start = paragraph_start.group(0)
    if start == "<w:p>":
        return "<w:p><w:pPr><w:keepNext/></w:pPr>"
    return start + "<w:keepNext/>"


def _last_rows_together(table: str) -> str:
    """A table whose last row would fall alone onto a page (under the repeated header row)
    takes the row before along: the paragraphs of the next-to-last row keep with the next,
    which Word and LibreOffice honour across rows (Anhang 2 ended on a page of its own with
    one Stellungnahme)."""
    rows = list(_ROW.finditer(table))
    if len(rows) < 2:
        return table
    row = rows[-2]
    return table[:row.start()] + _PARAGRAPH_START.sub(_keep_with_next, row.group(0)) \
        + table[row.end():]


def _fit_table(m: re.Match) -> str:
    """Widths in twips summing to the text column (pandoc assumes US Letter's column), the
    cells' paragraphs in the small, ragged table style (LibreOffice ignores a table style's
    size; a justified cell stretches its spaces), rows kept whole."""
    table = re.sub(r'<w:pStyle w:val="(?:Compact|BodyText|FirstParagraph)" ?/>',
                   '<w:pStyle w:val="Tabelleninhalt"/>', m.group(0))
    # A row (a Maßnahme of the catalog) is never split across two pages.
    table = re.sub(r"<w:tr>(?!<w:trPr>)", "<w:tr><w:trPr><w:cantSplit/></w:trPr>", table)
    table = re.sub(r"<w:trPr>(?!<w:cantSplit)", "<w:trPr><w:cantSplit/>", table)
    table = _last_rows_together(table)
    cols = [int(w) for w in re.findall(r'<w:gridCol w:w="(\d+)" ?/>', table)]
    if not cols:
        return table
    caption = re.search(r'<w:tblCaption w:val="([^"]*)"', table)
    shares = next((widths for start, widths in COLUMN_WIDTHS.items()
                   if caption and caption.group(1).startswith(start) and len(widths) == len(cols)),
                  None) or cols
    total = sum(shares)
    widths = [TEXT_WIDTH * s // total for s in shares]
    grid = "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>"
    table = re.sub(r"<w:tblGrid>.*?</w:tblGrid>", grid, table, count=1, flags=re.S)
    return re.sub(r'<w:tblW w:type="pct" w:w="\d+" ?/>', f'<w:tblW w:type="dxa" w:w="{TEXT_WIDTH}"/>',
                  table, count=1)
