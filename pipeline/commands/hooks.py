"""`lip hooks`: the pre-commit hook that checks what is being committed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import history
from pipeline.commands.check import history_report
from pipeline.commands.plan_report import plan_report
from pipeline.commands.record import RecordError
from pipeline.diagnostics import Diagnostic, Report
from pipeline.errors import PipelineError
from pipeline.files import write_atomic
from pipeline.plan import PLAN_DIR, load_plan

HOOK_MARK = "# lip pre-commit hook"


def install_hook(where: Path, *, force: bool = False) -> Path:
    """Install a pre-commit hook that runs the plan checks on staged chapters."""
    import shlex
    import sys

    repo = history.open_repo(where)
    hooks = history.hooks_dir(repo)
    target = hooks / "pre-commit"
    if target.exists() and HOOK_MARK not in target.read_text(encoding="utf-8", errors="replace") \
            and not force:
        raise RecordError(f"{target} gibt es schon und stammt nicht von lip; mit --force "
                          f"ersetzen oder den bestehenden Hook um 'lip hooks run' ergänzen")
    script = (f"#!/bin/sh\n{HOOK_MARK} (installiert mit 'lip hooks install')\n"
              f"# Prüft die zum Commit vorgemerkten Kapitel; Abbruch bei Fehlern.\n"
              f"exec {shlex.quote(sys.executable)} -m pipeline hooks run \"$@\"\n")
    hooks.mkdir(parents=True, exist_ok=True)
    write_atomic(target, script)
    target.chmod(0o755)
    return target


@dataclass
class StagedCheck:
    """What the hook (and `lip check --staged`) found in the plan as it will be committed."""

    report: Report
    staged: list[str]
    """The plan files this commit changes (repository paths)."""
    not_added: list[str] = field(default_factory=list)
    """Files with an error whose working-tree version differs from the staged one: perhaps
    mended already, but not yet `git add`ed (the commit would take the staged one)."""


def check_staged(where: Path, plan_dir: Path = Path("plan")) -> StagedCheck:
    """Check the whole plan as it will be committed (every chapter from the index, so that a
    reference from an unchanged chapter into a changed one is checked too).

    Reported: every problem in a staged file, and every error elsewhere that this commit
    causes (not found in the plan at HEAD): a Maßnahme deleted in one chapter breaks the
    link to it in another. Errors the plan already had in files the commit leaves alone are
    not this commit's and do not stop it."""
    repo = history.open_repo(where)
    prefix = history.plan_prefix(repo, plan_dir)
    staged = history.staged_paths(repo, prefix)
    report = Report()
    if not staged:
        return StagedCheck(report, [])
    files = history.read_staged_files(repo, prefix)
    plan = load_plan(files)
    full = plan_report(plan)
    full.extend(history_report(repo, prefix, plan).diagnostics)
    shown = {f"{PLAN_DIR}/{p[len(prefix) + 1:]}" for p in staged}
    elsewhere = [d for d in full.errors if d.path not in shown]
    before = _problems_at_head(repo, prefix) if elsewhere else set()
    report.extend([d for d in full.diagnostics
                   if d.path in shown or (d in elsewhere and _key(d) not in before)])
    root = Path(repo.working_tree_dir)
    not_added = []
    for path in sorted({d.path for d in report.errors}):
        rel = path[len(PLAN_DIR) + 1:]
        on_disk = root / prefix / rel
        try:
            if on_disk.is_file() and on_disk.read_bytes() != files.get(rel):
                not_added.append(f"{prefix}/{rel}")
        except OSError:
            continue
    return StagedCheck(report, staged, not_added)


def _key(d: Diagnostic) -> tuple:
    return d.path, d.line, d.field, d.message


def _problems_at_head(repo: Any, prefix: str) -> set[tuple]:
    """The errors the plan at HEAD already has (none before the first commit)."""
    if history.head_sha(repo) is None:
        return set()
    try:
        plan = load_plan(history.read_plan_files(repo, "HEAD", prefix))
    except PipelineError:
        return set()
    return {_key(d) for d in plan_report(plan).errors}
