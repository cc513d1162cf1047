"""Every rule on a plan, the font check included: what each command that checks the plan
before it writes (build, site, hook, council) runs. Its own module so that `build` can use
it without importing `check`, which itself builds the Fassung PDFs that Anträge cite."""

from __future__ import annotations

from pipeline.diagnostics import Diagnostic, Report
from pipeline.plan import Plan
from pipeline.plan.validate import check_plan


def plan_report(plan: Plan, *, strict: bool = False) -> Report:
    """Every rule on `plan`, including the font check that asks typst, and every file of
    plan/antraege/ that cannot be read: like a broken chapter, it must not silently be left
    out of what is built."""
    from pipeline.render import glyphs

    report = check_plan(plan, strict=strict, glyphs=glyphs)
    report.extend(unreadable_antraege(plan))
    return report


def unreadable_antraege(plan: Plan) -> list[Diagnostic]:
    """The Anträge whose head cannot be read (broken YAML), located."""
    from pipeline.council.antraege import load_antraege

    return load_antraege(plan)[1]
