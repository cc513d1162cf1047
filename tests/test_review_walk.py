"""The clerk's walk-through (notes/walk-review.md): statements out of order, dates in the
future, a statement recorded twice, corrections shown everywhere, exit codes."""

from __future__ import annotations

import datetime as dt
import json
import re

import git
import pytest
from support.cli import lip_in_process
from support.repos import commit_all, snapshot

lip = lip_in_process
FUTURE = (dt.date.today() + dt.timedelta(days=40)).strftime("%d.%m.%Y")


@pytest.fixture
def in_repo(mini, monkeypatch):
    monkeypatch.chdir(mini)
    monkeypatch.setenv("NO_COLOR", "1")
    return mini


@pytest.fixture
def submitted(in_repo, capsys):
    code, _, err = lip(["vorlegen", "bildung", "--datum", "2020-10-01"], capsys)
    assert code == 0, err
    return in_repo


def ok(args, capsys):
    code, out, err = lip(args, capsys)
    assert code == 0, err
    return out


def refused(root, args, capsys, code=1):
    before = snapshot(root)
    got, out, err = lip(args, capsys)
    assert got == code, err
    assert "Traceback" not in err
    assert snapshot(root) == before  # a failed command changes nothing
    return err


# --- item 2: statements arrive out of order ---------------------------------------------------


def test_a_statement_dated_before_one_already_recorded_is_accepted(submitted, capsys):
    ok(["stellungnahme", "bildung", "--gremium", "rtgs", "--text", "Der RTGS stimmt zu.",
        "--datum", "03.10.2020"], capsys)
    ok(["stellungnahme", "bildung", "--gremium", "integrationsbeiraete", "--text",
        "Die Delegiertenkonferenz begrüßt den Entwurf.", "--datum", "02.10.2020"], capsys)
    ok(["check"], capsys)
    out = ok(["verlauf", "bildung"], capsys)
    lines = [line for line in out.splitlines() if line[:2].isdigit()]
    assert [line[:10] for line in lines[-2:]] == ["02.10.2020", "03.10.2020"]


def test_a_statement_after_a_later_vorlage_is_about_the_version_then_submitted(submitted, capsys):
    """A decision and a new Vorlage are recorded; a statement on the first Vorlage comes late."""
    ok(["stellungnahme", "bildung", "--gremium", "gleichstellungsbeauftragte", "--text", "Gut.",
        "--datum", "02.10.2020"], capsys)
    ok(["entscheiden", "bildung", "--angenommen", "--datum", "05.10.2020"], capsys)
    ok(["stellungnahme", "bildung", "--gremium", "rtgs", "--text", "Spät, aber zustimmend.",
        "--datum", "04.10.2020"], capsys)
    ok(["check"], capsys)


def test_a_statement_before_its_vorlage_names_the_command_and_state(submitted, capsys):
    err = refused(submitted, ["stellungnahme", "bildung", "--gremium", "rtgs", "--text", "x",
                              "--datum", "30.09.2020"], capsys)
    assert err == ("Fehler: Kapitel 1 Bildung (Stand: vorgelegt): Stellungnahme festhalten nicht "
                   "möglich – das Datum 30.09.2020 liegt vor der Vorlage dieser Fassung am "
                   "01.10.2020. Stattdessen: das Datum prüfen (--datum TT.MM.JJJJ).\n")


def test_an_acceptance_dated_before_the_gender_statement_says_so(submitted, capsys):
    ok(["stellungnahme", "bildung", "--gremium", "gleichstellungsbeauftragte", "--text",
        "Einverstanden.", "--datum", "06.10.2020"], capsys)
    err = refused(submitted, ["entscheiden", "bildung", "--angenommen", "--datum", "04.10.2020"],
                  capsys)
    assert ("Annehmen nicht möglich – die Stellungnahme der Gleichstellungsbeauftragten zur "
            "vorgelegten Fassung vom 01.10.2020 ist vom 06.10.2020, also nach dem Datum dieser "
            "Entscheidung (04.10.2020)") in err
    assert "keine Stellungnahme" not in err
    ok(["entscheiden", "bildung", "--angenommen", "--datum", "06.10.2020"], capsys)


