"""`lip status`: every chapter's review state in one table."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import history, review
from pipeline.commands.changes import changed_since
from pipeline.commands.plan_report import unreadable_antraege
from pipeline.commands.stand import chapter_states
from pipeline.dates import german_date  # noqa: F401  (status lines show decision dates)
from pipeline.diagnostics import Diagnostic
from pipeline.errors import PipelineError, PlanInvalid
from pipeline.plan import (
    COMMENTS_DIR,
    MANIFEST_NAME,
    PLAN_DIR,
    UnreadableChapter,
    frontmatter,
    load_chapter,
    load_plan,
)
from pipeline.plan.fassungen import Beschluss, beschluss_problems
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
    """The review state's value ('vorgelegt', 'angenommen', …), 'beschlossen' for the text the
    council adopted, 'nicht lesbar' for a file that could not be read."""
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
    """Words changed since the last Vorlage (while vorgelegt) or decision (`geaendert_seit`)."""
    endgueltig: bool
    probleme: list[str]
    beschluss: dict | None = None
    """The council's Beschluss on exactly this text ({gremium, gremium_name, datum, fassung,
    einstimmig, dafuer, dagegen, enthaltungen, stimmen: '52 dafür – 10 dagegen – 3
    Enthaltungen'}), or None."""
    geaendert_durch: list[str] = field(default_factory=list)
    """The adopted Punkte that changed the chapter: 'Änderungsantrag 1, Punkte 1 und 2'."""
    geaendert_seit: dict | None = None
    """commands.changes.ChangedSince as JSON: the record the text is compared with (Vorlage
    or Entscheidung), its date and commit and the word counts; None when unchanged."""

    def to_json(self) -> dict:
        return frontmatter.to_plain(dict(self.__dict__))

    @classmethod
    def unreadable(cls, chapter: UnreadableChapter) -> StatusRow:
        """The row of a chapter file that could not be read: in its place, „nicht lesbar“
        with the first problem, so that the chapter is neither missing nor counted."""
        return cls(datei=chapter.path, id="", nummer="", titel=chapter.path, teil=chapter.part,
                   etappe="", expertinnengruppe="", expertinnengruppe_name="",
                   status=UNREADABLE, stand=UNREADABLE, letzte_entscheidung=None,
                   letzte_vorlage=None, offene_vorgaben=[], fehlende_stellungnahmen=[],
                   fehlende_stellungnahmen_kurz=[], seit_entscheidung_geaendert=False,
                   woerter_hinzu=None, woerter_entfernt=None, endgueltig=False,
                   probleme=[str(d) for d in chapter.problems])


UNREADABLE = "nicht lesbar"
"""The state `lip status` shows for a chapter file that could not be read."""


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
    basis: str = ""
    """The commit it was made on (where its changes are measured from)."""
    veraltet: list[str] = field(default_factory=list)
    """Why `git merge` of it would conflict: each paragraph changed since on both sides
    ('6 Stadtverwaltung und Diversität: Absatz „Die Stadtverwaltung …“'), or the file;
    empty when it merges cleanly."""
    veraltet_kapitel: list[str] = field(default_factory=list)
    """The numbers of the chapters in conflict (for `lip word-export`)."""
    wortweise: bool = False
    """Stale only where both sides changed different words of a paragraph: importing its
    Word file anew merges them (`lip word-import` works word by word, `git merge` by line)."""
    datei: str = ""
    """The name of the Word file it came from ('' for a proposal lip named no file in)."""
    ziel: str = "main"
    """The branch it is viewed against and merged into (`history.proposal_target`)."""
    verschoben: int = 0
    """Passages its redline shows as moved (a paragraph cut and pasted in Word)."""

    @property
    def woerter(self) -> str:
        """'15 Wörter eingefügt, 13 Wörter gestrichen' (the redline's counts)."""
        return format_word_changes(self.woerter_hinzu, self.woerter_entfernt, self.verschoben)

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

    @property
    def summary(self) -> str:
        """'13 Kapitel, 12 in der jetzigen Fassung angenommen'; after the council's Beschluss
        '13 Kapitel, 13 beschlossen (Ratsversammlung, 25.02.2021, 52 dafür – 10 dagegen)', with
        the vote when `lip beschluss` was given it; chapters that could not be
        read are counted and named: '13 Kapitel, 11 in der jetzigen Fassung angenommen, 1 nicht
        lesbar'."""
        return f"{len(self.rows)} Kapitel, {final_count(self.rows)}"


def final_count(rows: list[StatusRow], *, short: bool = False) -> str:
    """How many of `rows` are final, in the words of their state: „12 in der jetzigen Fassung
    angenommen“ (short: „12 von 13 angenommen“), „13 beschlossen (Ratsversammlung, 25.02.2021,
    einstimmig)“ with the vote where `lip beschluss` recorded it (short: „6 von 6
    beschlossen“), or both where a text changed after the Beschluss; rows
    that could not be read are named last („…, 1 nicht lesbar“)."""
    adopted = [r for r in rows if r.beschluss]
    accepted = sum(r.endgueltig for r in rows) - len(adopted)
    unread = sum(r.status == UNREADABLE for r in rows)
    more = f", {unread} {UNREADABLE}" if unread else ""
    if short:
        word = "beschlossen" if adopted and not accepted else "angenommen"
        return f"{len(adopted) + accepted} von {len(rows)} {word}{more}"
    if not adopted:
        return f"{accepted} in der jetzigen Fassung angenommen{more}"
    b = adopted[0].beschluss
    vote = f", {b['stimmen']}" if b.get("stimmen") else ""
    text = f"{len(adopted)} beschlossen ({b['gremium_name']}, {german_date(b['datum'])}{vote})"
    return text + (f", {accepted} in der jetzigen Fassung angenommen" if accepted else "") + more


