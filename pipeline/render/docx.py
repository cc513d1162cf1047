"""DOCX for Word users: styles from templates/reference.docx."""

from __future__ import annotations

from pathlib import Path

from pipeline.render import Settings, filter_args_for
from pipeline.render.pandoc import PendingPandoc


def start(*, template: Path, settings: Settings) -> PendingPandoc:
    return PendingPandoc("docx", [f"--reference-doc={template}", "--toc", "--toc-depth=2",
                                  *filter_args_for("docx")], settings, "pandoc (DOCX)",
                         env=settings.pandoc_env(settings.work_dir))
