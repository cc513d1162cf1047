"""What the council reads: text, bookmarks, metadata and standards of the built files."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pikepdf
import pytest
from support import needs_corpus
from support.pdf import pdf_text, squash
from support.plangen import generate_plan
from support.repos import make_repo

from pipeline.commands.build import build
from pipeline.plan import load_plan
from pipeline.plan.gender_star import protect_gender_star
from pipeline.render import tools


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """The 'angenommen' fixture plan in a git repo, built once in all three formats."""
    root = tmp_path_factory.mktemp("repo")
    repo, plan_dir = make_repo(root)
    result = build(plan_dir, output=root / "build")
    return {"plan_dir": plan_dir, "result": result, "pdf": result.outputs["pdf"], "repo": repo}


def _plain(markdown: str) -> str:
    return tools.run_pandoc(["-f", "markdown", "-t", "plain", "--wrap=none"], stdin=markdown).decode()


def test_pdf_text_in_reading_order_matches_the_plan(built) -> None:
    text = squash(pdf_text(built["pdf"]))
    plan = load_plan(built["plan_dir"])
    position = text.index(squash("Anlage 1:"))
    for chapter in plan.chapters:
        body = re.sub(r"\^\[[^\]]*\]", "", chapter.text.body)  # footnotes go to the page foot
        body = "\n".join(line for line in body.splitlines() if not line.startswith(("|", ": ")))
        for paragraph in _plain(protect_gender_star(body)).split("\n\n"):
            if not paragraph.strip() or paragraph.lstrip().startswith("-"):
                continue
            found = text.find(squash(paragraph.replace("[", "").replace("]", "")), position)
            assert found >= 0, f"missing or out of order in PDF: {paragraph[:80]!r}"
            position = found
    assert squash("Siehe Drucksache 2136/2018.") in text  # the footnote


def test_bookmarks_cover_drucksache_chapters_sections_measures_and_annexes(built) -> None:
    with pikepdf.open(built["pdf"]) as pdf, pdf.open_outline() as outline:
        titles = []
        stack = list(outline.root)
        while stack:
            item = stack.pop(0)
            titles.append(item.title)
            stack[0:0] = list(item.children)
    for expected in ("Antrag", "Berücksichtigung von Gender-Aspekten", "Kostentabelle",
                     "Begründung des Antrages", "A Haltung der Stadt", "1 Bildung",
                     "1.1 Elementarbereich", "Maßnahme 1.1.2: Elternbegleitung beim Übergang in die Schule",
                     "Anhang 1: Maßnahmenkatalog", "Anhang 2: Beratungsverlauf"):
        assert expected in titles, (expected, titles)
    assert any(t.startswith("Anlage 1:") for t in titles)


def test_chapters_and_annexes_are_bookmarked_beneath_anlage_1(built) -> None:
    """walk-docs 4: the chapters stood beside „Anlage 1“ in the bookmarks, not beneath it
    (level-1 headings, and the contents' own level-1 title ended „Anlage 1“). Now the plan's
    headings are one level deeper in the PDF only: H2 tags under Anlage 1's H1."""
    plan = load_plan(built["plan_dir"])
    with pikepdf.open(built["pdf"]) as pdf, pdf.open_outline() as outline:
        top = list(outline.root)
        anlage = top[1]
        assert [t.title for t in top] == [top[0].title, anlage.title], [t.title for t in top]
        assert anlage.title.startswith("Anlage 1:")
        assert [c.title for c in anlage.children] == [
            *(f"{ch.number} {ch.title}" for ch in plan.chapters),
            "Anhang 1: Maßnahmenkatalog", "Anhang 2: Beratungsverlauf"]
        assert "1.1 Elementarbereich" in [s.title for s in anlage.children[1].children]
    # the contents still list chapters and their sections only, chapters flush left
    contents = pdf_text(built["pdf"], 3, 3)
    assert "Inhaltsverzeichnis" in contents and "1.1 Elementarbereich" in contents
    assert "Maßnahme 1.1.1" not in contents


def test_the_anlage_title_is_neither_stretched_nor_split(built) -> None:
    """walk-docs 5: the centred title of Anlage 1 was justified and hyphenated:
    „Anlage  1:  Lokaler  Integrationsplan  (Test-“ / „plan)“."""
    page = pdf_text(built["pdf"], 2, 2)
    assert "Anlage 1: Lokaler Integrationsplan" in page and "\xad" not in page, page


def test_the_drucksache_title_is_its_top_heading(built) -> None:
    """walk-pdf-2 3: the Drucksache's title was tagged as a mere span, so a screen reader's
    list of headings and the bookmarks began with „Antrag“ and never said what the Drucksache
    is about. Now it is the H1 above Antrag … Begründung (H2), as in the HTML."""
    plan = load_plan(built["plan_dir"])
    title = str((plan.manifest.get("drucksache") or {}).get("titel") or plan.title)
    with pikepdf.open(built["pdf"]) as pdf:
        with pdf.open_outline() as outline:
            first = list(outline.root)[0]
            assert (first.title, [c.title for c in first.children]) == (title, [
                "Antrag", "Berücksichtigung von Gender-Aspekten", "Kostentabelle",
                "Begründung des Antrages"])
        headings, stack = [], [pdf.Root.StructTreeRoot]
        while stack and len(headings) < 6:
            node = stack.pop(0)
            kids = node.get("/K")
            kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
            stack[0:0] = [k for k in kids if isinstance(k, pikepdf.Dictionary)]
            if str(node.get("/S", "")) in ("/H1", "/H2"):
                headings.append((str(node.S)[1:], str(node.get("/T", ""))))
    assert headings[:5] == [("H1", title), ("H2", "Antrag"),
                            ("H2", "Berücksichtigung von Gender-Aspekten"),
                            ("H2", "Kostentabelle"), ("H2", "Begründung des Antrages")], headings


def test_pdf_metadata_standards_and_manifest(built) -> None:
    result = built["result"]
    with pikepdf.open(built["pdf"]) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]) == "Lokaler Integrationsplan (Testplan)"
        assert "Bereich Migration und Integration" in str(info["/Author"])
        assert result.manifest["commit"] in str(info["/Subject"])
        assert "Fassung: 1. Fassung" in str(info["/Keywords"])
        assert str(pdf.Root.Lang).startswith("de")
        assert "/StructTreeRoot" in pdf.Root
        meta = pdf.open_metadata()
        assert meta.get("pdfuaid:part") == "1"
        assert meta.get("pdfaid:part") == "3"
        attached = pdf.attachments["lip-build-manifest.json"].get_file().read_bytes()
    assert b'"text_sha256"' in attached and result.manifest["commit"].encode() in attached


