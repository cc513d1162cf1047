"""`lip status`: every chapter's review state in one table."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import history, review
from pipeline.commands.plan_report import unreadable_antraege
from pipeline.dates import german_date  # noqa: F401  (status lines show decision dates)
from pipeline.diagnostics import Diagnostic
from pipeline.errors import PipelineError, PlanInvalid
from pipeline.plan import (
    COMMENTS_DIR,
    MANIFEST_NAME,
    PLAN_DIR,
    Chapter,
    frontmatter,
    load_chapter,
    load_plan,
)
from pipeline.redline import format_word_changes
from pipeline.render.redline_text import word_changes


@dataclass
class StatusRow:
    """One chapter in `lip status`: plain values, ready for text or JSON."""

    datei: str
    id: str
    nummer: str
    titel: str
    teil: str
    etappe: str
    expertinnengruppe: str
    expertinnengruppe_name: str
    status: str
    stand: str
    """German one-liner, e.g. 'angenommen am 12.03.2020, seitdem geändert: 12 Wörter eingefügt,
    3 Wörter gestrichen' (the redline's counts)."""
    letzte_entscheidung: dict | None
    letzte_vorlage: dict | None
    offene_vorgaben: list[dict]
    fehlende_stellungnahmen: list[str]
    fehlende_stellungnahmen_kurz: list[str]
    seit_entscheidung_geaendert: bool
    woerter_hinzu: int | None
    woerter_entfernt: int | None
    endgueltig: bool
    probleme: list[str]

    def to_json(self) -> dict:
        return frontmatter.to_plain(dict(self.__dict__))


@dataclass
class ProposalRow:
    """An open proposal (`lip word-import`'s branch, not merged yet) in `lip status`."""

    branch: str
    kapitel: list[str]
    """The chapters it changes, as '6 Stadtverwaltung und Diversität'."""
    autoren: list[str]
    datum: str
    """ISO date of its last change."""
    woerter_hinzu: int
    woerter_entfernt: int
    anmerkungen: list[str]
    """The files of Word comments it brings (plan/anmerkungen/…)."""

    @property
    def woerter(self) -> str:
        """'15 Wörter eingefügt, 13 Wörter gestrichen' (the redline's counts)."""
        return format_word_changes(self.woerter_hinzu, self.woerter_entfernt)

    def to_json(self) -> dict:
        return {**self.__dict__, "woerter": self.woerter}


@dataclass
class Status:
    """`lip status`: a row per chapter, and what kept files out of the rows."""

    rows: list[StatusRow]
    unreadable: list[Diagnostic]
    """Problems found while reading the plan (a front matter that is no YAML, a listed file
    that is missing): without them the list would silently lack a chapter."""
    proposals: list[ProposalRow] = field(default_factory=list)
    """Proposals from Word waiting to be taken in or dropped."""


def status(plan_dir: Path) -> Status:
    """Every chapter's review state; word counts for stale chapters come from git."""
    plan = load_plan(plan_dir)
    if plan.manifest is None:  # no order, parts or bodies: there is no plan to show
        raise PlanInvalid([d for d in plan.diagnostics if d.path == f"{PLAN_DIR}/{MANIFEST_NAME}"])
    gremien = plan.manifest.gremien
    repo = None
    try:
        repo = history.open_repo(plan_dir)
        prefix = history.plan_prefix(repo, plan_dir)
    except PipelineError:
        prefix = "plan"
    rows = []
    for chapter in plan.chapters:
        state = review.chapter_state(chapter, gremien)
        label = state.label
        added = removed = None
        if (state.changed_since_decision and state.decided_commit and repo is not None
                and state.status in (review.ReviewStatus.ANGENOMMEN,
                                     review.ReviewStatus.UEBERARBEITET)):
            counts = changes_since(repo, f"{prefix}/{chapter.filename}", chapter,
                                   state.decided_commit)
            if counts is not None:
                added, removed = counts
                label += ": " + format_word_changes(added, removed)
        group = str(chapter.get("expertinnengruppe", ""))
        rows.append(StatusRow(
            datei=chapter.path, id=chapter.id, nummer=chapter.number, titel=chapter.title,
            teil=plan.manifest.part_of(chapter.filename),
            etappe=state.etappe, expertinnengruppe=group,
            expertinnengruppe_name=plan.manifest.gremium_name(group),
            status=state.status.value, stand=label,
            letzte_entscheidung=_plain(state.last_decision),
            letzte_vorlage=_plain(state.last_submission),
            offene_vorgaben=[frontmatter.to_plain(v.raw) for v in state.open_vorgaben],
            fehlende_stellungnahmen=state.missing_statements,
            fehlende_stellungnahmen_kurz=[short_name(plan.manifest.gremium_name(k))
                                          for k in state.missing_statements],
            seit_entscheidung_geaendert=state.changed_since_decision,
            woerter_hinzu=added, woerter_entfernt=removed, endgueltig=state.is_final,
            probleme=[p.short for p in state.problems]))
    proposals = open_proposals(repo, prefix) if repo is not None else []
    return Status(rows, list(plan.diagnostics) + unreadable_antraege(plan), proposals)


def open_proposals(repo: Any, prefix: str) -> list[ProposalRow]:
    """The proposals from Word not yet taken in, each with what it changes against the text
    it was made on: the chapters, the words (as its redline counts them), the comments."""
    out = []
    for p in history.open_proposals(repo):
        chapters, added, removed, notes = [], 0, 0, []
        for path in p.paths:
            rel = path[len(prefix) + 1:] if path.startswith(prefix + "/") else ""
            if rel.startswith(f"{COMMENTS_DIR}/"):
                notes.append(path)
            if not rel.endswith(".md") or "/" in rel:
                continue
            versions = []
            for rev in (p.base, p.tip):
                try:
                    raw = history.read_file_at(repo, rev, path)
                    versions.append(load_chapter(rel, raw) if raw is not None else None)
                except PipelineError:
                    versions.append(None)
            old, new = versions
            if old is None and new is None:
                continue
            shown = new or old
            chapters.append(f"{shown.number} {shown.title}".strip())
            counts = word_changes(old, new)
            added, removed = added + counts[0], removed + counts[1]
        out.append(ProposalRow(p.branch, chapters, list(p.authors), p.time.date().isoformat(),
                               added, removed, notes))
    return out


def _plain(record: review.Record | None) -> dict | None:
    """A record as the editor wrote it, for the JSON output."""
    return frontmatter.to_plain(record.raw) if record is not None else None


def short_name(name: str) -> str:
    """'Runder Tisch … (RTGS)' → 'RTGS'; 'Integrationsbeiräte (Delegiertenkonferenz)' →
    'Integrationsbeiräte': what fits on one status line."""
    m = re.match(r"^(.*?)\s*\(([^)]*)\)\s*$", name)
    if not m:
        return name
    inner = m.group(2)
    return inner if inner.isupper() else m.group(1)


def changes_since(repo: Any, relpath: str, chapter: Chapter, rev: str) -> tuple[int, int] | None:
    """(words added, words removed) in the chapter's text since `rev`; None if unreadable."""
    try:
        raw = history.read_file_at(repo, rev, relpath)
    except PipelineError:
        return None
    if raw is None:
        return None
    try:
        old = load_chapter(chapter.filename, raw)
    except PipelineError:
        return None
    return word_changes(old, chapter)
