"""`lip word-export` and `lip word-import` (issue 17): chapters out to Word for review, and
the reviewed files back in as proposals on branches (`vorschlag/…`), never onto main."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.assemble import Assembled, Part, chapter_markdown
from pipeline.errors import PipelineError
from pipeline.files import os_error_text, write_atomic
from pipeline.plan import Chapter, load_plan
from pipeline.plan.frontmatter import decode, split
from pipeline.plan.model import text_hash
from pipeline.word.package import MAX_DOCX_BYTES, WordInputError, open_docx

EXPORT_DIR = Path("build") / "word"
COMMENTS_DIR = "anmerkungen"
TOC_TITLE = "Table of Contents"
"""pandoc's title of the table of contents the Word backend adds (generated, not plan text)."""


class WordError(PipelineError):
    """The import cannot be done as asked (dirty chapter, unknown base): nothing written."""

    exit_code = 1


def _plan_identity(repo) -> str:
    from pipeline import history

    roots = history.root_commits(repo)
    return roots[-1] if roots else ""


@dataclass
class ExportResult:
    files: list[Path]
    commit: str


def export_metadata(chapter: Chapter, commit: str, plan_id: str) -> dict[str, str]:
    """The provenance a reviewed file must carry back (docProps/custom.xml)."""
    return {"lip-art": "word-export", "lip-kapitel": chapter.id, "lip-datei": chapter.filename,
            "lip-commit": commit, "lip-text-sha256": chapter.text_sha256, "lip-plan": plan_id}


def export(plan_dir: Path, kapitel: list[str], *, rev: str | None = None,
           output: Path = EXPORT_DIR) -> ExportResult:
    """One DOCX per chapter (all chapters without `kapitel`), from the committed text at
    `rev` (default HEAD): only a committed text can be found again when the file returns."""
    from pipeline import history
    from pipeline.commands.build import read_source
    from pipeline.render import Settings, templates_dir
    from pipeline.render.word import export_docx

    source = read_source(plan_dir, rev or "HEAD")
    plan = load_plan(source.files)
    chapters = [plan.chapter(k) for k in kapitel] if kapitel else list(plan.chapters)
    repo = history.open_repo(plan_dir if plan_dir.exists() else Path.cwd())
    plan_id = _plan_identity(repo)
    template = templates_dir() / "reference.docx"
    files = []
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise WordError(f"{output}: Ordner lässt sich nicht anlegen: {os_error_text(e)}") from None
    with tempfile.TemporaryDirectory(prefix="lip-word-") as work:
        settings = Settings(timestamp=source.time, work_dir=Path(work),
                            resources=source.resources)
        settings.write_resources()
        rendered = []
        for chapter in chapters:
            meta = {"lang": "de-DE", "toc-title": "Inhalt",  # no title: it would be a paragraph
                    **export_metadata(chapter, source.commit or "", plan_id)}
            doc = Assembled([Part(chapter.anchor, chapter_markdown(chapter), chapter.path)],
                            meta, {})
            data = export_docx(doc, template=template, settings=settings)
            name = f"{Path(chapter.filename).stem}-{(source.commit or '')[:7]}.docx"
            rendered.append((output / name, data))
    for path, data in rendered:
        write_atomic(path, data)
        files.append(path)
    return ExportResult(files, source.commit or "")


# --- import ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    branch: str
    chapter: Chapter
    commits: list[tuple[str, str, int]]
    """(author, date, changes) per commit."""
    comments: int = 0
    comments_file: str = ""
    notes: list[str] = field(default_factory=list)
    merged: bool = False


def _slug(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe",
                           "Ü": "ue"})
    s = re.sub(r"[^a-z0-9]+", "-", text.translate(table).lower()).strip("-")
    return s or "unbekannt"


def _read_input(path: Path) -> bytes:
    name = path.name
    if path.suffix.lower() == ".odt":
        raise WordInputError(f"{name}: ist ein OpenDocument-Text (.odt); bitte in LibreOffice mit "
                             f"Datei › Speichern unter › Dateityp „Word 2007–365 (.docx)“ "
                             f"speichern")
    if path.suffix.lower() == ".doc":
        raise WordInputError(f"{name}: ist ein altes Word-Dokument (.doc); bitte in Word mit "
                             f"Datei › Speichern unter › Dateityp „Word-Dokument (*.docx)“ "
                             f"speichern")
    try:
        if not path.is_file():
            raise WordInputError(f"{path}: Datei nicht gefunden")
        if path.stat().st_size > MAX_DOCX_BYTES:
            raise WordInputError(f"{name}: ist größer als {MAX_DOCX_BYTES // 1_000_000} MB")
        return path.read_bytes()
    except OSError as e:
        raise WordInputError(f"{path}: lässt sich nicht lesen: {os_error_text(e)}") from None


