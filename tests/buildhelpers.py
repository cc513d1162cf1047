"""Helpers for the build tests: a real git repository with a fixture plan, text from PDFs."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import git
from conftest import PLANS

WHEN = 1_600_000_000  # 2020-09-13, fixed commit time


def make_repo(root: Path, plan_name: str = "angenommen") -> tuple[git.Repo, Path]:
    """A git repository at `root` with fixture plan `plan_name` committed once."""
    shutil.copytree(PLANS / plan_name / "plan", root / "plan")
    repo = git.Repo.init(root, initial_branch="main")
    commit_all(repo, "Erste Fassung", WHEN)
    return repo, root / "plan"


def commit_all(repo: git.Repo, message: str, when: int) -> str:
    root = Path(repo.working_tree_dir)
    repo.index.add([str(p.relative_to(root)) for p in (root / "plan").rglob("*") if p.is_file()])
    actor = git.Actor("Redaktion", "redaktion@example.org")
    commit = repo.index.commit(message, author=actor, committer=actor,
                               author_date=f"{when} +0000", commit_date=f"{when} +0000")
    return commit.hexsha


def pdf_text(pdf: Path, first: int | None = None, last: int | None = None, raw: bool = False) -> str:
    args = ["pdftotext", "-enc", "UTF-8", *(["-raw"] if raw else [])]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    out = subprocess.run([*args, str(pdf), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def squash(text: str) -> str:
    """Text without whitespace, hyphens and soft hyphens: robust against line breaking."""
    return re.sub(r"[\s\-\u00ad\u2010\u2011]+", "", text)
