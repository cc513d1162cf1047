"""Redline outputs: HTML with labelled <ins>/<del>, DOCX with real tracked changes that
pandoc accepts to NEU and rejects to ALT, a tagged PDF, and the Synopse."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from support.office import HAS_UNO, SOFFICE, run_script, without_comments
from support.redline_views import docx_words
from test_redline import CASES, read_case

from pipeline import redline
from pipeline.render import redline as redline_render
from pipeline.render import redline_text


@pytest.fixture(scope="module")
def sample() -> tuple[str, str, redline.Redline]:
    """All data cases in one document: words, formatting, lists, tables, moves, notes."""
    olds, news = [], []
    for case in CASES:
        old, new, _ = read_case(case)
        olds.append(old)
        news.append(new)
    old, new = "\n\n".join(olds), "\n\n".join(news)
    return old, new, redline_text.compare_markdown(old, new)


def test_docx_has_real_tracked_changes_that_round_trip(sample, tmp_path: Path) -> None:
    old, new, red = sample
    out = redline_render.render_docx(red.markdown, tmp_path / "r.docx", title="Test",
                                     author="Expert*innengruppe Bildung",
                                     date="2020-06-01T00:00:00Z", epoch=0)
    xml = zipfile.ZipFile(out).read("word/document.xml").decode("utf-8")
    assert "<w:ins " in xml and "<w:del " in xml and "<w:delText" in xml
    assert 'w:author="Expert*innengruppe Bildung"' in xml
    assert 'w:date="2020-06-01T00:00:00Z"' in xml
    ids = re.findall(r'<w:(?:ins|del) w:id="(\d+)"', xml)
    assert len(ids) == len(set(ids)) > 10  # one id per change
    assert docx_words(out, "accept") == redline_text.markdown_words(new)
    assert docx_words(out, "reject") == redline_text.markdown_words(old)


def test_each_chapter_is_the_author_of_its_tracked_changes(tmp_path: Path) -> None:
    """A chapter's marks are its Expert*innengruppe's; marks outside chapters, also after
    one, are the document's author's."""
    md = ("Vorne [eins]{.ins}.\n\n"
          "::::: {.rl-kapitel autor=\"Gruppe A\"}\n## A\n\nText [zwei]{.ins}.\n\n"
          "::: del\nAlter Absatz.\n:::\n:::::\n\n"
          "::::: {.rl-kapitel autor=\"Gruppe B\"}\n## B\n\nText [drei]{.del}.\n:::::\n\n"
          "Hinten [vier]{.ins}.\n")
    out = redline_render.render_docx(md, tmp_path / "r.docx", title="T", author="Dokument",
                                     date="2020-06-01T00:00:00Z", epoch=0)
    xml = zipfile.ZipFile(out).read("word/document.xml").decode("utf-8")
    marks = re.findall(r'<w:(?:ins|del) w:id="\d+" w:author="([^"]*)"[^>]*>(?:<w:r>)?.*?'
                       r'<w:(?:t|delText)[^>]*>([^<]*)<', xml)
    assert [(who, text) for who, text in marks if text.strip()] == [
        ("Dokument", "eins"), ("Gruppe A", "zwei"), ("Gruppe A", "Alter Absatz."),
        ("Gruppe B", "drei"), ("Dokument", "vier")]


def test_the_docx_page_header_names_the_redline_and_the_new_version(tmp_path: Path) -> None:
    """The Word template's header has placeholders; a redline left them showing (LIPTITEL)."""
    out = redline_render.render_docx("Text [neu]{.ins}.\n", tmp_path / "r.docx",
                                     title="Änderungen: v1 → v2 & mehr", author="A",
                                     date="2020-06-01T00:00:00Z", epoch=0, version="v2")
    with zipfile.ZipFile(out) as z:
        headers = "".join(z.read(n).decode("utf-8") for n in z.namelist()
                          if re.fullmatch(r"word/header\d*\.xml", n))
    assert "Änderungen: v1 → v2 &amp; mehr" in headers and ">v2<" in headers
    assert "LIP" not in headers


