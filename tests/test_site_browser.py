"""The review site in a real browser (Debian's chromium via Playwright), opened from disk.

Navigation, the Maßnahmen filter, that hostile chapter text runs nothing, and axe-core's
accessibility rules on every page. One browser for the whole module.
axe-core comes from the npm registry (`make setup` installs it into build/node/).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import site_history
from support.browser import AXE, SPLIT_WORDS, chromium, needs_chromium

pytest.importorskip("playwright.sync_api", reason="playwright nicht installiert")

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    result, _ = site_history.build(tmp_path_factory.mktemp("browser"))
    return result


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


class Watched:
    """A page plus everything suspicious it did: dialogs, console errors, page errors."""

    def __init__(self, page):
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def watched(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield Watched(context.new_page())
    context.close()


def url(site, name: str) -> str:
    return (site.out_dir / name).resolve().as_uri()


def test_start_page_to_chapter(site, watched):
    page = watched.page
    page.goto(url(site, "index.html"))
    page.get_by_role("link", name="1 Bildung", exact=True).click()
    page.wait_for_url("**/bildung.html")
    assert page.locator("h1").inner_text() == "1 Bildung"
    page.get_by_role("link", name="Beratungsverlauf").click()
    assert page.url.endswith("bildung.html#verlauf")
    assert page.locator("#verlauf").is_visible()
    assert watched.errors == [] and watched.dialogs == []


def test_start_page_to_chapter_to_its_redline(site, watched):
    page = watched.page
    page.goto(url(site, "index.html"))
    page.get_by_role("link", name="1 Bildung", exact=True).click()
    page.wait_for_url("**/bildung.html")
    page.get_by_role("link", name="Änderungen seit der Entscheidung vom 10. Juni 2020 "
                            "ansehen").click()
    page.wait_for_url("**/bildung-aenderungen.html")
    assert "Änderungen an Kapitel 1 Bildung" in page.locator("h1").inner_text()
    assert page.locator(".redline ins").count() > 0
    assert page.locator(".redline del").count() > 0
    first = page.locator(".redline ins").first
    assert first.text_content().startswith("Einfügung:")      # announced, not colour only
    assert watched.errors == [] and watched.dialogs == []


def test_keys_and_buttons_step_through_the_changes(site, watched):
    """Issue 15.7: j/n and k/p (and the two buttons) move from change to change."""
    page = watched.page
    page.set_viewport_size({"width": 390, "height": 700})
    page.goto(url(site, "bildung-aenderungen-volltext.html"))
    nav = page.locator(".change-nav")
    assert nav.is_visible()
    count = page.locator(".change-count")
    total = int(count.inner_text().split()[0])
    assert total >= 3
    page.keyboard.press("j")
    assert count.inner_text() == f"Änderung 1 von {total}"
    page.keyboard.press("n")
    assert count.inner_text() == f"Änderung 2 von {total}"
    current = page.locator(".redline .current")
    assert current.count() == 1
    box = current.bounding_box()
    assert 0 <= box["y"] < 700                         # scrolled into view
    assert page.evaluate("document.activeElement.classList.contains('current')")
    page.keyboard.press("k")
    assert count.inner_text() == f"Änderung 1 von {total}"
    page.keyboard.press("p")                           # wraps round to the last change
    assert count.inner_text() == f"Änderung {total} von {total}"
    page.get_by_role("button", name="nächste Änderung →").click()
    assert count.inner_text() == f"Änderung 1 von {total}"
    page.get_by_role("button", name="← vorige Änderung").click()
    assert count.inner_text() == f"Änderung {total} von {total}"
    assert watched.errors == [] and watched.dialogs == []


def test_the_steps_cover_every_chapter_of_a_fassung_diff(site, watched):
    """fassung-<n>.html holds one redline per chapter: the navigation counts them all."""
    page = watched.page
    page.goto(url(site, "fassung-2-volltext.html"))
    expected = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.redline ins, .redline del')).filter(el => !el.parentElement.closest('ins, del')).length""")
    total = int(page.locator(".change-count").inner_text().split()[0])
    assert 0 < total <= expected
    for _ in range(total):
        page.keyboard.press("n")
    assert page.locator(".change-count").inner_text() == f"Änderung {total} von {total}"
    assert watched.errors == []


def test_filter_narrows_the_measures_table(site, watched):
    page = watched.page
    page.goto(url(site, "massnahmen.html"))
    rows = page.locator("#massnahmen tbody tr")
    visible = page.locator("#massnahmen tbody tr:not([hidden])")
    count = page.locator("#massnahmen-anzahl")
    assert page.locator("#massnahmen-filter").is_visible()      # site.js ran under the CSP
    assert rows.count() == 5 and visible.count() == 5
    page.select_option("#f-feld", "bildung")
    assert visible.count() == 4
    assert count.inner_text() == "4 von 5 Maßnahmen"
    page.fill("#f-text", "elternkurse")
    assert visible.count() == 1
    assert visible.first.locator("th").inner_text() == "1.2.2"
    page.get_by_role("button", name="Filter zurücksetzen").click()
    page.wait_for_function("document.querySelectorAll('#massnahmen tbody tr[hidden]').length === 0")
    assert count.inner_text() == "5 Maßnahmen"
    page.fill("#f-zielgruppe", "eltern")
    assert visible.count() == 3
    page.fill("#f-zielgruppe", "")
    options = page.locator("#f-federfuehrung option").all_inner_texts()
    assert "VHS Hannover" not in options                 # one Akteur, one entry (issue 15.11)
    assert options.count("Volkshochschule Hannover") == 1
    page.select_option("#f-federfuehrung", "Volkshochschule Hannover")
    assert visible.count() == 2                          # written 'VHS Hannover' in 1.2.1
    assert watched.errors == [] and watched.dialogs == []


