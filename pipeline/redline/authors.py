"""Who made each change of a redline, when its new text came about in steps by several people
(a Word proposal: one commit per reviewer). Pure: the redline's Markdown and the texts of the
steps in, the Markdown with `autor` and `datum` on each change out.

Each word of every step's text is traced forward: a word of the old text to the step that
deleted it, a word of the new text to the step that inserted it. A change of the redline
then belongs to the step most of its words came from (its first, on a tie); a change whose
words are traced to none (punctuation, a space) goes with the nearest change.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass

_TOKEN = re.compile(r"\w+|[^\w\s\\*_#:>|`~^\[\](){}]")
"""Words and punctuation: what a change is made of, not the Markdown around it."""
_NOISE = re.compile(r"\{[^{}\n]*\}|&#\d+;|\]\([^()\s]*\)")
"""Attributes, character references and link targets the engine's Markdown writes."""
_FENCE = re.compile(r"^(:{3,})[ \t]*(\S.*?)?[ \t]*$")
_SPAN_ATTR = re.compile(r"\{([^{}\n]*)\}")


@dataclass(frozen=True)
class Step:
    """The text after one person's changes, and who they are."""

    text: str
    author: str
    """'' for a step that is no one's (the changes it made keep the redline's author)."""
    date: str = ""


@dataclass
class _Mark:
    kind: str
    """'ins' or 'del'."""
    start: int
    end: int
    """md[start:end] is what the mark's author is written into: an empty place before the
    `}` of its attributes, or the bare `ins` of a fence (written as `{.ins …}`)."""
    votes: Counter
    opens: int = 0
    """Where the mark begins (its `[` or its fence)."""


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(_NOISE.sub(" ", text))


def _kind(classes: str) -> str | None:
    names = classes.split()
    return "ins" if ".ins" in names else "del" if ".del" in names else None


def _scan(md: str) -> tuple[list[tuple[str, int | None]], list[_Mark]]:
    """The redline's Markdown cut into (text, index of the mark it is in, or None), and its
    marks: `[…]{.ins}` spans and `::: ins` / `::: {.moved .del}` divs."""
    out: list[tuple[str, int | None]] = []
    marks: list[_Mark] = []
    offset = 0
    div: int | None = None
    depth = 0  # fences opened inside the mark's div
    plain: list[str] = []
    plain_start = 0
    for line in md.split("\n"):
        fence = _FENCE.match(line)
        if div is not None:
            if fence and not fence.group(2) and depth == 0:
                div = None
            else:
                depth += (1 if fence.group(2) else -1) if fence else 0
                out.append((line + "\n", div))
            offset += len(line) + 1
            continue
        spec = fence.group(2) if fence else None
        kind = (spec if spec in ("ins", "del") else _kind(spec[1:-1])
                if spec.startswith("{") and spec.endswith("}") else None) if spec else None
        if kind is None:
            if not plain:
                plain_start = offset
            plain.append(line)
        else:
            out.extend(_spans("\n".join(plain), plain_start, marks))
            plain = []
            at = offset + fence.start(2)
            if spec.startswith("{"):
                marks.append(_Mark(kind, at + len(spec) - 1, at + len(spec) - 1, Counter(),
                                   offset))
            else:
                marks.append(_Mark(kind, at, at + len(spec), Counter(), offset))
            div, depth = len(marks) - 1, 0
        offset += len(line) + 1
    out.extend(_spans("\n".join(plain), plain_start, marks))
    return out, marks


