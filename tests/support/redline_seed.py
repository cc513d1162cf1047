"""Seed known edits into a text and count the words they change (corpus tests, benchmark)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

_ALPHA = re.compile(r"^[^\W\d_]+$")


def _words(text: str) -> int:
    return sum(1 for w in text.split() if any(c.isalnum() for c in w))


def _prose(par: str) -> bool:
    return bool(par) and par[0].isalpha() and "\n:" not in par and "|" not in par \
        and len(par.split()) >= 14


@dataclass
class Seeded:
    text: str
    edited_words: int
    """Words marked by a perfect redline: replaced (old + new), inserted and deleted."""
    moved_words: int
    edits: int


def seed_edits(text: str, n: int, seed: int = 1, move: bool = True) -> Seeded:
    """Apply `n` edits (word replacements, inserted and deleted sentences) and one move."""
    rng = random.Random(seed)
    pars = text.split("\n\n")
    candidates = [i for i, p in enumerate(pars) if _prose(p)]
    chosen = sorted(rng.sample(candidates, min(n + (1 if move else 0), len(candidates))))
    moved_words = 0
    if move and len(chosen) > 2:
        mv = chosen.pop(len(chosen) // 2)
    else:
        mv = None
    edited = 0
    for k, i in enumerate(chosen):
        words = pars[i].split(" ")
        kind = k % 3
        if kind == 0:  # replace one word whose neighbours are plain words too
            spots = [j for j in range(1, len(words) - 1)
                     if all(_ALPHA.match(words[x]) for x in (j - 1, j, j + 1))]
            if not spots:
                kind = 1
            else:
                j = rng.choice(spots)
                words[j] = f"Ersatzwort{k}"
                pars[i] = " ".join(words)
                edited += 2
                continue
        if kind == 1:  # append a sentence
            sentence = f"Dieser Satz Nummer {k} wurde zusätzlich eingefügt."
            pars[i] = pars[i].rstrip() + " " + sentence
            edited += _words(sentence)
            continue
        # delete a whole sentence from the middle
        parts = re.split(r"(?<=[a-zäöüß]\.) (?=[A-ZÄÖÜ])", pars[i])
        if len(parts) >= 3:
            gone = parts.pop(1)
            pars[i] = " ".join(parts)
            edited += _words(gone)
        else:
            sentence = f"Ein weiterer Satz Nummer {k} steht nun hier."
            pars[i] = pars[i].rstrip() + " " + sentence
            edited += _words(sentence)
    if mv is not None:
        par = pars.pop(mv)
        moved_words = _words(par)
        pars.insert(min(len(pars), mv + len(pars) // 3), par)
    return Seeded("\n\n".join(pars), edited, moved_words, len(chosen))
