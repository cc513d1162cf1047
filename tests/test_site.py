"""The review site's HTML, without a browser: escaping, CSP, anchors, links, states.

The site is built once per module from tests/data/plans/site/plan in a real git repository
(see site_history.py); the browser tests in test_site_browser.py use the same fixture.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from support import copy_plan, site_history

from pipeline.cli import cli, main
from pipeline.commands import site

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:")


class Page(HTMLParser):
    """Collect what the checks need from one page: tags, attributes, ids, links, text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.headings: list[int] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href") is not None:
            self.links.append(a["href"])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))

    def handle_data(self, data):
        self.text.append(data)

    @property
    def plain(self) -> str:
        return " ".join("".join(self.text).split())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    result, shas = site_history.build(tmp_path_factory.mktemp("site"))
    return result, shas


@pytest.fixture(scope="module")
def pages(built) -> dict[str, tuple[str, Page]]:
    result, _ = built
    out = {}
    for name in result.pages:
        text = (result.out_dir / name).read_text(encoding="utf-8")
        out[name] = (text, Page(text))
    return out


def test_site_has_the_expected_pages(built):
    result, _ = built
    for name in ("index.html", "haltung.html", "bildung.html", "soziales.html",
                 "massnahmen.html", "fassungen.html", "fassung-2.html"):
        assert name in result.pages
    for asset in ("site.css", "site.js", "bilder/schema.svg"):
        assert (result.out_dir / asset).is_file(), asset


def test_the_synopse_is_styled_by_one_file_on_the_site_and_the_redline_page(built, tmp_path):
    """templates/synopse.css is the Synopse's one style: appended to the site's site.css and
    included in the page `lip redline --format synopse` writes (they were two copies that
    had drifted apart: other breakpoints, colours and column widths)."""
    from pipeline.commands.redline import build_redline
    from pipeline.render import templates_dir

    result, _ = built
    rules = (templates_dir() / "synopse.css").read_text(encoding="utf-8").strip()
    site_css = (result.out_dir / "site.css").read_text(encoding="utf-8")
    assert site_css.count(rules) == 1 and site_css.count("table.synopse {") == 1
    alt, neu = tmp_path / "alt.md", tmp_path / "neu.md"
    alt.write_text("Ein Absatz.\n", encoding="utf-8")
    neu.write_text("Ein neuer Absatz.\n", encoding="utf-8")
    files = build_redline(dateien=(alt, neu), out_root=tmp_path / "out",
                          formats=("html", "synopse")).files
    pages = {f.name: f.read_text(encoding="utf-8") for f in files if f.suffix == ".html"}
    assert pages["synopse.html"].count(rules) == 1
    assert "table.synopse" not in pages["redline.html"]  # a redline page has no Synopse


def test_every_page_is_german_with_csp_skip_link_and_one_h1(pages):
    for name, (text, page) in pages.items():
        assert text.startswith("<!DOCTYPE html>\n<html lang=\"de\">"), name
        metas = [a for t, a in page.tags if t == "meta" and a.get("http-equiv")]
        assert metas and metas[0]["content"] == CSP, name
        assert page.headings.count(1) == 1, name
        assert page.links[0] == "#inhalt" and "inhalt" in page.ids, name
        for tag in ("header", "nav", "main", "footer"):
            assert any(t == tag for t, _ in page.tags), (name, tag)


def test_headings_never_skip_a_level(pages):
    for name, (_, page) in pages.items():
        levels = page.headings
        assert levels[0] == 1, name
        for a, b in zip(levels, levels[1:], strict=False):
            assert b <= a + 1, (name, levels)


def test_no_inline_script_style_or_event_handlers(pages):
    for name, (_, page) in pages.items():
        scripts = [a for t, a in page.tags if t == "script"]
        assert scripts == [{"src": "site.js", "defer": None}], name
        for tag, attrs in page.tags:
            assert tag not in ("style", "iframe", "object", "embed"), (name, tag)
            for key, value in attrs.items():
                assert not key.startswith("on"), (name, tag, key)
                assert key != "style", (name, tag)
                if key in ("href", "src"):
                    scheme = urlsplit((value or "").strip()).scheme.lower()
                    assert scheme in ("", "http", "https", "mailto"), (name, value)