@pytest.mark.parametrize("in_parts", [True, False], ids=["in-teilen", "als-ganzes"])
def test_the_docx_title_shares_its_page_with_the_first_chapter(in_parts: bool, monkeypatch,
                                                                tmp_path: Path) -> None:
    """The council's template starts every chapter-level heading on a new page: the title of
    a one-word redline stood alone on page 1. The first heading now stays with it, later
    chapters still begin a page; converted in parts and whole alike. Text after a table
    has space above it."""
    from pipeline.render import redline_docx

    if not in_parts:
        monkeypatch.setattr(redline_docx, "docx_bytes", lambda *a, **k: None)
    md = ("# Erstes Kapitel\n\nText [neu]{.ins}.\n\n| Spalte | Zahl |\n|---|---:|\n"
          "| Zeilenende | 37 |\n\nNachtabelle folgt.\n\n# Zweites Kapitel\n\nMehr Text.\n")
    out = redline_render.render_docx(md, tmp_path / "r.docx", title="Änderungen: v1 → v2",
                                     author="A", date="2020-06-01T00:00:00Z", epoch=0)
    with zipfile.ZipFile(out) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    headings = re.findall(r'<w:pPr><w:pStyle w:val="Heading1" ?/>(.*?)</w:pPr>', xml)
    assert headings == ['<w:pageBreakBefore w:val="0"/>', ""], headings
    if SOFFICE is None:
        return
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   capture_output=True, check=True, timeout=120)
    pages = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"],
                           capture_output=True, text=True, check=True).stdout.split("\f")
    assert "Änderungen: v1 → v2" in pages[0] and "Erstes Kapitel" in pages[0], pages[0]
    assert "Zweites Kapitel" not in pages[0] and "Zweites Kapitel" in pages[1]
    # text after a table stands apart from its last row (it stood flush: 2 pt between them)
    box = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(tmp_path / "r.pdf"),
                          "-"], capture_output=True, text=True, check=True).stdout
    tops = {w: (float(a), float(b)) for a, b, w in re.findall(
        r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)<', box)}
    assert tops["Nachtabelle"][0] - tops["Zeilenende"][1] >= 6, tops


def test_docx_is_reproducible(sample, tmp_path: Path) -> None:
    _, _, red = sample
    a = redline_render.render_docx(red.markdown, tmp_path / "a.docx", title="T", author="A",
                                   date="2020-06-01T00:00:00Z", epoch=1590969600)
    b = redline_render.render_docx(red.markdown, tmp_path / "b.docx", title="T", author="A",
                                   date="2020-06-01T00:00:00Z", epoch=1590969600)
    assert a.read_bytes() == b.read_bytes()


def test_html_fragment_is_semantic_and_labelled(sample) -> None:
    _, _, red = sample
    html = redline_render.to_html_fragment(red)
    assert "<ins>" in html and "<del>" in html
    assert '<span class="visually-hidden">Einfügung: </span>' in html
    assert '<span class="visually-hidden">Streichung: </span>' in html
    assert 'id="verschoben-1"' in html and 'href="#verschoben-1-alt"' in html


def test_pdf_is_tagged_pdf_ua_and_reproducible(sample, tmp_path: Path) -> None:
    import pikepdf

    _, _, red = sample
    a = redline_render.render_pdf(red.markdown, tmp_path / "a" / "r.pdf", title="Test",
                                  epoch=1590969600)
    b = redline_render.render_pdf(red.markdown, tmp_path / "b" / "r.pdf", title="Test",
                                  epoch=1590969600)
    assert a.read_bytes().startswith(b"%PDF-")
    assert a.read_bytes() == b.read_bytes()
    with pikepdf.open(a) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang) == "de-DE"
        assert "pdfuaid" in pdf.open_metadata().__str__() or \
            b"pdfuaid" in pdf.Root.Metadata.read_bytes()


def test_synopse_has_two_aligned_columns(sample, tmp_path: Path) -> None:
    _, _, red = sample
    out = redline_render.render_synopse_html("", red.markdown, tmp_path / "s.html",
                                             title="Synopse", epoch=0)
    html = out.read_text(encoding="utf-8")
    assert "Bisherige Fassung" in html and "Neue Fassung" in html
    assert html.count("<tr") > 10
    # a changed paragraph: old column shows only the deletion, new column only the insertion
    row = next(r for r in html.split("<tr")[1:] if "Juni" in r)
    left, right = row.split("</td>")[0], row.split("</td>")[1]
    assert "<del>" in left and "<ins>" not in left
    assert "<ins>" in right and "<del>" not in right


def test_the_synopse_columns_number_each_versions_own_paragraphs() -> None:
    """Paragraphs numbered „(1)“, „(2)“ are an ordered list to pandoc. Where a law inserts
    paragraphs (2) to (4) (BGB 2012, § 312g), the redline wraps each new item's text as
    inserted; the old column must not show their empty items „(2) (3) (4)“ nor number the
    old second paragraph „(5)“. Each column is its version's own list, items and numbers; a
    list wholly inserted or struck is none in the other column."""
    old = ("(1) Erster Absatz bleibt.\n\n(2) Der alte zweite Absatz.\n\n"
           "(3) Der alte dritte Absatz.\n\nDanach.\n\n- ein Punkt\n")
    new = ("(1) Erster Absatz bleibt.\n\n(2) Ein ganz neuer Absatz mit vielen Wörtern.\n\n"
           "(3) Noch ein neuer.\n\n(4) Der alte zweite Absatz.\n\n"
           "(5) Der alte dritte Absatz.\n\nDanach.\n\n1. eins\n2. zwei\n")
    red = redline_text.compare_markdown(old, new)
    doc = redline_render.synopse_document(red.markdown, title="T")
    rows = doc["blocks"][0]["c"][4][0][3]
    columns = [[b for row in rows for b in row[1][side][4]] for side in (0, 1)]
    for blocks, text, accept in zip(columns, (old, new), (False, True), strict=True):
        plain = redline.resolve_blocks(blocks, accept=accept)  # its own marks unwrapped
        wanted = redline_text.parse_markdown(text)
        assert [(b["t"], len(b["c"][1]) if b["t"] == "OrderedList" else None,
                 b["c"][0][0] if b["t"] == "OrderedList" else None) for b in plain] \
            == [(b["t"], len(b["c"][1]) if b["t"] == "OrderedList" else None,
                 b["c"][0][0] if b["t"] == "OrderedList" else None) for b in wanted]
        assert redline.ast_words(plain) == redline.ast_words(wanted)
    # a wholly inserted item of one line (a paragraph of one inserted span) goes too
    items = redline_text.parse_markdown("1. eins\n2. [zwei]{.ins}\n3. drei\n")
    kept = redline.resolve_blocks(items, accept=False)
    assert [len(b["c"][1]) for b in kept] == [2]
    assert redline.resolve_blocks(redline_text.parse_markdown("- [neu]{.ins}\n"),
                                  accept=False) == []


