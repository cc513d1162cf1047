"""Which Fassung a text is: the label a build prints must be true (pure).

A named Fassung records the SHA-256 of every chapter's text (`texte`, written by
`lip fassung` and `lip beschluss`). A plan whose chapters read exactly so *is* that Fassung;
a plan that differs from every named Fassung is an Arbeitsstand, never labelled with a
Fassung's name. Entries without `texte` (named by hand) cannot be compared: then the
manifest's own `fassung:` label stands, unless it names such an entry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

ARBEITSSTAND = "Arbeitsstand"
CORRECTION_KEYS = ("beschluss", "fassung")
"""The words `lip berichtigen` takes for the records of plan/lip.yaml (review/append_only.py
holds them to the append-only rule): `beschluss` for the Fassung that holds the council's
Beschluss, `fassung` for any other named Fassung. Both correct the list `fassungen`."""


def correction_key(entry: Any) -> str:
    """The word of CORRECTION_KEYS that names a Fassung entry in `lip berichtigen`."""
    return "beschluss" if isinstance(entry, Mapping) and isinstance(entry.get("beschluss"), Mapping) \
        else "fassung"


def adopted_by(gremium_name: str, datum: Any) -> str:
    """„beschlossen von der Ratsversammlung am 25.02.2021“: how a Beschluss is described,
    in plan/lip.yaml, on the site and in the documents."""
    from pipeline.dates import german_date
    from pipeline.wording import by_body

    return f"beschlossen {by_body(gremium_name)} am {german_date(datum)}"


@dataclass(frozen=True)
class Stimmen:
    """How the body voted on the Drucksache, as `lip beschluss --dafuer … --dagegen …` or
    `--einstimmig` recorded it under `beschluss` in plan/lip.yaml; all optional."""

    einstimmig: bool = False
    dafuer: int | None = None
    dagegen: int | None = None
    enthaltungen: int | None = None

    @property
    def tally(self) -> str:
        """'40 dafür – 22 dagegen – 3 Enthaltungen', 'einstimmig', or '' without counts."""
        from pipeline.wording import tally

        return tally(self.einstimmig, self.dafuer, self.dagegen, self.enthaltungen)


def stimmen_of(record: Any) -> Stimmen:
    """The counts of a `beschluss` record (values of the wrong type count as absent; the
    schema reports them)."""
    def number(key: str) -> int | None:
        value = record.get(key) if isinstance(record, Mapping) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return Stimmen(isinstance(record, Mapping) and record.get("einstimmig") is True,
                   number("dafuer"), number("dagegen"), number("enthaltungen"))


@dataclass(frozen=True)
class Beschluss:
    """The council's decision on the plan, as `lip beschluss` recorded it under `beschluss`
    of a named Fassung in plan/lip.yaml, with the text of every chapter it adopted. The one
    model of it: the council's rules, the documents, the site and `lip verlauf` all read it
    through `beschluesse`."""

    fassung: str
    """The Fassung's name, e.g. „Beschlossene Fassung“."""
    gremium: str
    """Key of the deciding body (ratsversammlung)."""
    gremium_name: str
    datum: dt.date
    texte: Mapping[str, str] = field(default_factory=dict)
    """{chapter file: SHA-256 of its text} as adopted."""
    rev: str = ""
    """The commit of the adopted text; its parent holds the text the council decided on."""
    stimmen: Stimmen = Stimmen()
    """The vote on the Drucksache (`Stimmen.tally`: '' when not recorded)."""
    index: int = 0
    """Its Fassung's place in the list `fassungen` (where `lip check` locates it)."""

    @property
    def description(self) -> str:
        """„beschlossen von der Ratsversammlung am 25.02.2021“."""
        return adopted_by(self.gremium_name, self.datum)

    def covers(self, filename: str, text_sha256: str) -> bool:
        """Whether a chapter's text is exactly the one adopted."""
        return self.texte.get(filename) == text_sha256


def beschluesse(plan: Any) -> list[Beschluss]:
    """Every Beschluss recorded in plan/lip.yaml, in the order of the Fassungen: the one
    reader. A record without a readable date or body is left out, which suits `lip check`
    (the schema names it) and the commands that check the plan first; a command that shows
    the council's steps without checking reads `checked_beschluesse`."""
    from pipeline.dates import as_date

    raw = plan.manifest.get("fassungen") if plan.manifest else None
    out = []
    for i, entry in enumerate(raw if isinstance(raw, list) else []):
        b = entry.get("beschluss") if isinstance(entry, dict) else None
        datum = as_date(b.get("datum")) if isinstance(b, dict) else None
        if datum is None or not b.get("gremium"):
            continue
        texts, key = entry.get("texte"), str(b["gremium"])
        out.append(Beschluss(
            str(entry.get("name", "")), key, plan.manifest.gremium_name(key), datum,
            {str(k): str(v) for k, v in texts.items()} if isinstance(texts, dict) else {},
            str(entry.get("rev") or ""), stimmen_of(b), i))
    return out


_BESCHLUSS_FIELD = re.compile(r"fassungen\[\d+\]\.beschluss(\.|$)")


