"""`lip check`: the plan's problems, all at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pipeline import history
from pipeline.commands.fassungen import check_council
from pipeline.commands.plan_report import plan_report
from pipeline.diagnostics import Report, Severity
from pipeline.errors import GitError, PipelineError
from pipeline.plan import MANIFEST_NAME, Chapter, Plan, frontmatter, load_plan, read_resources
from pipeline.plan.fassungen import correction_key
from pipeline.plan.validate import check_future_dates
from pipeline.review import check_final
from pipeline.review.append_only import (
    COUNCIL_LISTS,
    MANIFEST_LISTS,
    Version,
    council_records,
    tampered,
)
from pipeline.wording import counted


def check(plan_dir: Path, *, strict: bool = False, final: bool = False) -> Report:
    """Check the plan in `plan_dir`; with `final`, also demand that every chapter is accepted."""
    plan = load_plan(plan_dir)
    plan.resources = read_resources(plan_dir, plan.files)
    report = plan_report(plan)
    check_future_dates(plan, report, dt.date.today())  # the edge says what day it is
    check_council(plan_dir, plan, report)  # Anträge and Fassung tags need git
    try:
        repo = history.open_repo(plan_dir)
    except GitError:
        repo = None  # outside a repository there is no history to hold the plan to
    if repo is not None:
        report.extend(history_report(repo, history.plan_prefix(repo, plan_dir), plan).diagnostics)
    if strict:
        report = _strict(report)
    if final:
        check_final(plan, report)
    return report


def history_report(repo: Any, prefix: str, plan: Plan) -> Report:
    """What only the repository can tell: review entries, the council's votes and the named
    Fassungen with the Beschluss (plan/lip.yaml) removed or rewritten after they were
    committed (append-only), and entries pinning a commit the repository does not have."""
    from pipeline.council.antraege import load_antraege

    report = Report()
    if history.head_sha(repo) is None:
        return report
    imported: set[tuple[str, str, int]] = set()
    heads: dict[str, Any] = {}  # most versions differ in the text only: parse a head once
    antraege, _ = load_antraege(plan)  # unreadable ones: plan_report names them
    manifest_path = f"{prefix}/{MANIFEST_NAME}" if prefix else MANIFEST_NAME
    committed = history.file_versions(repo, [f"{prefix}/{ch.filename}" for ch in plan.chapters]
                                      + [f"{prefix}/{a.filename}" for a in antraege]
                                      + ([manifest_path] if plan.manifest is not None else []))
    names = plan.manifest.gremium_name if plan.manifest is not None else str
    for chapter in plan.chapters:
        versions = []
        repo_path = f"{prefix}/{chapter.filename}"
        for sha, record, raw in committed[repo_path]:
            review = _review_of(chapter.path, raw, heads)
            if review is not None:  # a version that cannot be read binds nothing
                versions.append(Version(sha, record, review))
        if versions:  # in the file's first commit here: brought along, pinning another history
            imported |= {(chapter.path, name, i) for name in ("vorlagen", "entscheidungen",
                                                              "stellungnahmen")
                         for i in range(len(_list(versions[0].review, name)))}
        for t in tampered(chapter.review, versions):
            report.add(chapter.path, chapter.line_of(*t.keys), t.field,
                       t.message(repo_path, chapter.id, names))
    for antrag in antraege:  # the council's votes: the same rule, the same way to correct
        repo_path = f"{prefix}/{antrag.filename}"
        versions = [Version(sha, record, records)
                    for sha, record, raw in committed[repo_path]
                    if (records := _head_of(antrag.path, raw, heads, COUNCIL_LISTS)) is not None]
        for t in tampered(council_records(antrag.meta), versions, COUNCIL_LISTS, root=""):
            report.add(antrag.path, antrag.line_of(*t.keys), t.field,
                       t.message(repo_path, antrag.key, names))
    if plan.manifest is not None:  # the Fassungen and the Beschluss: the same rule again
        manifest = plan.manifest
        versions = [Version(sha, record, records)
                    for sha, record, raw in committed[manifest_path]
                    if (records := _manifest_records(manifest.path, raw, heads)) is not None]
        for t in tampered(council_records(manifest.data, MANIFEST_LISTS), versions,
                          MANIFEST_LISTS, root=""):
            report.add(manifest.path, frontmatter.line_of(manifest.data, t.keys, 1), t.field,
                       t.message(manifest_path, correction_key(t.entry), names))
    _missing_commits(repo, plan, report, imported)
    for chapter in plan.chapters:
        _numbers_kept(repo, prefix, plan, chapter, report)
    return report


def recorded_versions(plan: Plan, chapter: Chapter) -> list[tuple[str, str]]:
    """The chapter's recorded versions, newest first, as (commit or rev, label): its review
    records (Vorlagen, Stellungnahmen, Entscheidungen) and the plan's named Fassungen."""
    from pipeline.dates import as_date, german_date
    from pipeline.review import records_of

    kinds = {"vorlagen": "Vorlage", "stellungnahmen": "Stellungnahme",
             "entscheidungen": "Entscheidung"}
    found = [((r.datum, 1, i), r.commit, f"{kinds[r.list_name]} vom {german_date(r.datum)}")
             for i, r in enumerate(records_of(chapter).in_time_order()) if r.commit]
    for i, f in enumerate(plan.manifest.fassungen if plan.manifest else []):
        day = as_date(f.datum)
        if day is not None:
            found.append(((day, 0, i), f.rev, f"{f.name} vom {german_date(day)}"))
    return [(rev, label) for _, rev, label in sorted(found, key=lambda x: x[0], reverse=True)]


