"""Every rule on a plan, the font check included: what each command that checks the plan
before it writes (build, site, hook, council) runs. Its own module so that `build` can use
it without importing `check`, which itself builds the Fassung PDFs that Anträge cite."""

from __future__ import annotations

from pipeline.diagnostics import Report
from pipeline.plan import Plan
from pipeline.plan.validate import check_plan


def plan_report(plan: Plan, *, strict: bool = False) -> Report:
    """Every rule on `plan`, including the font check that asks typst."""
    from pipeline.render import glyphs

    return check_plan(plan, strict=strict, glyphs=glyphs)
