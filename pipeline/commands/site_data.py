"""The site's only window onto review states and redlines (issues 4 and 5).

The site never reads review rules or diffs itself: it asks this adapter, which turns the
answers of `pipeline.review` and `pipeline.redline` into the small views the pages need.
Old chapter versions come from `history.PlanHistory` (git objects, never a checkout).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pipeline import review
from pipeline.history import PlanHistory
from pipeline.plan import Chapter, Manifest

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
    return DecisionView(d.datum, d.ergebnis, name(d.gremium), d.commit or None)


def state_view(chapter: Chapter, manifest: Manifest | None) -> StateView:
    """How the site shows where `chapter` stands: `review.chapter_state`, with Gremium names
    and the CSS key of its colour (the state itself is computed there, once)."""
    st = review.chapter_state(chapter, manifest.gremien if manifest else None)
    value = st.status.value
    key, label = _KEYS.get(value, value), st.status.label
    if st.status is review.ReviewStatus.ANGENOMMEN and st.changed_since_decision:
        key, label = "geaendert", "nach Annahme geändert"
    name = manifest.gremium_name if manifest else str
    return StateView(
        key, label, _decision_view(st.last_decision, manifest),
        st.last_submission.datum if st.last_submission else None,
        [vorgabe_view(v) for v in st.open_vorgaben],
        [name(k) for k in st.missing_statements], st.changed_since_decision, st.decided_commit,
    )


# --- redlines -------------------------------------------------------------------------------


def _ids(label: str, ids: list[str]) -> str:
    return f"{label}: {', '.join(ids)}" if ids else ""


def summary_of(stats: Any) -> str:
    """German change summary of a redline's statistics."""
    from pipeline.redline import format_word_changes

    words = format_word_changes(stats.words_added, stats.words_removed)
    if getattr(stats, "blocks_moved", 0):
        words += f", {stats.blocks_moved} Abschnitt(e) verschoben"
    parts = [words, _ids("neue Maßnahmen", list(stats.measures_added)),
             _ids("geänderte Maßnahmen", list(stats.measures_changed)),
             _ids("gestrichene Maßnahmen", list(stats.measures_removed)),
             _ids("verschobene Maßnahmen", list(getattr(stats, "measures_moved", [])))]
    return "; ".join(p for p in parts if p) + "."


_REDLINES: dict[tuple, RedlineView] = {}
"""Redlines already made, by the two texts: `lip vorschau` rebuilds the site on every save,
and only the chapter saved needs a new one."""


def _redline_key(chapter: Chapter | None) -> tuple:
    from pipeline.assemble import chapter_markdown

    return () if chapter is None else (chapter.id, chapter.number, chapter.title,
                                       chapter_markdown(chapter))


def redline_chapters(old: Chapter | None, new: Chapter | None) -> RedlineView:
    """Redline between two versions of a chapter (either may be missing)."""
    from pipeline import redline

    key = (_redline_key(old), _redline_key(new))
    if key in _REDLINES:
        return _REDLINES[key]
    red = redline.redline_chapter(old, new)
    if not red.stats.changed:
        view = RedlineView(False, message="Keine Änderungen am Text.")
    else:
        view = RedlineView(True, red.markdown, summary_of(red.stats))
    if len(_REDLINES) >= 200:
        _REDLINES.clear()
    _REDLINES[key] = view
    return view


def redline_since_decision(history: PlanHistory, chapter: Chapter, state: StateView
                           ) -> RedlineView:
    """The redline from the version last decided on to the current text."""
    if not state.decided_commit:
        return RedlineView(False, message="Über dieses Kapitel wurde noch nicht entschieden.")
    if not state.changed_since_decision:
        return RedlineView(False, message="Der Text ist seit der letzten Entscheidung unverändert.")
    if history.repo is None:
        return RedlineView(False, message="Kein Git-Repository: frühere Fassungen sind "
                                          "nicht lesbar.")
    from pipeline.errors import PipelineError

    try:
        old = history.chapter_at(state.decided_commit, chapter)
    except PipelineError as e:
        return RedlineView(False, message=f"Der entschiedene Stand ist nicht lesbar: {e}")
    return redline_chapters(old, chapter)
