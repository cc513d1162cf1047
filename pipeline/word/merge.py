"""Three-way merge of chapter bodies by paragraph: the exported text (base), the chapter as it
is now (ours) and the reviewed text (theirs). Changes to different paragraphs merge; so do
changes to different words of one paragraph (a Maßnahme is one paragraph, and the Beiräte, the
RTGS and the Lenkungsgruppe edit the same export). Where both sides changed the same or
neighbouring words differently, the paragraph is a conflict, reported with both versions."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field


@dataclass
class Merged:
    text: str
    conflicts: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    """For each conflict, the 0-based line in `text` where its paragraph starts (as `ours`
    has it)."""
    by_words: list[str] = field(default_factory=list)
    """The paragraphs both sides changed, at different words, merged word by word (where
    `git merge`, line by line, would stop): 'Absatz „Zu Beginn der …“'."""


def blocks(body: str) -> list[str]:
    """The body cut after each blank line run: paragraphs with their trailing blank lines."""
    return [b for b in re.split(r"(?<=\n\n)(?=[^\n])", body) if b]


def _changes(base: list[str], other: list[str]) -> list[tuple[int, int, list[str]]]:
    """(base start, base end, replacement) for every changed range."""
    ops = difflib.SequenceMatcher(None, base, other, autojunk=False).get_opcodes()
    return [(i1, i2, other[j1:j2]) for tag, i1, i2, j1, j2 in ops if tag != "equal"]


def _short(text: str, n: int = 70) -> str:
    """The start of `text`, at most `n` characters, cut after a whole word."""
    text = " ".join(text.split())
    if len(text) <= n:
        return text
    cut = text.rfind(" ", 0, n)
    return text[:cut if cut > 0 else n - 1] + " …"


def _around(a: str, b: str, n: int = 60) -> str:
    """`a` near the first place where it differs from `b` (what a conflict is about)."""
    a, b = " ".join(a.split()), " ".join(b.split())
    p = 0
    while p < min(len(a), len(b)) and a[p] == b[p]:
        p += 1
    start = max(0, p - n // 3)
    if start:  # whole words: „…nen Mitglieder“ was not readable
        start = a.rfind(" ", 0, start) + 1
    end = start + n
    if end < len(a):
        space = a.find(" ", end)
        end = len(a) if space < 0 else space
    return ("…" if start else "") + a[start:end] + ("…" if end < len(a) else "")


def merge3(base: str, ours: str, theirs: str) -> Merged:
    """Merge `theirs` into `ours` relative to `base`."""
    b, o, t = blocks(base), blocks(ours), blocks(theirs)
    mine, yours = _changes(b, o), _changes(b, t)
    out: list[str] = []
    conflicts: list[str] = []
    lines: list[int] = []
    by_words: list[str] = []
    i = 0
    events = sorted([(s, e, r, "o") for s, e, r in mine] + [(s, e, r, "t") for s, e, r in yours],
                    key=lambda x: (x[0], x[1]))
    k = 0
    while k < len(events):
        s, e, r, side = events[k]
        group = [events[k]]
        end = e
        k += 1
        while k < len(events) and (events[k][0] < end or events[k][0] == s == events[k][1]
                                   or (events[k][0] == end and s == e)):
            group.append(events[k])
            end = max(end, events[k][1])
            k += 1
        out.extend(b[i:s])
        sides = {g[3] for g in group}
        if len(sides) == 1:
            cursor = s
            for gs, ge, gr, _ in group:
                out.extend(b[cursor:gs])
                out.extend(gr)
                cursor = ge
            out.extend(b[cursor:end])
        else:
            ours_new = _apply_range(b, s, end, [g for g in group if g[3] == "o"])
            theirs_new = _apply_range(b, s, end, [g for g in group if g[3] == "t"])
            words = _merge_words("".join(b[s:end]), "".join(ours_new), "".join(theirs_new))
            if ours_new == theirs_new:
                out.extend(ours_new)
            elif words is not None:
                out.append(words)
                by_words.append(f"Absatz „{_short(''.join(b[s:end]))}“")
            else:
                where = _short("".join(b[s:end])) or "(neuer Absatz)"
                mine_text, word_text = "".join(ours_new), "".join(theirs_new)
                lead = len(mine_text) - len(mine_text.lstrip("\n"))  # a body's first "\n"
                lines.append(sum(block.count("\n") for block in out) + lead)
                conflicts.append(f"  Absatz „{where}“\n    jetzt im Kapitel: "
                                 f"„{_around(mine_text, word_text) or '(gestrichen)'}“\n"
                                 f"    in Word: „{_around(word_text, mine_text) or '(gestrichen)'}“")
                out.extend(ours_new)
        i = end
    out.extend(b[i:])
    return Merged("".join(out), conflicts, lines, by_words)


_WORD = re.compile(r"\S+\s*|\s+")
"""A word with the space after it: the unit two edits of one paragraph must not share."""


def _merge_words(base: str, ours: str, theirs: str) -> str | None:
    """Both sides' edits of one passage, word by word; None where an edit of one side
    touches or overlaps one of the other (the same or a neighbouring word): there only a
    person can say what the text should be."""
    b = _WORD.findall(base)
    mine = [(s, e, r, "o") for s, e, r in _changes(b, _WORD.findall(ours))]
    yours = [(s, e, r, "t") for s, e, r in _changes(b, _WORD.findall(theirs))]
    if any(s1 <= e2 and s2 <= e1 for s1, e1, _, _ in mine for s2, e2, _, _ in yours):
        return None
    return "".join(_apply_range(b, 0, len(b), mine + yours))


def _apply_range(b: list[str], s: int, e: int, changes) -> list[str]:
    out, cursor = [], s
    for cs, ce, r, _ in sorted(changes, key=lambda c: c[0]):
        out.extend(b[cursor:cs])
        out.extend(r)
        cursor = ce
    out.extend(b[cursor:e])
    return out
