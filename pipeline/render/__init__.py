"""Renderers: pandoc, typst and their templates and filters, one module per concern.

This package's own module holds only where its files are and the small helpers every
renderer uses: `lip redline` and `lip site` import it (for their pandoc workers,
`workers.py`) before anything else, so it imports nothing heavy. The build's formats are
listed in `backends()`, their protocol is in `backend.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.render.backend import Backend

PACKAGE_DIR = Path(__file__).resolve().parent.parent
FILTER_DIR = PACKAGE_DIR / "render" / "filters"


def templates_dir() -> Path:
    """The `templates/` folder of the project (beside the package in a checkout)."""
    for candidate in (PACKAGE_DIR.parent / "templates", Path.cwd() / "templates"):
        if (candidate / "lip.typ").exists():
            return candidate
    return PACKAGE_DIR.parent / "templates"


def file_sha256(*paths: Path) -> str:
    """One hash over the contents of several files (templates, filters) for cache keys."""
    import hashlib

    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def backends() -> dict[str, Backend]:
    """Format -> its backend (`backend.py`); here, as only this package's own module may
    import the formats' modules, which import `backend.py`."""
    from pipeline.render import docx, html, pdf
    from pipeline.render.backend import Backend

    return {"pdf": Backend(pdf.start, "lip.typ", carries_manifest=True),
            "html": Backend(html.start, "lip.html"),
            "docx": Backend(docx.start, "reference.docx")}


LIST_FILTER = FILTER_DIR / "list-delimiters.lua"
"""Lists numbered „(1)“ or „a)“ as the text numbers them, in every HTML lip writes (the
build's, the redline page's, the site's)."""

SHARED_STYLES = ("list-numbers.css", "synopse.css")
"""Style sheets in templates/ that the redline page includes (partials of redline.html) and
the site appends to site.css: „(1)“ lists' numbers and the Synopse, written once."""

FILTERS = {"html": ("build-html-embed.lua", LIST_FILTER.name), "docx": ("build-docx.lua",)}
"""Lua filters per format (the PDF's are in render/pandoc.py); the DOCX's only for the whole
Beschlussdrucksache (render/docx.py), not for a chapter exported to edit in Word."""


def filter_args(names: tuple[str, ...]) -> list[str]:
    """pandoc arguments that run the named Lua filters of pipeline/filters/."""
    return [f"--lua-filter={FILTER_DIR / name}" for name in names]


def filter_args_for(fmt: str) -> list[str]:
    """pandoc arguments that run the Lua filters of `fmt`."""
    return filter_args(FILTERS.get(fmt, ()))
