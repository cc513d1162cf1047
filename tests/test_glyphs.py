"""Font coverage: typst itself says which characters its fonts cannot print."""

from __future__ import annotations

from pipeline.render import glyphs

GERMAN = "äöüßÄÖÜẞ„“‚‘»«–—…€§½²№→≥±×·"


def test_german_text_and_typography_are_covered() -> None:
    assert glyphs.uncovered(GERMAN) == set()


def test_characters_no_font_has_are_found() -> None:
    assert glyphs.uncovered(GERMAN + "🚲語✓") == {"🚲", "語"}  # ✓ comes from the math font


def test_candidates_skip_ascii_spaces_and_invisible_characters() -> None:
    assert glyphs.candidates("abc \u00a0\u00ad\u200b ä\u0301 😀") == {"ä", "😀"}


def test_the_font_list_is_the_templates() -> None:
    assert "Libertinus Serif" in glyphs.font_list()


def test_the_known_covered_ranges_are_covered_indeed() -> None:
    """Ask typst (the probe itself, no shortcut) about every character the shortcut trusts."""
    for fonts, ranges in glyphs.KNOWN_COVERED.items():
        chars = glyphs.candidates("".join(chr(c) for lo, hi in ranges for c in range(lo, hi + 1)))
        assert len(chars) > 800
        assert glyphs._uncovered(frozenset(chars), fonts) == frozenset(), fonts


def test_known_characters_need_no_probe() -> None:
    glyphs._uncovered.cache_clear()
    assert glyphs.uncovered("äöüß„“–…€ŁłŞşĞğıİČřЖжё→") == set()
    assert glyphs._uncovered.cache_info().currsize == 1  # the probe was asked about nothing
    assert glyphs.uncovered("äö語") == {"語"}


def test_arabic_is_printed_but_not_joined_with_the_default_fonts() -> None:
    """typst finds the letters only in its monospace fallback font, which leaves an initial
    alif with hamza apart from its word: a warning, not a box."""
    arabic = "أهلا"
    assert glyphs.uncovered(arabic) == set()
    assert glyphs.unjoined(arabic + "äЖ") == set(arabic)
    assert glyphs.unjoined(arabic, fonts='("Noto Naskh Arabic",)') == set()  # a restyled template