def test_raw_html_in_a_chapter_is_shown_as_text(pages):
    text, page = pages["soziales.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img src=x onerror=alert(1)>" in page.plain
    assert '<div onmouseover="alert(3)">Raw-Block</div>' in page.plain  # as written, as in the PDF
    assert "gefährlicher Link" in page.plain
    assert "javascript" not in " ".join(page.links)
    # front matter and Maßnahme fields are escaped as well
    assert "Soziales <script>alert('titel')</script>" in page.plain
    index_text, index = pages["index.html"]
    assert "&lt;script&gt;alert(&#39;titel&#39;)&lt;/script&gt;" in index_text
    measures_text, _ = pages["massnahmen.html"]
    assert "<script>" not in measures_text.replace('<script src="site.js" defer></script>', "")
    assert 'Fachbereich Soziales &#34;&gt;&lt;script&gt;' in measures_text


def test_review_text_in_the_timeline_is_escaped(pages):
    text, page = pages["bildung.html"]
    assert "begrüßt den Entwurf. <img src=x onerror=alert(7)>" in page.plain
    assert "&lt;script&gt;alert(&#39;vorgabe&#39;)&lt;/script&gt;" in text


def test_chapter_anchors_exist(pages):
    _, page = pages["bildung.html"]
    for anchor in ("kap-bildung", "abschnitt-1-1", "abschnitt-1-2", "z-1-1-1", "m-1-1-1",
                   "m-1-1-2", "m-1-2-1", "m-1-2-2", "verlauf", "aenderungen"):
        assert anchor in page.ids, anchor


def test_cross_chapter_references_point_to_the_other_page(pages):
    _, page = pages["haltung.html"]
    assert "bildung.html#m-1-1-1" in page.links
    assert "bildung.html#kap-bildung" in page.links


def test_every_internal_link_resolves(built, pages):
    result, _ = built
    for name, (_, page) in pages.items():
        for href in page.links:
            parts = urlsplit(href)
            if parts.scheme:
                continue
            target = unquote(parts.path) or name
            path = result.out_dir / target
            assert path.is_file(), (name, href)
            if parts.fragment and target.endswith(".html"):
                ids = pages[target][1].ids if target in pages else set()
                assert unquote(parts.fragment) in ids, (name, href)


def test_start_page_shows_state_in_colour_and_text(pages):
    text, page = pages["index.html"]
    rows = re.findall(r"<tr>(.*?)</tr>", text, re.S)
    bildung = next(r for r in rows if 'href="bildung.html"' in r)
    assert 'class="status status-' in bildung
    assert ">zurückgespielt<" in bildung or ">überarbeitet<" in bildung
    assert "10. Juni 2020" in bildung
    assert 'href="bildung.html#verlauf">1</a>' in bildung      # V2 is still open
    # Decided (returned, then revised): no Stellungnahme is due until the next Vorlage
    assert 'data-label="Fehlende Stellungnahmen">keine<' in bildung
    assert ">ja" in bildung                                       # changed since the decision
    haltung = next(r for r in rows if 'href="haltung.html"' in r)
    assert ">angenommen<" in haltung and ">nein<" in haltung
    soziales = next(r for r in rows if 'href="soziales.html"' in r)
    assert ">Entwurf<" in soziales and "noch keine" in soziales
    assert "Stand 2. Juli 2020" in page.plain
    assert re.search(r'<span class="num">5</span> Maßnahmen', text)
    # each tile's words agree with its figure: the test plan showed „1 offene Vorgaben“
    tiles = re.findall(r'<span class="num">(\d+)</span> ([^<]*)</li>', text)
    assert ("1", "offene Vorgabe") in tiles and ("1", "Entwurf") in tiles
    assert ("0", "fehlende Stellungnahmen") in tiles


def test_the_catalogue_counts_one_measure_in_the_singular():
    from pipeline.render.pages import render

    row = {"feld_id": "bildung", "leads": [], "zielgruppe": "Eltern", "text": "x",
           "href": "bildung.html#m-1-1-1", "id": "1.1.1", "title": "Elternkurse",
           "feld": "1 Bildung", "lead": "VHS", "zeitraum": "2021", "kennzahl": "Kurse"}
    page = render("site/massnahmen.html", rows=[row], felder=[], leads=[])
    assert 'aria-live="polite">1 Maßnahme</p>' in page
    assert 'aria-live="polite">2 Maßnahmen</p>' in render(
        "site/massnahmen.html", rows=[row, row], felder=[], leads=[])


def test_timeline_shows_vorgaben_with_erledigt(pages):
    _, page = pages["bildung.html"]
    plain = page.plain
    assert "V1 Übergang Kita–Grundschule stärker betonen erledigt am 30. Juni 2020: " \
           "Einleitung ergänzt" in plain
    assert "Kennzahlen nach Geschlecht auswerten <script>alert('vorgabe')</script> offen" in plain
    timeline = plain[plain.index("Beratungsverlauf 5. Juni"):]
    order = [timeline.index(w) for w in ("Vorlage", "Einschätzung", "Entscheidung")]
    assert order == sorted(order)


def test_a_vorlage_goes_from_the_group_to_the_lenkungsgruppe(pages):
    """Issue 15.5: the Expert*innengruppe submits to the Lenkungsgruppe, not the reverse."""
    _, bildung = pages["bildung.html"]
    assert "Vorlage der Expert*innengruppe Bildung an die Lenkungsgruppe" in bildung.plain
    assert "Vorlage an:" not in bildung.plain
    _, haltung = pages["haltung.html"]  # an older record naming the Lenkungsgruppe itself
    assert "Vorlage der Redaktionsgruppe Grundlagenpapier an die Lenkungsgruppe" in haltung.plain


HASH = re.compile(r"\b[0-9a-f]{10,40}\b")
DETAILS = re.compile(r"<details class=\"technik\">.*?</details>", re.S)


def test_reviewers_see_fassungen_and_dates_not_hashes(pages, built):
    """Issue 15.10: a record names its text by Fassung and date; hashes only in <details>."""
    _, shas = built
    for name, (text, _) in pages.items():
        shown = DETAILS.sub("", text)
        assert not HASH.search(shown), (name, HASH.search(shown))
    text, bildung = pages["bildung.html"]
    assert "Vorlage der Expert*innengruppe Bildung an die Lenkungsgruppe (Text: 1. Fassung vom " \
           "1. Juni 2020)" in bildung.plain
    folded = " ".join(DETAILS.findall(text))
    assert shas["A"] in folded and "Technische Angaben (Git)" in folded
    index_text, index = pages["index.html"]
    assert "Arbeitsstand für die Beteiligten · 2. Fassung · Stand 2. Juli 2020" in index.plain
    assert shas["D"] in " ".join(DETAILS.findall(index_text))
    fassungen_text, _ = pages["fassungen.html"]
    assert shas["C"] in " ".join(DETAILS.findall(fassungen_text))
    _, diff = pages["fassung-2.html"]
    assert "1. Fassung vom 1. Juni 2020 → 2. Fassung vom 1. Juli 2020" in diff.plain


def test_a_version_between_fassungen_is_named_by_its_date(built):
    import git

    from pipeline import plan as plan_mod
    from pipeline.commands.site_data import VersionNames
    from pipeline.history import PlanHistory
    from pipeline.review.records import Stand

    result, shas = built
    plan_dir = result.out_dir.parent.parent / "plan"
    plan = plan_mod.load_plan(plan_dir)
    names = VersionNames(plan, PlanHistory(git.Repo(plan_dir.parent), "plan"))
    assert names.of(Stand(shas["B"])).label == "Textstand vom 10. Juni 2020"
    assert names.of(Stand(shas["C"][:10])).label == "2. Fassung vom 1. Juli 2020"
    assert names.of(Stand("0" * 40)).label == ""


def test_measures_table_is_complete_without_javascript(built, pages):
    text, page = pages["massnahmen.html"]
    rows = re.findall(r"<tr data-feld=", text)
    assert len(rows) == 5
    for mid, anchor_page in (("1.1.1", "bildung.html#m-1-1-1"), ("1.2.2", "bildung.html#m-1-2-2"),
                             ("2.1.1", "soziales.html#m-2-1-1")):
        assert anchor_page in page.links, mid
    form = next(a for t, a in page.tags if t == "form")
    assert "hidden" in form        # site.js shows it; without JS the table stands alone
    for label_for in ("f-feld", "f-federfuehrung", "f-zielgruppe", "f-text"):
        assert any(t == "label" and a.get("for") == label_for for t, a in page.tags)


def test_measures_table_has_kennzahl_and_one_entry_per_akteur(pages):
    """Issue 15.11: the Kennzahl column; 'VHS Hannover' and 'Volkshochschule Hannover' are one
    Akteur of the manifest's registry, listed once in the Federführung filter."""
    text, page = pages["massnahmen.html"]
    assert '<th scope="col">Kennzahl</th>' in text
    assert '<td data-label="Kennzahl">Zahl der Elternkurse</td>' in text
    options = re.findall(r'<option value="([^"]*)">', text.split('id="f-federfuehrung"')[1]
                         .split("</select>")[0])
    assert options == ["", "Bereich Migration und Integration", "Fachbereich Jugend und Familie",
                       "Fachbereich Soziales", "Volkshochschule Hannover"]
    assert text.count('data-federfuehrung="Volkshochschule Hannover"') == 2


def test_measures_table_shows_fields_as_text_not_markdown(tmp_path):
    """The catalogue shows the fields without pandoc: an editor's escaped gender star
    (`LSBTIQ\\*-Geflüchtete`, as the shipped plan writes it) was shown with its backslash,
    and the Freitext filter did not find `lsbtiq*`."""
    from pipeline import plan as plan_mod

    plan_dir = copy_plan("site", tmp_path)
    chapter = plan_dir / "11-bildung.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(
        ":   Kinder im Alter von 1 bis 6 Jahren",
        ":   Kinder und LSBTIQ\\*-Jugendliche im Alter von 1 bis 6 Jahren", 1).replace(
        "Kennzahl\n:   Anteil der Kitas", "Kennzahl\n:   Anteil der [Kitas](#m-1-1-2)", 1),
        encoding="utf-8")
    loaded = plan_mod.load_plan(plan_dir)
    pages = [site.ChapterPage(ch, site.page_name(ch), None, None) for ch in loaded.chapters]
    text = site.measures_page(loaded, pages)
    assert '<td data-label="Zielgruppe">Kinder und LSBTIQ*-Jugendliche im Alter' in text
    assert 'data-zielgruppe="kinder und lsbtiq*-jugendliche' in text
    assert "\\*" not in text
    assert '<td data-label="Kennzahl">Anteil der Kitas mit' in text
    assert "](#" not in text   # nor in the search text


