"""The review site at the council stage (issue 18.7): the Anträge page (each Änderungsantrag,
its Punkte with a Synopse and the votes) and the Beratungsverlauf with the council bodies, on a
plan with two Anträge, votes in two bodies and the Beschluss (support/council_history.py)."""

from __future__ import annotations

import re

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
