"""The site's only window onto review states and redlines (issues 4 and 5).

The site never reads review rules or diffs itself: it asks this adapter, which turns the
answers of `pipeline.review` and `pipeline.redline` into the small views the pages need.
Old chapter versions come from git objects via `history.read_plan_files` (never a checkout).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pipeline.plan import Chapter, Manifest, load_plan

# --- views the pages render ---------------------------------------------------------------


@dataclass(frozen=True)
class VorgabeView:
    """One Vorgabe of a decision and whether the Expert*innengruppe has done it."""

    id: str
    text: str
    done_date: str | None = None
    done_note: str | None = None

    @property
    def done(self) -> bool:
        return self.done_date is not None or self.done_note is not None


@dataclass(frozen=True)
class DecisionView:
    date: str
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
    last_submission_date: str | None
    open_vorgaben: list[VorgabeView] = field(default_factory=list)
    missing_statements: list[str] = field(default_factory=list)
    """Names of the Gremien whose Stellungnahme on the submitted version is still missing."""
    changed_since_decision: bool = False
    decided_commit: str | None = None


@dataclass(frozen=True)
class RedlineView:
    """A redline ready for the site's pandoc call, or the reason why there is none."""

    available: bool
    markdown: str = ""
    """Pandoc Markdown whose changes are `.ins` / `.del` spans or divs."""
    summary: str = ""
    """German change summary, e.g. '12 Einfügungen, 3 Streichungen'."""
    message: str = ""
    """Why there is no redline (shown instead)."""


def date_text(value: Any) -> str:
    """Return a front-matter date as ISO text ('' when missing)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value) if value not in (None, "") else ""


def _entries(chapter: Chapter, key: str) -> list[dict]:
    entries = chapter.review.get(key) or []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _stand(entry: dict) -> dict:
    stand = entry.get("stand")
    return stand if isinstance(stand, dict) else {}


def vorgaben_of(decision: dict) -> list[VorgabeView]:
    """The Vorgaben of one decision entry, with their erledigt state."""
    out = []
    for v in decision.get("vorgaben") or []:
        if not isinstance(v, dict):
            continue
        done = v.get("erledigt") if isinstance(v.get("erledigt"), dict) else None
        out.append(VorgabeView(str(v.get("id", "")), str(v.get("text", "")),
                               date_text(done.get("datum")) if done else None,
                               str(done.get("vermerk", "")) if done else None))
    return out


# --- chapter state --------------------------------------------------------------------------
# FALLBACK (until pipeline.review.chapter_state lands on main): derive the state directly
# from the chapter's front matter. Delete this block once the review helper is merged.

_LABELS = {
    "entwurf": "Entwurf",
    "vorgelegt": "vorgelegt",
    "zurueckgespielt": "zurückgespielt",
    "angenommen": "angenommen",
    "geaendert": "nach Annahme geändert",
}


def _fallback_state(chapter: Chapter, manifest: Manifest | None) -> StateView:
    decisions = _entries(chapter, "entscheidungen")
    submissions = _entries(chapter, "vorlagen")
    statements = _entries(chapter, "stellungnahmen")
    last = decisions[-1] if decisions else None
    last_sub = submissions[-1] if submissions else None
    name = manifest.gremium_name if manifest else (lambda k: k)
    decision = None
    if last is not None:
        decision = DecisionView(date_text(last.get("datum")), str(last.get("ergebnis", "")),
                                name(str(last.get("gremium", ""))), _stand(last).get("commit"))
    changed = bool(last) and _stand(last).get("text_sha256") != chapter.text_sha256
    if last is None:
        key = "vorgelegt" if last_sub else "entwurf"
    elif last_sub and date_text(last_sub.get("datum")) > date_text(last.get("datum")):
        key = "vorgelegt"
    elif last.get("ergebnis") == "angenommen":
        key = "geaendert" if changed else "angenommen"
    else:
        key = "zurueckgespielt"
    open_vorgaben = [v for d in decisions for v in vorgaben_of(d) if not v.done]
    missing: list[str] = []
    if last_sub is not None and manifest is not None:
        sub_hash = _stand(last_sub).get("text_sha256")
        given = {str(s.get("gremium")) for s in statements
                 if _stand(s).get("text_sha256") == sub_hash}
        for key_, g in manifest.gremien.items():
            if not isinstance(g, dict) or g.get("rolle") != "nimmt Stellung":
                continue
            if key_ == "gleichstellungsbeauftragte" and not chapter.get("gleichstellungsrelevant"):
                continue
            if g.get("art") == "Zusammenfassung":
                continue
            if key_ not in given:
                missing.append(name(key_))
    return StateView(key, _LABELS[key], decision,
                     date_text(last_sub.get("datum")) if last_sub else None, open_vorgaben,
                     missing, changed, decision.commit if decision else None)


# END FALLBACK


def chapter_state(chapter: Chapter, manifest: Manifest | None) -> StateView:
    """Return where `chapter` stands in the review workflow."""
    return _fallback_state(chapter, manifest)


# --- redlines -------------------------------------------------------------------------------


class History:
    """Reads old plan versions from git objects, each revision once."""

    def __init__(self, repo: Any | None, prefix: str = "plan"):
        self.repo, self.prefix = repo, prefix
        self._plans: dict[str, Any] = {}

    def plan_at(self, rev: str):
        """The plan at `rev` (raises PipelineError subclasses when the revision is unknown)."""
        from pipeline import history

        if rev not in self._plans:
            self._plans[rev] = load_plan(history.read_plan_files(self.repo, rev, self.prefix))
        return self._plans[rev]

    def chapter_at(self, rev: str, chapter_id: str, filename: str) -> Chapter | None:
        plan = self.plan_at(rev)
        for ch in plan.chapters:
            if ch.id == chapter_id:
                return ch
        for ch in plan.chapters:
            if ch.filename == filename:
                return ch
        return None


# FALLBACK (until pipeline.redline lands on main). Delete once the redline helper is merged.
_UNAVAILABLE = "Redline noch nicht verfügbar"


def redline_chapters(old: Chapter | None, new: Chapter | None) -> RedlineView:
    """Redline between two versions of a chapter (either may be missing)."""
    return RedlineView(False, message=_UNAVAILABLE)


def redline_since_decision(history: History, chapter: Chapter, state: StateView) -> RedlineView:
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
        old = history.chapter_at(state.decided_commit, chapter.id, chapter.filename)
    except PipelineError as e:
        return RedlineView(False, message=f"Der entschiedene Stand ist nicht lesbar: {e}")
    return redline_chapters(old, chapter)
