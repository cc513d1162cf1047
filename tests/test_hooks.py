"""The pre-commit hook checks exactly what is being committed, however the commit is made:
`git add` + `git commit`, `git commit -a`, `git commit <path>`, `--amend`, partial staging."""

from __future__ import annotations

import subprocess
import sys

import git
import pytest
from support.repos import edit

BROKEN = ("gleichstellungsrelevant: true", "gleichstellungsrelevant: vielleicht")
MESSAGE = "plan/11-bildung.md:11: gleichstellungsrelevant: erwartet Wahrheitswert (true/false)"


def _git(root, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "GIT_AUTHOR_NAME": "T",
           "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@x"}
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, env=env,
                          input=stdin)


@pytest.fixture
def hooked(mini):  # noqa: F811
    proc = subprocess.run([sys.executable, "-m", "pipeline", "hooks", "install"], cwd=mini,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return mini


def _blocked(root, proc: subprocess.CompletedProcess, head: str) -> None:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert MESSAGE in proc.stderr and "der Commit wurde abgebrochen" in proc.stderr
    assert git.Repo(root).head.commit.hexsha == head


@pytest.mark.parametrize("how", [["commit", "-am", "kaputt"],
                                 ["commit", "-m", "kaputt", "plan/11-bildung.md"],
                                 ["commit", "-m", "kaputt", "--", "plan"]])
def test_commit_all_or_by_path_is_checked(hooked, how) -> None:
    head = git.Repo(hooked).head.commit.hexsha
    edit(hooked / "plan" / "11-bildung.md", *BROKEN)  # changed, but never `git add`ed
    _blocked(hooked, _git(hooked, *how), head)


def test_amend_is_checked(hooked) -> None:
    head = git.Repo(hooked).head.commit.hexsha
    edit(hooked / "plan" / "11-bildung.md", *BROKEN)
    _blocked(hooked, _git(hooked, "commit", "--amend", "-a", "--no-edit"), head)


def test_only_the_staged_part_counts(hooked) -> None:
    """`git add -p`: what is staged decides, not what lies in the working tree."""
    path = hooked / "plan" / "11-bildung.md"
    head = git.Repo(hooked).head.commit.hexsha
    edit(path, *BROKEN)
    _git(hooked, "add", "plan/11-bildung.md")
    edit(path, BROKEN[1], BROKEN[0])  # repaired in the working tree only
    _blocked(hooked, _git(hooked, "commit", "-m", "kaputt"), head)
    # the other way round: a good change staged with `git add -p`, a broken one left unstaged
    _git(hooked, "reset", "-q")
    edit(path, "Erwachsene.", "Erwachsene in Hannover.")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(*BROKEN) + "\nNeuer Absatz am Ende.\n", encoding="utf-8")
    hunks = _git(hooked, "diff", "plan/11-bildung.md").stdout.count("\n@@")
    answers = "".join("n\n" if i == 0 else "y\n" for i in range(hunks + 1))
    staged = _git(hooked, "add", "-p", "plan/11-bildung.md", stdin=answers)
    assert staged.returncode == 0, staged.stderr
    assert BROKEN[1] not in _git(hooked, "diff", "--cached").stdout
    proc = _git(hooked, "commit", "-m", "nur der gute Teil")
    assert proc.returncode == 0, proc.stderr
    assert BROKEN[1] in path.read_text(encoding="utf-8")  # still there, uncommitted