def test_federfuehrung_names_the_registered_akteure():
    from pipeline.plan.akteure import Akteur, lead_names, named_in

    reg = [Akteur("Volkshochschule Hannover", ("VHS Hannover",)), Akteur("Fachbereich Wirtschaft"),
           Akteur("IHK Hannover"), Akteur("Handwerkskammer Hannover")]
    assert named_in("VHS  Hannover", reg) == ["Volkshochschule Hannover"]
    assert named_in("Fachbereich Wirtschaft – Wirtschaftsförderung", reg) == ["Fachbereich Wirtschaft"]
    assert named_in("IHK Hannover und Handwerkskammer Hannover", reg) == [
        "IHK Hannover", "Handwerkskammer Hannover"]
    assert named_in("Fachbereich Wirtschaftsprüfung", reg) == []     # whole words only
    assert lead_names("Fachbereich  Kultur", reg) == ["Fachbereich Kultur"]
    assert lead_names("Fachbereich  Kultur", []) == ["Fachbereich Kultur"]


def test_fassungen_list_and_redline_page(pages, built):
    _, shas = built
    text, page = pages["fassungen.html"]
    assert "1. Fassung" in page.plain and "2. Fassung" in page.plain
    assert "fassung-2.html" in page.links
    assert shas["A"] in text                   # in the folded technical details
    _, diff = pages["fassung-2.html"]
    assert "Änderungen von 1. Fassung zu 2. Fassung" in diff.plain


def test_changes_between_fassungen_show_only_the_changed_passages_by_default(pages):
    """As on a chapter's changes page: fassung-<n>.html shows the changed passages under their
    headings, fassung-<n>-volltext.html the whole chapters."""
    text, page = pages["fassung-2.html"]
    assert "Fachkräfte werden für alltagsintegrierte Sprachbildung qualifiziert" not in page.plain
    assert "Elternkurse in Grundschulen" in page.plain and "<ins>" in text
    assert "fassung-2-volltext.html" in page.links
    full_text, full = pages["fassung-2-volltext.html"]
    assert "Fachkräfte werden für alltagsintegrierte Sprachbildung qualifiziert" in full.plain
    assert "fassung-2.html" in full.links
    assert full_text.count("<ins>") == text.count("<ins>")


def test_fassungen_lists_the_arbeitsstand(pages):
    """Issue 15.9: the Arbeitsstand follows the named Fassungen, with its changes since the
    last one (none in the fixture: the last commit only named the Fassungen)."""
    text, page = pages["fassungen.html"]
    row = re.search(r'<tr class="arbeitsstand">(.*?)</tr>', text, re.S).group(1)
    assert ">Arbeitsstand<" in row and "2. Juli 2020" in row
    assert "keine Änderungen seit der letzten Fassung (2. Fassung)" in row
    assert "arbeitsstand.html" in page.links
    _, work = pages["arbeitsstand.html"]
    assert "Arbeitsstand: Änderungen seit der letzten Fassung (2. Fassung)" in work.plain
    assert "Seit der Fassung „2. Fassung“ hat sich kein Kapitel geändert." in work.plain


