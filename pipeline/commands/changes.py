"""„Seitdem geändert“: how a chapter's text differs from the text its last Vorlage or the
Lenkungsgruppe's last decision pinned, or, once the council adopted it with changes, from the
text the council decided on; with the redline's word counts. The one answer that `lip status`
(text and JSON) and the site give."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import review
from pipeline.dates import german_date
from pipeline.errors import PipelineError
from pipeline.history import PlanHistory
from pipeline.plan import Chapter
from pipeline.redline import format_word_changes


@dataclass(frozen=True)
class ChangedSince:
    """The current text differs from the text of the chapter's reference record: the
    Vorlage while the chapter lies before the Lenkungsgruppe, else the last decision; after
    the council's Beschluss with changes from Änderungsanträge, the text it decided on."""

    eintrag: str
    """'Vorlage', 'Entscheidung' or 'Beschluss'."""
    datum: dt.date | None
    commit: str
    woerter_hinzu: int | None = None
    woerter_entfernt: int | None = None
    """The redline's counts; None when the old text is not readable (no git, unknown commit)."""
    verschoben: int = 0
    """Passages the redline shows as moved (a text changed only by a move is changed too)."""

    @property
    def woerter(self) -> str:
        """'14 Wörter eingefügt, 1 Wort gestrichen', or '' without counts."""
        if self.woerter_hinzu is None or self.woerter_entfernt is None:
            return ""
        return format_word_changes(self.woerter_hinzu, self.woerter_entfernt, self.verschoben)

    @property
    def label(self) -> str:
        """'seit der Vorlage am 07.12.2026 geändert: 1 Wort eingefügt, 1 Wort gestrichen';
        'durch Änderungsanträge geändert: …' for the council's Beschluss."""
        words = f": {self.woerter}" if self.woerter else ""
        if self.eintrag == "Beschluss":
            return f"durch Änderungsanträge geändert{words}"
        since = "der Vorlage" if self.eintrag == "Vorlage" else "der Entscheidung"
        return f"seit {since} am {german_date(self.datum)} geändert{words}"

    def to_json(self) -> dict[str, Any]:
        return {"eintrag": self.eintrag, "datum": self.datum.isoformat() if self.datum else None,
                "commit": self.commit, "woerter_hinzu": self.woerter_hinzu,
                "woerter_entfernt": self.woerter_entfernt, "verschoben": self.verschoben,
                "woerter": self.woerter}


def changed_since(history: PlanHistory, chapter: Chapter, state: review.ChapterState,
                  cache_dir: Path | None = None) -> ChangedSince | None:
    """How `chapter` changed since its reference record (see ChangedSince), or None when its
    text is the one that record pinned (or there is no record). `cache_dir`: the redline
    cache (build/.cache) the site shares with `lip redline`."""
    if state.beschluss is not None:
        # the council's changes count from the text it decided on: the parent of the
        # adopted text's commit
        b = state.beschluss
        if not (state.amended_by_council and b.rev):
            return None
        eintrag, datum, commit = "Beschluss", b.datum, f"{b.rev}~1"
        if history.repo is not None:
            try:
                commit = history.resolve(commit).sha
            except PipelineError:
                pass
    else:
        if state.status is review.ReviewStatus.VORGELEGT:
            record, changed, eintrag = (state.last_submission, state.changed_since_submission,
                                        "Vorlage")
        else:
            record, changed, eintrag = (state.last_decision, state.changed_since_decision,
                                        "Entscheidung")
        if record is None or not changed:
            return None
        datum, commit = record.datum, record.commit or ""
    counts: tuple[int | None, int | None, int] = (None, None, 0)
    if commit and history.repo is not None:
        try:
            old = history.chapter_at(commit, chapter)
        except PipelineError:
            old = None
        if old is not None:
            from pipeline.render.redline_text import word_changes

            counts = word_changes(old, chapter, cache_dir)
    return ChangedSince(eintrag, datum, commit, *counts)