@pytest.mark.slow
@pytest.mark.office
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) nicht installiert")
def test_libreoffice_reads_the_tracked_changes(tmp_path: Path) -> None:
    """A real office suite sees the changes, their author, and accepts/rejects to NEU/ALT."""
    # LibreOffice's text export moves footnotes, inline (^[…]) and by label ([^1])
    pairs = [read_case(c)[:2] for c in CASES
             if not any(n in c.read_text(encoding="utf-8") for n in ("^[", "[^"))]
    old = "\n\n".join(p[0] for p in pairs)
    new = "\n\n".join(p[1] for p in pairs)
    red = redline_text.compare_markdown(old, new)
    docx = redline_render.render_docx(red.markdown, tmp_path / "r.docx", title="Test",
                                      author="Expert*innengruppe Bildung",
                                      date="2020-06-01T00:00:00Z", epoch=0)
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                    "--convert-to", "fodt", "--outdir", str(tmp_path), str(docx)],
                   capture_output=True, check=True, timeout=120)
    fodt = (tmp_path / "r.fodt").read_text(encoding="utf-8")
    assert fodt.count("<text:insertion") >= 5 and fodt.count("<text:deletion") >= 5
    assert set(re.findall(r"<dc:creator>(.*?)</dc:creator>", fodt)) == \
        {"Expert*innengruppe Bildung"}
    if not HAS_UNO:
        return
    readable = without_comments(docx, tmp_path / "ohne-kommentare.docx")  # moved passages
    for mode, src in (("accept", new), ("reject", old)):
        out = tmp_path / f"{mode}.txt"
        run_script("lo_tracked_changes.py", readable, mode, out)
        text = out.read_text(encoding="utf-8-sig")
        # whole paragraphs and rows go with their marks: no run of empty lines is left
        # (a fully deleted table leaves one)
        assert "\n\n\n" not in text
        words = [w for w in text.split() if w != "•"]
        assert words[1:] == redline_text.markdown_words(src)  # [0] is the title "Test"


def _bbox_words(pdf: Path) -> list[tuple[int, float, float, str]]:
    """(page, xMin, yMin, word) of every word."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    words = []
    for number, page in enumerate(out.split("<page ")[1:], start=1):
        for x, y, w in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', page):
            words.append((number, float(x), float(y), w))
    return words


def _pages_gray(pdf: Path) -> list[tuple[int, int, bytes]]:
    """Each page as (width, height, grey pixels), rasterised at 72 dpi: a pixel a point."""
    out = subprocess.run(["pdftoppm", "-r", "72", "-gray", str(pdf)], capture_output=True,
                         check=True).stdout
    pages = []
    while out:  # one binary PGM per page: "P5\nWIDTH HEIGHT\n255\n" and the pixels
        _, size, _, out = out.split(b"\n", 3)
        width, height = map(int, size.split())
        pages.append((width, height, out[:width * height]))
        out = out[width * height:]
    return pages


def _bars(pdf: Path, margin: str = "left") -> dict[int, list[float]]:
    """The change bars' vertical centres (pt from the top) on each page: dark runs in the
    left (or right) margin, 0.4 cm outside the text."""
    bars: dict[int, list[float]] = {}
    for page, (width, height, pixels) in enumerate(_pages_gray(pdf), start=1):
        columns = slice(55, 62) if margin == "left" else slice(width - 63, width - 56)
        dark = [min(pixels[y * width:y * width + width][columns]) < 128 for y in range(height)]
        starts = [y for y in range(height) if dark[y] and (y == 0 or not dark[y - 1])]
        ends = [y for y in range(height) if dark[y] and (y + 1 == height or not dark[y + 1])]
        bars[page] = [(a + b) / 2 for a, b in zip(starts, ends, strict=True)]
    return bars


def _has_bar(bars: dict[int, list[float]], page: int, word_top: float) -> bool:
    """Whether a bar stands beside the line whose word begins `word_top` pt from the top."""
    return any(abs(centre - (word_top + 5)) < 6 for centre in bars.get(page, []))


def test_pdf_draws_a_change_bar_beside_each_changed_line(tmp_path: Path) -> None:
    """Each mark puts a short bar into the left margin at the line where it starts, also on
    a later page, in a list and in a table; and in the Synopse also where a row breaks
    across pages, so that a mark in its left column comes after marks of the next page. A
    mark of the Synopse's new column has its bar in the right margin, beside its column."""
    md = ("# Kapitel A\n\nEin Satz mit [eingefügtem]{.ins} Wort.\n\n"
          "Noch ein Absatz, hier [ohne]{.del} Wort.\n\n- Ein Punkt mit [neuem]{.ins} Text.\n\n"
          "| Spalte | Wert |\n|---|---|\n| Zeile | [alt]{.del} |\n\n"
          "Ein Absatz ganz ohne Änderung.\n\n# Kapitel B\n\nZuletzt [geändert]{.ins}.\n")
    pdf = redline_render.render_pdf(md, tmp_path / "r.pdf", title="Test", epoch=0)
    bars = _bars(pdf)
    words = _bbox_words(pdf)
    pages = set()
    for word in ("eingefügtem", "ohne", "neuem", "alt", "geändert"):
        page, y = next((p, y) for p, _, y, w in words if w.strip(".") == word)
        assert _has_bar(bars, page, y), (word, page, y, bars)
        pages.add(page)
    first, second = sorted(pages)
    assert len(bars[first]) == 4 and len(bars[second]) == 1, bars

    sentences = " ".join(f"Satz {k} des langen Absatzes." for k in range(260))
    old = f"{sentences} Am Ende der alte Schluss.\n\nKurz danach.\n"
    new = f"Neu am Anfang. {sentences} Am Ende der neue Schluss.\n\nKurz danach.\n"
    red = redline_text.compare_markdown(old, new)
    synopse = redline_render.render_synopse_pdf("", red.markdown, tmp_path / "s.pdf",
                                                title="Synopse", epoch=0)
    bars = _bars(synopse)
    words = _bbox_words(synopse)
    start = next(p for p, x, _, w in words if w == "Neu" and x > 290)
    end = next(p for p, x, _, w in words if w == "alte" and x < 290)
    assert end > start, "the row breaks across pages"
    right = _bars(synopse, "right")  # the new column's marks: in the right margin
    for word, left in (("Neu", False), ("alte", True), ("neue", False)):
        page, y = next((p, y) for p, x, y, w in words if w == word and (x < 290) == left)
        assert _has_bar(bars if left else right, page, y), (word, page, y, bars, right)
    assert not _has_bar(bars, start, next(y for _, x, y, w in words if w == "Neu" and x > 290))


