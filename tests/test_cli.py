"""The command line: German help with examples for every command, documented in the README,
clear errors without tracebacks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from support import ROOT, SHIPPED_PLAN

from pipeline.cli import cli, main


def all_commands(group: click.Group = cli, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        out.append((f"{prefix}{name}", cmd))
        if isinstance(cmd, click.Group):
            out.extend(all_commands(cmd, f"{prefix}{name} "))
    return out


COMMANDS = all_commands()


def test_top_level_help_is_german() -> None:
    result = CliRunner().invoke(cli, ["--help"], prog_name="lip")
    assert result.exit_code == 0
    assert "Aufruf: lip" in result.output and "Befehle:" in result.output
    assert "Optionen:" in result.output and "Beispiel:" in result.output
    for english in ("Usage:", "Options:", "Commands:", "Show this message"):
        assert english not in result.output
    commands = result.output.split("Befehle:", 1)[1]
    assert "..." not in commands  # each command's first sentence is shown whole
    assert "Beratungsverlauf und Schriftzeichen." in " ".join(commands.split())
    examples = result.output.split("Beispiel:", 1)[1].split("Optionen:", 1)[0]
    for line in filter(None, map(str.split, examples.splitlines())):
        assert line[0] == "lip" and line[1] in cli.commands, line


@pytest.mark.parametrize("name", [name for name, _ in COMMANDS])
def test_every_command_has_german_help_with_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert "Beispiel:" in result.output, f"lip {name}: help lacks an example"
    assert "Diese Hilfe anzeigen" in result.output
    assert "Usage:" not in result.output and "Options:" not in result.output


def _examples(name: str) -> list[list[str]]:
    """The example calls of `lip NAME --help`, continuation lines joined, split as a shell would."""
    import shlex

    text = CliRunner().invoke(cli, [*name.split(), "--help"]).output
    block = text.split("Beispiel:", 1)[1].split("Optionen:", 1)[0].replace("\\\n", " ")
    return [shlex.split(line) for line in block.splitlines() if line.strip().startswith("lip ")]


def test_help_examples_work_when_pasted() -> None:
    """Every example parses (its options exist), and every revision it names is a Fassung of the
    shipped plan or a branch: 'lip build --rev v1.0' named a tag the plan never had."""
    from ruamel.yaml import YAML

    manifest = YAML(typ="safe").load((SHIPPED_PLAN / "lip.yaml").read_text(encoding="utf-8"))
    fassungen = {f["name"] for f in manifest["fassungen"]}
    for name, _ in COMMANDS:
        for argv in _examples(name):
            cmd: click.Command = cli
            args = argv[1:]
            while isinstance(cmd, click.Group) and args and args[0] in cmd.commands:
                cmd, args = cmd.commands[args[0]], args[1:]
            ctx = click.Context(cmd, info_name=argv[1], resilient_parsing=True)
            values, rest, _ = cmd.make_parser(ctx).parse_args(list(args))
            revs = [values["rev"]] if values.get("rev") else []
            if cmd is cli.commands["redline"] and not values.get("dateien"):
                revs += rest
            for rev in revs:
                assert rev in fassungen or rev == "main" or rev.startswith("vorschlag/"), \
                    f"lip {name} --help: {' '.join(argv)!r} names {rev!r}, no Fassung of the plan"


@pytest.mark.parametrize("name", [name for name, _ in COMMANDS])
def test_every_command_is_in_the_readme_s_table(name: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("\n## Befehle\n", 1)[1].split("\n## ", 1)[0]
    assert re.search(rf"`lip {re.escape(name)}\b", table), \
        f"the README's table of commands lacks `lip {name}`"


def test_usage_errors_are_german_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["check", "--gibtsnicht"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Fehler: Unbekannte Option" in err and "Traceback" not in err


@pytest.mark.parametrize(("args", "message"), [
    (["verify", "gibtsnicht.pdf"], "Ungültiger Wert für 'PDF': Datei 'gibtsnicht.pdf' existiert nicht."),
    (["verify", "."], "Ungültiger Wert für 'PDF': Datei '.' ist ein Ordner."),
    (["redline", "--dateien", "a.md", "b.md"], "Ungültiger Wert für '--dateien': Datei 'a.md' existiert nicht."),
])
def test_a_missing_input_file_is_a_wrong_call(args, message, tmp_path, monkeypatch, capsys) -> None:
    """Not exit 1: for `lip verify`, 1 means the PDF is not what its commit produces."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"Fehler: {message}"


def test_missing_plan_folder_is_reported_not_a_traceback(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "pipeline", "check", "--plan", str(tmp_path / "nix")],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2  # a wrong call (README's exit codes), not a problem in the plan
    assert f"Fehler: Ordner {tmp_path / 'nix'} nicht gefunden" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("lip ")


def test_console_script_flushes_its_output_and_keeps_exit_codes(tmp_path: Path) -> None:
    """`lip` leaves through os._exit: everything printed must still arrive, codes must hold."""
    import json

    lip = str(Path(sys.executable).with_name("lip"))
    ok = subprocess.run([lip, "check", "--json", "--plan", str(SHIPPED_PLAN)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["fehler"] == 0
    bad = subprocess.run([lip, "check", "--plan", str(tmp_path / "nix")], capture_output=True, text=True)
    assert bad.returncode == 2 and "nicht gefunden; mit --plan" in bad.stderr
    usage = subprocess.run([lip, "check", "--gibtsnicht"], capture_output=True, text=True)
    assert usage.returncode == 2 and "Unbekannte Option" in usage.stderr


def test_a_reader_that_leaves_early_is_not_an_error(tmp_path: Path) -> None:
    """`lip status | head -1`: the closed pipe ends lip quietly (click's own handling, exit 1),
    not as a file error or an internal error."""
    lip = str(Path(sys.executable).with_name("lip"))
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before lip writes a line
    proc = subprocess.run([lip, "status", "--plan", str(SHIPPED_PLAN)], stdout=write_end,
                          stderr=subprocess.PIPE, text=True)
    os.close(write_end)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