# --- item 3: dates in the future --------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["vorlegen", "haltung"],
    ["stellungnahme", "bildung", "--gremium", "rtgs", "--text", "x"],
    ["entscheiden", "bildung", "--zurueckgespielt", "--vorgabe", "x"],
    ["fassung", "3. Fassung"],
], ids=["vorlegen", "stellungnahme", "entscheiden", "fassung"])
def test_a_date_in_the_future_is_refused(submitted, capsys, args):
    err = refused(submitted, [*args, "--datum", FUTURE], capsys)
    assert err.startswith(f"Fehler: --datum {FUTURE}: das Datum {FUTURE} liegt in der Zukunft "
                          f"(heute ist der {dt.date.today():%d.%m.%Y}); festgehalten wird nur, "
                          f"was schon geschehen ist – Tippfehler im Datum? Bitte das Datum "
                          f"prüfen (--datum TT.MM.JJJJ)"), err


def test_lip_check_reports_a_recorded_date_in_the_future(submitted, capsys):
    path = submitted / "plan" / "11-bildung.md"
    iso = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    path.write_text(path.read_text().replace("datum: 2020-10-01", f"datum: {iso}"))
    code, _, err = lip(["check"], capsys)
    assert code == 1
    assert (f"plan/11-bildung.md:14: review.vorlagen[0].datum: das Datum {FUTURE} liegt in der "
            f"Zukunft") in err, err


def test_a_fassung_cannot_predate_the_decisions_it_contains(submitted, capsys):
    ok(["stellungnahme", "bildung", "--gremium", "gleichstellungsbeauftragte", "--text", "Gut.",
        "--datum", "02.10.2020"], capsys)
    ok(["entscheiden", "bildung", "--angenommen", "--datum", "04.10.2020"], capsys)
    err = refused(submitted, ["fassung", "3. Fassung", "--datum", "3.10.20"], capsys)
    assert err == ("Fehler: --datum 03.10.2020: die Fassung enthält Einträge bis zum 04.10.2020 "
                   "(Kapitel 1 Bildung: Entscheidung vom 04.10.2020); eine Fassung kann nicht vor "
                   "dem datiert sein, was sie enthält. Stattdessen: --datum weglassen (heute) "
                   "oder ein Datum ab dem 04.10.2020 angeben; nichts wurde benannt.\n")
    ok(["fassung", "3. Fassung", "--datum", "2020-10-04"], capsys)


# --- item 4: the same statement twice ---------------------------------------------------------


def test_the_same_statement_twice_is_refused(submitted, capsys):
    args = ["stellungnahme", "bildung", "--gremium", "Gleichstellungsbeauftragte", "--text", "x",
            "--datum", "3.10.20"]
    ok(args, capsys)
    err = refused(submitted, args, capsys)
    assert err == ("Fehler: Kapitel 1 Bildung (Stand: vorgelegt): Stellungnahme festhalten nicht "
                   "möglich – diese Stellungnahme (Gremium gleichstellungsbeauftragte, "
                   "03.10.2020, gleicher Wortlaut, gleiche Fassung) ist bereits festgehalten. "
                   "Stattdessen: nichts zu tun. War der erste Eintrag falsch (Datum, Wortlaut), "
                   "ihn im Kopf des Kapitels richtigstellen und mit lip berichtigen bildung "
                   "--grund \"…\" festhalten.\n")
    ok(["stellungnahme", "bildung", "--gremium", "gleichstellungsbeauftragte", "--text", "x",
        "--datum", "4.10.20"], capsys)  # another day is another statement


# --- item 13: exit codes as the README says ----------------------------------------------------


def test_a_missing_statement_file_is_a_file_access_error(submitted, capsys):
    err = refused(submitted, ["stellungnahme", "bildung", "--gremium", "rtgs", "--datei",
                              "nix.md", "--datum", "02.10.2020"], capsys, code=3)
    assert err == ("Fehler: Datei nix.md nicht gefunden; bitte den Pfad der Stellungnahme prüfen "
                   "(--datei PFAD)\n")


