"""DOCX for Word users: styles from templates/reference.docx.

pandoc stores a PNG copy beside every SVG image; those copies are made ahead of time, next to
pandoc, and kept in the build cache (render/svgpng.py). Without a cache, pandoc makes them.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.assemble import Assembled
from pipeline.render import Settings, filter_args_for
from pipeline.render.pandoc import PendingPandoc
from pipeline.render.svgpng import PngCopies


class WordConversion:
    """pandoc's DOCX run together with the PNG copies it will ask for."""

    def __init__(self, pandoc: PendingPandoc, copies: PngCopies | None) -> None:
        self._pandoc, self._copies = pandoc, copies

    def finish(self, doc: Assembled) -> bytes:
        try:
            return self._pandoc.finish(doc)
        finally:
            self._copies_done()

    def cancel(self) -> None:
        self._pandoc.cancel()
        self._copies_done()

    def _copies_done(self) -> None:
        """Wait for conversions still running and tidy the cache (once)."""
        copies, self._copies = self._copies, None
        if copies is not None:
            copies.finish()


def start(*, template: Path, settings: Settings) -> WordConversion:
    copies = PngCopies(settings.resources, settings.cache_dir) if settings.cache_dir else None
    pandoc = PendingPandoc("docx", [f"--reference-doc={template}", "--toc", "--toc-depth=2",
                                    *filter_args_for("docx")], settings, "pandoc (DOCX)",
                           env=copies.pandoc_env(settings.work_dir) if copies else None,
                           on_input=copies.start if copies else None)
    return WordConversion(pandoc, copies)
