"""`lip build`: reproducible, from git objects, cached per chapter, atomic, German errors."""

from __future__ import annotations

import json
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from support.pdf import pdf_text
from support.repos import WHEN, commit_all, make_repo

from pipeline.cli import cli
from pipeline.commands.build import build, parse_formats
from pipeline.errors import PipelineError


@pytest.fixture
def repo(tmp_path: Path):
    return make_repo(tmp_path / "repo", "minimal")


def test_two_builds_are_byte_identical(repo, tmp_path: Path) -> None:
    _, plan_dir = repo
    first = build(plan_dir, output=tmp_path / "a")
    second = build(plan_dir, output=tmp_path / "b", use_cache=False)
    for fmt in ("pdf", "html", "docx"):
        assert first.outputs[fmt].read_bytes() == second.outputs[fmt].read_bytes(), fmt
    assert first.manifest["zeitstempel"].startswith("2020-09-13")


def test_rev_reads_git_objects_and_working_tree_changes_are_marked(repo, tmp_path: Path) -> None:
    git_repo, plan_dir = repo
    head = git_repo.head.commit.hexsha
    chapter = plan_dir / "11-bildung.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(
        "Bildung öffnet Wege", "Bildung öffnet neue Wege"), encoding="utf-8")
    at_rev = build(plan_dir, output=tmp_path / "rev", formats=["pdf"], rev="HEAD")
    assert at_rev.manifest["commit"] == head and not at_rev.manifest["geaendert"]
    assert "öffnet neue Wege" not in pdf_text(at_rev.outputs["pdf"])
    assert chapter.read_text(encoding="utf-8").count("neue Wege") == 1  # tree untouched
    tree = build(plan_dir, output=tmp_path / "tree", formats=["pdf"])
    assert tree.manifest["geaendert"] and tree.manifest["commit"] == head
    assert "öffnet neue Wege" in pdf_text(tree.outputs["pdf"])
    with pikepdf.open(tree.outputs["pdf"]) as pdf:
        assert "(geändert)" in str(pdf.docinfo["/Subject"])


def test_one_chapter_edit_converts_only_that_chapter(repo, tmp_path: Path) -> None:
    _, plan_dir = repo
    steps: list[str] = []
    build(plan_dir, output=tmp_path / "out", formats=["pdf"], progress=steps.append)
    assert "pandoc" in steps
    cache = tmp_path / "out" / ".cache" / "typst"
    before = {p.name for p in cache.iterdir()}
    steps.clear()
    build(plan_dir, output=tmp_path / "out", formats=["pdf"], progress=steps.append)
    assert "pandoc" not in steps, "nothing changed: everything comes from the cache"
    chapter = plan_dir / "11-bildung.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nEin neuer Absatz.\n", encoding="utf-8")
    warm = build(plan_dir, output=tmp_path / "out", formats=["pdf"]).outputs["pdf"].read_bytes()
    after = {p.name for p in cache.iterdir()}
    # everything else stays; only the edited section of the chapter is new
    assert len(after - before) == 1 and len(before - after) == 1
    # a chapter converted alone gives what it gives among the others: the same PDF as cold
    cold = build(plan_dir, output=tmp_path / "kalt", formats=["pdf"], use_cache=False)
    assert warm == cold.outputs["pdf"].read_bytes()


def test_typst_source_is_the_same_from_one_or_several_pandoc_runs(tmp_path: Path) -> None:
    """A big plan is converted by one pandoc per core, each on a share of the parts."""
    import datetime as dt

    from support import SHIPPED_PLAN

    from pipeline.assemble import assemble
    from pipeline.plan import load_plan
    from pipeline.render import templates_dir
    from pipeline.render.backend import Settings
    from pipeline.render.pandoc import _pieces, typst_source

    doc = assemble(load_plan(SHIPPED_PLAN))
    settings = Settings(timestamp=dt.datetime(2020, 1, 1, tzinfo=dt.UTC), work_dir=tmp_path)
    template = templates_dir() / "lip.typ"
    alone = typst_source(doc, template, settings, ways=1)
    assert typst_source(doc, template, settings, ways=3) == alone
    assert alone.count("<ziele>") == 0 and "<m-1-1-1>" in alone  # no numbered automatic labels
    pieces = _pieces(doc.parts, 3)
    assert len(pieces) == 3 and [p for piece in pieces for p in piece] == doc.parts
    assert _pieces(doc.parts[:1], 4) == [doc.parts[:1]] and _pieces([], None) == []


