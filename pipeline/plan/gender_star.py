"""The gender star as the city writes it (`Bürger*innen`): a letter, never Markdown emphasis.

A module of its own: the redline engine needs this and nothing else of the plan's body
parser, whose patterns and classes would add 4 ms to every `lip redline`.
"""

from __future__ import annotations

import re

_GENDER_STAR = re.compile(r"\*(?<=[^\W_]\*)(?=[^\W_]|-[^\W_])")
"""A star with a letter before it and a letter (or -letter) after it. The pattern starts
with the star, so the regex engine jumps from star to star instead of trying every position."""


def protect_gender_star(markdown: str) -> str:
    """Escape the gender star in words like `Bürger*innen` before pandoc reads the text.

    Pandoc reads `Bürger*innen und Expert*innen` as emphasis between the two stars; the city
    writes the star as a letter, so a star between two letters is never markup.
    """
    return _GENDER_STAR.sub(r"\\*", markdown)