def _date_of(iso: str) -> str:
    return iso[:10] if re.match(r"\d{4}-\d{2}-\d{2}", iso or "") else dt.date.today().isoformat()


def _find_base(repo, relpath: str, sha: str) -> tuple[str, bytes] | None:
    """The oldest commit whose version of the chapter has the text hash `sha`."""
    from pipeline import history

    for commit, _record, data in history.file_versions(repo, [relpath]).get(relpath, []):
        try:
            text = split(decode(data, relpath), relpath)
        except Exception:  # an old broken version: not the one exported
            continue
        if text_hash(text.body) == sha:
            return commit, data
    return None


def import_reviewed(plan_dir: Path, docx: Path) -> ImportResult:
    """Turn the tracked changes and comments of a DOCX from `word-export` into a proposal
    branch. Checks everything first; writes only git objects and the new branch."""
    from pipeline import history
    from pipeline.render.word import read_reviewed
    from pipeline.word import tracked
    from pipeline.word.proposal import UNTRACKED, propose
    from pipeline.word.source import key

    data = _read_input(docx)
    package = open_docx(data, docx.name)
    prov = package.provenance
    name = docx.name
    if not prov.get("lip-kapitel") or not prov.get("lip-text-sha256"):
        raise WordInputError(f"{name}: trägt keine Herkunftsangaben von lip (Kapitel, Commit, "
                             f"Text-Hash); nur Dateien aus 'lip word-export' lassen sich so "
                             f"übernehmen. Einen frei geschriebenen Entwurf übernimmt "
                             f"'lip word-import --neu KAPITEL {name}'")
    repo = history.open_repo(plan_dir if plan_dir.exists() else Path.cwd())
    plan_id = _plan_identity(repo)
    if prov.get("lip-plan") and plan_id and prov["lip-plan"] != plan_id:
        raise WordInputError(f"{name}: stammt aus einem anderen Plan (Repository mit erstem "
                             f"Commit {prov['lip-plan'][:10]}, hier {plan_id[:10]}); bitte im "
                             f"Repository dieses Plans übernehmen")
    plan = load_plan(plan_dir)
    chapter_id = prov["lip-kapitel"]
    try:
        chapter = plan.chapter(chapter_id)
    except PipelineError:
        raise WordInputError(f"{name}: wurde aus Kapitel {chapter_id!r} exportiert, das es in "
                             f"diesem Plan nicht gibt (Herkunft: Datei "
                             f"{prov.get('lip-datei', '?')}, Commit "
                             f"{prov.get('lip-commit', '?')[:10]})") from None
    relpath = history.repo_path(repo, plan_dir / chapter.filename)
    if history.is_dirty(repo, relpath):
        raise WordError(f"{chapter.path}: hat nicht committete Änderungen; bitte erst committen "
                        f"oder verwerfen (git status), dann erneut übernehmen – nichts wurde "
                        f"verändert")
    base = _find_base(repo, relpath, prov["lip-text-sha256"])
    if base is None:
        raise WordError(f"{name}: der Text, aus dem die Datei exportiert wurde (Kapitel "
                        f"{chapter_id}, Commit {prov.get('lip-commit', '?')[:10]}, Text-Hash "
                        f"{prov['lip-text-sha256'][:12]}), ist in der Geschichte dieses "
                        f"Repositorys nicht zu finden (anderer Klon, flacher Klon oder "
                        f"umgeschriebene Geschichte?)")
    _base_commit, base_bytes = base
    base_text = split(decode(base_bytes, relpath), relpath)
    head_bytes = history.read_file_at(repo, "HEAD", relpath) or b""
    head_text = split(decode(head_bytes, relpath), relpath)
    with tempfile.TemporaryDirectory(prefix="lip-word-") as work:
        copy = Path(work) / "eingang.docx"
        copy.write_bytes(data)
        reading = tracked.read(read_reviewed(copy))
    generated = {key(f"{chapter.number} {chapter.title}"), key(TOC_TITLE), key("Inhalt")}
    proposal = propose(base_text.body, reading, generated=generated)
    notes = list(proposal.notes)
    if package.format_changes:
        notes.append(f"{package.format_changes} reine Formatänderung(en) (Schrift, Absatzformat) "
                     f"nicht übernommen: der Plan legt die Gestaltung selbst fest")
    if package.moves:
        notes.append(f"{package.moves} Verschiebung(en) als Streichung und Einfügung übernommen")
    if proposal.problems:
        raise WordInputError("\n".join(f"{name}: {p}" for p in proposal.problems)
                             + "\nNichts wurde übernommen.")
    merged = text_hash(head_text.body) != text_hash(base_text.body)
    steps = proposal.steps
    if merged:
        from pipeline.word.merge import merge3

        new_steps = []
        conflicts: list[str] = []
        for step in steps:
            result = merge3(base_text.body, head_text.body, step.body)
            conflicts += [c for c in result.conflicts if c not in conflicts]
            new_steps.append((step, result.text))
        if conflicts:
            raise WordError(f"{name}: das Kapitel wurde seit dem Export geändert, und diese "
                            f"Absätze wurden in beiden Fassungen geändert – nichts wurde "
                            f"übernommen:\n" + "\n".join(conflicts))
    else:
        new_steps = [(step, step.body) for step in steps]
    title = chapter.title
    commits: list[history.PlannedCommit] = []
    summary = []
    for step, body in new_steps:
        content = dataclasses.replace(head_text, body=body).join().encode("utf-8")
        who = step.author or package.last_modified_by or "unbekannt"
        if step.author == UNTRACKED:
            message = (f"{title}: Änderungen ohne Nachverfolgung aus Word übernommen "
                       f"({name})")
        else:
            n = step.changes
            message = (f"{title}: {n} Änderung{'en' if n != 1 else ''} von {who} aus Word "
                       f"übernommen ({name})")
        commits.append(history.PlannedCommit({relpath: content}, message, who, step.date))
        summary.append((who, step.date, step.changes))
    comments_file = ""
    if reading.comments:
        datum = _date_of(max(c.date for c in reading.comments))
        comments_rel = f"{COMMENTS_DIR}/{chapter.id}-{datum}.md"
        comments_file = history.repo_path(repo, plan_dir / comments_rel)
        text = comments_markdown(chapter, reading, proposal.anchors, name)
        files = {comments_file: text.encode("utf-8")}
        authors = sorted({c.author for c in reading.comments})
        commits.append(history.PlannedCommit(
            files, f"{title}: {len(reading.comments)} Anmerkung"
                   f"{'en' if len(reading.comments) != 1 else ''} aus Word ({name})",
            ", ".join(authors), max(c.date for c in reading.comments)))
    if not commits:
        raise WordError(f"{name}: enthält keine Änderungen und keine Kommentare gegenüber dem "
                        f"exportierten Text; es gibt nichts zu übernehmen")
    first_author = next((c.author for c in commits), "unbekannt")
    dates = [c.date for c in commits if c.date]
    datum = _date_of(max(dates) if dates else "")
    stem = f"vorschlag/{_slug(chapter.id)}-{_slug(first_author.split(',')[0])}-{datum}"
    branch, n = stem, 1
    while history.branch_exists(repo, branch):
        n += 1
        branch = f"{stem}-{n}"
    head = history.head_sha(repo)
    history.create_branch(repo, branch, head, commits)
    return ImportResult(branch, chapter, summary, len(reading.comments), comments_file, notes,
                        merged)


