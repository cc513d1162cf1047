"""Fixtures every test module can use without importing them (helpers: tests/support/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import copy_plan
from support.beside import Beside
from support.repos import close_repos, fixed_git_dates, mini  # noqa: F401  (fixtures for every module)


@pytest.fixture
def minimal_plan(tmp_path: Path) -> Path:
    """A fresh copy of the minimal fixture plan."""
    return copy_plan("minimal", tmp_path)


@pytest.fixture(scope="session")
def beside():
    """The process that makes the corpus pairs' redlines and whole-document references beside
    the tests that convert them in parts (support/beside.py)."""
    worker = Beside()
    yield worker
    worker.close()
