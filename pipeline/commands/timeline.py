"""`lip verlauf`: a chapter's history, text commits and review records in one list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pipeline import history, review
from pipeline.errors import PipelineError
from pipeline.plan import load_plan


@dataclass(frozen=True)
class TimelineEntry:
    """One line of `lip verlauf`."""

    datum: dt.date
    art: str
    """'Textänderung', 'Vorlage', 'Entscheidung', 'Stellungnahme', 'Vorgabe erledigt'."""
    text: str
    commit: str = ""
    details: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"datum": self.datum.isoformat(), "art": self.art, "text": self.text,
                "commit": self.commit, "details": list(self.details)}


_KIND_ORDER = {"Textänderung": 0, "Vorgabe erledigt": 1, "Vorlage": 2, "Stellungnahme": 3,
               "Entscheidung": 4}


def timeline(plan_dir: Path, key: str) -> tuple[str, list[TimelineEntry]]:
    """The chapter's history: text commits from ONE git log call plus the review records."""
    plan = load_plan(plan_dir)
    chapter = plan.chapter(key)
    name = review.display_name(chapter)
    gremium = plan.manifest.gremium_name if plan.manifest else (lambda k: k)
    entries: list[TimelineEntry] = []
    try:
        repo = history.open_repo(plan_dir)
        relpath = history.repo_path(repo, plan_dir / chapter.filename)
        log = history.file_log(repo, relpath)
    except PipelineError:
        log = []
    for c in log:
        if c.record:
            continue  # a recording commit: the record itself is listed below
        entries.append(TimelineEntry(c.time.date(), "Textänderung", c.subject, c.sha,
                                     (f"von {c.author}",)))
    records = review.records_of(chapter)
    for rec in records.vorlagen:
        extra = (f"Vermerk: {rec.vermerk}",) if rec.vermerk else ()
        entries.append(TimelineEntry(rec.datum, "Vorlage", f"{gremium(rec.gremium)} legt vor",
                                     rec.commit, extra))
    for dec in records.entscheidungen:
        details = [f"{v.id}: {v.text}" for v in dec.vorgaben]
        details += [f"Sitzung: {dec.sitzung}"] if dec.sitzung else []
        details += [f"Abstimmung: {dec.abstimmung}"] if dec.abstimmung else []
        entries.append(TimelineEntry(dec.datum, "Entscheidung", f"{gremium(dec.gremium)}: "
                                     f"{dec.ergebnis}", dec.commit, tuple(details)))
        for v in dec.vorgaben:
            if v.erledigt is not None and v.erledigt.datum is not None:
                entries.append(TimelineEntry(v.erledigt.datum, "Vorgabe erledigt",
                                             f"{v.id}: {v.erledigt.vermerk}", v.erledigt.commit))
    for st in records.stellungnahmen:
        body = st.text or f"(Datei {st.datei})"
        entries.append(TimelineEntry(st.datum, "Stellungnahme",
                                     f"{gremium(st.gremium)} ({st.art or 'Stellungnahme'})",
                                     st.commit, (body,)))
    order = {id(e): i for i, e in enumerate(entries)}
    entries.sort(key=lambda e: (e.datum, _KIND_ORDER[e.art], order[id(e)]))
    return name, entries