def _dark_columns(pdf: Path, page: int, y: float) -> list[int]:
    """The dark pixels' x (pt) across the line whose words begin `y` pt from the top."""
    width, _, pixels = _pages_gray(pdf)[page - 1]
    row = pixels[int(y + 5) * width:int(y + 5) * width + width]
    return [x for x in range(width) if row[x] < 128]


def test_a_changed_blocks_bar_stands_beside_its_text_not_on_a_number_or_a_rule(
        tmp_path: Path) -> None:
    """An inserted block has a bar along its side. At the text's edge it stands in the margin
    with the others; in a numbered paragraph („(2)“, an item to pandoc) it stood on the
    number, and in the Synopse's new column on the rule between the columns, 0.4 cm left of
    the block. Now it stands between the number (or the rule) and the text."""
    md = ("# T\n\n(1) Erster Absatz.\n\n(2) ::: ins\n    Eingefügter zweiter Absatz.\n    :::\n\n"
          "(3) Dritter Absatz.\n\n::: ins\nGanz neuer Absatz danach.\n:::\n\nSchluss.\n")
    pdf = redline_render.render_pdf(md, tmp_path / "r.pdf", title="Test", epoch=0)
    words = _bbox_words(pdf)
    page, number_x, y = next((p, x, y) for p, x, y, w in words if w == "(2)")
    text_x = next(x for p, x, _, w in words if w == "Eingefügter")
    dark = _dark_columns(pdf, page, y)
    assert any(number_x + 12 < x < text_x for x in dark), (number_x, text_x, dark)
    assert not any(number_x - 20 < x < number_x for x in dark), "nothing left of the number"
    page, y = next((p, y) for p, x, y, w in words if w == "Ganz")
    assert _has_bar(_bars(pdf), page, y), "a block at the text's edge: its bar in the margin"

    synopse = redline_render.render_synopse_pdf("", md, tmp_path / "s.pdf", title="S", epoch=0)
    words = _bbox_words(synopse)
    rule = next(x for p, x, _, w in words if w == "Neue") - 5  # the cell's inset: 5 pt
    page, text_x, y = next((p, x, y) for p, x, y, w in words if w == "Ganz")
    dark = _dark_columns(synopse, page, y)
    assert any(rule + 1 < x < text_x for x in dark), (rule, text_x, dark)
    assert not any(rule - 15 < x < rule - 1 for x in dark), "no bar across the rule"
    page, number_x, y = next((p, x, y) for p, x, y, w in words if w == "(2)" and x > rule)
    text_x = next(x for p, x, _, w in words if w == "Eingefügter" and x > rule)
    dark = _dark_columns(synopse, page, y)
    assert any(number_x + 12 < x < text_x for x in dark), (number_x, text_x, dark)


def test_an_inserted_paragraph_stands_at_the_texts_edge_with_a_bar_down_to_its_last_line(
        tmp_path: Path) -> None:
    """Walkthrough: an inserted paragraph after a Maßnahme's fields stood 6 pt right of its
    unchanged neighbours (the inset meant for a bar beside it, though its bar is in the
    margin), and its bar ended at the last line's baseline, above the line's underline."""
    md = ("# Bildung\n\n#### Maßnahme 1.1.1: Sprachbildung\n\nText der Maßnahme.\n\n"
          "Federführung\n:   Fachbereich Jugend und Familie\n\nKennzahl\n:   Anteil der Kitas\n\n"
          "::: ins\nDie Qualifizierung wird jährlich ausgewertet und die Ergebnisse werden der "
          "Lenkungsgruppe vorgelegt, die daraus Empfehlungen für den nächsten Zeitraum "
          "ableitet.\n:::\n\nEin Absatz danach.\n")
    pdf = redline_render.render_pdf(md, tmp_path / "r.pdf", title="T", epoch=0)
    words = _bbox_words(pdf)
    page, first_x, first_y = next((p, x, y) for p, x, y, w in words if w == "Die")
    after = next(x for p, x, y, w in words if w == "Ein" and p == page and y > first_y)
    assert first_x == pytest.approx(after, abs=0.5), "the neighbour's left edge"
    last_x, last_y = next((x, y) for p, x, y, w in words if w == "Empfehlungen" and p == page)
    width, height, pixels = _pages_gray(pdf)[page - 1]

    def dark(y: int, columns: slice) -> bool:
        return min(pixels[y * width:y * width + width][columns]) < 128

    word = slice(int(last_x) + 2, int(last_x) + 40)
    underline = max(y for y in range(int(last_y), int(last_y) + 13) if dark(y, word))
    margin = slice(55, 62)
    bar = [y for y in range(int(first_y) - 5, underline + 5) if dark(y, margin)]
    assert bar and bar[0] <= first_y + 4 and bar[-1] >= underline, (first_y, underline, bar)


