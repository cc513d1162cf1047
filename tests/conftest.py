"""Shared fixtures: paths to test data and a copy of a fixture plan in a temp folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
PLANS = DATA / "plans"
SHIPPED_PLAN = ROOT / "plan"
CORPUS = ROOT.parent / "shared" / "corpus"


def copy_plan(name: str, dest: Path) -> Path:
    """Copy fixture plan `name` to `dest/plan` and return that folder."""
    target = dest / "plan"
    shutil.copytree(PLANS / name / "plan", target)
    return target


@pytest.fixture
def minimal_plan(tmp_path: Path) -> Path:
    """A fresh copy of the minimal fixture plan."""
    return copy_plan("minimal", tmp_path)
