"""The Word template (templates/reference.docx), made by code from pandoc's own default.

pandoc takes styles, page size, margins, header and footer from the reference document. The
committed file is this module's output; `python -m pipeline.render.wordstyle` writes it again
after a change here (tests/test_docx.py checks that the two agree). The header carries
placeholders that render/docx.py fills per build (title, Fassung, ENTWURF).
"""

from __future__ import annotations

import html
import io
import re
import sys
import zipfile
from pathlib import Path
from typing import AnyStr

from pipeline.render import templates_dir
from pipeline.render.tools import run_pandoc

FONT = "Arial"
"""Metric-compatible with Liberation Sans, so LibreOffice lays it out as Word does."""
RED = "C3002F"
"""Hannover-Rot, as in the PDF."""
GREY = "595959"
PAGE_W, PAGE_H = 11906, 16838
"""A4 in twentieths of a point."""
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 1418, 1134, 1474, 1361
TEXT_WIDTH = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT
"""Width of the text column (twips): render/docx.py fits the tables to it."""

PLACEHOLDER_TITLE = "LIPTITEL"
PLACEHOLDER_FASSUNG = "LIPFASSUNG"
PLACEHOLDER_DRAFT = "LIPENTWURF"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER_ID, FOOTER_ID = "rIdLipKopf", "rIdLipFuss"


def is_header(name: str) -> bool:
    return re.fullmatch(r"word/header\d*\.xml", name) is not None


def fill_header(xml: bytes, title: str, fassung: str, draft: str) -> bytes:
    """A header part of templates/reference.docx with its placeholders filled: every DOCX
    lip writes with that template must fill them, or Word shows LIPTITEL. (Here, beside the
    placeholders, not in render/docx.py: the redline's DOCX would import the whole
    Beschlussdrucksache with it, 26–46 ms.)"""
    text = xml.decode("utf-8")
    for placeholder, value in ((PLACEHOLDER_TITLE, title), (PLACEHOLDER_FASSUNG, fassung),
                               (PLACEHOLDER_DRAFT, draft)):
        text = text.replace(placeholder, html.escape(value, quote=False))
    return text.encode("utf-8")


SPACE_AFTER_BLOCK = 120
"""Space (twips, 6 pt) above text that follows a table or a list: Word puts no space between
them (the city's paragraph styles space below, not above; a tight list's items only 1 pt)."""
_THEN_SPACING = r'(?=\s*(?:</w:pPr>|<w:(?:ind|contextualSpacing|jc|rPr)\b))'
"""Where OOXML's order puts w:spacing next: after pStyle and numPr, before these."""
_AFTER_TABLE = (r'(</w:tbl>(?:\s*<w:bookmark(?:Start|End) [^>]*/>)*\s*<w:p><w:pPr>\s*'
                r'(?:<w:pStyle w:val="(?:BodyText|FirstParagraph|Compact)" ?/>)?'
                r'(?:\s*<w:numPr>.*?</w:numPr>)?)' + _THEN_SPACING)
"""A text or list paragraph right after a table (a heading keeps its own space above)."""
_AFTER_PARAGRAPH = (r'(</w:p>\s*<w:p><w:pPr>\s*<w:pStyle w:val="(?:BodyText|FirstParagraph)" ?/>)'
                    + _THEN_SPACING)
"""A text paragraph (no list item: it would have numPr) right after another paragraph."""
_SPACING = f'<w:spacing w:before="{SPACE_AFTER_BLOCK}"/>'
_FOR = {kind: (re.compile(encode(_AFTER_TABLE), re.S), re.compile(encode(_AFTER_PARAGRAPH), re.S),
               encode("<w:p>"), encode("<w:numPr>"), encode(_SPACING))
        for kind, encode in ((str, str), (bytes, str.encode))}
"""Per type of document (text or bytes): the patterns, a paragraph's start, its numbering,
the spacing."""


def space_after_blocks(document: AnyStr) -> AnyStr:
    """word/document.xml with space above each paragraph of text that follows a table or a
    list, as in the PDF (it stood flush against the table's last row or the last item)."""
    after_table, after_paragraph, start, numbered, spacing = _FOR[type(document)]
    document = after_table.sub(lambda m: m.group(1) + spacing, document)

    def after_list(m: re.Match) -> AnyStr:
        """Spaced if the paragraph before is a list item (its properties number it)."""
        before = document.rfind(start, 0, m.start())
        if before >= 0 and document.find(numbered, before, m.start()) >= 0:
            return m.group(1) + spacing
        return m.group(0)
    return after_paragraph.sub(after_list, document)


