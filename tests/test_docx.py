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


def test_text_after_a_table_has_space_above_it_in_the_council_word_file() -> None:
    """Word puts no space between a table and the paragraph after it: „Gründe für die
    Zurückhaltung …“ stood flush against the Einbürgerungen table's last row. Text after a
    table now has 6 pt above it (as in the PDF); a heading keeps its own space."""
    import io
    import zipfile

    from pipeline.render.docx import finish_word
    from pipeline.render.wordstyle import SPACE_AFTER_TABLE

    md = ("| A | B |\n|---|---|\n| 1 | 2 |\n\nText danach.\n\n| C |\n|---|\n| 3 |\n\n"
          "## Eine Überschrift\n\nText.\n\n| D |\n|---|\n| 4 |\n\n1. Ein Punkt\n2. Noch einer\n")
    raw = tools.run_pandoc(["-f", "markdown", "-t", "docx", "--reference-doc",
                            str(templates_dir() / "reference.docx")], md)
    with zipfile.ZipFile(io.BytesIO(finish_word(raw, {}))) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    after = re.findall(r"</w:tbl>(?:\s*<w:bookmark[^>]*>)*\s*<w:p>(<w:pPr>.*?</w:pPr>)", xml, re.S)
    spacing = f'<w:spacing w:before="{SPACE_AFTER_TABLE}"/>'
    assert [spacing in p for p in after] == [True, False, True], after
    assert "Heading2" in after[1]
    # in a list item the spacing follows its numbering, as OOXML's order wants
    assert re.search(r"</w:numPr>\s*" + re.escape(spacing), after[2]), after[2]


@pytest.mark.parametrize("xml", [
    '</w:tbl><w:p><w:pPr><w:pStyle w:val="BodyText" /></w:pPr>',
    '</w:tbl>\n <w:bookmarkEnd w:id="3" />\n <w:p><w:pPr><w:pStyle w:val="FirstParagraph" />'
    '<w:rPr><w:ins w:id="1" w:author="A" w:date="2020-01-01T00:00:00Z" /></w:rPr></w:pPr>',
])
def test_space_after_tables_in_str_and_bytes(xml: str) -> None:
    """The same for the Drucksache (text) and the redline's finisher (bytes)."""
    from pipeline.render.wordstyle import space_after_tables

    done = space_after_tables(xml)
    assert done.count('<w:spacing w:before="120"/>') == 1
    assert space_after_tables(xml.encode()) == done.encode()
    assert done.index("<w:spacing") < done.index("</w:pPr>")
    assert "<w:rPr>" not in done or done.index("<w:spacing") < done.index("<w:rPr>")


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
