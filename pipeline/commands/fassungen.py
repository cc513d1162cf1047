"""The council's records in `lip check`: named Fassungen (their tags) and the Änderungsanträge
checked against the plan at the Fassung they refer to. Shared by `lip check` and the council
commands, which must judge the same way."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

from pipeline import __version__, history
from pipeline.council import antraege as council
from pipeline.council.zeilen import LinePages
from pipeline.diagnostics import Diagnostic, Report
from pipeline.errors import PipelineError
from pipeline.files import write_atomic
from pipeline.plan import Plan, frontmatter, load_plan
from pipeline.wording import counted


def fassungen(plan: Plan) -> list[dict]:
    raw = plan.manifest.get("fassungen") if plan.manifest else None
    return [f for f in raw or [] if isinstance(f, dict)]


def plans_at_fassungen(plan_dir: Path, plan: Plan) -> dict[str, Plan | None]:
    """{Fassung name: the plan at its revision (None where the revision cannot be read)}."""
    try:
        repo = history.open_repo(plan_dir)
        prefix = history.plan_prefix(repo, plan_dir)
    except PipelineError:
        return {str(f.get("name")): None for f in fassungen(plan)}
    out: dict[str, Plan | None] = {}
    for f in fassungen(plan):
        try:
            out[str(f.get("name"))] = load_plan(history.read_plan_files(repo, str(f.get("rev")), prefix))
        except PipelineError:
            out[str(f.get("name"))] = None
    return out


def fassung_lines(plan_dir: Path, plan: Plan, name: str) -> LinePages | None:
    """The numbered lines of the Fassung's PDF as the council reads it (`lip build --rev NAME
    --zeilennummern`), or None when it cannot be built. Kept in build/.cache/zeilen/ per
    revision, pipeline version and templates: the build is reproducible, so the lines are too."""
    from pipeline.commands.build import build
    from pipeline.render import pdftext, templates_dir

    rev = next((str(f.get("rev")) for f in fassungen(plan) if str(f.get("name")) == name), None)
    if not rev:
        return None
    layout = hashlib.sha256(__version__.encode())
    for template in sorted(templates_dir().glob("*.typ")):
        layout.update(template.read_bytes())
    cache = plan_dir.resolve().parent / "build" / ".cache" / "zeilen" / f"{rev}-{layout.hexdigest()[:16]}.json"
    try:
        return [{int(k): v for k, v in page.items()} for page in json.loads(cache.read_text("utf-8"))]
    except (OSError, ValueError, AttributeError):
        pass
    try:
        with tempfile.TemporaryDirectory(prefix="lip-zeilen-") as tmp:
            result = build(plan_dir, output=Path(tmp), formats=["pdf"], rev=name, line_numbers=True,
                           validate=False, use_cache=False)
            pages = pdftext.numbered_lines(result.outputs["pdf"])
    except PipelineError:
        return None
    try:
        write_atomic(cache, json.dumps(pages, ensure_ascii=False))
    except OSError:
        pass  # a read-only checkout still checks, only slower
    return pages


def resolved_antraege(plan_dir: Path, antraege: list[council.Antrag], plan: Plan,
                      at_fassung: dict[str, Plan | None]) -> tuple[list[council.Antrag], list[Diagnostic]]:
    """The Anträge with every Punkt that cites PDF lines resolved to its passage (only the
    Fassungen such Punkte refer to are built), and the citations that could not be."""
    cited = {a.fassung for a in antraege if at_fassung.get(a.fassung) is not None
             and any(p.zeilen for p in a.punkte)}
    lines = {name: fassung_lines(plan_dir, plan, name) for name in sorted(cited)}
    return council.resolve_stellen(antraege, at_fassung, lines)


def check_council(plan_dir: Path, plan: Plan, report: Report) -> None:
    """The council records in `lip check`: Anträge against their Fassungen, and every
    Fassung's tag where it was set (a moved or deleted tag means the named text changed)."""
    from pipeline.council.beschluss import check_beschluesse

    antraege, _ = council.load_antraege(plan)  # unreadable ones: plan_report names them
    council.check_bodies(plan, report)
    if antraege:
        at_fassung = plans_at_fassungen(plan_dir, plan)
        antraege, unresolved = resolved_antraege(plan_dir, antraege, plan, at_fassung)
        report.extend(unresolved)
        council.check_antraege(plan, antraege, at_fassung, report)
        check_beschluesse(plan, antraege, report)
    try:
        repo = history.open_repo(plan_dir)
    except PipelineError:
        return
    if history.head_sha(repo) is None:
        return
    check_revisions_and_tags(repo, history.plan_prefix(repo, plan_dir), plan, report)


def check_revisions_and_tags(repo, prefix: str, plan: Plan, report: Report) -> None:
    """Every Fassung names a revision this repository has, and its tag (where it was set)
    still points there. Also the rule `lip berichtigen fassung` applies to a correction."""
    _check_revisions(repo, prefix, plan, report)
    tagged = [(i, f) for i, f in enumerate(fassungen(plan)) if f.get("tag")]
    manifest = plan.manifest
    for i, f in tagged:
        line = frontmatter.line_of(manifest.data, ("fassungen", i, "tag"), 1)
        target = history.tag_target(repo, str(f["tag"]))
        where = f"{manifest.path}"
        if target is None:
            report.add(where, line, f"fassungen[{i}].tag",
                       f"das Tag {f['tag']!r} der Fassung „{f.get('name')}“ fehlt (gelöscht?); "
                       f"wiederherstellen mit: git tag -a {f['tag']} {f.get('rev')} -m "
                       f"\"Fassung {f.get('name')}\"")
        elif not str(f.get("rev", "")) or not target.startswith(str(f.get("rev"))):
            report.add(where, line, f"fassungen[{i}].tag",
                       f"das Tag {f['tag']!r} zeigt auf {target[:10]}, die Fassung „{f.get('name')}“ "
                       f"aber auf {str(f.get('rev'))[:10]}: das Tag wurde verschoben; eine benannte "
                       f"Fassung darf sich nicht ändern")


def committed_antraege(plan_dir: Path) -> list[council.Antrag]:
    """The Anträge of the last commit (what the council documents are made from)."""
    repo = history.open_repo(plan_dir)
    plan = load_plan(history.read_plan_files(repo, "HEAD", history.plan_prefix(repo, plan_dir)))
    return council.load_antraege(plan)[0]


def _check_revisions(repo, prefix: str, plan: Plan, report: Report) -> None:
    """Every Fassung names a revision this repository has. A shallow clone lacks old commits
    by design (one warning with the way to fetch them); Fassungen that came along in the
    manifest's first commit here (a plan copied into a new repository) name another history
    and are left alone, like review entries."""
    from pipeline.diagnostics import Severity

    entries = [(i, f) for i, f in enumerate(fassungen(plan)) if f.get("rev")]
    missing = history.missing_commits(repo, {str(f["rev"]) for _, f in entries})
    if not missing:
        return
    lacking = [(i, f) for i, f in entries if str(f["rev"]) in missing]
    manifest = plan.manifest
    line = lambda i: frontmatter.line_of(manifest.data, ("fassungen", i, "rev"), 1)  # noqa: E731
    if history.is_shallow(repo):
        i, f = lacking[0]
        report.add(manifest.path, line(i), f"fassungen[{i}].rev",
                   f"{counted(len(lacking), 'Fassung verweist', 'Fassungen verweisen')} auf Commits, "
                   f"die hier fehlen (zuerst "
                   f"„{f.get('name')}“); {history.SHALLOW_HINT}", Severity.WARNING)
        return
    manifest_path = f"{prefix}/lip.yaml" if prefix else "lip.yaml"
    versions = history.file_versions(repo, [manifest_path])[manifest_path]
    brought: set[tuple[str, str]] = set()
    if versions:
        try:
            first = frontmatter.load(versions[0][2].decode("utf-8"), manifest.path, 1, editable=False)
        except (PipelineError, UnicodeDecodeError):
            first = None
        for f in (first or {}).get("fassungen") or [] if isinstance(first, dict) else []:
            if isinstance(f, dict):
                brought.add((str(f.get("name")), str(f.get("rev"))))
    for i, f in lacking:
        if (str(f.get("name")), str(f["rev"])) in brought:
            continue
        report.add(manifest.path, line(i), f"fassungen[{i}].rev",
                   f"die Revision {str(f['rev'])[:12]!r} der Fassung „{f.get('name')}“ gibt es in "
                   f"diesem Repository nicht; bitte den Commit der Fassung eintragen (git log "
                   f"--oneline) oder die Fassung mit 'lip fassung NAME' benennen")