def test_typst_source_is_the_same_converted_by_section_or_by_chapter(tmp_path: Path, monkeypatch) -> None:
    """The typst cache holds sections, so that an edit converts one section; the document
    must come out exactly as if each chapter were converted whole."""
    import datetime as dt

    from support import SHIPPED_PLAN

    from pipeline.assemble import assemble
    from pipeline.plan import load_plan
    from pipeline.render import pandoc, templates_dir
    from pipeline.render.backend import Settings

    doc = assemble(load_plan(SHIPPED_PLAN))
    settings = Settings(timestamp=dt.datetime(2020, 1, 1, tzinfo=dt.UTC), work_dir=tmp_path)
    template = templates_dir() / "lip.typ"
    assert sum(len(pandoc._sections(p)) for p in doc.parts) > 3 * len(doc.parts)
    by_section = pandoc.typst_source(doc, template, settings)
    monkeypatch.setattr(pandoc, "_sections", lambda part: [part])
    assert pandoc.typst_source(doc, template, settings) == by_section


SECTIONED = """# 1 Bildung {#kap-bildung}

Einleitung.

## 1.1 Kita {#abschnitt-1-1}

Text.
## Keine Überschrift: keine Leerzeile davor

```markdown
## Im Code
```

::: massnahme
## In einer Maßnahme
:::

## 1.2 Schule

Text.
"""


def test_sections_are_cut_only_where_pandoc_reads_each_as_the_whole() -> None:
    from pipeline.assemble import Part
    from pipeline.render.pandoc import _sections

    units = _sections(Part("kap-bildung", SECTIONED, "11-bildung.md"))
    assert [u.markdown.split("\n", 1)[0] for u in units] == [
        "# 1 Bildung {#kap-bildung}", "## 1.1 Kita {#abschnitt-1-1}", "## 1.2 Schule"]
    assert "\n".join(u.markdown for u in units) == SECTIONED
    assert [u.key for u in units] == ["kap-bildung.0", "kap-bildung.1", "kap-bildung.2"]
    # references another section could resolve, or fences that do not close: left whole
    for extra in ("Siehe [1.2 Schule].\n", "Siehe [dort][1.2 Schule].\n", "Siehe [1.2 Schule][].\n",
                  "Fußnote[^1].\n\n[^1]: Text.\n", "(@) Beispiel\n", "```\n## offen\n", ":::\n"):
        assert len(_sections(Part("k", SECTIONED + "\n" + extra))) == 1, extra
    # links, images, spans and inline notes resolve within their section: cut as before
    fine = "[Link](https://example.org), ![Bild](b.png), []{#z-1}, [Text]{.x}, ^[Notiz].\n"
    assert len(_sections(Part("k", SECTIONED + "\n" + fine))) == 3