def test_final_plan_has_no_draft_mark_and_a_draft_has_it_on_every_page(built, tmp_path) -> None:
    assert not built["result"].draft
    assert "ENTWURF" not in pdf_text(built["pdf"])
    plan_dir = generate_plan(tmp_path, fields=1, sections=2, measures=2, paragraphs=1)
    draft = build(plan_dir, output=tmp_path / "out", formats=["pdf"])
    assert draft.draft
    pages = len(pikepdf.open(draft.outputs["pdf"]).pages)
    for page in range(1, pages + 1):  # -raw: content order; the mark is drawn first, rotated
        assert pdf_text(draft.outputs["pdf"], page, page, raw=True).startswith("E\nN\nT\nW\nU\nR\nF"), page


def test_a_figures_alternative_text_does_not_repeat_its_caption(tmp_path: Path) -> None:
    """walk-docs 3: the image's alternative text was its caption, read twice by a screen
    reader (and the HTML hid the caption instead). The image's own description where the
    Markdown gives one; otherwise alt="" beside the <figcaption> in HTML, and in the PDF
    (PDF/UA-1 needs an /Alt) and the Word file (walk-docs2 1: its wp:docPr descr was the
    caption) a short word that the caption describes it."""
    plan_dir = generate_plan(tmp_path, fields=1, sections=1, measures=1, paragraphs=0)
    (plan_dir / "bilder").mkdir()
    (plan_dir / "bilder" / "a.svg").write_text(_SVG.format("teal"), encoding="utf-8")
    chapter = plan_dir / "11-bildung.md"
    chapter.write_text(chapter.read_text(encoding="utf-8")
                       + "\n![Die Gremien und ihre Wege, lang beschrieben](bilder/a.svg)\n\n"
                       "![Zweites Schaubild](bilder/a.svg){alt=\"Kurzbeschreibung\"}\n",
                       encoding="utf-8")
    out = build(plan_dir, output=tmp_path / "out", formats=["pdf", "html", "docx"]).outputs
    with zipfile.ZipFile(out["docx"]) as docx:
        descr = re.findall(r'<wp:docPr descr="([^"]*)"', docx.read("word/document.xml").decode())
    assert descr == ["Abbildung, beschrieben in der Bildunterschrift", "Kurzbeschreibung"], descr
    html = out["html"].read_text(encoding="utf-8")
    figures = re.findall(r"<figure>\s*(<img\s[^>]*>)\s*(<figcaption[^>]*>)([^<]*)</figcaption>", html)
    assert [(re.search(r'\salt="([^"]*)"', img).group(1), cap, text.split()[0])
            for img, cap, text in figures] == [
        ("", "<figcaption>", "Die"), ("Kurzbeschreibung", "<figcaption>", "Zweites")], figures
    with pikepdf.open(out["pdf"]) as pdf:
        alts, stack = [], [pdf.Root.StructTreeRoot]
        while stack:
            node = stack.pop(0)
            kids = node.get("/K")
            kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
            stack[0:0] = [k for k in kids if isinstance(k, pikepdf.Dictionary)]
            if str(node.get("/S", "")) == "/Figure":
                alts.append(str(node.get("/Alt", "")))
    assert alts == ["Abbildung, beschrieben in der Bildunterschrift", "Kurzbeschreibung"], alts
    text = squash(pdf_text(out["pdf"]))
    assert squash("Die Gremien und ihre Wege, lang beschrieben") in text  # the caption, once


