"""HTML: one self-contained file, semantic landmarks, lang="de", no JavaScript."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.assemble import Assembled
from pipeline.render import Settings, filter_args_for
from pipeline.render import pandoc as pd


def render(doc: Assembled, *, template: Path, out: Path, settings: Settings) -> Path:
    settings.progress("pandoc (HTML)")
    settings.write_resources()
    css = template.with_name("lip.css")
    data = pd.run(doc, "html5", ["-s", f"--template={template}", f"--css={css}", "--embed-resources",
                                 "--toc", "--toc-depth=2", "--section-divs",
                                 *filter_args_for("html")], settings)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, out)
    return out
