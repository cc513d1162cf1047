"""What a new editor meets at the command line: lip works from any folder of the project,
one message for one situation, one name for one option."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from review_support import fixed_git_dates, mini  # noqa: F401


def lip(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "HOME": str(cwd)})


@pytest.mark.parametrize("sub", ["plan", "plan/bilder", "."])
def test_lip_finds_the_plan_from_any_folder_of_the_project(mini, sub) -> None:  # noqa: F811
    where = mini / sub
    where.mkdir(exist_ok=True)
    proc = lip(where, "check")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().endswith("Plan ist in Ordnung.")
    status = lip(where, "status")
    assert status.returncode == 0 and status.stdout.startswith("Stand der Beratung: 2 Kapitel")


def test_outputs_go_to_the_projects_build_folder_from_a_subfolder(mini) -> None:  # noqa: F811
    proc = lip(mini / "plan", "build", "--format", "html")
    assert proc.returncode == 0, proc.stderr
    assert (mini / "build" / "LIP-2.0.html").is_file()
    assert not (mini / "plan" / "build").exists()


def test_build_takes_ausgabe_like_every_command_and_output_as_before(mini, tmp_path) -> None:  # noqa: F811
    for option, folder in (("--ausgabe", tmp_path / "a"), ("--output", tmp_path / "b")):
        proc = lip(mini, "build", "--format", "html", option, str(folder))
        assert proc.returncode == 0, proc.stderr
        assert (folder / "LIP-2.0.html").is_file()


def test_outside_a_project_every_command_gives_the_same_answer(tmp_path) -> None:
    answers = {cmd: lip(tmp_path, cmd) for cmd in ("check", "status", "redline", "build")}
    for cmd, proc in answers.items():
        assert proc.returncode == 1, (cmd, proc.stderr)
        assert proc.stderr.strip() == ("Fehler: Ordner plan nicht gefunden; mit --plan den Ordner "
                                       "des Plans angeben"), cmd
