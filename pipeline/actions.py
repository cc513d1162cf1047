"""Use cases the CLI calls: each composes the pure core with the I/O at the edges."""

from __future__ import annotations

from pathlib import Path

from pipeline.diagnostics import Report
from pipeline.plan import Plan, load_plan
from pipeline.validate import check_plan


def check(plan_dir: Path, *, strict: bool = False, final: bool = False) -> Report:
    """Check the plan in `plan_dir`; with `final`, also demand that every chapter is accepted."""
    plan = load_plan(plan_dir)
    report = check_plan(plan, strict=strict)
    if final:
        check_final(plan, report)
    return report


def check_final(plan: Plan, report: Report) -> None:
    """Add an error for every chapter not accepted on exactly its current text.

    The review workflow (issue 4) gives the full state machine; this is the minimal rule.
    """
    for chapter in plan.chapters:
        decisions = chapter.review.get("entscheidungen") or []
        last = decisions[-1] if decisions else None
        if not isinstance(last, dict) or last.get("ergebnis") != "angenommen":
            report.add(chapter.path, chapter.line_of("review"), "review",
                       "für die endgültige Fassung muss das Kapitel von der Lenkungsgruppe "
                       "angenommen sein")
            continue
        stand = last.get("stand") or {}
        if stand.get("text_sha256") != chapter.text_sha256:
            report.add(chapter.path, chapter.line_of("review", "entscheidungen", len(decisions) - 1),
                       "review", "der Text wurde nach der Annahme geändert; die Annahme deckt "
                       "die jetzige Fassung nicht")