def test_formats_and_errors_are_german(repo, tmp_path: Path) -> None:
    assert parse_formats(["pdf", "html,docx", "pdf"]) == ["pdf", "html", "docx"]
    with pytest.raises(PipelineError, match="unbekanntes Format 'odt'"):
        parse_formats(["odt"])
    _, plan_dir = repo
    runner = CliRunner()
    result = runner.invoke(cli, ["build", "--plan", str(plan_dir), "--output", str(tmp_path / "o"),
                                 "--format", "html", "--quiet"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "LIP-2.0.html").exists()
    assert not (tmp_path / "o" / "LIP-2.0.pdf").exists()
    assert result.output == ""  # quiet and no TTY: nothing on the terminal


def test_invalid_plan_is_refused_and_nothing_is_written(repo, tmp_path: Path) -> None:
    from pipeline.cli import main

    _, plan_dir = repo
    chapter = plan_dir / "11-bildung.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("## 1.1", "## 1.7"), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--plan", str(plan_dir), "--output", str(tmp_path / "o")])
    assert exit_info.value.code == 1
    assert not (tmp_path / "o" / "LIP-2.0.pdf").exists()


def test_an_output_that_cannot_be_written_is_a_german_error(repo, tmp_path: Path, capsys) -> None:
    """A file system refusal names the file and the reason in German (exit 3), not an
    internal error; the plan is untouched."""
    from pipeline.cli import main

    _, plan_dir = repo
    before = {p.name: p.read_bytes() for p in plan_dir.glob("*.md")}
    out = tmp_path / "o"
    (out / "LIP-2.0.html").mkdir(parents=True)  # a folder where the HTML file belongs
    (tmp_path / "datei").write_text("x", encoding="utf-8")
    for output, expected in ((out, f"{out / 'LIP-2.0.html'}: ist ein Ordner, keine Datei"),
                             (tmp_path / "datei", f"{tmp_path / 'datei'}: gibt es schon, und zwar als Datei")):
        with pytest.raises(SystemExit) as exit_info:
            main(["build", "--plan", str(plan_dir), "--output", str(output), "--format", "html", "-q"])
        err = capsys.readouterr().err
        assert exit_info.value.code in (2, 3), err
        assert expected in err and "Interner Fehler" not in err, err
    assert {p.name: p.read_bytes() for p in plan_dir.glob("*.md")} == before
    assert not list(out.glob(".LIP-2.0.html.*"))  # no temporary file left behind


def test_a_plan_that_fails_the_check_leaves_earlier_outputs_untouched(repo, tmp_path: Path) -> None:
    """The check runs beside pandoc; a failing check must still keep every output as it was."""
    from pipeline.errors import PlanInvalid

    _, plan_dir = repo
    out = tmp_path / "o"
    build(plan_dir, output=out, formats=["html", "docx"])
    before = {p.name: p.read_bytes() for p in out.glob("LIP-2.0.*")}
    chapter = plan_dir / "11-bildung.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text.replace("gleichstellungsrelevant: true", "gleichstellungsrelevant: vielleicht")
                       .replace("titel: Bildung", "titel: Bildung\nfarbe: rot"), encoding="utf-8")
    with pytest.raises(PlanInvalid) as info:
        build(plan_dir, output=out, formats=["html", "docx"])
    messages = [str(d) for d in info.value.diagnostics]
    assert any("11-bildung.md:" in m and "gleichstellungsrelevant" in m for m in messages), messages
    assert {p.name: p.read_bytes() for p in out.glob("LIP-2.0.*")} == before
    assert not list(out.glob("lip-build-*"))  # no scratch folder left behind


def test_a_second_commit_changes_the_manifest(repo, tmp_path: Path) -> None:
    git_repo, plan_dir = repo
    first = build(plan_dir, output=tmp_path / "a", formats=["pdf"])
    chapter = plan_dir / "01-haltung.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nNoch ein Satz.\n", encoding="utf-8")
    second_sha = commit_all(git_repo, "Zweite Fassung", WHEN + 86400)
    second = build(plan_dir, output=tmp_path / "b", formats=["pdf"])
    assert second.manifest["commit"] == second_sha
    changed = [a["datei"] for a, b in zip(first.manifest["kapitel"], second.manifest["kapitel"],
                                          strict=True) if a["text_sha256"] != b["text_sha256"]]
    assert changed == ["01-haltung.md"]
    assert json.loads(json.dumps(second.manifest))["zeitstempel"].startswith("2020-09-14")


