"""The council stage (issue 18) in real git repositories: Fassungen, Änderungsanträge, votes,
Beschluss. Every refusal leaves the repository exactly as it was."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import git
import pytest
from support import OPARL_SCHEMAS, needs_oparl_schemas
from support.council_history import ANTRAG_GRUENE, ANTRAG_SPD
from support.repos import commit_all, copy_plan, init_repo, snapshot
from test_site import Page

from pipeline.commands import council, council_documents
from pipeline.commands.build import is_final
from pipeline.commands.check import check
from pipeline.commands.fassungen import committed_antraege
from pipeline.plan import load_plan

D = dt.date

@pytest.fixture
def repo(tmp_path, request) -> Path:
    request.getfixturevalue("fixed_git_dates")
    root = copy_plan("rat", tmp_path / "repo").parent
    (root / ".gitignore").write_text("build/\n", encoding="utf-8")  # as in a real project
    init_repo(root)
    return root


def _named(root: Path) -> Path:
    council.name_fassung(root / "plan", "Verwaltungsentwurf", final=True, datum=D(2020, 12, 8))
    return root / "plan"


def _add(root: Path, name: str, text: str) -> None:
    path = root / "plan" / "antraege" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    commit_all(git.Repo(root), f"Antrag {name}")


def _messages(plan_dir: Path) -> list[str]:
    return [str(d) for d in check(plan_dir).diagnostics]


# --- lip fassung -------------------------------------------------------------------------------


def test_fassung_names_head_with_tag_and_entry_in_one_commit(repo) -> None:
    r = git.Repo(repo)
    head = r.head.commit.hexsha
    done = council.name_fassung(repo / "plan", "Verwaltungsentwurf", final=True, datum=D(2020, 12, 8))
    assert r.head.commit.hexsha == done.commit and r.head.commit.parents[0].hexsha == head
    assert [d.a_path for d in r.head.commit.diff(head)] == ["plan/lip.yaml"]
    assert r.git.rev_parse("fassung/verwaltungsentwurf^{commit}") == head
    assert r.tags["fassung/verwaltungsentwurf"].tag is not None  # annotated
    manifest = load_plan(repo / "plan").manifest
    assert manifest.get("fassungen")[-1]["rev"] == head
    assert manifest.get("fassungen")[-1]["tag"] == "fassung/verwaltungsentwurf"
    assert r.git.status("--porcelain") == ""
    assert not check(repo / "plan").errors


@pytest.mark.parametrize(("prepare", "args", "message"), [
    (lambda root: (root / "plan" / "11-bildung.md").write_text("geändert", encoding="utf-8"),
     ("Verwaltungsentwurf",), "nicht committete Änderungen"),
    (lambda root: council.name_fassung(root / "plan", "Verwaltungsentwurf"),
     ("Verwaltungsentwurf",), "die Fassung „Verwaltungsentwurf“ gibt es schon"),
    (lambda root: git.Repo(root).git.tag("fassung/dritte", "HEAD"),
     ("Dritte",), "das Tag 'fassung/dritte' gibt es schon"),
])
def test_fassung_refusals_leave_the_repository_unchanged(repo, prepare, args, message) -> None:
    prepare(repo)
    before = snapshot(repo)
    with pytest.raises(council.CouncilError, match=message):
        council.name_fassung(repo / "plan", *args)
    assert snapshot(repo) == before


def test_fassung_final_refused_while_a_chapter_is_not_accepted(tmp_path, request) -> None:
    request.getfixturevalue("fixed_git_dates")
    root = copy_plan("review-mini", tmp_path / "repo").parent
    init_repo(root)
    before = snapshot(root)
    with pytest.raises(council.CouncilError, match="lip check --final"):
        council.name_fassung(root / "plan", "Verwaltungsentwurf", final=True)
    assert snapshot(root) == before


def test_check_reports_a_moved_and_a_deleted_tag(repo) -> None:
    plan_dir = _named(repo)
    r = git.Repo(repo)
    r.git.tag("-f", "-a", "fassung/verwaltungsentwurf", "HEAD", "-m", "verschoben")
    assert any("das Tag 'fassung/verwaltungsentwurf' zeigt auf" in m and "verschoben" in m
               for m in _messages(plan_dir))
    r.git.tag("-d", "fassung/verwaltungsentwurf")
    assert any("das Tag 'fassung/verwaltungsentwurf' der Fassung „Verwaltungsentwurf“ fehlt" in m
               for m in _messages(plan_dir))


# --- Änderungsanträge --------------------------------------------------------------------------


def test_antrag_neu_writes_a_skeleton_that_check_asks_to_complete(repo) -> None:
    plan_dir = _named(repo)
    path = council.new_antrag(plan_dir, antragsteller="Fraktion Die Linke", datum=D(2021, 1, 4))
    assert path == plan_dir / "antraege" / "1-fraktion-die-linke.md"
    text = path.read_text(encoding="utf-8")
    assert 'fassung: "Verwaltungsentwurf"' in text and "gremium: internationaler-ausschuss" in text
    assert 'titel: "Änderungsantrag der Fraktion Die Linke"' in text
    assert "Begründung:" not in text  # the documents set the heading „Begründung“ themselves
    messages = _messages(plan_dir)
    assert any(m.startswith("plan/antraege/1-fraktion-die-linke.md:") and
               "der Wortlaut '(bisheriger Wortlaut, wie er im Plan steht)' steht nicht in "
               "Maßnahme 1.1.1" in m for m in messages), messages


def test_antrag_neu_refuses_an_empty_antragsteller_and_writes_nothing(repo) -> None:
    plan_dir = _named(repo)
    before = snapshot(repo)
    with pytest.raises(council.CouncilError, match="--antragsteller ist leer"):
        council.new_antrag(plan_dir, antragsteller="  ", datum=D(2021, 1, 4))
    assert snapshot(repo) == before and not (plan_dir / "antraege").exists()


@pytest.mark.parametrize(("art", "name", "title"), [
    ("Fraktion", "SPD-Fraktion", "Änderungsantrag der SPD-Fraktion"),
    ("Fraktion", "Bündnis 90/Die Grünen", "Änderungsantrag der Fraktion Bündnis 90/Die Grünen"),
    ("Gruppe", "Gruppe LINKE & PIRATEN", "Änderungsantrag der Gruppe LINKE & PIRATEN"),
    ("Ratsmitglied", "Maria Muster", "Änderungsantrag des Ratsmitglieds Maria Muster")])
def test_a_new_antrag_is_titled_in_its_antragsteller_s_case(art, name, title) -> None:
    assert council.default_title(art, name) == title


def test_valid_antraege_pass_and_conflicts_between_them_are_warnings(repo) -> None:
    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)
    _add(repo, "2-spd.md", ANTRAG_SPD)
    report = check(plan_dir)
    assert not report.errors, report.errors
    assert [str(d) for d in report.warnings] == [
        "plan/antraege/2-spd.md:11: punkte[1]: Warnung: Punkt 1 betrifft denselben Text (Maßnahme 1.1.2) "
        "wie Punkt 3 des Änderungsantrags 1 (plan/antraege/1-gruene.md); nur einer von beiden "
        "kann beschlossen werden"]


@pytest.mark.parametrize(("change", "expected"), [
    (('massnahme: "1.1.2"', 'massnahme: "1.1.9"'),
     "plan/antraege/1-gruene.md:22: punkte[3]: Maßnahme 1.1.9 gibt es in der Fassung „Verwaltungsentwurf“ nicht"),
    (('    neu: "für Kinder, Eltern und Großeltern"\n', ""),
     "plan/antraege/1-gruene.md:11: punkte[0].neu: Pflichtfeld fehlt"),
    (("fassung: Verwaltungsentwurf", "fassung: 4. Fassung"),
     "plan/antraege/1-gruene.md:8: fassung: Fassung '4. Fassung' gibt es nicht; benannte Fassungen: "
     "Verwaltungsentwurf"),
    (('    art: streichen\n    massnahme: "1.1.2"', '    art: streichen\n    massnahme: "1.1.1"'),
     "plan/antraege/1-gruene.md:20: punkte[3]: Punkt 3 betrifft denselben Text wie Punkt 1 "
     "(Maßnahme 1.1.1); bitte in einem Punkt zusammenfassen"),
    (('    ziel: "1.1.1"\n', '    ziel: "1.1.1"\n    massnahme: "1.1.1"\n'),
     "plan/antraege/1-gruene.md:16: punkte[1]: genau ein Ziel angeben: massnahme, ziel, "
     "abschnitt oder zeilen (angegeben: massnahme, ziel)"),
    (("gremium: internationaler-ausschuss", "gremium: lenkungsgruppe"),
     "plan/antraege/1-gruene.md:9: gremium: 'lenkungsgruppe' ist kein beschließendes Gremium in "
     "plan/lip.yaml; möglich: internationaler-ausschuss, ratsversammlung"),
])
def test_check_locates_every_problem_of_an_antrag(repo, change, expected) -> None:
    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE.replace(*change))
    assert expected in _messages(plan_dir)


# --- votes -------------------------------------------------------------------------------------


def _vote(plan_dir: Path, key: str = "1", **kw):
    kw.setdefault("gremium", "internationaler-ausschuss")
    kw.setdefault("datum", D(2021, 1, 14))
    return council.vote(plan_dir, key, **kw)


def test_a_vote_is_one_commit_appended_to_the_antrag(repo) -> None:
    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)
    r = git.Repo(repo)
    head = r.head.commit.hexsha
    done = _vote(plan_dir, punkte=[1, 3], dafuer=8, dagegen=2, enthaltungen=1,
                 sitzung="12. Sitzung")
    assert done.message == ("Internationaler Ausschuss: Änderungsantrag 1 (Fraktion Bündnis 90/Die "
                            "Grünen), Punkte 1 und 3 angenommen (8 dafür – 2 dagegen – 1 Enthaltung)")
    assert r.head.commit.parents[0].hexsha == head
    text = (plan_dir / "antraege" / "1-gruene.md").read_text(encoding="utf-8")
    assert text.startswith(ANTRAG_GRUENE.split("---\n\n")[0])  # head kept, votes appended
    assert ("abstimmungen:\n  - gremium: internationaler-ausschuss\n    datum: 2021-01-14\n"
            "    sitzung: 12. Sitzung\n    punkte: [1, 3]\n    ergebnis: angenommen\n"
            "    dafuer: 8\n    dagegen: 2\n    enthaltungen: 1\n---\n") in text
    assert text.endswith("Begründung: Großeltern begleiten viele Kinder im Alltag.\n")
    assert r.git.status("--porcelain") == ""
    assert not check(plan_dir).errors


@pytest.mark.parametrize(("kw", "message"), [
    ({"key": "7", "einstimmig": True}, "Änderungsantrag '7' gibt es nicht; vorhanden: 1 (antraege/1-gruene.md)"),
    ({"punkte": [5, 4], "einstimmig": True}, "Punkte 4 und 5 gibt es im Änderungsantrag 1 nicht; vorhanden: 1–3"),
    ({"datum": D(2021, 1, 1), "einstimmig": True}, "Abstimmung am 01.01.2021 liegt vor dem Antrag vom 05.01.2021"),
    ({"gremium": "ratsversammlung", "einstimmig": True},
     "über Punkt 1 hat der Internationale Ausschuss noch nicht beraten; nach der "
     "Beratungsfolge stimmt die Ratsversammlung erst danach ab"),
    ({"dafuer": 9, "dagegen": 3}, "12 Stimmen, aber der Internationale Ausschuss hat 11 Sitze"),
    ({"gremium": "lenkungsgruppe", "einstimmig": True}, "'lenkungsgruppe' ist kein beschließendes Gremium"),
    ({}, "Ergebnis fehlt"),
    ({"abgelehnt": True, "dafuer": 8, "dagegen": 2}, "ist eine Annahme, keine Ablehnung"),
])
def test_impossible_votes_are_refused_and_nothing_changes(repo, kw, message) -> None:
    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)
    before = snapshot(repo)
    with pytest.raises(council.CouncilError, match=re.escape(message)):
        _vote(plan_dir, **kw)
    assert snapshot(repo) == before


def test_a_point_decided_once_cannot_be_voted_again(repo) -> None:
    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)
    _vote(plan_dir, punkte=[2], vertagt=True)
    _vote(plan_dir, punkte=[2], einstimmig=True, datum=D(2021, 1, 20))  # after vertagt: allowed
    before = snapshot(repo)
    with pytest.raises(council.CouncilError, match="schon abgestimmt"):
        _vote(plan_dir, punkte=[2], abgelehnt=True, datum=D(2021, 1, 21))
    assert snapshot(repo) == before


# --- Beschluss ---------------------------------------------------------------------------------


def _both_antraege_voted(repo: Path) -> Path:
    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)
    _add(repo, "2-spd.md", ANTRAG_SPD)
    _vote(plan_dir, "1", punkte=[1, 2], dafuer=8, dagegen=3)
    _vote(plan_dir, "1", punkte=[3], abgelehnt=True, dafuer=2, dagegen=9)
    _vote(plan_dir, "2", einstimmig=True)
    for key, punkte in (("1", [1, 2]), ("2", [1])):
        _vote(plan_dir, key, gremium="ratsversammlung", datum=D(2021, 1, 28), punkte=punkte,
              einstimmig=True)
    _vote(plan_dir, "1", gremium="ratsversammlung", datum=D(2021, 1, 28), punkte=[3], abgelehnt=True)
    return plan_dir


def test_beschluss_applies_adopted_points_and_names_a_final_fassung(repo) -> None:
    plan_dir = _both_antraege_voted(repo)
    r = git.Repo(repo)
    before = r.head.commit.hexsha
    done = council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))
    assert done.message == ("Ratsversammlung: Beschluss vom 28.01.2021, 3 Punkte aus "
                            "Änderungsanträgen übernommen")
    text_commit = r.head.commit.parents[0]
    assert text_commit.parents[0].hexsha == before
    assert r.git.rev_parse("fassung/beschlossene-fassung^{commit}") == text_commit.hexsha
    body = (plan_dir / "11-bildung.md").read_text(encoding="utf-8")
    assert "Sprachbildung für Kinder, Eltern und Großeltern." in body
    assert ("- **Ziel 1.1.1:** Alle Kinder erwerben vor der Einschulung gute Deutschkenntnisse.\n\n"
            "- **Ziel 1.1.2:** Eltern kennen die Bildungsangebote ihres Stadtteils.") in body
    assert "#### Maßnahme 1.1.2: Elternlotsinnen und Elternlotsen" in body
    assert "Elternbegleiter*innen" not in body
    assert body.split("\n---\n", 1)[0] == (repo / "plan" / "11-bildung.md").read_text(
        encoding="utf-8").split("\n---\n", 1)[0]  # the head is untouched
    plan = load_plan(plan_dir)
    assert plan.manifest.get("fassungen")[-1]["beschluss"] == {"gremium": "ratsversammlung",
                                                              "datum": D(2021, 1, 28)}
    assert not check(plan_dir, final=True).errors
    assert is_final(plan)  # the council PDF of this Fassung carries no ENTWURF
    assert r.git.status("--porcelain") == ""


def test_the_beschluss_keeps_its_vote_and_every_document_shows_it(repo, tmp_path) -> None:
    """`lip beschluss` takes the counts as `lip abstimmung` does: kept with the Beschluss in
    plan/lip.yaml, shown in the Beschlussübersicht, the Drucksache's Beratungsverlauf and
    OParl, and checked by `lip check` by the same rule."""
    from pipeline.assemble import consultation_markdown
    from pipeline.council.antraege import load_antraege
    from pipeline.council.oparl import build as oparl_build

    plan_dir = _both_antraege_voted(repo)
    done = council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28),
                             dafuer=40, dagegen=22, enthaltungen=3)
    tally = "40 dafür – 22 dagegen – 3 Enthaltungen"
    assert done.message == (f"Ratsversammlung: Beschluss vom 28.01.2021 ({tally}), 3 Punkte aus "
                            f"Änderungsanträgen übernommen")
    plan = load_plan(plan_dir)
    assert plan.manifest.get("fassungen")[-1]["beschluss"] == {
        "gremium": "ratsversammlung", "datum": D(2021, 1, 28), "dafuer": 40, "dagegen": 22,
        "enthaltungen": 3}
    assert not check(plan_dir, final=True).errors
    rows = council_documents.beschlussuebersicht_rows(plan, load_antraege(plan)[0],
                                                      "ratsversammlung", D(2021, 1, 28))
    assert rows[-1][0] == "Drucksache 0001/2020" and rows[-1][3:] == ["beschlossen", tally]
    assert f"gesamter Plan | Ratsversammlung | Beschluss | beschlossen ({tally})" in \
        consultation_markdown(plan)
    oparl = oparl_build(plan, load_antraege(plan)[0], base_url="https://lip.example",
                        committed=dt.datetime(2021, 2, 1, tzinfo=dt.UTC), pdfs=[])
    assert any(o.get("result") == f"beschlossen mit Änderungen ({tally})"
               for o in oparl.values()), [o.get("result") for o in oparl.values()]
    # counts written by hand: `lip check` applies the rule `lip beschluss` applies
    manifest = plan_dir / "lip.yaml"
    text = manifest.read_text(encoding="utf-8")
    for old, new, message in (
            ("dagegen: 22", "dagegen: 50", "40 dafür und 50 dagegen ist keine Mehrheit dafür, "
                                           "also eine Ablehnung, keine Annahme"),
            ("dafuer: 40", "dafuer: 60", "85 Stimmen, aber die Ratsversammlung hat 65 Sitze")):
        manifest.write_text(text.replace(old, new), encoding="utf-8")
        assert any(m.startswith("plan/lip.yaml:") and f"fassungen[1].beschluss: {message}" in m
                   for m in _messages(plan_dir)), _messages(plan_dir)
    manifest.write_text(text, encoding="utf-8")


def test_contradicting_counts_for_the_beschluss_are_refused_and_nothing_is_written(repo) -> None:
    plan_dir = _both_antraege_voted(repo)
    before = snapshot(repo)
    rat = {"gremium": "ratsversammlung", "datum": D(2021, 1, 28)}
    for kw, message in (
            ({"dafuer": 20, "dagegen": 40}, "Stimmen zum Beschluss: 20 dafür und 40 dagegen ist "
                                            "keine Mehrheit dafür, also eine Ablehnung, keine "
                                            "Annahme. Der Beschluss nimmt die Drucksache an; "
                                            "bitte die Stimmen prüfen. Nichts wurde festgehalten"),
            ({"dafuer": 60, "dagegen": 10}, "Stimmen zum Beschluss: 70 Stimmen, aber die "
                                            "Ratsversammlung hat 65 Sitze"),
            ({"dafuer": 50}, "Stimmen: --dafuer und --dagegen zusammen angeben"),
            ({"einstimmig": True, "dafuer": 50, "dagegen": 1},
             "--einstimmig oder Stimmenzahlen angeben, nicht beides")):
        with pytest.raises(council.CouncilError, match=re.escape(message)):
            council.beschluss(plan_dir, **rat, **kw)
    shown = subprocess.run([sys.executable, "-m", "pipeline", "beschluss", "--gremium",
                            "ratsversammlung", "--datum", "28.01.2021", "--dafuer", "20",
                            "--dagegen", "40", "--plan", str(plan_dir)],
                           capture_output=True, text=True, cwd=repo)
    assert shown.returncode == 1 and "Traceback" not in shown.stderr
    assert shown.stderr.startswith("Fehler: Stimmen zum Beschluss: 20 dafür und 40 dagegen"), \
        shown.stderr
    assert snapshot(repo) == before


def test_after_the_beschluss_status_shows_the_adopted_text_as_beschlossen(repo) -> None:
    """walk-council 6: the adopted text was called a change after the Annahme („angenommen am
    …, seitdem geändert“, „1 in der jetzigen Fassung angenommen“)."""
    from click.testing import CliRunner

    from pipeline.cli import cli
    from pipeline.commands import status

    plan_dir = _both_antraege_voted(repo)
    council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))
    result = status.status(plan_dir)
    assert result.summary == "2 Kapitel, 2 beschlossen (Ratsversammlung, 28.01.2021)"
    haltung, bildung = result.rows
    assert haltung.stand == "beschlossen (Ratsversammlung, 28.01.2021)" and haltung.endgueltig
    assert not haltung.seit_entscheidung_geaendert and haltung.geaendert_durch == []
    assert bildung.stand.startswith("beschlossen (Ratsversammlung, 28.01.2021), durch "
                                    "Änderungsanträge geändert: ")
    assert "Wörter eingefügt" in bildung.stand and bildung.woerter_hinzu
    assert bildung.geaendert_durch == ["Änderungsantrag 1, Punkte 1 und 2",
                                       "Änderungsantrag 2, Punkt 1"]
    assert bildung.beschluss == {"gremium": "ratsversammlung", "gremium_name": "Ratsversammlung",
                                 "datum": "2021-01-28", "fassung": "Beschlossene Fassung",
                                 "einstimmig": False, "dafuer": None, "dagegen": None,
                                 "enthaltungen": None, "stimmen": ""}  # no counts given
    assert bildung.endgueltig and not bildung.seit_entscheidung_geaendert
    # the JSON agrees with the text: its state is beschlossen, its reference a commit
    assert haltung.status == bildung.status == "beschlossen"
    assert re.fullmatch(r"[0-9a-f]{40}", bildung.geaendert_seit["commit"])
    assert bildung.geaendert_seit["eintrag"] == "Beschluss"
    shown = CliRunner().invoke(cli, ["status", "--plan", str(plan_dir)], env={"NO_COLOR": "1"})
    assert shown.exit_code == 0, shown.output
    assert "Stand der Beratung: 2 Kapitel, 2 beschlossen (Ratsversammlung, 28.01.2021)" in shown.output
    assert "seitdem geändert" not in shown.output and "in der jetzigen Fassung" not in shown.output
    assert "Änderungsantrag 1, Punkte 1 und 2; Änderungsantrag 2, Punkt 1" in shown.output
    # a change after the Beschluss is no longer the adopted text: shown as such again
    path = plan_dir / "11-bildung.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Sprachbildung für Kinder",
                                                             "Sprachbildung für alle Kinder"),
                    encoding="utf-8")
    after = status.status(plan_dir)
    assert after.summary == ("2 Kapitel, 1 beschlossen (Ratsversammlung, 28.01.2021)")
    assert after.rows[1].stand.startswith("angenommen am ") and "seitdem geändert" in after.rows[1].stand
    assert after.rows[1].beschluss is None and not after.rows[1].endgueltig


def test_beschluss_refused_while_points_are_unvoted(repo) -> None:
    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)
    _vote(plan_dir, "1", punkte=[1], einstimmig=True)
    _vote(plan_dir, "1", punkte=[1], gremium="ratsversammlung", datum=D(2021, 1, 28), einstimmig=True)
    before = snapshot(repo)
    with pytest.raises(council.CouncilError,
                       match="die Ratsversammlung hat noch nicht über alle Punkte "
                             "abgestimmt: Antrag 1, Punkte 2 und 3$"):
        council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))
    assert snapshot(repo) == before


def test_beschluss_refused_when_two_adopted_points_change_the_same_text(repo) -> None:
    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)
    _add(repo, "2-spd.md", ANTRAG_SPD)
    for gremium, day in (("internationaler-ausschuss", 14), ("ratsversammlung", 28)):
        for key in ("1", "2"):
            _vote(plan_dir, key, gremium=gremium, datum=D(2021, 1, day), einstimmig=True)
    before = snapshot(repo)
    with pytest.raises(council.CouncilError, match="Antrag 1, Punkt 3 und Antrag 2, Punkt 1 "
                                                   "ändern beide Maßnahme 1.1.2"):
        council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))
    assert snapshot(repo) == before


def test_cli_abstimmung_and_beschluss_speak_german_and_exit_as_documented(repo) -> None:
    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)

    def lip(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pipeline", *args, "--plan", str(plan_dir)],
                              capture_output=True, text=True, cwd=repo)

    bad = lip("abstimmung", "1", "--gremium", "internationaler-ausschuss", "--datum", "2021-01-14",
              "--punkte", "1,x", "--einstimmig")
    assert bad.returncode == 2 and "Nummern durch Kommas getrennt" in bad.stderr
    ok = lip("abstimmung", "1", "--gremium", "internationaler-ausschuss", "--datum", "2021-01-14",
             "--einstimmig")
    assert ok.returncode == 0, ok.stderr
    assert "Punkte 1–3 angenommen (einstimmig)" in ok.stderr
    refused = lip("beschluss", "--gremium", "ratsversammlung", "--datum", "2021-01-28")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "noch nicht über alle Punkte abgestimmt" in refused.stderr


# --- OParl ------------------------------------------------------------------------------------

OPARL = OPARL_SCHEMAS


def _oparl_validator(name: str):
    import json

    from jsonschema import validators

    schema = json.loads((OPARL / f"{name}.json").read_text(encoding="utf-8"))
    return validators.validator_for(schema)(schema)


@needs_oparl_schemas
def test_oparl_export_validates_links_up_and_is_deterministic(repo, tmp_path) -> None:
    import json

    from pipeline.commands import oparl

    plan_dir = _both_antraege_voted(repo)
    council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))
    build = tmp_path / "build"
    (build / "rat").mkdir(parents=True)
    built = subprocess.run([sys.executable, "-m", "pipeline", "build", "--format", "pdf",
                            "--plan", str(plan_dir), "--output", str(build)],
                           capture_output=True, text=True, cwd=repo)
    assert built.returncode == 0, built.stderr
    protocol = council_documents.beschlussuebersicht_pdf(
        plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28), out_dir=build / "rat")
    out = tmp_path / "oparl"
    written = oparl.export(plan_dir, base_url="https://ratsinfo.example/oparl", output=out,
                           build_dir=build)
    files = sorted(p for p in out.rglob("*.json") if "liste" not in p.parts)
    objects = {json.loads(p.read_text(encoding="utf-8"))["id"]: json.loads(p.read_text(encoding="utf-8"))
               for p in files}
    kinds = sorted({o["type"].rsplit("/", 1)[-1] for o in objects.values()})
    assert kinds == ["AgendaItem", "Body", "Consultation", "File", "Meeting", "Organization",
                     "Paper", "System"]
    assert _dangling_urls(out, "https://ratsinfo.example/oparl") == []
    for obj in objects.values():
        kind = obj["type"].rsplit("/", 1)[-1]
        errors = list(_oparl_validator(kind).iter_errors(obj))
        assert not errors, (obj["id"], [e.message for e in errors])
        for c in obj.get("consultation", []) if kind == "Paper" else []:
            assert not list(_oparl_validator("Consultation").iter_errors(c))
            assert c["paper"] == obj["id"] and c["meeting"] in objects and c["agendaItem"] in objects
        for ref in (obj.get("subordinatedPaper", []) + obj.get("superordinatedPaper", [])
                    + obj.get("organization", []) if isinstance(obj.get("organization"), list) else []):
            assert ref in objects, ref
    main = objects["https://ratsinfo.example/oparl/paper/0001-2020.json"]
    assert main["paperType"] == "Beschlussdrucksache" and len(main["subordinatedPaper"]) == 2
    pdf = (build / "LIP-2.0.pdf").read_bytes()
    assert main["mainFile"]["size"] == len(pdf)
    import hashlib

    assert main["mainFile"]["sha256Checksum"] == hashlib.sha256(pdf).hexdigest()
    assert (out / "dateien" / "LIP-2.0.pdf").read_bytes() == pdf
    decided = [c for c in main["consultation"] if c["authoritative"]]
    assert [c["organization"] for c in decided] == [["https://ratsinfo.example/oparl/organization/ratsversammlung.json"]]
    antrag = objects["https://ratsinfo.example/oparl/paper/0001-2020-antrag-1.json"]
    items = [objects[c["agendaItem"]]["result"] for c in antrag["consultation"]]
    assert "Punkte 1 und 2: angenommen (8 dafür – 3 dagegen)" in items[0]
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    oparl.export(plan_dir, base_url="https://ratsinfo.example/oparl", output=out, build_dir=build)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert written.objects == len([p for p in before if p.suffix == ".json"]) and written.files == 2
    assert written.summary() == (f"{written.objects} OParl-Objekte und 2 PDF-Dateien nach {out} "
                                 f"geschrieben (Stand {written.commit[:10]}).")
    # walk-pdf-2 5: the meeting's Beschlussübersicht is its Ergebnisprotokoll; the export had
    # meetings without any document, and the council office had to fetch it by hand
    rat = objects["https://ratsinfo.example/oparl/meeting/ratsversammlung-2021-01-28.json"]
    result = rat["resultsProtocol"]
    assert not list(_oparl_validator("File").iter_errors(result))
    assert result["meeting"] == [rat["id"]] and result["size"] == len(protocol.read_bytes())
    assert (out / "dateien" / protocol.name).read_bytes() == protocol.read_bytes()
    committee = objects["https://ratsinfo.example/oparl/meeting/internationaler-ausschuss-2021-01-14.json"]
    assert "resultsProtocol" not in committee  # none was written for it


def _dangling_urls(out: Path, base: str) -> list[str]:
    """Every URL below `base` in any JSON file of the export whose file was not written."""
    import json

    def strings(value):
        if isinstance(value, dict):
            for v in value.values():
                yield from strings(v)
        elif isinstance(value, list):
            for v in value:
                yield from strings(v)
        elif isinstance(value, str):
            yield value

    urls = {s for p in out.rglob("*.json") for s in strings(json.loads(p.read_text(encoding="utf-8")))
            if s.startswith(base + "/")}
    assert len(urls) > 20, urls  # the export is not empty
    return sorted(u for u in urls if not (out / u[len(base) + 1:]).is_file())


@needs_oparl_schemas
def test_every_url_of_the_oparl_export_resolves_to_a_written_object(repo, tmp_path) -> None:
    """Paper.consultation ids (…/consultation/….json) used to point at files never written."""
    import json

    from pipeline.commands import oparl

    plan_dir = _both_antraege_voted(repo)
    council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))
    out = tmp_path / "oparl"
    oparl.export(plan_dir, base_url="https://ratsinfo.example/oparl", output=out,
                 build_dir=tmp_path / "build")
    assert _dangling_urls(out, "https://ratsinfo.example/oparl") == []
    consultations = sorted((out / "consultation").glob("*.json"))
    assert len(consultations) == 6  # each Antrag and the Drucksache in IA and Rat
    for path in consultations:
        c = json.loads(path.read_text(encoding="utf-8"))
        assert not list(_oparl_validator("Consultation").iter_errors(c))
        paper = json.loads((out / c["paper"].removeprefix("https://ratsinfo.example/oparl/"))
                           .read_text(encoding="utf-8"))
        assert c in paper["consultation"]  # the same object as embedded in its Paper
        item = json.loads((out / c["agendaItem"].removeprefix("https://ratsinfo.example/oparl/"))
                          .read_text(encoding="utf-8"))
        assert item["consultation"] == c["id"]
        assert not list(_oparl_validator("AgendaItem").iter_errors(item))


# --- the label a build prints ------------------------------------------------------------------


def test_the_build_label_is_the_fassung_only_while_the_text_is_that_fassung(repo) -> None:
    from pipeline.plan.fassungen import label

    plan_dir = repo / "plan"
    assert label(load_plan(plan_dir)) == "1. Fassung"  # declared by hand, nothing named yet
    _named(repo)
    assert label(load_plan(plan_dir)) == "Verwaltungsentwurf"
    assert is_final(load_plan(plan_dir))
    path = plan_dir / "11-bildung.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Sprachbildung für Kinder",
                                                             "Sprachbildung für alle Kinder"),
                    encoding="utf-8")
    changed = load_plan(plan_dir)
    assert label(changed) == "Arbeitsstand nach der Fassung „Verwaltungsentwurf“"
    assert not is_final(changed)  # marked ENTWURF, never with the Fassung's name


def test_the_final_docx_has_no_page_header_on_its_first_page(repo, tmp_path) -> None:
    """walk-council 12: the DOCX cover of the final Drucksache read „LIP 2.0 / Beschlossene
    Fassung“ in its page header; the PDF has none on its first page (but the same footer)."""
    import zipfile

    from pipeline.commands.build import build

    plan_dir = _both_antraege_voted(repo)
    council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))
    out = build(plan_dir, output=tmp_path / "out", formats=["docx"]).outputs["docx"]
    with zipfile.ZipFile(out) as docx:
        document = docx.read("word/document.xml").decode("utf-8")
    sect = document[document.rindex("<w:sectPr"):document.rindex("</w:sectPr>")]
    assert "<w:titlePg/>" in sect  # a first page of its own …
    assert not re.search(r'<w:headerReference[^>]*w:type="first"', sect)  # … without a header
    assert re.search(r'<w:footerReference[^>]*w:type="first"', sect)  # … with „Seite 1 von N“


def test_the_drucksache_annex_lists_the_councils_votes_and_beschluss(repo) -> None:
    from pipeline.assemble import consultation_markdown

    plan_dir = _both_antraege_voted(repo)
    council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))
    annex = consultation_markdown(load_plan(plan_dir))
    rows = [line for line in annex.splitlines() if "Abstimmung" in line or "Beschluss |" in line]
    assert any("14.01.2021" in r and "Änderungsantrag 1 (Fraktion Bündnis 90/Die Grünen), Punkte 1 und 2"
               in r and "Internationaler Ausschuss" in r and "angenommen (8 dafür – 3 dagegen)" in r
               for r in rows), rows
    assert any("28.01.2021" in r and "gesamter Plan" in r and "Ratsversammlung" in r
               and "beschlossen" in r and "Beschlossene Fassung" in r for r in rows), rows


def test_the_lenkungsgruppes_vote_reads_as_the_councils_in_terminal_site_and_document(repo) -> None:
    """walk-docs 2: the Lenkungsgruppe's vote, recorded as „18 dafür, 2 dagegen“, stood in
    Anhang 2 beside the council's „8 dafür – 3 dagegen“; one function writes both."""
    from pipeline.assemble import consultation_markdown
    from pipeline.commands import site, site_data
    from pipeline.history import PlanHistory

    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)
    _vote(plan_dir, "1", punkte=[1, 2], dafuer=8, dagegen=3)
    plan = load_plan(plan_dir)
    assert "abstimmung: 18 dafür, 2 dagegen" in (plan_dir / "01-haltung.md").read_text("utf-8")
    annex = consultation_markdown(plan)
    assert "| angenommen (18 dafür – 2 dagegen) |" in annex
    assert "| angenommen (8 dafür – 3 dagegen) |" in annex
    page = site.timeline(plan.chapter("haltung"), plan, site_data.VersionNames(plan, PlanHistory(None)))
    assert "18 dafür – 2 dagegen" in page
    verlauf = _lip(plan_dir, "verlauf", "haltung")
    assert "Abstimmung: 18 dafür – 2 dagegen" in verlauf.stdout, verlauf
    assert "18 dafür, 2" not in annex + page + verlauf.stdout