def _numbers_kept(repo: Any, prefix: str, plan: Plan, chapter: Chapter, report: Report) -> None:
    """Maßnahmen keep their numbers: compare with the chapter's last recorded version that
    the repository has. Without one (a new chapter, history not here) there is nothing to
    hold the numbers to."""
    from pipeline.plan.body import parse_body
    from pipeline.plan.validate import check_numbers_kept

    if not chapter.body.measures:
        return
    for rev, label in recorded_versions(plan, chapter):
        try:
            raw = history.read_file_at(repo, rev, f"{prefix}/{chapter.filename}")
            if raw is None:
                return  # the chapter did not exist then (or had another file name)
            split = frontmatter.split(frontmatter.decode(raw, chapter.path), chapter.path)
        except PipelineError:
            continue  # a commit this repository lacks, a version that cannot be read
        check_numbers_kept(chapter, parse_body(split.body, split.body_first_line), label, report)
        return


def _review_of(path: str, raw: bytes, heads: dict[str, Any]) -> Any:
    """The `review` of a committed version, from its head alone (the body is not parsed)."""
    meta = _head_of(path, raw, heads)
    if meta is None:
        return None
    review = meta.get("review")
    return review if isinstance(review, dict) else {}


def _head_of(path: str, raw: bytes, heads: dict[str, Any],
             lists: tuple[str, ...] | None = None) -> Any:
    """The head of a committed version (the body is not parsed), or only its `lists`; None
    when it cannot be read."""
    try:
        split = frontmatter.split(frontmatter.decode(raw, path), path)
        if split.yaml_text not in heads:
            meta = frontmatter.load(split.yaml_text, path, split.yaml_first_line, editable=False)
            heads[split.yaml_text] = meta if isinstance(meta, dict) else {}
    except PipelineError:
        return None
    meta = heads[split.yaml_text]
    return meta if lists is None else council_records(meta)


def _manifest_records(path: str, raw: bytes, heads: dict[str, Any]) -> Any:
    """The append-only lists of a committed plan/lip.yaml (MANIFEST_LISTS); None when it
    cannot be read."""
    try:
        text = frontmatter.decode(raw, path)
        if text not in heads:
            data = frontmatter.load(text, path, 1, editable=False)
            heads[text] = data if isinstance(data, dict) else {}
    except PipelineError:
        return None
    return council_records(heads[text], MANIFEST_LISTS)


def _list(review: Any, name: str) -> list:
    value = review.get(name) if isinstance(review, dict) else None
    return value if isinstance(value, list) else []


def _pinned_commits(chapter: Chapter):
    for list_name in ("vorlagen", "entscheidungen", "stellungnahmen"):
        entries = chapter.review.get(list_name)
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            stand = entry.get("stand") if isinstance(entry, dict) else None
            sha = stand.get("commit") if isinstance(stand, dict) else None
            if isinstance(sha, str) and len(sha) >= 7 and all(c in "0123456789abcdef" for c in sha):
                yield (list_name, i), f"review.{list_name}[{i}].stand.commit", sha


def _missing_commits(repo: Any, plan: Plan, report: Report,
                     imported: set[tuple[str, str, int]]) -> None:
    """Entries pinning a commit this repository does not have. An entry that was already in
    the chapter's first commit here came with the plan from elsewhere (a copy without its
    history: a test fixture, a fresh demo) and pins that other history, and so may a later
    record about the same version; any other pin must be a commit of this repository. A
    shallow clone lacks old commits by design: one warning with the way to fetch them."""
    pins = [(chapter, *pin) for chapter in plan.chapters for pin in _pinned_commits(chapter)]
    missing = history.missing_commits(repo, {sha for *_, sha in pins})
    lacking = [(chapter, where, field, sha) for chapter, where, field, sha in pins
               if sha in missing]
    if lacking and history.is_shallow(repo):
        chapter, (name, i), field, sha = lacking[0]
        report.add(chapter.path, chapter.line_of("review", name, i, "stand", "commit"), field,
                   f"{counted(len(lacking), 'Eintrag verweist', 'Einträge verweisen')} auf "
                   f"Commits, die hier fehlen (zuerst "
                   f"{sha[:10]}); {history.SHALLOW_HINT}", Severity.WARNING)
        return
    foreign = {sha for chapter, (name, i), _, sha in lacking if (chapter.path, name, i) in imported}
    for chapter, (name, i), field, sha in lacking:
        if sha in foreign:
            continue
        report.add(chapter.path, chapter.line_of("review", name, i, "stand", "commit"), field,
                   f"Commit {sha[:10]} gibt es in diesem Repository nicht; bitte den Commit der "
                   f"gemeinten Fassung eintragen (git log --oneline) oder die fehlende Historie "
                   f"holen (git fetch)")


def _strict(report: Report) -> Report:
    """Warnings count as errors (`lip check --strict`)."""
    from dataclasses import replace

    from pipeline.diagnostics import Severity

    out = Report()
    out.extend([replace(d, severity=Severity.ERROR) for d in report.diagnostics])
    return out