def test_hostile_chapter_runs_nothing(site, watched):
    page = watched.page
    for name in ("soziales.html", "index.html", "massnahmen.html", "bildung.html"):
        page.goto(url(site, name))
        page.wait_for_load_state("load")
        page.mouse.move(200, 400)
        assert page.locator("a[href^='javascript' i]").count() == 0, name
        assert page.locator("script:not([src='site.js'])").count() == 0, name
    page.goto(url(site, "soziales.html"))
    page.get_by_text("gefährlicher Link").click()
    page.get_by_text("ein Ereignis").click()
    assert watched.dialogs == []
    assert watched.errors == []        # also: no CSP refusals for the site's own files


def test_every_page_passes_axe(site, browser):
    if not AXE.exists():
        pytest.skip("axe-core fehlt: 'make setup' installiert es nach build/node")
    context = browser.new_context(bypass_csp=True)   # axe is injected inline
    page = context.new_page()
    failures = []
    widths = [(name, 1280) for name in site.pages] + [("index.html", 390),
                                                      ("massnahmen.html", 390),
                                                      ("bildung-aenderungen.html", 390)]
    for name, width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url(site, name))
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""")
        for v in result:
            if v["impact"] in ("serious", "critical"):
                failures.append((name, width, v["id"], v["nodes"]))
    context.close()
    assert failures == []


@pytest.mark.parametrize("width", [390, 810, 1024, 1280])
def test_no_page_is_wider_than_the_window(site, browser, width):
    """Wide tables become cards before they would push the page sideways (a laptop window
    of 1,024 px used to scroll the whole start page horizontally)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    too_wide = {}
    for name in site.pages:
        page.goto(url(site, name))
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            too_wide[name] = overflow
    context.close()
    assert too_wide == {}, f"breiter als das Fenster ({width} px): {too_wide}"


@pytest.fixture(scope="module")
def shipped_site(tmp_path_factory):
    """The site of the shipped plan (without its history): its tables hold the long names
    and compounds a test plan lacks."""
    from support import SHIPPED_PLAN

    from pipeline.commands import site as site_cmd

    return site_cmd.site_for_plan_dir(SHIPPED_PLAN, tmp_path_factory.mktemp("lip") / "site",
                                      require_valid=False)


_BROKEN_NAMES = """() => {
    const broken = [];
    for (const cell of document.querySelectorAll('table.chapters td.name')) {
        if (getComputedStyle(cell).display !== 'table-cell') continue;   // a card: one column
        const text = cell.firstChild;
        if (!text || text.nodeType !== Node.TEXT_NODE) continue;
        for (const m of text.data.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(text, m.index);
            range.setEnd(text, m.index + m[0].length);
            if (range.getClientRects().length > 1) broken.push(m[0]);
        }
    }
    return broken;
}"""


@pytest.mark.parametrize("width", [1210, 1280, 1920])
def test_a_stage_or_group_name_is_not_split_on_the_start_page(shipped_site, browser, width):
    """At 1,280 px the shipped plan's start page showed „Grundlage|npapier“ in its Etappe
    column: a browser without German hyphenation patterns split the word anywhere in the
    column the table squeezed. A name keeps its words whole; the page still fits."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(url(shipped_site, "index.html"))
    cells = page.evaluate("document.querySelectorAll('table.chapters td.name').length")
    broken = page.evaluate(_BROKEN_NAMES)
    overflow = page.evaluate("document.documentElement.scrollWidth - "
                             "document.documentElement.clientWidth")
    context.close()
    assert cells >= 2 * 13
    assert broken == [] and overflow <= 0, (broken, overflow)


@pytest.mark.parametrize("width", [810, 1024, 1280])
def test_no_page_of_the_shipped_plan_is_wider_than_the_window(shipped_site, browser, width):
    """As above, with the shipped plan's long names and compounds (a column that keeps its
    words whole once pushed the Maßnahmenkatalog past the window's edge at 1,280 px)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    too_wide = {}
    for name in shipped_site.pages:
        page.goto(url(shipped_site, name))
        overflow = page.evaluate("document.documentElement.scrollWidth - "
                                 "document.documentElement.clientWidth")
        if overflow > 0:
            too_wide[name] = overflow
    context.close()
    assert too_wide == {}, f"breiter als das Fenster ({width} px): {too_wide}"


