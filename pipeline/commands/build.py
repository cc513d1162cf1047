"""`lip build`: plan (working tree or a git revision) -> build/LIP-2.0.pdf, .html, .docx.

The only module that writes under build/. Every file is written atomically. The PDF carries
a build manifest (commit, Fassung, a hash per chapter, tool versions) so that `lip verify`
can rebuild exactly that commit and compare bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import __version__, review
from pipeline.assemble import Assembled, assemble
from pipeline.commands.stand import chapter_states
from pipeline.diagnostics import Report
from pipeline.errors import PipelineError, RenderError
from pipeline.files import os_error_text, write_atomic
from pipeline.plan import MANIFEST_NAME, Plan, load_plan, read_folder, read_resources, require_valid
from pipeline.render import tools

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
    fassung: str | None = None
    """The Fassung asked for by name (or whose commit was asked for): the build's label."""
    plan_dir: Path | None = None
    """Where the plan was read from: its repository dates the texts review records judged."""


@dataclass
class BuildResult:
    outputs: dict[str, Path]
    draft: bool
    commit: str | None
    changed: bool
    """The working tree differs from `commit`."""
    _manifest: Callable[[], dict] = field(repr=False)

    @property
    def manifest(self) -> dict:
        """The build manifest (the PDF's provenance); computed on first request for builds
        without a PDF, which do not need it."""
        return self._manifest()


def read_source(plan_dir: Path, rev: str | None = None) -> Source:
    """Read the plan from the working tree, or from git objects at `rev` (never a checkout)."""
    from pipeline import history

    if rev is not None:
        repo = history.open_repo(plan_dir if plan_dir.exists() else Path.cwd())
        here = load_plan(plan_dir) if plan_dir.is_dir() else None  # its manifest names the Fassungen
        revision, fassung = history.resolve_named(
            repo, rev, here.manifest.fassungen if here is not None and here.manifest else [])
        prefix = history.plan_prefix(repo, plan_dir)
        files = history.read_plan_files(repo, revision.sha, prefix)
        resources = history.read_plan_blobs(repo, revision.sha, prefix,
                                            [p for p, data in files.items() if data is None])
        return Source(files, revision.sha, revision.time, False, resources, fassung)
    files = read_folder(plan_dir)
    resources = read_resources(plan_dir, files)  # regular files only, never through a link
    head, changed = history.working_tree_state(plan_dir, files, resources)
    if head is None:
        return Source(files, None, _fallback_time(), True, resources)
    return Source(files, head.sha, head.time, changed, resources)


def _fallback_time() -> dt.datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else FALLBACK_TIME


def record_days(plan_dir: Path, plan: Plan) -> dict:
    """{commit: day} of the texts the review records judged, so that the Beratungsverlauf
    dates a text that is no named Fassung as the site does ("Textstand vom …"); empty
    outside git."""
    from pipeline import history
    from pipeline.review import records_of

    shas = {rec.commit for ch in plan.chapters for rec in records_of(ch).in_time_order()
            if rec.commit}
    if not shas:
        return {}
    try:
        repo = history.open_repo(plan_dir if plan_dir.exists() else Path.cwd())
        return history.commit_days(repo, shas)
    except PipelineError:
        return {}


def is_final(plan: Plan) -> bool:
    """Final = every chapter accepted on its current text (the review rule of issue 4), and
    not an Arbeitsstand after a named Fassung (whose text it no longer is)."""
    from pipeline.plan.fassungen import ARBEITSSTAND, label

    report = Report()
    review.check_final(plan, report)
    return not report.errors and not label(plan).startswith(ARBEITSSTAND)


def tool_versions(templates: Path) -> dict[str, str]:
    from pipeline.render import FILTER_DIR, FILTERS, file_sha256
    from pipeline.render.pandoc import pandoc_version
    from pipeline.render.pdf import typst_version

    filters = {*FILTER_DIR.glob("build-*.lua"), *(FILTER_DIR / f for fs in FILTERS.values() for f in fs)}
    files = sorted(p for p in templates.iterdir() if p.is_file()) + sorted(filters)
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


def parse_formats(values: Sequence[str]) -> list[str]:
    """--format pdf --format html,docx -> ['pdf', 'html', 'docx'] (order kept, no repeats)."""
    from pipeline.commands import named_formats
    from pipeline.render.backend import FORMATS

    names = named_formats(values)
    for name in names:
        if name not in FORMATS:
            raise BuildError(f"unbekanntes Format {name!r}; möglich sind: {', '.join(FORMATS)}")
    return names or list(FORMATS)


