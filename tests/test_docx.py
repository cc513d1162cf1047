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
