"""HTML: one self-contained file, semantic landmarks, lang="de", no JavaScript."""

from __future__ import annotations

from pathlib import Path

from pipeline.render import Settings, filter_args_for
from pipeline.render.pandoc import PendingPandoc


def start(*, template: Path, settings: Settings) -> PendingPandoc:
    """One file with everything in it: the style sheet in a <style> element and the images
    as data: URIs (see filters/build-html-embed.lua), so nothing is fetched when it is opened."""
    css = template.with_name("lip.css").read_text(encoding="utf-8")
    style = settings.work_dir / "stil.html"
    style.write_text(f"<style>\n{css}</style>\n", encoding="utf-8")
    return PendingPandoc("html5", ["-s", f"--template={template}", f"--include-in-header={style}",
                                   "--toc", "--toc-depth=2", "--section-divs",
                                   *filter_args_for("html")], settings, "pandoc (HTML)")
