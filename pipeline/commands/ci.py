"""`lip ci`: what the city's git host runs (issue 19). One use case for GitLab CI and GitHub
Actions alike, so that ci/gitlab-ci.yml and ci/github-workflow.yml only call it.

On a merge request: the check as GitLab code-quality report and GitHub annotations, the
council PDF, the site, the redline of the changed chapters against the target branch, and a
short German summary. Every step that can be built is built, also when another fails; the
result says whether the plan has errors (the job then fails).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.diagnostics import Diagnostic, Report, Severity
from pipeline.errors import PipelineError
from pipeline.files import replacing_folder, write_atomic
from pipeline.plan import Chapter, Plan, load_plan
from pipeline.plan.model import PLAN_DIR

REPORT_NAME = "gl-code-quality-report.json"
SUMMARY_NAME = "zusammenfassung.md"


@dataclass
class ChangedChapter:
    title: str
    path: str
    added: int
    removed: int
    measures_new: list[str] = field(default_factory=list)
    measures_gone: list[str] = field(default_factory=list)
    measures_changed: list[str] = field(default_factory=list)
    unreadable: bool = False
    """The new version cannot be read (a YAML error): no counts, see the problems."""


@dataclass
class MergeRequestResult:
    out_dir: Path
    report: Report
    new_problems: list[Diagnostic]
    chapters: list[ChangedChapter]
    files: dict[str, Path] = field(default_factory=dict)
    """What was built: label → file."""
    failures: dict[str, str] = field(default_factory=dict)
    """What could not be built: label → German reason."""
    summary: str = ""
    annotations: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return bool(self.report.errors)


# --- the check as the hosts want it ----------------------------------------------------------


def repo_path(diagnostic_path: str, prefix: str) -> str:
    """A diagnostic's `plan/…` path as a path in the repository (the plan may sit deeper)."""
    if prefix != PLAN_DIR and diagnostic_path.startswith(PLAN_DIR + "/"):
        return f"{prefix}/{diagnostic_path[len(PLAN_DIR) + 1:]}"
    return diagnostic_path


def _key(d: Diagnostic) -> tuple[str, str, str]:
    """What makes a problem the same problem after lines moved: file, field, message."""
    return (d.path, d.field, d.message)


def code_quality(diagnostics: list[Diagnostic], prefix: str = PLAN_DIR) -> list[dict]:
    """GitLab's code-quality report (a subset of Code Climate's format): one entry per
    problem, the fingerprint stable across line moves and unique within the report."""
    out, seen = [], {}
    for d in diagnostics:
        base = "\0".join(_key(d))
        n = seen[base] = seen.get(base, 0) + 1
        out.append({
            "description": f"{d.field}: {d.message}",
            "check_name": f"lip check: {d.field}",
            "fingerprint": hashlib.sha256(f"{base}\0{n}".encode()).hexdigest(),
            "severity": "major" if d.severity is Severity.ERROR else "minor",
            "location": {"path": repo_path(d.path, prefix), "lines": {"begin": d.line or 1}},
        })
    return out


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(diagnostics: list[Diagnostic], prefix: str = PLAN_DIR) -> list[str]:
    """GitHub workflow commands that put each problem beside its line in the pull request."""
    out = []
    for d in diagnostics:
        kind = "error" if d.severity is Severity.ERROR else "warning"
        out.append(f"::{kind} file={_escape_property(repo_path(d.path, prefix))},"
                   f"line={d.line or 1},title={_escape_property('lip check: ' + d.field)}::"
                   f"{_escape_data(d.message)}")
    return out


# --- what changed ----------------------------------------------------------------------------


