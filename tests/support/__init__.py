"""Everything the tests share, in one place: where the test data lives, which tests need the
workplace's `../shared` folder, and (in the modules) the one git-repository builder
(`support.repos`), PDF text (`support.pdf`), the site's review history (`support.site_history`),
redline views and seeded edits, the generated plan and the `lip check` cases.

Fixture plans all live under tests/data/plans/<name>/plan."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
DATA = TESTS / "data"
PLANS = DATA / "plans"
SHIPPED_PLAN = ROOT / "plan"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
OPARL_SCHEMAS = SHARED / "oparl" / "schema"

needs_corpus = pytest.mark.skipif(
    not (CORPUS / "PAIRS.tsv").is_file(),
    reason="../shared/corpus fehlt: die Gesetzestexte liegen nur im Arbeitsbereich neben dem "
           "Repository, nicht in einem einzelnen Klon")
needs_oparl_schemas = pytest.mark.skipif(
    not OPARL_SCHEMAS.is_dir(),
    reason="../shared/oparl/schema fehlt: die offiziellen OParl-Schemas liegen nur im "
           "Arbeitsbereich neben dem Repository, nicht in einem einzelnen Klon")


def spy_first_arguments(monkeypatch, module, name: str) -> list:
    """Let `module.name` work as before, and record the first argument of each call (what
    a test asks of a conversion: whether the whole document went to it, which parts)."""
    seen: list = []
    real = getattr(module, name)

    def spy(first, *args, **kwargs):
        seen.append(first)
        return real(first, *args, **kwargs)
    monkeypatch.setattr(module, name, spy)
    return seen


def copy_plan(name: str, dest: Path) -> Path:
    """Copy fixture plan `name` to `dest/plan` and return that plan folder (the repository
    root is its parent)."""
    target = dest / "plan"
    shutil.copytree(PLANS / name / "plan", target)
    return target


def corpus_pairs() -> list[tuple[str, str, str]]:
    """(pair, ALT file, NEU file) of every pair in ../shared/corpus/PAIRS.tsv; none without
    the corpus (the tests that use them skip with `needs_corpus`)."""
    import csv

    if not (CORPUS / "PAIRS.tsv").is_file():
        return []
    with open(CORPUS / "PAIRS.tsv", encoding="utf-8") as f:
        return [(r["pair"], r["old"], r["new"]) for r in csv.DictReader(f, delimiter="\t")]


def corpus_redline(old: str, new: str, summary: str = "# Übersicht\n\n") -> str:
    """The redline Markdown of a corpus pair (files of ../shared/corpus) as `lip redline
    --dateien` lays it out: `summary`, then the comparison as one chapter by lip."""
    return corpus_comparison(old, new, summary)[0]


def corpus_comparison(old: str, new: str, summary: str = "# Übersicht\n\n"
                      ) -> tuple[str, dict]:
    """`corpus_redline`, and the changed passages the page converts from their blocks
    (`Redline.passages`)."""
    from pipeline.render.redline_text import compare_markdown

    red = compare_markdown((CORPUS / old).read_text(encoding="utf-8"),
                           (CORPUS / new).read_text(encoding="utf-8"), for_page=True)
    md = summary + "::::: {.rl-kapitel autor=\"lip\"}\n" + red.markdown + ":::::\n"
    return md, red.passages
