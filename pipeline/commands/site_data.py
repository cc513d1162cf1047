"""The site's only window onto review states and redlines (issues 4 and 5).

The site never reads review rules or diffs itself: it asks this adapter, which turns the
answers of `pipeline.review` and `pipeline.redline` into the small views the pages need.
Old chapter versions come from `history.PlanHistory` (git objects, never a checkout).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import review
from pipeline.history import PlanHistory
from pipeline.plan import Chapter, Manifest
from pipeline.wording import numbered_changes

# --- views the pages render ---------------------------------------------------------------


@dataclass(frozen=True)
class VorgabeView:
    """One Vorgabe of a decision and whether the Expert*innengruppe has done it."""

    id: str
    text: str
    done_date: dt.date | None = None
    done_note: str | None = None

    @property
    def done(self) -> bool:
        return self.done_date is not None or self.done_note is not None


@dataclass(frozen=True)
class DecisionView:
    date: dt.date
    result: str
    """'angenommen' or 'zurückgespielt'."""
    body: str
    """Name of the deciding Gremium."""
    commit: str | None
    vorgaben: tuple[VorgabeView, ...] = ()
    """All Vorgaben of the decision, done or open."""


@dataclass(frozen=True)
class StateView:
    """Where a chapter stands, as the start page and the chapter page show it."""

    key: str
    """CSS-safe key of the state (entwurf, vorgelegt, angenommen, zurueckgespielt, geaendert …)."""
    label: str
    """German label shown next to the colour."""
    last_decision: DecisionView | None
    last_submission_date: dt.date | None
    open_vorgaben: list[VorgabeView] = field(default_factory=list)
    missing_statements: list[str] = field(default_factory=list)
    """Names of the Gremien whose Stellungnahme is due (review.ChapterState.missing_statements)."""
    changed_since_decision: bool = False
    decided_commit: str | None = None
    amendments: tuple[str, ...] = ()
    """Beschlossen with changes: the adopted Punkte that made them ('Änderungsantrag 1,
    Punkte 1 und 2'); `amended` says whether there were any."""
    amended: bool = False
    detail: str = ""
    """Shown after the badge: '(Ratsversammlung, 25.02.2021), durch Änderungsanträge
    geändert' (review.ChapterState.beschluss_detail)."""
    changed: Any = None
    """commands.changes.ChangedSince: the text differs from its last Vorlage (while
    vorgelegt) or decision, with the word counts `lip status` shows; None if unchanged."""


@dataclass(frozen=True)
class RedlineView:
    """A redline ready for the site's pandoc call, or the reason why there is none."""

    available: bool
    markdown: str = ""
    """Pandoc Markdown whose changes are `.ins` / `.del` spans or divs."""
    summary: str = ""
    """German change summary, e.g. '12 Wörter eingefügt, 3 Wörter gestrichen'."""
    message: str = ""
    """Why there is no redline (shown instead)."""


# --- chapter state --------------------------------------------------------------------------

_KEYS = {"zurückgespielt": "zurueckgespielt", "überarbeitet": "ueberarbeitet"}


def vorgabe_view(v: review.Vorgabe) -> VorgabeView:
    done = v.erledigt
    return VorgabeView(v.id, v.text, done.datum if done else None,
                       done.vermerk if done else None)


def _decision_view(d: review.Entscheidung | None, manifest: Manifest | None
                   ) -> DecisionView | None:
    if d is None:
        return None
    name = manifest.gremium_name if manifest else str
    return DecisionView(d.datum, d.ergebnis, name(d.gremium), d.commit or None,
                        tuple(vorgabe_view(v) for v in d.vorgaben))


def state_view(chapter: Chapter, manifest: Manifest | None,
               st: review.ChapterState | None = None, history: PlanHistory | None = None,
               cache_dir: Path | None = None) -> StateView:
    """How the site shows where `chapter` stands: its state from `commands.stand`
    (`st`; read from the chapter alone when not given), with Gremium names and the CSS key
    of its colour (the state itself is computed there, once), and, with `history`, what
    changed since the last Vorlage or decision (`changes.changed_since`, as `lip status`
    says it). After the council's Beschluss the Beschluss is the chapter's last decision."""
    from pipeline.commands.changes import changed_since

    if st is None:
        st = review.chapter_state(chapter, manifest.gremien if manifest else None)
    value = st.status.value
    key, label = _KEYS.get(value, value), st.status.label
    decision = _decision_view(st.last_decision, manifest)
    if st.beschluss is not None:
        key, label = "beschlossen", "beschlossen"
        decision = DecisionView(st.beschluss.datum, "beschlossen", st.beschluss.gremium_name, None)
    elif st.status is review.ReviewStatus.ANGENOMMEN and st.changed_since_decision:
        key, label = "geaendert", "nach Annahme geändert"
    elif st.status is review.ReviewStatus.VORGELEGT and st.changed_since_submission:
        key, label = "geaendert", "nach Vorlage geändert"
    name = manifest.gremium_name if manifest else str
    return StateView(
        key, label, decision,
        st.last_submission.datum if st.last_submission else None,
        [vorgabe_view(v) for v in st.open_vorgaben],
        [name(k) for k in st.missing_statements], st.changed_since_decision, st.decided_commit,
        st.amendments, st.amended_by_council, st.beschluss_detail,
        changed_since(history, chapter, st, cache_dir) if history is not None else None,
    )


# --- redlines -------------------------------------------------------------------------------


def summary_of(stats: Any, old: Chapter | None = None, new: Chapter | None = None,
               words: str = "") -> str:
    """German change summary of a redline's statistics; with the two versions of the chapter
    it also names the Ziele inserted, struck or changed (the redline counts Maßnahmen only).
    `words`: the words inserted and struck as `changes.changed_since` said them, for a page
    behind its „seit … geändert“ (it shows exactly those figures, not a second count)."""
    from pipeline.redline import format_word_changes

    words = words or format_word_changes(stats.words_added, stats.words_removed,
                                         getattr(stats, "blocks_moved", 0))
    return "; ".join([words, *numbered_changes(stats, old, new)]) + "."


_REDLINES: dict[tuple, RedlineView] = {}
"""Redlines already made, by the two texts: `lip vorschau` rebuilds the site on every save,
and only the chapter saved needs a new one."""


def _redline_key(chapter: Chapter | None) -> tuple:
    from pipeline.assemble import chapter_markdown

    return () if chapter is None else (chapter.id, chapter.number, chapter.title,
                                       chapter_markdown(chapter))


def redline_chapters(old: Chapter | None, new: Chapter | None,
                     cache_dir: Path | None = None, words: str = "") -> RedlineView:
    """Redline between two versions of a chapter (either may be missing); with `cache_dir`,
    pandoc's part of it comes from the cache `lip redline` fills too. `words`: see
    `summary_of`."""
    from pipeline.render import redline_text

    key = (_redline_key(old), _redline_key(new), words)
    if key in _REDLINES:
        return _REDLINES[key]
    red = redline_text.redline_chapter(old, new, cache_dir=cache_dir)
    if not red.stats.changed:
        view = RedlineView(False, message="Keine Änderungen am Text.")
    else:
        view = RedlineView(True, red.markdown, summary_of(red.stats, old, new, words))
    if len(_REDLINES) >= 200:
        _REDLINES.clear()
    _REDLINES[key] = view
    return view


def redline_since_decision(history: PlanHistory, chapter: Chapter, state: StateView,
                           cache_dir: Path | None = None) -> RedlineView:
    """The redline from the version last decided on to the current text."""
    if not state.decided_commit:
        return RedlineView(False, message="Über dieses Kapitel wurde noch nicht entschieden.")
    if not state.changed_since_decision:
        return RedlineView(False, message="Der Text ist seit der letzten Entscheidung unverändert.")
    if history.repo is None:
        return RedlineView(False, message="Kein Git-Repository: frühere Fassungen sind "
                                          "nicht lesbar.")
    return _redline_from(history, state.decided_commit, "entschiedene", chapter, cache_dir)


def _redline_from(history: PlanHistory, commit: str, stand: str, chapter: Chapter,
                  cache_dir: Path | None, words: str = "") -> RedlineView:
    """The redline from the chapter at `commit` (the `stand`, „entschiedene“ or
    „vorgelegte“, named if it cannot be read) to its current text."""
    from pipeline.errors import PipelineError

    try:
        old = history.chapter_at(commit, chapter)
    except PipelineError as e:
        return RedlineView(False, message=f"Der {stand} Stand ist nicht lesbar: {e}")
    return redline_chapters(old, chapter, cache_dir, words)


def redline_since_vorlage(history: PlanHistory, chapter: Chapter, state: StateView,
                          cache_dir: Path | None = None) -> RedlineView | None:
    """The redline from the text of the Vorlage the Lenkungsgruppe has not decided on yet to
    the current text: the page behind „seit der Vorlage … geändert“, with exactly the
    figures `changes.changed_since` gave `state.changed` (those of `lip status`). None when
    the chapter's figures do not count from a Vorlage (unchanged since it, decided on, or
    never submitted)."""
    since = state.changed
    if since is None or since.eintrag != "Vorlage":
        return None
    if history.repo is None or not since.commit:
        return RedlineView(False, message="Kein Git-Repository oder kein Commit der Vorlage: "
                                          "der vorgelegte Stand ist nicht lesbar.")
    return _redline_from(history, since.commit, "vorgelegte", chapter, cache_dir, since.woerter)


# --- versions by name, not by hash (issue 15.10) --------------------------------------------


@dataclass(frozen=True)
class VersionView:
    """A version of a chapter as reviewers name it, with the commit for those who need it."""

    label: str
    """'1. Fassung vom 12. März 2020', 'Textstand vom 24. September 2020' or '' (unknown)."""
    commit: str = ""


class VersionNames:
    """Names the version a review record pins: the named Fassung whose commit or recorded
    text it is, else the date of its commit. Reads each commit once."""

    def __init__(self, plan: Any, history: PlanHistory):
        from pipeline.plan import fassungen

        self.history, self.plan = history, plan
        self.entries = fassungen.entries(plan)
        self._dates: dict[str, dt.date | None] = {}
        self._fassung_shas = {str(e.get("name")): self._full(str(e.get("rev") or ""))
                              for e in self.entries if e.get("name")}

    def _full(self, rev: str) -> str:
        if not rev or self.history.repo is None:
            return rev
        from pipeline.errors import PipelineError

        try:
            return self.history.resolve(rev).sha
        except PipelineError:
            return rev

    def commit_date(self, commit: str) -> dt.date | None:
        if commit not in self._dates:
            from pipeline.errors import PipelineError

            try:
                self._dates[commit] = self.history.resolve(commit).time.date()
            except PipelineError:
                self._dates[commit] = None
        return self._dates[commit]

    def fassung_of(self, commit: str, text_sha256: str = "", filename: str = "",
                   not_after: dt.date | None = None) -> dict | None:
        """The named Fassung of a record's text (plan/fassungen.record_fassung: the same rule
        as the council's Beratungsverlauf), with each Fassung's rev resolved by git once."""
        from pipeline.plan import fassungen

        full = {str(e.get("rev") or ""): self._fassung_shas.get(str(e.get("name")), "")
                for e in self.entries}
        return fassungen.record_fassung(self.plan, commit, text_sha256, filename, not_after,
                                        full=lambda rev: full.get(rev) or rev)

    def of(self, stand: review.Stand, filename: str = "", datum: dt.date | None = None,
           submitted: dt.date | None = None) -> VersionView:
        """`submitted`: the day a Vorlage submitted this text (Records.submitted_on)."""
        from pipeline.plan import fassungen

        commit, text_sha = stand.commit, stand.text_sha256
        entry = self.fassung_of(commit, text_sha, filename, datum)
        when = self.commit_date(commit) if commit and entry is None and submitted is None else None
        if entry is None and when is None and submitted is None:
            return VersionView("", commit)
        return VersionView(fassungen.version_label(entry, when, submitted=submitted, long=True),
                           commit)


# --- the council stage: Änderungsanträge and their votes (issue 18.7) ---------------------


@dataclass
class PunktView:
    """One Punkt of an Antrag as the site shows it: what it changes, the votes, its Synopse."""

    nr: int
    what: str
    """'Maßnahme 1.1.1 ändern', 'nach Ziel 1.1.1 einfügen'."""
    chapter_id: str
    """Id of the chapter it acts on in the Antrag's Fassung ('' when unknown)."""
    votes: list[tuple[str, Any]] = field(default_factory=list)
    """(Gremium name, council.antraege.Abstimmung) in the order recorded."""
    synopse_md: str = ""
    """Redline Markdown from the Fassung's wording to the proposed one ('' when none)."""
    message: str = ""
    """Why there is no Synopse."""
    synopse_html: str = ""

    @property
    def result(self) -> str:
        """The outcome of the last vote on it, or that none has been taken."""
        return self.votes[-1][1].ergebnis if self.votes else "noch nicht abgestimmt"


@dataclass
class AntragView:
    antrag: Any
    """council.antraege.Antrag"""
    anchor: str
    gremium: str
    """Name of the body it goes to."""
    punkte: list[PunktView] = field(default_factory=list)
    begruendung_html: str = ""


def antraege_views(plan: Any, history: PlanHistory, plan_dir: Any = None
                   ) -> tuple[list[AntragView], list[str]]:
    """Every Änderungsantrag of the plan with its Punkte, votes and the wording each Punkt
    proposes against the Fassung it refers to; and German notes on what could not be read."""
    from pipeline.council import antraege as council
    from pipeline.council.beratung import punkt_chapter_id
    from pipeline.council.beschluss import passage_replacement, replacement
    from pipeline.errors import PipelineError
    from pipeline.render.redline_text import compare_markdown

    antraege, unread = council.load_antraege(plan)
    notes = [str(d) for d in unread]
    if not antraege or plan.manifest is None:
        return [], notes
    name = plan.manifest.gremium_name
    at_fassung: dict[str, Any] = {}
    for f in plan.manifest.fassungen:
        try:
            at_fassung[f.name] = history.plan_at(f.rev) if history.repo is not None else None
        except PipelineError:
            at_fassung[f.name] = None
    if plan_dir is not None and any(p.zeilen for a in antraege for p in a.punkte):
        from pipeline.commands.fassungen import resolved_antraege

        antraege, problems = resolved_antraege(plan_dir, antraege, plan, at_fassung)
        notes += [str(d) for d in problems]
    out = []
    for a in antraege:
        base = at_fassung.get(a.fassung)
        view = AntragView(a, f"antrag-{council.file_key(a.nummer)}", name(a.gremium))
        for p in a.punkte:
            pv = PunktView(p.nr, council.what(p), punkt_chapter_id(base, p),
                           [(name(v.gremium), v) for v in a.abstimmungen if p.nr in v.punkte])
            old = council.punkt_text(base, p) if base is not None else None
            if base is None:
                pv.message = f"Die Fassung „{a.fassung}“ ist nicht lesbar."
            elif old is None:
                pv.message = f"{p.subject or 'Das Ziel des Punkts'} steht nicht in der Fassung " \
                             f"„{a.fassung}“ (Einzelheiten: lip check)."
            else:
                new = passage_replacement(p, old) if p.stelle else \
                    "\n".join(replacement(p, old.split("\n")))
                pv.synopse_md = compare_markdown(old, new).markdown
            view.punkte.append(pv)
        out.append(view)
    return out, notes
