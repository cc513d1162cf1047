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


SPLIT_WORDS = """(selector) => {
    // Words of the visible cells matched by `selector` whose letters stand on more than one
    // line: split inside the word. A break after a hyphen or a slash is a break between words.
    // (Debian's Chromium has no German hyphenation patterns, so it never hyphenates.)
    const split = [];
    for (const cell of document.querySelectorAll(selector)) {
        const hidden = cell.closest('thead, caption') || cell;           // a visually hidden header
        if (hidden.getBoundingClientRect().width < 2) continue;
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let text = walker.nextNode(); text; text = walker.nextNode()) {
            for (const m of text.data.matchAll(/[^\\s\\-\\u2010-\\u2014\\/]+/g)) {
                const range = document.createRange();
                range.setStart(text, m.index);
                range.setEnd(text, m.index + m[0].length);
                const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                                     .map(r => Math.round(r.top)));
                if (tops.size > 1) split.push(m[0]);
            }
        }
    }
    return split;
}"""
"""JavaScript for page.evaluate(SPLIT_WORDS, selector): the words split across lines."""