def test_text_and_file_together_is_a_wrong_call(submitted, capsys):
    (submitted / "f.md").write_text("Wortlaut\n")
    err = refused(submitted, ["stellungnahme", "bildung", "--gremium", "rtgs", "--datei", "f.md",
                              "--text", "x"], capsys, code=2)
    assert err == "Fehler: genau eins angeben: --text \"…\" oder --datei PFAD\n"


def test_a_missing_word_file_is_a_file_access_error(in_repo, capsys):
    err = refused(in_repo, ["word-import", "nix.docx"], capsys, code=3)
    assert "nix.docx: Datei nicht gefunden" in err


def test_every_datum_option_documents_both_formats(capsys):
    from pipeline.cli import cli

    for name, command in cli.commands.items():
        for sub in getattr(command, "commands", {name: command}).values():
            for p in sub.params:
                if p.name == "datum":
                    assert "TT.MM.JJJJ oder JJJJ-MM-TT" in p.help, (name, sub.name)


# --- item 1: a Berichtigung is shown wherever the Beratungsverlauf is -------------------------


def _correct_decision(root, capsys) -> None:
    """The walk's case: a decision recorded as zurückgespielt by mistake, corrected."""
    ok(["stellungnahme", "bildung", "--gremium", "gleichstellungsbeauftragte", "--text",
        "Einverstanden.", "--datum", "02.10.2020"], capsys)
    ok(["entscheiden", "bildung", "--zurueckgespielt", "--vorgabe", "noch mal", "--datum",
        "04.10.2020"], capsys)
    path = root / "plan" / "11-bildung.md"
    text = path.read_text()
    start = text.index("      vorgaben:\n")
    end = text.index("\n", text.index("text: noch mal")) + 1
    text = text[:start] + text[end:]
    path.write_text(text.replace("ergebnis: zurückgespielt", "ergebnis: angenommen"))
    ok(["berichtigen", "bildung", "--grund", "laut Protokoll angenommen", "--datum",
        "06.10.2020"], capsys)


LINE = ("berichtigt von Fachberatung OE 50.6: Entscheidung Lenkungsgruppe vom 04.10.2020 "
        "(zurückgespielt): Ergebnis zurückgespielt → angenommen; Vorgaben entfernt. Grund: laut "
        "Protokoll angenommen")


def test_a_correction_is_shown_in_verlauf_site_and_document(submitted, capsys):
    from pipeline.assemble import consultation_markdown
    from pipeline.commands import site, site_data
    from pipeline.history import PlanHistory
    from pipeline.plan import load_plan

    _correct_decision(submitted, capsys)
    out = ok(["verlauf", "bildung"], capsys)
    assert f"06.10.2020  Berichtigung     {LINE}" in out.splitlines()
    data = json.loads(ok(["verlauf", "bildung", "--json"], capsys))
    assert {"datum": "2020-10-06", "art": "Berichtigung", "text": LINE, "commit": "",
            "details": []} in data["verlauf"]

    plan = load_plan(submitted / "plan")
    chapter = plan.chapter("bildung")
    html = site.timeline(chapter, plan, site_data.VersionNames(plan, PlanHistory(None)))
    assert f"<p><strong>Berichtigung</strong>: {LINE}</p>" in html
    annex = consultation_markdown(plan)
    # the table's row names who corrected and refers to the line below it (too long for a cell)
    row = next(line for line in annex.splitlines() if "| Berichtigung |" in line)
    assert "Fachberatung OE 50.6" in row and "berichtigt (B1)" in row and "Grund" not in row
    assert re.search(r"\n- B1, 06\.10\.2020, Kapitel \S+ Bildung: " + re.escape(LINE) + "\n",
                     annex), annex