def test_the_built_plan_names_the_antraege_that_changed_a_chapter(repo, tmp_path) -> None:
    """The Beratungsverlauf of the PDF and the HTML names, for the chapter the adopted Punkte
    changed, the Anträge and Punkte as `lip status` and the site do; nothing for a chapter the
    council adopted unchanged."""
    from support.pdf import pdf_text, squash

    from pipeline.commands.build import build
    from pipeline.commands.stand import chapter_states

    plan_dir = _both_antraege_voted(repo)
    council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))
    states = chapter_states(load_plan(plan_dir))
    note = states["11-bildung.md"].amendment_note
    assert note == ("geändert durch Änderungsantrag 1, Punkte 1 und 2; Änderungsantrag 2, "
                    "Punkt 1")
    assert states["01-haltung.md"].amendment_note == ""
    outputs = build(plan_dir, output=tmp_path / "out", formats=["pdf", "html"]).outputs
    row = f"28.01.2021 1 Bildung Ratsversammlung Beschluss beschlossen, {note} Beschlossene Fassung"
    pdf = squash(pdf_text(outputs["pdf"], raw=True))
    assert squash(row) in pdf
    assert pdf.count(squash("geändert durch")) == 1
    assert squash("Haltung der Stadt Ratsversammlung") not in pdf
    html = Page(outputs["html"].read_text(encoding="utf-8").replace("><", "> <")).plain
    assert row in html and html.count("geändert durch") == 1, html[-600:]
    assert "Haltung der Stadt Ratsversammlung" not in html
    # walk-docs 1: six columns of fixed widths on a portrait page wrapped this Ergebnis to six
    # lines and split „Grundla-genpapier“, „da-gegen“; Anhang 2 is landscape, its columns fit
    import pikepdf

    with pikepdf.open(outputs["pdf"]) as pdf:
        boxes = [[float(x) for x in page.mediabox] for page in pdf.pages]
    first = next(n for n, box in enumerate(boxes, 1) if box[2] > box[3])
    assert first == len(boxes) and "Anhang 2: Beratungsverlauf" in pdf_text(outputs["pdf"], first)
    assert _split_words(outputs["pdf"], first) == []
    layout = subprocess.run(["pdftotext", "-layout", "-f", str(first), str(outputs["pdf"]), "-"],
                            capture_output=True, text=True).stdout.splitlines()
    at = next(i for i, line in enumerate(layout) if "beschlossen, geändert durch" in line)
    assert "Punkt 1" in " ".join(layout[at:at + 3]), layout[at:at + 6]


