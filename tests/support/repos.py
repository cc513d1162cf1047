"""The one builder of real git repositories for the tests: fixed identity and dates, so that
commit hashes (and everything pinned to them) are the same on every run."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from support import copy_plan

FIXED = "2020-01-15T10:00:00 +0100"
WHEN = 1_600_000_000  # 2020-09-13, the build tests' fixed commit time
EDITOR = git.Actor("Fachberatung OE 50.6", "fachberatung@example.org")
_OPENED: list[git.Repo] = []
"""Repositories opened here, closed after each test (`close_repos`): GitPython keeps a
`git cat-file` process per repository, which otherwise ends only when the object is
collected, and then warns of its open pipes (an error here) in whichever test that is."""


def _git_date(date: str | int) -> str:
    """git's date from an epoch (int) or an ISO date or date-time (str, UTC unless it says)."""
    if isinstance(date, int):
        return f"{date} +0000"
    if "T" not in date:
        date += "T10:00:00"
    return date if ("+" in date or date.endswith("Z")) else f"{date} +0000"


def init_repo(root: Path, message: str = "Entwurf der Kapitel", date: str | int = FIXED,
              branch: str = "main") -> git.Repo:
    """git init + one commit of everything under `root`, with fixed author, committer and date."""
    repo = git.Repo.init(root, initial_branch=branch)
    _OPENED.append(repo)
    with repo.config_writer() as cw:
        cw.set_value("user", "name", EDITOR.name)
        cw.set_value("user", "email", EDITOR.email)
        cw.set_value("commit", "gpgsign", "false")
    commit_all(repo, message, date)
    return repo


def commit_all(repo: git.Repo, message: str, date: str | int = FIXED,
               author: git.Actor = EDITOR) -> str:
    """Stage everything (new, changed, deleted) and commit it; return the commit's hash."""
    repo.git.add("-A")
    when = _git_date(date)
    return repo.index.commit(message, author=author, committer=author, author_date=when,
                             commit_date=when).hexsha


def make_repo(root: Path, plan_name: str = "angenommen", date: str | int = WHEN
              ) -> tuple[git.Repo, Path]:
    """A repository at `root` with fixture plan `plan_name` committed once; (repo, plan folder)."""
    plan_dir = copy_plan(plan_name, root)
    return init_repo(root, "Erste Fassung", date), plan_dir


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def snapshot(root: Path) -> tuple:
    """Everything a failed command must leave alone: HEAD, index, status and file bytes."""
    files = {p.relative_to(root).as_posix(): p.read_bytes()
             for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.parts}
    with git.Repo(root) as repo:
        return (repo.head.commit.hexsha, repo.git.status("--porcelain"),
                repo.git.ls_files("-s"), files)


@pytest.fixture(autouse=True)
def close_repos():
    """After each test, the repositories the helpers opened are closed (see `_OPENED`)."""
    yield
    while _OPENED:
        _OPENED.pop().close()


@pytest.fixture
def fixed_git_dates(monkeypatch):
    """Commits made by lip (git commit-tree) get fixed dates and identity, so SHAs are stable."""
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_DATE", FIXED)
        monkeypatch.setenv(f"GIT_{who}_NAME", EDITOR.name)
        monkeypatch.setenv(f"GIT_{who}_EMAIL", EDITOR.email)


@pytest.fixture
def mini(tmp_path, fixed_git_dates) -> Path:
    """A committed copy of the review-mini plan; returns the repository root."""
    root = copy_plan("review-mini", tmp_path / "repo").parent
    init_repo(root)
    return root
