"""The review site at the council stage (issue 18.7): the Anträge page (each Änderungsantrag,
its Punkte with a Synopse and the votes) and the Beratungsverlauf with the council bodies, on a
plan with two Anträge, votes in two bodies and the Beschluss (support/council_history.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import council_history
from support.repos import EDITOR, FIXED
from test_site import Page

from pipeline.commands import site


@pytest.fixture(scope="module")
def council_site(tmp_path_factory) -> site.SiteResult:
    root = tmp_path_factory.mktemp("rat")
    with pytest.MonkeyPatch.context() as mp:  # lip's own commits get fixed dates, too
        for who in ("AUTHOR", "COMMITTER"):
            mp.setenv(f"GIT_{who}_DATE", FIXED)
            mp.setenv(f"GIT_{who}_NAME", EDITOR.name)
            mp.setenv(f"GIT_{who}_EMAIL", EDITOR.email)
        plan_dir = council_history.make_repo(root)
        return site.site_for_plan_dir(plan_dir, root / "site", require_valid=False)


def read(result: site.SiteResult, name: str) -> tuple[str, Page]:
    """The page's HTML, and its parts with a space between adjacent elements (cells)."""
    text = (result.out_dir / name).read_text(encoding="utf-8")
    return text, Page(text.replace("><", "> <"))


def test_every_page_links_the_antraege_page(council_site):
    assert "antraege.html" in council_site.pages
    for name in council_site.pages:
        _, page = read(council_site, name)
        assert "antraege.html" in page.links, name


def test_the_councils_beratungsverlauf_lists_votes_and_beschluss_by_date(council_site):
    text, page = read(council_site, "antraege.html")
    table = text[text.index('<table class="rat">'):]
    table = table[:table.index("</table>")]
    rows = [Page(r.replace("><", "> <")).plain
            for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)][1:]
    assert rows[0] == ("14. Januar 2021 Internationaler Ausschuss Abstimmung Änderungsantrag 1 "
                       "(Fraktion Bündnis 90/Die Grünen), Punkte 1 und 2 angenommen (8 dafür – "
                       "3 dagegen)")
    assert rows[-1] == ("28. Januar 2021 Ratsversammlung Beschluss gesamter Plan beschlossen "
                        "(52 dafür – 10 dagegen – 3 Enthaltungen)")
    assert len(rows) == 7


def test_each_punkt_has_its_result_votes_and_synopse(council_site):
    text, page = read(council_site, "antraege.html")
    plain = page.plain
    assert "Änderungsantrag 1: Änderungsantrag zu Handlungsfeld Bildung" in plain
    assert "Antragsteller Fraktion Bündnis 90/Die Grünen" in plain
    assert "Punkte 2 angenommen, 1 abgelehnt" in plain
    punkt = text[text.index('id="antrag-1-punkt-1"'):text.index('id="antrag-1-punkt-2"')]
    p = Page(punkt).plain
    assert "Punkt 1: Maßnahme 1.1.1 ändern Ergebnis: angenommen" in p
    assert "14. Januar 2021 · Internationaler Ausschuss (12. Sitzung): angenommen (8 dafür – " \
           "3 dagegen)" in p
    assert "28. Januar 2021 · Ratsversammlung: angenommen (einstimmig)" in p
    head = re.findall(r"<th[^>]*>(.*?)</th>", punkt)
    assert head == ["Fassung „Verwaltungsentwurf“", "Beantragte Fassung"]
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", punkt, re.S) if "Sprachbildung für" in r)
    old, new = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert "<del>" in old and "Eltern" in old and "<ins>" not in old
    assert "<ins>" in new and "Großeltern" in new
    rejected = text[text.index('id="antrag-1-punkt-3"'):text.index('id="antrag-1-begruendung"')]
    assert "Ergebnis: abgelehnt" in Page(rejected).plain
    # the Begründung is Markdown, its HTML shown as text
    assert "Großeltern begleiten <em>viele</em> Kinder" in text
    assert "&lt;script&gt;alert('antrag')&lt;/script&gt;" in text and "<script>alert" not in text
    assert "Änderungsantrag 2: Änderungsantrag zur Sprachbildung" in plain


def test_the_chapters_beratungsverlauf_includes_the_council(council_site):
    text, page = read(council_site, "bildung.html")
    plain = page.plain[page.plain.index("Beratungsverlauf 4. Mai 2020"):]
    assert ("Abstimmung im Internationalen Ausschuss: Änderungsantrag 1, Punkt 1 "
            "(Maßnahme 1.1.1 ändern, Fraktion Bündnis 90/Die Grünen): angenommen (8 dafür – "
            "3 dagegen)") in plain
    assert ("Beschluss der Ratsversammlung: gesamter Plan beschlossen (52 dafür – 10 dagegen – "
            "3 Enthaltungen), Fassung „Beschlossene Fassung“") in plain
    assert plain.index("Entscheidung der Lenkungsgruppe") < plain.index("Abstimmung im Internationalen Ausschuss")
    assert "antraege.html#antrag-1-punkt-1" in page.links
    assert "antraege.html#antrag-2-punkt-1" in page.links
    _, haltung = read(council_site, "haltung.html")  # no Punkt acts on it: only the Beschluss
    assert "Abstimmung im" not in haltung.plain and "Abstimmung in" not in haltung.plain
    assert "Beschluss der Ratsversammlung" in haltung.plain