def test_content_is_centred_in_a_wide_window(site, browser):
    """Issue 15.11: at 1,280 px the content no longer hugs the left edge; header, content and
    footer of a page share one width."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for name in ("bildung.html", "bildung-aenderungen.html", "fassung-2.html"):
        page.goto(url(site, name))
        box = page.evaluate("""() => {
            const m = document.querySelector('main').getBoundingClientRect();
            const t = document.querySelector('.site-title').getBoundingClientRect();
            const pad = parseFloat(getComputedStyle(document.querySelector('main')).paddingLeft);
            return {left: m.left, right: document.documentElement.clientWidth - m.right,
                    text: m.left + pad, title: t.left};
        }""")
        assert box["left"] > 80 and abs(box["left"] - box["right"]) <= 2, (name, box)
        assert abs(box["text"] - box["title"]) <= 1, (name, box)
    context.close()


# --- the HTML of `lip build` (issue 3): one self-contained file that fits any screen ---------


@pytest.fixture(scope="module")
def built_html(tmp_path_factory) -> Path:
    from support import SHIPPED_PLAN

    from pipeline.commands.build import build

    out = tmp_path_factory.mktemp("html")
    return build(SHIPPED_PLAN, output=out, formats=["html"], validate=False).outputs["html"]


@pytest.mark.parametrize("width", [1280, 390])
def test_built_html_is_self_contained_styled_and_fits_the_screen(browser, built_html, width) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(built_html.as_uri())
    page.wait_for_load_state("load")
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert [u for u in requests if u.startswith("file:")] == [built_html.as_uri()]  # nothing beside it
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{overflow}px breiter als das Fenster ({width}px)"
    red = page.evaluate("getComputedStyle(document.querySelector('main h1')).color")
    assert red == "rgb(195, 0, 47)"  # the style sheet travelled inside the file
    image = page.query_selector("main img")
    assert image.get_attribute("src").startswith("data:image/svg+xml")
    # described once: by its own alt text, or (alt="", 8625049) by the caption of its figure
    caption = page.evaluate("(img) => img.closest('figure')?.querySelector('figcaption')"
                            "?.textContent.trim() || ''", image)
    assert image.get_attribute("alt") or caption.startswith("Schaubild der Gremienstruktur:")
    assert image.get_attribute("alt") != caption
    assert page.evaluate("(img) => img.naturalWidth", image) > 0
    context.close()


_QUOTED_TABLE = """() => {
    const inner = document.querySelector('table.synopse table');
    const cells = [...inner.querySelectorAll('th, td')];
    return {
        widths: [...inner.querySelectorAll('thead th')].map(th => th.getBoundingClientRect().width),
        column: inner.closest('td').getBoundingClientRect().width,
        displays: [...new Set(cells.map(c => getComputedStyle(c).display))],
        labels: cells.map(c => getComputedStyle(c, '::before').content).filter(c => c !== 'none'),
    };
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_a_table_in_a_synopse_column_keeps_its_own_columns(browser, tmp_path, width):
    """The Synopse's rules once named every `td` inside it: a table quoted in a column got
    cells half the column wide each (its third column a letter wide at 1,280 px), and on a
    phone its cells became cards labelled „Bisher“ and „Neu“."""
    from pipeline.render import redline as render

    body = ("::::: {.rl-kapitel}\n# 6 Verwaltung\n\n"
            "| Einstellungsjahr | Neu eingestellte Nachwuchskräfte | Anteil mit Migrationsgeschichte |\n"
            "|:-----------------|---------------------------------:|--------------------------------:|\n"
            "| 2015             |                      [310]{.ins} |                            18 % |\n"
            ":::::\n")
    html = next(p for p in render.render_synopse("", body, tmp_path, title="S", epoch=0)
                if p.suffix == ".html")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(html.resolve().as_uri())
    found = page.evaluate(_QUOTED_TABLE)
    context.close()
    assert found["displays"] == ["table-cell"] and found["labels"] == []
    assert len(found["widths"]) == 3
    assert min(found["widths"]) > found["column"] / 6, found


@pytest.mark.parametrize("width", [320, 390, 1210, 1280])
def test_table_cells_keep_their_words_whole(shipped_site, browser, width):
    """The shipped plan's Maßnahmen split „Migrant*innenselbstorganisatio|nen“ at 1,280 px
    and in the phone's cards, the start page „Gleichstellungsbeauftrag|te“, a chapter's table
    „übergegang|en“ at 390 px: cells let a column shrink below its longest word. Now no cell
    splits a word, and no page is wider than the window (a chapter's table too wide for a
    phone scrolls inside itself; at 320 px „(Delegiertenkonferenz)“ and the state „nach
    Annahme geändert“ pushed the start page sideways)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    split, too_wide = {}, {}
    for name in ("index.html", "massnahmen.html", "rahmenbedingungen.html", "verwaltung.html"):
        page.goto(url(shipped_site, name))
        if words := page.evaluate(SPLIT_WORDS, "th, td"):
            split[name] = words
        overflow = page.evaluate("document.documentElement.scrollWidth - "
                                 "document.documentElement.clientWidth")
        if overflow > 0:
            too_wide[name] = overflow
    context.close()
    assert split == {} and too_wide == {}, (split, too_wide)
