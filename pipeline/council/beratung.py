"""The council's steps as lines of the Beratungsverlauf (pure): every vote on an
Änderungsantrag and every Beschluss, in the same shape as the Lenkungsgruppe's entries, so
that the Drucksache's annex and the site show one history; and the council's steps in one
chapter's Beratungsverlauf (`chapter_steps`), which the site's chapter page and `lip verlauf`
show alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.council.antraege import (
    Abstimmung,
    Antrag,
    Punkt,
    chapter_of,
    load_antraege,
    punkt_span,
    what,
)
from pipeline.plan import Chapter, Plan
from pipeline.plan.fassungen import Beschluss, beschluesse
from pipeline.review.records import Berichtigung, berichtigungen_of
from pipeline.wording import in_body, of_body, punkte_text

if TYPE_CHECKING:
    from pipeline.review import ChapterState

WHOLE_PLAN = "gesamter Plan"
"""What a Beschluss (and a correction of it) is about, in the column Kapitel/Gegenstand."""


def council_entries(plan: Plan) -> list[dict[str, str]]:
    """{datum (a date), kapitel, gremium, art, ergebnis, fassung} for each vote, each
    Berichtigung of a vote (in the form of a chapter's, assemble.consultation_entries), each
    Beschluss and each Berichtigung of a Beschluss or Fassung."""
    if plan.manifest is None:
        return []
    name = plan.manifest.gremium_name
    out = []
    antraege, _ = load_antraege(plan)
    for a in antraege:
        for v in a.abstimmungen:
            out.append({"datum": v.datum,
                        "kapitel": f"Änderungsantrag {a.nummer} ({a.antragsteller}), {punkte_text(v.punkte)}",
                        "gremium": name(v.gremium), "art": "Abstimmung",
                        "ergebnis": v.ergebnis + (f" ({v.tally})" if v.tally else ""),
                        "fassung": a.fassung})
        out += [{"datum": b.datum, "kapitel": f"Änderungsantrag {a.nummer} ({a.antragsteller})",
                 "gremium": b.von or "–", "art": "Berichtigung", "ergebnis": b.zeile,
                 "fassung": "–"}
                for b in a.berichtigungen]  # as a chapter's: shown where it happened
    out += [{"datum": b.datum, "kapitel": WHOLE_PLAN, "gremium": b.gremium_name,
             "art": "Beschluss", "ergebnis": beschluss_result(b), "fassung": b.fassung}
            for b in beschluesse(plan)]
    out += [{"datum": b.datum, "kapitel": WHOLE_PLAN, "gremium": b.von or "–",
             "art": "Berichtigung", "ergebnis": b.zeile, "fassung": "–"}
            for b in manifest_corrections(plan)]  # of a Beschluss or a Fassung, as a vote's
    return out


def beschluss_result(b: Beschluss) -> str:
    """„beschlossen (40 dafür – 22 dagegen – 3 Enthaltungen)“: written like a vote's result."""
    return "beschlossen" + (f" ({b.stimmen.tally})" if b.stimmen.tally else "")


def manifest_corrections(plan: Plan) -> tuple[Berichtigung, ...]:
    """The corrections of the recorded Fassungen and Beschlüsse (`lip berichtigen
    beschluss`), under `berichtigungen` in plan/lip.yaml."""
    return berichtigungen_of(plan.manifest.get("berichtigungen")) if plan.manifest else ()


def beschluss_corrections(plan: Plan, gremium_name: str, datum: dt.date) -> list[Berichtigung]:
    """The corrections of the Beschluss `gremium_name` made on `datum` (as it was or as
    corrected): those naming it as `describe_entry` does, 'Beschluss Ratsversammlung vom …'."""
    day = f"{datum:%d.%m.%Y}"
    return [b for b in manifest_corrections(plan)
            if any(f"Beschluss {gremium_name} vom" in e and day in e for e in b.eintraege)]


def _chapter_of_punkt(plan: Plan, punkt: Punkt) -> str | None:
    """The file of the chapter a Punkt acted on: where its target is now, else (a struck
    target) the chapter whose number its number starts with; a cited passage by its chapter."""
    if punkt.target is not None:
        found = chapter_of(plan, punkt.target)
        if found is not None:
            return found.filename
        head = punkt.target.number.split(".", 1)[0]
        return next((c.filename for c in plan.chapters if c.number == head), None)
    if punkt.stelle is not None:
        return punkt.stelle.chapter
    # lines of the PDF not resolved here (that needs the Fassung's PDF): the chapter that now
    # holds the wording the Punkt brought in
    brought = (punkt.neu if punkt.art == "ändern" else punkt.wortlaut) or ""
    if len(brought.strip()) < 12:
        return None
    holders = [c.filename for c in plan.chapters if brought.strip() in c.text.body]
    return holders[0] if len(holders) == 1 else None


def amendments_by_chapter(plan: Plan, antraege: list[Antrag], gremium: str
                          ) -> dict[str, tuple[str, ...]]:
    """{chapter file: ('Änderungsantrag 1, Punkte 1 und 2', …)}: the Punkte `gremium`
    adopted, by the chapter they changed, in Antrag and Punkt order."""
    from pipeline.council.beschluss import adopted

    by_chapter: dict[str, dict[str, list[int]]] = {}
    for x in adopted(antraege, gremium):
        filename = _chapter_of_punkt(plan, x.punkt)
        if filename is not None:
            by_chapter.setdefault(filename, {}).setdefault(x.antrag.nummer, []).append(x.punkt.nr)
    return {f: tuple(f"Änderungsantrag {nummer}, {punkte_text(nrs)}"
                     for nummer, nrs in antraege_nrs.items())
            for f, antraege_nrs in by_chapter.items()}


# --- the council's steps in one chapter's Beratungsverlauf -----------------------------------


def punkt_chapter_id(base: Plan | None, punkt: Punkt) -> str:
    """Id of the chapter `punkt` acts on in `base` (the plan at the Antrag's Fassung), ''
    when unknown: which chapter's Beratungsverlauf shows the votes on it."""
    span = punkt_span(base, punkt) if base is not None else None
    return span[0].id if span else ""


def punkt_chapters(antraege: list[Antrag], at_fassung: Mapping[str, Plan | None]
                   ) -> dict[tuple[str, int], str]:
    """{(Antrag's Nummer, Punkt's nr): chapter id} for every Punkt (`punkt_chapter_id`)."""
    return {(a.nummer, p.nr): punkt_chapter_id(at_fassung.get(a.fassung), p)
            for a in antraege for p in a.punkte}


@dataclass(frozen=True)
class CouncilStep:
    """One step of the council in a chapter's Beratungsverlauf. The site's chapter page
    (templates/site/verlauf.html) and `lip verlauf` show these, in these words: `line` is what
    the page reads, `art` followed by `text`."""

    datum: dt.date
    art: str
    """'Drucksache', 'Abstimmung', 'Berichtigung' or 'Beschluss'."""
    text: str
    """What follows the kind: „im Internationalen Ausschuss: Änderungsantrag 1, Punkt 1
    (Maßnahme 1.1.1 ändern, Fraktion …): angenommen (8 dafür – 3 dagegen)“."""
    details: tuple[str, ...] = ()
    """For the Beschluss: which adopted Punkte changed this chapter (as in Anhang 2)."""
    antrag: Antrag | None = None
    punkt: int = 0
    vote: Abstimmung | None = None
    where: str = ""
    """„im Internationalen Ausschuss“ (a vote)."""
    what: str = ""
    """„Maßnahme 1.1.1 ändern“ (a vote)."""

    @property
    def line(self) -> str:
        """The step in one line, as the site's chapter page reads it."""
        return f"{self.art}{': ' if self.art == 'Berichtigung' else ' '}{self.text}"

    def to_json(self) -> dict:
        return {"datum": self.datum.isoformat(), "art": self.art, "text": self.text,
                "details": list(self.details)}


def beschluss_step(b: Beschluss, details: tuple[str, ...] = ()) -> CouncilStep:
    """The Beschluss as a step of a Beratungsverlauf, in the one wording of `lip verlauf
    beschluss`, of an Änderungsantrag's and a chapter's `lip verlauf` and of the site: „Beschluss
    der Ratsversammlung: gesamter Plan beschlossen (40 dafür – …), Fassung „Beschlossene
    Fassung““."""
    return CouncilStep(b.datum, "Beschluss", f"{of_body(b.gremium_name)}: {WHOLE_PLAN} "
                       f"{beschluss_result(b)}, Fassung „{b.fassung}“", details)


_STEP_ORDER = {"Drucksache": 0, "Abstimmung": 1, "Berichtigung": 2, "Beschluss": 3}


def drucksache_step(plan: Plan, entries: list[dict]) -> CouncilStep | None:
    """The Drucksache going to the bodies of its Beratungsfolge (plan/lip.yaml `drucksache`),
    once the council has taken it up: a vote on an Änderungsantrag or the Beschluss is
    recorded (`entries`: `council_entries`); before, its date is the one it is planned for."""
    from pipeline.dates import as_date

    ds = plan.manifest.get("drucksache") if plan.manifest else None
    if not isinstance(ds, dict) or not entries:
        return None
    datum, nummer = as_date(ds.get("datum")), str(ds.get("nummer") or "").strip()
    if datum is None or not nummer:
        return None
    folge = [str(b).strip() for b in ds.get("beratungsfolge") or [] if str(b).strip()]
    bodies = ", ".join(b[:1].lower() + b[1:] for b in folge)
    return CouncilStep(datum, "Drucksache", f"{nummer} eingebracht" + (f": {bodies}" if bodies
                                                                     else ""))


def chapter_steps(plan: Plan, chapter: Chapter, antraege: list[Antrag],
                  punkt_chapter: Mapping[tuple[str, int], str], entries: list[dict],
                  state: ChapterState | None) -> list[CouncilStep]:
    """The council's steps concerning `chapter`, by date (pure): the Drucksache going to the
    bodies; every vote on a Punkt that acts on it (`punkt_chapter`, from `punkt_chapters`) and
    every Berichtigung of the votes of its Antrag; the Beschluss of the whole plan
    (`beschluss_step`), with the adopted Punkte that changed the chapter as
    `commands.stand.chapter_states` gave them (`state`), and the corrections of the Beschluss
    or of a Fassung (`lip berichtigen beschluss`, from `entries`: `council_entries`)."""
    name = plan.manifest.gremium_name if plan.manifest else (lambda k: k)
    out: list[CouncilStep] = []
    first = drucksache_step(plan, entries)
    if first is not None:
        out.append(first)
    for a in antraege:
        mine = [p.nr for p in a.punkte if punkt_chapter.get((a.nummer, p.nr)) == chapter.id]
        for v in a.abstimmungen:
            for p in a.punkte:
                if p.nr not in mine or p.nr not in v.punkte:
                    continue
                where = in_body(name(v.gremium))
                out.append(CouncilStep(
                    v.datum, "Abstimmung",
                    f"{where}: Änderungsantrag {a.nummer}, Punkt {p.nr} ({what(p)}, "
                    f"{a.filed_by}): {v.ergebnis}" + (f" ({v.tally})" if v.tally else ""),
                    antrag=a, punkt=p.nr, vote=v, where=where, what=what(p)))
        if mine:  # its votes' corrections too
            out += [CouncilStep(b.datum, "Berichtigung", f"{a.label}, {b.zeile}", antrag=a)
                    for b in a.berichtigungen]
    amended = (f"{chapter.number} {chapter.title}".strip() + f": beschlossen, "
               f"{state.amendment_note}") if state is not None and state.amended_by_council else ""
    for b in beschluesse(plan):
        adopted = state is not None and state.beschluss is not None \
            and state.beschluss.fassung == b.fassung
        out.append(beschluss_step(b, (amended,) if amended and adopted else ()))
    for e in entries:
        if e["art"] == "Berichtigung" and e["kapitel"] == WHOLE_PLAN:
            # a correction of the Beschluss or a Fassung concerns every chapter, as a vote's
            out.append(CouncilStep(e["datum"], "Berichtigung", f"Beschluss, {e['ergebnis']}"))
    order = {id(s): i for i, s in enumerate(out)}
    return sorted(out, key=lambda s: (s.datum, _STEP_ORDER[s.art], order[id(s)]))
