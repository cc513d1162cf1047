"""Build the plan of one `tests/data/check/<case>/` fixture: the minimal plan plus overlays."""

from __future__ import annotations

import shutil
from pathlib import Path

from support import DATA, copy_plan

CASES = DATA / "check"


def build_case(case: str, dest: Path) -> Path:
    """Copy the minimal plan, apply the case's files, deletions and generated files."""
    plan_dir = copy_plan("minimal", dest)
    case_dir = CASES / case
    for path in case_dir.rglob("*"):
        rel = path.relative_to(case_dir)
        if path.is_dir() or rel.name in ("_delete", "_generate", "expected.txt"):
            continue
        (plan_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, plan_dir / rel)
    if (case_dir / "_delete").exists():
        for name in (case_dir / "_delete").read_text(encoding="utf-8").split():
            (plan_dir / name).unlink()
    if (case_dir / "_generate").exists():
        for line in (case_dir / "_generate").read_text(encoding="utf-8").splitlines():
            name, size = line.split()
            with open(plan_dir / name, "wb") as f:
                f.write(b"---\n" + b"x" * (int(size) - 4))
    return plan_dir


def case_names() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if p.is_dir())
