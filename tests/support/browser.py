"""Debian's Chromium for the tests, through playwright: where it is, how it starts, and the
axe-core accessibility checker (`make setup` fetches it into build/node)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
AXE = ROOT / "build" / "node" / "node_modules" / "axe-core" / "axe.min.js"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="chromium nicht installiert (make sysdeps)")


@contextlib.contextmanager
def chromium() -> Iterator:
    """A running headless Chromium (playwright's Browser), closed afterwards; the test is
    skipped without playwright or Chromium."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright nicht installiert")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium nicht installiert (make sysdeps)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
