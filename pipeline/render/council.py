"""Council documents as PDF: Änderungsantrag, Ergänzung, Beschlussübersicht.

They share the redline's council template (templates/redline.typ: insertions green and
underlined, deletions red and struck through) and, like the Drucksache, are tagged PDF/UA-1
and PDF/A-3b, reproducible from their commit's time. Generated text (names, titles) reaches
pandoc as JSON strings, never as Markdown, so "1. Fassung" stays text and not a list.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import RenderError
from pipeline.files import write_atomic
from pipeline.redline.engine import PANDOC_API
from pipeline.render.reader import REDLINE_READER as READER
from pipeline.render.redline import FILTER, TEMPLATES, synopse_document
from pipeline.render.tools import fixed_clock, import_meanwhile, run_pandoc

STANDARDS = ["a-3b", "ua-1"]


@dataclass(frozen=True)
class Section:
    """A part of a council document: a heading, Markdown above, and optionally a Synopse of a
    redline (two columns: bisheriger | neuer Wortlaut)."""

    heading: str
    markdown: str = ""
    synopse: str | None = None
    """Redline Markdown shown as a Synopse table."""
    redline: str | None = None
    """Redline Markdown shown inline (insertions and deletions marked)."""


def _words(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, word in enumerate(text.split()):
        if i:
            out.append({"t": "Space"})
        out.append({"t": "Str", "c": word})
    return out


def _blocks(markdown: str) -> list:
    if not markdown.strip():
        return []
    return json.loads(run_pandoc(["-f", READER, "-t", "json"], markdown))["blocks"]


def _heading(text: str, level: int = 2) -> dict:
    return {"t": "Header", "c": [level, ["", ["unnumbered"], []], _words(text)]}


def document_json(sections: list[Section], *, intro: str = "") -> dict:
    """The whole document as pandoc JSON: intro, then each section."""
    blocks = _blocks(intro)
    for section in sections:
        blocks.append(_heading(section.heading))
        blocks += _blocks(section.markdown)
        if section.synopse:
            blocks += synopse_document(section.synopse, title=section.heading,
                                       heading_old="Bisheriger Wortlaut",
                                       heading_new="Neuer Wortlaut")["blocks"]
        if section.redline:
            blocks += _blocks(section.redline)
    return {"pandoc-api-version": PANDOC_API, "meta": {}, "blocks": blocks}


def render_pdf(doc: dict, out: Path, *, title: str, subtitle: str = "", sender: str = "",
               version: str = "", epoch: int = 0, legend: bool = False) -> Path:
    """pandoc JSON -> typst (council template) -> PDF/UA-1 + PDF/A-3b at `out`."""
    meta = {"title": title, "subtitle": subtitle, "absender": sender, "version": version,
            "lang": "de-DE"}
    doc = {**doc, "meta": {k: {"t": "MetaString", "c": v} for k, v in meta.items() if v}}
    if not legend:
        doc["meta"]["ohne-lesehilfe"] = {"t": "MetaBool", "c": True}
    if any(_has_synopse(b) for b in doc["blocks"]):
        doc["meta"]["synopse"] = {"t": "MetaBool", "c": True}
    source = run_pandoc(["-f", "json", "-t", "typst", "-s", "--template",
                         str(TEMPLATES / "redline.typ"), "--lua-filter", str(FILTER)],
                        json.dumps(doc, ensure_ascii=False), env=fixed_clock(epoch),
                        started=import_meanwhile("typst"))
    import typst

    out.parent.mkdir(parents=True, exist_ok=True)
    typ = out.with_suffix(".typ")
    write_atomic(typ, source)
    try:
        pdf, _warnings = typst.compile_with_warnings(
            str(typ), root=str(out.parent), ignore_system_fonts=True,
            timestamp=dt.datetime.fromtimestamp(epoch, dt.UTC), pdf_standards=STANDARDS)
    except typst.TypstError as e:
        raise RenderError("typst", f"typst compile {typ.name}", None,
                          f"{getattr(e, 'message', e)}") from None
    finally:
        typ.unlink(missing_ok=True)
    write_atomic(out, pdf)
    return out


def _has_synopse(block: dict) -> bool:
    return block.get("t") == "Table" and "synopse" in block["c"][0][1]
