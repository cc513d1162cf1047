"""Append-only review records (issue 20, item 3): what was committed stays as it was.

Pure: the chapter's committed versions come from the caller (history.file_versions). An entry
of `vorlagen`, `entscheidungen`, `stellungnahmen` or `berichtigungen` that a committed version
had must still be there, at the same place and with the same content; the one change the
process itself makes is `erledigt` on a Vorgabe (lip vorgabe-erledigt). A deliberate
correction is a commit of `lip berichtigen` (trailer `Lip-Eintrag: berichtigung`): versions
before it no longer bind, and the correction itself records who changed what and why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.dates import german_date
from pipeline.plan.frontmatter import to_plain as plain

LISTS = ("vorlagen", "entscheidungen", "stellungnahmen", "berichtigungen")
CORRECTION = "berichtigung"
"""Value of the Lip-Eintrag trailer of a `lip berichtigen` commit."""


@dataclass(frozen=True)
class Version:
    """One committed version of a chapter: its commit, its Lip-Eintrag trailer, its review."""

    commit: str
    record: str
    review: dict


@dataclass(frozen=True)
class Tampered:
    """A committed entry that is gone or different now."""

    list_name: str
    index: int
    commit: str
    removed: bool
    entry: Any

    @property
    def field(self) -> str:
        return f"review.{self.list_name}[{self.index}]"

    def message(self, repo_path: str, kap: str,
                gremium_name: Callable[[str], str] = str) -> str:
        """The German message; `gremium_name` turns a Gremium's key into its name (lip.yaml)."""
        what = _describe(self.entry, gremium_name)
        verb = "wurde entfernt" if self.removed else "wurde nachträglich geändert"
        return (f"Eintrag {what}aus Commit {self.commit[:10]} {verb}; der Beratungsverlauf wird "
                f"nur ergänzt. Den Eintrag wiederherstellen (git show "
                f"{self.commit[:10]}:{repo_path}) oder die Berichtigung begründet festhalten: "
                f"lip berichtigen {kap} --grund \"…\"")


def _describe(entry: Any, gremium_name: Callable[[str], str]) -> str:
    if not isinstance(entry, dict):
        return ""
    parts = [german_date(entry["datum"])] if entry.get("datum") else []
    parts += [gremium_name(str(entry["gremium"]))] if entry.get("gremium") else []
    parts += [str(entry["ergebnis"])] if entry.get("ergebnis") else []
    return f"({', '.join(parts)}) " if parts else ""


def _without_new_erledigt(now: Any, then: Any) -> Any:
    """`now` minus the `erledigt` notes that `then` did not have yet (the one allowed change)."""
    if not (isinstance(now, dict) and isinstance(then, dict)):
        return now
    vorgaben_now, vorgaben_then = now.get("vorgaben"), then.get("vorgaben")
    if not (isinstance(vorgaben_now, list) and isinstance(vorgaben_then, list)):
        return now
    trimmed = []
    for i, item in enumerate(vorgaben_now):
        old = vorgaben_then[i] if i < len(vorgaben_then) else None
        if isinstance(item, dict) and isinstance(old, dict) and "erledigt" not in old:
            item = {k: v for k, v in item.items() if k != "erledigt"}
        trimmed.append(item)
    return {**now, "vorgaben": trimmed}


def _entries(review: Any, list_name: str) -> list:
    value = review.get(list_name) if isinstance(review, dict) else None
    return value if isinstance(value, list) else []


def changed_entries(before: Any, after: Any) -> list[tuple[str, int, bool]]:
    """(list, index, removed) of every entry of `before` that `after` lost or changed."""
    out = []
    for list_name in LISTS:
        now = [plain(e) for e in _entries(after, list_name)]
        for i, entry in enumerate(plain(e) for e in _entries(before, list_name)):
            if i >= len(now):
                out.append((list_name, i, True))
            elif _without_new_erledigt(now[i], entry) != entry:
                out.append((list_name, i, False))
    return out


def tampered(current: Any, versions: Sequence[Version]) -> list[Tampered]:
    """Committed entries missing from or changed in `current`, each named once with the
    oldest commit that had it; `versions` are oldest first."""
    start = max((i for i, v in enumerate(versions) if v.record == CORRECTION), default=0)
    found: dict[tuple[str, int], Tampered] = {}
    for version in versions[start:]:
        for list_name, index, removed in changed_entries(version.review, current):
            if (list_name, index) not in found:
                entry = _entries(version.review, list_name)[index]
                found[(list_name, index)] = Tampered(list_name, index, version.commit, removed,
                                                     entry)
    return list(found.values())