def changed_chapters(old: Plan, new: Plan) -> list[ChangedChapter]:
    """Every chapter whose text, number or title differs, with its words (redline/counts.py)
    and Maßnahmen (the redline's statistics), as the redline a reviewer opens counts them."""
    from pipeline.history import pair_chapters
    from pipeline.render.redline_text import redline_chapter, word_changes

    out = []
    broken = new.unread_chapter_files
    for a, b in pair_chapters(old, new):
        if b is None and a is not None and a.filename in broken:
            out.append(ChangedChapter(f"{a.number} {a.title}", a.path, 0, 0, unreadable=True))
            continue
        if a is not None and b is not None and a.text_sha256 == b.text_sha256 \
                and a.number == b.number and a.title == b.title:
            continue
        ref: Chapter = b or a  # type: ignore[assignment]
        added, removed, _ = word_changes(a, b)
        stats = redline_chapter(a, b).stats
        out.append(ChangedChapter(f"{ref.number} {ref.title}", ref.path, added, removed,
                                  list(stats.measures_added), list(stats.measures_removed),
                                  list(stats.measures_changed)))
    return out


# --- the merge-request job -------------------------------------------------------------------


def merge_request(plan_dir: Path, target: str, out_dir: Path) -> MergeRequestResult:
    """Everything a reviewer of a merge request gets, written into `out_dir`."""
    from pipeline import history
    from pipeline.commands.build import build
    from pipeline.commands.check import check
    from pipeline.commands.plan_report import plan_report
    from pipeline.commands.redline import build_redline
    from pipeline.commands.site import site_for_plan_dir

    start = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    repo = history.open_repo(plan_dir)
    prefix = history.plan_prefix(repo, plan_dir)
    base = _target_revision(repo, target)
    report = check(plan_dir)
    diagnostics = report.sorted()
    old_plan = history.PlanHistory(repo, prefix).plan_at(base.sha)
    try:
        known = {_key(d) for d in plan_report(old_plan).diagnostics}
    except PipelineError:
        known = set()
    new_problems = [d for d in diagnostics if _key(d) not in known]
    result = MergeRequestResult(out_dir, report, new_problems, [])
    write_atomic(out_dir / REPORT_NAME, json.dumps(code_quality(diagnostics, prefix),
                                                   ensure_ascii=False, indent=2).encode())
    result.files["Prüfbericht (Code Quality)"] = out_dir / REPORT_NAME
    result.annotations = github_annotations(diagnostics, prefix)

    work = load_plan(plan_dir)
    result.chapters = changed_chapters(old_plan, work)

    def attempt(label: str, fn) -> None:
        try:
            fn()
        except PipelineError as e:
            result.failures[label] = _first_line(e)

    def pdf() -> None:
        built = build(plan_dir, output=out_dir / "dokumente", formats=["pdf"], use_cache=False)
        result.files["Beschlussdrucksache (PDF)"] = built.outputs["pdf"]

    def site() -> None:
        built = site_for_plan_dir(plan_dir, out_dir / "site", require_valid=False)
        result.files["Website"] = built.index

    def redline() -> None:
        ids = [c.path.rsplit("/", 1)[-1] for c in result.chapters
               if c.path.rsplit("/", 1)[-1] in {ch.filename for ch in work.chapters}]
        unreadable = [c.path for c in result.chapters if c.unreadable]
        if unreadable:
            raise PipelineError(f"nicht lesbar: {', '.join(unreadable)} (siehe Probleme)")
        if not ids:
            return
        built = build_redline(plan_dir=plan_dir, alt=base.sha, kapitel=ids,
                              formats=("html", "pdf", "synopse"), out_root=out_dir / "redline")
        for f in built.files:
            label = {"redline.html": "Redline (HTML)", "redline.pdf": "Redline (PDF)",
                     "synopse.html": "Synopse (HTML)", "synopse.pdf": "Synopse (PDF)"}.get(f.name)
            if label:
                result.files[label] = f

    attempt("Beschlussdrucksache (PDF)", pdf)
    attempt("Website", site)
    attempt("Redline", redline)
    result.seconds = time.perf_counter() - start
    result.summary = summary(result, target, base.short)
    write_atomic(out_dir / SUMMARY_NAME, result.summary.encode("utf-8"))
    return result


