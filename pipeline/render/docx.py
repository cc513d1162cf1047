"""DOCX for Word users: styles from templates/reference.docx."""

from __future__ import annotations

from pathlib import Path

from pipeline.assemble import Assembled
from pipeline.render import Settings, filter_args_for
from pipeline.render import pandoc as pd


def render(doc: Assembled, *, template: Path, settings: Settings) -> bytes:
    return pd.run(doc, "docx", [f"--reference-doc={template}", "--toc", "--toc-depth=2",
                                *filter_args_for("docx")], settings, "pandoc (DOCX)",
                  env=settings.pandoc_env(settings.work_dir))
