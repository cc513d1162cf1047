"""DOCX for Word users: styles from templates/reference.docx."""

from __future__ import annotations

from pathlib import Path

from pipeline.assemble import Assembled
from pipeline.files import write_atomic
from pipeline.render import Settings, filter_args_for
from pipeline.render import pandoc as pd


def render(doc: Assembled, *, template: Path, out: Path, settings: Settings) -> Path:
    settings.progress("pandoc (DOCX)")
    settings.write_resources()
    data = pd.run(doc, "docx", [f"--reference-doc={template}", "--toc", "--toc-depth=2",
                                *filter_args_for("docx")], settings)
    write_atomic(out, data)
    return out