def test_drucksache_pages_come_first(built) -> None:
    first = pdf_text(built["pdf"], 1, 1)
    for expected in ("Landeshauptstadt Hannover", "In den Internationalen Ausschuss", "Nr.",
                     "0001/2020", "Anzahl der Anlagen", "Antrag", "Berücksichtigung von Gender-Aspekten"):
        assert expected in first
    text = pdf_text(built["pdf"])
    assert text.index("Kostentabelle") < text.index("Begründung des Antrages") < text.index("Inhaltsverzeichnis")
    assert "50.000" in text and "„Einwanderungsstadt“" in text
    assert re.search(r"Seite 1 von \d+", first)


def test_long_measure_catalog_keeps_all_rows_across_pages(tmp_path: Path) -> None:
    plan_dir = generate_plan(tmp_path, fields=2, sections=6, measures=10, paragraphs=0)
    result = build(plan_dir, output=tmp_path / "out", formats=["pdf"])
    text = pdf_text(result.outputs["pdf"])
    annex = text[text.rindex("Anhang 1: Maßnahmenkatalog"):]
    annex = annex[:annex.index("Anhang 2: Beratungsverlauf")]
    ids = [f"{f}.{s}.{k}" for f in (1, 2) for s in range(1, 7) for k in range(1, 11)]
    # each row shows the ID twice: in the ID column and in the generated title
    missing = [i for i in ids if len(re.findall(rf"(?<![\d.]){re.escape(i)}(?![\d.])", annex)) < 2]
    assert not missing
    assert annex.count("\f") >= 2, "the catalog must run over several pages"


def test_line_numbers_per_page(tmp_path: Path) -> None:
    plan_dir = generate_plan(tmp_path, fields=1, sections=1, measures=1, paragraphs=2)
    result = build(plan_dir, output=tmp_path / "out", formats=["pdf"], line_numbers=True)
    assert result.manifest["zeilennummern"]
    pages = pdf_text(result.outputs["pdf"]).split("\f")
    numbered = [p for p in pages if re.search(r"^1\n", p, re.M) and re.search(r"^\d{2}\n", p, re.M)]
    assert len(numbered) >= 2, "every page restarts at 1"


def test_docx_read_back_by_pandoc_contains_the_plan(built) -> None:
    docx = built["result"].outputs["docx"]
    text = tools.run_pandoc([str(docx), "-t", "plain", "--wrap=none"]).decode()
    assert "Maßnahme 1.1.2: Elternbegleitung beim Übergang in die Schule" in text
    assert "Elternbegleiter*innen unterstützen Familien" in text
    assert "„Einwanderungsstadt“" in text
    assert "Anhang 1: Maßnahmenkatalog" in text


def test_html_is_accessible_without_javascript(built) -> None:
    html = built["result"].outputs["html"].read_text(encoding="utf-8")
    assert '<html lang="de"' in html
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html
    assert "<script" not in html
    assert 'class="massnahme"' in html and 'id="m-1-1-1"' in html
    assert "Elternbegleiter*innen" in html


def test_pdf_fonts_are_embedded(built) -> None:
    out = subprocess.run(["pdffonts", str(built["pdf"])], capture_output=True, text=True).stdout
    rows = out.strip().splitlines()[2:]
    assert rows and all(" yes " in row for row in rows)


def test_shipped_plan_builds_with_every_measure_and_no_warnings(tmp_path: Path, caplog) -> None:
    from support import SHIPPED_PLAN

    plan = load_plan(SHIPPED_PLAN)
    with caplog.at_level("WARNING"):
        result = build(SHIPPED_PLAN, output=tmp_path / "out", formats=["pdf"])
    assert not [r for r in caplog.records if r.getMessage().startswith("typst:")]
    text = squash(pdf_text(result.outputs["pdf"]))
    for _, measure in plan.measures:
        assert text.count(squash(f"Maßnahme {measure.id}: {measure.title}")) >= 1, measure.id
    # walk-docs 5: the Kostentabelle ran onto page 2 with its Summe alone under the repeated
    # head, its cells split „Wirksamkeits-analysen“; page 2 was headed by the plan, not the
    # Drucksache. The last Posten goes with the Summe, no cell is split.
    page2 = pdf_text(result.outputs["pdf"], 2, 2, raw=True).removeprefix("E\nN\nT\nW\nU\nR\nF\n")
    assert page2.startswith("Beschlussdrucksache Nr. 2718/2020 3. Fassung – ENTWURF"), page2[:80]
    kosten = pdf_text(result.outputs["pdf"], 1, 2)
    kosten = kosten[kosten.index("Kostentabelle"):kosten.index("Begründung des Antrages")]
    assert "\xad" not in kosten, kosten
    summe = [page for page in (1, 2) if "Summe" in pdf_text(result.outputs["pdf"], page, page)]
    rows = re.findall(r"^\d{1,3}(?:\.\d{3})+$", pdf_text(result.outputs["pdf"], summe[0], summe[0]), re.M)
    assert len(rows) >= 2, rows  # a Posten's amount beside the Summe
    with pikepdf.open(result.outputs["pdf"]) as pdf, pdf.open_outline() as outline:
        def count(items):
            return sum(1 + count(i.children) for i in items)
        assert count(outline.root) >= len(plan.measures) + sum(len(c.body.sections) for c in plan.chapters)


