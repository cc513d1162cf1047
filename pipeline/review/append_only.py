"""Append-only review records (issue 20, item 3): what was committed stays as it was.

Pure: the chapter's committed versions come from the caller (history.file_versions). An entry
of `vorlagen`, `entscheidungen`, `stellungnahmen` or `berichtigungen` that a committed version
had must still be there, at the same place and with the same content; the one change the
process itself makes is `erledigt` on a Vorgabe (lip vorgabe-erledigt). A deliberate
correction is a commit of `lip berichtigen` (trailer `Lip-Eintrag: berichtigung`): versions
before it no longer bind, and the correction itself records who changed what and why. The
council's votes in an Änderungsantrag's head (`abstimmungen`, with their `berichtigungen`)
and the named Fassungen with the council's Beschluss in plan/lip.yaml (`fassungen`, with the
manifest's `berichtigungen`) are held to the same rule by the same functions (COUNCIL_LISTS,
MANIFEST_LISTS).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.dates import as_date, german_date, iso_date
from pipeline.plan.frontmatter import to_plain as plain
from pipeline.wording import punkte_text

LISTS = ("vorlagen", "entscheidungen", "stellungnahmen", "berichtigungen")
COUNCIL_LISTS = ("abstimmungen", "berichtigungen")
"""The append-only lists in the head of an Änderungsantrag: the council's votes
(`lip abstimmung`) and their corrections (`lip berichtigen`), held to the same rule."""
MANIFEST_LISTS = ("fassungen", "berichtigungen")
"""The append-only lists of plan/lip.yaml: the named Fassungen (`lip fassung`) with the
council's Beschluss (`lip beschluss`), and their corrections (`lip berichtigen beschluss`)."""
NESTED = ("beschluss",)
"""Fields of an entry whose own fields are named when they change (fassungen[2].beschluss.dafuer)."""
CORRECTION = "berichtigung"
"""Value of the Lip-Eintrag trailer of a `lip berichtigen` commit."""


def council_records(meta: Any, lists: Sequence[str] = COUNCIL_LISTS) -> dict:
    """The append-only lists of an Änderungsantrag's head (COUNCIL_LISTS) or of plan/lip.yaml
    (MANIFEST_LISTS), as `tampered` and `entry_changes` take them."""
    return {k: meta[k] for k in lists if isinstance(meta, dict) and isinstance(meta.get(k), list)}


def changed_paths(before: Any, after: Any) -> tuple[tuple[str, ...], ...]:
    """The fields in which two versions of an entry differ, a field of NESTED by its own
    fields: (('datum',), ('beschluss', 'dafuer'))."""
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return ()
    out: list[tuple[str, ...]] = []
    for k in dict.fromkeys([*before, *after]):
        old, new = before.get(k), after.get(k)
        if old == new:
            continue
        if k in NESTED and isinstance(old, dict) and isinstance(new, dict):
            out += [(k, *p) for p in changed_paths(old, new)]
        else:
            out.append((k,))
    return tuple(out)


