"""Shared helpers for the review-workflow tests: real git repositories in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import git
import pytest

DATA = Path(__file__).parent / "data" / "plans"
FIXED = "2020-01-15T10:00:00 +0100"


def copy_plan(tmp_path: Path, name: str = "review-mini") -> Path:
    """Copy tests/data/plans/<name>/plan into tmp_path/repo/plan; return the repo folder."""
    root = tmp_path / "repo"
    shutil.copytree(DATA / name / "plan", root / "plan")
    return root


def init_repo(root: Path) -> git.Repo:
    """git init + one commit of everything, with fixed author, committer and dates."""
    repo = git.Repo.init(root)
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Fachberatung OE 50.6")
        cw.set_value("user", "email", "fachberatung@example.org")
        cw.set_value("commit", "gpgsign", "false")
    repo.git.add("-A")
    commit_all(repo, "Entwurf der Kapitel")
    return repo


def commit_all(repo: git.Repo, message: str, date: str = FIXED) -> str:
    repo.git.add("-A")
    actor = git.Actor("Fachberatung OE 50.6", "fachberatung@example.org")
    return repo.index.commit(message, author=actor, committer=actor, author_date=date,
                             commit_date=date).hexsha


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def snapshot(root: Path) -> tuple:
    """Everything a failed command must leave alone: HEAD, index, status and file bytes."""
    repo = git.Repo(root)
    files = {p.relative_to(root).as_posix(): p.read_bytes()
             for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.parts}
    return (repo.head.commit.hexsha, repo.git.status("--porcelain"),
            repo.git.ls_files("-s"), files)


@pytest.fixture
def fixed_git_dates(monkeypatch):
    """Commits made by lip (git commit-tree) get fixed dates and identity, so SHAs are stable."""
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_DATE", FIXED)
        monkeypatch.setenv(f"GIT_{who}_NAME", "Fachberatung OE 50.6")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "fachberatung@example.org")


@pytest.fixture
def mini(tmp_path, fixed_git_dates) -> Path:
    """A committed copy of the review-mini plan; returns the repository root."""
    root = copy_plan(tmp_path)
    init_repo(root)
    return root