def _docx_media(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith("word/media/")}


def test_docx_carries_the_svg_and_a_png_copy_for_older_word(tmp_path) -> None:
    """pandoc adds the PNG copy only when rsvg-convert is there (make sysdeps installs it)."""
    from support import SHIPPED_PLAN

    out = build(SHIPPED_PLAN, output=tmp_path, formats=["docx"], validate=False).outputs["docx"]
    media = list(_docx_media(out))
    assert any(n.endswith(".svg") for n in media) and any(n.endswith(".png") for n in media), media


# --- Word's PNG copies of SVG images, rendered ahead of pandoc (render/svgpng.py) ------------

_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
        '<rect width="40" height="20" fill="{}"/></svg>')


def test_png_copies_rendered_ahead_give_the_docx_pandoc_alone_writes(tmp_path: Path) -> None:
    from support import SHIPPED_PLAN

    ours = build(SHIPPED_PLAN, output=tmp_path / "a", formats=["docx"], validate=False).outputs["docx"]
    alone = build(SHIPPED_PLAN, output=tmp_path / "b", formats=["docx"], validate=False,
                  use_cache=False).outputs["docx"]
    assert ours.read_bytes() == alone.read_bytes()
    svgs = list(SHIPPED_PLAN.rglob("*.svg"))
    assert len(list((tmp_path / "a" / ".cache" / "svg-png").rglob("*.png"))) == len(svgs) > 0


def test_pandoc_takes_the_png_copy_from_the_cache_and_stale_ones_go(tmp_path: Path) -> None:
    """Proof that the stand-in answers: a PNG swapped in the cache ends up in the DOCX."""
    from support import SHIPPED_PLAN

    out = tmp_path / "out"
    build(SHIPPED_PLAN, output=out, formats=["docx"], validate=False)
    (cached,) = (out / ".cache" / "svg-png").rglob("*.png")
    marker = subprocess.run(["rsvg-convert", "-f", "png"], input=_SVG.format("red").encode(),
                            capture_output=True, check=True).stdout
    cached.write_bytes(marker)
    stale = cached.with_name("0" * 64 + ".png")
    stale.write_bytes(marker)
    old_converter = out / ".cache" / "svg-png" / "alter-konverter"
    old_converter.mkdir()
    docx = build(SHIPPED_PLAN, output=out, formats=["docx"], validate=False).outputs["docx"]
    assert marker in _docx_media(docx).values()
    assert cached.exists() and not stale.exists() and not old_converter.exists()


def test_stand_in_hands_what_it_was_not_prepared_for_to_rsvg_convert(tmp_path: Path) -> None:
    from pipeline.render.svgpng import ARGS, PngCopies

    known, unknown = _SVG.format("blue").encode(), _SVG.format("green").encode()
    copies = PngCopies({"bilder/a.svg": known, "text.md": b"no image"}, tmp_path / "cache")
    copies.start()
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, **copies.pandoc_env(work)}
    copies.finish()
    (cached,) = (tmp_path / "cache" / "svg-png").rglob("*.png")

    def convert(svg: bytes, args, via_stand_in: bool) -> bytes:
        return subprocess.run(["rsvg-convert", *args], input=svg, capture_output=True, check=True,
                              env=env if via_stand_in else None).stdout

    assert env["PATH"].startswith(str(work))
    assert convert(known, ARGS, True) == cached.read_bytes() == convert(known, ARGS, False)
    assert convert(unknown, ARGS, True) == convert(unknown, ARGS, False) != cached.read_bytes()
    bigger = (*ARGS, "--width", "80")
    assert convert(known, bigger, True) == convert(known, bigger, False) != cached.read_bytes()


# --- pandoc started before the document exists (render/pandoc.PendingPandoc) ----------------

def _ast(args: list[str], markdown: str) -> dict:
    import json

    from pipeline.render.pandoc import READER

    return json.loads(tools.run_pandoc(["-f", READER, "-t", "json", *args], stdin=markdown))


@pytest.mark.parametrize("metadata", [
    "shipped",
    {"titel": "Wir 2.0 – „Zusammenleben“: ein Plan", "fassung": "3. Fassung",
     "antrag": "1. den Plan zu beschließen;\n\n2. die Verwaltung zu beauftragen.\n\n- a\n- b",
     "gremien": ["Internationaler Ausschuss", "Rat: Ratsversammlung", "---", "..."],
     "tabelle": {"zeilen": [{"a": "x | y", "b": 1.5, "c": True, "d": None}], "leer": ""},
     "zeichen": "\\ \" ' # & * ` ~ ^ $ @ < > { } [ ] \t Tab \u2028 Trenner 😀 漢字"},
])
def test_metadata_block_reads_as_the_metadata_file_did(metadata, tmp_path: Path) -> None:
    """HTML and DOCX get their metadata in a YAML block at the top of pandoc's input, so that
    pandoc can start before the document exists; pandoc must read exactly what
    --metadata-file gave it (same AST, so the same files)."""
    from support import SHIPPED_PLAN

    from pipeline.assemble import Assembled, assemble
    from pipeline.render.pandoc import with_metadata_block, write_metadata

    doc = assemble(load_plan(SHIPPED_PLAN))
    if metadata != "shipped":
        doc = Assembled(doc.parts[:2], metadata, doc.data)
    meta_file = write_metadata(doc, tmp_path / "meta.json")
    by_file = _ast([f"--metadata-file={meta_file}"], doc.markdown)
    by_block = _ast([], with_metadata_block(doc))
    assert by_block == by_file
    assert by_block["meta"] and len(by_block["blocks"]) > 10


