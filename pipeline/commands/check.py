"""`lip check`: the plan's problems, all at once."""

from __future__ import annotations

from pathlib import Path

from pipeline.commands.fassungen import check_council
from pipeline.diagnostics import Report
from pipeline.plan import Plan, load_plan
from pipeline.plan.validate import check_plan
from pipeline.review import check_final


def plan_report(plan: Plan, *, strict: bool = False) -> Report:
    """Every rule on `plan`, including the font check that asks typst: what every command
    that checks the plan before it writes (build, site, hook) uses."""
    from pipeline.render import glyphs

    return check_plan(plan, strict=strict, glyphs=glyphs)


def check(plan_dir: Path, *, strict: bool = False, final: bool = False) -> Report:
    """Check the plan in `plan_dir`; with `final`, also demand that every chapter is accepted."""
    plan = load_plan(plan_dir)
    report = plan_report(plan)
    check_council(plan_dir, plan, report)  # Anträge and Fassung tags need git
    if strict:
        report = _strict(report)
    if final:
        check_final(plan, report)
    return report


def _strict(report: Report) -> Report:
    """Warnings count as errors (`lip check --strict`)."""
    from dataclasses import replace

    from pipeline.diagnostics import Severity

    out = Report()
    out.extend([replace(d, severity=Severity.ERROR) for d in report.diagnostics])
    return out