# --- council documents -------------------------------------------------------------------------


def _pdf_text(path: Path) -> str:
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    return " ".join(raw.replace("\xad\n", "").split())


def test_antrag_pdf_shows_each_punkt_as_a_synopse_and_is_reproducible(repo, tmp_path) -> None:
    from pipeline.commands import council_documents

    plan_dir = _both_antraege_voted(repo)
    first = council_documents.antrag_pdf(plan_dir, "1", tmp_path / "a")
    again = council_documents.antrag_pdf(plan_dir, "1", tmp_path / "b")
    assert first.read_bytes() == again.read_bytes()
    text = _pdf_text(first)
    for expected in ("Änderungsantrag 1", "Fraktion Bündnis 90/Die Grünen", "Drucksache Nr. 0001/2020",
                     "Punkt 1: Maßnahme 1.1.1 ändern", "Bisheriger Wortlaut", "Neuer Wortlaut",
                     "Punkt 2: nach Ziel 1.1.1 einfügen", "Punkt 3: Maßnahme 1.1.2 streichen",
                     "Begründung", "Großeltern begleiten viele Kinder im Alltag", "Abstimmungen",
                     "8 dafür – 3 dagegen", "1 und 2 angenommen"):  # Punkte as wording.numbers_text
        assert expected in text, expected
    assert text.count("Begründung") == 1, text  # the heading, not also the file's own label
    info = subprocess.run(["pdfinfo", str(first)], capture_output=True, text=True).stdout
    assert "Tagged:          yes" in info
    assert b"pdfaid:part" in first.read_bytes()  # PDF/A identification in the XMP metadata