def comments_markdown(chapter: Chapter, reading, anchors: dict[int, str], source: str) -> str:
    """The comments of a reviewed file, each under the section/Ziel/Maßnahme it is attached
    to, quoting the text it marks."""
    lines = [f"# Anmerkungen zu Kapitel {chapter.number} {chapter.title}", "",
             f"Aus der Word-Datei {source}.", ""]
    for comment in reading.comments:
        where = anchors.get(comment.leaf, "") or "Kapitel"
        lines.append(f"## {where}: {comment.author}, {comment.date[:10]}")
        lines.append("")
        if comment.quote:
            lines.append(f"> {comment.quote}")
            lines.append("")
        lines.append(comment.text)
        lines.append("")
    return "\n".join(lines)


# --- a free draft (lip word-import --neu) -----------------------------------------------------


@dataclass
class DraftResult:
    branch: str
    chapter: Chapter
    paragraphs: int
    images: list[str]
    problems: list[str]
    """lip check's findings and missing alt texts, each against its Word paragraph."""


def import_draft(plan_dir: Path, kapitel: str, docx: Path) -> DraftResult:
    """Propose a draft written freely in Word as the new body of `kapitel` (front matter
    kept) on a branch, and report `lip check`'s findings against the Word paragraphs."""
    from pipeline import history
    from pipeline.commands.check import plan_report
    from pipeline.plan import read_resources
    from pipeline.render.word import read_draft
    from pipeline.word.draft import convert

    data = _read_input(docx)
    package = open_docx(data, docx.name)
    repo = history.open_repo(plan_dir if plan_dir.exists() else Path.cwd())
    plan = load_plan(plan_dir)
    chapter = plan.chapter(kapitel)
    relpath = history.repo_path(repo, plan_dir / chapter.filename)
    if history.is_dirty(repo, relpath):
        raise WordError(f"{chapter.path}: hat nicht committete Änderungen; bitte erst committen "
                        f"oder verwerfen (git status) – nichts wurde verändert")
    head_bytes = history.read_file_at(repo, "HEAD", relpath)
    if head_bytes is None:
        raise WordError(f"{chapter.path}: ist noch nicht committet; bitte erst das Kapitel "
                        f"(mit seinem Kopf) committen")
    head_text = split(decode(head_bytes, relpath), relpath)
    prefix = history.plan_prefix(repo, plan_dir)
    images: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="lip-word-") as work:
        copy = Path(work) / "entwurf.docx"
        copy.write_bytes(data)
        media = Path(work) / "medien"
        draft = convert(read_draft(copy, media), image_prefix=f"{chapter.id}-",
                        titles=(chapter.title, f"{chapter.number} {chapter.title}"))
        for path, _alt, _n in draft.images:
            source = Path(path) if Path(path).is_absolute() else Path(work) / path
            if not source.is_file():
                source = Path(path)
            name = path.replace("\\", "/").rsplit("/", 1)[-1]
            if source.is_file():
                images[f"bilder/{chapter.id}-{name}"] = source.read_bytes()
    if not draft.blocks:
        raise WordInputError(f"{docx.name}: enthält keinen Text; nichts wurde übernommen")
    new_text = dataclasses.replace(head_text, body=draft.body)
    content = new_text.join().encode("utf-8")
    # lip check on the plan as the proposal will hold it
    files = dict(plan.files)
    files[chapter.filename] = content
    for rel in images:
        files[rel] = None
    proposed = load_plan(files)
    proposed.resources = {**read_resources(plan_dir, plan.files), **images}
    problems = list(draft.problems)
    for d in plan_report(proposed).diagnostics:
        if d.path != chapter.path or d.severity.name != "ERROR":
            continue
        block = draft.paragraph_at((d.line or 1) - new_text.body_first_line)
        where = f"Absatz {block.paragraph} (‚{block.excerpt}‘)" if block else "Kopf"
        problems.append(f"{where}: {d.field}: {d.message}")
    author = package.last_modified_by or (
        plan.manifest.gremium_name(str(chapter.get("expertinnengruppe")))
        if plan.manifest and chapter.get("expertinnengruppe") else "Expert*innengruppe")
    committed = {relpath: content}
    committed.update({f"{prefix}/{rel}": blob for rel, blob in images.items()})
    datum = dt.date.today().isoformat()
    stem = f"vorschlag/{_slug(chapter.id)}-entwurf-{datum}"
    branch, n = stem, 1
    while history.branch_exists(repo, branch):
        n += 1
        branch = f"{stem}-{n}"
    message = (f"{chapter.title}: neuer Text aus dem Word-Entwurf {docx.name} "
               f"({len(draft.blocks)} Absätze)")
    history.create_branch(repo, branch, history.head_sha(repo),
                          [history.PlannedCommit(committed, message, author, "")])
    return DraftResult(branch, chapter, len(draft.blocks), sorted(images), problems)
