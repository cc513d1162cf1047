"""`lip redline` on a real git repository made in tmp_path (fixed dates, no checkout)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import git
import pytest
from support import PLANS
from support.repos import commit_all, init_repo

from pipeline.cli import main

DATE1 = "2020-03-02T10:00:00"
DATE2 = "2020-05-04T10:00:00"
DECISION = """  entscheidungen:
    - datum: 2020-04-20
      gremium: lenkungsgruppe
      ergebnis: zurückgespielt
      stand:
        commit: {sha}
        text_sha256: {hash}
      vorgaben:
        - id: V1
          text: Die Sprachbildung stärker auf Eltern ausrichten.
"""


def commit(repo: git.Repo, message: str, date: str) -> str:
    return commit_all(repo, message, date, git.Actor("Test", "test@example.org"))


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """v1: the minimal plan; v2: Bildung edited and a decision pinned to v1; then a
    working-tree edit."""
    shutil.copytree(PLANS / "minimal" / "plan", tmp_path / "plan")
    r = init_repo(tmp_path, "v1", DATE1)
    sha1 = r.head.commit.hexsha
    r.create_tag("v1")
    chapter = tmp_path / "plan" / "11-bildung.md"
    text = chapter.read_text(encoding="utf-8")
    text = text.replace("  entscheidungen: []\n", DECISION.format(sha=sha1, hash="0" * 64))
    text = text.replace("für Kinder und Eltern", "für Kinder, Eltern und Großeltern")
    chapter.write_text(text, encoding="utf-8")
    commit(r, "v2", DATE2)
    r.create_tag("v2")
    chapter.write_text(text.replace("gute Deutschkenntnisse", "sehr gute Deutschkenntnisse"),
                       encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return tmp_path


def run(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def test_between_two_tags(repo: Path, capsys: pytest.CaptureFixture) -> None:
    status = git.Repo(repo).git.status("--porcelain", "--", "plan")
    assert run(["redline", "v1", "v2", "--format", "md", "--format", "docx"]) == 0
    out = repo / "build" / "redline" / "v1..v2"
    md = (out / "redline.md").read_text(encoding="utf-8")
    assert "[Kinder und]{.del}[Kinder, Eltern und Großeltern]{.ins}" in md or \
        "{.ins}" in md and "Großeltern" in md
    assert "| [1 Bildung](#kap-bildung) | v1 |" in md
    assert "Unverändert: A Haltung der Stadt." in md
    xml = zipfile.ZipFile(out / "redline.docx").read("word/document.xml").decode("utf-8")
    assert 'w:author="Expert*innengruppe Bildung"' in xml
    assert 'w:date="2020-05-04T10:00:00Z"' in xml
    captured = capsys.readouterr()
    assert "1 Bildung: 2 Wörter eingefügt, 1 Wort gestrichen" in captured.err
    assert str(Path("build/redline/v1..v2/redline.md")) in captured.out
    assert git.Repo(repo).git.status("--porcelain", "--", "plan") == status  # nothing checked out


def test_since_last_decision_is_the_default(repo: Path, capsys: pytest.CaptureFixture) -> None:
    assert run(["redline", "--format", "md", "--format", "html"]) == 0
    out = repo / "build" / "redline" / "entscheidung..arbeitsstand"
    md = (out / "redline.md").read_text(encoding="utf-8")
    assert "Entscheidung vom 20.04.2020" in md
    assert "V1: Die Sprachbildung stärker auf Eltern ausrichten." in md
    assert "[sehr]{.ins} gute Deutschkenntnisse" in md
    assert "Großeltern]{.ins}" in md  # v1 (the decision) against the working tree
    err = capsys.readouterr().err
    assert "Nicht verglichen: A Haltung der Stadt: noch keine Entscheidung" in err
    html = (out / "redline.html").read_text(encoding="utf-8")
    assert "<ins>" in html and "Vorgaben der Lenkungsgruppe" in html


def test_fassung_name(repo: Path) -> None:
    manifest = repo / "plan" / "lip.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "fassungen: []", 'fassungen:\n  - name: "1. Fassung"\n    datum: 2020-03-02\n'
                         "    rev: v1"), encoding="utf-8")
    assert run(["redline", "1. Fassung", "v2", "--format", "md", "--kapitel", "bildung"]) == 0
    md = (repo / "build" / "redline" / "1.-Fassung..v2" / "redline.md").read_text("utf-8")
    assert "Großeltern]{.ins}" in md


def test_unknown_revision(repo: Path, capsys: pytest.CaptureFixture) -> None:
    assert run(["redline", "gibtsnicht", "v2"]) == 2  # a wrong call, not a failing tool
    assert ("Fehler: 'gibtsnicht' ist weder eine Fassung noch ein Commit"
            in capsys.readouterr().err)


def test_unknown_chapter(repo: Path, capsys: pytest.CaptureFixture) -> None:
    assert run(["redline", "v1", "v2", "--kapitel", "sport"]) == 2  # a wrong call, not a plan problem
    assert "Fehler: Kapitel 'sport' nicht gefunden; vorhanden: haltung" in \
        capsys.readouterr().err


def test_an_unreadable_chapter_is_named_not_shown_as_deleted(repo: Path, capsys) -> None:
    """A YAML error in a chapter's front matter made the chapter vanish from that side of the
    comparison: the redline showed its whole text as deleted (or as new)."""
    chapter = repo / "plan" / "11-bildung.md"
    good = chapter.read_text(encoding="utf-8")
    chapter.write_text(good.replace("titel: Bildung", "titel: [Bildung", 1), encoding="utf-8")
    assert run(["redline", "v1", "--format", "md"]) == 1  # the working tree: mend it first
    err = capsys.readouterr().err
    assert err.startswith("plan/11-bildung.md:") and "YAML-Syntaxfehler" in err
    assert not (repo / "build" / "redline" / "v1..arbeitsstand").exists()

    r = git.Repo(repo)
    commit(r, "v3 kaputt", "2020-06-01T10:00:00")
    chapter.write_text(good, encoding="utf-8")
    for alt, neu, side in (("v1", "HEAD", "HEAD"), ("HEAD", None, "HEAD")):
        assert run(["redline", alt, *([neu] if neu else []), "--format", "md"]) == 0
        err = capsys.readouterr().err
        assert f"Nicht verglichen: 1 Bildung: in {side} nicht lesbar (siehe 'lip check')" in err
        assert "1 Bildung: +" not in err and "1 Bildung: unverändert" not in err


def test_two_files_outside_any_repository(tmp_path: Path, monkeypatch) -> None:
    outside = tmp_path / "ohne-git"
    outside.mkdir()
    (outside / "alt.md").write_text("# Titel\n\nDer Rat beschließt im Juni.\n", "utf-8")
    (outside / "neu.md").write_text("# Titel\n\nDer Rat beschließt im Juli.\n", "utf-8")
    monkeypatch.chdir(outside)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2020, 1, 1).timestamp())))
    assert run(["redline", "--dateien", "alt.md", "neu.md", "--format", "md",
                "--format", "synopse"]) == 0
    out = outside / "build" / "redline" / "alt..neu"
    assert "[Juni]{.del}[Juli]{.ins}" in (out / "redline.md").read_text("utf-8")
    assert (out / "synopse.pdf").read_bytes().startswith(b"%PDF-")


def test_formats_are_given_with_commas_as_for_lip_build(tmp_path: Path, monkeypatch,
                                                         capsys: pytest.CaptureFixture) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "alt.md").write_text("Der Rat beschließt im Juni.\n", "utf-8")
    (tmp_path / "neu.md").write_text("Der Rat beschließt im Juli.\n", "utf-8")
    assert run(["redline", "--dateien", "alt.md", "neu.md", "--format", "md, MD,html"]) == 0
    assert sorted(p.name for p in (tmp_path / "build" / "redline" / "alt..neu").iterdir()) \
        == ["redline.html", "redline.md", "zusammenfassung.json"]
    capsys.readouterr()
    assert run(["redline", "--dateien", "alt.md", "neu.md", "--format", "html,dox"]) == 2
    assert "Fehler: Ungültiger Wert für '--format': 'dox' ist keins von html, pdf, docx, " \
           "synopse, md" in capsys.readouterr().err


def test_only_changes_keeps_headings_as_context(tmp_path: Path, monkeypatch) -> None:
    text = "# Gesetz\n\n## § 1\n\nErster Absatz bleibt.\n\n## § 2\n\nZweiter Absatz alt.\n"
    (tmp_path / "a.md").write_text(text, "utf-8")
    (tmp_path / "b.md").write_text(text.replace("Zweiter Absatz alt", "Zweiter Absatz neu"),
                                   "utf-8")
    monkeypatch.chdir(tmp_path)
    assert run(["redline", "--dateien", "a.md", "b.md", "--format", "md",
                "--nur-aenderungen"]) == 0
    md = (tmp_path / "build" / "redline" / "a..b" / "redline.md").read_text("utf-8")
    assert "# Gesetz" in md and "## § 2" in md and "[alt]{.del}[neu]{.ins}" in md
    assert "Erster Absatz" not in md and "## § 1" not in md


def test_summary_names_vorgaben_in_the_table_and_lists_each_beneath(repo: Path) -> None:
    """The summary table's count headers stay apart, and each Vorgabe has its own line
    (they ran together in one cell)."""
    import subprocess

    assert run(["redline", "--format", "pdf", "--format", "md"]) == 0
    out = repo / "build" / "redline" / "entscheidung..arbeitsstand"
    md = (out / "redline.md").read_text(encoding="utf-8")
    assert "| V1 |" in md and "    - V1: Die Sprachbildung stärker auf Eltern ausrichten." in md
    text = subprocess.run(["pdftotext", "-layout", "-l", "1", str(out / "redline.pdf"), "-"],
                          capture_output=True, check=True).stdout.decode()
    assert "eingefügtgestrichen" not in text and "eingefügt gestrichen" not in text
    assert any(line.strip().startswith("‣ V1: Die Sprachbildung") or line.strip().startswith("V1: Die")
               or "V1: Die Sprachbildung" in line.strip()[:30] for line in text.splitlines())


def test_vorgaben_show_their_decision_and_whether_they_are_done(repo: Path) -> None:
    """The Vorgaben beside the changes say whether each is erledigt (with its Vermerk) or
    offen, as the site's change page does, and are labelled by their decision: between two
    versions the box said 'Vorgaben der Lenkungsgruppe (v1)', as if v1 had made them."""
    chapter = repo / "plan" / "11-bildung.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(
        "auf Eltern ausrichten.\n", "auf Eltern ausrichten.\n          erledigt:\n"
        "            datum: 2020-05-01\n            vermerk: Eltern in 1.1 ergänzt.\n"),
        encoding="utf-8")
    assert run(["redline", "--format", "md"]) == 0
    md = (repo / "build/redline/entscheidung..arbeitsstand/redline.md").read_text("utf-8")
    assert "| Entscheidung vom 20.04.2020 (zurückgespielt, " in md
    assert ("**Vorgaben der Lenkungsgruppe (Entscheidung vom 20.04.2020: zurückgespielt):**"
            "\n\n- V1: Die Sprachbildung stärker auf Eltern ausrichten.\\\n"
            "  erledigt am 01.05.2020: Eltern in 1.1 ergänzt.") in md
    assert run(["redline", "v1", "v2", "--format", "md"]) == 0
    md = (repo / "build/redline/v1..v2/redline.md").read_text("utf-8")
    assert "(v1):**" not in md and "Bildung (v1):" not in md
    assert "**Vorgaben der Lenkungsgruppe (Entscheidung vom 20.04.2020: zurückgespielt):**" in md
    assert "- V1: Die Sprachbildung stärker auf Eltern ausrichten.\\\n  offen" in md


def test_a_fassung_is_dated_as_plan_lip_yaml_dates_it(repo: Path) -> None:
    """Both versions carry their date, a Fassung its `datum` (as the site's Fassungen page
    shows it), not its commit's: the 2. Fassung of 30.10.2020, committed on 29.10., was
    'Stand 29.10.2020' in the redline and in its Word changes; ALT had no date at all."""
    manifest = repo / "plan" / "lip.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "fassungen: []", 'fassungen:\n  - name: "1. Fassung"\n    datum: 2020-03-02\n'
                         '    rev: v1\n  - name: "2. Fassung"\n    datum: 2020-05-06\n'
                         "    rev: v2"), encoding="utf-8")
    assert run(["redline", "1. Fassung", "2. Fassung", "--format", "md,docx"]) == 0
    out = repo / "build" / "redline" / "1.-Fassung..2.-Fassung"
    assert ("Verglichen werden **1. Fassung** (bisherige Fassung, Stand 02.03.2020) und "
            "**2. Fassung** (neue Fassung, Stand 06.05.2020).") in \
        (out / "redline.md").read_text(encoding="utf-8")
    xml = zipfile.ZipFile(out / "redline.docx").read("word/document.xml").decode("utf-8")
    assert set(re.findall(r'w:date="([^"]*)"', xml)) == {"2020-05-06T00:00:00Z"}


def test_the_summary_names_changed_ziele_as_the_site_does(repo: Path) -> None:
    """The site's chapter page said „geändertes Ziel: 1.1.1“; the redline's summary named
    only Maßnahmen („geändert: 1.1.1“), so a changed Ziel went unnamed there."""
    assert run(["redline", "--format", "md"]) == 0
    md = (repo / "build/redline/entscheidung..arbeitsstand/redline.md").read_text("utf-8")
    assert "| Ziele und Maßnahmen | Vorgaben |" in md
    assert "| geändertes Ziel: 1.1.1; geänderte Maßnahme: 1.1.1 | V1 |" in md


def test_relative_revisions_name_their_own_folder(repo: Path, capsys) -> None:
    """Walk: `lip redline HEAD~ HEAD` wrote to build/redline/HEAD..HEAD (the `~` dropped), the
    same folder as `lip redline HEAD HEAD~`, the comparison the other way round."""
    assert run(["redline", "HEAD~", "HEAD", "--format", "md"]) == 0
    assert run(["redline", "HEAD", "HEAD~", "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert "build/redline/HEAD~..HEAD/redline.md" in out
    assert "build/redline/HEAD..HEAD~/redline.md" in out
    assert sorted(p.name for p in (repo / "build" / "redline").iterdir()) == [
        "HEAD..HEAD~", "HEAD~..HEAD"]


GESUNDHEIT = ("Viele Geflüchtete sind durch Erlebnisse im Herkunftsland und auf der Flucht "
              "psychisch stark belastet. Die Wartezeiten auf einen Therapieplatz sind lang, und "
              "Therapien mit Sprachmittlung sind kaum verfügbar.\n\n")


@pytest.fixture
def moved_across(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped plan, then a paragraph of 2.5 Gesundheit's Ausgangslage moved to 1.1's
    and Maßnahme 2.4.2 moved, as it is, to 1.1's Maßnahmen: two moves between chapters."""
    from support import SHIPPED_PLAN

    shutil.copytree(SHIPPED_PLAN, tmp_path / "plan")
    r = init_repo(tmp_path, "v1", DATE1)
    soziales, bildung = tmp_path / "plan" / "12-soziales.md", tmp_path / "plan" / "11-bildung.md"
    s, b = soziales.read_text(encoding="utf-8"), bildung.read_text(encoding="utf-8")
    measure = s[s.index("#### Maßnahme 2.4.2"):s.index("## 2.5 Gesundheit")]
    s = s.replace(GESUNDHEIT, "", 1).replace(measure, "", 1)
    b = b.replace("### Ziele\n\n- **Ziel 1.1.1:**", GESUNDHEIT + "### Ziele\n\n- **Ziel 1.1.1:**", 1)
    b = b.replace("## 1.2 Grundschulen", measure + "## 1.2 Grundschulen", 1)
    soziales.write_text(s, encoding="utf-8")
    bildung.write_text(b, encoding="utf-8")
    commit(r, "v2", DATE2)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return tmp_path


