"""What a new editor meets at the command line: lip works from any folder of the project,
one message for one situation, one name for one option."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def lip(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "HOME": str(cwd),
                                          "PYTHONPATH": str(REPO)})  # this checkout's lip


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
        assert proc.returncode == 2, (cmd, proc.stderr)  # a wrong call, not a plan problem
        assert proc.stderr.strip() == ("Fehler: Ordner plan nicht gefunden; mit --plan den Ordner "
                                       "des Plans angeben"), cmd


def _all_commands():
    import click

    from pipeline.cli import cli

    def walk(group: click.Group, path: list[str]):
        for name, command in sorted(group.commands.items()):
            yield [*path, name], command
            if isinstance(command, click.Group):
                yield from walk(command, [*path, name])

    return list(walk(cli, []))


ENGLISH = ("[default", "[required]", " PATH", "DIRECTORY", "INTEGER", "Usage:", "Options:",
           "Show this message", "Commands:", " FILE")


@pytest.mark.parametrize("path", [" ".join(p) for p, _ in _all_commands()])
def test_every_help_is_german_and_describes_every_argument(path: str) -> None:
    import click
    from click.testing import CliRunner

    from pipeline.cli import cli

    result = CliRunner().invoke(cli, [*path.split(), "--help"])
    assert result.exit_code == 0, result.output
    text = result.output
    for word in ENGLISH:
        assert word not in text, (path, word)
    command = dict((" ".join(p), c) for p, c in _all_commands())[path]
    body = (command.help or "").split("\\b")[0]
    for param in command.params:
        if isinstance(param, click.Argument):
            name = (param.metavar or param.name.upper()).strip("[].")
            assert name in body, f"lip {path}: das Argument {name} ist in der Hilfe nicht beschrieben"


def test_a_mistyped_fassung_lists_the_fassungen_and_a_named_one_builds_with_its_name(mini) -> None:  # noqa: F811
    import git

    named = lip(mini, "fassung", "Erste Fassung", "--datum", "1.10.2020")
    assert named.returncode == 0, named.stderr
    path = mini / "plan" / "11-bildung.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Erwachsene.", "Erwachsene in Hannover."),
                    encoding="utf-8")
    repo = git.Repo(mini)
    repo.git.add("-A")
    repo.git.commit("-qm", "Text geändert")
    wrong = lip(mini, "redline", "Erste Fasung")
    assert wrong.returncode == 2
    assert wrong.stderr.strip() == ("Fehler: 'Erste Fasung' ist weder eine Fassung noch ein Commit; "
                                    "meinten Sie „Erste Fassung“? Fassungen: „Erste Fassung“; sonst "
                                    "ein Commit oder Tag (git log --oneline)")
    assert lip(mini, "build", "--rev", "Erste Fasung", "--format", "html").returncode == 2
    for rev, label in (("Erste Fassung", "Erste Fassung"),
                       (None, "Arbeitsstand nach der Fassung „Erste Fassung“")):
        args = ["build", "--format", "html", "--ausgabe", str(mini / "out"), *(["--rev", rev] if rev else [])]
        built = lip(mini, *args)
        assert built.returncode == 0, built.stderr
        html = " ".join((mini / "out" / "LIP-2.0.html").read_text(encoding="utf-8").split())
        assert f"Landeshauptstadt Hannover · {label}</p>" in html, rev


def test_site_open_uses_the_browser_there_is_and_prints_the_address_otherwise(mini, tmp_path) -> None:  # noqa: F811
    seen = tmp_path / "geoeffnet.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f"#!/bin/sh\necho \"$1\" > {seen}\n", encoding="utf-8")
    browser.chmod(0o755)
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "HOME": str(mini)}
    run = [sys.executable, "-m", "pipeline", "site", "--open"]
    headless = subprocess.run(run, cwd=mini, capture_output=True, text=True, env=env)
    assert headless.returncode == 0, headless.stderr
    address = (mini / "build" / "site" / "index.html").as_uri()
    assert headless.stdout.strip() == address and "Kein Browser gefunden" in headless.stderr
    opened = subprocess.run(run, cwd=mini, capture_output=True, text=True,
                            env={**env, "BROWSER": str(browser)})
    assert opened.returncode == 0, opened.stderr
    assert f"Im Browser geöffnet: {address}" in opened.stderr
    import time

    for _ in range(50):  # the browser is started in the background
        if seen.exists():
            break
        time.sleep(0.1)
    assert seen.read_text(encoding="utf-8").strip() == address


def test_the_readme_opens_with_what_an_editor_needs() -> None:
    from support import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = [line for line in readme.splitlines() if line.startswith("## ")]
    assert headings[0] == "## Ein Kapitel ändern in fünf Schritten"
    steps = readme.split(headings[0], 1)[1].split("\n## ", 1)[0]
    for command in ("lip check", "git commit -am", "lip vorlegen", "make"):
        assert command in steps, command


def test_make_installs_a_lip_command_for_editors(tmp_path) -> None:
    from support import ROOT

    proc = subprocess.run(["make", "-s", "launcher", f"HOME={tmp_path}"], cwd=ROOT, capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    launcher = tmp_path / ".local" / "bin" / "lip"
    assert f"Befehl lip angelegt: {launcher}" in proc.stdout
    assert "steht nicht im Suchpfad" in proc.stdout  # and how to add it
    # HOME has no .gitconfig: git would refuse the editor's first commit in English
    assert 'Einmal je Rechner: git config --global user.name "Vorname Name"' in proc.stdout
    version = subprocess.run([str(launcher), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("lip ")


def test_make_refuses_to_empty_a_virtualenv_that_is_a_link(tmp_path) -> None:
    """A clone whose .venv links to another checkout's: `venv --clear` through the link would
    empty that one (it happened while testing a clone)."""
    import shutil

    from support import ROOT

    other, clone = tmp_path / "other" / ".venv", tmp_path / "clone"
    other.mkdir(parents=True)
    (other / "kept").write_text("x", encoding="utf-8")
    clone.mkdir()
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, clone / name)
    (clone / ".venv").symlink_to(other)
    proc = subprocess.run(["make", "-s", "setup"], cwd=clone, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert proc.returncode != 0
    assert f".venv verweist auf {other}" in proc.stderr and "rm .venv" in proc.stderr
    assert (other / "kept").exists()


def test_an_editors_make_sets_up_only_what_lip_needs() -> None:
    """Walk-newcomer: `make` installed the tests' tools too (Chromium, LibreOffice, npm
    packages), and an editor without root rights was stopped for packages lip never runs.
    `make` (build) sets up lip's own; `make test` everything."""
    from support import ROOT

    def planned(target: str) -> str:
        proc = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True,
                              text=True, check=True)
        return proc.stdout

    build, test = planned("build"), planned("test")
    assert "sysdeps.sh build" in build and "npm install" not in build
    assert not re.search(r"sysdeps\.sh$", build, re.M), build
    assert re.search(r"sysdeps\.sh$", test, re.M) and test.count("npm install") == 2, test
    script = (ROOT / ".ci" / "sysdeps.sh").read_text(encoding="utf-8")
    lip_part, tests_part = script.split('if [ "${1:-all}" != build ]; then')
    assert all(p in lip_part for p in ("poppler-utils", "git", "librsvg2-bin"))
    assert all(p in tests_part for p in ("chromium", "npm", "libreoffice-writer-nogui"))


