"""The review records of one chapter, typed: read once from its front matter.

Vorlagen, Entscheidungen (with their Vorgaben) and Stellungnahmen are append-only lists in
`review:`. Every reader (the rules, `lip status`, `lip verlauf`, the redline, the site) works
on these objects instead of walking the raw YAML, so a field is interpreted in one place.
Entries that cannot be read (no mapping, no valid date) are not dropped silently: they are
listed in `Records.problems`, which `lip check` reports.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline.dates import as_date, german_date

ACCEPTED = "angenommen"
RETURNED = "zurückgespielt"

LISTS = ("vorlagen", "stellungnahmen", "entscheidungen")
"""The record lists, in their same-day order: a draft is submitted, commented on, then
decided in one session."""


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Stand:
    """The version a record pins: its commit and the hash of its text."""

    commit: str = ""
    text_sha256: str = ""

    @classmethod
    def read(cls, value: Any) -> Stand:
        if not isinstance(value, Mapping):
            return cls()
        return cls(_text(value.get("commit")), _text(value.get("text_sha256")))

    def __iter__(self):
        """Unpacks as (commit, text_sha256)."""
        return iter((self.commit, self.text_sha256))


@dataclass(frozen=True)
class Erledigt:
    """How and when the Expert*innengruppe addressed a Vorgabe."""

    datum: dt.date | None
    vermerk: str
    commit: str


@dataclass(frozen=True)
class Vorgabe:
    """One Vorgabe of a return by the Lenkungsgruppe."""

    id: str
    text: str
    erledigt: Erledigt | None = None
    raw: Mapping = field(default_factory=dict, compare=False, repr=False)
    """The entry as written, for exports that pass the editor's data through (JSON)."""

    @classmethod
    def read(cls, raw: Mapping) -> Vorgabe:
        done = raw.get("erledigt")
        erledigt = (Erledigt(as_date(done.get("datum")), _text(done.get("vermerk")),
                             _text(done.get("commit")))
                    if isinstance(done, Mapping) else None)
        return cls(_text(raw.get("id")), _text(raw.get("text")), erledigt, raw)

    @property
    def label(self) -> str:
        """'V1: Text' (a Vorgabe without id just its text)."""
        return f"{self.id}: {self.text}".strip(": ")

    @property
    def state_text(self) -> str:
        """'erledigt am 20.10.2020: Vermerk' or 'offen' (as the site's change page says it)."""
        if self.erledigt is None:
            return "offen"
        done = self.erledigt
        when = f" am {german_date(done.datum)}" if done.datum else ""
        return f"erledigt{when}" + (f": {done.vermerk}" if done.vermerk else "")


@dataclass(frozen=True, kw_only=True)
class Record:
    """What every review record has: a date, a Gremium, the version it is about."""

    datum: dt.date
    gremium: str = ""
    stand: Stand = Stand()
    index: int = 0
    """Position in its list in the front matter (for messages and line numbers)."""
    raw: Mapping = field(default_factory=dict, compare=False, repr=False)
    """The entry as written, for exports that pass the editor's data through (JSON)."""

    list_name = ""

    @property
    def commit(self) -> str:
        return self.stand.commit


@dataclass(frozen=True, kw_only=True)
class Vorlage(Record):
    """The Expert*innengruppe submits a version to the Lenkungsgruppe."""

    vermerk: str = ""
    list_name = "vorlagen"


@dataclass(frozen=True, kw_only=True)
class Entscheidung(Record):
    """The Lenkungsgruppe accepts or returns a submitted version."""

    ergebnis: str = ""
    vorgaben: tuple[Vorgabe, ...] = ()
    sitzung: str = ""
    abstimmung: str = ""
    """The vote as recorded (free text); `tally` writes it."""
    list_name = "entscheidungen"

    @property
    def tally(self) -> str:
        """The vote as the council's are written: '20 dafür – 1 dagegen' ('' when none)."""
        from pipeline.wording import vote_text

        return vote_text(self.abstimmung) if self.abstimmung else ""

    @property
    def accepted(self) -> bool:
        return self.ergebnis == ACCEPTED

    @property
    def open_vorgaben(self) -> list[Vorgabe]:
        """Vorgaben of a return that are not yet marked erledigt."""
        if self.ergebnis != RETURNED:
            return []
        return [v for v in self.vorgaben if v.erledigt is None]


