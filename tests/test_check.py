"""`lip check` on bad input: each fixture under tests/data/check/<case>/ with its exact messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import SHIPPED_PLAN
from support.checkcases import CASES, build_case, case_names

from pipeline.cli import cli


def run_check(plan_dir: Path, *args: str):
    return CliRunner().invoke(cli, ["check", "--plan", str(plan_dir), *args], catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("case", case_names())
def test_case_reports_exactly_its_problems(case: str, tmp_path: Path) -> None:
    plan_dir = build_case(case, tmp_path)
    before = snapshot(plan_dir)
    result = run_check(plan_dir)
    expected = (CASES / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    reported = [line for line in result.stderr.splitlines() if line.startswith("plan/")]
    assert reported == expected
    has_error = any(": Warnung: " not in line for line in expected)
    assert result.exit_code == (1 if has_error else 0)
    assert "Traceback" not in result.output + result.stderr
    assert snapshot(plan_dir) == before, "lip check must never write"


def test_every_case_has_an_expectation() -> None:
    for case in case_names():
        text = (CASES / case / "expected.txt").read_text(encoding="utf-8")
        if case != "crlf":
            assert text.strip(), f"{case}: expected.txt is empty"


def test_shipped_plan_is_clean_even_when_strict() -> None:
    result = run_check(SHIPPED_PLAN, "--strict")
    assert result.exit_code == 0, result.stderr
    assert "Plan ist in Ordnung." in result.stderr


def test_unknown_key_is_an_error_under_strict(tmp_path: Path) -> None:
    result = run_check(build_case("unknown-key", tmp_path), "--strict")
    assert result.exit_code == 1
    assert "plan/11-bildung.md:6: reviwer: unbekanntes Feld; meinten Sie 'review'?" in result.stderr


def test_json_lists_every_diagnostic(tmp_path: Path) -> None:
    result = run_check(build_case("numbering", tmp_path), "--json")
    payload = json.loads(result.stdout)
    assert result.exit_code == 1
    assert payload["ok"] is False and payload["fehler"] == 3
    first = payload["befunde"][0]
    assert first == {
        "path": "plan/11-bildung.md", "line": 20, "field": "text", "severity": "fehler",
        "message": "Abschnitt 2.1 passt nicht zur Kapitelnummer '1'; erwartet 1.1",
    }


def test_problems_in_several_files_come_at_once(tmp_path: Path) -> None:
    plan_dir = build_case("duplicate-measure-id", tmp_path)
    shutil.copyfile(CASES / "broken-reference" / "01-haltung.md", plan_dir / "01-haltung.md")
    lines = [line for line in run_check(plan_dir).stderr.splitlines() if line.startswith("plan/")]
    assert {line.split(":")[0] for line in lines} == {"plan/01-haltung.md", "plan/11-bildung.md"}


def test_final_requires_accepted_chapters(minimal_plan: Path) -> None:
    result = run_check(minimal_plan, "--final")
    assert result.exit_code == 1
    assert "plan/01-haltung.md" in result.stderr and "angenommen" in result.stderr


@pytest.mark.parametrize("command", ["check", "status", "build", "site"])
def test_a_missing_plan_folder_is_named_not_an_empty_plan(command: str, tmp_path: Path, capsys) -> None:
    from pipeline.cli import main

    missing = tmp_path / "gibt-es-nicht"
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--plan", str(missing)])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err == f"Fehler: Ordner {missing} nicht gefunden; mit --plan den Ordner des Plans angeben\n"
    assert not missing.exists()


def test_a_file_given_as_plan_folder_is_named_as_such(tmp_path: Path, capsys) -> None:
    from pipeline.cli import main

    chapter = tmp_path / "01-haltung.md"
    chapter.write_text("# Haltung\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--plan", str(chapter)])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (f"Fehler: {chapter} ist eine Datei, kein Ordner; mit --plan "
                                       "den Ordner des Plans angeben\n")


@pytest.mark.parametrize(("errors", "warnings", "line"), [
    (1, 1, "1 Fehler, 1 Warnung."), (0, 2, "0 Fehler, 2 Warnungen."), (3, 0, "3 Fehler, 0 Warnungen.")])
def test_the_summary_counts_in_german(errors: int, warnings: int, line: str) -> None:
    from pipeline.diagnostics import Report, Severity

    report = Report()
    for i in range(errors):
        report.add("plan/x.md", i + 1, "feld", "kaputt")
    for i in range(warnings):
        report.add("plan/x.md", i + 1, "feld", "bedenklich", Severity.WARNING)
    assert report.summary == line


def test_a_ruamel_message_never_reaches_the_editor() -> None:
    """Every YAML syntax error is explained in German, whatever ruamel said."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    from pipeline.plan.frontmatter import explain_yaml_error

    broken = ['a: "x', "a: 'x", "a b\nc: d", "a: [x, y\nb: c", "a: {x: y\nb: c", "a: b: c",
              "a: x\n\tb: y", "a: 1\na: 2", "a: *x", 'a: "x\\q"', "a:\n  - x\n - y", "- a\nb: c",
              "a: x\n  b: y\nc: z", "a: !!binary x=", "[a, b", "a: b\n- c"]
    for text in broken:
        try:
            YAML(typ="rt").load(text)
        except MarkedYAMLError as e:
            _, explanation = explain_yaml_error(e)
            assert not any(w in explanation for w in ("found", "expected", "while", "could not")), text
