"""`lip vorschau` (issue 19): a real process on 127.0.0.1 in a scratch repository with the
shipped plan; what it serves and refuses, how it survives bad saves, Ctrl-C; and in Debian's
Chromium: a save reloads the page, a YAML error appears on it and goes again."""

from __future__ import annotations

import http.client
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from support import SHIPPED_PLAN
from support.vorschau import LIP, Preview, shipped_repo

from pipeline.commands import vorschau
from pipeline.commands.vorschau_server import inject, safe_path

BILDUNG = "11-bildung.md"
SENTENCE = "Die Zuständigkeiten im Bildungsbereich"


# --- pieces, without a server ---------------------------------------------------------------


@pytest.fixture
def site_root(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "bilder").mkdir(parents=True)
    (root / "index.html").write_text("<html><head></head><body>Start</body></html>")
    (root / "bilder" / "a.svg").write_text("<svg/>")
    (root / ".htaccess").write_text("geheim")
    (tmp_path / "geheim.txt").write_text("geheim")
    (root / "link.txt").symlink_to(tmp_path / "geheim.txt")
    return root


@pytest.mark.parametrize("path", [
    "/../geheim.txt", "/../../etc/passwd", "/%2e%2e/geheim.txt", "/%2E%2E%2Fgeheim.txt",
    "/bilder/..%2f..%2fgeheim.txt", "/bilder/%2e%2e/%2e%2e/geheim.txt", "/.htaccess",
    "/%2ehtaccess", "/bilder", "/bilder/", "/link.txt", "/index.html%00.txt", "/..\\geheim.txt",
    "/%252e%252e/geheim.txt", "/%ff", "/gibt-es-nicht.html",
])
def test_nothing_outside_the_site_and_no_listing(site_root: Path, path: str) -> None:
    assert safe_path(site_root, path) is None


@pytest.mark.parametrize("path,name", [("/", "index.html"), ("/index.html?x=1", "index.html"),
                                       ("/bilder/a.svg", "a.svg"), ("/bilder//a.svg", "a.svg")])
def test_files_of_the_site_are_served(site_root: Path, path: str, name: str) -> None:
    found = safe_path(site_root, path)
    assert found is not None and found.name == name


def test_reload_script_goes_into_the_head_at_serve_time() -> None:
    page = inject(b"<html><head><title>x</title></head><body></body></html>", 7)
    assert b'<script src="/__vorschau/vorschau.js" data-seite="7" defer></script></head>' in page


def test_template_syntax_error_names_template_and_line(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "page.html").write_text("<html>\n<title>{{ title }}</title>\n"
                                                 "{% if wide %}\n<p>{{ content }</p>\n")
    (tmp_path / "site" / "gut.html").write_text("<p>{{ title }}</p>\n")
    (problem,) = vorschau.template_problems(tmp_path)
    assert str(problem).startswith("templates/site/page.html:4: vorlage: Syntaxfehler in der "
                                   "Vorlage: ")


def test_the_shipped_templates_have_no_syntax_error() -> None:
    from pipeline.render import templates_dir

    assert vorschau.template_problems(templates_dir()) == []


def test_sections_split_where_pandoc_would_start_a_block() -> None:
    md = ("# 1 Kapitel\n\nText.\n\n## 1.1 A\n\n```\n## kein Schnitt\n```\n\n"
          "Absatz\n## kein Schnitt (ohne Leerzeile)\n\n::: ins\n## kein Schnitt im Div\n:::\n\n"
          "## 1.2 B\n")
    assert [p.splitlines()[0] for p in vorschau.split_sections(md)] == [
        "# 1 Kapitel", "## 1.1 A", "## 1.2 B"]
    assert vorschau.split_sections("Text^[Fußnote]\n\n## 1.1 A\n") == [
        "Text^[Fußnote]\n\n## 1.1 A\n"]                     # a note may be anywhere: whole