def test_a_passage_moved_to_another_chapter_is_moved_in_every_format(
        moved_across: Path, capsys: pytest.CaptureFixture) -> None:
    """Walk finding 8: Soziales said „104 Wörter gestrichen“, Bildung „104 Wörter eingefügt“,
    with no note where the text went or came from."""
    import json
    import subprocess

    from pipeline.redline import ast_words, resolve_blocks
    from pipeline.render.redline_text import markdown_words, parse_markdown

    assert run(["redline", "HEAD~", "HEAD", "--format", "md,html,pdf,docx,synopse"]) == 0
    err = capsys.readouterr().err
    moved = "0 Wörter eingefügt, 0 Wörter gestrichen, 2 Passagen verschoben"
    assert f"1 Bildung: {moved}" in err and f"2 Soziales: {moved}" in err
    out = moved_across / "build" / "redline" / "HEAD~..HEAD"
    summary = json.loads((out / "zusammenfassung.json").read_text(encoding="utf-8"))
    total = summary["gesamt"]
    assert (total["words_added"], total["words_removed"], total["blocks_moved"]) == (0, 0, 2)
    assert total["words_moved"] > 100 and total["measures_moved"] == ["2.4.2"]
    assert total["measures_added"] == total["measures_removed"] == []
    rows = {k["titel"]: k for k in summary["kapitel"]}
    assert rows["1 Bildung"]["measures_moved"] == rows["2 Soziales"]["measures_moved"] == ["2.4.2"]
    assert (rows["1 Bildung"]["blocks_moved"], rows["2 Soziales"]["blocks_moved_away"]) == (2, 2)
    places = ["Verschoben nach 1.1 Elementarbereich, Ausgangslage (Kapitel 1 Bildung)",
              "Verschoben nach 1.1 Elementarbereich, Maßnahmen (Kapitel 1 Bildung)",
              "Verschoben von 2.5 Gesundheit, Ausgangslage (Kapitel 2 Soziales)",
              "Verschoben von 2.4 Sozialberatung, Maßnahmen (Kapitel 2 Soziales)"]
    page = " ".join(re.sub(r"<[^>]+>", "", (out / "redline.html").read_text(
        encoding="utf-8")).split())
    # the summary's counts are words: it names the moves beneath them, in both chapters
    assert "Außerdem verschoben: 2 Passagen in 1 Bildung, 2 Passagen in 2 Soziales." in page
    pdf = " ".join(subprocess.run(["pdftotext", str(out / "redline.pdf"), "-"], check=True,
                                  capture_output=True, text=True).stdout.split())
    with zipfile.ZipFile(out / "redline.docx") as z:
        comments = z.read("word/comments.xml").decode()
    synopse = " ".join(subprocess.run(["pdftotext", str(out / "synopse.pdf"), "-"], check=True,
                                      capture_output=True, text=True).stdout.replace("\xad\n", "").split())
    for place in places:
        assert place in page and place in pdf and place in comments and place in synopse, place
    # the page links each place to the other one
    assert 'href="#verschoben-kapitel-1-alt"' in (out / "redline.html").read_text(
        encoding="utf-8")
    # accepting every change gives NEU, rejecting every change ALT, word for word
    chapters = [b["c"][1] for b in parse_markdown((out / "redline.md").read_text(
        encoding="utf-8")) if b["t"] == "Div" and "rl-kapitel" in b["c"][0][1]]
    assert len(chapters) == 2
    for accept, rev in ((True, "HEAD"), (False, "HEAD~")):
        for heading, name, blocks in (("1 Bildung", "11-bildung.md", chapters[0]),
                                      ("2 Soziales", "12-soziales.md", chapters[1])):
            text = git.Repo(moved_across).git.show(f"{rev}:plan/{name}")
            words = heading.split() + markdown_words(text.split("\n---\n", 1)[1])
            shown = [b for b in blocks if not (b["t"] == "Div" and "vorgaben" in b["c"][0][1])]
            assert ast_words(resolve_blocks(shown, accept)) == words, (rev, name)