# --- sparing pandoc the ruled table syntaxes (render/pandoc.reader_for) -----------------------

RULED_TABLES = {
    "einfach": "Gremium   Sitze\n-------   -----\nRat       64\nAusschuss 15\n",
    "einfach ohne Kopf": "-------   -----\nRat       64\nAusschuss 15\n-------   -----\n",
    "eingerückt, Tabs": "   Gremium\tSitze\n   -------\t-----\n   Rat\t64\n",
    "mehrzeilig": ("----------------------\nGremium     Aufgabe\n----------- ----------\n"
                   "Rat         beschließt\n            den Plan\n\n----------------------\n"),
    "Gitter": "+-------+-------+\n| Rat   | 64    |\n+-------+-------+\n",
    "Gitter mit Kopf": ("+:------+------:+\n| Gremium | Sitze |\n+=======+=======+\n"
                        "| Rat   | 64    |\n+-------+-------+\n"),
}


def _blocks(reader: str, markdown: str) -> list:
    import json

    return json.loads(tools.run_pandoc(["-f", reader, "-t", "json"], stdin=markdown))["blocks"]


@pytest.mark.parametrize("name", RULED_TABLES)
def test_a_ruled_table_keeps_the_full_markdown_reader(name: str) -> None:
    """Each ruled syntax is a table for pandoc, and the reader keeps all three for it; left
    out, the same text would turn into paragraphs (the guard matters)."""
    from pipeline.render.pandoc import READER, reader_for

    text = f"Vorher.\n\n{RULED_TABLES[name]}\nNachher.\n"
    # grid tables alone (the generated catalog) keep just their own syntax
    assert (reader_for(text) == READER) == (not name.startswith("Gitter"))
    assert [b["t"] for b in _blocks(reader_for(text), text)].count("Table") == 1
    trimmed = reader_for("Nur Text.\n")
    assert trimmed != READER and "Table" not in [b["t"] for b in _blocks(trimmed, text)]