@pytest.mark.slow
def test_rendering_per_section_equals_rendering_whole() -> None:
    """Every chapter of the shipped plan and every redline the site shows: the preview's
    pieces joined give byte for byte what `lip site` renders in one pandoc call."""
    from pipeline import history
    from pipeline.assemble import chapter_markdown
    from pipeline.commands import site, site_data
    from pipeline.plan import load_plan

    plan = load_plan(SHIPPED_PLAN)
    sources = [(chapter_markdown(c), []) for c in plan.chapters]
    past = history.PlanHistory(history.open_repo(SHIPPED_PLAN), "plan")
    for c in plan.chapters:
        red = site_data.redline_since_decision(past, c, site_data.state_view(c, plan.manifest))
        if red.available:
            sources.append((red.markdown, ["--shift-heading-level-by=1"]))
    assert sum(len(vorschau.split_sections(md)) > 1 for md, _ in sources) >= 10
    cache = vorschau.FragmentCache()
    assert cache(sources) == site.render_fragments(sources)
    calls = cache.calls
    assert cache(sources) == site.render_fragments(sources) and cache.calls == calls


# --- the process ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    plan_dir = shipped_repo(tmp_path_factory.mktemp("vorschau") / "stadt")
    preview = Preview(plan_dir)
    yield preview
    preview.stop()


def _raw_get(port: int, path: str, host: str | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", path, skip_host=host is not None, skip_accept_encoding=True)
    if host is not None:
        conn.putheader("Host", host)
    conn.endheaders()
    status = conn.getresponse().status
    conn.close()
    return status


@pytest.mark.slow
def test_serves_the_site_and_refuses_everything_else(running: Preview) -> None:
    status, page = running.get("/bildung.html")
    assert status == 200 and b"1 Bildung" in page and b"/__vorschau/vorschau.js" in page
    assert running.get("/__vorschau/vorschau.js")[0] == 200
    for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
                 "/..%2f..%2f..%2fetc%2fpasswd", "/bilder/", "/bilder", "/.htaccess",
                 "/__vorschau/../../etc/passwd"):
        assert _raw_get(running.port, path) == 404, path
    assert _raw_get(running.port, "/index.html", host=f"localhost:{running.port}") == 200
    assert _raw_get(running.port, "/index.html", host="boese.example:80") == 403  # DNS rebinding


