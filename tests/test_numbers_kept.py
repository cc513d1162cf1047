"""Numbers once given stay: `lip check` holds each chapter's Maßnahmen to its last recorded
version (walk-through item 3): a number that now carries another Maßnahme is named."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from support import copy_plan
from support.repos import commit_all, edit, init_repo

from pipeline.cli import cli
from pipeline.plan.body import parse_body
from pipeline.plan.numbers import reused_numbers

FIRST = "#### Maßnahme 1.1.1: Sprachbildung im Kita-Alltag"
SECOND = "#### Maßnahme 1.1.2: Elternbegleitung beim Übergang in die Schule"


def check(plan_dir: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["check", "--plan", str(plan_dir)], catch_exceptions=False)
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, [line for line in result.stderr.splitlines() if line.startswith("plan/")]


def recorded_plan(tmp_path: Path) -> Path:
    """The minimal plan in a repository, its first commit named „1. Fassung“."""
    plan_dir = copy_plan("minimal", tmp_path / "repo")
    repo = init_repo(plan_dir.parent)
    edit(plan_dir / "lip.yaml", "fassungen: []", "fassungen:\n  - name: 1. Fassung\n"
         f"    datum: 2020-03-12\n    rev: {repo.head.commit.hexsha}")
    commit_all(repo, "1. Fassung benannt")
    return plan_dir


def delete_first_and_move_up(chapter: Path) -> None:
    text = chapter.read_text(encoding="utf-8")
    start, second = text.index(FIRST), text.index(SECOND)
    chapter.write_text(text[:start] + text[second:].replace("Maßnahme 1.1.2:", "Maßnahme 1.1.1:", 1),
                       encoding="utf-8")


def test_a_number_moved_down_after_a_deletion_is_an_error(tmp_path: Path) -> None:
    plan_dir = recorded_plan(tmp_path)
    delete_first_and_move_up(plan_dir / "11-bildung.md")
    code, lines = check(plan_dir)
    assert code == 1
    assert lines == [
        "plan/11-bildung.md:28: maßnahme 1.1.1: Nummer 1.1.1 trug zuletzt (1. Fassung vom "
        "12.03.2020) die Maßnahme „Sprachbildung im Kita-Alltag“; jetzt steht hier die frühere "
        "Maßnahme 1.1.2 „Elternbegleitung beim Übergang in die Schule“. Einmal vergebene Nummern "
        "werden nicht neu verteilt: bitte wieder 1.1.2 schreiben; 1.1.1 bleibt frei"]


def test_the_error_stays_after_the_renumbering_is_committed(tmp_path: Path) -> None:
    plan_dir = recorded_plan(tmp_path)
    delete_first_and_move_up(plan_dir / "11-bildung.md")
    from git import Repo

    with Repo(plan_dir.parent) as repo:
        commit_all(repo, "1.1.1 gestrichen, 1.1.2 nachgerückt")
    assert check(plan_dir)[0] == 1


def test_deleting_a_measure_and_keeping_the_numbers_is_fine(tmp_path: Path) -> None:
    plan_dir = recorded_plan(tmp_path)
    chapter = plan_dir / "11-bildung.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text[:text.index(FIRST)] + text[text.index(SECOND):], encoding="utf-8")
    assert not any("trug zuletzt" in line for line in check(plan_dir)[1])  # the gap stays


def test_a_rewritten_title_keeps_its_number(tmp_path: Path) -> None:
    plan_dir = recorded_plan(tmp_path)
    edit(plan_dir / "11-bildung.md", "Sprachbildung im Kita-Alltag", "Alltagsintegrierte Sprachbildung")
    assert check(plan_dir) == (0, [])


def test_an_unrelated_measure_under_a_given_number_is_a_warning(tmp_path: Path) -> None:
    plan_dir = recorded_plan(tmp_path)
    chapter = plan_dir / "11-bildung.md"
    edit(chapter, "Elternbegleitung beim Übergang in die Schule", "Schwimmkurse für Erwachsene")
    edit(chapter, "Elternbegleiter*innen unterstützen Familien beim Wechsel von der Kita in die "
         "Grundschule.", "Bäder bieten Kurse zu Zeiten an, die zu Schichtarbeit passen.")
    code, lines = check(plan_dir)
    assert code == 0
    assert lines == [
        "plan/11-bildung.md:47: maßnahme 1.1.2: Warnung: Nummer 1.1.2 trug zuletzt (1. Fassung vom "
        "12.03.2020) die Maßnahme „Elternbegleitung beim Übergang in die Schule“; jetzt eine "
        "andere, „Schwimmkurse für Erwachsene“. Einmal vergebene Nummern werden nicht neu "
        "verteilt: ist es eine neue Maßnahme, erhält sie die nächste freie Nummer (1.1.3); "
        "1.1.2 bleibt frei"]


def test_without_a_recorded_version_nothing_is_compared(tmp_path: Path) -> None:
    plan_dir = copy_plan("minimal", tmp_path / "repo")
    init_repo(plan_dir.parent)
    delete_first_and_move_up(plan_dir / "11-bildung.md")
    assert check(plan_dir) == (0, [])


def test_a_recorded_commit_the_repository_lacks_is_skipped_silently(tmp_path: Path) -> None:
    plan_dir = copy_plan("minimal", tmp_path / "repo")
    edit(plan_dir / "lip.yaml", "fassungen: []", "fassungen:\n  - name: 1. Fassung\n"
         f"    datum: 2020-03-12\n    rev: {'ab' * 20}")
    init_repo(plan_dir.parent)
    delete_first_and_move_up(plan_dir / "11-bildung.md")
    assert not any("trug zuletzt" in line for line in check(plan_dir)[1])


def test_swapped_numbers_are_both_named() -> None:
    def body(first: str, second: str) -> str:
        return (f"## 1.1 A\n\n#### Maßnahme 1.1.1: {first}\n\nText über {first} und mehr.\n\n"
                f"#### Maßnahme 1.1.2: {second}\n\nText über {second} und mehr.\n")

    old = parse_body(body("Sprachkurse für Eltern", "Lesepatenschaften an Grundschulen"))
    new = parse_body(body("Lesepatenschaften an Grundschulen", "Sprachkurse für Eltern"))
    found = [(r.number, r.origin, r.freed) for r in reused_numbers(old, new)]
    assert found == [("1.1.1", "1.1.2", False), ("1.1.2", "1.1.1", False)]