def test_the_pdfs_page_header_keeps_a_long_title_apart_from_the_version(tmp_path: Path) -> None:
    """A Word proposal's header: its long title ran into the version on the right
    („gegenüber mainBranch vorschlag/…“); now the title wraps in its own column. A version
    „2. Fassung“ in that column reads as text, not as a numbered list's item „2.“."""
    md = "# A\n\nText [neu]{.ins}.\n\n# B\n\nMehr.\n"
    proposal = ("Vorschlag aus Word (Erika Mustermann-Schmidt von Hohenberg u. a., 07.12.2026) "
                "gegenüber main")
    branch = "Branch vorschlag/bildung-erika-mustermann-schmidt-von-hohenberg-2026-12-07"
    for name, title, version in (("lang", proposal, branch),
                                 ("fassung", "Änderungen: 1. Fassung → 2. Fassung", "2. Fassung")):
        pdf = redline_render.render_pdf(md, tmp_path / f"{name}.pdf", title=title,
                                        meta={"version": version}, epoch=0)
        out = subprocess.run(["pdftotext", "-bbox", "-f", "2", "-l", "2", str(pdf), "-"],
                             capture_output=True, check=True).stdout.decode()
        header = [(float(a), float(b), w) for a, y, b, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)"[^>]*>([^<]*)</word>', out)
            if float(y) < 60]
        words = " ".join(w for _, _, w in header).replace("- ", "-")  # a line broken at „-“
        assert words == f"{title} {version}", header
        right = next(k for k, (_, _, w) in enumerate(header) if w == version.split()[0]
                     and k >= len(title.split()))
        assert header[right][0] - header[right - 1][1] > 10, "title and version apart"
        gaps = [b[0] - a[1] for a, b in zip(header[right:], header[right + 1:], strict=False)
                if b[0] > a[1]]
        assert all(gap < 4 for gap in gaps), ("one space between the version's words", header)


def test_synopse_pdf_keeps_list_items_boxes_and_headings_together(tmp_path: Path) -> None:
    """Issue 16: in the "Neue Fassung" column a Ziel's second line left its bullet; the
    Vorgaben box stood in both columns; a heading row could end a page."""
    item = ("- **Ziel 1.1.1:** Kinder aus zugewanderten Familien besuchen ebenso früh und ebenso "
            "lange eine Kindertagesstätte wie andere Kinder und finden dort [gute]{.ins} Freunde.")
    paragraphs = "\n\n".join(f"Absatz {i}: " + "Ein Satz mit einigen Wörtern darin. " * 12 for i in range(9))
    md = ("# 1 Bildung\n\n::: vorgaben\n**Vorgaben der Lenkungsgruppe (1. Fassung):**\n\n"
          "- V1: Eltern einbeziehen.\n:::\n\n" + paragraphs + "\n\n## 1.1 Elementarbereich\n\n"
          "### Ziele\n\n" + item + "\n\n::: ins\nEin ganz neuer Absatz.\n:::\n\nSchluss.\n")
    pdf = redline_render.render_synopse_pdf("", md, tmp_path / "s.pdf", title="Synopse", epoch=0)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    assert text.count("Vorgaben der Lenkungsgruppe") == 1, "the box spans both columns, once"
    words = _bbox_words(pdf)
    bullets = [(p, x, y) for p, x, y, w in words if w == "•" and x > 290]
    assert bullets, "the new column's Ziel is a list item"
    page, bx, by = bullets[0]
    after = [x for p, x, y, w in words if p == page and y > by + 5 and y < by + 40 and x > 290 and w != "•"]
    assert after and min(after) > bx + 3, "the item's second line stays indented under its text"
    inserted = [x for p, x, y, w in words if w == "ganz"]
    assert inserted and min(inserted) > 290, "an inserted paragraph stands in the new column only"
    for number, page_text in enumerate(text.split("\f")[:-1], start=1):
        lines = [line.strip() for line in page_text.splitlines() if line.strip()
                 and not re.fullmatch(r"Seite \d+ von \d+", line.strip())]
        assert lines[-1] not in ("1.1 Elementarbereich", "Ziele"), f"Seite {number} endet mit einer Überschrift"


def _one_pandoc_per_core(monkeypatch) -> list[int]:
    """Make the engine write even little changed text with one pandoc per core of two; the
    list fills with the number of runs of each pandoc pool."""
    from pipeline.render import redline_text

    calls: list[int] = []
    real_pool = redline_text.run_pandoc_pool
    monkeypatch.setattr(redline_text, "run_pandoc_pool",
                        lambda jobs, workers, *rest: calls.append(len(jobs))
                        or real_pool(jobs, workers, *rest))
    monkeypatch.setattr(redline_text, "PARALLEL_WRITE_MIN_CHARS", 1)
    monkeypatch.setattr(redline_text, "cores", lambda: 2)
    return calls


