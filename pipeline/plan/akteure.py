"""The manifest's registry of Akteure (`akteure` in plan/lip.yaml), pure.

A Maßnahme's Federführung is free text ("VHS Hannover", "Fachbereich Wirtschaft –
Wirtschaftsförderung", "IHK Hannover und Handwerkskammer Hannover"). The registry names each
Akteur once, with its other spellings (`auch`); the site filters by these names, so one body
written two ways is one entry, and `lip check` warns about a Federführung that names none.
Without a registry the text itself, with its spaces tidied, is the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Akteur:
    name: str
    auch: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.auch)


def registry(manifest: Any) -> list[Akteur]:
    """The Akteure of the manifest, in the order listed ([] when there is no registry)."""
    raw = manifest.get("akteure") if manifest is not None else None
    out = []
    for entry in raw if isinstance(raw, list) else []:
        if isinstance(entry, dict) and str(entry.get("name") or "").strip():
            auch = entry.get("auch") if isinstance(entry.get("auch"), list) else []
            out.append(Akteur(tidy(str(entry["name"])), tuple(tidy(str(a)) for a in auch if a)))
    return out


def tidy(text: str) -> str:
    """One space between words, no Markdown escape of a gender star."""
    return " ".join(text.replace("\\*", "*").split())


def _pattern(spelling: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(spelling)}(?!\w)")


def named_in(text: str, akteure: list[Akteur]) -> list[str]:
    """The registered Akteure a Federführung names (by any spelling), in registry order."""
    text = tidy(text)
    found = []
    for akteur in akteure:
        if any(_pattern(s).search(text) for s in akteur.spellings):
            found.append(akteur.name)
    return found


def lead_names(text: str, akteure: list[Akteur]) -> list[str]:
    """The names the site files a Federführung under: the registered Akteure it names, else
    (no registry, or none named) the tidied text itself."""
    if not tidy(text):
        return []
    return named_in(text, akteure) or [tidy(text)]