def test_ergaenzung_lists_the_changes_since_the_fassung_and_refuses_when_there_are_none(repo, tmp_path) -> None:
    from pipeline.commands import council_documents

    plan_dir = _named(repo)
    with pytest.raises(council_documents.DocumentError, match="unverändert"):
        council_documents.ergaenzung_pdf(plan_dir, out_dir=tmp_path)
    path = plan_dir / "11-bildung.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Kinder von 1 bis 6 Jahren",
                                                             "Kinder von 0 bis 6 Jahren"), encoding="utf-8")
    commit_all(git.Repo(repo), "Zielgruppe ab Geburt")
    out = council_documents.ergaenzung_pdf(plan_dir, out_dir=tmp_path)
    assert out.name == "ergaenzung-e1.pdf"
    text = _pdf_text(out)
    assert "Ergänzung 0001/2020 E1" in text and "Anlage 1: Textliche Änderungen" in text
    assert "1. Kapitel 1 Bildung" in text and "gegenüber der Fassung „Verwaltungsentwurf“" in text
    flat = " ".join(text.split())
    assert "Änderungen an der Drucksache Nr. 0001/2020 (Testplan zur Integration) gegenüber" in flat
    assert "des Lokaler" not in flat and "wurde der Text in einem Kapitel geändert." in flat, flat
    for odd in ("../x", "1", "e1", "E0", "E1 "):  # the number names the file OParl reads back
        with pytest.raises(council_documents.DocumentError, match="keine Nummer einer Ergänzung"):
            council_documents.ergaenzung_pdf(plan_dir, nummer=odd, out_dir=tmp_path / "odd")
    assert not (tmp_path / "odd").exists()
    assert council_documents.ergaenzung_pdf(plan_dir, nummer="E2", out_dir=tmp_path).name == \
        "ergaenzung-e2.pdf"


def test_the_ergaenzung_names_an_inserted_ziel_and_takes_its_date(repo, tmp_path) -> None:
    """walk-council 8: the summary said only „geänderte Maßnahmen“ although a Ziel was
    inserted, and the Ergänzung could not be dated."""
    plan_dir = _named(repo)
    path = plan_dir / "11-bildung.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "- **Ziel 1.1.1:** Alle Kinder erwerben vor der Einschulung gute Deutschkenntnisse.\n",
        "- **Ziel 1.1.1:** Alle Kinder erwerben vor der Einschulung gute Deutschkenntnisse.\n\n"
        "- **Ziel 1.1.2:** Eltern kennen die Bildungsangebote ihres Stadtteils.\n"), encoding="utf-8")
    commit_all(git.Repo(repo), "Ziel 1.1.2 ergänzt")
    out = council_documents.ergaenzung_pdf(plan_dir, datum=D(2021, 1, 8), out_dir=tmp_path)
    text = _pdf_text(out)
    assert "neues Ziel: 1.1.2" in text, text
    assert "08.01.2021" in text


def test_no_ergaenzung_after_the_beschluss(repo, tmp_path, capsys) -> None:
    """walk-council 8: after the Beschluss, `lip ergaenzung` presented the council's own
    amendments as the administration's Ergänzung."""
    plan_dir = _both_antraege_voted(repo)
    council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))
    message = ("der Plan wurde am 28.01.2021 von der Ratsversammlung beschlossen (Fassung "
               "„Beschlossene Fassung“); eine Ergänzung schickt die Verwaltung nur vor dem "
               "Beschluss. Die Änderungen aus den angenommenen Änderungsanträgen zeigt: "
               "lip redline \"Verwaltungsentwurf\" \"Beschlossene Fassung\"")
    with pytest.raises(council_documents.DocumentError) as e:
        council_documents.ergaenzung_pdf(plan_dir, out_dir=tmp_path / "rat")
    assert str(e.value) == message
    from pipeline.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["ergaenzung", "--plan", str(plan_dir), "--ausgabe", str(tmp_path / "rat")])
    assert exited.value.code == 1
    assert capsys.readouterr().err.strip() == f"Fehler: {message}"
    assert not (tmp_path / "rat").exists()


@pytest.mark.parametrize(("count", "words"), [(1, "einem Kapitel"), (2, "zwei Kapiteln"),
                                               (12, "zwölf Kapiteln"), (13, "13 Kapiteln")])
def test_the_ergaenzung_counts_chapters_as_german_prose_does(count, words) -> None:
    from pipeline.commands.council_documents import _in_chapters

    assert _in_chapters(count) == words


def test_beschlussuebersicht_lists_every_punkt_of_the_meeting(repo, tmp_path) -> None:
    from pipeline.commands import council_documents

    plan_dir = _both_antraege_voted(repo)
    out = council_documents.beschlussuebersicht_pdf(plan_dir, gremium="internationaler-ausschuss",
                                                    datum=D(2021, 1, 14), out_dir=tmp_path)
    text = _pdf_text(out)
    assert "Beschlussübersicht Internationaler Ausschuss" in text and "Sitzung am 14.01.2021" in text
    assert text.count("angenommen") == 3 and "abgelehnt" in text and "nach Ziel 1.1.1 einfügen" in text
    with pytest.raises(council_documents.DocumentError, match="Sitzungen mit Abstimmungen: 14.01.2021"):
        council_documents.beschlussuebersicht_pdf(plan_dir, gremium="internationaler-ausschuss",
                                                  datum=D(2021, 1, 15), out_dir=tmp_path)
    with pytest.raises(council_documents.DocumentError, match="'rat' ist kein beschließendes "
                       "Gremium in plan/lip.yaml; möglich: internationaler-ausschuss"):
        council_documents.beschlussuebersicht_pdf(plan_dir, gremium="rat", datum=D(2021, 1, 14),
                                                  out_dir=tmp_path)


def test_the_beschlussuebersicht_of_the_deciding_meeting_includes_the_beschluss(repo, tmp_path) -> None:
    """walk-council 7: the Beschluss on the Drucksache was missing, rows came in the order
    the votes were recorded (1, 2, 4, 3), and the council office's document carried the
    plan department's name. walk-pdf-2 4: a row named its Vorlage „1 (Fraktion …)“ where
    the Drucksache's own row, the Beratungsverlauf and OParl say „Änderungsantrag 1 (…)“."""
    from pipeline.council.antraege import load_antraege

    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)
    _add(repo, "2-spd.md", ANTRAG_SPD)
    _vote(plan_dir, "1", punkte=[1, 2], dafuer=8, dagegen=3)
    _vote(plan_dir, "1", punkte=[3], abgelehnt=True, dafuer=2, dagegen=9)
    _vote(plan_dir, "2", einstimmig=True)
    rat = {"gremium": "ratsversammlung", "datum": D(2021, 1, 28)}
    _vote(plan_dir, "1", punkte=[3], abgelehnt=True, **rat)  # recorded first, listed after 1 and 2
    _vote(plan_dir, "2", einstimmig=True, **rat)
    _vote(plan_dir, "1", punkte=[1, 2], dafuer=40, dagegen=22, **rat)
    council.beschluss(plan_dir, **rat)
    plan = load_plan(plan_dir)
    rows = council_documents.beschlussuebersicht_rows(plan, load_antraege(plan)[0],
                                                      "ratsversammlung", D(2021, 1, 28))
    assert [r[:2] + r[3:4] for r in rows] == [
        ["Änderungsantrag 1 (Fraktion Bündnis 90/Die Grünen)", "1", "angenommen"],
        ["Änderungsantrag 1 (Fraktion Bündnis 90/Die Grünen)", "2", "angenommen"],
        ["Änderungsantrag 1 (Fraktion Bündnis 90/Die Grünen)", "3", "abgelehnt"],
        ["Änderungsantrag 2 (SPD-Fraktion)", "1", "angenommen"],
        ["Drucksache 0001/2020", "–", "beschlossen"]]
    assert rows[-1][2] == "Beschlussdrucksache mit 3 angenommenen Punkten aus Änderungsanträgen"
    committee = council_documents.beschlussuebersicht_rows(
        plan, load_antraege(plan)[0], "internationaler-ausschuss", D(2021, 1, 14))
    assert len(committee) == 4 and not any("Drucksache" in r[0] for r in committee)
    out = council_documents.beschlussuebersicht_pdf(plan_dir, out_dir=tmp_path, **rat)
    text = _pdf_text(out)
    assert text.startswith("Landeshauptstadt Hannover · Büro des Rates"), text
    assert "Migration und Integration" not in text and "Drucksache 0001/2020" in text
    # walk-pdf-2 1: five columns of one width split „än-dern“, „angenom-men“, „dage-gen“
    # beside a one-digit Punkt column; only the long Gegenstand of the Beschluss may wrap
    assert set(_split_words(out)) <= {"angenommenen", "Änderungsanträgen"}, _split_words(out)