def build(plan_dir: Path = Path("plan"), *, output: Path = Path("build"),
          formats: Sequence[str] = ("pdf", "html", "docx"), rev: str | None = None,
          line_numbers: bool = False, progress: Callable[[str], None] = lambda step: None,
          validate: bool = True, use_cache: bool = True) -> BuildResult:
    """Build the requested formats; raise PlanInvalid when `lip check` would fail.

    Nothing is written into `output` (except the cache) unless the plan passed the check.
    The check and the build manifest need nothing from pandoc or typst, so they run in
    background threads while those two convert (both release the GIL meanwhile).
    A failed build stops the converters it started.
    """
    progress("Plan lesen")
    source = dataclasses.replace(read_source(plan_dir, rev), plan_dir=plan_dir)
    return _build(source, output=output, formats=formats, line_numbers=line_numbers,
                  progress=progress, validate=validate, use_cache=use_cache)


def _build(source: Source, *, output: Path, formats: Sequence[str],
           line_numbers: bool, progress: Callable[[str], None], validate: bool,
           use_cache: bool) -> BuildResult:
    from pipeline.render import backends, templates_dir
    from pipeline.render.backend import Settings

    parser = _parser_version() if use_cache else ""
    parsed = _load_parse_cache(output, parser) if use_cache else None
    cached_before = set(parsed or ())
    templates = templates_dir()
    registry = backends()
    carries_manifest = any(registry[fmt].carries_manifest for fmt in formats)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BuildError(f"Ausgabeordner lässt sich nicht anlegen: {os_error_text(e)}") from None
    rendered: dict[str, bytes] = {}
    remove_leftovers(output)
    with tempfile.TemporaryDirectory(prefix=f"lip-build-{os.getpid()}-", dir=output) as work:
        settings = Settings(timestamp=source.time, work_dir=Path(work),
                            cache_dir=output / ".cache" if use_cache else None,
                            resources=source.resources, sources=source.files, progress=progress)
        settings.write_resources()
        # The first format's converter starts now, while the plan is still being parsed:
        # for HTML and DOCX, pandoc's start-up (~40 ms) overlaps the parsing.
        backend = registry[formats[0]]
        first = backend.start(template=templates / backend.template, settings=settings)
        try:
            plan = load_plan(source.files, cache=parsed)
            plan.resources = source.resources
            if validate and plan.diagnostics:  # files that could not be read: nothing to assemble
                require_valid(plan, _check(plan))
            progress("zusammenstellen")
            try:
                draft = not is_final(plan)
                doc = assemble(plan, draft=draft, line_numbers=line_numbers, fassung=source.fassung,
                               commit_dates=record_days(source.plan_dir, plan)
                               if source.plan_dir is not None and source.commit else None,
                               states=chapter_states(plan))
            except Exception:
                # A plan that `lip check` rejects may trip the assembler; its problems are the answer.
                if validate:
                    require_valid(plan, _check(plan))
                raise
            manifest = _Background(build_manifest, plan, source, doc, draft=draft,
                                   line_numbers=line_numbers, templates=templates)

            def check_and_keep_cache() -> Report:
                if parsed is not None:
                    _save_parse_cache(output, parser, parsed, plan, cached_before)
                return _check(plan) if validate else Report()

            checked = _Background(check_and_keep_cache)

            def converter_running() -> None:
                """pandoc or typst is at work: the background work takes the CPU time they
                leave. The manifest only if a format carries it; otherwise on request."""
                if carries_manifest:
                    manifest.start()
                checked.start()

            settings.manifest, settings.started = manifest.result, converter_running
            try:
                for i, fmt in enumerate(formats):
                    if i == 0:
                        pending = first
                    else:
                        backend = registry[fmt]
                        pending = backend.start(template=templates / backend.template, settings=settings)
                    rendered[fmt] = pending.finish(doc)
                    if checked.done():  # stop early when the check has already failed
                        require_valid(plan, checked.result())
            except RenderError as e:
                require_valid(plan, checked.result())  # an invalid plan explains a failed render
                where = locate_failure(plan, e.stderr)
                if where:
                    raise e.located(where) from None
                raise
        finally:
            first.cancel()  # nothing to do once it has finished
    require_valid(plan, checked.result())
    outputs: dict[str, Path] = {}
    for fmt, data in rendered.items():
        outputs[fmt] = output / f"{OUTPUT_STEM}.{fmt}"
        write_atomic(outputs[fmt], data)
    return BuildResult(outputs, draft, source.commit, source.changed, manifest.result)