def beschluss_problems(plan: Any) -> list[Any]:
    """The problems of the recorded Beschlüsse (a date that is none, a missing body), located
    and worded as `lip check` reports them: its schema check of plan/lip.yaml."""
    from pipeline.plan import schema

    if plan.manifest is None:
        return []
    found = schema.check(plan.manifest.data, schema.MANIFEST, plan.manifest.path, 1)
    return [d for d in found if _BESCHLUSS_FIELD.match(d.field)]


def checked_beschluesse(plan: Any) -> list[Beschluss]:
    """`beschluesse`, for a command that shows the council's steps without checking the whole
    plan first (`lip verlauf`): a record it would leave out stops the command with the problem
    `lip check`, `lip build` and `lip site` name (PlanInvalid), not a history that silently
    lacks its Beschluss."""
    from pipeline.errors import PlanInvalid

    problems = beschluss_problems(plan)
    if problems:
        raise PlanInvalid(problems)
    return beschluesse(plan)


def beschluss_of(plan: Any) -> Beschluss | None:
    """The council's Beschluss on `plan` (the last Fassung with `beschluss`), or None."""
    found = beschluesse(plan)
    return found[-1] if found else None


def chapter_texts(plan: Any) -> dict[str, str]:
    """{chapter file: SHA-256 of its text}: what a Fassung's `texte` records."""
    return {ch.filename: ch.text_sha256 for ch in plan.chapters}


def entries(plan: Any) -> list[dict]:
    raw = plan.manifest.get("fassungen") if plan.manifest else None
    return [f for f in raw or [] if isinstance(f, dict)] if isinstance(raw, list) else []


def matching(plan: Any) -> dict | None:
    """The last named Fassung whose recorded texts are exactly this plan's, if any."""
    texts = chapter_texts(plan)
    for entry in reversed(entries(plan)):
        recorded = entry.get("texte")
        if isinstance(recorded, dict) and {str(k): str(v) for k, v in recorded.items()} == texts:
            return entry
    return None


def label(plan: Any) -> str:
    """The Fassung a build of `plan` is labelled with."""
    found = matching(plan)
    if found is not None:
        return str(found.get("name", ""))
    declared = str(plan.manifest.get("fassung", "")) if plan.manifest else ""
    compared = [e for e in entries(plan) if isinstance(e.get("texte"), dict)]
    if compared:
        return f"{ARBEITSSTAND} nach der Fassung „{compared[-1].get('name')}“"
    named = {str(e.get("name")) for e in entries(plan)}
    if declared and declared in named:
        return declared  # named by hand, without texts: nothing to compare against
    return declared or ARBEITSSTAND


def record_fassung(plan: Any, commit: str, text_sha256: str = "", filename: str = "",
                   datum: Any = None, full: Callable[[str], str] = str) -> dict | None:
    """The named Fassung whose text a review record judged: the Fassung that is its commit,
    else one whose recorded text of `filename` is the record's text, named by the record's
    day (a record of May does not name December's Fassung); the last listed if several.
    `full` turns a Fassung's `rev` into a full commit id where git can tell (a tag, a short id).
    One rule for the Beratungsverlauf in the council's documents and on the site."""
    from pipeline.dates import as_date

    listed = list(reversed(entries(plan)))
    if commit:
        for entry in listed:
            rev = full(str(entry.get("rev") or ""))
            if rev and (rev.startswith(commit) or commit.startswith(rev)):
                return entry
    when = as_date(datum)
    if text_sha256:
        for entry in listed:
            texts, named = entry.get("texte"), as_date(entry.get("datum"))
            if isinstance(texts, dict) and str(texts.get(filename, "")) == text_sha256 \
                    and (when is None or named is None or named <= when):
                return entry
    return None


def version_label(entry: dict | None, commit_date: Any = None, *, submitted: Any = None,
                  long: bool = False) -> str:
    """How a reader is told which text a record judged: „1. Fassung vom 12.03.2020“ (long:
    „… vom 12. März 2020“), else „Vorlage vom …“ (the day that text was submitted), else
    „Textstand vom …“ (the day it was committed), else Arbeitsstand. Commit ids never: they
    belong in the provenance."""
    from pipeline.dates import german_date, german_date_long

    day = german_date_long if long else german_date
    if entry is not None:
        when = day(entry.get("datum")) if entry.get("datum") else ""
        return f"{entry.get('name')} vom {when}" if when else str(entry.get("name"))
    if submitted is not None:
        return f"Vorlage vom {day(submitted)}"
    if commit_date is not None:
        return f"Textstand vom {day(commit_date)}"
    return ARBEITSSTAND


def adopted_text(plan: Any) -> Beschluss | None:
    """The council's Beschluss when `plan` is exactly the text it adopted (its Fassung is the
    one `label` names), else None: a page or document may then call itself beschlossen."""
    found = matching(plan)
    beschluss = beschluss_of(plan)
    if found is None or beschluss is None or str(found.get("name", "")) != beschluss.fassung:
        return None
    return beschluss