def _run(text: str, *, bold: bool = False, color: str | None = None) -> str:
    props = ("<w:b/>" if bold else "") + (f'<w:color w:val="{color}"/>' if color else "")
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>'


def _field(code: str, shown: str) -> str:
    return (f'<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {code} </w:instrText></w:r>'
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{_run(shown)}'
            f'<w:r><w:fldChar w:fldCharType="end"/></w:r>')


HEADER = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          f'<w:hdr xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:p><w:pPr><w:pStyle w:val="Header"/>'
          f'<w:tabs><w:tab w:val="clear" w:pos="4536"/><w:tab w:val="clear" w:pos="9072"/>'
          f'<w:tab w:val="right" w:pos="{TEXT_WIDTH}"/></w:tabs></w:pPr>'
          f'{_run(PLACEHOLDER_TITLE)}<w:r><w:tab/></w:r>{_run(PLACEHOLDER_FASSUNG)}'
          f'{_run(PLACEHOLDER_DRAFT, bold=True, color=RED)}</w:p></w:hdr>')
FOOTER = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          f'<w:ftr xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:p><w:pPr><w:pStyle w:val="Footer"/>'
          f'<w:jc w:val="center"/></w:pPr>{_run("Seite ")}{_field("PAGE", "1")}{_run(" von ")}'
          f'{_field("NUMPAGES", "1")}</w:p></w:ftr>')

SECTION = (f'<w:sectPr><w:headerReference w:type="default" r:id="{HEADER_ID}"/>'
           f'<w:footerReference w:type="default" r:id="{FOOTER_ID}"/>'
           f'<w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/>'
           f'<w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" w:bottom="{MARGIN_BOTTOM}" '
           f'w:left="{MARGIN_LEFT}" w:header="709" w:footer="567" w:gutter="0"/>'
           f'<w:cols w:space="708"/></w:sectPr>')


def _rfonts() -> str:
    return f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/>'


def _style(kind: str, sid: str, name: str, body: str, *, based: str | None = "Normal",
           custom: bool = True, extra: str = "") -> str:
    attrs = ' w:customStyle="1"' if custom else ""
    basis = f'<w:basedOn w:val="{based}"/>' if based else ""
    return (f'<w:style w:type="{kind}"{attrs} w:styleId="{sid}"><w:name w:val="{name}"/>'
            f'{basis}{extra}<w:qFormat/>{body}</w:style>')