def locate_failure(plan: Plan, stderr: str) -> str | None:
    """Where in the plan a tool failed ('plan/11-bildung.md:18'), from what it said: a missing
    label is a link to it, an image is named by its path, else the source line it quoted is
    searched in the chapters (the intermediate file's line means nothing to an editor)."""
    from pipeline.plan.images import image_problems
    from pipeline.plan.lines import editor_lines

    label = re.search(r"label `<([^>]+)>`", stderr)
    for chapter in plan.chapters:
        for ref in chapter.body.references if label else ():
            if ref.target == label.group(1):
                return f"{chapter.path}:{ref.line}"
        for image in chapter.body.images:
            data = plan.resources.get(image.src)
            if image.src and (image.src in stderr or "image" in stderr and data is not None
                              and image_problems(image.src, data)):
                return f"{chapter.path}:{image.line}"
    quoted = [m.group(1) for m in re.finditer(r"^\s*\d+\s*│\s?(.+)$", stderr, re.M)]
    words = {w for q in quoted for w in re.findall(r"[^\W\d_]{4,}", q)}
    best, where = 1, None
    for chapter in plan.chapters:
        for index, line in enumerate(editor_lines(chapter.text.body)):
            score = sum(1 for w in words if w in line)
            if score > best:
                best, where = score, f"{chapter.path}:{chapter.text.body_first_line + index}"
    return where


def remove_leftovers(output: Path) -> None:
    """Remove work folders of earlier builds that were killed (`lip-build-<pid>-…` whose
    process is gone); a build running beside this one keeps its folder."""
    for folder in output.glob("lip-build-*"):
        pid = folder.name.split("-")[2]
        if folder.is_dir() and not folder.is_symlink() and not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: str) -> bool:
    if not pid.isdigit():
        return False  # the unnamed folders of older versions
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _check(plan: Plan) -> Report:
    from pipeline.commands.plan_report import plan_report  # jsonschema: imported where used

    return plan_report(plan)


def _yield_to_converters() -> None:
    """Lower this thread's CPU priority (Linux: per thread), so that the background work
    takes only what typst's and pandoc's threads leave idle instead of slowing them down."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):  # not on this system: the work just runs beside them
        pass


class _Background:
    """Run `fn(*args, **kwargs)` in a thread from `start()` on; `result()` waits for it
    (starting it if nobody did) and re-raises its error."""

    def __init__(self, fn: Callable, *args, **kwargs) -> None:
        self._value = self._error = None

        def run() -> None:
            _yield_to_converters()
            try:
                self._value = fn(*args, **kwargs)
            except BaseException as e:  # handed to the caller of result()
                self._error = e

        self._thread = threading.Thread(target=run, daemon=True)

    def start(self) -> None:
        if self._thread.ident is None:
            self._thread.start()

    def done(self) -> bool:
        return self._thread.ident is not None and not self._thread.is_alive()

    def result(self):
        self.start()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


PARSE_CACHE = "geparster-plan.pickle"


def _parser_version() -> str:
    """Hash of the code that parses chapters: a changed parser must not reuse old results."""
    from pipeline.plan import body, frontmatter, model, nesting
    from pipeline.render import file_sha256

    return file_sha256(*(Path(m.__file__) for m in (body, frontmatter, nesting, model)))


def _load_parse_cache(output: Path, parser: str) -> dict:
    # A local cache that only `lip build` itself writes into the git-ignored output folder.
    try:
        data = (output / ".cache" / PARSE_CACHE).read_bytes()
    except OSError:  # a cold build: no need to import pickle (~3 ms)
        return {}
    import pickle

    try:
        version, entries = pickle.loads(data)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
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
    import pickle

    try:
        write_atomic(output / ".cache" / PARSE_CACHE, pickle.dumps((parser, kept)))
    except OSError as e:  # a cache that cannot be written only costs time
        tools.debug_log("Zwischenspeicher nicht geschrieben: %s", e)


def clear_cache(output: Path) -> None:
    shutil.rmtree(output / ".cache", ignore_errors=True)
