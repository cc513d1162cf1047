"""The pre-commit hook checks exactly what is being committed, however the commit is made:
`git add` + `git commit`, `git commit -a`, `git commit <path>`, `--amend`, partial staging."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import git
import pytest
from support.repos import edit

REPO = Path(__file__).resolve().parents[1]

BROKEN = ("gleichstellungsrelevant: true", "gleichstellungsrelevant: vielleicht")
MESSAGE = "plan/11-bildung.md:11: gleichstellungsrelevant: erwartet Wahrheitswert (true/false)"


def _git(root, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "GIT_AUTHOR_NAME": "T",
           "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@x",
           "PYTHONPATH": str(REPO)}  # the hook runs this checkout's lip
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


LINK = "\n\nSiehe [Maßnahme 1.1.1](#m-1-1-1).\n"


def test_a_reference_from_an_unchanged_chapter_is_checked(hooked) -> None:
    """Walk-editor item 4: deleting a Maßnahme that another chapter links to breaks that
    chapter, though the commit does not touch it: the hook checks the whole staged plan and
    stops the commit, naming the referring place."""
    haltung = hooked / "plan" / "01-haltung.md"
    haltung.write_text(haltung.read_text(encoding="utf-8") + LINK, encoding="utf-8")
    assert _git(hooked, "commit", "-qam", "Verweis").returncode == 0
    head = git.Repo(hooked).head.commit.hexsha
    bildung = hooked / "plan" / "11-bildung.md"
    text = bildung.read_text(encoding="utf-8")
    start = text.index("#### Maßnahme 1.1.1:")
    end = text.index("Anteil der Kitas mit qualifizierter Fachkraft", start)
    bildung.write_text(text[:start] + text[text.index("\n", end) + 1:], encoding="utf-8")
    proc = _git(hooked, "commit", "-am", "Maßnahme 1.1.1 gestrichen")
    assert proc.returncode == 1, proc.stderr
    assert "plan/01-haltung.md:" in proc.stderr and "'#m-1-1-1' führt ins Leere" in proc.stderr
    assert git.Repo(hooked).head.commit.hexsha == head


def test_an_old_error_elsewhere_does_not_stop_an_unrelated_commit(hooked) -> None:
    """An error the plan already had at HEAD, in a file the commit leaves alone, is not this
    commit's: the hook reports only what the commit brings."""
    haltung = hooked / "plan" / "01-haltung.md"
    haltung.write_text(haltung.read_text(encoding="utf-8") + "\n\nSiehe [x](#m-9-9-9).\n",
                       encoding="utf-8")
    assert _git(hooked, "commit", "-qam", "kaputter Verweis", "--no-verify").returncode == 0
    edit(hooked / "plan" / "11-bildung.md", "Erwachsene.", "Erwachsene in Hannover.")
    proc = _git(hooked, "commit", "-am", "Bildung")
    assert proc.returncode == 0, proc.stderr


def test_the_hook_points_to_a_fix_not_yet_staged_and_to_check_staged(hooked) -> None:
    """Walk-editor item 8: the hook's hint is a command that checks what it checked (`lip
    check --staged`), and it names a file fixed in the working tree but not staged."""
    path = hooked / "plan" / "11-bildung.md"
    edit(path, *BROKEN)
    _git(hooked, "add", "plan/11-bildung.md")
    edit(path, BROKEN[1], BROKEN[0])
    proc = _git(hooked, "commit", "-m", "kaputt")
    assert proc.returncode == 1
    assert ("Hinweis: plan/11-bildung.md ist im Arbeitsordner anders als vorgemerkt (schon "
            "korrigiert?); vormerken mit: git add plan/11-bildung.md") in proc.stderr
    assert "'lip check --staged' prüft den vorgemerkten Stand wie dieser Hook" in proc.stderr
    check = subprocess.run([sys.executable, "-m", "pipeline", "check", "--staged"], cwd=hooked,
                           capture_output=True, text=True, env=_env())
    assert check.returncode == 1 and MESSAGE in check.stderr
    plain = subprocess.run([sys.executable, "-m", "pipeline", "check"], cwd=hooked,
                           capture_output=True, text=True, env=_env())
    assert plain.returncode == 0  # the saved files are fine; only the staged one is not
    _git(hooked, "add", "plan/11-bildung.md")
    assert _git(hooked, "commit", "-m", "repariert").returncode == 1  # nothing left to commit
    again = subprocess.run([sys.executable, "-m", "pipeline", "check", "--staged"], cwd=hooked,
                           capture_output=True, text=True, env=_env())
    assert again.returncode == 0 and "Nichts vorgemerkt" in again.stderr


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(REPO)}