def _heading(level: int, size: int, before: int, after: int, *, page_break: bool = False) -> str:
    ppr = (f'<w:pPr><w:keepNext/><w:keepLines/>{"<w:pageBreakBefore/>" if page_break else ""}'
           f'<w:spacing w:before="{before}" w:after="{after}"/><w:jc w:val="left"/>'
           f'<w:outlineLvl w:val="{level - 1}"/></w:pPr>')
    color = RED if level == 1 else "000000"
    rpr = (f'<w:rPr>{_rfonts()}<w:b/><w:bCs/><w:color w:val="{color}"/>'
           f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>')
    return _style("paragraph", f"Heading{level}", f"heading {level}", ppr + rpr,
                  custom=False, extra='<w:next w:val="BodyText"/><w:uiPriority w:val="9"/>')


def _styles(original: str) -> str:
    """pandoc's styles with the city's look: Arial, German, red headings, A4-sized tables."""
    replaced = {
        "Normal": _style("paragraph", "Normal", "Normal", "", based=None, custom=False),
        "BodyText": _style("paragraph", "BodyText", "Body Text",
                           '<w:pPr><w:spacing w:before="0" w:after="140" w:line="264" '
                           'w:lineRule="auto"/><w:jc w:val="both"/></w:pPr>', custom=False),
        "Compact": _style("paragraph", "Compact", "Compact",
                          '<w:pPr><w:spacing w:before="20" w:after="20" w:line="240" '
                          'w:lineRule="auto"/><w:jc w:val="left"/></w:pPr>', based="BodyText"),
        "Title": _style("paragraph", "Title", "Title",
                        f'<w:pPr><w:spacing w:before="240" w:after="120"/><w:jc w:val="left"/></w:pPr>'
                        f'<w:rPr><w:b/><w:color w:val="{RED}"/><w:sz w:val="40"/><w:szCs w:val="40"/></w:rPr>',
                        custom=False),
        "Subtitle": _style("paragraph", "Subtitle", "Subtitle",
                           '<w:pPr><w:spacing w:after="240"/><w:jc w:val="left"/></w:pPr>'
                           '<w:rPr><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr>', custom=False),
        "TOCHeading": _style("paragraph", "TOCHeading", "TOC Heading",
                             f'<w:pPr><w:keepNext/><w:pageBreakBefore/><w:spacing w:before="0" w:after="200"/>'
                             f'</w:pPr><w:rPr><w:b/><w:color w:val="{RED}"/><w:sz w:val="32"/></w:rPr>',
                             custom=False),
        "TableCaption": _style("paragraph", "TableCaption", "Table Caption",
                               '<w:pPr><w:keepNext/><w:spacing w:before="120" w:after="60"/>'
                               '<w:jc w:val="left"/></w:pPr><w:rPr><w:i/><w:sz w:val="18"/></w:rPr>',
                               based="Caption"),
        "Caption": _style("paragraph", "Caption", "caption",
                          '<w:pPr><w:spacing w:before="60" w:after="120"/><w:jc w:val="left"/></w:pPr>'
                          '<w:rPr><w:i/><w:sz w:val="18"/></w:rPr>', custom=False),
        "Hyperlink": _style("character", "Hyperlink", "Hyperlink",
                            '<w:rPr><w:color w:val="1F4E79"/><w:u w:val="single"/></w:rPr>',
                            based=None, custom=False),
        "Table": ('<w:style w:type="table" w:default="1" w:styleId="Table"><w:name w:val="Table"/>'
                  '<w:basedOn w:val="TableNormal"/><w:qFormat/>'
                  '<w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr>'
                  '<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblBorders>'
                  + "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="AAAAAA"/>'
                            for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
                  + '</w:tblBorders><w:tblCellMar><w:top w:w="40" w:type="dxa"/>'
                  '<w:left w:w="80" w:type="dxa"/><w:bottom w:w="40" w:type="dxa"/>'
                  '<w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr>'
                  '<w:tblStylePr w:type="firstRow"><w:rPr><w:b/><w:bCs/></w:rPr>'
                  '<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="EEEEEE"/></w:tcPr>'
                  '</w:tblStylePr></w:style>'),
    }
    for level, (size, before, after) in enumerate(((32, 0, 240), (26, 300, 120), (23, 240, 100),
                                                   (21, 200, 80)), start=1):
        replaced[f"Heading{level}"] = _heading(level, size, before, after, page_break=level == 1)
    for sid, xml in replaced.items():
        pattern = re.compile(rf'<w:style [^>]*w:styleId="{sid}".*?</w:style>', re.S)
        original, n = pattern.subn(lambda _m, xml=xml: xml, original, count=1)
        if not n:
            original = original.replace("</w:styles>", xml + "</w:styles>")
    added = [
        _style("paragraph", "Header", "header",
               f'<w:pPr><w:pBdr><w:bottom w:val="single" w:sz="4" w:space="4" w:color="AAAAAA"/>'
               f'</w:pBdr><w:spacing w:after="0"/></w:pPr><w:rPr><w:color w:val="{GREY}"/>'
               f'<w:sz w:val="17"/></w:rPr>', custom=False),
        _style("paragraph", "Footer", "footer",
               f'<w:pPr><w:spacing w:after="0"/><w:jc w:val="center"/></w:pPr>'
               f'<w:rPr><w:color w:val="{GREY}"/><w:sz w:val="17"/></w:rPr>', custom=False),
        _style("paragraph", "TOC1", "toc 1",
               f'<w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{TEXT_WIDTH}"/></w:tabs>'
               '<w:spacing w:before="120" w:after="40"/></w:pPr><w:rPr><w:b/></w:rPr>',
               custom=False),
        _style("paragraph", "TOC2", "toc 2",
               f'<w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{TEXT_WIDTH}"/></w:tabs>'
               '<w:spacing w:before="0" w:after="20"/><w:ind w:left="340"/></w:pPr>', custom=False),
        _style("paragraph", "Drucksachenkopf", "Drucksachenkopf",
               '<w:pPr><w:keepNext/><w:spacing w:before="280" w:after="100"/></w:pPr>'
               '<w:rPr><w:b/><w:sz w:val="25"/><w:szCs w:val="25"/></w:rPr>'),
        _style("paragraph", "Tabelleninhalt", "Tabelleninhalt",
               '<w:pPr><w:spacing w:before="20" w:after="20" w:line="240" w:lineRule="auto"/>'
               '<w:jc w:val="left"/></w:pPr><w:rPr><w:sz w:val="16"/><w:szCs w:val="16"/></w:rPr>',
               based="Compact"),
        _style("paragraph", "Drucksachentitel", "Drucksachentitel",
               '<w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/><w:jc w:val="left"/></w:pPr>'
               '<w:rPr><w:b/><w:sz w:val="25"/><w:szCs w:val="25"/></w:rPr>'),
        _style("paragraph", "Briefkopf", "Briefkopf",
               f'<w:pPr><w:pBdr><w:bottom w:val="single" w:sz="12" w:space="4" w:color="{RED}"/>'
               f'</w:pBdr><w:spacing w:after="240"/></w:pPr><w:rPr><w:b/><w:color w:val="{RED}"/>'
               f'<w:sz w:val="30"/><w:szCs w:val="30"/></w:rPr>'),
        _style("paragraph", "Anlagentitel", "Anlagentitel",
               f'<w:pPr><w:pageBreakBefore/><w:spacing w:before="3600" w:after="240"/>'
               f'<w:jc w:val="center"/></w:pPr><w:rPr><w:b/><w:color w:val="{RED}"/>'
               f'<w:sz w:val="44"/><w:szCs w:val="44"/></w:rPr>'),
        _style("paragraph", "Anlagenzeile", "Anlagenzeile",
               '<w:pPr><w:spacing w:after="120"/><w:jc w:val="center"/></w:pPr>'
               '<w:rPr><w:sz w:val="24"/></w:rPr>'),
    ]
    for xml in added:
        sid = re.search(r'w:styleId="([^"]+)"', xml).group(1)
        pattern = re.compile(rf'<w:style [^>]*w:styleId="{sid}".*?</w:style>', re.S)
        original, n = pattern.subn(lambda _m, xml=xml: xml, original, count=1)
        if not n:
            original = original.replace("</w:styles>", xml + "</w:styles>")
    defaults = (f'<w:docDefaults><w:rPrDefault><w:rPr>{_rfonts()}<w:sz w:val="21"/>'
                '<w:szCs w:val="21"/><w:lang w:val="de-DE" w:eastAsia="de-DE" w:bidi="ar-SA"/>'
                '</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="120"/>'
                '</w:pPr></w:pPrDefault></w:docDefaults>')
    return re.sub(r"<w:docDefaults>.*?</w:docDefaults>", lambda _m: defaults, original, count=1, flags=re.S)


def _document(original: str) -> str:
    """An empty body whose section is A4 with the header and footer (pandoc keeps it)."""
    head = original[:original.index("<w:body>")]
    return f"{head}<w:body><w:p/>{SECTION}</w:body></w:document>"


def _relationships(original: str) -> str:
    rels = (f'<Relationship Id="{HEADER_ID}" Type="{R_NS}/header" Target="header1.xml"/>'
            f'<Relationship Id="{FOOTER_ID}" Type="{R_NS}/footer" Target="footer1.xml"/>')
    return original.replace("</Relationships>", rels + "</Relationships>")


def _content_types(original: str) -> str:
    base = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    types = (f'<Override PartName="/word/header1.xml" ContentType="{base}.header+xml"/>'
             f'<Override PartName="/word/footer1.xml" ContentType="{base}.footer+xml"/>')
    return original.replace("</Types>", types + "</Types>")


def _settings(original: str) -> str:
    extra = '<w:autoHyphenation w:val="true"/><w:consecutiveHyphenLimit w:val="2"/>'
    original = original.replace('<w:themeFontLang w:val="en-US" />', '<w:themeFontLang w:val="de-DE" />')
    return original.replace("<w:defaultTabStop", extra + "<w:defaultTabStop", 1)


def reference_docx() -> bytes:
    """pandoc's default reference.docx with the city's styles, A4, header and footer."""
    default = run_pandoc(["--print-default-data-file", "reference.docx"])
    edits = {"word/styles.xml": _styles, "word/document.xml": _document,
             "word/_rels/document.xml.rels": _relationships, "[Content_Types].xml": _content_types,
             "word/settings.xml": _settings}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(default)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in edits:
                data = edits[info.filename](data.decode("utf-8")).encode("utf-8")
            dst.writestr(_fixed(info.filename), data)
        dst.writestr(_fixed("word/header1.xml"), HEADER.encode("utf-8"))
        dst.writestr(_fixed("word/footer1.xml"), FOOTER.encode("utf-8"))
    return out.getvalue()


def _fixed(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed date: the same code writes the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else templates_dir() / "reference.docx"
    target.write_bytes(reference_docx())
    print(f"geschrieben: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