def _split_words(pdf: Path, first: int = 1) -> list[str]:
    """The words a PDF hyphenates at a line end (from page `first` on)."""
    raw = subprocess.run(["pdftotext", "-f", str(first), str(pdf), "-"], capture_output=True,
                         text=True).stdout
    return [w.replace("\xad\n", "") for w in re.findall(r"\w*\xad\n\w*", raw)]


def test_check_reports_a_fassung_whose_revision_is_not_there(repo) -> None:
    plan_dir = _named(repo)
    manifest = plan_dir / "lip.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("fassungen:\n", "fassungen:\n  - name: Vorentwurf\n"
                                     "    rev: 0123456789abcdef0123456789abcdef01234567\n", 1),
                        encoding="utf-8")
    commit_all(git.Repo(repo), "Vorentwurf eingetragen")
    messages = _messages(plan_dir)
    assert any("fassungen[0].rev: die Revision '0123456789ab' der Fassung „Vorentwurf“ gibt es in "
               "diesem Repository nicht" in m for m in messages), messages


def test_fassungen_brought_along_with_a_copied_plan_are_left_alone(tmp_path, request) -> None:
    """A plan copied into a new repository names commits of its old one: nothing to compare."""
    request.getfixturevalue("fixed_git_dates")
    root = copy_plan("rat", tmp_path / "repo").parent
    manifest = root / "plan" / "lip.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "fassungen: []", "fassungen:\n  - name: 1. Fassung\n    rev: ff8ba22b2a49e689a4ff81dadbdf03582df1c410"),
        encoding="utf-8")
    init_repo(root)
    assert not [m for m in _messages(root / "plan") if "fassungen" in m]


# --- Punkte citing lines of the line-numbered PDF (issue 18.2) ---------------------------------


def _line_of(root: Path, phrase: str) -> tuple[int, int]:
    """Page and margin number of the line showing `phrase` in the Verwaltungsentwurf's PDF as
    the council gets it (lip build --rev … --zeilennummern), read here with pdftotext itself."""
    out = root.parent / "zeilen-pdf"
    code = subprocess.run([sys.executable, "-m", "pipeline", "build", "--plan", str(root / "plan"),
                           "--rev", "Verwaltungsentwurf", "--zeilennummern", "--format", "pdf",
                           "--output", str(out), "-q"], cwd=root, capture_output=True, text=True)
    assert code.returncode == 0, code.stderr
    text = subprocess.run(["pdftotext", "-layout", str(out / "LIP-2.0.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    for page_no, page in enumerate(text.split("\f"), 1):
        for line in page.split("\n"):
            m = re.match(r"\s*(\d+)\s{2,}(.*)", line)
            if m and phrase in m.group(2):
                return page_no, int(m.group(1))
    raise AssertionError(f"{phrase!r} not on a numbered line")


def _zeilen_antrag(punkte: str) -> str:
    head = ANTRAG_GRUENE.split("punkte:\n", 1)[0]
    return f"{head}punkte:\n{punkte}---\n\nBegründung: Die Zeilen sind ungenau.\n"


def test_a_punkt_citing_pdf_lines_is_checked_and_applied_to_the_passage_they_show(repo) -> None:
    plan_dir = _named(repo)
    seite, zeile = _line_of(repo, "Elternbegleiter*innen unterstützen")
    seite2, zeile2 = _line_of(repo, "Kitas verankern alltagsintegrierte")
    _add(repo, "1-gruene.md", _zeilen_antrag(
        f"  - nr: 1\n    art: streichen\n    zeilen: {{seite: {seite}, von: {zeile}}}\n"
        f"  - nr: 2\n    art: ändern\n    zeilen: {{seite: {seite2}, von: {zeile2}, bis: {zeile2}}}\n"
        f"    alt: \"für Kinder und Eltern\"\n    neu: \"für Kinder und ihre Familien\"\n"))
    assert not check(plan_dir).errors, _messages(plan_dir)
    pdf = council_documents.antrag_pdf(plan_dir, "1", repo / "build" / "rat")
    shown = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert f"Seite {seite}, Zeile {zeile} streichen" in shown
    _vote(plan_dir, "1", punkte=[1, 2], einstimmig=True)
    _vote(plan_dir, "1", punkte=[1, 2], gremium="ratsversammlung", datum=D(2021, 1, 28), einstimmig=True)
    council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))
    body = (plan_dir / "11-bildung.md").read_text(encoding="utf-8")
    assert "Elternbegleiter*innen" not in body
    assert "Sprachbildung für Kinder und ihre Familien." in body
    assert ("#### Maßnahme 1.1.2: Elternbegleitung beim Übergang in die Schule\n\nFederführung\n"
            ":   Fachbereich Schule") in body  # the struck paragraph leaves one blank line
    assert not check(plan_dir, final=True).errors


def test_lines_that_do_not_show_plan_text_are_reported_at_the_punkt(repo) -> None:
    plan_dir = _named(repo)
    seite, zeile = _line_of(repo, "Elternbegleiter*innen unterstützen")
    _add(repo, "1-gruene.md", _zeilen_antrag(
        f"  - nr: 1\n    art: streichen\n    zeilen: {{seite: {seite}, von: 999}}\n"
        f"  - nr: 2\n    art: streichen\n    zeilen: {{seite: 99, von: 1}}\n"
        f"  - nr: 3\n    art: ändern\n    zeilen: {{seite: {seite}, von: {zeile}}}\n"
        f"    alt: \"Hort\"\n    neu: \"Schule\"\n"))
    messages = _messages(plan_dir)
    assert any(f"punkte[1].zeilen: Seite {seite}, Zeile 999 gibt es im PDF der Fassung nicht" in m
               for m in messages), messages
    assert any("punkte[2].zeilen: Seite 99, Zeile 1 gibt es im PDF der Fassung nicht (das PDF hat"
               in m for m in messages), messages
    assert any(f"punkte[3].alt: der Wortlaut 'Hort' steht nicht in Seite {seite}, Zeile {zeile}" in m
               for m in messages), messages


def test_cited_lines_are_matched_whatever_the_layout_did_to_them() -> None:
    from pipeline.council.zeilen import Zeilen, resolve

    body = ("Die Stadt unterstützt die [Schulen](#kap-schule) beim Aufbau von **Beschwerde­wegen** "
            "und vermittelt\nKontakte.\n\nDie Stadt unterstützt auch Vereine.")
    pages = [{1: "Einleitung"}, {4: "Die Stadt unterstützt die Schulen beim Aufbau von Beschwer\u00ad",
                                 5: "dewegen und vermittelt Kontakte.", 6: "Die Stadt unterstützt"}]
    stelle, why = resolve({"11-bildung.md": body}, pages, Zeilen(2, 4, 5))
    assert why is None
    assert stelle.text == body.split("\n\n")[0]
    stelle, why = resolve({"11-bildung.md": body}, pages, Zeilen(2, 6, 6))
    assert stelle is None and "steht 2-mal im Plan" in why


def test_lines_beyond_a_one_page_pdf_are_named_in_the_singular() -> None:
    from pipeline.council.zeilen import Zeilen, resolve

    _, beyond = resolve({}, [{1: "Eine Zeile."}], Zeilen(seite=2, von=1, bis=1))
    _, past = resolve({}, [{1: "Eine Zeile."}], Zeilen(seite=1, von=3, bis=4))
    assert "das PDF hat 1 Seite)" in beyond and "die Seite hat 1 nummerierte Zeile)" in past


def test_a_council_body_is_named_by_its_key_or_its_name(repo) -> None:
    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)
    done = _vote(plan_dir, gremium="Internationaler Ausschuss", punkte=[1], einstimmig=True)
    assert done.message.startswith("Internationaler Ausschuss: Änderungsantrag 1")
    text = (plan_dir / "antraege" / "1-gruene.md").read_text(encoding="utf-8")
    assert "abstimmungen:\n  - gremium: internationaler-ausschuss\n" in text
    with pytest.raises(council.CouncilError, match="'Presse' ist kein beschließendes Gremium"):
        _vote(plan_dir, gremium="Presse", punkte=[2], einstimmig=True)


# --- who decides, and when (walk-through of the council office) --------------------------------


def _lip(plan_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """`lip ARGS` of this checkout (not of an installed copy), run in the plan's repository."""
    import os

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    return subprocess.run([sys.executable, "-m", "pipeline", *args, "--plan", str(plan_dir)],
                          capture_output=True, text=True, cwd=plan_dir.parent, env=env)


def test_only_the_body_with_the_final_word_makes_the_beschluss(repo) -> None:
    plan_dir = _both_antraege_voted(repo)
    before = snapshot(repo)
    with pytest.raises(council.CouncilError, match=re.escape(
            "den Beschluss fasst die Ratsversammlung, das letzte beschließende Gremium der "
            "Beratungsfolge; was der Internationale Ausschuss abstimmt, ist eine Empfehlung. "
            "Nach den Abstimmungen in der Ratsversammlung: lip beschluss --gremium "
            "ratsversammlung --datum TT.MM.JJJJ")):
        council.beschluss(plan_dir, gremium="internationaler-ausschuss", datum=D(2021, 1, 14))
    assert snapshot(repo) == before


def test_a_point_the_rat_postponed_blocks_the_beschluss(repo) -> None:
    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)
    _add(repo, "2-spd.md", ANTRAG_SPD)
    _vote(plan_dir, "1", einstimmig=True)
    _vote(plan_dir, "2", abgelehnt=True, dafuer=2, dagegen=9)
    _vote(plan_dir, "1", gremium="ratsversammlung", datum=D(2021, 1, 28), punkte=[1, 2], einstimmig=True)
    _vote(plan_dir, "1", gremium="ratsversammlung", datum=D(2021, 1, 28), punkte=[3], vertagt=True)
    before = snapshot(repo)
    with pytest.raises(council.CouncilError, match=re.escape(
            "die Ratsversammlung hat noch nicht über alle Punkte abgestimmt: Antrag 1, Punkt 3 "
            "(vertagt); Antrag 2, Punkt 1")):
        council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))
    assert snapshot(repo) == before