def test_the_fassungen_page_names_the_deciding_body_with_its_article(council_site):
    _, page = read(council_site, "fassungen.html")
    assert "beschlossen von der Ratsversammlung am 28.01.2021" in page.plain
    assert "von Ratsversammlung" not in page.plain


def test_after_the_beschluss_the_site_shows_the_adopted_text_as_beschlossen(council_site):
    """walk-council 6: badge „nach Annahme geändert“, „Seit Entscheidung geändert: ja“ and a
    footer „nicht die beschlossene Fassung“ under the header „Beschlossene Fassung“."""
    text, page = read(council_site, "index.html")
    plain = page.plain
    assert "nach Annahme geändert" not in plain and "Arbeitsstand für die Beteiligten" not in plain
    assert "Beschlossene Fassung, beschlossen von der Ratsversammlung am 28.01.2021" in plain
    assert "2 beschlossen" in plain and "0 seit Vorlage oder Entscheidung geändert" in plain
    assert plain.count("beschlossen beschlossen (Ratsversammlung), 28. Januar 2021") == 1
    assert ("beschlossen durch Änderungsanträge geändert beschlossen (Ratsversammlung), "
            "28. Januar 2021") in plain  # Bildung: badge, its cause, the last decision
    assert "ja – Änderungen ansehen" not in plain
    for name in ("index.html", "bildung.html", "fassungen.html"):
        _, other = read(council_site, name)
        footer = other.plain[other.plain.rindex("Stand:"):]
        assert "Beschlossene Fassung: beschlossen von der Ratsversammlung am 28.01.2021." in footer
        assert "nicht die beschlossene Fassung" not in other.plain, name
    _, bildung = read(council_site, "bildung.html")
    assert ("Stand: beschlossen (Ratsversammlung, 28.01.2021), durch Änderungsanträge geändert "
            "(Änderungsantrag 1, Punkte 1 und 2; Änderungsantrag 2, Punkt 1)") in bildung.plain
    assert "seit der Entscheidung geändert" not in bildung.plain


def test_a_plan_without_antraege_has_no_antraege_page(tmp_path):
    from support import site_history

    result, _ = site_history.build(tmp_path)
    assert "antraege.html" not in result.pages
    assert "antraege.html" not in Page((result.out_dir / "index.html").read_text("utf-8")).links


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_antraege_page_fits_the_window_and_passes_axe(council_site, width):
    from support.browser import AXE, chromium

    with chromium() as browser:
        page = browser.new_context(viewport={"width": width, "height": 900},
                                   bypass_csp=True).new_page()
        for name in ("antraege.html", "bildung.html"):
            page.goto((council_site.out_dir / name).resolve().as_uri())
            overflow = page.evaluate("document.documentElement.scrollWidth - "
                                     "document.documentElement.clientWidth")
            assert overflow <= 0, (name, width, overflow)
            if AXE.exists():
                page.add_script_tag(path=str(AXE))
                found = page.evaluate("""async () => (await axe.run(document,
                    {resultTypes: ['violations']})).violations
                    .filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)""")
                assert found == [], (name, width, found)


# --- the same council steps in the terminal: `lip verlauf` and `lip status` -------------------


