"""pandoc for the Word round trip (issue 17): a chapter as a DOCX to edit, and a reviewed
DOCX read back with its tracked changes and comments."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.assemble import Assembled
from pipeline.errors import RenderError
from pipeline.render import docx
from pipeline.render.backend import Settings
from pipeline.render.tools import run_pandoc


def export_docx(doc: Assembled, *, template: Path, settings: Settings) -> bytes:
    """The DOCX of `doc` through the build's Word backend (same styles, same PNG copies);
    metadata keys starting with `lip-` become the file's custom properties."""
    return docx.start(template=template, settings=settings, whole=False).finish(doc)


def read_reviewed(path: Path) -> dict:
    """pandoc's reading of a DOCX with every insertion, deletion and comment kept."""
    try:
        out = run_pandoc(["-f", "docx", "--track-changes=all", "-t", "json", str(path)])
    except RenderError as e:
        raise RenderError("pandoc", "pandoc -f docx", e.returncode,
                          "die Word-Datei lässt sich nicht lesen (beschädigt?): " + e.stderr) \
            from None
    return json.loads(out)


def read_draft(path: Path, media: Path) -> dict:
    """pandoc's reading of a free draft (tracked changes accepted); its images are written
    into `media`."""
    try:
        out = run_pandoc(["-f", "docx", "--track-changes=accept", f"--extract-media={media}",
                          "-t", "json", str(path)])
    except RenderError as e:
        raise RenderError("pandoc", "pandoc -f docx", e.returncode,
                          "die Word-Datei lässt sich nicht lesen (beschädigt?): " + e.stderr) \
            from None
    return json.loads(out)
