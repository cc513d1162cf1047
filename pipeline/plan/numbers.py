"""Numbers once given stay (pure): compare a chapter's Maßnahmen with a recorded version.

The plan says „Einmal vergebene Nummern werden nicht neu verteilt. Entfällt eine Maßnahme,
bleibt ihre Nummer frei“. Deleting Maßnahme 6.1.1 and renaming 6.1.2 to 6.1.1 breaks every
council decision and Controlling-Bericht that cites the numbers, although each version alone
is well formed. So the Maßnahmen now are matched with those of the last recorded version by
title and text: a number that now carries a Maßnahme which had another number then is
reused. Cheap: only Maßnahmen whose number changed its title and text are compared further.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from pipeline.plan.body import Body, Measure, plain_text

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Reuse:
    """A number that carries another Maßnahme than in the recorded version."""

    number: str
    line: int
    before: str
    """The title the number carried then."""
    origin: str
    """The number the Maßnahme now under `number` had then ('' when it is not found: an
    unrelated, new Maßnahme took a number that was given before)."""
    title: str
    """The title it carries now."""
    freed: bool
    """The Maßnahme the number carried then is gone (its number must stay free)."""


def _words(text: str) -> list[str]:
    return _WORD.findall(plain_text(text).casefold())


def _similarity(a: str, b: str) -> float:
    wa, wb = _words(a), _words(b)
    if not wa and not wb:
        return 1.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def same_measure(a: Measure, b: Measure) -> bool:
    """Two versions of one Maßnahme: nearly the same title, or largely the same text."""
    return _similarity(a.title, b.title) >= 0.8 or (
        bool(a.description) and _similarity(a.description, b.description) >= 0.6)


def _unrelated(a: Measure, b: Measure) -> bool:
    """Nothing in common: a different Maßnahme, not a rewritten one."""
    return _similarity(a.title, b.title) < 0.3 and _similarity(a.description, b.description) < 0.2


def reused_numbers(old: Body, new: Body) -> list[Reuse]:
    """Numbers of `new` that carry another Maßnahme than in `old`: one that had another number
    in `old` (renumbered), or one with nothing in common with the Maßnahme of `old`."""
    before = {m.id: m for m in old.measures}
    now = {m.id: m for m in new.measures}
    kept = {number for number, m in now.items() if number in before and same_measure(before[number], m)}
    found = []
    for measure in new.measures:
        previous = before.get(measure.id)
        if previous is None or measure.id in kept:
            continue
        origin = next((o for o in old.measures if o.id != measure.id and o.id not in kept
                       and same_measure(o, measure)), None)
        if origin is None and not _unrelated(previous, measure):
            continue  # the same Maßnahme, rewritten
        freed = not any(same_measure(previous, m) for m in new.measures)
        found.append(Reuse(measure.id, measure.line, previous.title,
                           origin.id if origin else "", measure.title, freed))
    return found