def test_after_the_beschluss_old_antraege_take_no_votes_and_a_second_beschluss_says_why(repo) -> None:
    plan_dir = _both_antraege_voted(repo)
    council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))
    late = ANTRAG_GRUENE.replace('nummer: "1"', 'nummer: "3"').replace("2021-01-05", "2021-03-01") \
        .replace('massnahme: "1.1.2"', 'massnahme: "1.1.3"')
    _add(repo, "3-spaet.md", late)
    before = snapshot(repo)
    with pytest.raises(council.CouncilError, match=re.escape(
            "über den Änderungsantrag 3 (Fraktion Bündnis 90/Die Grünen) hat die "
            "Ratsversammlung am 28.01.2021 schon beschlossen (Fassung „Beschlossene Fassung“)")):
        _vote(plan_dir, "3", datum=D(2021, 3, 4), einstimmig=True)
    with pytest.raises(council.CouncilError, match=re.escape(
            "die Ratsversammlung hat den Plan am 28.01.2021 schon beschlossen (Fassung "
            "„Beschlossene Fassung“); die angenommenen Punkte der Änderungsanträge stehen schon "
            "im Text.")):
        council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 3, 25), name="Beschluss 2")
    assert snapshot(repo) == before


def test_a_beschluss_dated_before_the_rats_last_vote_is_refused_and_reported(repo) -> None:
    plan_dir = _both_antraege_voted(repo)
    before = snapshot(repo)
    with pytest.raises(council.CouncilError, match=re.escape(
            "Beschluss am 27.01.2021 liegt vor der Abstimmung vom 28.01.2021 in der "
            "Ratsversammlung")):
        council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 27))
    assert snapshot(repo) == before
    council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))
    manifest = plan_dir / "lip.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("gremium: ratsversammlung\n      datum: 2021-01-28",
                                     "gremium: ratsversammlung\n      datum: 2021-01-20"),
                        encoding="utf-8")
    assert any(": fassungen[1].beschluss.datum: Beschluss am 20.01.2021 liegt vor der Abstimmung "
               "vom 28.01.2021" in m for m in _messages(plan_dir)), _messages(plan_dir)


def test_dates_in_the_future_are_refused_when_recording(repo) -> None:
    from pipeline.commands import record

    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)
    before = snapshot(repo)
    future = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(council.CouncilError, match=f"das Datum {future:%d.%m.%Y} liegt in der Zukunft"):
        _vote(plan_dir, datum=future, einstimmig=True)
    with pytest.raises(council.CouncilError, match="liegt in der Zukunft"):
        council.beschluss(plan_dir, gremium="ratsversammlung", datum=future)
    with pytest.raises(record.RecordError, match="liegt in der Zukunft"):
        record.submit(plan_dir, "bildung", datum=future)
    assert snapshot(repo) == before


def test_check_warns_for_a_deciding_body_without_seats(repo) -> None:
    manifest = repo / "plan" / "lip.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("    sitze: 65\n", ""),
                        encoding="utf-8")
    assert any(m.startswith("plan/lip.yaml:") and "gremien.ratsversammlung.sitze: Warnung: "
               "Ratsversammlung: die Zahl der stimmberechtigten Sitze fehlt (sitze: N)" in m
               for m in _messages(repo / "plan")), _messages(repo / "plan")


def test_the_shipped_plan_gives_every_deciding_body_its_seats() -> None:
    from pipeline.council.antraege import council_bodies

    plan = load_plan(Path(__file__).resolve().parent.parent / "plan")
    seats = {k: plan.manifest.gremien[k].get("sitze") for k in council_bodies(plan)}
    assert seats == {"internationaler-ausschuss": 11, "verwaltungsausschuss": 11,
                     "ratsversammlung": 65}


@pytest.mark.parametrize(("old", "new", "message"), [
    ("ergebnis: angenommen", "ergebnis: abgelehnt",
     "abstimmungen[0].ergebnis: 8 dafür und 2 dagegen ist eine Annahme, keine Ablehnung"),
    ("ergebnis: angenommen", "ergebnis: vertagt",
     "abstimmungen[0].ergebnis: ein Punkt, der vertagt wurde, hat kein Stimmergebnis"),
])
def test_check_rejects_a_recorded_result_its_counts_contradict(repo, old, new, message) -> None:
    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)
    _vote(plan_dir, punkte=[1], dafuer=8, dagegen=2)
    path = plan_dir / "antraege" / "1-gruene.md"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    assert any(m.startswith("plan/antraege/1-gruene.md:") and message in m
               for m in _messages(plan_dir)), _messages(plan_dir)


def test_an_antrag_with_broken_yaml_stops_status_site_and_build(repo, tmp_path) -> None:
    plan_dir = _named(repo)
    broken = ANTRAG_GRUENE.replace('alt: "für Kinder und Eltern"', 'alt: "für Kinder und Eltern')
    _add(repo, "1-gruene.md", broken)
    where = "plan/antraege/1-gruene.md:14: kopf: YAML-Syntaxfehler: das Anführungszeichen"  # the alt line
    status = _lip(plan_dir, "status")
    assert status.returncode == 1 and where in status.stderr, status.stderr
    site = _lip(plan_dir, "site", "--ausgabe", str(tmp_path / "site"))
    assert site.returncode == 1 and where in site.stderr, site.stderr
    assert not (tmp_path / "site").exists()
    build = _lip(plan_dir, "build", "--format", "html", "--ausgabe", str(tmp_path / "build"))
    assert build.returncode == 1 and where in build.stderr, build.stderr
    assert "Traceback" not in status.stderr + site.stderr + build.stderr


# --- conflicts and links --------------------------------------------------------------------------


_ZEITRAUM = """\
---
nummer: "2"
titel: Änderungsantrag zum Zeitraum
antragsteller:
  art: Fraktion
  name: SPD-Fraktion
datum: 2021-01-06
fassung: Verwaltungsentwurf
gremium: internationaler-ausschuss
punkte:
  - nr: 1
    art: ändern
    massnahme: "1.1.1"
    alt: "{alt}"
    neu: "{neu}"
---

Begründung.
"""


def test_two_antraege_changing_different_words_of_one_massnahme_do_not_conflict(repo) -> None:
    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE.replace(
        '  - nr: 3\n    art: streichen\n    massnahme: "1.1.2"\n', ""))
    _add(repo, "2-spd.md", _ZEITRAUM.format(alt="2021–2023", neu="2021–2022"))
    report = check(plan_dir)
    assert not report.errors and not report.warnings, [str(d) for d in report.diagnostics]
    for gremium, day in (("internationaler-ausschuss", 14), ("ratsversammlung", 28)):
        for key in ("1", "2"):
            _vote(plan_dir, key, gremium=gremium, datum=D(2021, 1, day), einstimmig=True)
    council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))
    body = (plan_dir / "11-bildung.md").read_text(encoding="utf-8")
    assert "für Kinder, Eltern und Großeltern" in body and ":   2021–2022" in body


def test_two_antraege_changing_overlapping_words_conflict(repo) -> None:
    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)
    _add(repo, "2-spd.md", _ZEITRAUM.format(alt="Kinder und Eltern", neu="Familien"))
    warnings = [str(d) for d in check(plan_dir).warnings]
    assert any("2-spd.md:" in w and "Punkt 1 betrifft denselben Text (Maßnahme 1.1.1) wie Punkt 1 "
               "des Änderungsantrags 1" in w for w in warnings), warnings
    for gremium, day in (("internationaler-ausschuss", 14), ("ratsversammlung", 28)):
        for key in ("1", "2"):
            _vote(plan_dir, key, gremium=gremium, datum=D(2021, 1, day), einstimmig=True)
    with pytest.raises(council.CouncilError, match="Antrag 1, Punkt 1 und Antrag 2, Punkt 1 "
                                                   "ändern beide Maßnahme 1.1.1"):
        council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))


def test_striking_a_linked_massnahme_is_warned_at_check_and_explained_at_beschluss(repo) -> None:
    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE.replace('massnahme: "1.1.2"', 'massnahme: "1.1.1"')
         .replace('  - nr: 1\n    art: ändern\n    massnahme: "1.1.1"\n    alt: "für Kinder und Eltern"\n'
                  '    neu: "für Kinder, Eltern und Großeltern"\n', ""))
    warnings = [str(d) for d in check(plan_dir).warnings]
    assert any(w.startswith("plan/antraege/1-gruene.md:") and "punkte[3]: Warnung: Punkt 3 "
               "(Maßnahme 1.1.1 streichen): auf den Text verweist noch plan/01-haltung.md:37 "
               "(#m-1-1-1); wird der Punkt beschlossen, führt der Verweis ins Leere" in w
               for w in warnings), warnings
    for gremium, day in (("internationaler-ausschuss", 14), ("ratsversammlung", 28)):
        _vote(plan_dir, "1", gremium=gremium, datum=D(2021, 1, day), einstimmig=True)
    before = snapshot(repo)
    with pytest.raises(council.CouncilError, match=re.escape(
            "Antrag 1, Punkt 3 (Maßnahme 1.1.1 streichen): es verweist noch "
            "plan/01-haltung.md:37 (#m-1-1-1). Die Verweise als redaktionelle Folgeänderung "
            "anpassen")):
        council.beschluss(plan_dir, gremium="ratsversammlung", datum=D(2021, 1, 28))
    assert snapshot(repo) == before


def test_berichtigen_refuses_a_number_that_names_a_chapter_and_an_antrag(repo) -> None:
    from pipeline.commands import record

    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)
    before = snapshot(repo)
    with pytest.raises(record.RecordError, match=re.escape(
            "'1' ist mehrdeutig: Kapitel 1 Bildung und Änderungsantrag 1 (Fraktion Bündnis "
            "90/Die Grünen), plan/antraege/1-gruene.md; nichts wurde festgehalten. Bitte eindeutig "
            "angeben: für den Beratungsverlauf des Kapitels lip berichtigen bildung --grund \"…\", "
            "für die Abstimmungen des Antrags lip berichtigen 1-gruene --grund \"…\"")):
        record.correct(plan_dir, "1", grund="Datum falsch")
    assert snapshot(repo) == before


@pytest.mark.parametrize("command", ["abstimmung", "beschluss", "beschlussuebersicht"])
def test_council_help_examples_write_dates_as_their_option_asks(command) -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli

    text = CliRunner().invoke(cli, [command, "--help"]).output
    assert "(TT.MM.JJJJ" in text and re.search(r"--datum \d\d\.\d\d\.\d{4}", text), text
    assert not re.search(r"\d{4}-\d\d-\d\d", text), text


# --- recorded votes are append-only ------------------------------------------------------------


def _voted_once(repo: Path) -> tuple[Path, Path, str]:
    """The Grüne Antrag with one vote of the Ausschuss on Punkte 1 and 2 (8:3); its file and
    the vote's commit."""
    plan_dir = _named(repo)
    _add(repo, "1-gruene.md", ANTRAG_GRUENE)
    done = _vote(plan_dir, punkte=[1, 2], dafuer=8, dagegen=3)
    return plan_dir, plan_dir / "antraege" / "1-gruene.md", done.commit


def _line(path: Path, text: str) -> int:
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


def test_a_hand_edit_of_a_recorded_vote_is_refused_by_check_and_hook(repo) -> None:
    plan_dir, path, sha = _voted_once(repo)
    path.write_text(path.read_text(encoding="utf-8").replace("dafuer: 8", "dafuer: 7"),
                    encoding="utf-8")  # 7:3 still an Annahme: only the history can tell
    line = _line(path, "    dafuer: 7")
    expected = (f"plan/antraege/1-gruene.md:{line}: abstimmungen[0].dafuer: Eintrag (14.01.2021, "
                f"Internationaler Ausschuss, angenommen) aus Commit {sha[:10]} wurde nachträglich "
                f"geändert (Stimmen dafür 8 → 7); der Beratungsverlauf wird nur ergänzt. Die Datei mit "
                f"dem Eintrag zurückholen: git checkout {sha[:10]} -- plan/antraege/1-gruene.md "
                f"(verwirft spätere Änderungen an der Datei), oder die Berichtigung begründet "
                f"festhalten: lip berichtigen 1-gruene --grund \"…\"")
    assert _messages(plan_dir) == [expected]
    git.Repo(repo).git.add("-A")
    hook = _lip(plan_dir, "hooks", "run")
    assert hook.returncode == 1 and expected in hook.stdout + hook.stderr, hook