def _lip(plan_dir, *args: str) -> subprocess.CompletedProcess:
    """`lip ARGS` of this checkout, run in the plan's repository."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
           "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "pipeline", *args, "--plan", str(plan_dir)],
                          capture_output=True, text=True, cwd=plan_dir.parent, env=env)
    assert done.returncode == 0, done.stderr
    return done


def _council_plan(result: site.SiteResult) -> Path:
    return result.out_dir.parent / "repo" / "plan"


COUNCIL_KINDS = ("Drucksache", "Abstimmung", "Beschluss")


def _site_council_steps(result: site.SiteResult, name: str) -> list[str]:
    """The council's steps of a chapter page's Beratungsverlauf, each as its plain text."""
    text = (result.out_dir / name).read_text(encoding="utf-8")
    items = re.findall(r'<li class="rat">(.*?)</li>', text, re.S)
    return [Page(item.replace("><", "> <")).plain for item in items]


def test_lip_verlauf_shows_the_councils_steps_of_the_chapter_page(council_site):
    """A clerk asking what happened to Bildung sees in the terminal what its page shows: the
    Drucksache going to the bodies, the votes on the Punkte touching it, the Beschluss with
    its vote and the Punkte that changed it; in date order and in the same words."""
    from pipeline.dates import german_date_long

    plan_dir = _council_plan(council_site)
    data = json.loads(_lip(plan_dir, "verlauf", "bildung", "--json").stdout)
    steps = [e for e in data["verlauf"] if e["art"] in COUNCIL_KINDS]
    dates = [e["datum"] for e in data["verlauf"]]
    assert dates == sorted(dates)
    assert [e["art"] for e in steps] == ["Drucksache"] + ["Abstimmung"] * 8 + ["Beschluss"]
    assert steps[0]["text"] == ("0001/2020 eingebracht: in den Internationalen Ausschuss, in "
                                "die Ratsversammlung")
    assert steps[1] == {"datum": "2021-01-14", "art": "Abstimmung", "commit": "", "details": [],
                        "text": "im Internationalen Ausschuss: Änderungsantrag 1, Punkt 1 "
                                "(Maßnahme 1.1.1 ändern, Fraktion Bündnis 90/Die Grünen): "
                                "angenommen (8 dafür – 3 dagegen)"}
    assert steps[-1] == {
        "datum": "2021-01-28", "art": "Beschluss", "commit": "",
        "text": "der Ratsversammlung: gesamter Plan beschlossen (52 dafür – 10 dagegen – "
                "3 Enthaltungen), Fassung „Beschlossene Fassung“",
        "details": ["1 Bildung: beschlossen, geändert durch Änderungsantrag 1, Punkte 1 und 2; "
                    "Änderungsantrag 2, Punkt 1"]}
    # the same steps as the chapter page, in the same order and words
    assert [f"{german_date_long(e['datum'])} {e['art']} {' '.join([e['text'], *e['details']])}"
            for e in steps] == _site_council_steps(council_site, "bildung.html")
    shown = _lip(plan_dir, "verlauf", "bildung").stdout.splitlines()
    council = [line for line in shown if line[:2].isdigit() and line.split()[1] in COUNCIL_KINDS]
    assert [line.split()[0] for line in council] == [
        "01.12.2020", *["14.01.2021"] * 4, *["28.01.2021"] * 5]
    assert council[-1].endswith("(52 dafür – 10 dagegen – 3 Enthaltungen), Fassung "
                                "„Beschlossene Fassung“")
    assert shown[shown.index(council[-1]) + 1].strip() == steps[-1]["details"][0]


def test_lip_verlauf_of_an_unchanged_chapter_shows_the_beschluss_alone(council_site):
    plan_dir = _council_plan(council_site)
    data = json.loads(_lip(plan_dir, "verlauf", "haltung", "--json").stdout)
    steps = [e for e in data["verlauf"] if e["art"] in COUNCIL_KINDS]
    assert [e["art"] for e in steps] == ["Drucksache", "Beschluss"]
    assert steps[-1]["details"] == [] and "(52 dafür – 10 dagegen – 3 Enthaltungen)" in \
        steps[-1]["text"]
    site_steps = _site_council_steps(council_site, "haltung.html")
    assert len(site_steps) == 2 and site_steps[-1].startswith("28. Januar 2021 Beschluss der "
                                                              "Ratsversammlung: gesamter Plan")


def test_every_lip_verlauf_words_the_beschluss_as_the_chapter_page(council_site):
    """One wording of the Beschluss step (council.beratung.beschluss_step): `lip verlauf
    beschluss`, an Änderungsantrag's `lip verlauf` and a chapter's page say it alike."""
    from pipeline.dates import german_date_long

    plan_dir = _council_plan(council_site)
    [page] = [s for s in _site_council_steps(council_site, "haltung.html") if " Beschluss " in s]
    for key in ("beschluss", "1-gruene"):
        data = json.loads(_lip(plan_dir, "verlauf", key, "--json").stdout)
        [step] = [e for e in data["verlauf"] if e["art"] == "Beschluss"]
        assert f"{german_date_long(step['datum'])} {step['art']} {step['text']}" == page, key


def test_lip_status_gives_the_beschluss_with_its_vote(council_site):
    plan_dir = _council_plan(council_site)
    rows = json.loads(_lip(plan_dir, "status", "--json").stdout)["kapitel"]
    for row in rows:
        assert row["stand"].startswith("beschlossen (Ratsversammlung, 28.01.2021)")
        assert row["beschluss"] == {
            "gremium": "ratsversammlung", "gremium_name": "Ratsversammlung",
            "datum": "2021-01-28", "fassung": "Beschlossene Fassung", "einstimmig": False,
            "dafuer": 52, "dagegen": 10, "enthaltungen": 3,
            "stimmen": "52 dafür – 10 dagegen – 3 Enthaltungen"}
    shown = _lip(plan_dir, "status").stdout
    assert shown.startswith("Stand der Beratung: 2 Kapitel, 2 beschlossen (Ratsversammlung, "
                            "28.01.2021, 52 dafür – 10 dagegen – 3 Enthaltungen)\n")
