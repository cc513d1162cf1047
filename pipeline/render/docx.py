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

PROVENANCE_PREFIX = "lip-"
"""Metadata keys pandoc writes into docProps/custom.xml: where the file came from (issue 17)."""


def build_provenance(manifest: dict) -> dict[str, str]:
    """The build's provenance as custom properties: commit and each chapter's text hash, the
    same fields `lip word-export` writes, so `lip word-import` knows the text of any DOCX."""
    if not manifest.get("commit"):
        return {}
    props = {"lip-art": "build", "lip-commit": str(manifest["commit"]),
             "lip-geaendert": "ja" if manifest.get("geaendert") else "nein"}
    chapters = manifest.get("kapitel") or []
    props["lip-kapitel"] = " ".join(str(ch.get("id", "")) for ch in chapters)
    for ch in chapters:
        props[f"lip-text-sha256-{ch.get('id', '')}"] = str(ch.get("text_sha256", ""))
    return props


class WordConversion:
    """pandoc's DOCX run together with the PNG copies it will ask for."""

    def __init__(self, pandoc: PendingPandoc, copies: PngCopies | None,
                 settings: Settings | None = None) -> None:
        self._pandoc, self._copies, self._settings = pandoc, copies, settings

    def finish(self, doc: Assembled) -> bytes:
        if self._settings is not None and not any(k.startswith(PROVENANCE_PREFIX)
                                                  for k in doc.metadata):
            provenance = build_provenance(self._settings.manifest() or {})
            doc = Assembled(doc.parts, {**doc.metadata, **provenance}, doc.data)
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
    return WordConversion(pandoc, copies, settings)