def test_parse_cache_reuses_unchanged_chapters_and_sees_metadata_edits(repo, tmp_path: Path) -> None:
    import pickle

    _, plan_dir = repo
    out = tmp_path / "out"
    build(plan_dir, output=out, formats=["html"])
    cache_file = out / ".cache" / "geparster-plan.pickle"
    _, entries = pickle.loads(cache_file.read_bytes())
    assert sorted(k.split(":")[1] for k in entries) == ["01-haltung.md", "11-bildung.md", "lip.yaml"]
    chapter = plan_dir / "11-bildung.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("titel: Bildung", "titel: Bildung und Schule"),
                       encoding="utf-8")
    build(plan_dir, output=out, formats=["html"])
    assert "1 Bildung und Schule" in (out / "LIP-2.0.html").read_text(encoding="utf-8")
    _, entries = pickle.loads(cache_file.read_bytes())
    assert len(entries) == 3, "entries of old versions are dropped"
    cache_file.write_bytes(b"kaputt")
    build(plan_dir, output=out, formats=["html"])  # a broken cache is ignored, not an error
    assert "1 Bildung und Schule" in (out / "LIP-2.0.html").read_text(encoding="utf-8")


def test_build_reports_its_commit_and_a_folder_outside_git(repo, tmp_path: Path) -> None:
    """The closing line names the commit (or says there is none); a DOCX-only build computes
    the manifest only when asked and gives the same commit."""
    import shutil

    git_repo, plan_dir = repo
    runner = CliRunner()
    result = runner.invoke(cli, ["build", "--plan", str(plan_dir), "--output", str(tmp_path / "a"),
                                 "--format", "docx"])
    assert result.exit_code == 0, result.output
    assert f"Gebaut: Entwurf, Commit {git_repo.head.commit.hexsha[:10]}." in result.output
    loose = tmp_path / "lose" / "plan"
    shutil.copytree(plan_dir, loose)
    result = runner.invoke(cli, ["build", "--plan", str(loose), "--output", str(tmp_path / "b"),
                                 "--format", "html"])
    assert result.exit_code == 0, result.output
    assert "Gebaut: Entwurf, nicht aus einem Git-Repository." in result.output
    docx_only = build(plan_dir, output=tmp_path / "c", formats=["docx"])
    assert docx_only.commit == git_repo.head.commit.hexsha and not docx_only.changed
    assert docx_only.manifest["commit"] == docx_only.commit
    assert docx_only.manifest["werkzeuge"]["pandoc"]


def test_html_and_docx_follow_the_pdf_drucksache_first_labelled_lines(repo, tmp_path: Path) -> None:
    """walk-council 12: the HTML opened with the plan's contents before the Drucksache, and
    HTML and DOCX showed the Drucksache's data as a table headed „Angabe | Wert“. (The DOCX's
    first page without a header: test_council.py, on a final plan; a draft keeps its header
    with ENTWURF on every page.)"""
    import zipfile

    _, plan_dir = repo
    out = build(plan_dir, output=tmp_path / "out", formats=["html", "docx"]).outputs
    html = out["html"].read_text(encoding="utf-8")
    letterhead = html.index("Beschlussdrucksache</strong>")
    anlage = html.index('id="anlage-1"')
    contents = html.index('<nav class="inhaltsverzeichnis"')
    assert letterhead < anlage < contents < html.index('<section id="kap-')
    assert html.count('<nav class="inhaltsverzeichnis"') == 1 and "lip-inhaltsverzeichnis" not in html
    assert "Angabe" not in html and "<strong>Nr.:</strong>" in html
    with zipfile.ZipFile(out["docx"]) as docx:
        document = docx.read("word/document.xml").decode("utf-8")
    assert "Angabe" not in document and ">Nr.:<" in document
    assert "<w:titlePg" not in document  # a draft: ENTWURF in the header of every page