@needs_corpus
def test_without_ruled_lines_the_trimmed_reader_reads_the_same() -> None:
    """The shipped plan (pipe tables, lists, footnotes, spans, divs) and a real law (without
    its ruled lines) read to the same AST with and without the ruled syntaxes."""
    from support import CORPUS, SHIPPED_PLAN

    from pipeline.assemble import assemble
    from pipeline.render.pandoc import READER, reader_for, reader_for_document, with_metadata_block

    doc = assemble(load_plan(SHIPPED_PLAN))
    shipped = with_metadata_block(doc)
    law = (CORPUS / "btmg_1981@bb3f0178.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert reader_for(law) == READER  # its annex tables are ruled
    law_text = "\n".join(line for line in law.splitlines() if not re.fullmatch(r"[-=+:\s]+", line))
    for text, reader in ((shipped, reader_for_document(doc)), (law_text, reader_for(law_text))):
        assert reader != READER
        assert _blocks(reader, text) == _blocks(READER, text)


def test_the_early_guess_is_checked_against_the_document(tmp_path: Path) -> None:
    """pandoc starts with a reader guessed from the plan's files, where front matter fences
    do not count; a document that turns out to need the ruled syntaxes gets a new pandoc."""
    import datetime as dt

    from pipeline.assemble import Assembled, Part
    from pipeline.render.backend import Settings
    from pipeline.render.pandoc import READER, PendingPandoc, reader_guess

    chapter = b"---\nid: bildung\n...\n\n# Bildung\n\nText.\n\n---\n"
    assert reader_guess({"11-bildung.md": chapter, "bild.png": None}) != READER
    assert reader_guess({"11-bildung.md": chapter + b"\n+--+\n"}) == READER
    assert reader_guess({}) == READER
    settings = Settings(timestamp=dt.datetime(2020, 1, 1, tzinfo=dt.UTC), work_dir=tmp_path,
                        sources={"11-bildung.md": chapter})
    table = Assembled([Part("kap", RULED_TABLES["einfach"])], {"title": "T"}, {})
    assert b"<table" in PendingPandoc("html5", [], settings, "HTML").finish(table)
    prose = Assembled([Part("kap", "Nur Text.\n")], {"title": "T"}, {})
    pending = PendingPandoc("html5", [], settings, "HTML")
    assert pending.finish(prose).strip() == b"<p>Nur Text.</p>" and pending._reader != READER


def _child_processes() -> set[str]:
    """This process's children (zombies included: they are children until reaped)."""
    found = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            for pid in (task / "children").read_text().split():
                found.add(f"{pid} {Path(f'/proc/{pid}/cmdline').read_bytes()[:60]!r}")
        except FileNotFoundError:  # a thread or child that ended while we looked
            continue
    return found


def test_a_failed_build_leaves_no_pandoc_running(tmp_path: Path) -> None:
    """DOCX's pandoc starts while the plan is parsed: a plan that cannot even be read must
    stop it again."""
    import shutil

    from support import SHIPPED_PLAN

    from pipeline.errors import PlanInvalid

    plan = tmp_path / "plan"
    shutil.copytree(SHIPPED_PLAN, plan)
    (plan / "11-bildung.md").write_bytes(b"---\ntitel: [kaputt\n---\n\xff\xfe ungueltig\n")
    before = _child_processes()
    with pytest.raises(PlanInvalid):
        build(plan, output=tmp_path / "out", formats=["docx", "html"])
    assert _child_processes() - before == set(), before
    assert not list((tmp_path / "out").glob("lip-build-*")) and not list((tmp_path / "out").glob("LIP-*"))


def test_pandoc_process_cancel_stops_a_pandoc_waiting_for_input() -> None:
    process = tools.PandocProcess(["-f", "markdown", "-t", "html"])
    process.cancel()
    assert process._proc.returncode is not None
    process.cancel()  # a second cancel, or one after finish, does nothing
    done = tools.PandocProcess(["-f", "markdown", "-t", "plain"])
    assert done.finish("*Hallo*").strip() == b"Hallo"
    done.cancel()
    assert done._proc.returncode == 0


def test_an_interrupted_finish_ends_its_pandoc() -> None:
    """As subprocess.run does: whatever interrupts `finish` (here its `started` callback)
    also ends pandoc, and nothing is left running."""
    before = _child_processes()
    process = tools.PandocProcess(["-f", "markdown", "-t", "html"])

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        process.finish("*Hallo*", started=interrupted)
    assert process._proc.returncode is not None
    assert _child_processes() - before == set()
    process.cancel()  # nothing left to do


def test_an_interrupted_finish_keeps_its_exception_when_pandoc_is_already_gone() -> None:
    """The input still buffered for a pandoc that has already died must not turn Ctrl-C into
    a BrokenPipeError (CI once saw exactly that): here pandoc is dead before the interrupt."""
    process = tools.PandocProcess(["-f", "markdown", "-t", "html"])

    def killed_then_interrupted() -> None:
        process._proc.kill()
        process._proc.wait()
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        process.finish("*Hallo*", started=killed_then_interrupted)
    assert process._proc.stdin.closed and process._proc.stdout.closed


def test_side_by_side_pandoc_runs_keep_order_and_stop_together(tmp_path: Path) -> None:
    """When one run fails, the others are stopped instead of awaited: here the other waits in
    a Lua filter for a file that only a timer writes after 60 s (the test then fails)."""
    import threading

    from pipeline.errors import RenderError

    jobs = [(["-f", "markdown", "-t", "plain"], f"*Teil {i}*\n") for i in range(3)]
    assert [o.strip() for o in tools.run_pandoc_side_by_side(jobs)] == [b"Teil 0", b"Teil 1", b"Teil 2"]
    assert tools.run_pandoc_side_by_side(jobs[:1]) == [b"Teil 0\n"]
    flag = tmp_path / "weiter"
    waiting = tmp_path / "warten.lua"
    waiting.write_text(f"while not io.open({str(flag)!r}) do end\n", encoding="utf-8")
    unblocked = threading.Event()

    def unblock() -> None:
        unblocked.set()
        flag.write_text("", encoding="utf-8")

    timer = threading.Timer(60, unblock)
    timer.start()
    before = _child_processes()
    failing = (["-f", "markdown", "-t", "plain", "--lua-filter=/gibt/es/nicht.lua"], "x\n")
    try:
        with pytest.raises(RenderError, match="pandoc"):
            tools.run_pandoc_side_by_side([(["-t", "html", f"--lua-filter={waiting}"], "y\n"), failing])
    finally:
        timer.cancel()
    assert not unblocked.is_set()
    assert _child_processes() - before == set()


SIGNS = ("Ein Kurs kostet 5 $ bis 10 $, die Formel $x^2$ bleibt Text; dazu #hashtag, "
         "a_b_c, 10 %, C:\\\\Temp, info\\@hannover.de, \\<label\\>, {geschweift} und /* kein Kommentar */.")
SIGNS_SHOWN = ("Ein Kurs kostet 5 $ bis 10 $, die Formel $x^2$ bleibt Text; dazu #hashtag, a_b_c, "
               "10 %, C:\\Temp, info@hannover.de, <label>, {geschweift} und /* kein Kommentar */.")


def test_signs_that_mean_something_to_typst_or_pandoc_are_printed_as_written(tmp_path: Path) -> None:
    """`$x^2$` was TeX math: typst made it an equation without alternative text, PDF/UA refused
    the PDF and 'lip build' failed although 'lip check' had found nothing."""
    repo, plan_dir = make_repo(tmp_path, "minimal")
    chapter = plan_dir / "11-bildung.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(
        "Bildung öffnet Wege in Ausbildung, Arbeit und Gesellschaft.\n",
        f"Bildung öffnet Wege in Ausbildung, Arbeit und Gesellschaft.\n\n{SIGNS}\n"), encoding="utf-8")
    result = build(plan_dir, output=tmp_path / "out")
    assert squash(SIGNS_SHOWN) in squash(pdf_text(result.outputs["pdf"]))
    docx = tools.run_pandoc([str(result.outputs["docx"]), "-t", "plain", "--wrap=none"]).decode()
    assert SIGNS_SHOWN in docx.replace("\u00a0", " ")  # "10 %" holds together (issue 16)
    assert "10\u00a0%" in docx
    html = result.outputs["html"].read_text(encoding="utf-8")
    assert 'class="math' not in html and "x^2$ bleibt Text" in html


