"""The Word template and generated text in every format (issue 16)."""

from __future__ import annotations

import re

import pytest
from support import SHIPPED_PLAN

from pipeline.assemble import consultation_markdown, escape_inline
from pipeline.plan import load_plan
from pipeline.render import FILTER_DIR, filter_args, templates_dir, tools
from pipeline.render.pandoc import READER_GENERATED, TYPST_FILTERS


def test_the_committed_word_template_is_what_the_code_makes() -> None:
    """templates/reference.docx comes from render/wordstyle.py: after a change there, run
    `python -m pipeline.render.wordstyle` (this test says so when they differ)."""
    from pipeline.render.wordstyle import reference_docx

    assert (templates_dir() / "reference.docx").read_bytes() == reference_docx(), \
        "templates/reference.docx ist veraltet: python -m pipeline.render.wordstyle ausführen"


def test_text_after_a_table_or_a_list_has_space_above_it_in_the_council_word_file() -> None:
    """Word puts no space between a table or a list and the paragraph after it: „Gründe für
    die Zurückhaltung …“ stood flush against the Einbürgerungen table's last row, „In jedem
    Fachbereich …“ against the last item of the list before it. Such text now has 6 pt above
    it (as in the PDF); a heading keeps its own space, items and text after text get none."""
    import io
    import zipfile

    from pipeline.render.docx import finish_word
    from pipeline.render.wordstyle import SPACE_AFTER_BLOCK

    md = ("| A | B |\n|---|---|\n| 1 | 2 |\n\nNach Tabelle.\n\n| C |\n|---|\n| 3 |\n\n"
          "## Eine Überschrift\n\nErster Text.\n\nZweiter Text.\n\n| D |\n|---|\n| 4 |\n\n"
          "1. Eins\n2. Zwei\n\nNach Liste.\n\n- Lose\n\n  Fortsetzung\n\n- Auch lose\n\n"
          "Nach loser Liste.\n")
    raw = tools.run_pandoc(["-f", "markdown", "-t", "docx", "--reference-doc",
                            str(templates_dir() / "reference.docx")], md)
    with zipfile.ZipFile(io.BytesIO(finish_word(raw, {}))) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    spacing = f'<w:spacing w:before="{SPACE_AFTER_BLOCK}"/>'
    spaced = {re.sub(r"<[^>]+>", "", p): spacing in p
              for p in re.findall(r"<w:p>.*?</w:p>", xml, re.S)}
    assert spaced == {"A": False, "B": False, "1": False, "2": False, "Nach Tabelle.": True,
                      "C": False, "3": False, "Eine Überschrift": False, "Erster Text.": False,
                      "Zweiter Text.": False, "D": False, "4": False, "Eins": True,
                      "Zwei": False, "Nach Liste.": True, "Lose": False, "Fortsetzung": False,
                      "Auch lose": False, "Nach loser Liste.": True}, spaced
    # in a list item the spacing follows its numbering, as OOXML's order wants
    eins = re.search(r"<w:p>(?:(?!</w:p>).)*Eins", xml, re.S).group(0)
    assert re.search(r"</w:numPr>\s*" + re.escape(spacing), eins), eins


def test_a_word_tables_last_row_keeps_the_row_before_it_on_its_page() -> None:
    """Anhang 2 ended in LibreOffice with one row alone under the repeated header: the
    paragraphs of a table's next-to-last row keep with the next (after their style, as
    OOXML's order wants), no other row's; rows stay unsplit."""
    import io
    import zipfile

    from pipeline.render.docx import finish_word

    md = "| A | B |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n| 5 | 6 |\n\n| C |\n|---|\n| 7 |\n"
    raw = tools.run_pandoc(["-f", "markdown", "-t", "docx", "--reference-doc",
                            str(templates_dir() / "reference.docx")], md)
    with zipfile.ZipFile(io.BytesIO(finish_word(raw, {}))) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    rows = re.findall(r"<w:tr>.*?</w:tr>", xml, re.S)
    kept = {re.sub(r"<[^>]+>", "", row): row.count("<w:keepNext/>") for row in rows}
    assert kept == {"AB": 0, "12": 0, "34": 2, "56": 0, "C": 1, "7": 0}, kept
    assert all("<w:cantSplit/>" in row for row in rows)
    assert re.search(r'<w:pPr><w:pStyle w:val="Tabelleninhalt"/><w:keepNext/>', rows[2])


@pytest.mark.parametrize("xml", [
    '</w:tbl><w:p><w:pPr><w:pStyle w:val="BodyText" /></w:pPr>',
    '</w:tbl>\n <w:bookmarkEnd w:id="3" />\n <w:p><w:pPr><w:pStyle w:val="FirstParagraph" />'
    '<w:rPr><w:ins w:id="1" w:author="A" w:date="2020-01-01T00:00:00Z" /></w:rPr></w:pPr>',
    '<w:p><w:pPr><w:pStyle w:val="BodyText" /></w:pPr><w:r><w:t>Text</w:t></w:r></w:p>'
    '<w:p><w:pPr><w:numPr><w:ilvl w:val="0" /><w:numId w:val="7" /></w:numPr></w:pPr></w:p>\n'
    '<w:p><w:pPr><w:pStyle w:val="FirstParagraph" /><w:jc w:val="left"/></w:pPr></w:p>'
    '<w:p><w:pPr><w:pStyle w:val="BodyText" /></w:pPr></w:p>',
])
def test_space_after_blocks_in_str_and_bytes(xml: str) -> None:
    """The same for the Drucksache (text) and the redline's finisher (bytes): once after a
    table, once after a list (not after text)."""
    from pipeline.render.wordstyle import space_after_blocks

    done = space_after_blocks(xml)
    assert done.count('<w:spacing w:before="120"/>') == 1
    assert space_after_blocks(xml.encode()) == done.encode()
    # after the style, before alignment, the mark's run properties or the end
    assert re.search(r'<w:pStyle w:val="\w+" />(?:</w:numPr>)?<w:spacing w:before="120"/>'
                     r'(?:</w:pPr>|<w:jc |<w:rPr>)', done), done


def _typst(markdown: str, *filters: str) -> str:
    return tools.run_pandoc(["-f", READER_GENERATED, "-t", "typst", *filter_args(filters)], markdown).decode()


def test_fassung_names_stay_text_in_the_pdfs_table_cells() -> None:
    """'1. Fassung vom 12.03.2020' in a cell of the Beratungsverlauf was an enumeration in typst."""
    source = _typst(consultation_markdown(load_plan(SHIPPED_PLAN)), *TYPST_FILTERS)
    assert "1. Fassung" not in source.replace("\\1. Fassung", "")
    assert "[\\1. Fassung vom 12.03.2020]" in source


@pytest.mark.parametrize("text", ["1. Fassung", "2. Lesung im Rat", "- Entwurf", "+ Ergänzung"])
def test_generated_text_in_cells_and_lists_stays_text(text: str) -> None:
    """In the build's and the redline's typst, whatever a cell or a list item starts with."""
    markdown = f"| A |\n|---|\n| {escape_inline(text)} |\n\n- {escape_inline(text)}\n"
    for lua in ("build-typst.lua", "redline.lua"):
        source = tools.run_pandoc(["-f", READER_GENERATED, "-t", "typst",
                                   f"--lua-filter={FILTER_DIR / lua}"], markdown).decode()
        first = text.split()[0]
        assert f"[{first} " not in source and not re.search(rf"^- {re.escape(first)} ", source, re.M), (lua, source)