@pytest.mark.slow
def test_port_in_use_says_so_and_names_a_free_one(running: Preview) -> None:
    run = subprocess.run([str(LIP), "vorschau", "--plan", str(running.plan_dir), "--port",
                          str(running.port)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert f"Port {running.port} ist schon belegt" in run.stderr
    assert "lip vorschau --port " in run.stderr and "Traceback" not in run.stderr


@pytest.mark.slow
def test_half_written_deleted_and_renamed_files_never_stop_it(running: Preview) -> None:
    chapter = running.plan_dir / BILDUNG
    text = chapter.read_text(encoding="utf-8")
    n = running.rebuilds()
    try:
        # an editor writing in steps: first half the head, a moment later the rest
        with chapter.open("w", encoding="utf-8") as f:
            f.write(text[:40])
            f.flush()
            time.sleep(0.02)
            f.write(text[40:].replace(SENTENCE, "Die Zuständigkeiten im halben Bildungsbereich"))
        running.wait_rebuilds(n + 1)
        chapter.unlink()                                   # deleted …
        time.sleep(0.5)
        (running.plan_dir / "neu.md").write_text(text, encoding="utf-8")
        (running.plan_dir / "neu.md").rename(chapter)      # … and back by a rename
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if SENTENCE.encode() in running.get("/bildung.html")[1]:
                break
            time.sleep(0.1)
    finally:
        chapter.write_text(text, encoding="utf-8")
    assert running.proc.poll() is None, "".join(running.err)
    assert SENTENCE.encode() in running.get("/bildung.html")[1]
    assert "Traceback" not in "".join(running.err), "".join(running.err)


def test_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    shutil.copytree(Path(__file__).parent / "data" / "plans" / "minimal" / "plan", tmp_path / "plan")
    preview = Preview(tmp_path / "plan")
    assert preview.get("/")[0] == 200
    assert preview.stop() == 0
    assert preview.err[-1].strip() == "Vorschau beendet."
    assert "Traceback" not in "".join(preview.err)


# --- in Chromium ----------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.browser
def test_browser_reloads_on_save_and_shows_problems_where_they_are(running: Preview) -> None:
    from support.browser import chromium

    chapter = running.plan_dir / BILDUNG
    text = chapter.read_text(encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            page.goto(running.url + "bildung.html")
            page.wait_for_function("() => window.performance.getEntriesByType('resource')"
                                   ".some(e => e.name.includes('/__vorschau/stand'))")
            chapter.write_text(text.replace(SENTENCE, "Die Zuständigkeiten im neuen Bildungsbereich"),
                               encoding="utf-8")
            page.wait_for_function("() => (document.body?.innerText ?? '').includes("
                                   "'Zuständigkeiten im neuen Bildungsbereich')", timeout=15000)
            assert page.locator("#lip-vorschau").count() == 0

            chapter.write_text(text.replace("\ntitel: Bildung\n", "\ntitel Bildung\n"),
                               encoding="utf-8")
            banner = page.locator("#lip-vorschau")
            page.wait_for_function("() => (document.getElementById('lip-vorschau') || {})"
                                   ".textContent?.includes('plan/11-bildung.md:5')", timeout=15000)
            assert "plan/11-bildung.md:5" in banner.inner_text()
            assert "Doppelpunkt" in banner.inner_text()
            assert "letzten lesbaren Stand" in banner.inner_text()
            assert "neuen Bildungsbereich" in page.locator("main").inner_text()  # last good page
            page.screenshot(path=str(running.plan_dir.parent / "vorschau-fehler.png"))

            chapter.write_text(text, encoding="utf-8")
            banner.wait_for(state="detached", timeout=15000)
            page.wait_for_function(f"() => (document.body?.innerText ?? '').includes({SENTENCE!r})",
                                   timeout=15000)
        finally:
            chapter.write_text(text, encoding="utf-8")
    assert errors == []


@pytest.mark.slow
def test_pdf_follows_every_save(tmp_path: Path) -> None:
    from support.pdf import pdf_text, squash

    shutil.copytree(Path(__file__).parent / "data" / "plans" / "minimal" / "plan", tmp_path / "plan")
    preview = Preview(tmp_path / "plan", "--pdf")
    pdf = tmp_path / "build" / "LIP-2.0.pdf"
    try:
        assert pdf.is_file()
        before = pdf.stat().st_mtime_ns
        chapter = tmp_path / "plan" / BILDUNG
        chapter.write_text(chapter.read_text(encoding="utf-8").replace(
            "Bildung öffnet Wege", "Bildung öffnet viele neue Wege"), encoding="utf-8")
        deadline = time.monotonic() + 30
        while pdf.stat().st_mtime_ns == before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert squash("Bildung öffnet viele neue Wege") in squash(pdf_text(pdf))
        preview.wait_rebuilds(2)
        status, served = preview.get("/downloads/LIP-2.0.pdf")
        assert status == 200 and served == pdf.read_bytes()        # the site links the new one
        assert ", PDF in " in "".join(preview.err)
    finally:
        assert preview.stop() == 0


def test_a_broken_template_keeps_the_last_site_and_says_where(tmp_path: Path) -> None:
    from pipeline.render import templates_dir

    shutil.copytree(Path(__file__).parent / "data" / "plans" / "minimal" / "plan", tmp_path / "plan")
    templates = tmp_path / "templates"
    shutil.copytree(templates_dir(), templates)
    site_dir = tmp_path / "build" / "vorschau" / "site"
    preview = vorschau.Preview(tmp_path / "plan", site_dir, build_dir=tmp_path / "build",
                               templates=templates)
    assert preview.build().site_built and (site_dir / "bildung.html").is_file()
    page = templates / "site" / "page.html"
    page.write_text(page.read_text(encoding="utf-8").replace("{{ content }}", "{{ content }"),
                    encoding="utf-8")
    line = 1 + page.read_text(encoding="utf-8").split("{{ content }")[0].count("\n")
    outcome = preview.build()
    assert not outcome.site_built and "letzten lesbaren Stand" in outcome.note
    assert [str(d).split(": Syntaxfehler")[0] for d in outcome.problems] == [
        f"templates/site/page.html:{line}: vorlage"]
    assert (site_dir / "bildung.html").is_file()                  # the last good site stays


def test_typst_template_syntax_error_names_its_line(tmp_path: Path) -> None:
    """For --pdf: a typst syntax error in templates/lip.typ is reported at the template's own
    line, not at a place in the plan."""
    from pipeline.render import templates_dir
    from pipeline.render.pdf import template_syntax_problems

    shipped = templates_dir() / "lip.typ"
    assert template_syntax_problems(shipped) == []
    lines = shipped.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("#let grundgroesse"))
    lines[at] = lines[at].replace("= ", "= (", 1)
    broken = tmp_path / "lip.typ"
    broken.write_text("".join(lines), encoding="utf-8")
    assert template_syntax_problems(broken) == [(at + 1, "unclosed delimiter")]
