"""The council's steps as lines of the Beratungsverlauf (pure): every vote on an
Änderungsantrag and every Beschluss, in the same shape as the Lenkungsgruppe's entries, so
that the Drucksache's annex and the site show one history."""

from __future__ import annotations

import datetime as dt

from pipeline.council.antraege import Antrag, Punkt, chapter_of, load_antraege
from pipeline.plan import Plan
from pipeline.plan.fassungen import stimmen_of
from pipeline.review.records import Berichtigung, berichtigungen_of
from pipeline.wording import punkte_text

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
    for f in plan.manifest.get("fassungen") or []:
        b = f.get("beschluss") if isinstance(f, dict) else None
        if isinstance(b, dict) and b.get("datum"):
            d = b["datum"]
            tally = stimmen_of(b).tally  # written like a vote's: „beschlossen (52 dafür – …)“
            out.append({"datum": d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)),
                        "kapitel": WHOLE_PLAN, "gremium": name(str(b.get("gremium", ""))),
                        "art": "Beschluss",
                        "ergebnis": "beschlossen" + (f" ({tally})" if tally else ""),
                        "fassung": str(f.get("name", ""))})
    out += [{"datum": b.datum, "kapitel": WHOLE_PLAN, "gremium": b.von or "–",
             "art": "Berichtigung", "ergebnis": b.zeile, "fassung": "–"}
            for b in manifest_corrections(plan)]  # of a Beschluss or a Fassung, as a vote's
    return out


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
