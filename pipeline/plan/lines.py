"""Lines as editors count them (issue 20, item 13).

`str.splitlines` also breaks at vertical tab, form feed, U+001C–U+001E, U+0085, U+2028 and
U+2029; editors, git and pandoc do not, so every line number after such a character drifted.
A line ends at LF, CR LF or a lone CR, nowhere else.
"""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def editor_lines(text: str, *, keepends: bool = False) -> list[str]:
    """`text` cut into lines like `str.splitlines`, but only at LF, CR LF and CR."""
    lines = _LINE.findall(text)
    if keepends:
        return lines
    return [line[:-2] if line.endswith("\r\n") else line.rstrip("\r\n") for line in lines]
