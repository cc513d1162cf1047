"""One source of truth (issue 15 items 3 and 4): every figure a reviewer reads is computed
once and shown the same in the terminal, the redline and the site, on a real git repository."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support import redline_views, site_history

from pipeline.commands import redline as redline_cmd
from pipeline.commands import status as status_cmd
from pipeline.plan import load_plan
from pipeline.redline import format_word_changes


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The site fixture's repository with its site built (plan folder, site folder)."""
    root = tmp_path_factory.mktemp("figures")
    result, _ = site_history.build(root)
    return root / "repo" / "plan", result.out_dir


def test_status_redline_and_site_count_the_same_words(built, monkeypatch) -> None:
    plan_dir, site_dir = built
    row = next(r for r in status_cmd.status(plan_dir).rows if r.id == "bildung")
    assert row.woerter_hinzu is not None and row.woerter_hinzu > 0
    figure = format_word_changes(row.woerter_hinzu, row.woerter_entfernt)
    assert row.stand.endswith(": " + figure)

    monkeypatch.chdir(plan_dir.parent)
    result = redline_cmd.build_redline(plan_dir=plan_dir, kapitel=["bildung"], formats=["md"],
                                       out_root=plan_dir.parent / "build" / "redline")
    summary = json.loads((result.out_dir / "zusammenfassung.json").read_text("utf-8"))
    chapter = summary["kapitel"][0]
    assert (chapter["words_added"], chapter["words_removed"]) == \
        (row.woerter_hinzu, row.woerter_entfernt)
    table = (result.out_dir / "redline.md").read_text("utf-8")
    assert f"| {row.woerter_hinzu} | {row.woerter_entfernt} |" in table

    page = (site_dir / "bildung.html").read_text("utf-8")
    assert figure in page
    changes = (site_dir / "bildung-aenderungen.html").read_text("utf-8")
    assert figure in changes


def test_the_site_counts_no_other_word_figures(built) -> None:
    """No page shows a word figure in another format (e.g. '+15/−2 Wörter')."""
    _, site_dir = built
    for page in site_dir.glob("*.html"):
        text = page.read_text("utf-8")
        assert not re.search(r"[+−-]\d+\s*/\s*[−-]?\d+ Wörter", text), page.name


def test_status_and_site_show_the_same_statements_due(tmp_path: Path) -> None:
    """The shipped plan: chapters lying before the Lenkungsgruppe miss statements; chapters
    accepted long ago (the Grundlagenpapier) owe none. Status and start page agree."""
    from support import SHIPPED_PLAN

    from pipeline.commands import site

    rows = status_cmd.status(SHIPPED_PLAN).rows
    due = {r.id: r.fehlende_stellungnahmen for r in rows}
    assert any(due.values()), "the shipped plan has a chapter waiting for statements"
    assert all(not due[r.id] for r in rows if r.status != "vorgelegt")
    site.site_for_plan_dir(SHIPPED_PLAN, tmp_path / "site", require_valid=False)
    index = (tmp_path / "site" / "index.html").read_text("utf-8")
    total = re.search(r'<span class="num">(\d+)</span> fehlende Stellungnahmen?<', index)
    assert total and int(total.group(1)) == sum(len(v) for v in due.values())
    plan = load_plan(SHIPPED_PLAN)
    table_rows = re.findall(r"<tr>(.*?)</tr>", index, re.S)
    for r in rows:
        page = site.page_name(plan.chapter(r.id))
        cells = next(x for x in table_rows if f'href="{page}"' in x)
        shown = re.search(r'data-label="Fehlende Stellungnahmen">(.*?)</td>', cells).group(1)
        names = [plan.manifest.gremium_name(k) for k in r.fehlende_stellungnahmen]
        assert shown == (", ".join(names) if names else "keine"), r.id


def test_the_council_documents_and_the_site_name_each_judged_text_alike(mini: Path) -> None:
    """The text a record judged, named the same in the PDF's Beratungsverlauf and on the
    site: a Fassung by name and date, else the Vorlage that submitted it ("Vorlage vom …",
    never the day git stored it: a history replayed later stores old texts with new dates)."""
    import subprocess
    import sys

    import git

    from pipeline.assemble import consultation_entries
    from pipeline.commands.build import record_days
    from pipeline.commands.site_data import VersionNames
    from pipeline.history import PlanHistory
    from pipeline.review import records_of

    for args in (("vorlegen", "haltung", "--datum", "2020-02-01"),
                 ("entscheiden", "haltung", "--angenommen", "--datum", "2020-02-10")):
        done = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=mini,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    plan_dir = mini / "plan"
    plan = load_plan(plan_dir)
    chapter = plan.chapter("haltung")
    in_pdf = [e["fassung"] for e in consultation_entries(plan, record_days(plan_dir, plan))
              if e["kapitel"].endswith(chapter.title)]
    names = VersionNames(plan, PlanHistory(git.Repo(mini), "plan"))
    records = records_of(chapter)
    on_site = [names.of(r.stand, chapter.filename, r.datum, records.submitted_on(r.stand)).label
               for r in records.in_time_order()]
    assert in_pdf == ["Vorlage vom 01.02.2020"] * 2
    assert on_site == ["Vorlage vom 1. Februar 2020"] * 2


def test_only_the_redline_page_has_changed_passages_worked_out_from_their_blocks(
        built, monkeypatch) -> None:
    """`Redline.passages` serves the page alone: the Markdown, the site and the status do
    not pay for it; the page, of a plan's chapters as of files, gets it."""
    from pipeline.render import redline_ast

    plan_dir, _ = built
    monkeypatch.chdir(plan_dir.parent)
    asked: list[int] = []
    real = redline_ast.passage
    monkeypatch.setattr(redline_ast, "passage", lambda blocks: asked.append(1) or real(blocks))
    cut = redline_views.count_cut_passages(monkeypatch)
    out_root = plan_dir.parent / "build" / "redline-passagen"
    redline_cmd.build_redline(plan_dir=plan_dir, kapitel=["bildung"], formats=["md", "pdf"],
                              out_root=out_root)
    status_cmd.status(plan_dir)
    assert not asked
    redline_cmd.build_redline(plan_dir=plan_dir, kapitel=["bildung"], formats=["html"],
                              out_root=out_root)
    assert asked and cut and cut[0] > 0
