"""Counts in what users read take the form their number asks for (pipeline/wording.py)."""

from __future__ import annotations

import pytest

from pipeline.diagnostics import Report, Severity
from pipeline.wording import (
    ascii_folded,
    by_body,
    counted,
    in_body,
    number_order,
    numbers_text,
    of_body,
    slug,
    tally,
    vote_text,
)


def test_one_is_singular_every_other_count_plural():
    assert counted(1, "Problem", "Probleme") == "1 Problem"
    assert [counted(n, "Byte weicht", "Bytes weichen") for n in (0, 2, 11)] == [
        "0 Bytes weichen", "2 Bytes weichen", "11 Bytes weichen"]


def test_the_last_line_of_lip_check_counts_its_warnings():
    report = Report()
    report.add("plan/a.md", 1, "x", "eins", Severity.WARNING)
    assert report.summary == "0 Fehler, 1 Warnung."
    report.add("plan/a.md", 2, "x", "zwei", Severity.WARNING)
    report.add("plan/a.md", 3, "x", "drei")
    assert report.summary == "1 Fehler, 2 Warnungen."


def test_a_name_becomes_the_same_key_in_every_command():
    """Proposal branches, Fassung tags, OParl ids and typed Gremium names fold names alike:
    umlauts as ae/oe/ue, ß as ss, other accents dropped, everything else a hyphen."""
    assert slug("Integrationsbeiräte", "x") == "integrationsbeiraete"
    assert slug("3. Fassung", "x") == "3-fassung"
    assert slug("René Müller-Straße", "x") == "rene-mueller-strasse"
    assert slug("ÄÖÜ äöü", "x") == "aeoeue-aeoeue"
    assert slug(" – ", "unbekannt") == "unbekannt"
    assert ascii_folded("RTGS (Runder Tisch)") == "rtgs (runder tisch)"
    assert ascii_folded("Integrationsbeiraete") == ascii_folded("Integrationsbeiräte")


@pytest.mark.parametrize(("name", "phrase"), [
    ("Ratsversammlung", "von der Ratsversammlung"),
    ("Internationaler Ausschuss", "vom Internationalen Ausschuss"),
    ("Verwaltungsausschuss", "vom Verwaltungsausschuss"),
    ("Lenkungsgruppe", "von der Lenkungsgruppe"),
    ("Gleichstellungsbeauftragte", "von der Gleichstellungsbeauftragten"),
    ("Integrationsbeiräte (Delegiertenkonferenz)", "von den Integrationsbeiräten (Delegiertenkonferenz)"),
    ("Runder Tisch für Gleichberechtigung und gegen Rassismus (RTGS)",
     "vom Runden Tisch für Gleichberechtigung und gegen Rassismus (RTGS)"),
    ("Stadtbezirksrat Mitte", "vom Stadtbezirksrat Mitte"),
])
def test_a_body_is_named_with_its_article_after_von(name, phrase):
    """The site's Fassungen said „beschlossen von Ratsversammlung“ (walk-council 13)."""
    assert by_body(name) == phrase


def test_where_a_body_voted_reads_with_its_article():
    assert in_body("Ratsversammlung") == "in der Ratsversammlung"
    assert in_body("Internationaler Ausschuss") == "im Internationalen Ausschuss"
    assert in_body("Integrationsbeiräte") == "in den Integrationsbeiräten"
    assert in_body("Foo") == "im Gremium Foo"


def test_whose_decision_reads_in_the_genitive():
    """„Beschluss der Internationaler Ausschuss“ had been written for every body but a feminine
    one."""
    assert of_body("Ratsversammlung") == "der Ratsversammlung"
    assert of_body("Internationaler Ausschuss") == "des Internationalen Ausschusses"
    assert of_body("Runder Tisch für Gleichberechtigung und gegen Rassismus (RTGS)") == \
        "des Runden Tisches für Gleichberechtigung und gegen Rassismus (RTGS)"
    assert of_body("Stadtbezirksrat Mitte") == "des Stadtbezirksrats Mitte"
    assert of_body("Integrationsbeiräte") == "der Integrationsbeiräte"
    assert of_body("Gleichstellungsbeauftragte") == "der Gleichstellungsbeauftragten"
    assert of_body("Foo") == "des Gremiums Foo"


def test_numbers_in_their_natural_order():
    numbers = ["10", "6.1.10", "2a", "6.1.2", "2", "6.1.1 (bisher 6.1.2)", "1", "6.1.1", "A.1.1"]
    assert sorted(numbers, key=number_order) == [
        "1", "2", "2a", "6.1.1", "6.1.1 (bisher 6.1.2)", "6.1.2", "6.1.10", "10", "A.1.1"]


def test_ziele_and_massnahmen_of_a_redline_in_the_one_order():
    """The site's new Ziele and the redline's new Maßnahmen in the same order: the site put
    „6.1.2a“ before „6.1.2“ (a letter counted as 0)."""
    from pipeline.plan.model import load_chapter
    from pipeline.redline.engine import measure_changes, measure_sections
    from pipeline.wording import goal_changes

    numbers = ("6.1.10", "6.1.2a", "6.1.2", "6.1.1")
    body = "".join(f"- **Ziel {n}:** Ziel {n}.\n" for n in numbers) + "\n" + "".join(
        f"#### Maßnahme {n}: Maßnahme {n}\n\nText {n}.\n\n" for n in numbers)
    head = '---\nid: teilhabe\nnummer: "6"\ntitel: Teilhabe\nteil: Handlungsfeld\n---\n\n## 6.1 Teil\n\n'
    old = load_chapter("16-teilhabe.md", head.encode())
    new = load_chapter("16-teilhabe.md", (head + body).encode())
    order = ["6.1.1", "6.1.2", "6.1.2a", "6.1.10"]
    assert goal_changes(old, new)[0] == order
    assert measure_changes(measure_sections(old.text.body), measure_sections(new.text.body))[0] == order


def test_no_numbers_are_no_text():
    assert numbers_text([]) == "" and numbers_text([3, 1, 2]) == "1–3"


@pytest.mark.parametrize(("recorded", "written"), [
    ("20 dafür, 1 dagegen", "20 dafür – 1 dagegen"),
    ("19 dafür, 2 Enthaltungen", "19 dafür – 0 dagegen – 2 Enthaltungen"),
    ("18 Ja, 2 Nein und 1 Enthaltung", "18 dafür – 2 dagegen – 1 Enthaltung"),
    ("20 dafür – 1 Gegenstimme", "20 dafür – 1 dagegen"),
    ("Einstimmig", "einstimmig"),
    ("mehrheitlich", "mehrheitlich"),  # no counts: as recorded
    ("einstimmig bei 2 Enthaltungen", "einstimmig bei 2 Enthaltungen"),
    ("3 dagegen", "3 dagegen"),
    ("18 dafür, 2 dafür", "18 dafür, 2 dafür"),
])
def test_a_recorded_vote_is_written_as_the_councils_are(recorded, written):
    """walk-docs 2: the Lenkungsgruppe's „20 dafür, 1 dagegen“ stood beside the council's
    „8 dafür – 3 dagegen“ in one table; counts are written one way, other text as recorded."""
    assert vote_text(recorded) == written
    assert vote_text("8 dafür – 3 dagegen") == tally(False, 8, 3, None)
