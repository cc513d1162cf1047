"""The council's records in `lip check`: named Fassungen (their tags) and the Änderungsanträge
checked against the plan at the Fassung they refer to. Shared by `lip check` and the council
commands, which must judge the same way."""

from __future__ import annotations

from pathlib import Path

from pipeline import history
from pipeline.council import antraege as council
from pipeline.diagnostics import Report
from pipeline.errors import PipelineError
from pipeline.plan import Plan, frontmatter, load_plan


def fassungen(plan: Plan) -> list[dict]:
    raw = plan.manifest.get("fassungen") if plan.manifest else None
    return [f for f in raw or [] if isinstance(f, dict)]


def plans_at_fassungen(plan_dir: Path, plan: Plan) -> dict[str, Plan | None]:
    """{Fassung name: the plan at its revision (None where the revision cannot be read)}."""
    try:
        repo = history.open_repo(plan_dir)
        prefix = history.plan_prefix(repo, plan_dir)
    except PipelineError:
        return {str(f.get("name")): None for f in fassungen(plan)}
    out: dict[str, Plan | None] = {}
    for f in fassungen(plan):
        try:
            out[str(f.get("name"))] = load_plan(history.read_plan_files(repo, str(f.get("rev")), prefix))
        except PipelineError:
            out[str(f.get("name"))] = None
    return out


def check_council(plan_dir: Path, plan: Plan, report: Report) -> None:
    """The council records in `lip check`: Anträge against their Fassungen, and every
    Fassung's tag where it was set (a moved or deleted tag means the named text changed)."""
    antraege, unread = council.load_antraege(plan)
    report.extend(unread)
    if antraege:
        council.check_antraege(plan, antraege, plans_at_fassungen(plan_dir, plan), report)
    tagged = [(i, f) for i, f in enumerate(fassungen(plan)) if f.get("tag")]
    if not tagged:
        return
    try:
        repo = history.open_repo(plan_dir)
    except PipelineError:
        return
    manifest = plan.manifest
    for i, f in tagged:
        line = frontmatter.line_of(manifest.data, ("fassungen", i, "tag"), 1)
        target = history.tag_target(repo, str(f["tag"]))
        where = f"{manifest.path}"
        if target is None:
            report.add(where, line, f"fassungen[{i}].tag",
                       f"das Tag {f['tag']!r} der Fassung „{f.get('name')}“ fehlt (gelöscht?); "
                       f"wiederherstellen mit: git tag -a {f['tag']} {f.get('rev')} -m "
                       f"\"Fassung {f.get('name')}\"")
        elif not str(f.get("rev", "")) or not target.startswith(str(f.get("rev"))):
            report.add(where, line, f"fassungen[{i}].tag",
                       f"das Tag {f['tag']!r} zeigt auf {target[:10]}, die Fassung „{f.get('name')}“ "
                       f"aber auf {str(f.get('rev'))[:10]}: das Tag wurde verschoben; eine benannte "
                       f"Fassung darf sich nicht ändern")


def committed_antraege(plan_dir: Path) -> list[council.Antrag]:
    """The Anträge of the last commit (what the council documents are made from)."""
    repo = history.open_repo(plan_dir)
    plan = load_plan(history.read_plan_files(repo, "HEAD", history.plan_prefix(repo, plan_dir)))
    return council.load_antraege(plan)[0]