def test_arbeitsstand_shows_uncommitted_changes_since_the_last_fassung(tmp_path):
    plan_dir, _ = site_history.make_repo(tmp_path)
    chapter = plan_dir / "11-bildung.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(
        "Grundschulen bieten Elternkurse zum Schulsystem an.",
        "Grundschulen bieten mehrsprachige Elternkurse zum Schulsystem an."), encoding="utf-8")
    out = tmp_path / "site"
    result = site.site_for_plan_dir(plan_dir, out, require_valid=False)
    assert {"arbeitsstand.html", "arbeitsstand-synopse.html"} <= set(result.pages)
    fassungen = Page((out / "fassungen.html").read_text(encoding="utf-8"))
    assert "Änderungen seit der letzten Fassung (2. Fassung): 1 Kapitel geändert" in \
        fassungen.plain
    work = (out / "arbeitsstand.html").read_text(encoding="utf-8")
    assert "1 Bildung" in Page(work).plain and "mehrsprachige" in work
    assert "1 Wort eingefügt, 0 Wörter gestrichen" in Page(work).plain


def test_redline_since_decision_is_announced(pages):
    text, page = pages["bildung-aenderungen.html"]
    assert "<ins>" in text and "<del>" in text
    assert '<span class="vh">Einfügung: </span>' in text
    assert '<span class="vh">Streichung: </span>' in text
    assert "1.2.2" in page.plain            # the new Maßnahme is named in the summary
    _, chapter = pages["bildung.html"]
    assert "bildung-aenderungen.html" in chapter.links


def test_changes_page_starts_with_summary_and_vorgaben_and_shows_only_changes(pages, built):
    """Issue 15.7: summary and the Vorgaben of the last decision first; by default only the
    changed passages under their headings, with a link to the whole text."""
    import git

    from pipeline import plan as plan_mod
    from pipeline.history import PlanHistory
    from pipeline.redline.counts import format_word_changes
    from pipeline.render.redline_text import word_changes

    result, shas = built
    text, page = pages["bildung-aenderungen.html"]
    plain = page.plain
    order = [plain.index(x) for x in ("Wörter eingefügt", "Vorgaben der Lenkungsgruppe",
                                      "V1 Übergang Kita–Grundschule", "Geänderte Stellen")]
    assert order == sorted(order)
    assert "erledigt am 30. Juni 2020" in plain and "offen" in plain
    # the figures are the redline counter's, for the decided version against today's
    plan_dir = result.out_dir.parent.parent / "plan"
    new = plan_mod.load_plan(plan_dir).chapter("bildung")
    old = PlanHistory(git.Repo(plan_dir.parent), "plan").chapter_at(shas["A"], new)
    assert format_word_changes(*word_changes(old, new)) in plain
    # only the changes: the unchanged Maßnahme 1.1.1 is left out, the new 1.2.2 is there
    assert "Fachkräfte werden für alltagsintegrierte Sprachbildung qualifiziert" not in plain
    assert "Elternkurse in Grundschulen" in plain
    assert "[… unveränderter Text ausgelassen …]" in plain
    assert "bildung-aenderungen-volltext.html" in page.links
    assert 'class="change-nav"' in text and "hidden>" in text.split('class="change-nav"')[1][:50]
    full_text, full = pages["bildung-aenderungen-volltext.html"]
    assert "Fachkräfte werden für alltagsintegrierte Sprachbildung qualifiziert" in full.plain
    assert "bildung-aenderungen.html" in full.links
    assert full_text.count("<ins>") == text.count("<ins>")   # the same changes, more context


def test_the_site_makes_its_own_synopse_per_chapter_and_per_fassung(pages):
    """Issue 15.8: the Synopse of `lip redline` (one row per paragraph, bisherige | neue
    Fassung) for each chapter changed since its decision and between consecutive Fassungen,
    linked from the start page, the chapter, its changes and the Fassungen."""
    text, page = pages["bildung-synopse.html"]
    assert "Synopse: Kapitel 1 Bildung seit der Entscheidung vom 10. Juni 2020" in page.plain
    table = text[text.index('<table id="synopse" class="synopse">'):text.index("</table>")]
    head = re.findall(r"<th[^>]*>(.*?)</th>", table)
    assert head == ["Entschiedene Fassung vom 10. Juni 2020", "Aktueller Text"]
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", table, re.S) if "Übergängen" in r)
    old, new = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert "<del>" in old and "<ins>" not in old and "an den Übergängen" in old
    assert "<ins>" in new and "<del>" not in new and "von der Kita in die Grundschule" in new
    for name in ("index.html", "bildung.html", "bildung-aenderungen.html"):
        assert "bildung-synopse.html" in pages[name][1].links, name
    _, fassung = pages["fassung-2-synopse.html"]
    assert "Synopse: 1. Fassung und 2. Fassung" in fassung.plain
    for name in ("index.html", "fassungen.html", "fassung-2.html"):
        assert "fassung-2-synopse.html" in pages[name][1].links, name


def test_filter_neutralises_links_attributes_and_raw_blocks():
    md = ("[a](javascript:alert(1)) [b]( JaVa\tScRiPt:x) [c](data:text/html,x) [d](vbscript:x) "
          "[e](//evil.example/x) [ok](https://example.org) [mail](mailto:a@b.de) [rel](x.html#y) "
          "[s]{onclick=\"x\" style=\"color:red\"} ![i](javascript:x) ![j](bilder/a.svg){width=50%}"
          "\n\n```{=html}\n<script>alert(1)</script>\n```\n")
    out = site.render_fragments([(md, [])])[0]
    hrefs = re.findall(r'href="([^"]*)"', out)
    assert hrefs == ["https://example.org", "mailto:a@b.de", "x.html#y"]
    assert "onclick" not in out and "style=" not in out and "<script" not in out
    assert '<img src="bilder/a.svg"' in out and "javascript:" not in out.lower()
    assert out.count('class="link-entfernt"') == 6


def test_a_moved_passage_on_the_site_names_its_other_place():
    """The site's redlines said only „Verschoben, neue Stelle“, to screen readers alone: now
    each moved passage says where it went or came from, as the redline's page and PDF do, and
    the place stays no attribute of the page."""
    md = ('::: {#verschoben-1-alt .moved .del nach="verschoben-1" stelle="1.2 Grund & <Schulen>"}\n'
          "Ein Absatz.\n:::\n\n"
          '::: {#verschoben-1 .moved .ins von="verschoben-1-alt" stelle="1.1 Elementarbereich"}\n'
          "Ein Absatz.\n:::\n")
    out = site.render_fragments([(md, [])])[0]
    assert '<del class="block moved"><p class="verschoben">Verschoben nach 1.2 Grund &amp; ' \
           "&lt;Schulen&gt;</p>" in out
    assert '<ins class="block moved"><p class="verschoben">Verschoben von 1.1 Elementarbereich' \
           "</p>" in out
    assert "stelle" not in out


