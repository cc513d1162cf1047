"""HTML: one self-contained file, semantic landmarks, lang="de", no JavaScript."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.assemble import TOC_ANCHOR, Assembled, with_drucksache
from pipeline.render import filter_args_for
from pipeline.render.backend import Settings
from pipeline.render.pandoc import PendingPandoc


class HtmlConversion(PendingPandoc):
    """The Beschlussdrucksache as in the PDF: the Drucksache part, then Anlage 1 (the plan)
    with its contents after its title."""

    def finish(self, doc: Assembled) -> bytes:
        return contents_after_drucksache(super().finish(with_drucksache(doc, word=False)))


_NAV = re.compile(rb'<nav class="inhaltsverzeichnis".*?</nav>\n?', re.S)


def contents_after_drucksache(html: bytes) -> bytes:
    """The template's contents list (pandoc puts it only before the body) moved to the
    marker after the title of Anlage 1: the Drucksache comes first, as in the PDF."""
    marker = re.search(rb'<div id="' + TOC_ANCHOR.encode() + rb'">\s*</div>', html)
    nav = _NAV.search(html)
    if marker is None or nav is None or nav.start() > marker.start():
        return html
    return (html[:nav.start()] + html[nav.end():marker.start()] + nav.group(0).rstrip(b"\n")
            + html[marker.end():])


def start(*, template: Path, settings: Settings) -> HtmlConversion:
    """One file with everything in it: the style sheet in a <style> element and the images
    as data: URIs (see filters/build-html-embed.lua), so nothing is fetched when it is opened."""
    css = "".join(template.with_name(name).read_text(encoding="utf-8")
                  for name in ("lip.css", "list-numbers.css"))
    style = settings.work_dir / "stil.html"
    style.write_text(f"<style>\n{css}</style>\n", encoding="utf-8")
    return HtmlConversion("html5", ["-s", f"--template={template}", f"--include-in-header={style}",
                                   "--toc", "--toc-depth=2", "--section-divs",
                                   *filter_args_for("html")], settings, "pandoc (HTML)")