def _spans(text: str, start: int, marks: list[_Mark]) -> list[tuple[str, int | None]]:
    """`text` (at `start` in the Markdown) cut at its `[…]{.ins}` / `[…]{.del}` spans."""
    out: list[tuple[str, int | None]] = []
    cursor = i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c != "[":
            i += 1
            continue
        depth, k = 0, i
        while k < n:
            if text[k] == "\\":
                k += 2
                continue
            depth += {"[": 1, "]": -1}.get(text[k], 0)
            if depth == 0:
                break
            k += 1
        attr = _SPAN_ATTR.match(text, k + 1) if k < n else None
        kind = _kind(attr.group(1)) if attr else None
        if kind is None:
            i += 1
            continue
        out.append((text[cursor:i], None))
        marks.append(_Mark(kind, start + attr.end() - 1, start + attr.end() - 1, Counter(),
                           start + i))
        out.append((text[i + 1:k], len(marks) - 1))
        cursor = i = attr.end()
    out.append((text[cursor:], None))
    return out


def _trace(steps: list[Step]) -> tuple[list[int | None], list[int | None]]:
    """For each token of the first text, the step that deleted it (None: kept); for each
    token of the last text, the step that inserted it (None: from the first text)."""
    first = _tokens(steps[0].text)
    deleted: list[int | None] = [None] * len(first)
    origin: list[tuple[str, int]] = [("old", i) for i in range(len(first))]
    previous = first
    for k, step in enumerate(steps[1:], start=1):
        now = _tokens(step.text)
        traced: list[tuple[str, int]] = [("new", k)] * len(now)
        matcher = difflib.SequenceMatcher(None, previous, now, autojunk=False)
        kept = set()
        for a, b, size in matcher.get_matching_blocks():
            for m in range(size):
                traced[b + m] = origin[a + m]
                kept.add(a + m)
        for a, (where, index) in enumerate(origin):
            if a not in kept and where == "old" and deleted[index] is None:
                deleted[index] = k
        origin, previous = traced, now
    inserted = [index if where == "new" else None for where, index in origin]
    return deleted, inserted


def attribute(md: str, steps: list[Step]) -> str:
    """The redline `md` between `steps[0].text` and `steps[-1].text`, each change marked with
    the author and date of the step it came from (`autor="…" datum="…"`)."""
    if len(steps) < 2:
        return md
    pieces, marks = _scan(md)
    if not marks:
        return md
    deleted, inserted = _trace(steps)
    old_side: list[tuple[str, int | None]] = []
    new_side: list[tuple[str, int | None]] = []
    for text, mark in pieces:
        kind = marks[mark].kind if mark is not None else ""
        for token in _tokens(text):
            if kind != "ins":
                old_side.append((token, mark))
            if kind != "del":
                new_side.append((token, mark))
    for side, tokens, traced in ((old_side, _tokens(steps[0].text), deleted),
                                 (new_side, _tokens(steps[-1].text), inserted)):
        matcher = difflib.SequenceMatcher(None, [t for t, _ in side], tokens, autojunk=False)
        for a, b, size in matcher.get_matching_blocks():
            for m in range(size):
                mark, step = side[a + m][1], traced[b + m]
                if mark is not None and step is not None:
                    marks[mark].votes[step] += 1
    voted = {n: next(s for s, v in m.votes.items() if v == max(m.votes.values()))
             for n, m in enumerate(marks) if m.votes}
    if not voted:
        return md
    out: list[str] = []
    cursor = 0
    for n, mark in enumerate(marks):
        # traced to no step (a word split differently, punctuation): the nearest change's,
        # as `[Lots*innen]{.del}[Lotsinnen und Lots*innen]{.ins}` is one replacement
        step = steps[voted[n] if n in voted else voted[min(voted, key=lambda v: min(
            abs(marks[v].opens - mark.end), abs(mark.opens - marks[v].end)))]]
        if not step.author:
            continue
        attrs = f'autor="{_quoted(step.author)}"' + (f' datum="{step.date}"' if step.date else "")
        out.append(md[cursor:mark.start])
        out.append(f"{{.{mark.kind} {attrs}}}" if mark.end > mark.start else f" {attrs}")
        cursor = mark.end
    out.append(md[cursor:])
    return "".join(out)


def _quoted(text: str) -> str:
    return text.replace('"', "'").replace("\\", "/")