def status(plan_dir: Path) -> Status:
    """Every chapter's review state; word counts for stale chapters come from git."""
    plan = load_plan(plan_dir)
    if plan.manifest is None:  # no order, parts or bodies: there is no plan to show
        raise PlanInvalid([d for d in plan.diagnostics if d.path == f"{PLAN_DIR}/{MANIFEST_NAME}"])
    repo = None
    try:
        repo = history.open_repo(plan_dir)
        prefix = history.plan_prefix(repo, plan_dir)
    except PipelineError:
        prefix = "plan"
    rows = []
    states = chapter_states(plan)
    plans = history.PlanHistory(repo, prefix)
    for chapter in plan.chapters:
        state = states[chapter.filename]
        label = state.label
        since = changed_since(plans, chapter, state)
        if since is not None and since.woerter:
            label += ": " + since.woerter
        group = str(chapter.get("expertinnengruppe", ""))
        rows.append(StatusRow(
            datei=chapter.path, id=chapter.id, nummer=chapter.number, titel=chapter.title,
            teil=plan.manifest.part_of(chapter.filename),
            etappe=state.etappe, expertinnengruppe=group,
            expertinnengruppe_name=plan.manifest.gremium_name(group),
            status="beschlossen" if state.beschluss else state.status.value, stand=label,
            letzte_entscheidung=_plain(state.last_decision),
            letzte_vorlage=_plain(state.last_submission),
            offene_vorgaben=[frontmatter.to_plain(v.raw) for v in state.open_vorgaben],
            fehlende_stellungnahmen=state.missing_statements,
            fehlende_stellungnahmen_kurz=[short_name(plan.manifest.gremium_name(k))
                                          for k in state.missing_statements],
            seit_entscheidung_geaendert=state.changed_since_decision,
            woerter_hinzu=since.woerter_hinzu if since else None,
            woerter_entfernt=since.woerter_entfernt if since else None,
            endgueltig=state.is_final, probleme=[p.short for p in state.problems],
            beschluss=_beschluss(state.beschluss), geaendert_durch=list(state.amendments),
            geaendert_seit=since.to_json() if since else None))
    order = {name: i for i, (name, _) in enumerate(plan.manifest.chapter_files)}
    rows += [StatusRow.unreadable(u) for u in plan.unreadable_chapters]
    rows.sort(key=lambda r: order.get(r.datei.removeprefix(f"{PLAN_DIR}/"), len(order)))
    proposals = open_proposals(repo, prefix) if repo is not None else []
    # a Beschluss lip check cannot read: its chapters show as not beschlossen, so say why
    unreadable = list(plan.diagnostics) + unreadable_antraege(plan) + beschluss_problems(plan)
    return Status(rows, unreadable, proposals)


def open_proposals(repo: Any, prefix: str) -> list[ProposalRow]:
    """The proposals from Word not yet taken in, each with what it changes against the text
    it was made on: the chapters, the words (as its redline counts them), the comments."""
    out = []
    for p in history.open_proposals(repo):
        chapters, added, removed, moved, notes = [], 0, 0, 0, []
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
            added, removed, moved = added + counts[0], removed + counts[1], moved + counts[2]
        out.append(ProposalRow(p.branch, chapters, list(p.authors), p.time.date().isoformat(),
                               added, removed, notes, p.base,
                               *_conflicts(repo, p, prefix), datei=p.source_name,
                               ziel=history.proposal_target(repo), verschoben=moved))
    return out


def _beschluss(b: Beschluss | None) -> dict | None:
    """The Beschluss with the vote on the Drucksache as `lip beschluss` kept it (the counts
    the Beschlussübersicht shows; None and '' where none were given)."""
    if b is None:
        return None
    return {"gremium": b.gremium, "gremium_name": b.gremium_name, "datum": b.datum.isoformat(),
            "fassung": b.fassung, "einstimmig": b.stimmen.einstimmig, "dafuer": b.stimmen.dafuer,
            "dagegen": b.stimmen.dagegen, "enthaltungen": b.stimmen.enthaltungen,
            "stimmen": b.stimmen.tally}


def _conflicts(repo: Any, proposal: history.Proposal, prefix: str
               ) -> tuple[list[str], list[str], bool]:
    """What makes a proposal stale: the paragraphs the current branch changed since the
    proposal was made and the proposal changed too (the files, where no paragraph explains
    it), the numbers of those chapters, and whether all of them are changed at different
    words only (a new import of the file merges them). Empty when `git merge` would take it
    in cleanly."""
    from pipeline.word.merge import merge3

    files = history.merge_conflicts(repo, proposal.tip)
    out: list[str] = []
    numbers: list[str] = []
    by_words = bool(files)
    for path in files or []:
        rel = path[len(prefix) + 1:] if path.startswith(prefix + "/") else ""
        found: list[str] = []
        try:
            base, head, tip = (load_chapter(rel, history.read_file_at(repo, rev, path) or b"")
                               for rev in (proposal.base, "HEAD", proposal.tip))
        except PipelineError:
            base = None
        if base is not None and rel.endswith(".md"):
            where = f"{tip.number} {tip.title}".strip()
            merged = merge3(base.markdown, head.markdown, tip.markdown)
            found = [f"{where}: {c.strip().splitlines()[0]}" for c in merged.conflicts]
            if not merged.conflicts and merged.by_words:
                found = [f"{where}: {p} (an verschiedenen Stellen geändert)"
                         for p in merged.by_words]
            else:
                by_words = False
            numbers.append(tip.number or tip.id)
        else:
            by_words = False
        out += found or [path]
    return out, numbers, by_words


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
