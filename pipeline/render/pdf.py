"""PDF through typst: tagged PDF/UA-1 + PDF/A-3b with the build manifest attached."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from pipeline.assemble import DRAFT_MARK, Assembled
from pipeline.errors import RenderError
from pipeline.render.backend import Deferred, Settings
from pipeline.render.pandoc import typst_source

PDF_STANDARDS = ["a-3b", "ua-1"]


@functools.cache
def typst_version() -> str:
    """Version of typst-py (the package's own attribute; importlib.metadata costs ~30 ms)."""
    import typst

    return typst.__version__


def provenance_strings(manifest: dict) -> tuple[str, list[str]]:
    """Subject and Keywords of the PDF: the provenance, readable in any PDF viewer."""
    commit = manifest["commit"] or "ohne Commit"
    state = " (geändert)" if manifest["geaendert"] else ""
    subject = (f"Beschlussdrucksache {manifest['drucksache']}, Anlage 1 – {manifest['fassung']}"
               f"{DRAFT_MARK if manifest['entwurf'] else ''} – Commit {commit}{state}")
    keywords = ["Lokaler Integrationsplan", f"Fassung: {manifest['fassung']}",
                f"Commit: {commit}{state}", f"Drucksache: {manifest['drucksache']}"]
    keywords += [f"{k['datei']}: sha256 {k['text_sha256'][:16]}" for k in manifest["kapitel"]]
    return subject, keywords


def typst_inputs(doc: Assembled, settings: Settings) -> dict[str, str]:
    """The template's data: the plan's, plus the provenance as PDF metadata and attachment."""
    manifest = settings.manifest()
    subject, keywords = provenance_strings(manifest)
    return {"daten": json.dumps(doc.data, ensure_ascii=False, sort_keys=True),
            "herkunft": json.dumps({"beschreibung": subject, "stichwoerter": keywords},
                                   ensure_ascii=False, sort_keys=True),
            "manifest": json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True)}


INPUT_FILES = {"daten": "lip-daten.json", "herkunft": "lip-herkunft.json",
               "manifest": "lip-manifest.json"}
"""The template's data as files beside its source, not as sys.inputs: typst forgets all it
has memoised when sys.inputs change (they are part of its standard library), but only what
read a file when that file changes. The provenance (subject, keywords, manifest) carries the
chapters' hashes and changes with every edit, so it has files of its own that only the PDF's
metadata reads; the plan's data stays the same. A rebuild in a long-running process (`lip vorschau --pdf`) lays out
again only what changed (~0.2 s instead of ~1.5 s for the shipped plan)."""


def compile_typst(source_path: Path, inputs: dict[str, str], settings: Settings) -> bytes:
    """Compile with typst-py; warnings are logged, errors become a German RenderError."""
    import typst

    settings.progress("typst")
    settings.started()
    for key, name in INPUT_FILES.items():
        if key in inputs:
            (source_path.parent / name).write_text(inputs[key], encoding="utf-8")
    try:
        pdf, warnings = typst.compile_with_warnings(
            str(source_path), root=str(settings.work_dir), ignore_system_fonts=True,
            pdf_standards=PDF_STANDARDS, timestamp=settings.timestamp)
    except typst.TypstError as e:  # structured: message, diagnostic, hints
        detail = "\n".join(line[:240] for line in str(getattr(e, "diagnostic", "") or e).splitlines())
        hints = "; ".join(getattr(e, "hints", []) or [])
        raise RenderError("typst", f"typst compile {source_path}", None,
                          f"{getattr(e, 'message', e)}\n{detail}\n{hints}".strip()) from None
    if warnings:  # logging costs ~10 ms to import: only when there is something to say
        import logging

        for w in warnings:
            logging.getLogger(__name__).warning("typst: %s", getattr(w, "message", w))
    return pdf


def render(doc: Assembled, *, template: Path, settings: Settings) -> bytes:
    """Assembled plan -> Beschlussdrucksache PDF."""
    source = typst_source(doc, template, settings)
    source_path = settings.work_dir / "lip.typ"
    source_path.write_text(source, encoding="utf-8")
    return compile_typst(source_path, typst_inputs(doc, settings), settings)


def start(*, template: Path, settings: Settings) -> Deferred:
    """Which chapters pandoc converts depends on the cache and so on the document: the PDF's
    conversion begins only once the document exists."""
    return Deferred(lambda doc: render(doc, template=template, settings=settings))


_PANDOC_SLOT = re.compile(r"\$[A-Za-z()._-]*\$")


def template_syntax_problems(template: Path) -> list[tuple[int, str]]:
    """Syntax errors of the typst template itself, as (template line, typst's message):
    the template with pandoc's `$…$` slots emptied (lines keep their numbers) is compiled
    against empty data. Only what typst's parser reports counts; the rest needs the plan."""
    import tempfile

    import typst

    text = _PANDOC_SLOT.sub("", template.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="lip-vorlage-") as work:
        root = Path(work)
        (root / "vorlage.typ").write_text(text, encoding="utf-8")
        for name in INPUT_FILES.values():
            (root / name).write_text("{}", encoding="utf-8")
        try:
            typst.compile(str(root / "vorlage.typ"), root=str(root), ignore_system_fonts=True)
        except typst.TypstError as e:
            message = str(getattr(e, "message", e)).strip()
            if not any(w in message for w in ("unclosed", "expected", "unexpected", "unknown")):
                return []  # not a syntax error: the real build says more
            line = _line_of(str(getattr(e, "diagnostic", "") or ""), "vorlage.typ")
            return [(line, message)]
    return []


def _line_of(diagnostic: str, name: str) -> int:
    """The line typst's diagnostic points at in `name` (`┌─ vorlage.typ:22:21`)."""
    m = re.search(re.escape(name) + r":(\d+)", diagnostic)
    return int(m.group(1)) if m else 1
