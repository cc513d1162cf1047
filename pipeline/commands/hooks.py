"""`lip hooks`: the pre-commit hook that checks what is being committed."""

from __future__ import annotations

from pathlib import Path

from pipeline import history
from pipeline.commands.check import history_report
from pipeline.commands.plan_report import plan_report
from pipeline.commands.record import RecordError
from pipeline.diagnostics import Report
from pipeline.files import write_atomic
from pipeline.plan import load_plan

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


def check_staged(where: Path, plan_dir: Path = Path("plan")) -> tuple[Report, list[str]]:
    """Check the plan as it is staged; report only problems in staged plan files."""
    repo = history.open_repo(where)
    prefix = history.plan_prefix(repo, plan_dir)
    staged = history.staged_paths(repo, prefix)
    report = Report()
    if not staged:
        return report, []
    plan = load_plan(history.read_staged_files(repo, prefix))
    full = plan_report(plan)
    full.extend(history_report(repo, prefix, plan).diagnostics)
    shown = {f"plan/{p[len(prefix) + 1:]}" for p in staged}
    report.extend([d for d in full.diagnostics if d.path in shown])
    return report, staged