@dataclass(frozen=True, kw_only=True)
class Stellungnahme(Record):
    """A consulted body comments on a submitted version (text inline or in a file)."""

    art: str = ""
    text: str = ""
    datei: str = ""
    list_name = "stellungnahmen"


_LEGACY_ENTRY = re.compile(r"^(vorlagen|entscheidungen|stellungnahmen|berichtigungen)\[(\d+)\] "
                           r"(entfernt|geändert)$")
_LEGACY_KIND = {"vorlagen": "Vorlage", "entscheidungen": "Entscheidung",
                "stellungnahmen": "Stellungnahme", "berichtigungen": "Berichtigung"}


def _readable_change(item: str) -> str:
    """A change as `lip berichtigen` describes it; an older record's 'entscheidungen[0]
    geändert' (a zero-based position) as '1. Entscheidung geändert'."""
    old = _LEGACY_ENTRY.match(item)
    if old is None:
        return item
    name, index, verb = old.groups()
    return f"{int(index) + 1}. {_LEGACY_KIND[name]} {verb}"


@dataclass(frozen=True)
class Berichtigung:
    """A deliberate correction of committed entries (`lip berichtigen`): who, what, why.

    Not a step of the review: it changes no state, but every output that shows the
    Beratungsverlauf shows it (`lip verlauf`, the site, Anhang 2 of the Beschlussdrucksache),
    each from these fields."""

    datum: dt.date
    von: str
    grund: str
    eintraege: tuple[str, ...]
    """What changed, one entry each, described by content (see append_only.describe_change)."""
    index: int = 0

    @property
    def was(self) -> str:
        """What changed, in one line: 'Entscheidung der Lenkungsgruppe vom 04.12.2026:
        Ergebnis zurückgespielt → angenommen; …'."""
        return "; ".join(_readable_change(e) for e in self.eintraege) or "Einträge geändert"

    @property
    def zeile(self) -> str:
        """The one line every output shows after its date: who, what changed, why."""
        return f"berichtigt von {self.von or 'unbekannt'}: {self.was}. Grund: {self.grund}"


@dataclass(frozen=True)
class Problem:
    """An entry that could not be read or breaks the order of its list."""

    list_name: str
    index: int
    message: str
    written_date: str = ""
    """The entry's `datum` as the editor wrote it (shown as written where it is unreadable)."""


@dataclass(frozen=True)
class Records:
    """All review records of one chapter, each list in the order written."""

    vorlagen: tuple[Vorlage, ...] = ()
    entscheidungen: tuple[Entscheidung, ...] = ()
    stellungnahmen: tuple[Stellungnahme, ...] = ()
    problems: tuple[Problem, ...] = ()
    berichtigungen: tuple[Berichtigung, ...] = ()

    @property
    def last_decision(self) -> Entscheidung | None:
        return self.entscheidungen[-1] if self.entscheidungen else None

    def submitted_on(self, stand: Stand) -> dt.date | None:
        """The day the text `stand` pins was submitted: the first Vorlage of that text (same
        commit or same text hash). How a reader knows a text that is no named Fassung: the
        Vorlage, not the day git happened to store it (a history replayed later stores 2020's
        texts with later dates)."""
        days = [v.datum for v in self.vorlagen
                if (stand.commit and v.stand.commit and (v.stand.commit.startswith(stand.commit)
                                                         or stand.commit.startswith(v.stand.commit)))
                or (stand.text_sha256 and v.stand.text_sha256 == stand.text_sha256)]
        return min(days) if days else None

    def in_time_order(self) -> list[Record]:
        """Every readable record by date; same day: Vorlage, Stellungnahme, Entscheidung."""
        every: list[Record] = [*self.vorlagen, *self.stellungnahmen, *self.entscheidungen]
        return sorted(every, key=lambda r: (r.datum, LISTS.index(r.list_name), r.index))


def stand_of(record: Record | None) -> Stand:
    """The version a record pins; an empty Stand when there is no record."""
    return record.stand if record is not None else Stand()