def _value_at(entry: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        entry = entry.get(key) if isinstance(entry, dict) else None
    return entry


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
    index: int | None
    """Where the entry stands now (changed) or stood in `commit` (removed); 0-based."""
    commit: str
    removed: bool
    entry: Any
    after: Any = None
    """The entry as it is now (None when removed)."""
    root: str = "review"
    """The key the lists stand under ('' for an Änderungsantrag, whose head holds them)."""
    restore: str = ""
    """The newest commit whose version of the file still holds the entry as recorded: the
    one `git checkout` brings the entry back from ('' : `commit`)."""

    @property
    def edited(self) -> Any:
        """The entry as it is now without the `erledigt` notes its Vorgaben got since `entry`
        was committed: the allowed change, which neither the message nor the line names
        (`entry` comes from the oldest commit, often before the Vorgaben were done)."""
        return _without_new_erledigt(self.after, self.entry)

    @property
    def changed_keys(self) -> tuple[tuple[str, ...], ...]:
        """The fields of a changed entry that differ from the committed one (`changed_paths`)."""
        return () if self.removed else changed_paths(self.entry, self.edited)

    @property
    def keys(self) -> tuple[str | int, ...]:
        """Where the entry (or its one changed field) stands in the head, for its line."""
        path: tuple[str | int, ...] = ((self.root,) if self.root else ()) + (self.list_name,
                                                                              self.index or 0)
        return path + self.changed_keys[0] if len(self.changed_keys) == 1 else path

    @property
    def field(self) -> str:
        field = f"{self.root}.{self.list_name}" if self.root else self.list_name
        one = ".".join(self.changed_keys[0]) if len(self.changed_keys) == 1 else ""
        return f"{field}[{self.index}]" + (f".{one}" if one else "")

    def message(self, repo_path: str, kap: str,
                gremium_name: Callable[[str], str] = str) -> str:
        """The German message; `gremium_name` turns a Gremium's key into its name (lip.yaml).
        Its way back is a command to run as it stands: `git checkout REV -- FILE` puts the
        file of `restore` into the working tree and the index alike (so that a commit refused
        by the hook goes through without the edit); `git show` would only print it."""
        what = _describe(self.entry, gremium_name)
        changes = _changes_text(self.entry, self.edited, gremium_name)
        verb = "wurde entfernt" if self.removed else "wurde nachträglich geändert" + (
            f" ({changes})" if changes else "")
        source = (self.restore or self.commit)[:10]
        return (f"Eintrag {what}aus Commit {self.commit[:10]} {verb}; der Beratungsverlauf wird "
                f"nur ergänzt. Die Datei mit dem Eintrag zurückholen: git checkout {source} -- "
                f"{shlex.quote(repo_path)} (verwirft spätere Änderungen an der Datei), oder die "
                f"Berichtigung begründet festhalten: lip berichtigen {kap} --grund \"…\"")


def _describe(entry: Any, gremium_name: Callable[[str], str]) -> str:
    if not isinstance(entry, dict):
        return ""
    if entry.get("name"):  # a named Fassung of plan/lip.yaml
        b = entry.get("beschluss")
        fassung = f"Fassung „{entry['name']}“"
        if isinstance(b, dict):  # 'Beschluss Ratsversammlung vom 28.01.2021, Fassung „…“'
            return f"({_beschluss_words(b, gremium_name)}, {fassung}) "
        return f"({fassung}" + (f", {german_date(entry['datum'])}" if entry.get("datum") else "") + ") "
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


@dataclass(frozen=True)
class Change:
    """One entry of a list that a later version lost, changed or added, matched by content."""

    list_name: str
    before: Any
    """The entry as it was (None when added)."""
    after: Any
    """The entry as it is now (None when removed)."""
    before_index: int | None
    after_index: int | None


_MATCH_KEYS = ("datum", "gremium", "ergebnis", "art", "text", "datei", "stand", "von", "grund",
               "punkte", "sitzung", "dafuer", "dagegen", "enthaltungen", "name", "rev", "tag",
               "beschluss", "texte")


def _closeness(a: Any, b: Any) -> int:
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return 0
    return sum(1 for k in _MATCH_KEYS if k in a and a.get(k) == b.get(k))


def entry_changes(before: Any, after: Any, lists: Sequence[str] = LISTS) -> list[Change]:
    """What became of every entry of `before` in `after`, by content, not by position: an
    entry equal to one still there is kept (each match used once, so removing one of two
    identical statements names that one); an entry that is gone is paired with a new entry
    of the same Gremium that is most alike (changed), or else it was removed. New entries
    left over were added. Adding the `erledigt` note to a Vorgabe is no change. `lists`: the
    review's (LISTS), an Änderungsantrag's (COUNCIL_LISTS) or plan/lip.yaml's (MANIFEST_LISTS)."""
    out: list[Change] = []
    for list_name in lists:
        old = [plain(e) for e in _entries(before, list_name)]
        new = [plain(e) for e in _entries(after, list_name)]
        free = list(range(len(new)))
        gone: list[int] = []
        for i, entry in enumerate(old):
            same = next((j for j in free if _without_new_erledigt(new[j], entry) == entry), None)
            if same is None:
                gone.append(i)
            else:
                free.remove(same)
        for i in gone:
            entry = old[i]
            gremium = entry.get("gremium") if isinstance(entry, dict) else None
            fits = [j for j in free if isinstance(new[j], dict) and new[j].get("gremium") == gremium
                    and _closeness(entry, new[j]) > 0]
            if fits:
                j = max(fits, key=lambda j: (_closeness(entry, new[j]), -abs(j - i)))
                free.remove(j)
                out.append(Change(list_name, entry, new[j], i, j))
            else:
                out.append(Change(list_name, entry, None, i, None))
        out += [Change(list_name, None, new[j], None, j) for j in free]
    return out


def changed_entries(before: Any, after: Any, lists: Sequence[str] = LISTS) -> list[Change]:
    """The entries of `before` that `after` lost or changed (additions are no tampering)."""
    return [c for c in entry_changes(before, after, lists) if c.before is not None]


_KIND = {"vorlagen": "Vorlage", "entscheidungen": "Entscheidung",
         "stellungnahmen": "Stellungnahme", "berichtigungen": "Berichtigung",
         "abstimmungen": "Abstimmung", "fassungen": "Fassung"}


def _quote(text: Any, limit: int = 40) -> str:
    text = " ".join(str(text).split())
    return f"„{text if len(text) <= limit else text[:limit - 1].rstrip() + '…'}“"


def _beschluss_words(beschluss: dict, name: Any) -> str:
    """'Beschluss Ratsversammlung vom 28.01.2021'."""
    out = "Beschluss" + (f" {name(str(beschluss['gremium']))}" if beschluss.get("gremium") else "")
    return out + (f" vom {german_date(beschluss['datum'])}" if beschluss.get("datum") else "")


def describe_entry(list_name: str, entry: Any, name: Any = str) -> str:
    """An entry named by its content, as a clerk would: 'Stellungnahme RTGS vom 02.12.2026
    („Der RTGS stimmt zu.“)', 'Entscheidung Lenkungsgruppe vom 04.12.2026 (zurückgespielt)'.
    A Fassung: 'Fassung „Verwaltungsentwurf“ vom 08.12.2020'; one with the council's Beschluss:
    'Beschluss Ratsversammlung vom 28.01.2021 (Fassung „Beschlossene Fassung“)'.
    `name` turns a Gremium key into its name (the manifest's)."""
    if not isinstance(entry, dict):
        return _KIND.get(list_name, "Eintrag")
    if list_name == "fassungen":
        b = entry.get("beschluss")
        if isinstance(b, dict):
            return f"{_beschluss_words(b, name)} (Fassung „{entry.get('name')}“)"
        out = f"Fassung „{entry.get('name')}“"
        return out + (f" vom {german_date(entry['datum'])}" if entry.get("datum") else "")
    kind = str(entry.get("art") or "") if list_name == "stellungnahmen" else ""
    kind = kind or _KIND.get(list_name, "Eintrag")
    who = entry.get("gremium") or entry.get("von")
    out = f"{kind} {name(str(who))}" if who else kind
    if entry.get("datum"):
        out += f" vom {german_date(entry['datum'])}"
    if list_name == "abstimmungen" and isinstance(entry.get("punkte"), list) and entry["punkte"]:
        out += f" ({punkte_text(entry['punkte'])}: {entry.get('ergebnis') or '–'})"
    elif list_name in ("entscheidungen", "abstimmungen") and entry.get("ergebnis"):
        out += f" ({entry['ergebnis']})"
    elif list_name == "stellungnahmen" and entry.get("text"):
        out += f" ({_quote(entry['text'])})"
    return out


_LABELS = {"vorgaben": "Vorgaben", "art": "Art", "datei": "Datei", "sitzung": "Sitzung",
           "abstimmung": "Abstimmung", "vermerk": "Vermerk", "beschluss": "Beschluss",
           "beschreibung": "Beschreibung", "texte": "Texte", "endgueltig": "endgültig",
           "name": "Name", "rev": "Commit", "tag": "Tag"}
_COUNTS = {"dafuer": "Stimmen dafür", "dagegen": "Stimmen dagegen",
           "enthaltungen": "Enthaltungen"}


def _field_change(key: str, old: Any, new: Any, name: Any) -> str:
    if key == "datum":
        before, after = german_date(old) or "–", german_date(new) or "–"
        if before == after and as_date(old) and not as_date(new):  # '24.09.2020' for 2020-09-24
            return (f"Datum {iso_date(old)} → {new}: im Kopf steht ein Datum als JJJJ-MM-TT, "
                    f"also {iso_date(old)}")
        return f"Datum {before} → {after}"
    if key == "gremium":
        return f"Gremium {name(str(old)) if old else '–'} → {name(str(new)) if new else '–'}"
    if key == "ergebnis":
        return f"Ergebnis {old or '–'} → {new or '–'}"
    if key == "text":
        return f"Wortlaut {_quote(old or '')} → {_quote(new or '')}"
    if key in ("abstimmung", "sitzung") and isinstance(old, str) and isinstance(new, str):
        # the vote as recorded before stays in the record, not only in git
        return f"{_LABELS[key]} {_quote(old)} → {_quote(new)}"
    if key == "stand":
        def short(v: Any) -> str:
            return str(v.get("commit", ""))[:7] if isinstance(v, dict) else "–"
        return f"Fassung {short(old)} → {short(new)}"
    if key in _COUNTS and (old is not None or new is not None):
        return f"{_COUNTS[key]} {'–' if old is None else old} → {'–' if new is None else new}"
    if key == "punkte" and isinstance(old, list) and isinstance(new, list):
        return f"{punkte_text(old)} → {punkte_text(new)}"
    if key == "einstimmig":
        return "einstimmig ergänzt" if new is True else "einstimmig entfernt"
    if key == "name" and old and new:
        return f"Name „{old}“ → „{new}“"
    if key in ("rev", "tag") and old and new:
        return f"{'Commit' if key == 'rev' else 'Tag'} {str(old)[:10]} → {str(new)[:10]}"
    label = _LABELS.get(key, key)
    if new is None:
        return f"{label} entfernt"
    if old is None:
        return f"{label} ergänzt"
    return f"{label} geändert"


def _changes_text(old: Any, new: Any, name: Any) -> str:
    """What changed between two versions of an entry, field by field (`changed_paths`); the
    fields of a NESTED field under its name: 'Datum 28.01.2021 → 29.01.2021; Beschluss:
    Stimmen dafür 40 → 41, Stimmen dagegen 22 → 21'."""
    groups: dict[str, list[str]] = {}
    for path in changed_paths(old, new):
        text = _field_change(path[-1], _value_at(old, path), _value_at(new, path), name)
        groups.setdefault(path[0] if len(path) > 1 else "", []).append(text)
    return "; ".join([*groups.pop("", []),
                      *(f"{_LABELS.get(k, k)}: {', '.join(v)}" for k, v in groups.items())])


def correction_record(datum: Any, who: str, grund: str, changed: Sequence[str]) -> Any:
    """The record of a deliberate correction under `berichtigungen` (a chapter's review, an
    Antrag, plan/lip.yaml): when, who, why and which entries changed how."""
    from ruamel.yaml.comments import CommentedSeq

    from pipeline.plan.frontmatter import new_mapping

    return new_mapping(datum=datum, von=who, grund=grund.strip(), eintraege=CommentedSeq(changed))


def correction_lines(record: Any) -> list[str]:
    """The lines a correction's commit message carries, one per field of its record."""
    return [f"Datum: {record['datum'].isoformat()}", f"Von: {record['von']}",
            f"Grund: {record['grund']}", *(f"Eintrag: {c}" for c in record["eintraege"])]


def describe_change(change: Change, name: Any = str) -> str:
    """One change in German, by content: 'Entscheidung Lenkungsgruppe vom 04.12.2026
    (zurückgespielt): Ergebnis zurückgespielt → angenommen; Vorgaben entfernt'."""
    if change.after is None:
        return f"{describe_entry(change.list_name, change.before, name)} entfernt"
    if change.before is None:
        return f"{describe_entry(change.list_name, change.after, name)} hinzugefügt"
    old, new = change.before, change.after
    fields = _changes_text(old, new, name)
    return f"{describe_entry(change.list_name, old, name)}: {fields or 'geändert'}"


def _holds(review: Any, list_name: str, entry: Any) -> bool:
    """Whether a version's list holds `entry` as recorded (an `erledigt` added since aside)."""
    return any(_without_new_erledigt(plain(e), entry) == entry
               for e in _entries(review, list_name))


def tampered(current: Any, versions: Sequence[Version], lists: Sequence[str] = LISTS,
             root: str = "review") -> list[Tampered]:
    """Committed entries missing from or changed in `current`, each named once with the
    oldest commit that had it and the newest that still has it as recorded (`restore`);
    `versions` are oldest first. A committed version that changed an entry (lacking it as an
    earlier version recorded it) binds nothing where `current` holds that entry again: the
    file was brought back from before that commit. A chapter's review (LISTS under `review`), an
    Änderungsantrag's head (COUNCIL_LISTS, `root` '') or plan/lip.yaml (MANIFEST_LISTS,
    `root` '')."""
    start = max((i for i, v in enumerate(versions) if v.record == CORRECTION), default=0)
    binding = versions[start:]
    found: dict[tuple[str, int | None, bool], Tampered] = {}
    for at, version in enumerate(binding):
        for c in changed_entries(version.review, current, lists):
            removed = c.after is None
            if not removed and not _holds(version.review, c.list_name, c.after) \
                    and any(_holds(v.review, c.list_name, c.after) for v in binding[:at]):
                continue  # `version` itself had changed the entry that `current` holds again
            index = c.before_index if removed else c.after_index
            key = (c.list_name, index, removed)
            if key not in found:
                restore = next((v.commit for v in reversed(binding)
                                if _holds(v.review, c.list_name, c.before)), version.commit)
                found[key] = Tampered(c.list_name, index, version.commit, removed, c.before,
                                      c.after, root, restore)
    return list(found.values())
