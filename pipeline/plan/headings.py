"""How a heading line reads as a Maßnahme: the plan's form (`#### Maßnahme 1.2.3: Titel`), a
near miss, or a Word draft's form. Apart from the body parser so that the redline engine and
the Word round trip read Maßnahmen the same way without loading the whole parser (its
patterns cost every `lip redline` 8 ms to compile)."""

from __future__ import annotations

import re

HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*(?:\{([^}]*)\})?[ \t]*#*[ \t]*$")
"""An ATX heading line: its marks, its text, its attributes."""
MEASURE = re.compile(r"^Maßnahme[ \t]+(\S+?):[ \t]+(\S.*)$")
"""The plan's form of a Maßnahme heading's text (level 4): the number is whatever stands
before the colon, so that `lip check` can name a wrong one."""
NUMBER = r"[0-9A-Z]+(?:\.\d+)+(?!\w|\.\d)"
"""What reads as the number of a Ziel or Maßnahme where the form is not the plan's (a near
miss, a Word draft): „1.2.3“, „A.1.2“, „1.2“, always whole („1.2.3a“ is none, not 1.2 with
the title „3a“). `MEASURE_ID` is the number `lip check` accepts."""
NUMBER_GROUP = rf"(?P<number>{NUMBER})"
_SEPARATOR = r"(?P<sep>[ \t]*[:.–—-][ \t]*|[ \t]+)"
MEASURE_WORD = r"(?P<word>[Mm][Aa](?:ß|ẞ|[Ss][Ss]?|[Ss][Zz])[Nn][Aa][Hh]?[Mm][Ee][Nn]?)"
"""The word „Maßnahme“ in any spelling a heading meant as one has („Massnahme“, „maßname“)."""
_MEASURE_NEAR = re.compile(rf"^{MEASURE_WORD}[ \t]+{NUMBER_GROUP}{_SEPARATOR}(?P<title>\S.*)$")
"""A heading meant as a Maßnahme: any spelling of the word, a number, any separator."""
MEASURE_TEXT = re.compile(rf"^Maßnahme[ \t]+{NUMBER_GROUP}{_SEPARATOR}(?P<title>\S.*)$")
"""A Maßnahme heading's text with the word spelt right and any separator (`Maßnahme 1.2.3 –
Titel`): how a Word draft names a Maßnahme."""
_MEASURE_UNNUMBERED = re.compile(rf"^{MEASURE_WORD}[ \t]*:[ \t]*(?P<title>\S.*)$")
"""A Maßnahme heading whose number is missing: `Maßnahme: Titel`."""


def near_measure(level: int, title: str) -> tuple[str, str, str, str | None] | None:
    """A heading text meant as a Maßnahme but not in the plan's form: (the word as written
    where it is not „Maßnahme“ else '', the number or '' where none is given, the title, the
    separator where it is not the plan's colon else None); None for any other heading."""
    m = _MEASURE_NEAR.match(title)
    if m:
        sep = m.group("sep")
        return ("" if m.group("word") == "Maßnahme" else m.group("word"), m.group("number"),
                m.group("title").strip(), None if sep.startswith(":") and len(sep) > 1 else sep)
    m = _MEASURE_UNNUMBERED.match(title)
    if m and level >= 3 and not m.group("word").endswith(("n", "N")):  # not "Maßnahmen: …"
        return ("" if m.group("word") == "Maßnahme" else m.group("word"), "",
                m.group("title").strip(), None)
    return None


def measure_number(level: int, title: str) -> str | None:
    """The number of the Maßnahme a heading of `level` with the text `title` opens, as
    `parse_body` reads it (the plan's form at level 4, or a near miss); None for any other
    heading and for one without a number. The redline and the Word round trip read Maßnahmen
    through this, so that all take the same headings the same way."""
    strict = MEASURE.match(title) if level == 4 else None
    if strict:
        return strict.group(1)
    near = near_measure(level, title)
    return (near[1] or None) if near is not None else None


_NOTE_OR_LINK = re.compile(r"\[\^[^\]]*\]|!?\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])?")
_INLINE_MARK = re.compile(r"\\(.)|[*`]|(?<!\w)_+|_+(?!\w)")


def heading_text(line: str) -> str | None:
    """The text of an ATX heading line as a reader sees it (`## 3.2 *Sprach*förderung {#s}`:
    „3.2 Sprachförderung“): without its marks and attributes, a link as its text, a note's
    mark, emphasis, code marks and escapes gone; None for any other line."""
    heading = HEADING.match(line)
    if heading is None:
        return None
    text = _NOTE_OR_LINK.sub(lambda m: m.group(1) or "", heading.group(2))
    return " ".join(_INLINE_MARK.sub(lambda m: m.group(1) or "", text).split())


def heading_measure_number(line: str) -> str | None:
    """`measure_number` of one line of Markdown (`#### Maßnahme 1.2.3: Titel {#m-1-2-3}`)."""
    heading = HEADING.match(line)
    return measure_number(len(heading.group(1)), heading.group(2)) if heading else None
