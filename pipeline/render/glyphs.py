"""Characters the PDF cannot show: no font typst has contains a glyph for them.

typst prints such a character as an empty box and says nothing (see TOOLCHAIN.md). So we
ask typst itself: it sets every distinct character of the plan on a page of its own, with
the fonts of the PDF template, and each page whose text uses glyph 0 (.notdef) names a
character that would come out as a box in the council's PDF.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from pipeline.render import templates_dir

TEMPLATE = templates_dir() / "lip.typ"
_FONT_LIST = re.compile(r"^#let schrift = (\(.*\))\s*$", re.M)
_SKIPPED_CATEGORIES = ("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me", "Cs")
"""Controls, invisible format characters (soft hyphen, joiners), spaces, combining marks:
nothing of their own is printed, so there is nothing to look for."""


def font_list(template: Path = TEMPLATE) -> str:
    """The template's font list (`#let schrift = (…)`) as typst source."""
    try:
        match = _FONT_LIST.search(template.read_text(encoding="utf-8"))
    except OSError:
        match = None
    return match.group(1) if match else '("Libertinus Serif",)'


def candidates(text: str) -> set[str]:
    """The characters of `text` worth asking about: printable and beyond plain ASCII."""
    return {c for c in set(text)
            if ord(c) > 0x7E and unicodedata.category(c) not in _SKIPPED_CATEGORIES}


KNOWN_COVERED = {
    '("Libertinus Serif",)': (
        (0x00A1, 0x024F),  # Latin-1 Supplement, Latin Extended-A and -B: names from all of Europe
        (0x0400, 0x04FF),  # Cyrillic
        (0x2010, 0x2027),  # dashes, quotation marks, ellipsis
        (0x2030, 0x203A),  # per mille, primes, guillemets
        (0x20A0, 0x20C0),  # currency signs
        (0x2190, 0x21FF),  # arrows
    ),
}
"""Characters the fonts of a template's font list are known to show: a test asks typst about
every one of them. Only the other characters go to typst, so a plan in German usually needs
no probe at all, and `lip check` spares itself typst and pikepdf (~0.1 s of CPU time)."""


UNJOINED = {
    '("Libertinus Serif",)': (
        (0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF),
    ),
}
"""Arabic script: with the default fonts only the monospace font typst falls back to has
these letters, and it does not join them properly (an initial alif with hamza stands apart
from its word). A template with an Arabic font has no entry here."""


def unjoined(chars: Iterable[str], fonts: str | None = None) -> set[str]:
    """Those of `chars` that are printed, but not as a reader of their script expects."""
    ranges = UNJOINED.get(fonts or font_list(), ())
    return {c for c in chars if any(lo <= ord(c) <= hi for lo, hi in ranges)}


def uncovered(chars: Iterable[str], fonts: str | None = None) -> set[str]:
    """Those of `chars` that no font available to typst can print."""
    fonts = fonts or font_list()
    known = KNOWN_COVERED.get(fonts, ())
    unknown = frozenset(c for c in chars if not any(lo <= ord(c) <= hi for lo, hi in known))
    return set(_uncovered(unknown, fonts))


@functools.cache
def _uncovered(chars: frozenset[str], fonts: str) -> frozenset[str]:
    if not chars:
        return frozenset()
    import pikepdf
    import typst

    ordered = sorted(chars)
    pages = "\n#pagebreak()\n".join(f'#"\\u{{{ord(c):X}}}"' for c in ordered)
    source = (f"#set page(width: 3cm, height: 3cm, margin: 0.5cm)\n"
              f'#set text(font: {fonts}, lang: "de")\n{pages}\n')
    pdf = typst.compile(source.encode("utf-8"), ignore_system_fonts=True)
    missing = set()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for char, page in zip(ordered, doc.pages, strict=True):
            if _shows_glyph_zero(page):
                missing.add(char)
    return frozenset(missing)


def _shows_glyph_zero(page) -> bool:
    """typst writes text as 2-byte glyph ids (Identity-H); id 0 is the .notdef box."""
    import pikepdf

    for operands, operator in pikepdf.parse_content_stream(page, "Tj TJ"):
        strings = operands[0] if str(operator) == "TJ" else operands
        for item in strings:
            if isinstance(item, pikepdf.String):
                data = bytes(item)
                if any(data[i:i + 2] == b"\0\0" for i in range(0, len(data) - 1, 2)):
                    return True
    return False