def test_changed_passages_are_written_the_same_in_one_pandoc_or_one_per_core(monkeypatch):
    """Much changed text is written as Markdown by several pandoc at once; the result is the
    one pandoc's."""
    from pipeline.render import redline_text

    paragraphs = [f"## Abschnitt {k}\n\nDer {k}. Absatz nennt **Hannover** und "
                  f"[einen Verweis](https://example.org/{k}) sowie `Code {k}`."
                  for k in range(60)]
    groups = [json.dumps(g) for g in
              redline_text.parse_chunks([([[p] for p in paragraphs], [])])[0]]
    one = redline_text.render_markdown(groups)
    calls = _one_pandoc_per_core(monkeypatch)
    assert redline_text.render_markdown(groups) == one
    assert calls == [2]
    assert "Abschnitt 59" in one[-1] and "**Hannover**" in one[0]


@pytest.mark.parametrize("broken", [
    "",                                    # every separator where it belongs
    "::: {.kasten}\nEin Kasten ohne Ende",  # a div that takes the separators after it inside
])
def test_changed_passages_are_read_once_and_kept_as_pandoc_wrote_them(broken: str) -> None:
    """The engine's pandoc reads all groups of a side at once; each group's JSON is cut from
    its output at the separators for the cache. Where a separator went astray the groups are
    read one by one: either way each group is what pandoc reads of it alone."""
    groups = [["## Eins\n\nText mit *Betonung* und „Anführungszeichen“."],
              ["- Punkt\n- noch ein Punkt[^a]"],
              [broken or "Absatz"],
              ["| A | B |\n|---|---|\n| 1 | 2 |", "Zweiter Block mit [Verweis][v]."]]
    defs = ["[^a]: Fußnote.", "[v]: https://example.org"]
    pairs = redline_text.parse_chunks([(groups, defs)], with_json=True)[0]
    alone = [json.loads(redline_text.run_pandoc(
        ["-f", redline_text.REDLINE_CHUNK_READER, "-t", "json"],
        "\n\n".join([*g, *defs]) + "\n"))["blocks"] for g in groups]
    assert [blocks for blocks, _ in pairs] == alone
    assert [json.loads(text) for _, text in pairs] == alone
    assert redline_text.parse_chunks([(groups, defs)])[0] == alone


@pytest.mark.parametrize("per_core", [False, True])
def test_a_changed_passage_keeps_its_own_footnote(per_core: bool, monkeypatch) -> None:
    """pandoc writes the notes of changed passages as [^1], [^2], … in every run; beside the
    unchanged text's own [^1] each must still show its own footnote."""
    from pipeline.render import redline_html, redline_text

    if per_core:
        _one_pandoc_per_core(monkeypatch)
    count = 8
    old = "".join(f"Absatz {k}[^{k}] bleibt.\n\n" for k in range(1, count + 1)) + "".join(
        f"[^{k}]: Fußnote {k}.\n\n" for k in range(1, count + 1))
    new = old
    for k in range(2, count + 1, 2):  # every second paragraph changes
        new = new.replace(f"Absatz {k}[^{k}] bleibt.", f"Absatz {k}[^{k}] bleibt geändert.")
    md = redline_text.compare_markdown(old, new).markdown
    definitions = re.findall(r"^(\[\^[^\]]+\]):", md, re.M)
    assert len(definitions) == len(set(definitions)), md
    html = redline_html.render_html_whole(md, title="T").decode()
    notes = dict(re.findall(r'<li id="fn(\d+)"><p>Fußnote (\d+)\.', html))
    for k in range(1, count + 1):
        ref = re.search(rf"Absatz {k}<a href=\"#fn(\d+)\"", html).group(1)
        assert notes[ref] == str(k), f"Absatz {k} zeigt Fußnote {notes[ref]}"


def test_a_passage_with_a_note_label_as_code_is_left_as_written() -> None:
    """`[^1]` inside code cannot be told from a footnote label: that passage keeps pandoc's
    labels, its code stays as it was."""
    from pipeline.render import redline_text

    old = "Absatz mit Fußnote[^a] und dem Code `[^1]`.\n\n[^a]: Fußnote.\n"
    new = old.replace("Absatz mit", "Ein Absatz mit")
    md = redline_text.compare_markdown(old, new).markdown
    assert "`[^1]`" in md and "[^lip" not in md


def _filtered(md: str, fmt: str) -> bytes:
    """pandoc's output for `fmt` through the redline filter."""
    from pipeline.render.reader import REDLINE_READER
    from pipeline.render.tools import run_pandoc

    return run_pandoc(["-f", REDLINE_READER, "-t", fmt, "--lua-filter",
                       str(redline_render.FILTER)], md)


def test_the_pdf_clamps_heading_levels_in_document_order_also_inside_a_chapter() -> None:
    """The filter unwraps a chapter and collects ids in one pass, which meets the chapter's
    own blocks before the ones inside them; heading levels (PDF/UA: no level skipped) need
    document order. Here „B“ follows „A“ (level 1), inside a deleted passage, before „C“."""
    md = ("::::: {.rl-kapitel autor=\"X\"}\n# A\n\n::: del\n#### B\n:::\n\n## C\n\n"
          "#### D\n:::::\n")
    levels = re.findall(r"^(=+) ([A-D])\b", _filtered(md, "typst").decode(), re.M)
    assert [(len(marks), name) for marks, name in levels] == [(1, "A"), (2, "B"), (2, "C"),
                                                               (3, "D")]


