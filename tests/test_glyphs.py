"""Font coverage: typst itself says which characters its fonts cannot print."""

from __future__ import annotations

from pipeline import glyphs

GERMAN = "äöüßÄÖÜẞ„“‚‘»«–—…€§½²№→≥±×·"


def test_german_text_and_typography_are_covered() -> None:
    assert glyphs.uncovered(GERMAN) == set()


def test_characters_no_font_has_are_found() -> None:
    assert glyphs.uncovered(GERMAN + "🚲語✓") == {"🚲", "語"}  # ✓ comes from the math font


def test_candidates_skip_ascii_spaces_and_invisible_characters() -> None:
    assert glyphs.candidates("abc \u00a0\u00ad\u200b ä\u0301 😀") == {"ä", "😀"}


def test_the_font_list_is_the_templates() -> None:
    assert "Libertinus Serif" in glyphs.font_list()