def test_table_alignment_survives_the_csp_as_classes():
    """pandoc writes column alignment as style=, which the site's CSP forbids (the browser
    dropped it and reported a violation): a class keeps numbers right-aligned."""
    out = site.render_fragments([("| Jahr | Zahl | Mitte |\n|:--|--:|:-:|\n| 2021 | 40 | x |\n", [])])[0]
    assert "style=" not in out
    assert '<td class="rechts">40</td>' in out and '<td class="mitte">x</td>' in out
    assert '<th class="rechts">Zahl</th>' in out and "<td>2021</td>" in out


def test_gender_star_is_not_emphasis(pages):
    text, _ = pages["haltung.html"]
    assert "Bürger*innen und Expert*innen" in text
    assert "<em>" not in text


def test_templates_escape_everything_but_markup():
    """Jinja2 with autoescaping (issue 14.6): a value is escaped unless it is Markup."""
    from pipeline.render.pages import Markup, environment

    template = environment().from_string("<p title=\"{{ a }}\">{{ b }}{{ c }}</p>")
    out = template.render(a='"><script>', b="<b>&", c=Markup("<i>x</i>"))
    assert out == '<p title="&#34;&gt;&lt;script&gt;">&lt;b&gt;&amp;<i>x</i></p>'
    assert environment().autoescape is True
    assert environment().loader.searchpath == [str(site.templates_dir())]


def test_rebuild_replaces_the_site(tmp_path):
    plan_dir, _ = site_history.make_repo(tmp_path)
    out = tmp_path / "out" / "site"
    out.mkdir(parents=True)
    (out / "alt.html").write_text("alt", encoding="utf-8")
    site.site_for_plan_dir(plan_dir, out, require_valid=False)
    assert not (out / "alt.html").exists() and (out / "index.html").is_file()
    # no temp folders left: the site and the build's cache beside it
    assert sorted(p.name for p in out.parent.iterdir()) == [".cache", "site"]
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask  # readable by a web server, like mkdir


def test_a_rebuild_takes_unchanged_pages_from_the_cache(tmp_path, monkeypatch):
    """A second site of the same plan converts nothing again and is the same site; after a
    change only the changed chapter's fragments go to pandoc."""
    plan_dir, _ = site_history.make_repo(tmp_path)
    out = tmp_path / "build" / "site"
    converted: list[str] = []
    real = site.run_pandoc_pool

    def spy(jobs, *args, **kwargs):
        converted.extend(markdown for _, markdown in jobs)
        return real(jobs, *args, **kwargs)
    monkeypatch.setattr(site, "run_pandoc_pool", spy)
    made: list[str] = []
    real_synopse = site.synopse_fragment
    monkeypatch.setattr(site, "synopse_fragment",
                        lambda md, **kw: made.append(md) or real_synopse(md, **kw))
    site.site_for_plan_dir(plan_dir, out, require_valid=False)
    first = {p.name: p.read_bytes() for p in out.glob("*.html")}
    assert converted and made
    converted.clear()
    made.clear()
    site.site_for_plan_dir(plan_dir, out, require_valid=False)
    assert converted == [] and made == []
    assert {p.name: p.read_bytes() for p in out.glob("*.html")} == first
    chapter = next(plan_dir.glob("1*-*.md"))
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nEin neuer Schlusssatz.\n",
                       encoding="utf-8")
    site.site_for_plan_dir(plan_dir, out, require_valid=False)
    assert converted and all("Ein neuer Schlusssatz." in md for md in converted)
    assert any("Ein neuer Schlusssatz." in p.read_text(encoding="utf-8")
               for p in out.glob("*.html"))


def test_cli_site_open_prints_the_address(tmp_path):
    plan_dir, _ = site_history.make_repo(tmp_path)
    out = tmp_path / "web"
    res = CliRunner().invoke(cli, ["site", "--plan", str(plan_dir), "--ausgabe", str(out),
                                   "--open", "--trotz-fehlern"])
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == (out / "index.html").resolve().as_uri()


def test_cli_site_refuses_a_plan_with_errors(tmp_path, capsys):
    plan_dir, _ = site_history.make_repo(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["site", "--plan", str(plan_dir), "--ausgabe", str(tmp_path / "web")])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "plan/12-soziales.md:19: text: HTML im Text ist nicht erlaubt" in err
    assert not (tmp_path / "web").exists()


def test_cli_site_names_a_target_it_cannot_write(tmp_path, capsys):
    plan_dir, _ = site_history.make_repo(tmp_path)
    (tmp_path / "datei").write_text("x", encoding="utf-8")
    target = tmp_path / "datei" / "web"  # below a file: no folder can be made there
    with pytest.raises(SystemExit) as exc:
        main(["site", "--plan", str(plan_dir), "--ausgabe", str(target), "--trotz-fehlern"])
    assert exc.value.code == 3
    err = capsys.readouterr().err
    assert f"Fehler: Dateizugriff fehlgeschlagen: {tmp_path / 'datei'}: gibt es schon, und zwar als Datei" in err, err
    assert (tmp_path / "datei").read_text(encoding="utf-8") == "x"


def test_site_without_git_has_no_redlines(tmp_path):
    plan_dir = copy_plan("site", tmp_path)
    result = site.site_for_plan_dir(plan_dir, tmp_path / "site", require_valid=False)
    assert "index.html" in result.pages
    text = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "Stand" in text and "Commit" not in text


def test_shipped_plan_site_builds(tmp_path):
    root = Path(__file__).resolve().parent.parent / "plan"
    result = site.site_for_plan_dir(root, tmp_path / "site", require_valid=False)
    assert "massnahmen.html" in result.pages and len(result.pages) >= 5


