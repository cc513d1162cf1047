"""Where a Markdown line stands: inside a code fence or a fenced div, or at the top level,
where a new block may begin. Shared by the chapter parser, the redline's chunking and the
typst cache's sections, so that all three agree on where a code block ends."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_DIV = re.compile(r"^[ \t]{0,3}(:{3,})(.*)$")
_MAY_OPEN_OR_CLOSE = frozenset("`~:")
"""The characters a fence or div line has after at most three blanks (both patterns above
need one)."""


class Nesting:
    """Fed line by line; `top_level` says whether the next line stands outside every code
    fence and fenced div (as pandoc reads them)."""

    def __init__(self) -> None:
        self.fence: str | None = None
        self.info = ""
        """The info string of the open code fence (```` ```{=html} ```` gives `{=html}`)."""
        self.divs = 0
        self.stray_closer = False
        """A `:::` closed a div that was never opened (pandoc reads it as text)."""

    @property
    def top_level(self) -> bool:
        return self.fence is None and self.divs == 0

    def feed(self, line: str) -> None:
        if line[:4].lstrip(" \t")[:1] not in _MAY_OPEN_OR_CLOSE:
            return  # most lines: text, neither fence nor div
        fence = _FENCE.match(line)
        if self.fence is not None:
            if fence and fence.group(1)[0] == self.fence[0] and len(fence.group(1)) >= len(self.fence) \
                    and not line[fence.end():].strip():
                self.fence = None
        elif fence:
            self.fence, self.info = fence.group(1), line[fence.end():].strip()
        elif div := _DIV.match(line):
            if div.group(2).strip():
                self.divs += 1
            elif self.divs:
                self.divs -= 1
            else:
                self.stray_closer = True