def test_every_reader_of_plan_text_takes_dollars_as_text() -> None:
    """The build, the redline and the site read the same text: none may see TeX math in it."""
    from pipeline.commands import site
    from pipeline.render.pandoc import READER, READER_GENERATED
    from pipeline.render.reader import PLAN_READER, REDLINE_CHUNK_READER, REDLINE_READER

    assert READER == PLAN_READER and site.PLAN_READER is PLAN_READER  # declared once

    for reader in (READER, READER_GENERATED, REDLINE_READER, REDLINE_CHUNK_READER,
                   PLAN_READER):
        ast = tools.run_pandoc(["-f", reader, "-t", "json"], stdin="Formel $x^2$ und 5 $ bis 10 $.").decode()
        assert '"Math"' not in ast and '"$x^2$"' in ast, reader


def test_pandoc_runs_with_a_small_allocation_area_unless_the_caller_says_otherwise(
        monkeypatch) -> None:
    """pandoc's own -H64m costs short runs 15–25 % (tools.PANDOC_RTS); a GHCRTS in the
    environment wins. pandoc really reads it: with -s it reports its collections."""
    monkeypatch.delenv("GHCRTS", raising=False)
    seen: list[dict] = []
    real = subprocess.Popen

    def popen(cmd, *args, env=None, **kwargs):
        seen.append(env)
        return real(cmd, *args, env=env, **kwargs)
    monkeypatch.setattr(tools.subprocess, "Popen", popen)
    assert b"<p>Text</p>" in tools.run_pandoc(["-f", "markdown", "-t", "html"], "Text\n")
    assert seen[-1]["GHCRTS"] == tools.PANDOC_RTS == "-H16m"
    monkeypatch.setenv("GHCRTS", "-H16m -s")
    process = tools.PandocProcess(["-f", "markdown", "-t", "html"])
    out, err = process._proc.communicate(b"Text\n")
    assert seen[-1]["GHCRTS"] == "-H16m -s" and b"bytes allocated in the heap" in err and b"<p>Text</p>" in out


def test_a_pool_makes_each_input_given_as_a_function_only_when_its_pandoc_starts() -> None:
    """The redline page hands its runs' texts over as functions: with one pandoc at a time,
    the second text does not exist before the first pandoc has ended."""
    import threading

    made: list[int] = []
    slots = threading.BoundedSemaphore(1)

    def text(n: int):
        def make() -> str:
            made.append(n)
            # made only once its pandoc holds the one slot (which one of two waiting gets it
            # first is the semaphore's choice): no other pandoc runs, nor has its text
            free = slots.acquire(blocking=False)
            if free:
                slots.release()
            assert not free, "made before its pandoc started"
            return f"*Teil {n}*\n"
        return make

    jobs = [(["-f", "markdown", "-t", "plain"], text(n)) for n in range(3)]
    jobs.insert(1, (["-f", "markdown", "-t", "plain"], "*fest*\n"))
    outputs = tools.run_pandoc_pool(jobs, 2, slots)
    assert [o.strip() for o in outputs] == [b"Teil 0", b"fest", b"Teil 1", b"Teil 2"]
    assert sorted(made) == [0, 1, 2]


def test_a_pool_hands_each_output_on_as_its_pandoc_ends() -> None:
    """The redline page reads each run's HTML while the other runs' pandocs still work: the
    first output is handed on while the second pandoc has not even got its input (which
    here waits for it), and the results come back in the jobs' order."""
    import threading

    first_handed_on = threading.Event()

    def second() -> str:
        assert first_handed_on.wait(10), "the first output waited for the second pandoc"
        return "*Teil 1*\n"

    def then(n: int, out: bytes) -> str:
        if n == 0:
            first_handed_on.set()
        return out.decode().strip().upper()

    jobs = [(["-f", "markdown", "-t", "plain"], "*Teil 0*\n"),
            (["-f", "markdown", "-t", "plain"], second)]
    assert tools.run_pandoc_pool(jobs, 2, threading.BoundedSemaphore(1), then=then) \
        == ["TEIL 0", "TEIL 1"]


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc",
                    reason="keep_heap_small stellt nur glibc ein")