def test_status_keeps_an_unreadable_chapter_in_its_place(mini) -> None:  # noqa: F811
    """Walk-editor item 1: a chapter whose head cannot be read is a row „nicht lesbar“ with
    file, line and field, counted as a chapter; `lip status` exits 1 (README)."""
    import json

    path = mini / "plan" / "11-bildung.md"
    path.write_text(path.read_text(encoding="utf-8").replace("federfuehrung: Dez. IV",
                                                             "federfuehrung Dez. IV"),
                    encoding="utf-8")
    proc = lip(mini, "status")
    assert proc.returncode == 1
    assert proc.stdout.startswith("Stand der Beratung: 2 Kapitel, 0 in der jetzigen Fassung "
                                  "angenommen, 1 nicht lesbar")
    assert "(0 von 1 angenommen, 1 nicht lesbar)" in proc.stdout
    assert "plan/11-bildung.md" in proc.stdout and "nicht lesbar" in proc.stdout
    assert "plan/11-bildung.md:9: kopf: YAML-Syntaxfehler" in proc.stdout
    assert "Traceback" not in proc.stderr
    rows = json.loads(lip(mini, "status", "--json").stdout)["kapitel"]
    assert [(r["datei"], r["status"]) for r in rows][-1] == ("plan/11-bildung.md", "nicht lesbar")