def test_a_changed_date_and_a_removed_vote_are_named_at_their_lines(repo) -> None:
    plan_dir, path, sha = _voted_once(repo)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("datum: 2021-01-14", "datum: 2021-01-15"), encoding="utf-8")
    line = _line(path, "    datum: 2021-01-15")
    assert _messages(plan_dir) == [
        f"plan/antraege/1-gruene.md:{line}: abstimmungen[0].datum: Eintrag (14.01.2021, "
        f"Internationaler Ausschuss, angenommen) aus Commit {sha[:10]} wurde nachträglich "
        f"geändert (Datum 14.01.2021 → 15.01.2021); der Beratungsverlauf wird nur ergänzt. Die "
        f"Datei mit dem Eintrag zurückholen: git checkout {sha[:10]} -- "
        f"plan/antraege/1-gruene.md (verwirft spätere Änderungen an der Datei), oder die "
        f"Berichtigung begründet festhalten: lip berichtigen 1-gruene --grund \"…\""]
    path.write_text(text[:text.index("abstimmungen:")] + text[text.index("---\n\n"):],
                    encoding="utf-8")
    commit_all(git.Repo(repo), "Abstimmung aufgeräumt")  # a commit does not make it right
    [message] = _messages(plan_dir)
    assert message.startswith("plan/antraege/1-gruene.md:")
    assert (f": abstimmungen[0]: Eintrag (14.01.2021, Internationaler Ausschuss, angenommen) aus "
            f"Commit {sha[:10]} wurde entfernt;") in message


def test_lip_berichtigen_corrects_a_recorded_vote_and_every_output_shows_it(repo) -> None:
    from pipeline.assemble import consultation_markdown

    plan_dir, path, _ = _voted_once(repo)
    path.write_text(path.read_text(encoding="utf-8").replace("dafuer: 8", "dafuer: 7")
                    .replace("datum: 2021-01-14", "datum: 2021-01-15"), encoding="utf-8")
    assert check(plan_dir).errors
    done = _lip(plan_dir, "berichtigen", "1-gruene", "--grund", "laut Protokoll", "--datum",
                "2021-01-20")
    assert done.returncode == 0, done.stderr
    assert "Abstimmungen zum Änderungsantrag 1 (Fraktion Bündnis 90/Die Grünen) berichtigt" \
        in done.stderr
    r = git.Repo(repo)
    assert r.git.status("--porcelain") == ""  # the corrected vote and its record: one commit
    assert [d.a_path for d in r.head.commit.diff("HEAD~1")] == ["plan/antraege/1-gruene.md"]
    assert "Lip-Eintrag: berichtigung" in r.head.commit.message
    what = ("Abstimmung Internationaler Ausschuss vom 14.01.2021 (Punkte 1 und 2: angenommen): "
            "Datum 14.01.2021 → 15.01.2021; Stimmen dafür 8 → 7")
    assert (f"berichtigungen:\n  - datum: 2021-01-20\n    von: Fachberatung OE 50.6\n"
            f"    grund: laut Protokoll\n    eintraege:\n      - '{what}'\n---\n") \
        in r.git.show("HEAD:plan/antraege/1-gruene.md")
    assert not check(plan_dir).errors
    line = f"berichtigt von Fachberatung OE 50.6: {what}. Grund: laut Protokoll"
    verlauf = _lip(plan_dir, "verlauf", "1-gruene")
    assert verlauf.returncode == 0, verlauf.stderr
    assert f"20.01.2021  Berichtigung     {line}" in verlauf.stdout
    assert ("15.01.2021  Abstimmung       Internationaler Ausschuss: Punkte 1 und 2 angenommen "
            "(7 dafür – 3 dagegen)") in verlauf.stdout
    annex = consultation_markdown(load_plan(plan_dir))
    assert "berichtigt (B1)" in annex
    assert f"- B1, 20.01.2021, Änderungsantrag 1 (Fraktion Bündnis 90/Die Grünen): {line}" in annex
    antraege = committed_antraege(plan_dir)
    [(a, b)] = council_documents.meeting_corrections(antraege, "Internationaler Ausschuss",
                                                     D(2021, 1, 15))  # its Beschlussübersicht
    assert a.nummer == "1" and b.zeile == line
    again = _lip(plan_dir, "berichtigen", "1-gruene", "--grund", "nochmal")
    assert again.returncode != 0 and "unverändert" in again.stderr, again.stderr


def test_a_correction_that_makes_an_impossible_vote_is_refused_and_nothing_changes(repo) -> None:
    from pipeline.commands import record

    plan_dir, path, _ = _voted_once(repo)
    path.write_text(path.read_text(encoding="utf-8").replace("dafuer: 8", "dafuer: 2"),
                    encoding="utf-8")
    before = snapshot(repo)
    with pytest.raises(council.CouncilError, match=re.escape(
            "abstimmungen[0].ergebnis: 2 dafür und 3 dagegen ist keine Mehrheit dafür, also eine "
            "Ablehnung, keine Annahme. Berichtigen nicht möglich")):
        record.correct(plan_dir, "1-gruene", grund="Tippfehler")
    assert snapshot(repo) == before


def test_antraege_come_in_the_order_of_their_numbers_everywhere(tmp_path) -> None:
    """One order of Anträge (wording.number_order): the open Punkte `lip beschluss` names, the
    rows of the Beschlussübersicht, the site's Anträge page and the OParl export listed
    „2a“ and „10“ each in an order of their own (by file name, „2a“ after „10“, by length)."""
    from pipeline.commands.site_data import antraege_views
    from pipeline.council import oparl
    from pipeline.council.antraege import load_antraege
    from pipeline.council.beschluss import open_points
    from pipeline.history import PlanHistory

    plan_dir = copy_plan("rat", tmp_path)
    (plan_dir / "antraege").mkdir()
    vote = ("abstimmungen:\n  - gremium: internationaler-ausschuss\n    datum: 2021-01-14\n"
            "    punkte: [1]\n    ergebnis: angenommen\n    einstimmig: true\n---\n\nBegr")
    for nummer in ("10", "2a", "2", "1"):
        text = ANTRAG_SPD.replace('nummer: "2"', f'nummer: "{nummer}"').replace("---\n\nBegr", vote)
        (plan_dir / "antraege" / f"{nummer}-spd.md").write_text(text, encoding="utf-8")
    plan = load_plan(plan_dir)
    antraege = load_antraege(plan)[0]
    order = ["1", "2", "2a", "10"]
    assert open_points(antraege, "ratsversammlung") == [f"Antrag {n}, Punkt 1" for n in order]
    rows = council_documents.beschlussuebersicht_rows(plan, antraege, "internationaler-ausschuss",
                                                      D(2021, 1, 14))
    assert [r[0].split(" ")[1] for r in rows] == order
    views, _ = antraege_views(plan, PlanHistory(None))
    assert [v.antrag.nummer for v in views] == order
    objects = oparl.build(plan, antraege, base_url="https://example.org/oparl",
                          committed=dt.datetime(2021, 2, 1, tzinfo=dt.UTC), pdfs=[])
    papers = [o["reference"] for o in objects.values() if o.get("paperType") == "Änderungsantrag"]
    assert [p.rsplit(" ", 1)[1] for p in papers] == order


def test_check_names_punkte_voted_on_that_the_antrag_lacks_as_one_list(tmp_path) -> None:
    """„Punkte 4 und 5 … vorhanden: 1–3“ (wording.punkte_text), not „Punkt 4, 5 … 1, 2, 3“."""
    from pipeline.council.antraege import check_antraege, load_antraege
    from pipeline.diagnostics import Report

    plan_dir = copy_plan("rat", tmp_path)
    (plan_dir / "antraege").mkdir()
    vote = ("abstimmungen:\n  - gremium: internationaler-ausschuss\n    datum: 2021-01-14\n"
            "    punkte: [5, 4]\n    ergebnis: angenommen\n    einstimmig: true\n---\n\nBegr")
    (plan_dir / "antraege" / "1-gruene.md").write_text(ANTRAG_GRUENE.replace("---\n\nBegr", vote),
                                                       encoding="utf-8")
    plan = load_plan(plan_dir)
    report = Report()
    check_antraege(plan, load_antraege(plan)[0], {}, report)
    assert [d.message for d in report.diagnostics if d.field == "abstimmungen[0].punkte"] == [
        "Punkte 4 und 5 gibt es in diesem Antrag nicht; vorhanden: 1–3"]


# --- the recorded Beschluss and Fassungen are append-only ----------------------------------------


@pytest.fixture(scope="module")
def _decided_template(tmp_path_factory) -> Path:
    """The rat plan after `lip beschluss` with its vote (40:22:3), built once per module (the
    votes and the Beschluss take seconds); `decided` hands each test its own copy."""
    from support.repos import EDITOR, FIXED

    with pytest.MonkeyPatch.context() as mp:
        for who in ("AUTHOR", "COMMITTER"):  # as fixed_git_dates: the same SHAs on every run
            mp.setenv(f"GIT_{who}_DATE", FIXED)
            mp.setenv(f"GIT_{who}_NAME", EDITOR.name)
            mp.setenv(f"GIT_{who}_EMAIL", EDITOR.email)
        root = copy_plan("rat", tmp_path_factory.mktemp("beschluss") / "repo").parent
        (root / ".gitignore").write_text("build/\n", encoding="utf-8")
        init_repo(root)
        council.beschluss(_both_antraege_voted(root), gremium="ratsversammlung",
                          datum=D(2021, 1, 28), dafuer=40, dagegen=22, enthaltungen=3)
    return root


@pytest.fixture
def decided(_decided_template, tmp_path, request) -> Path:
    import shutil

    request.getfixturevalue("fixed_git_dates")
    shutil.copytree(_decided_template, tmp_path / "repo")
    return tmp_path / "repo"


BESCHLUSS = "Beschluss Ratsversammlung vom 28.01.2021, Fassung „Beschlossene Fassung“"


def test_a_hand_edit_of_the_beschluss_or_a_fassung_is_refused_by_check_and_hook(decided) -> None:
    manifest = decided / "plan" / "lip.yaml"
    sha = git.Repo(decided).head.commit.hexsha[:10]  # the commit that named it
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("      dagegen: 22", "      dagegen: 21")  # still possible
                        .replace("    datum: 2020-12-08", "    datum: 2020-12-09"), encoding="utf-8")
    named = git.Repo(decided).git.log("--format=%H", "--grep=Fassung „Verwaltungsentwurf“ benannt")
    restore = (f"Die Datei mit dem Eintrag zurückholen: git checkout {sha} -- plan/lip.yaml "
               f"(verwirft spätere Änderungen an der Datei), oder die Berichtigung begründet "
               f"festhalten")  # the newest commit that holds both entries as recorded
    expected = [
        f"plan/lip.yaml:{_line(manifest, '    datum: 2020-12-09')}: fassungen[0].datum: Eintrag "
        f"(Fassung „Verwaltungsentwurf“, 08.12.2020) aus Commit {named[:10]} wurde nachträglich "
        f"geändert (Datum 08.12.2020 → 09.12.2020); der Beratungsverlauf wird nur ergänzt. "
        f"{restore}: lip berichtigen fassung --grund \"…\"",
        f"plan/lip.yaml:{_line(manifest, '      dagegen: 21')}: fassungen[1].beschluss.dagegen: "
        f"Eintrag ({BESCHLUSS}) aus Commit {sha} wurde nachträglich geändert (Beschluss: Stimmen "
        f"dagegen 22 → 21); der Beratungsverlauf wird nur ergänzt. "
        f"{restore}: lip berichtigen beschluss --grund \"…\""]
    assert _messages(decided / "plan") == expected
    git.Repo(decided).git.add("-A")
    hook = _lip(decided / "plan", "hooks", "run")
    assert hook.returncode == 1 and all(m in hook.stdout + hook.stderr for m in expected), hook