def test_keep_heap_small_gives_a_freed_large_text_back_to_the_system() -> None:
    """Without it glibc keeps a freed block of a few MB in its heap once a larger one was
    freed before (the threshold rises); with it the memory goes back at once."""
    probe = (
        "import sys\n"
        "from pipeline.render.tools import keep_heap_small\n"
        "if sys.argv[1] == 'ja': keep_heap_small()\n"
        "def rss():\n"
        "    return int(open('/proc/self/statm').read().split()[1]) * 4096 // 2**20\n"
        "big = 'ä' * 20_000_000; del big\n"  # raises glibc's threshold to 40 MB
        "before = rss()\n"
        "texts = ['ö' * 2_000_000 + str(k) for k in range(10)]\n"
        "del texts\n"
        "print(rss() - before)\n")
    grown = {flag: int(subprocess.run([sys.executable, "-c", probe, flag], check=True,
                                      capture_output=True, text=True).stdout)
             for flag in ("nein", "ja")}
    assert grown["ja"] <= 2 < grown["nein"], grown


def test_slots_let_waiting_work_pass_the_background() -> None:
    """The conversion ahead of the redline page (background, many runs queued) took back each
    slot it released while the engine's next pandoc waited: the comparison of the 1,000-page
    pair ended after 4.95 s instead of 2.0 s. A waiting foreground taker now goes first."""
    import threading
    import time

    slots = tools.Slots(1)
    order: list[str] = []
    slots.acquire()

    def take(name: str, background: bool) -> None:
        with slots.background if background else slots:
            order.append(name)

    background = threading.Thread(target=take, args=("Hintergrund", True))
    background.start()
    time.sleep(0.05)  # the background taker waits first
    foreground = threading.Thread(target=take, args=("Vergleich", False))
    foreground.start()
    deadline = time.monotonic() + 5
    while slots._waiting == 0 and time.monotonic() < deadline:
        time.sleep(0.001)
    slots.release()
    foreground.join(5)
    background.join(5)
    assert order == ["Vergleich", "Hintergrund"]
    assert slots.acquire(background=True) is None  # both gave the slot back


def test_a_module_is_imported_while_pandoc_runs(tmp_path: Path, monkeypatch) -> None:
    """typst's native library takes 27 ms to load; the PDF loads it while pandoc writes the
    typst source. Here pandoc waits in a Lua filter for a file that only importing the
    module writes: it ends only if the import ran beside it."""
    import sys

    flag = tmp_path / "importiert"
    (tmp_path / "lip_probe_modul.py").write_text(
        f"from pathlib import Path\nPath({str(flag)!r}).write_text('')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "lip_probe_modul", raising=False)
    waiting = tmp_path / "warten.lua"
    waiting.write_text(
        f"local t = os.time()\nwhile not io.open({str(flag)!r}) do\n"
        "  if os.time() - t > 20 then error('nicht importiert') end\nend\n", encoding="utf-8")
    out = tools.run_pandoc(["-t", "plain", f"--lua-filter={waiting}"], "Text\n",
                           started=tools.import_meanwhile("lip_probe_modul"))
    assert out == b"Text\n"
    import lip_probe_modul  # noqa: F401  (waits for the thread's import, if still running)

    assert "lip_probe_modul" in sys.modules


def test_the_redlines_word_file_does_not_load_the_beschlussdrucksache() -> None:
    """The redline's DOCX fills the template's header; taking that from render/docx.py
    loaded the whole Beschlussdrucksache (YAML, plan model, council: 26–46 ms)."""
    import subprocess
    import sys

    probe = ("import sys, tempfile, pathlib\n"
             "from pipeline.render import redline\n"
             "out = pathlib.Path(tempfile.mkdtemp()) / 'r.docx'\n"
             "redline.render_docx('Text [neu]{.ins}.\\n', out, title='T', author='A', "
             "date='2026-01-01T00:00:00Z')\n"
             "print(sorted(m for m in sys.modules if m in ('pipeline.assemble', 'ruamel.yaml', "
             "'pipeline.render.docx')))\n")
    shown = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                           text=True, cwd=Path(__file__).parent.parent).stdout
    assert shown.strip() == "[]"


def test_side_by_side_runs_give_each_slot_back_as_their_pandoc_ends(tmp_path: Path) -> None:
    """The old side of a redline is often read long before the new one: its slot is free
    for the next pandoc then, not only when the slower one ends."""
    import threading
    import time

    flag = tmp_path / "weiter"
    waiting = tmp_path / "warten.lua"
    waiting.write_text(f"while not io.open({str(flag)!r}) do end\n", encoding="utf-8")
    slots = tools.Slots(2)
    outputs: list[list[bytes]] = []
    jobs = [(["-t", "plain"], "schnell\n"), (["-t", "plain", f"--lua-filter={waiting}"], "langsam\n")]
    thread = threading.Thread(target=lambda: outputs.append(
        tools.run_pandoc_side_by_side(jobs, slots=slots)))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while slots._free != 1 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert slots._free == 1, "the fast pandoc's slot was not given back"
    finally:
        flag.write_text("", encoding="utf-8")
        thread.join(10)
    assert outputs == [[b"schnell\n", b"langsam\n"]]
    assert slots._free == 2
