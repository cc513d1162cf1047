"""The review commands through the real CLI entry point: messages, exit codes, output."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import git
import pytest
from support.cli import lip_in_process
from support.repos import commit_all, edit, snapshot

from pipeline.cli import cli

REVIEW_COMMANDS = ["vorlegen", "entscheiden", "stellungnahme", "vorgabe-erledigt", "status",
                   "verlauf", "hooks"]


lip = lip_in_process


@pytest.fixture
def in_repo(mini, monkeypatch):
    monkeypatch.chdir(mini)
    monkeypatch.setenv("NO_COLOR", "1")
    return mini


def test_cycle_through_the_cli(in_repo, capsys):
    code, out, err = lip(["vorlegen", "bildung", "--datum", "2020-10-05"], capsys)
    assert code == 0, err
    sha = git.Repo(in_repo).head.commit.hexsha
    assert err == ("Expert*innengruppe Bildung: Kapitel 1 Bildung der Lenkungsgruppe vorgelegt\n"
                   f"Commit {sha[:10]} (plan/11-bildung.md).\n")
    code, out, err = lip(["entscheiden", "bildung", "--zurueckgespielt", "--datum", "2020-10-20",
                          "--vorgabe", "Eltern stärker einbeziehen", "--vorgabe",
                          "Kennzahl konkretisieren", "--sitzung", "3. Sitzung"], capsys)
    assert code == 0, err
    assert err.startswith("Lenkungsgruppe: Kapitel 1 Bildung zurückgespielt mit 2 Vorgaben\n")
    code, out, err = lip(["stellungnahme", "bildung", "--gremium", "rtgs", "--text",
                          "Der RTGS unterstützt die Vorgaben.", "--datum", "2020-10-21"], capsys)
    assert code == 0, err

    code, out, err = lip(["status"], capsys)
    assert code == 0
    assert "\x1b[" not in out  # NO_COLOR
    lines = out.splitlines()
    assert lines[0] == "Stand der Beratung: 2 Kapitel, 0 in der jetzigen Fassung angenommen"
    assert "Grundlagenpapier (0 von 1 angenommen)" in lines
    i = lines.index("  1  Bildung            zurückgespielt am 20.10.2020")
    assert lines[i + 1] == "     Expert*innengruppe Bildung · offene Vorgaben: V1, V2"
    assert lines[i - 4:i - 2] == ["  A  Haltung der Stadt  Entwurf",
                                  "     Redaktionsgruppe Grundlagenpapier"]

    code, out, _ = lip(["status", "--json"], capsys)
    data = json.loads(out)["kapitel"]
    row = next(r for r in data if r["id"] == "bildung")
    assert row["status"] == "zurückgespielt"
    assert [v["id"] for v in row["offene_vorgaben"]] == ["V1", "V2"]
    assert row["letzte_entscheidung"]["datum"] == "2020-10-20"
    assert row["teil"] == row["etappe"] == "Ziel- und Maßnahmenkatalog"

    edit(in_repo / "plan" / "11-bildung.md", "Erwachsene.", "Erwachsene, besonders Eltern.")
    commit_all(git.Repo(in_repo), "Bildung: Eltern ergänzt", date="2020-10-25T10:00:00 +0100")
    for vid, note in (("V1", "Eltern in der Einleitung"), ("V2", "Kennzahl präzisiert")):
        code, _, err = lip(["vorgabe-erledigt", "bildung", vid, "--vermerk", note, "--datum",
                            "2020-10-26"], capsys)
        assert code == 0, err
    code, _, err = lip(["vorlegen", "bildung", "--datum", "2020-10-27"], capsys)
    assert code == 0, err
    code, out, _ = lip(["status"], capsys)
    assert out.splitlines()[-2:] == [
        "  1  Bildung            vorgelegt am 27.10.2020",
        "     Expert*innengruppe Bildung · zuletzt zurückgespielt am 20.10.2020 · fehlende Stellungnahmen: "
        "Integrationsbeiräte, RTGS, Gleichstellungsbeauftragte"]

    code, out, _ = lip(["verlauf", "bildung"], capsys)
    lines = out.splitlines()
    assert lines[0] == "Verlauf von Kapitel 1 Bildung"
    kinds = [line[12:28].strip() for line in lines[1:] if line[:2].isdigit()]
    assert kinds == ["Textänderung", "Vorlage", "Entscheidung", "Stellungnahme",
                     "Textänderung", "Vorgabe erledigt", "Vorgabe erledigt", "Vorlage"]
    assert "                             V1: Eltern stärker einbeziehen" in lines
    code, out, _ = lip(["verlauf", "bildung", "--json"], capsys)
    assert json.loads(out)["verlauf"][4]["text"] == "Bildung: Eltern ergänzt"


def test_refusal_exit_code_and_message(in_repo, capsys):
    before = snapshot(in_repo)
    code, out, err = lip(["entscheiden", "haltung", "--angenommen", "--datum", "2020-03-01"],
                         capsys)
    assert code == 1 and out == ""
    assert err == ("Fehler: Kapitel A Haltung der Stadt (Stand: Entwurf): Annehmen nicht möglich "
                   "– das Kapitel wurde der Lenkungsgruppe nie vorgelegt. Stattdessen: erst "
                   "vorlegen: lip vorlegen haltung.\n")
    assert snapshot(in_repo) == before


@pytest.mark.parametrize("args,message", [
    (["entscheiden", "haltung"], "Fehler: --angenommen oder --zurueckgespielt angeben"),
    (["vorlegen", "haltung", "--datum", "31.02.2020"],
     "Fehler: Ungültiger Wert für '--datum': '31.02.2020' ist kein Datum; erwartet TT.MM.JJJJ "
     "oder JJJJ-MM-TT, z. B. 18.11.2020"),
    (["entscheiden", "haltung", "--angenommen", "--zurueckgespielt"],
     "Fehler: --angenommen und --zurueckgespielt schließen einander aus; die Lenkungsgruppe "
     "entscheidet eins von beiden"),
])
def test_usage_errors(in_repo, capsys, args, message):
    before = snapshot(in_repo)
    code, _, err = lip(args, capsys)
    assert code == 2
    assert err.splitlines()[-1] == message
    assert snapshot(in_repo) == before


def test_status_colours_on_a_tty(in_repo, monkeypatch):
    from click.testing import CliRunner

    monkeypatch.delenv("NO_COLOR")
    result = CliRunner().invoke(cli, ["status"], color=True)
    assert result.exit_code == 0
    assert "\x1b[" in result.output
    monkeypatch.setenv("NO_COLOR", "1")
    result = CliRunner().invoke(cli, ["status"], color=True)
    assert "\x1b[" not in result.output


@pytest.mark.parametrize("manifest", [None, "titel: [nicht geschlossen\n"])
def test_status_without_a_readable_manifest_names_it(in_repo, capsys, manifest):
    """Without plan/lip.yaml there is no order, no part and no body: 'lip status' says so
    instead of listing chapters as if the plan were fine (it said '0 Kapitel', exit 0)."""
    path = in_repo / "plan" / "lip.yaml"
    if manifest is None:
        path.unlink()
    else:
        path.write_text(manifest, encoding="utf-8")
    code, out, err = lip(["status"], capsys)
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert lines[0].startswith("plan/lip.yaml:")
    assert ("Manifest plan/lip.yaml fehlt" in lines[0]) == (manifest is None)
    assert lines[-1] == "1 Problem im Plan; Details mit 'lip check'."

def test_every_review_command_has_german_help_with_example():
    for name in REVIEW_COMMANDS:
        command = cli.commands[name]
        text = command.help or ""
        assert "Beispiel:" in text and "\b" in text, name


def test_options_list_options_only_and_the_text_says_what_an_argument_is():
    """click lists an argument among the options, without a word; the help's text and the
    usage line name it instead."""
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["vorlegen", "--help"])
    usage, _, options = result.output.partition("\nOptionen:\n")
    assert "KAPITEL: Kennung (bildung)" in usage
    assert options.splitlines()[0].lstrip().startswith("--")
    assert "KAPITEL" not in options


def test_pre_commit_hook_blocks_broken_metadata(in_repo, capsys):
    code, _, err = lip(["hooks", "install"], capsys)
    assert code == 0, err
    hook = in_repo / ".git" / "hooks" / "pre-commit"
    assert err == f"Hook installiert: {hook}\n"
    assert "python" in hook.read_text(encoding="utf-8")
    repo = git.Repo(in_repo)
    edit(in_repo / "plan" / "11-bildung.md", "gleichstellungsrelevant: true",
         "gleichstellungsrelevant: vielleicht")
    repo.git.add("plan/11-bildung.md")
    head = repo.head.commit.hexsha
    proc = subprocess.run(["git", "commit", "-m", "kaputt"], cwd=in_repo, capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(in_repo),
                                          "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@x",
                                          "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@x"})
    assert proc.returncode == 1
    assert "plan/11-bildung.md:11: gleichstellungsrelevant: erwartet Wahrheitswert (true/false)" \
        in proc.stderr
    assert "der Commit wurde abgebrochen" in proc.stderr
    assert repo.head.commit.hexsha == head
    # A good edit passes.
    edit(in_repo / "plan" / "11-bildung.md", "gleichstellungsrelevant: vielleicht",
         "gleichstellungsrelevant: true")
    edit(in_repo / "plan" / "11-bildung.md", "Erwachsene.", "Erwachsene in Hannover.")
    repo.git.add("plan/11-bildung.md")
    proc = subprocess.run(["git", "commit", "-qm", "gut"], cwd=in_repo, capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(in_repo),
                                          "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@x",
                                          "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@x"})
    assert proc.returncode == 0, proc.stderr
    # A foreign hook is not overwritten.
    hook.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    code, _, err = lip(["hooks", "install"], capsys)
    assert code == 1 and "stammt nicht von lip" in err


def test_hook_run_without_staged_plan_files_passes(in_repo, capsys):
    code, out, err = lip(["hooks", "run"], capsys)
    assert (code, out, err) == (0, "", "")


def test_pre_commit_framework_manifest():
    from pathlib import Path

    from ruamel.yaml import YAML

    hooks = YAML(typ="safe").load(Path(__file__).parent.parent / ".pre-commit-hooks.yaml")
    assert hooks[0]["id"] == "lip-check"
    assert hooks[0]["entry"] == "lip hooks run"
    assert sys.executable  # the hook runs the installed package


def test_a_chapter_that_cannot_be_read_is_named_not_left_out(in_repo, capsys):
    """A YAML error in one chapter's front matter used to drop it from 'lip status' silently
    (exit 0), and 'lip verlauf bildung' then said there was no such chapter."""
    path = in_repo / "plan" / "11-bildung.md"
    path.write_text(path.read_text(encoding="utf-8").replace("titel: Bildung", "titel: [Bildung", 1),
                    encoding="utf-8")
    code, out, err = lip(["status"], capsys)
    assert code == 1
    assert out.startswith("Stand der Beratung: 2 Kapitel, 0 in der jetzigen Fassung "
                          "angenommen, 1 nicht lesbar")  # in its place, never left out
    assert "  ?  plan/11-bildung.md" in out and "nicht lesbar" in out
    lines = err.splitlines()
    assert re.fullmatch(r"plan/11-bildung\.md:\d+: kopf: YAML-Syntaxfehler: .*", lines[0]), lines[0]
    assert lines[1] == ("1 Problem beim Lesen des Plans; was sich nicht lesen lässt, steht im "
                        "Stand als „nicht lesbar“. Details mit 'lip check'.")
    code, out, _ = lip(["status", "--json"], capsys)
    assert code == 1
    assert [d["path"] for d in json.loads(out)["nicht_gelesen"]] == ["plan/11-bildung.md"]
    for key in ("bildung", "11-bildung", "11-bildung.md", "Bildung", "plan/11-bildung.md"):
        code, _, err = lip(["verlauf", key], capsys)
        assert code == 1, key
        assert err.startswith("plan/11-bildung.md:") and "nicht gefunden" not in err


def test_german_dates_are_taken_like_iso_dates(in_repo, capsys):
    code, _, err = lip(["vorlegen", "bildung", "--datum", "5.10.2020"], capsys)
    assert code == 0, err
    text = (in_repo / "plan" / "11-bildung.md").read_text(encoding="utf-8")
    assert "- datum: 2020-10-05\n" in text


def test_one_meeting_decides_several_chapters_in_one_commit_or_none(in_repo, capsys):
    repo = git.Repo(in_repo)
    for key, day in (("haltung", "2020-10-01"), ("bildung", "2020-10-02")):
        code, _, err = lip(["vorlegen", key, "--datum", day], capsys)
        assert code == 0, err
    head = repo.head.commit.hexsha
    before = snapshot(in_repo)
    code, _, err = lip(["entscheiden", "haltung", "bildung", "--angenommen", "--datum", "2020-10-08",
                        "--sitzung", "4. Sitzung"], capsys)
    assert code == 1
    assert err.startswith("Fehler: nichts wurde festgehalten, weil nicht alle Kapitel bereit sind: "
                          "bildung: ")
    assert "Gleichstellungsbeauftragte" in err
    assert snapshot(in_repo) == before and repo.head.commit.hexsha == head
    code, _, err = lip(["stellungnahme", "haltung", "bildung", "--gremium", "gleichstellungsbeauftragte",
                        "--text", "Einverstanden.", "--datum", "2020-10-05"], capsys)
    assert code == 0, err
    assert err.startswith("Gleichstellungsbeauftragte: Stellungnahme zu Kapitel A Haltung der Stadt, 1 Bildung\n")
    assert len(repo.head.commit.parents) == 1 and repo.head.commit.parents[0].hexsha == head
    code, _, err = lip(["entscheiden", "haltung", "bildung", "--angenommen", "--datum", "2020-10-08",
                        "--sitzung", "4. Sitzung"], capsys)
    assert code == 0, err
    commit = repo.head.commit
    assert err.startswith("Lenkungsgruppe: Kapitel A Haltung der Stadt, 1 Bildung angenommen\n")
    assert sorted(commit.stats.files) == ["plan/01-haltung.md", "plan/11-bildung.md"]
    assert "Lip-Kapitel: plan/01-haltung.md\nLip-Kapitel: plan/11-bildung.md" in commit.message
    for name in ("01-haltung.md", "11-bildung.md"):
        text = (in_repo / "plan" / name).read_text(encoding="utf-8")
        assert "ergebnis: angenommen" in text and "sitzung: 4. Sitzung" in text
    code, out, _ = lip(["status"], capsys)
    assert "angenommen am 08.10.2020" in out


def test_a_body_is_named_as_status_shows_it_or_by_its_key(in_repo, capsys):
    """`lip status` says „fehlende Stellungnahmen: Integrationsbeiräte, RTGS“; an editor types that, not
    the key in plan/lip.yaml. The record keeps the key."""
    code, _, err = lip(["vorlegen", "bildung", "--datum", "2020-10-05"], capsys)
    assert code == 0, err
    for named in ("Integrationsbeiräte", "RTGS", "gleichstellungsbeauftragte"):
        code, _, err = lip(["stellungnahme", "bildung", "--gremium", named, "--text", "Ja.",
                            "--datum", "2020-10-06"], capsys)
        assert code == 0, err
    text = (in_repo / "plan" / "11-bildung.md").read_text(encoding="utf-8")
    assert [line.split(": ")[1] for line in text.splitlines() if "gremium: " in line][-3:] \
        == ["integrationsbeiraete", "rtgs", "gleichstellungsbeauftragte"]
    assert err.startswith("Gleichstellungsbeauftragte: Stellungnahme zu Kapitel 1 Bildung\n")
    code, out, _ = lip(["status"], capsys)
    assert "fehlende Stellungnahmen" not in out.split("Bildung", 1)[1]

    before = snapshot(in_repo)
    code, _, err = lip(["stellungnahme", "bildung", "--gremium", "Lenkungsgruppe", "--text",
                        "Ja.", "--datum", "2020-10-06"], capsys)
    assert code == 1
    assert err == ("Fehler: 'lenkungsgruppe' ist kein Gremium, das Stellung nimmt (Rolle "
                   "'nimmt Stellung' in plan/lip.yaml); möglich: gleichstellungsbeauftragte, "
                   "integrationsbeiraete, rtgs\n")
    assert snapshot(in_repo) == before
