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
    rv = chapter.review
    for rec in rv.get("vorlagen") or []:
        d = review.as_date(rec.get("datum")) if isinstance(rec, dict) else None
        if d:
            extra = (f"Vermerk: {rec['vermerk']}",) if rec.get("vermerk") else ()
            entries.append(TimelineEntry(d, "Vorlage", f"{gremium(str(rec.get('gremium')))} legt "
                                         f"vor", review.stand_of(rec)[0], extra))
    for rec in rv.get("entscheidungen") or []:
        d = review.as_date(rec.get("datum")) if isinstance(rec, dict) else None
        if not d:
            continue
        details = [f"{v.get('id')}: {v.get('text')}" for v in rec.get("vorgaben") or []]
        details += [f"Sitzung: {rec['sitzung']}"] if rec.get("sitzung") else []
        details += [f"Abstimmung: {rec['abstimmung']}"] if rec.get("abstimmung") else []
        entries.append(TimelineEntry(d, "Entscheidung", f"{gremium(str(rec.get('gremium')))}: "
                                     f"{rec.get('ergebnis')}", review.stand_of(rec)[0],
                                     tuple(details)))
        for v in rec.get("vorgaben") or []:
            done = v.get("erledigt") if isinstance(v, dict) else None
            dd = review.as_date(done.get("datum")) if isinstance(done, dict) else None
            if dd:
                entries.append(TimelineEntry(dd, "Vorgabe erledigt", f"{v.get('id')}: "
                                             f"{done.get('vermerk')}", str(done.get("commit", ""))))
    for rec in rv.get("stellungnahmen") or []:
        d = review.as_date(rec.get("datum")) if isinstance(rec, dict) else None
        if d:
            body = rec.get("text") or f"(Datei {rec.get('datei')})"
            entries.append(TimelineEntry(d, "Stellungnahme", f"{gremium(str(rec.get('gremium')))}"
                                         f" ({rec.get('art') or 'Stellungnahme'})",
                                         review.stand_of(rec)[0], (str(body),)))
    order = {id(e): i for i, e in enumerate(entries)}
    entries.sort(key=lambda e: (e.datum, _KIND_ORDER[e.art], order[id(e)]))
    return name, entries
