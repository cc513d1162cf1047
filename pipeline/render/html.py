"""HTML: one self-contained file, semantic landmarks, lang="de", no JavaScript."""

from __future__ import annotations

from pathlib import Path

from pipeline.assemble import Assembled, with_drucksache
from pipeline.render import filter_args_for
from pipeline.render.backend import Settings
from pipeline.render.pandoc import PendingPandoc


class HtmlConversion(PendingPandoc):
    """The Beschlussdrucksache as in the PDF: the Drucksache part, then Anlage 1 (the plan)."""

    def finish(self, doc: Assembled) -> bytes:
        return super().finish(with_drucksache(doc, word=False))


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