def test_removing_one_of_two_identical_statements_names_that_statement():
    """By content: the duplicate removed is named, not the entry that moved up into its place."""
    from pipeline.review.append_only import describe_change, entry_changes

    before = {"stellungnahmen": [
        {"datum": "2020-10-02", "gremium": "rtgs", "text": "Der RTGS stimmt zu."},
        {"datum": "2020-10-03", "gremium": "gleichstellungsbeauftragte", "text": "Gut."},
        {"datum": "2020-10-03", "gremium": "gleichstellungsbeauftragte", "text": "Gut."},
        {"datum": "2027-01-15", "gremium": "rtgs", "text": "Nachtrag."}]}
    after = {"stellungnahmen": [before["stellungnahmen"][0], before["stellungnahmen"][1],
                                {**before["stellungnahmen"][3], "datum": "2020-10-05"}]}
    assert [describe_change(c) for c in entry_changes(before, after)] == [
        "Stellungnahme gleichstellungsbeauftragte vom 03.10.2020 („Gut.“) entfernt",
        "Stellungnahme rtgs vom 15.01.2027 („Nachtrag.“): Datum 15.01.2027 → 05.10.2020"]


def test_an_older_correction_is_numbered_from_one():
    from pipeline.review import read_records

    records = read_records({"berichtigungen": [
        {"datum": "2020-10-06", "von": "P", "grund": "g",
         "eintraege": ["stellungnahmen[0] geändert", "entscheidungen[1] entfernt"]}]})
    assert records.berichtigungen[0].was == ("1. Stellungnahme geändert; 2. Entscheidung "
                                             "entfernt")


# --- item 11: lip verlauf orders text changes by their place in history -----------------------


def test_a_text_recorded_after_the_fact_comes_before_its_vorlage_and_keeps_one_label(in_repo,
                                                                                     capsys):
    repo = git.Repo(in_repo)
    path = in_repo / "plan" / "11-bildung.md"
    path.write_text(path.read_text().replace("Erwachsene.", "Erwachsene und Familien."))
    first = commit_all(repo, "Bildung: Familien ergänzt", date="2020-12-07")
    ok(["vorlegen", "bildung", "--datum", "01.12.2020"], capsys)
    ok(["entscheiden", "bildung", "--zurueckgespielt", "--vorgabe", "a", "--vorgabe", "b",
        "--datum", "04.12.2020"], capsys)
    path.write_text(path.read_text().replace("Familien.", "Familien und Eltern."))
    second = commit_all(repo, "Bildung: Eltern ergänzt", date="2020-12-08")
    ok(["vorgabe-erledigt", "bildung", "V1", "--vermerk", "erledigt", "--datum", "05.12.2020"],
       capsys)
    ok(["vorgabe-erledigt", "bildung", "V2", "--vermerk", "auch", "--datum", "05.12.2020"], capsys)
    out = ok(["verlauf", "bildung"], capsys)
    lines = [line for line in out.splitlines() if line[:2].isdigit()]
    assert [line[12:28].strip() for line in lines[1:]] == [
        "Textänderung", "Vorlage", "Entscheidung", "Textänderung", "Vorgabe erledigt",
        "Vorgabe erledigt"]
    assert lines[1].endswith(f"[{first[:7]}]") and lines[2].endswith(f"Fassung {first[:7]}")
    assert lines[4].endswith(f"[{second[:7]}]")
    assert all(line.endswith(f"Fassung {second[:7]}") for line in lines[5:]), lines


def test_a_date_retyped_in_german_form_names_the_form_not_the_same_day_twice():
    """'24.09.2020' typed over 2020-09-24 is the same day in German: the change named is the form."""
    from pipeline.review.append_only import describe_change, entry_changes

    before = {"vorlagen": [{"datum": dt.date(2020, 9, 24), "gremium": "eg-bildung"}]}
    after = {"vorlagen": [{"datum": "24.09.2020", "gremium": "eg-bildung"}]}
    assert [describe_change(c) for c in entry_changes(before, after)] == [
        "Vorlage eg-bildung vom 24.09.2020: Datum 2020-09-24 → 24.09.2020: im Kopf steht ein "
        "Datum als JJJJ-MM-TT, also 2020-09-24"]