def test_a_removed_beschluss_and_a_removed_fassung_are_named_even_when_committed(decided) -> None:
    manifest = decided / "plan" / "lip.yaml"
    sha = git.Repo(decided).head.commit.hexsha[:10]
    text = manifest.read_text(encoding="utf-8")
    start = text.index("    beschluss:\n")
    manifest.write_text(text[:start] + text[text.index("    texte:\n", start):], encoding="utf-8")
    [message] = [str(d) for d in check(decided / "plan").errors]
    assert message.startswith(f"plan/lip.yaml:{_line(manifest, '  - name: Beschlossene Fassung')}: "
                              f"fassungen[1].beschluss: Eintrag ({BESCHLUSS}) aus Commit {sha} "
                              f"wurde nachträglich geändert (Beschluss entfernt);"), message
    start = text.index("  - name: Beschlossene Fassung\n")
    manifest.write_text(text[:start] + text[text.index("drucksache:\n"):], encoding="utf-8")
    commit_all(git.Repo(decided), "Fassung aufgeräumt")  # a commit does not make it right
    [message] = [str(d) for d in check(decided / "plan").errors]
    assert message.startswith("plan/lip.yaml:") and (
        f": fassungen[1]: Eintrag ({BESCHLUSS}) aus Commit {sha} wurde entfernt;") in message
    assert message.endswith("lip berichtigen beschluss --grund \"…\""), message


def _follow_hint(message: str, repo: Path) -> None:
    """Run the command the message gives to bring the entry back, as an editor would paste it."""
    import shlex

    command = re.search(r"zurückholen: (git checkout .+?) \(verwirft", message)
    assert command, message
    subprocess.run(shlex.split(command.group(1)), cwd=repo, check=True, capture_output=True)


@pytest.mark.parametrize("committed", [False, True], ids=["im-arbeitsstand", "committet"])
def test_the_hint_of_a_changed_beschluss_brings_it_back(decided, committed) -> None:
    """The message's command restores the recorded Beschluss, whether the hand edit is only in
    the working tree or was committed past the hook; lip check passes, and other files keep
    their edits."""
    manifest, chapter = decided / "plan" / "lip.yaml", decided / "plan" / "11-bildung.md"
    recorded = manifest.read_text(encoding="utf-8")
    manifest.write_text(recorded.replace("      dagegen: 22", "      dagegen: 21"), encoding="utf-8")
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nNoch ein Satz.\n", encoding="utf-8")
    edited = chapter.read_text(encoding="utf-8")
    if committed:
        commit_all(git.Repo(decided), "Stimmen von Hand berichtigt")
    [message] = [str(d) for d in check(decided / "plan").errors]
    _follow_hint(message, decided)
    assert manifest.read_text(encoding="utf-8") == recorded
    assert chapter.read_text(encoding="utf-8") == edited
    assert not check(decided / "plan").errors


def test_lip_berichtigen_beschluss_corrects_it_in_one_commit_and_every_output_shows_it(decided) -> None:
    from pipeline.assemble import consultation_markdown
    from pipeline.commands.site import council_items_for
    from pipeline.council.beratung import beschluss_corrections, council_entries

    plan_dir, manifest = decided / "plan", decided / "plan" / "lip.yaml"
    edited = (manifest.read_text(encoding="utf-8").replace("      dagegen: 22", "      dagegen: 21")
              .replace("      datum: 2021-01-28", "      datum: 2021-01-29"))  # the Beschluss's
    manifest.write_text(edited, encoding="utf-8")
    assert check(plan_dir).errors
    done = _lip(plan_dir, "berichtigen", "beschluss", "--grund", "laut Niederschrift", "--datum",
                "2021-02-03")
    assert done.returncode == 0, done.stderr
    assert "Beschluss über den Plan berichtigt" in done.stderr
    r = git.Repo(decided)
    assert r.git.status("--porcelain") == ""  # the corrected Beschluss and its record: one commit
    assert [d.a_path for d in r.head.commit.diff("HEAD~1")] == ["plan/lip.yaml"]
    assert "Lip-Eintrag: berichtigung" in r.head.commit.message
    what = ("Beschluss Ratsversammlung vom 28.01.2021 (Fassung „Beschlossene Fassung“): Datum "
            "28.01.2021 → 29.01.2021; Beschreibung geändert; Beschluss: Datum 28.01.2021 → "
            "29.01.2021, Stimmen dagegen 22 → 21")
    # the Fassung's date and description follow the Beschluss's; every other line as it was
    assert manifest.read_text(encoding="utf-8") == edited.replace(
        "    datum: 2021-01-28\n", "    datum: 2021-01-29\n").replace(
        "Ratsversammlung am 28.01.2021", "Ratsversammlung am 29.01.2021").replace(
        "drucksache:\n", f"berichtigungen:\n  - datum: 2021-02-03\n    von: Fachberatung OE 50.6\n"
                         f"    grund: laut Niederschrift\n    eintraege:\n      - '{what}'\n"
                         f"drucksache:\n", 1)
    assert not check(plan_dir).errors
    line = f"berichtigt von Fachberatung OE 50.6: {what}. Grund: laut Niederschrift"
    verlauf = _lip(plan_dir, "verlauf", "beschluss")
    assert verlauf.returncode == 0, verlauf.stderr
    beschluss = ("der Ratsversammlung: gesamter Plan beschlossen (40 dafür – 21 dagegen – "
                 "3 Enthaltungen), Fassung „Beschlossene Fassung“")
    assert f"29.01.2021  Beschluss        {beschluss}" in verlauf.stdout
    assert f"03.02.2021  Berichtigung     {line}" in verlauf.stdout
    assert f"03.02.2021  Berichtigung     {line}" in _lip(plan_dir, "verlauf", "1-gruene").stdout
    plan = load_plan(plan_dir)
    annex = consultation_markdown(plan)
    assert "berichtigt (B1)" in annex and f"- B1, 03.02.2021, gesamter Plan: {line}" in annex
    [b] = beschluss_corrections(plan, "Ratsversammlung", D(2021, 1, 29))  # its Beschlussübersicht
    assert b.zeile == line
    items = council_items_for(plan, plan.chapters[0], [], council_entries(plan), None)  # a chapter's Verlauf
    assert {"kind": "berichtigung", "date": D(2021, 2, 3), "git": [], "council": True,
            "zeile": f"Beschluss, {line}"} in items
    assert [i["step"].text for i in items if i["kind"] == "rat" and i["step"].art == "Beschluss"
            ] == [beschluss]  # the site's words for the corrected Beschluss, as lip verlauf's
    again = _lip(plan_dir, "berichtigen", "beschluss", "--grund", "nochmal")
    assert again.returncode == 1 and "unverändert" in again.stderr, again.stderr


def _run(args: list[str], capsys) -> tuple[int, str]:
    """`lip ARGS` in this process (as a user runs it, without a new interpreter per call)."""
    from pipeline.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(args)
        raise SystemExit(0)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out + captured.err


def test_a_beschluss_with_a_bad_date_gets_the_same_message_from_every_command(decided,
                                                                            capsys) -> None:
    """One reader of the Beschluss (plan.fassungen.beschluesse): a date that is none is the
    located message of lip check wherever the Beschluss would be shown, never a Verlauf or a
    Stand that silently lacks it (lip verlauf and lip status did) nor a traceback."""
    manifest = decided / "plan" / "lip.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "      datum: 2021-01-28", "      datum: 28.01.2021"), encoding="utf-8")
    message = (f"plan/lip.yaml:{_line(manifest, '      datum: 28.01.2021')}: "
               f"fassungen[1].beschluss.datum: kein gültiges Datum: '28.01.2021'; erwartet "
               f"JJJJ-MM-TT, z. B. 2020-03-12")
    plan = str(decided / "plan")
    for args in (["check"], ["status"], ["verlauf", "beschluss"], ["verlauf", "bildung"],
                 ["verlauf", "1-gruene"], ["build", "--format", "html"],
                 ["site", "--ausgabe", str(decided / "site")]):
        code, out = _run([*args, "--plan", plan], capsys)
        assert code == 1 and message in out.splitlines(), (args, out)
        assert "Traceback" not in out
    code, out = _run(["site", "--trotz-fehlern", "--ausgabe", str(decided / "site"), "--plan",
                      plan], capsys)  # the votes stay; the page says what is missing and why
    page = (decided / "site" / "antraege.html").read_text(encoding="utf-8")
    assert code == 0 and "Der Beschluss in plan/lip.yaml ist nicht lesbar und fehlt im " \
        "Beratungsverlauf (Einzelheiten: lip check)." in page and "8 dafür – 3 dagegen" in page


def test_the_council_documents_stop_at_a_committed_beschluss_with_a_bad_date(decided,
                                                                          capsys) -> None:
    """walk-docs2 4: lip oparl read the Beschluss's date itself (a traceback on
    „28.01.2021“), the Beschlussübersicht and the Ergänzung read no Beschluss at all (the
    meeting's Beschluss missing from its overview; an Ergänzung after the Beschluss). They read
    the committed plan: a Beschluss lip check cannot read stops them with its located message,
    and nothing is written."""
    manifest = decided / "plan" / "lip.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "      datum: 2021-01-28", "      datum: 28.01.2021"), encoding="utf-8")
    repo = git.Repo(decided)
    repo.git.commit("-qam", "Beschluss von Hand geändert")
    message = (f"plan/lip.yaml:{_line(manifest, '      datum: 28.01.2021')}: "
               f"fassungen[1].beschluss.datum: kein gültiges Datum: '28.01.2021'; erwartet "
               f"JJJJ-MM-TT, z. B. 2020-03-12")
    out = decided / "ausgabe"
    for args in (["oparl", "--basis-url", "https://rat.example/oparl", "--ausgabe", str(out)],
                 ["beschlussuebersicht", "--gremium", "ratsversammlung", "--datum", "2021-01-28",
                  "--ausgabe", str(out)],
                 ["ergaenzung", "--ausgabe", str(out)]):
        code, said = _run([*args, "--plan", str(decided / "plan")], capsys)
        assert code == 1 and message in said.splitlines(), (args, said)
        assert "Traceback" not in said and not out.exists(), (args, said)
    assert repo.git.status("--porcelain") == ""


@pytest.mark.parametrize(("old", "new", "message"), [
    ("      dagegen: 22", "      dagegen: 50",
     "fassungen[1].beschluss: 40 dafür und 50 dagegen ist keine Mehrheit dafür, also eine "
     "Ablehnung, keine Annahme"),
    ("      dafuer: 40", "      dafuer: 60", "fassungen[1].beschluss: 85 Stimmen, aber die "
                                             "Ratsversammlung hat 65 Sitze"),
    ("      datum: 2021-01-28", "      datum: 2021-01-27",
     "fassungen[1].beschluss.datum: Beschluss am 27.01.2021 liegt vor der Abstimmung vom "
     "28.01.2021"),
    ("      datum: 2021-01-28", "      datum: 2999-01-28", "fassungen[1].beschluss.datum: "),
])
def test_a_correction_after_which_the_beschluss_cannot_be_is_refused_and_nothing_changes(
        decided, old, new, message) -> None:
    from pipeline.commands import record

    manifest = decided / "plan" / "lip.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    before = snapshot(decided)
    with pytest.raises(council.CouncilError, match=re.escape(message)) as refused:
        record.correct(decided / "plan", "beschluss", grund="Tippfehler")
    assert str(refused.value).startswith("plan/lip.yaml:")
    assert "Berichtigen nicht möglich" in str(refused.value)
    assert snapshot(decided) == before
