"""PDF through typst: tagged PDF/UA-1 + PDF/A-3b with the build manifest attached."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from pipeline.assemble import Assembled
from pipeline.errors import RenderError
from pipeline.files import write_atomic
from pipeline.render import Settings
from pipeline.render.pandoc import typst_source

PDF_STANDARDS = ["a-3b", "ua-1"]


@functools.cache
def typst_version() -> str:
    from importlib.metadata import version

    return version("typst")


def typst_inputs(doc: Assembled, settings: Settings) -> dict[str, str]:
    return {"daten": json.dumps(doc.data, ensure_ascii=False, sort_keys=True),
            "manifest": settings.manifest_json}


def compile_typst(source_path: Path, inputs: dict[str, str], settings: Settings) -> bytes:
    """Compile with typst-py; warnings are logged, errors become a German RenderError."""
    import logging

    import typst

    settings.progress("typst")
    try:
        pdf, warnings = typst.compile_with_warnings(
            str(source_path), root=str(settings.work_dir), ignore_system_fonts=True,
            sys_inputs=inputs, pdf_standards=PDF_STANDARDS, timestamp=settings.timestamp)
    except typst.TypstError as e:  # structured: message, diagnostic, hints
        detail = "\n".join(line[:240] for line in str(getattr(e, "diagnostic", "") or e).splitlines())
        hints = "; ".join(getattr(e, "hints", []) or [])
        raise RenderError("typst", f"typst compile {source_path}", None,
                          f"{getattr(e, 'message', e)}\n{detail}\n{hints}".strip()) from None
    for w in warnings:
        logging.getLogger(__name__).warning("typst: %s", getattr(w, "message", w))
    return pdf


def render(doc: Assembled, *, template: Path, out: Path, settings: Settings) -> Path:
    """Assembled plan -> Beschlussdrucksache PDF at `out`."""
    source = typst_source(doc, template, settings)
    source_path = settings.work_dir / "lip.typ"
    source_path.write_text(source, encoding="utf-8")
    settings.write_resources()
    pdf = compile_typst(source_path, typst_inputs(doc, settings), settings)
    write_atomic(out, pdf)
    return out