def _target_revision(repo, target: str):
    """The merge base with the target branch, as fetched from the host (`origin/<name>`) or
    as a local branch."""
    from pipeline import history

    for name in (f"origin/{target}", target):
        try:
            return history.merge_base(repo, name)
        except PipelineError:
            continue
    return history.merge_base(repo, target)  # raises with the German message


def _first_line(e: Exception) -> str:
    lines = str(e).strip().splitlines()
    more = f" (und {len(lines) - 1} weitere Meldungen)" if len(lines) > 1 else ""
    return (lines[0] if lines else type(e).__name__) + more


def _signed(n: int, sign: str) -> str:
    return f"{sign}{n}" if n else "0"


def summary(result: MergeRequestResult, target: str, base_short: str) -> str:
    """The job summary in German Markdown: short enough to read in the merge request."""
    r = result.report
    state = "Plan ist in Ordnung." if not r.diagnostics else r.summary
    lines = ["## LIP: Prüfung des Merge-Requests", "",
             f"Verglichen mit `{target}` (Stand `{base_short}`). **{state}**"
             + (f" Davon neu: {len(result.new_problems)}." if r.diagnostics else ""), ""]
    if result.chapters:
        total_new = sum(len(c.measures_new) for c in result.chapters)
        total_gone = sum(len(c.measures_gone) for c in result.chapters)
        total_changed = sum(len(c.measures_changed) for c in result.chapters)
        lines += ["### Geänderte Kapitel", "",
                  "| Kapitel | Wörter | Maßnahmen neu | gestrichen | geändert |",
                  "|---|---|---|---|---|"]
        for c in result.chapters:
            if c.unreadable:
                lines.append(f"| {c.title} | nicht lesbar, siehe Probleme | – | – | – |")
                continue
            lines.append(f"| {c.title} | {_signed(c.added, '+')} / {_signed(c.removed, '−')} | "
                         f"{', '.join(c.measures_new) or '–'} | {', '.join(c.measures_gone) or '–'} | "
                         f"{', '.join(c.measures_changed) or '–'} |")
        lines += ["", f"Maßnahmen: {total_new} neu, {total_gone} gestrichen, "
                      f"{total_changed} geändert.", ""]
    else:
        lines += ["Kein Kapitel geändert.", ""]
    if result.new_problems:
        lines += ["### Neue Probleme", ""]
        lines += [f"- `{d.path}:{d.line or 1}` {d.field}: "
                  f"{'Warnung: ' if d.severity is Severity.WARNING else ''}{d.message}"
                  for d in result.new_problems[:50]]
        if len(result.new_problems) > 50:
            lines.append(f"- … und {len(result.new_problems) - 50} weitere (siehe Prüfbericht)")
        lines.append("")
    lines += ["### Dateien (Artefakte des Jobs)", ""]
    for label, path in result.files.items():
        try:
            shown = path.relative_to(result.out_dir).as_posix()
        except ValueError:
            shown = path.as_posix()
        lines.append(f"- {label}: `{shown}`")
    for label, reason in result.failures.items():
        lines.append(f"- {label}: nicht erstellt – {reason}")
    lines += ["", f"_Dauer: {result.seconds:.1f} s._", ""]
    return "\n".join(lines)


def pages(plan_dir: Path, out_dir: Path, build_dir: Path) -> Path:
    """The default branch: PDF and Word document, then the site that links them, in
    `out_dir` (GitLab Pages wants `public/`)."""
    from pipeline.commands.build import build
    from pipeline.commands.site import site_for_plan_dir

    build(plan_dir, output=build_dir, formats=["pdf", "docx"])
    site = site_for_plan_dir(plan_dir, build_dir / "site")
    with replacing_folder(out_dir) as tmp:
        shutil.copytree(site.out_dir, tmp, dirs_exist_ok=True)
    return out_dir / "index.html"
