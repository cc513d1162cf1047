"""HTML: one self-contained file, semantic landmarks, lang="de", no JavaScript."""

from __future__ import annotations

from pathlib import Path

from pipeline.assemble import Assembled
from pipeline.files import write_atomic
from pipeline.render import Settings, filter_args_for
from pipeline.render import pandoc as pd


def render(doc: Assembled, *, template: Path, out: Path, settings: Settings) -> Path:
    settings.progress("pandoc (HTML)")
    settings.write_resources()
    css = template.with_name("lip.css")
    data = pd.run(doc, "html5", ["-s", f"--template={template}", f"--css={css}", "--embed-resources",
                                 "--toc", "--toc-depth=2", "--section-divs",
                                 *filter_args_for("html")], settings)
    write_atomic(out, data)
    return out