@pytest.mark.parametrize("fmt", ["html5", "docx", "typst"])
def test_a_link_without_target_around_a_mark_keeps_the_mark(fmt) -> None:
    """`[[Kitas]{.del}](#fehlt)`: the link goes (its target is not in the document), the
    deletion stays: the link was unlinked in the same pass that makes the marks, which
    then never saw the mark inside."""
    md = "Die [[Kitas]{.del}](#fehlt)[Kindertagesstätten]{.ins} und [Ziel](#da).\n\n# Da\n"
    if fmt == "docx":
        import io

        docx = zipfile.ZipFile(io.BytesIO(_filtered(md, "docx")))
        out = docx.read("word/document.xml").decode("utf-8")
        assert re.search(r"<w:del [^>]*>.*?<w:delText[^>]*>Kitas</w:delText>", out, re.S)
        assert 'w:anchor="fehlt"' not in out and 'w:anchor="da"' in out
        return
    out = _filtered(md, fmt).decode()
    if fmt == "html5":
        assert "<del><span class=\"visually-hidden\">Streichung: </span>Kitas</del>" in out
        assert 'href="#fehlt"' not in out and 'href="#da"' in out
    else:
        assert "#del[Kitas];" in out and "<fehlt>" not in out and "<da>" in out


def test_a_long_synopse_is_several_tables_each_with_its_column_heads(tmp_path: Path) -> None:
    """typst lays a table out whole: the BGB's Synopse as one table took 17 s and 6.7 GB. A
    long Synopse is cut into tables at heading rows, each with „Bisherige Fassung | Neue
    Fassung“ (repeated on every page it fills), and nothing is lost."""
    from pipeline.render import redline_typst

    md = "\n\n".join(f"## Abschnitt {s}\n\n" + "\n\n".join(
        f"Absatz {s}.{k}: [neuer]{{.ins}} Text." for k in range(60)) for s in range(4))
    typ = redline_typst.typst_whole(redline_render.synopse_json("", md, "Synopse"),
                                    title="Synopse", meta={"synopse": "1"},
                                    source_format="json").decode()
    tables = typ.split("#table(columns: (50%, 50%)")[1:]
    assert len(tables) >= 2
    for t in tables:
        assert t.split("\n", 1)[1].startswith("  table.header([\nBisherige Fassung")
    assert all(t.split("\n  table.header(level: 2", 1)[0].count("Absatz") == 0
               for t in tables[1:]), "a new table begins at a heading row"
    pdf = redline_render.render_synopse_pdf("", md, tmp_path / "s.pdf", title="Synopse", epoch=0)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    assert all(f"Absatz {s}.{k}:" in text for s in range(4) for k in range(60))


def test_a_mark_inside_a_moved_passage_is_marked_in_the_page_and_the_pdf() -> None:
    """An inserted table in a moved Maßnahme: the marks pass, top down, did not visit the
    blocks the moved passage's mark returned, and the table stayed an unmarked box."""
    from pipeline.render import redline_html, redline_typst

    md = ("# Übersicht\n\n:::: {#verschoben-1 .moved .ins von=\"verschoben-1-alt\"}\n"
          "Verschobener Absatz.\n\n::: ins\nEin neuer Absatz darin.\n:::\n::::\n\n"
          "::: {#verschoben-1-alt .moved .del nach=\"verschoben-1\"}\nVerschobener Absatz.\n:::\n")
    page = redline_html.render_html_whole(md, title="T").decode()
    assert page.count('<ins class="rl-block rl-ins') == 2 and '<div class="ins">' not in page
    typ = redline_typst.typst_whole(md, title="T").decode()
    assert typ.index("#movedins(\"Verschoben von der bisherigen Stelle\")[") \
        < typ.index("#insblock[") < typ.index("Ein neuer Absatz")


def test_the_word_file_and_the_synopse_read_marks_as_html_spans_the_same(tmp_path, monkeypatch):
    """The DOCX and the Synopse hand pandoc simple marks as HTML spans (read once): the same
    Word file and the same Synopse as from the marks as written."""
    md = ("# Ziele\n\nDie [frühe]{.ins} Sprachbildung in [Kitas]{.del}[Kindertagesstätten]{.ins} "
          "wird *[deutlich]{.ins} gestärkt*.\n\n- ein [neuer]{.ins} Punkt\n- [alt]{.del}\n")

    def outputs(folder: Path) -> tuple[bytes, str]:
        docx = redline_render.render_docx(md, folder / "r.docx", title="T", author="A",
                                          date="2026-01-01T00:00:00Z", epoch=0)
        with zipfile.ZipFile(docx) as z:
            return z.read("word/document.xml"), redline_render.synopse_json("", md, "S")

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    native = outputs(tmp_path / "a")
    assert redline_render._as_read(md)[0].endswith("+native_spans")
    monkeypatch.setattr(redline_render, "_as_read", lambda text: (redline_render.READER, text))
    assert outputs(tmp_path / "b") == native
    assert b"w:ins " in native[0] and b"w:del " in native[0]


def test_a_struck_heading_is_printed_and_named_in_the_outline(tmp_path: Path) -> None:
    """A deleted chapter (or a deleted heading above kept text) is a heading made of struck
    words: typst refused the whole PDF ('PDF/UA-1 error: heading title could not be
    determined'), since the struck words were an opaque `context` and the heading had no
    text for its bookmark. Inserted headings always printed."""
    import pikepdf

    red = redline_text.compare_markdown("# 3 Demokratie\n\nText eins.\n\n## 3.1 Beteiligung\n\n"
                                        "Text zwei.\n", "Text eins.\n\nText zwei.\n")
    assert "::: del\n# 3 Demokratie\n:::" in red.markdown
    pdf = redline_render.render_pdf(red.markdown, tmp_path / "r.pdf", title="Test", epoch=0)
    with pikepdf.open(pdf) as doc:
        outline = [item.title for item in doc.open_outline().root]
    assert "3 Demokratie" in outline


