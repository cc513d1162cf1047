"""Shared fixtures: paths to test data and a copy of a fixture plan in a temp folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
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


def copy_plan(name: str, dest: Path) -> Path:
    """Copy fixture plan `name` to `dest/plan` and return that folder."""
    target = dest / "plan"
    shutil.copytree(PLANS / name / "plan", target)
    return target


@pytest.fixture
def minimal_plan(tmp_path: Path) -> Path:
    """A fresh copy of the minimal fixture plan."""
    return copy_plan("minimal", tmp_path)
