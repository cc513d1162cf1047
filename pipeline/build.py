"""`lip build`: plan (working tree or a git revision) -> build/LIP-2.0.pdf, .html, .docx.

The only module that writes under build/. Every file is written atomically. The PDF carries
a build manifest (commit, Fassung, a hash per chapter, tool versions) so that `lip verify`
can rebuild exactly that commit and compare bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import __version__, actions
from pipeline.assemble import Assembled, assemble
from pipeline.diagnostics import Report
from pipeline.errors import PipelineError
from pipeline.files import write_atomic
from pipeline.plan import MANIFEST_NAME, Plan, load_plan, read_folder, require_valid
from pipeline.validate import check_plan

OUTPUT_STEM = "LIP-2.0"
MANIFEST_FORMAT = "lip-build-manifest/1"
FALLBACK_TIME = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


class BuildError(PipelineError):
    """A build cannot start (unknown format, unreadable output folder)."""

    exit_code = 2


@dataclass
class Source:
    """Where the plan comes from: files, commit and the time stamped into the outputs."""

    files: dict[str, bytes | None]
    commit: str | None
    time: dt.datetime
    changed: bool
    """True when the working tree differs from the commit (manifest says "geändert")."""
    resources: dict[str, bytes] = field(default_factory=dict)


@dataclass
class BuildResult:
    outputs: dict[str, Path]
    manifest: dict
    draft: bool


def read_source(plan_dir: Path, rev: str | None = None) -> Source:
    """Read the plan from the working tree, or from git objects at `rev` (never a checkout)."""
    from pipeline import history

    if rev is not None:
        repo = history.open_repo(plan_dir if plan_dir.exists() else Path.cwd())
        revision = history.resolve(repo, rev)
        prefix = history.plan_prefix(repo, plan_dir)
        files = history.read_plan_files(repo, revision.sha, prefix)
        resources = history.read_plan_blobs(repo, revision.sha, prefix,
                                            [p for p, data in files.items() if data is None])
        return Source(files, revision.sha, revision.time, False, resources)
    if not plan_dir.is_dir():
        raise BuildError(f"Ordner {plan_dir} nicht gefunden; mit --plan den Ordner des Plans angeben")
    files = read_folder(plan_dir)
    resources = {p: (plan_dir / p).read_bytes() for p, data in files.items() if data is None}
    try:
        repo = history.open_repo(plan_dir)
        head = history.resolve(repo, "HEAD")
    except PipelineError:
        return Source(files, None, _fallback_time(), True, resources)
    committed = history.plan_blob_ids(repo, head.sha, history.plan_prefix(repo, plan_dir))
    current = {p: history.blob_id(data if data is not None else resources[p])
               for p, data in files.items()}
    return Source(files, head.sha, head.time, committed != current, resources)


def _fallback_time() -> dt.datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else FALLBACK_TIME


def is_final(plan: Plan) -> bool:
    """Final = every chapter accepted on its current text (the review rule of issue 4)."""
    report = Report()
    actions.check_final(plan, report)
    return not report.errors


def tool_versions(templates: Path) -> dict[str, str]:
    from pipeline.render import FILTER_DIR, file_sha256
    from pipeline.render.pandoc import pandoc_version
    from pipeline.render.pdf import typst_version

    files = sorted(p for p in templates.iterdir() if p.is_file()) + sorted(FILTER_DIR.glob("build-*.lua"))
    return {"lip": __version__, "pandoc": pandoc_version(), "typst": typst_version(),
            "vorlagen_sha256": file_sha256(*files)}


def build_manifest(plan: Plan, source: Source, doc: Assembled, *, draft: bool,
                   line_numbers: bool, templates: Path) -> dict:
    """Provenance of one build; deterministic (no clock, no paths)."""
    manifest_bytes = source.files.get(MANIFEST_NAME) or b""
    return {
        "format": MANIFEST_FORMAT,
        "commit": source.commit,
        "geaendert": source.changed,
        "zeitstempel": source.time.astimezone(dt.UTC).isoformat(),
        "fassung": doc.data.get("fassung", ""),
        "drucksache": doc.data.get("drucksache", {}).get("nummer", ""),
        "entwurf": draft,
        "zeilennummern": line_numbers,
        "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
        "kapitel": [{"datei": ch.filename, "id": ch.id, "nummer": ch.number,
                     "text_sha256": ch.text_sha256} for ch in plan.chapters],
        "werkzeuge": tool_versions(templates),
    }


def provenance_strings(manifest: dict) -> tuple[str, list[str]]:
    """Subject and Keywords of the PDF: the provenance, readable in any PDF viewer."""
    commit = manifest["commit"] or "ohne Commit"
    state = " (geändert)" if manifest["geaendert"] else ""
    subject = (f"Beschlussdrucksache {manifest['drucksache']}, Anlage 1 – {manifest['fassung']}"
               f"{' – ENTWURF' if manifest['entwurf'] else ''} – Commit {commit}{state}")
    keywords = ["Lokaler Integrationsplan", f"Fassung: {manifest['fassung']}",
                f"Commit: {commit}{state}", f"Drucksache: {manifest['drucksache']}"]
    keywords += [f"{k['datei']}: sha256 {k['text_sha256'][:16]}" for k in manifest["kapitel"]]
    return subject, keywords


def parse_formats(values: Sequence[str]) -> list[str]:
    """--format pdf --format html,docx -> ['pdf', 'html', 'docx'] (order kept, no repeats)."""
    from pipeline.render import FORMATS

    out: list[str] = []
    for value in values:
        for name in value.split(","):
            name = name.strip().lower()
            if not name:
                continue
            if name not in FORMATS:
                raise BuildError(f"unbekanntes Format {name!r}; möglich sind: {', '.join(FORMATS)}")
            if name not in out:
                out.append(name)
    return out or list(FORMATS)


def build(plan_dir: Path = Path("plan"), *, output: Path = Path("build"),
          formats: Sequence[str] = ("pdf", "html", "docx"), rev: str | None = None,
          line_numbers: bool = False, progress: Callable[[str], None] = lambda step: None,
          validate: bool = True, use_cache: bool = True) -> BuildResult:
    """Build the requested formats; raise PlanInvalid when `lip check` would fail."""
    from pipeline.render import Settings, backends, templates_dir

    progress("Plan lesen")
    source = read_source(plan_dir, rev)
    parser = _parser_version() if use_cache else ""
    parsed = _load_parse_cache(output, parser) if use_cache else None
    cached_before = set(parsed or ())
    plan = load_plan(source.files, cache=parsed)
    if parsed is not None:
        _save_parse_cache(output, parser, parsed, plan, cached_before)
    if validate:
        require_valid(plan, check_plan(plan))
    draft = not is_final(plan)
    progress("zusammenstellen")
    doc = assemble(plan, draft=draft, line_numbers=line_numbers)
    templates = templates_dir()
    manifest = build_manifest(plan, source, doc, draft=draft, line_numbers=line_numbers,
                              templates=templates)
    subject, keywords = provenance_strings(manifest)
    doc.data["beschreibung"] = subject
    doc.data["stichwoerter"] = keywords
    manifest_json = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BuildError(f"Ausgabeordner {output} lässt sich nicht anlegen: {e.strerror}") from None
    registry = backends()
    outputs: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="lip-build-", dir=output) as work:
        settings = Settings(timestamp=source.time, work_dir=Path(work),
                            cache_dir=output / ".cache" if use_cache else None,
                            resources=source.resources, manifest_json=manifest_json,
                            progress=progress)
        for fmt in formats:
            render, template_name = registry[fmt]
            outputs[fmt] = render(doc, template=templates / template_name,
                                  out=output / f"{OUTPUT_STEM}.{fmt}", settings=settings)
    return BuildResult(outputs, manifest, draft)


PARSE_CACHE = "geparster-plan.pickle"


def _parser_version() -> str:
    """Hash of the code that parses chapters: a changed parser must not reuse old results."""
    from pipeline import body, frontmatter, plan
    from pipeline.render import file_sha256

    return file_sha256(*(Path(m.__file__) for m in (body, frontmatter, plan)))


def _load_parse_cache(output: Path, parser: str) -> dict:
    # A local cache that only `lip build` itself writes into the git-ignored output folder.
    path = output / ".cache" / PARSE_CACHE
    try:
        version, entries = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            ImportError):
        return {}
    return entries if version == parser else {}


def _save_parse_cache(output: Path, parser: str, entries: dict, plan: Plan,
                      cached_before: set[str]) -> None:
    """Keep only what the current plan used, so the cache does not grow with every edit;
    write nothing when the plan was read entirely from the cache."""
    live = {id(plan.manifest), *map(id, plan.chapters)}
    kept = {k: v for k, v in entries.items() if id(v) in live}
    if set(kept) == cached_before:
        return
    try:
        write_atomic(output / ".cache" / PARSE_CACHE, pickle.dumps((parser, kept)))
    except OSError as e:  # a cache that cannot be written only costs time
        logging.getLogger(__name__).debug("Zwischenspeicher nicht geschrieben: %s", e)


def clear_cache(output: Path) -> None:
    shutil.rmtree(output / ".cache", ignore_errors=True)