_MOVE_AND_NOTE_ALT = """## 1.1 Elementarbereich

Erster Absatz über frühe Bildung in den Stadtteilen.

Dieser Absatz wandert nach 1.2, weil er dort besser zum Zusammenhang passt.

Die Kitas bieten Elternabende an.[^q]

## 1.2 Grundschulen

Zweiter Absatz über die Grundschulen.

[^q]: Statistikstelle, Strukturdaten 2019.
"""
_MOVE_AND_NOTE_NEU = """## 1.1 Elementarbereich

Erster Absatz über frühe Bildung in den Stadtteilen.

Die Kitas bieten Elternabende an.[^q]

## 1.2 Grundschulen

Zweiter Absatz über die Grundschulen.

Dieser Absatz wandert nach 1.2, weil er dort besser zum Zusammenhang passt.

[^q]: Statistikstelle, Strukturdaten 2020.
"""


@pytest.fixture(scope="module")
def move_and_note(tmp_path_factory) -> dict[str, Path]:
    """`lip redline --dateien` of a small pair: a paragraph moved from 1.1 to 1.2 and a
    footnote whose text changed by one word; its page, PDF, Word file and summary."""
    from pipeline.commands.redline import build_redline

    root = tmp_path_factory.mktemp("move-and-note")
    alt, neu = root / "alt.md", root / "neu.md"
    alt.write_text(_MOVE_AND_NOTE_ALT, encoding="utf-8")
    neu.write_text(_MOVE_AND_NOTE_NEU, encoding="utf-8")
    result = build_redline(dateien=(alt, neu), out_root=root / "out",
                           formats=("html", "pdf", "docx"))
    return {f.name: f for f in result.files}


def test_a_changed_footnote_marks_the_words_that_changed_in_every_format(move_and_note) -> None:
    """A footnote whose text changed by one word showed as a whole deleted and a whole new
    note, their numbers marked, not the word: now the note stays one note and its changed
    word is marked inside it, counted as one word inserted and one struck."""
    files = move_and_note
    html = files["redline.html"].read_text(encoding="utf-8")
    note = re.search(r'<li id="fn1">(.*?)</li>', html, re.S).group(1)
    assert "Strukturdaten <del><span class=\"visually-hidden\">Streichung: </span>2019</del>" \
           "<ins><span class=\"visually-hidden\">Einfügung: </span>2020</ins>." in note
    assert 'id="fn2"' not in html
    assert not re.search(r"<(ins|del)><span[^>]*>[^<]*</span><a [^>]*footnote-ref", html)
    with zipfile.ZipFile(files["redline.docx"]) as z:
        doc = z.read("word/document.xml").decode("utf-8")
        notes = z.read("word/footnotes.xml").decode("utf-8")
    assert doc.count("<w:footnoteReference ") == 1
    assert re.search(r"<w:del [^>]*>(?:(?!</w:del>).)*<w:delText[^>]*>2019</w:delText>", notes,
                     re.S)
    assert re.search(r"<w:ins [^>]*>(?:(?!</w:ins>).)*<w:t[^>]*>2020</w:t>", notes, re.S)
    text = subprocess.run(["pdftotext", "-layout", files["redline.pdf"], "-"], check=True,
                          capture_output=True, text=True).stdout
    assert text.count("Strukturdaten") == 1 and "Strukturdaten 20192020." in text
    counts = json.loads(files["zusammenfassung.json"].read_text(encoding="utf-8"))["gesamt"]
    assert (counts["words_added"], counts["words_removed"]) == (1, 1)


def test_a_moved_passage_names_its_other_place_in_every_format(move_and_note) -> None:
    """The page said „Verschoben nach der neuen Stelle“ (a link), the PDF „Verschoben an eine
    neue Stelle“, the Word file nothing: a reader of the print could not tell where the
    passage went. Now each names the heading it stands under at the other place, the same
    words in each; in Word as a comment, which accepting or rejecting all changes leaves
    out."""
    files = move_and_note
    html = files["redline.html"].read_text(encoding="utf-8")
    assert 'Verschoben nach <a href="#verschoben-1">1.2 Grundschulen</a>' in html
    assert 'Verschoben von <a href="#verschoben-1-alt">1.1 Elementarbereich</a>' in html
    text = subprocess.run(["pdftotext", files["redline.pdf"], "-"], check=True,
                          capture_output=True, text=True).stdout
    assert text.index("Verschoben nach 1.2 Grundschulen") \
        < text.index("Verschoben von 1.1 Elementarbereich")
    with zipfile.ZipFile(files["redline.docx"]) as z:
        comments = z.read("word/comments.xml").decode("utf-8")
        doc = z.read("word/document.xml").decode("utf-8")
    said = re.findall(r'<w:comment w:id="(\d+)"[^>]*>.*?<w:t[^>]*>([^<]*)</w:t>', comments, re.S)
    assert [t for _, t in said] == ["Verschoben nach 1.2 Grundschulen",
                                    "Verschoben von 1.1 Elementarbereich"]
    anchored = re.findall(r'<w:commentRangeStart w:id="(\d+)" />(?:<w:(?:ins|del) [^>]*>)?<w:r>'
                          r'<w:(?:t|delText)[^>]*>Dieser Absatz', doc)
    assert anchored == [i for i, _ in said]
    for way, text in (("accept", _MOVE_AND_NOTE_NEU), ("reject", _MOVE_AND_NOTE_ALT)):
        words = redline_text.markdown_words(text)  # after the Übersicht der Änderungen
        assert docx_words(files["redline.docx"], way)[-len(words):] == words, way