def _common(raw: Mapping, index: int, datum: dt.date) -> dict[str, Any]:
    return {"datum": datum, "gremium": _text(raw.get("gremium")),
            "stand": Stand.read(raw.get("stand")), "index": index, "raw": raw}


def _vorlage(raw: Mapping, index: int, datum: dt.date) -> Vorlage:
    return Vorlage(**_common(raw, index, datum), vermerk=_text(raw.get("vermerk")))


def _entscheidung(raw: Mapping, index: int, datum: dt.date) -> Entscheidung:
    vorgaben = raw.get("vorgaben")
    items = tuple(Vorgabe.read(v) for v in vorgaben if isinstance(v, Mapping)) \
        if isinstance(vorgaben, list) else ()
    return Entscheidung(**_common(raw, index, datum), ergebnis=_text(raw.get("ergebnis")),
                        vorgaben=items, sitzung=_text(raw.get("sitzung")),
                        abstimmung=_text(raw.get("abstimmung")))


def _stellungnahme(raw: Mapping, index: int, datum: dt.date) -> Stellungnahme:
    return Stellungnahme(**_common(raw, index, datum), art=_text(raw.get("art")),
                         text=_text(raw.get("text")), datei=_text(raw.get("datei")))


_READERS = {"vorlagen": _vorlage, "entscheidungen": _entscheidung,
            "stellungnahmen": _stellungnahme}


def read_record(list_name: str, raw: Mapping, index: int = 0) -> Record:
    """One entry of `list_name` as a typed record (a new one, before it is written)."""
    datum = as_date(raw.get("datum"))
    if datum is None:
        raise ValueError(f"{list_name}[{index}]: Eintrag ohne gültiges Datum")
    return _READERS[list_name](raw, index, datum)


def read_records(review: Any) -> Records:
    """The typed records of a chapter's `review:` mapping (pure; never raises)."""
    review = review if isinstance(review, Mapping) else {}
    lists: dict[str, list[Record]] = {name: [] for name in LISTS}
    problems: list[Problem] = []
    for list_name in ("vorlagen", "stellungnahmen", "entscheidungen"):
        entries = review.get(list_name) or []
        if not isinstance(entries, list):
            continue
        previous: dt.date | None = None
        # Statements arrive out of order (a Delegiertenkonferenz meets early and sends its text
        # late): their list is in the order recorded; the rules read every list by date.
        ordered = list_name != "stellungnahmen"
        for i, raw in enumerate(entries):
            if not isinstance(raw, Mapping):
                problems.append(Problem(list_name, i, "Eintrag ist keine Zuordnung"))
                continue
            datum = as_date(raw.get("datum"))
            if datum is None:
                problems.append(Problem(list_name, i, "Eintrag ohne gültiges Datum",
                                        _text(raw.get("datum"))))
                continue
            if ordered and previous is not None and datum < previous:
                problems.append(Problem(list_name, i, f"Eintrag vom {german_date(datum)} steht "
                                        f"nach einem Eintrag vom {german_date(previous)}; die "
                                        f"Liste wird nur angefügt und ist zeitlich geordnet"))
            previous = max(previous, datum) if previous else datum
            lists[list_name].append(_READERS[list_name](raw, i, datum))
    return Records(tuple(lists["vorlagen"]), tuple(lists["entscheidungen"]),  # type: ignore[arg-type]
                   tuple(lists["stellungnahmen"]), tuple(problems),  # type: ignore[arg-type]
                   berichtigungen_of(review.get("berichtigungen")))


def berichtigungen_of(entries: Any) -> tuple[Berichtigung, ...]:
    """The corrections that can be read (an unreadable one is shown by its commit in git):
    a chapter's `review.berichtigungen`, or an Änderungsantrag's `berichtigungen`."""
    out = []
    for i, raw in enumerate(entries if isinstance(entries, list) else []):
        datum = as_date(raw.get("datum")) if isinstance(raw, Mapping) else None
        if datum is None:
            continue
        items = raw.get("eintraege")
        out.append(Berichtigung(datum, _text(raw.get("von")), _text(raw.get("grund")),
                                tuple(_text(e) for e in items) if isinstance(items, list) else (),
                                i))
    return tuple(out)


def records_of(chapter: Any) -> Records:
    """The typed records of a `plan.Chapter`."""
    return read_records(chapter.review)