def test_an_impossible_date_is_shown_as_written_not_a_crash(tmp_path):
    """`lip site --trotz-fehlern` on a plan whose decision is dated 2020-13-08 (month 13) used to
    end in an internal error; the date now appears as the editor wrote it."""
    import shutil

    from support import SHIPPED_PLAN

    plan_dir = tmp_path / "plan"
    shutil.copytree(SHIPPED_PLAN, plan_dir)
    chapter = plan_dir / "11-bildung.md"
    text = chapter.read_text(encoding="utf-8")
    assert "    - datum: 2020-10-08\n      gremium: lenkungsgruppe" in text
    chapter.write_text(text.replace("    - datum: 2020-10-08\n      gremium: lenkungsgruppe",
                                    "    - datum: 2020-13-08\n      gremium: lenkungsgruppe", 1),
                       encoding="utf-8")
    result = site.site_for_plan_dir(plan_dir, tmp_path / "site", require_valid=False)
    page = (tmp_path / "site" / "bildung.html").read_text(encoding="utf-8")
    assert "bildung.html" in result.pages
    assert '<p class="when">2020-13-08</p><p>Entscheidung: Eintrag ohne gültiges Datum' in page


def test_one_date_format_per_purpose():
    from pipeline.dates import german_date, german_date_long

    assert german_date_long("2020-06-08") == "8. Juni 2020"
    assert german_date(dt.date(2020, 6, 8)) == "08.06.2020"


@pytest.mark.parametrize(("value", "expected"), [
    ("2020-03-12", "12.03.2020"), ("2020-13-45", "2020-13-45"), (None, ""), ("", ""),
    ("01.10.2020", "01.10.2020"),
])
def test_german_date_keeps_what_it_cannot_read(value, expected):
    from pipeline.dates import german_date, german_date_long

    assert german_date(value) == expected
    assert german_date_long(value) == (expected if expected in ("", "2020-13-45", "01.10.2020")
                                       else "12. März 2020")


def test_the_page_template_uses_only_what_the_site_gives_it():
    """`lip vorschau` checks templates/site/page.html against site.PAGE_SLOTS: the shipped
    template passes, an unknown placeholder in a Jinja2 loop does not."""
    from pipeline.commands import vorschau

    assert vorschau.template_problems(site.templates_dir()) == []
    assert site.PAGE_SLOTS >= {"content", "nav_items", "stand"}


def test_a_broken_template_is_named_with_file_and_line(tmp_path, monkeypatch):
    """The city may change templates/site/; a mistake there is a German message naming the
    template and its line (exit code 3), not a traceback."""
    from pipeline.render import pages as page_templates

    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "offen.html").write_text("<p>\n{% if a %}\n<p>{{ a }}</p>\n",
                                                  encoding="utf-8")
    (tmp_path / "site" / "wert.html").write_text("<p>\n<b>{{ b.fehlt }}</b></p>\n",
                                                 encoding="utf-8")
    monkeypatch.setattr(page_templates, "templates_dir", lambda: tmp_path)
    page_templates.environment.cache_clear()
    try:
        with pytest.raises(page_templates.TemplateBroken,
                           match=r"^templates/site/offen\.html:\d: die Vorlage ist fehlerhaft"):
            page_templates.render("site/offen.html", a=1)
        with pytest.raises(page_templates.TemplateBroken) as exc:
            page_templates.render("site/wert.html", b={})
        assert str(exc.value) == ("templates/site/wert.html:2: die Vorlage verwendet einen Wert, "
                                  "den die Website nicht liefert ('fehlt')")
        assert exc.value.exit_code == 3
    finally:
        page_templates.environment.cache_clear()


def test_the_sites_redlines_share_the_cache_of_lip_redline(tmp_path, monkeypatch):
    """A second `lip site` (or `lip redline` of the same texts) reads the redline engine's
    pandoc work from build/.cache instead of running pandoc again (issue 21.1)."""
    from pipeline.commands import site_data
    from pipeline.render import redline_text

    monkeypatch.setattr(site_data, "_REDLINES", {})  # other tests' redlines stay in memory
    plan_dir, _ = site_history.make_repo(tmp_path / "fx")
    out = tmp_path / "build" / "site"
    site.site_for_plan_dir(plan_dir, out, require_valid=False)
    assert (tmp_path / "build" / ".cache" / "redline-text.sqlite").is_file()
    first = {p.name: p.read_bytes() for p in out.glob("*.html")}

    parsed: list[int] = []
    real_parse = redline_text.parse_chunks

    def counting_parse(sides, *rest):
        parsed.append(sum(len(groups) for groups, _ in sides))
        return real_parse(sides, *rest)

    monkeypatch.setattr(redline_text, "parse_chunks", counting_parse)
    site_data._REDLINES.clear()  # the in-process memo would hide the disk cache
    site.site_for_plan_dir(plan_dir, out, require_valid=False)
    assert sum(parsed) == 0, f"{sum(parsed)} Abschnitte erneut von pandoc gelesen"
    assert {p.name: p.read_bytes() for p in out.glob("*.html")} == first


