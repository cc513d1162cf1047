"""Punkte that cite lines of the line-numbered PDF ("Seite 14, Zeilen 5–9"), as council
members do, resolved to the exact passage of the plan's Markdown (pure).

The council reads the PDF of a Fassung built with `lip build --zeilennummern`; its lines are
numbered per page. The PDF's text of the cited lines is matched against the chapters' source
with everything but letters and digits ignored (line breaks, hyphenation, bullets, emphasis
markers, the targets of links), so the passage is found whatever the layout did to it. A
passage that is not found exactly once (generated text such as the Maßnahmenkatalog, or a
phrase that occurs twice) is reported, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.wording import counted

LinePages = list[Mapping[int, str]]
"""The numbered lines of a PDF: one {line number: text} per page, page 1 first."""

_SKIPPED = re.compile(r"\]\([^)\n]*\)|\{[#.][^}\n]*\}|<!--.*?-->", re.S)
"""Source spans the reader never sees as text: link targets, attributes, comments."""


@dataclass(frozen=True)
class Zeilen:
    """Lines `von`–`bis` on page `seite` of the Fassung's line-numbered PDF."""

    seite: int
    von: int
    bis: int

    def __str__(self) -> str:
        if self.von == self.bis:
            return f"Seite {self.seite}, Zeile {self.von}"
        return f"Seite {self.seite}, Zeilen {self.von}–{self.bis}"


@dataclass(frozen=True)
class Stelle:
    """The passage the cited lines show: its chapter and its exact source text there."""

    chapter: str
    text: str


def cited_text(pages: LinePages, zeilen: Zeilen) -> str | None:
    """The text printed on the cited lines (joined; a soft hyphen at a line end joins the
    word), or None when the page or one of the lines does not exist."""
    if not 1 <= zeilen.seite <= len(pages) or zeilen.bis < zeilen.von:
        return None
    page = pages[zeilen.seite - 1]
    if any(n not in page for n in range(zeilen.von, zeilen.bis + 1)):
        return None
    out = ""
    for n in range(zeilen.von, zeilen.bis + 1):
        line = page[n].strip()
        if out.endswith("\u00ad"):
            out = out[:-1] + line
        else:
            out = f"{out} {line}" if out else line
    return out.replace("\u00ad", "")


def _key(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def _indexed_key(source: str) -> tuple[str, list[int]]:
    """The source's letters and digits (casefolded) with each one's offset in `source`."""
    keep = [True] * len(source)
    for m in _SKIPPED.finditer(source):
        for i in range(m.start() + (1 if m.group().startswith("]") else 0), m.end()):
            keep[i] = False
    chars: list[str] = []
    offsets: list[int] = []
    for i, c in enumerate(source):
        if keep[i] and c.isalnum():
            for folded in c.casefold():
                chars.append(folded)
                offsets.append(i)
    return "".join(chars), offsets


def find_passage(body: str, cited: str) -> list[tuple[int, int]]:
    """Every span [start, end) of `body` whose reading text is `cited` (letters and digits
    compared). The span starts at the first letter and ends after the last one, extended
    over closing emphasis or quotes that belong to it."""
    wanted = _key(cited)
    if not wanted:
        return []
    key, offsets = _indexed_key(body)
    spans = []
    at = key.find(wanted)
    while at != -1:
        start, end = offsets[at], offsets[at + len(wanted) - 1] + 1
        while end < len(body) and body[end] in ".,;:!?*_“”\"')»«":
            end += 1
        spans.append((start, end))
        at = key.find(wanted, at + 1)
    return spans


def resolve(bodies: Mapping[str, str], pages: LinePages | None, zeilen: Zeilen
            ) -> tuple[Stelle | None, str | None]:
    """The Stelle the lines cite among the chapters' bodies ({filename: body}), or a German
    reason why there is none."""
    if pages is None:
        return None, "das PDF der Fassung mit Zeilennummern ließ sich nicht erzeugen"
    cited = cited_text(pages, zeilen)
    if cited is None:
        last = len(pages[zeilen.seite - 1]) if 1 <= zeilen.seite <= len(pages) else 0
        where = (f"die Seite hat {counted(last, 'nummerierte Zeile', 'nummerierte Zeilen')}"
                 if last else f"das PDF hat {counted(len(pages), 'Seite', 'Seiten')}")
        return None, f"{zeilen} gibt es im PDF der Fassung nicht ({where})"
    hits = [(name, span) for name, body in bodies.items() for span in find_passage(body, cited)]
    quoted = cited if len(cited) <= 60 else cited[:57] + "…"
    if not hits:
        return None, (f"der Text von {zeilen} („{quoted}“) steht so in keinem Kapitel; "
                      f"erzeugte Teile (Überschriftennummern, Maßnahmenkatalog, Verzeichnisse) "
                      f"lassen sich nicht über Zeilen ändern – dann die Maßnahme, das Ziel oder "
                      f"den Abschnitt angeben")
    if len(hits) > 1:
        return None, (f"der Text von {zeilen} („{quoted}“) steht {len(hits)}-mal im Plan; bitte "
                      f"mehr Zeilen angeben oder die Maßnahme, das Ziel oder den Abschnitt")
    name, (start, end) = hits[0]
    return Stelle(name, bodies[name][start:end]), None


def span_lines(body: str, passage: str) -> tuple[int, int] | None:
    """Lines [start, end) of `body` (0-based) that hold `passage`, if it occurs exactly once."""
    if not passage or body.count(passage) != 1:
        return None
    at = body.index(passage)
    first = body.count("\n", 0, at)
    return first, first + passage.count("\n") + 1
