"""One colour palette for changes: the redline page, the redline PDF and the site mark
insertions and deletions in the same colours (issue 14.5)."""

from __future__ import annotations

import re

from pipeline.render import templates_dir

TEMPLATES = templates_dir()


def _css_vars(text: str) -> dict[str, str]:
    return {k: v.lower() for k, v in re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", text)}


def test_insertions_and_deletions_look_alike_everywhere() -> None:
    page = _css_vars((TEMPLATES / "redline.html").read_text(encoding="utf-8"))
    site = _css_vars((TEMPLATES / "site" / "site.css").read_text(encoding="utf-8"))
    typst = {k: v.lower() for k, v in re.findall(
        r'#let (\w+)-color = rgb\("(#[0-9a-fA-F]{6})"\)',
        (TEMPLATES / "redline.typ").read_text(encoding="utf-8"))}
    for kind in ("ins", "del"):
        assert page[kind] == site[f"{kind}-text"] == typst[kind], kind
        assert page[f"{kind}-bg"] == site[f"{kind}-bg"], kind