def _break_head(path: Path) -> None:
    """A missing colon in the chapter's head: its YAML cannot be read (walk-editor item 1)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("federfuehrung: Dez. IV", "federfuehrung Dez. IV", 1),
                    encoding="utf-8")


def test_an_unreadable_chapter_is_named_never_shown_as_deleted(tmp_path):
    """`lip site --trotz-fehlern` with one broken chapter head: every page carries a banner
    naming the file, line and field; the start page keeps the chapter in its part as „nicht
    lesbar“ and counts it; the Arbeitsstand does not report it as deleted."""
    plan_dir, _ = site_history.make_repo(tmp_path)
    _break_head(plan_dir / "11-bildung.md")
    out = tmp_path / "site"
    result = site.site_for_plan_dir(plan_dir, out, require_valid=False)
    assert "bildung.html" not in result.pages
    message = "plan/11-bildung.md:8 kopf: YAML-Syntaxfehler: nach dem Schlüssel fehlt der Doppelpunkt"
    for name in result.pages:
        page = Page((out / name).read_text(encoding="utf-8"))
        assert message in page.plain, name
        assert "Diese Website wurde trotz Fehlern im Plan gebaut (1 Fehler" in page.plain
    index = Page((out / "index.html").read_text(encoding="utf-8")).plain
    assert "3 Kapitel" in index and "1 nicht lesbar" in index
    assert re.search(r"\d+ Maßnahmen? in den lesbaren Kapiteln", index)
    assert "Dieses Kapitel ist nicht gestrichen" in index
    row = re.search(r'<tr class="nicht-lesbar">(.*?)</tr>',
                    (out / "index.html").read_text(encoding="utf-8"), re.S).group(1)
    assert "plan/11-bildung.md" in row and "nicht lesbar" in row
    work = Page((out / "arbeitsstand.html").read_text(encoding="utf-8")).plain
    assert "gestrichen" not in work.replace("nicht gestrichen", "")
    assert "1 Bildung: in „Arbeitsstand“ nicht lesbar (plan/11-bildung.md:8" in work
    fassungen = Page((out / "fassungen.html").read_text(encoding="utf-8")).plain
    assert "1 Kapitel nicht lesbar" in fassungen


def test_a_readable_plan_has_no_banner(pages):
    for name, (text, _) in pages.items():
        assert "lip-probleme" not in text, name


def test_the_site_says_when_its_text_is_not_committed(tmp_path):
    """Walk-editor item 5: the start page names the commit and, as `lip build` does, that
    the text has changes no commit holds (wording.describe_origin, one wording for both)."""
    plan_dir, shas = site_history.make_repo(tmp_path)
    out = tmp_path / "site"
    site.site_for_plan_dir(plan_dir, out, require_valid=False)
    index = Page((out / "index.html").read_text(encoding="utf-8")).plain
    assert f"Gebaut aus: Commit {shas['D'][:10]}" in index
    assert "nicht committet" not in index
    chapter = plan_dir / "11-bildung.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nZusatz.\n", encoding="utf-8")
    site.site_for_plan_dir(plan_dir, out, require_valid=False)
    index = Page((out / "index.html").read_text(encoding="utf-8")).plain
    assert f"Gebaut aus: Commit {shas['D'][:10]}, mit nicht committeten Änderungen" in index


def test_a_text_changed_after_its_vorlage_says_so_as_lip_status_does(mini, tmp_path):
    """Walk-editor item 6: submitted, then changed and committed: the chapter page and the
    start page say „seit der Vorlage am … geändert“ with the word counts `lip status` gives
    (commands.changes.changed_since, one function for both)."""
    import git

    from pipeline.commands import record
    from pipeline.commands import status as status_cmd

    plan_dir = mini / "plan"
    repo = git.Repo(mini)
    path = plan_dir / "01-haltung.md"

    def change(old: str, new: str, message: str) -> None:
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
        repo.git.add("-A")
        repo.index.commit(message)

    record.submit(plan_dir, "haltung", datum=dt.date(2020, 7, 10))
    change("Teilhabe ist ein Recht", "Teilhabe ist ein Anspruch", "nach der Vorlage")
    row = next(r for r in status_cmd.status(plan_dir).rows if r.id == "haltung")
    assert row.stand == "vorgelegt am 10.07.2020, seitdem geändert: 1 Wort eingefügt, " \
                        "1 Wort gestrichen"
    out = tmp_path / "site"
    site.site_for_plan_dir(plan_dir, out, require_valid=False)
    said = "seit der Vorlage am 10.07.2020 geändert: 1 Wort eingefügt, 1 Wort gestrichen"
    chapter = Page((out / "haltung.html").read_text(encoding="utf-8")).plain
    assert "Stand: nach Vorlage geändert" in chapter and said in chapter
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"ja, {said}" in Page(index).plain
    assert "Stand: vorgelegt ·" not in chapter
    # another chapter accepted, then changed: the start page counts the two states apart
    record.submit(plan_dir, "bildung", datum=dt.date(2020, 7, 10))
    record.add_statement(plan_dir, "bildung", gremium="gleichstellungsbeauftragte",
                         text="Keine Einwände.", datum=dt.date(2020, 7, 15))
    record.decide(plan_dir, "bildung", accepted=True, datum=dt.date(2020, 7, 20))
    bildung = plan_dir / "11-bildung.md"
    text = bildung.read_text(encoding="utf-8")
    words = text.split("---", 2)[2].split()
    bildung.write_text(text.replace(words[-1], words[-1] + " heute", 1), encoding="utf-8")
    repo.git.add("-A")
    repo.index.commit("nach der Annahme")
    site.site_for_plan_dir(plan_dir, out, require_valid=False)
    tiles = Page((out / "index.html").read_text(encoding="utf-8")).plain
    assert "1 nach Vorlage geändert" in tiles and "1 nach Annahme geändert" in tiles, tiles


def test_a_document_built_from_another_commit_is_not_offered_as_this_ones(mini, tmp_path):
    """Verify walk: after a commit, `build/LIP-2.0.docx` (and .pdf) of the state before is
    still lying in build/; the site linked it as „Plan als Word-Datei“ of its own state.
    Now it is left out with a note until it is built again."""
    import git

    from pipeline.commands.build import build

    plan_dir = mini / "plan"
    repo = git.Repo(mini)
    build(plan_dir, output=tmp_path, formats=["docx"], validate=False)
    first = site.site_for_plan_dir(plan_dir, tmp_path / "site", require_valid=False)
    assert (tmp_path / "site" / "downloads" / "LIP-2.0.docx").is_file() and first.notes == []
    path = plan_dir / "01-haltung.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nEin neuer Satz.\n", encoding="utf-8")
    repo.git.add("-A")
    repo.index.commit("ein Satz mehr")
    stale = site.site_for_plan_dir(plan_dir, tmp_path / "site", require_valid=False)
    assert not (tmp_path / "site" / "downloads" / "LIP-2.0.docx").exists()
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "LIP-2.0.docx" not in index
    assert len(stale.notes) == 1 and "LIP-2.0.docx ist aus Commit" in stale.notes[0] \
        and "einem anderen Stand: darum bietet die Website die Datei nicht zum Herunterladen an" \
        in stale.notes[0]
    build(plan_dir, output=tmp_path, formats=["docx"], validate=False)
    again = site.site_for_plan_dir(plan_dir, tmp_path / "site", require_valid=False)
    assert (tmp_path / "site" / "downloads" / "LIP-2.0.docx").is_file() and again.notes == []


def test_changes_since_the_vorlage_have_their_own_page(mini, tmp_path, monkeypatch, capsys):
    """A member of the Lenkungsgruppe who received the Vorlage sees what changed since: a page
    „Änderungen seit der Vorlage vom …“ with exactly the figures of `lip status --json`
    (geaendert_seit: changes.changed_since), linked with those words from the start page and
    the chapter page. Haltung was returned, revised, submitted again and then changed: its
    figures and its link count from that Vorlage, not from the decision. Bildung, submitted
    and unchanged since, has no such page."""
    import json

    import git
    from support.cli import lip_in_process

    from pipeline.commands import record
    from pipeline.redline import format_word_changes

    plan_dir = mini / "plan"
    repo = git.Repo(mini)
    path = plan_dir / "01-haltung.md"

    def change(old: str, new: str, message: str) -> None:
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
        repo.git.add("-A")
        repo.index.commit(message)

    record.submit(plan_dir, "haltung", datum=dt.date(2020, 7, 1))
    record.decide(plan_dir, "haltung", accepted=False, datum=dt.date(2020, 7, 5),
                  vorgaben=["Teilhabe genauer fassen"])
    record.vorgabe_done(plan_dir, "haltung", "V1", vermerk="Recht genauer gefasst",
                        datum=dt.date(2020, 7, 8))
    change("Teilhabe ist ein Recht", "Teilhabe ist ein einklagbares Recht", "überarbeitet")
    record.submit(plan_dir, "haltung", datum=dt.date(2020, 7, 10))
    change("die hier leben", "die in Hannover leben", "nach der Vorlage")
    record.submit(plan_dir, "bildung", datum=dt.date(2020, 7, 10))

    monkeypatch.chdir(mini)
    code, out, err = lip_in_process(["status", "--json"], capsys)
    assert code == 0, err
    since = {r["id"]: r["geaendert_seit"] for r in json.loads(out)["kapitel"]}
    assert since["bildung"] is None
    assert since["haltung"]["eintrag"] == "Vorlage" and since["haltung"]["datum"] == "2020-07-10"
    words = format_word_changes(since["haltung"]["woerter_hinzu"],
                                since["haltung"]["woerter_entfernt"])
    assert words == since["haltung"]["woerter"]

    site_dir = tmp_path / "site"
    site.site_for_plan_dir(plan_dir, site_dir, require_valid=False)
    name = "haltung-aenderungen-seit-vorlage.html"
    text = (site_dir / name).read_text(encoding="utf-8")
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S).group(1)
    assert heading == "Änderungen an Kapitel A Haltung der Stadt seit der Vorlage vom 10. Juli 2020"
    assert re.search(r'<p class="summary">([^<]*)</p>', text).group(1).startswith(words + ".")
    inserted = " ".join(re.findall(r"<ins>(.*?)</ins>", text, re.S))
    assert "Hannover" in inserted and "einklagbares" not in inserted  # that was in the Vorlage
    # the decision's page counts more (the revision before the Vorlage too): another page
    decided = Page((site_dir / "haltung-aenderungen.html").read_text(encoding="utf-8")).plain
    assert words not in decided
    link = f'<a href="{name}">Änderungen seit der Vorlage vom 10. Juli 2020 ansehen</a>'
    index = (site_dir / "index.html").read_text(encoding="utf-8")
    assert f"ja, seit der Vorlage am 10.07.2020 geändert: {words} – {link}" in index
    assert 'href="haltung-aenderungen.html"' not in index
    chapter = (site_dir / "haltung.html").read_text(encoding="utf-8")
    assert link.replace("<a ", '<a class="button" ') in chapter
    assert 'href="haltung-aenderungen.html"' in chapter   # the decision's changes stay linked
    assert not (site_dir / "bildung-aenderungen-seit-vorlage.html").exists()
    assert "bildung-aenderungen-seit-vorlage.html" not in index


def test_a_text_changed_only_by_a_move_says_so_in_status_redline_and_site(mini, monkeypatch):
    """Walk: a paragraph moved and nothing else read „seitdem geändert: 0 Wörter eingefügt,
    0 Wörter gestrichen“ in `lip status` and `lip redline`, while the site said „1 Abschnitt
    verschoben“ (a section, in the plan's words). One wording (redline.format_word_changes)
    names the moved passage in all three, and for an open proposal from Word."""
    import git

    from pipeline.commands import record
    from pipeline.commands import status as status_cmd
    from pipeline.commands.site_data import summary_of
    from pipeline.render.redline_text import compare_markdown

    plan_dir = mini / "plan"
    repo = git.Repo(mini)
    path = plan_dir / "01-haltung.md"
    moving = "Dieser Absatz zur Haltung der Stadt wandert gleich unter die Leitlinien.\n\n"
    text = path.read_text(encoding="utf-8").replace("\n## A.1", f"\n{moving}## A.1", 1)
    path.write_text(text, encoding="utf-8")
    before = text
    repo.git.add("-A")
    repo.index.commit("zweiter Absatz")
    record.submit(plan_dir, "haltung", datum=dt.date(2020, 7, 10))
    text = path.read_text(encoding="utf-8").replace(moving, "", 1) + "\n" + moving
    path.write_text(text, encoding="utf-8")
    repo.git.add("-A")
    repo.index.commit("Absatz verschoben")
    said = "0 Wörter eingefügt, 0 Wörter gestrichen, 1 Passage verschoben"
    row = next(r for r in status_cmd.status(plan_dir).rows if r.id == "haltung")
    assert row.stand == f"vorgelegt am 10.07.2020, seitdem geändert: {said}"
    monkeypatch.chdir(mini)
    result = CliRunner().invoke(cli, ["redline", "HEAD~1", "HEAD", "--format", "md",
                                      "--kapitel", "haltung"],
                                catch_exceptions=False)
    assert f"A Haltung der Stadt: {said}" in result.output, result.output
    assert summary_of(compare_markdown(before, text).stats) == f"{said}."
    # a proposal that moves it back (a paragraph cut and pasted in Word): the same words
    main = repo.active_branch
    repo.git.checkout("-qb", "vorschlag/zurueck")
    path.write_text(before, encoding="utf-8")
    repo.git.add("-A")
    repo.index.commit("Absatz zurück")
    main.checkout()
    [proposal] = status_cmd.status(plan_dir).proposals
    assert proposal.woerter == said
