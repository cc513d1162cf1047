"""`lip word-export` and `lip word-import` (issue 17): chapters out to Word for review, and
the reviewed files back in as proposals on branches (`vorschlag/…`), never onto main."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
import shlex
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.assemble import Assembled, Part, chapter_markdown
from pipeline.dates import german_date
from pipeline.errors import FileAccessError, PipelineError
from pipeline.files import os_error_text, write_atomic
from pipeline.plan import COMMENTS_DIR, MANIFEST_NAME, PLAN_DIR, Chapter, Plan, load_plan
from pipeline.plan.frontmatter import decode, split
from pipeline.plan.model import text_hash
from pipeline.word.package import MAX_DOCX_BYTES, WordInputError, open_docx
from pipeline.word.tracked import by_chapter
from pipeline.wording import counted, slug

EXPORT_DIR = Path("build") / "word"
MANIFEST_PATH = f"{PLAN_DIR}/{MANIFEST_NAME}"
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
    uncommitted: list[str] = field(default_factory=list)
    """Exported chapters whose working file differs from the commit (not in the export)."""


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
    from pipeline.render import templates_dir
    from pipeline.render.backend import Settings
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
        jobs = []
        for chapter in chapters:
            meta = {"lang": "de-DE", "toc-title": "Inhalt",  # no title: it would be a paragraph
                    **export_metadata(chapter, source.commit or "", plan_id)}
            short = str(plan.manifest.get("kurztitel", "") or plan.title) if plan.manifest \
                else plan.title
            # the plan's name too: a Beirat or the RTGS gets the file alone, by e-mail
            header = {"titel": plan.title,
                      "kurztitel": " · ".join(x for x in (short, f"{chapter.number} "
                                                           f"{chapter.title}") if x),
                      # a reviewer reads a date; the commit stays in the file's properties
                      "fassung": f"zur Überarbeitung, Stand {german_date(source.time)}",
                      "entwurf": True}
            doc = Assembled([Part(chapter.anchor, chapter_markdown(chapter), chapter.path)],
                            meta, header)
            name = f"{Path(chapter.filename).stem}-{(source.commit or '')[:7]}.docx"
            jobs.append((output / name, doc))
        # one pandoc per core: each chapter is converted on its own
        with ThreadPoolExecutor(max_workers=max(1, min(len(jobs), os.cpu_count() or 1))) as pool:
            datas = list(pool.map(lambda job: export_docx(job[1], template=template,
                                                          settings=settings), jobs))
        rendered = [(path, data) for (path, _doc), data in zip(jobs, datas, strict=True)]
    for path, data in rendered:
        write_atomic(path, data)
        files.append(path)
    uncommitted = []
    if rev is None:
        for chapter in chapters:
            relpath = history.repo_path(repo, plan_dir / chapter.filename)
            if history.is_dirty(repo, relpath):
                uncommitted.append(chapter.path)
    return ExportResult(files, source.commit or "", uncommitted)


# --- import ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    branch: str
    chapter: Chapter
    commits: list[tuple[str, str, int | None]]
    """(author, date, changes) per commit; changes None for edits made without tracking
    (Word counts none of them)."""
    comments: int = 0
    comments_file: str = ""
    notes: list[str] = field(default_factory=list)
    merged: bool = False
    chapters: list[Chapter] = field(default_factory=list)
    ziel: str = "main"
    """The branch it is viewed against and merged into (`history.proposal_target`)."""


def _read_input(path: Path) -> bytes:
    """The file's bytes. What it is, its content says, not its name: a DOCX renamed to .doc
    (or mailed as one) is read; the name only sharpens the advice for a file that is none."""
    name = path.name
    try:
        if not path.is_file():
            raise FileAccessError(f"{path}: Datei nicht gefunden; bitte den Pfad der "
                                  f"Word-Datei prüfen")
        if path.stat().st_size > MAX_DOCX_BYTES:
            raise WordInputError(f"{name}: ist größer als {MAX_DOCX_BYTES // 1_000_000} MB")
        data = path.read_bytes()
    except OSError as e:
        raise FileAccessError(f"{path}: lässt sich nicht lesen: {os_error_text(e)}") from None
    if data[:4] == b"PK\x03\x04" and (b"word/document.xml" in data
                                       or path.suffix.lower() not in (".doc", ".odt")):
        return data  # (a zip's directory names its parts uncompressed)
    if path.suffix.lower() == ".odt":
        raise WordInputError(f"{name}: ist ein OpenDocument-Text (.odt); bitte in LibreOffice mit "
                             f"Datei › Speichern unter › Dateityp „Word 2007–365 (.docx)“ "
                             f"speichern")
    if path.suffix.lower() == ".doc":
        raise WordInputError(f"{name}: ist ein altes Word-Dokument (.doc); bitte in Word mit "
                             f"Datei › Speichern unter › Dateityp „Word-Dokument (*.docx)“ "
                             f"speichern")
    return data


def _refuse_twice(repo, data: bytes, name: str) -> str:
    """The file's SHA-256 (for the proposal's commits); refused when a proposal branch holds
    this very file already: a second import would only be the same proposal again."""
    from pipeline import history

    digest = hashlib.sha256(data).hexdigest()
    found = history.proposal_from_file(repo, digest)
    if found is not None:
        branch, taken_in = found
        state = ("und ist schon in den Arbeitsstand übernommen" if taken_in
                 else f"und wartet dort; ansehen: lip redline "
                      f"{history.proposal_target(repo)} {branch}")
        raise WordError(f"{name}: diese Datei (gleicher Inhalt) wurde bereits übernommen: Branch "
                        f"{branch} {state}. Es wurde kein neuer Vorschlag angelegt. Soll sie "
                        f"dennoch neu übernommen werden, erst den Branch löschen (git branch -D "
                        f"{branch}), dann erneut lip word-import {shlex.quote(name)}")
    return digest


def _with_source(message: str, digest: str, name: str) -> str:
    """A proposal commit's message with the trailers naming the Word file it came from: its
    SHA-256 (the same file twice) and its name (`lip status` names it in the way on)."""
    from pipeline import history

    name = " ".join(name.split())
    return (f"{message}\n\n{history.SOURCE_TRAILER}: {digest}\n"
            f"{history.NAME_TRAILER}: {name}\n")


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


@dataclass
class _Target:
    """One chapter of a reviewed file: where it lives and the text it was exported from."""

    chapter: Chapter
    relpath: str
    base: object
    head: object
    reading: object = None
    proposal: object = None


DRUCKSACHE_FIELDS = {"titel": "Titel", "beratungsfolge": "Beratungsfolge", "antrag": "Antrag",
                     "gender": "Berücksichtigung von Gender-Aspekten",
                     "kosten": "Kostentabelle", "begruendung": "Begründung des Antrages"}
"""The Drucksache's parts that `lip build` writes from plan/lip.yaml, with their headings."""


def _drucksache_field(plan: Plan, text: str) -> tuple[str, str, int] | None:
    """(field, heading, line in lip.yaml) of the Drucksache text in plan/lip.yaml that a
    Word paragraph of the whole-plan DOCX shows (its text with all changes undone)."""
    from pipeline.plan import frontmatter
    from pipeline.word.source import key, plain_map

    wanted = key(text)
    drucksache = plan.manifest.get("drucksache") if plan.manifest else None
    if not wanted or not isinstance(drucksache, dict):
        return None
    for name, heading in DRUCKSACHE_FIELDS.items():
        value = drucksache.get(name)
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            texts = [str(v) for v in item.values()] if isinstance(item, dict) else [str(item)]
            for paragraph in (p for t in texts for p in re.split(r"\n\s*\n", t)):
                plain = key(plain_map(re.sub(r"^\s*(?:\d+[.)]|[-*])\s+", "", paragraph))[0])
                if plain and (plain == wanted or (len(wanted) > 20 and wanted in plain)):
                    path = ("drucksache", name, i) if isinstance(value, list) else \
                        ("drucksache", name)
                    line = frontmatter.line_of(plan.manifest.data, path, 1)
                    return name, heading, _line_of_text(plan, line, paragraph)
    return None


def _line_of_text(plan: Plan, line: int, paragraph: str) -> int:
    """The line of lip.yaml, at or after `line`, where `paragraph` (a block's part) starts."""
    raw = plan.files.get(MANIFEST_NAME)
    start = paragraph.strip()[:30]
    if isinstance(raw, bytes) and start:
        lines = raw.decode("utf-8", "replace").splitlines()
        for n in range(line - 1, len(lines)):
            if start in lines[n]:
                return n + 1
    return line


def _provenance_hashes(prov: dict[str, str]) -> dict[str, str]:
    """Chapter id -> exported text hash, for a chapter export and for a whole-plan DOCX."""
    ids = prov.get("lip-kapitel", "").split()
    if len(ids) == 1 and prov.get("lip-text-sha256"):
        return {ids[0]: prov["lip-text-sha256"]}
    return {cid: prov[f"lip-text-sha256-{cid}"] for cid in ids
            if prov.get(f"lip-text-sha256-{cid}")}


def import_reviewed(plan_dir: Path, docx: Path) -> ImportResult:
    """Turn the tracked changes and comments of a DOCX from `word-export` (or `lip build`)
    into a proposal branch. Checks everything first; writes only git objects and the new
    branch: one commit per author over all chapters they changed."""
    from pipeline import history
    from pipeline.render.word import read_reviewed
    from pipeline.word import tracked
    from pipeline.word.proposal import UNTRACKED, author_order, propose
    from pipeline.word.source import key

    data = _read_input(docx)
    package = open_docx(data, docx.name)
    prov = package.provenance
    name = docx.name
    hashes = _provenance_hashes(prov)
    if prov.get("lip-art") == "redline":
        raise WordInputError(f"{name}: ist eine Änderungsfassung aus 'lip redline'; ihre "
                             f"Änderungen sind die von lip, nicht die der Prüfenden. Zum "
                             f"Überarbeiten bitte mit 'lip word-export KAPITEL' eine Datei "
                             f"ausgeben und diese zurückschicken lassen")
    if not hashes:
        raise WordInputError(f"{name}: trägt keine Herkunftsangaben von lip (Kapitel, Commit, "
                             f"Text-Hash); nur Dateien aus 'lip word-export' oder 'lip build' "
                             f"lassen sich so übernehmen. Einen frei geschriebenen Entwurf "
                             f"übernimmt 'lip word-import --neu KAPITEL {shlex.quote(name)}'")
    repo = history.open_repo(plan_dir if plan_dir.exists() else Path.cwd())
    plan_id = _plan_identity(repo)
    if prov.get("lip-plan") and plan_id and prov["lip-plan"] != plan_id:
        raise WordInputError(f"{name}: stammt aus einem anderen Plan (Repository mit erstem "
                             f"Commit {prov['lip-plan'][:10]}, hier {plan_id[:10]}); bitte im "
                             f"Repository dieses Plans übernehmen")
    digest = _refuse_twice(repo, data, name)
    plan = load_plan(plan_dir)
    targets: dict[str, _Target] = {}
    problems: list[str] = []
    for chapter_id, sha in hashes.items():
        try:
            chapter = plan.chapter(chapter_id)
        except PipelineError:
            problems.append(f"{name}: wurde aus Kapitel {chapter_id!r} exportiert, das es in "
                            f"diesem Plan nicht gibt (Herkunft: Datei "
                            f"{prov.get('lip-datei', '?')}, Commit "
                            f"{prov.get('lip-commit', '?')[:10]})")
            continue
        relpath = history.repo_path(repo, plan_dir / chapter.filename)
        if history.is_dirty(repo, relpath):
            problems.append(f"{chapter.path}: hat nicht committete Änderungen; bitte erst "
                            f"committen oder verwerfen (git status), dann erneut übernehmen")
            continue
        base = _find_base(repo, relpath, sha)
        if base is None:
            problems.append(f"{name}: der Text, aus dem die Datei exportiert wurde (Kapitel "
                            f"{chapter_id}, Commit {prov.get('lip-commit', '?')[:10]}, "
                            f"Text-Hash {sha[:12]}), ist in der Geschichte dieses Repositorys "
                            f"nicht zu finden (anderer Klon, flacher Klon oder umgeschriebene "
                            f"Geschichte?)")
            continue
        head_bytes = history.read_file_at(repo, "HEAD", relpath) or b""
        targets[chapter_id] = _Target(chapter, relpath, split(decode(base[1], relpath), relpath),
                                      split(decode(head_bytes, relpath), relpath))
    if problems:
        error = WordError if all("nicht committete" in p or "nicht zu finden" in p
                                 for p in problems) else WordInputError
        raise error("\n".join(problems) + "\nNichts wurde übernommen.")
    with tempfile.TemporaryDirectory(prefix="lip-word-") as work:
        copy = Path(work) / "eingang.docx"
        copy.write_bytes(data)
        reading = tracked.read(read_reviewed(copy))
    headings = {cid: key(f"{t.chapter.number} {t.chapter.title}") for cid, t in targets.items()}
    if len(targets) == 1:
        (only,) = targets
        parts, outside = {only: reading}, []
    else:
        parts, outside = by_chapter(reading, headings)
    in_manifest = False
    for o in outside:
        leaf = reading.leaves[o.leaf]
        if leaf.changes:
            text = leaf.view(frozenset(c.author for c in leaf.changes))
            source = _drucksache_field(plan, leaf.view(frozenset()))
            if source is not None:
                field_name, heading, line = source
                in_manifest = True
                problems.append(f"{name}: Absatz {leaf.number} (‚{text[:40]}‘) im Teil "
                                f"„{heading}“ der Drucksache: dieser Text steht in "
                                f"{MANIFEST_PATH}:{line}, Feld drucksache.{field_name}; bitte "
                                f"dort ändern, aus Word ist er nicht übernehmbar")
                continue
            part = f"„{o.part}“" if o.part else "Titel und Inhaltsverzeichnis"
            problems.append(f"{name}: Absatz {leaf.number} (‚{text[:40]}‘) in {part}: diesen "
                            f"Teil erzeugt lip, Änderungen daran sind nicht übernehmbar")
    if package.note_changes:
        changes = counted(package.note_changes, "Änderung", "Änderungen")
        problems.append(f"{name}: {changes} in Fußnoten; Fußnoten lassen sich nicht aus Word "
                        f"übernehmen, bitte im Kapiteltext ändern")
    if package.header_changes:
        changes = counted(len(package.header_changes), "Änderung", "Änderungen")
        problems.append(f"{name}: {changes} in Kopf- oder Fußzeile "
                        f"({'; '.join(package.header_changes)}); Kopf- und Fußzeile schreibt "
                        f"lip (Kapitel, Stand, Seitenzahl), Änderungen daran sind nicht "
                        f"übernehmbar (ein anderer Kapiteltitel gehört in den Kopf des Kapitels, "
                        f"Feld titel)")
    order = author_order(reading.changes)
    notes: list[str] = []
    for cid, target in targets.items():
        sub = parts.get(cid)
        if sub is None:
            problems.append(f"{name}: Kapitel {target.chapter.number} {target.chapter.title} "
                            f"ist in der Datei nicht zu finden (Überschrift gelöscht?)")
            continue
        generated = {headings[cid], key(TOC_TITLE), key("Inhalt")}
        target.reading = sub
        target.proposal = propose(target.base.body, sub, generated=generated, order=order)
        problems += [f"{name}: {p}" for p in target.proposal.problems]
        notes += target.proposal.notes
    if problems:
        raise WordInputError("\n".join(problems) + "\n" + _nothing_taken(
            name, [t for t in targets.values() if t.proposal and not t.proposal.problems],
            in_manifest))
    if package.format_changes:
        formats = counted(package.format_changes, "reine Formatänderung", "reine Formatänderungen")
        notes.append(f"{formats} (Schrift, Absatzformat) nicht übernommen: der Plan legt die "
                     f"Gestaltung selbst fest")
    if package.moves:
        moves = counted(package.moves, "Verschiebung", "Verschiebungen")
        notes.append(f"{moves} als Streichung und Einfügung übernommen")
    # three-way where a chapter moved on since the export
    merged = False
    conflicts: list[str] = []
    stale: dict[str, Chapter] = {}
    final: dict[str, list[str]] = {}
    for cid, target in targets.items():
        bodies = target.proposal.bodies
        if text_hash(target.head.body) != text_hash(target.base.body):
            from pipeline.word.merge import merge3

            merged = True
            out = []
            for body in bodies:
                result = merge3(target.base.body, target.head.body, body)
                for c, line in zip(result.conflicts, result.lines, strict=True):
                    where = f"{target.chapter.path}:{target.head.body_first_line + line}:\n{c}"
                    if where not in conflicts:
                        conflicts.append(where)
                        stale.setdefault(cid, target.chapter)
                out.append(result.text)
            bodies = out
        final[cid] = bodies
    if conflicts:
        export = " ".join(ch.id for ch in stale.values())
        raise WordError(f"{name}: das Kapitel wurde seit dem Export geändert, und diese Absätze "
                        f"wurden in beiden Fassungen geändert – nichts wurde übernommen:\n"
                        + "\n".join(conflicts)
                        + f"\nSo geht es weiter: mit 'lip word-export {export}' den jetzigen Stand "
                          f"ausgeben, die Änderungen aus {name} dort wiederholen (an diesen "
                          f"Absätzen mit Blick auf die jetzige Fassung) und die neue Datei "
                          f"mit 'lip word-import' übernehmen")
    views = [UNTRACKED, *order]
    commits: list[history.PlannedCommit] = []
    summary = []
    previous = {cid: targets[cid].head.body for cid in targets}
    for k, author in enumerate(views):
        files = {}
        changed_titles = []
        for cid, target in targets.items():
            body = final[cid][k]
            if body != previous[cid]:
                files[target.relpath] = dataclasses.replace(target.head, body=body).join() \
                    .encode("utf-8")
                changed_titles.append(target.chapter.title)
                previous[cid] = body
        if not files:
            continue
        changes = [c for c in reading.changes if c.author == author] if author else []
        n = len(changes)
        where = ", ".join(changed_titles)
        who = author or package.last_modified_by or "unbekannt"
        date = max((c.date for c in changes), default="")
        if author == UNTRACKED:
            message = f"{where}: Änderungen ohne Nachverfolgung aus Word übernommen ({name})"
        else:
            message = (f"{where}: {counted(n, 'Änderung', 'Änderungen')} von {who} aus Word "
                       f"übernommen ({name})")
        commits.append(history.PlannedCommit(files, _with_source(message, digest, name), who,
                                             date))
        summary.append((who, date, None if author == UNTRACKED else n))
    comments_file = ""
    comment_count = sum(len(t.reading.comments) for t in targets.values())
    for target in targets.values():
        sub = target.reading
        if not sub.comments:
            continue
        datum = _date_of(max(c.date for c in sub.comments))
        rel = f"{COMMENTS_DIR}/{target.chapter.id}-{datum}.md"
        comments_file = history.repo_path(repo, plan_dir / rel)
        text = comments_markdown(target.chapter, sub, target.proposal.anchors, name)
        authors = list(dict.fromkeys(c.author for c in sub.comments))
        n = len(sub.comments)
        commits.append(history.PlannedCommit(  # git has one author: the first commenter
            {comments_file: text.encode("utf-8")},
            _with_source(f"{target.chapter.title}: {counted(n, 'Anmerkung', 'Anmerkungen')} "
                         f"von {', '.join(authors)} aus Word ({name})", digest, name),
            authors[0] or "unbekannt", max(c.date for c in sub.comments)))
    if not commits:
        formats = counted(package.format_changes, "reinen Formatänderung",
                          "reinen Formatänderungen")
        only_format = (f" außer {formats}, die nicht übernommen werden (die Gestaltung legt der "
                       f"Plan fest)" if package.format_changes else "")
        raise WordError(f"{name}: enthält keine Änderungen und keine Kommentare gegenüber dem "
                        f"exportierten Text{only_format}; es gibt nichts zu übernehmen")
    first_author = commits[0].author
    dates = [c.date for c in commits if c.date]
    datum = _date_of(max(dates) if dates else "")
    subject = next(iter(targets)) if len(targets) == 1 else "plan"
    who = slug(first_author.split(",")[0], "unbekannt")
    stem = f"{history.PROPOSAL_PREFIX}{slug(subject, 'unbekannt')}-{who}-{datum}"
    branch, n = stem, 1
    while history.branch_exists(repo, branch):
        n += 1
        branch = f"{stem}-{n}"
    history.create_branch(repo, branch, history.head_sha(repo), commits)
    notes += _check_proposal(plan, {t.chapter.filename: dataclasses.replace(
        t.head, body=final[cid][-1]).join().encode("utf-8") for cid, t in targets.items()})
    # the chapters the proposal changes or comments on, not every chapter the file holds
    named = [t.chapter for cid, t in targets.items()
             if final[cid][-1] != t.head.body or t.reading.comments] \
        or [t.chapter for t in targets.values()]
    return ImportResult(branch, named[0], summary, comment_count, comments_file, notes, merged,
                        named, history.proposal_target(repo))


def _nothing_taken(name: str, fine: list[_Target], in_manifest: bool) -> str:
    """The end of a refused import: that the file's other, valid changes were not taken
    either (a file comes in whole or not at all), and how to go on."""
    valid = [f"{t.chapter.number} {t.chapter.title} "
             f"({counted(len(t.reading.changes), 'Änderung', 'Änderungen')})"
             for t in fine if t.reading.changes]
    if not valid:
        return "Nichts wurde übernommen."
    where = "; ".join(valid)
    manifest = (f"; den Text der Drucksache in {MANIFEST_PATH} ändern und committen"
                if in_manifest else "")
    return (f"Nichts wurde übernommen, auch nicht die übernehmbaren Änderungen in Kapitel "
            f"{where}: eine Datei wird ganz oder gar nicht übernommen. So geht es weiter: die "
            f"oben genannten Änderungen in Word ablehnen (Überprüfen › Ablehnen; in "
            f"LibreOffice Bearbeiten › Änderungen verfolgen › Verwalten), die Datei speichern "
            f"und erneut übernehmen (lip word-import {shlex.quote(name)}){manifest}")


def _check_proposal(plan: Plan, changed: dict[str, bytes]) -> list[str]:
    """`lip check`'s errors in the chapters as the proposal has them (the secretariat sees
    at once what a reviewer's edit broke, e.g. a Maßnahme's number)."""
    from pipeline.commands.plan_report import plan_report

    files = {**plan.files, **changed}
    proposed = load_plan(files)
    proposed.resources = plan.resources
    paths = {f"{plan.chapters[0].path.rsplit('/', 1)[0]}/{name}" for name in changed} \
        if plan.chapters else set()
    return [f"lip check auf dem Vorschlag: {d}" for d in plan_report(proposed).diagnostics
            if d.severity.name == "ERROR" and d.path in paths]


def comments_markdown(chapter: Chapter, reading, anchors: dict[int, str], source: str) -> str:
    """The comments of a reviewed file, each under the section/Ziel/Maßnahme it is attached
    to (with its anchor ID, e.g. m-1-2-3), quoting the text it marks. The file is Markdown
    (GitLab shows it so): what a reviewer typed is escaped where it would read as markup."""
    from pipeline.dates import german_date
    from pipeline.plan.body import anchor
    from pipeline.word.source import escape

    def typed(text: str) -> str:
        return "\n".join(escape(line) for line in text.split("\n"))

    kinds = {"Abschnitt": "abschnitt", "Ziel": "z", "Maßnahme": "m"}
    lines = [f"# Anmerkungen zu Kapitel {chapter.number} {chapter.title}", "",
             f"Aus der Word-Datei {source}.", ""]
    for comment in reading.comments:
        where = anchors.get(comment.leaf, "")
        kind, _, number = where.partition(" ")
        ident = f" (`{anchor(kinds[kind], number)}`)" if kind in kinds and number else ""
        lines.append(f"## {where or 'Kapitel'}{ident}")
        lines.append("")
        lines.append(f"**{comment.author}**, {german_date(comment.date[:10])}:")
        lines.append("")
        if comment.quote:
            lines.append(f"> {typed(comment.quote)}")
            lines.append("")
        lines.append(typed(comment.text))
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
    ziel: str = "main"
    """The branch it is viewed against and merged into (`history.proposal_target`)."""


def _refuse_other_chapter(plan: Plan, chapter: Chapter, prov: dict[str, str],
                          name: str) -> None:
    """A file lip wrote for other chapters is no draft of `chapter`: taken as one, it would
    replace this chapter's text with theirs."""
    ids = prov.get("lip-kapitel", "").split()
    if not ids or ids == [chapter.id]:
        return
    if len(ids) > 1:
        raise WordInputError(f"{name}: ist der ganze Plan aus 'lip build', kein Entwurf von "
                             f"Kapitel {chapter.number} {chapter.title}; als Entwurf übernommen "
                             f"ersetzte er dessen Text durch alle Kapitel. Änderungen darin "
                             f"übernimmt lip word-import {shlex.quote(name)} (ohne --neu); "
                             f"nichts wurde übernommen")
    known = []
    for cid in ids:
        try:
            other = plan.chapter(cid)
            known.append(f"{other.number} {other.title}")
        except PipelineError:
            known.append(cid)
    raise WordInputError(f"{name}: stammt aus Kapitel {', '.join(known)} (von lip ausgegeben), "
                         f"nicht aus Kapitel {chapter.number} {chapter.title}; als Entwurf "
                         f"übernommen ersetzte sie dessen Text. Änderungen an "
                         f"{', '.join(known)} übernimmt lip word-import {shlex.quote(name)} "
                         f"(ohne --neu); nichts wurde übernommen")


def import_draft(plan_dir: Path, kapitel: str, docx: Path) -> DraftResult:
    """Propose a draft written freely in Word as the new body of `kapitel` (front matter
    kept) on a branch, and report `lip check`'s findings against the Word paragraphs."""
    from pipeline import history
    from pipeline.commands.plan_report import plan_report
    from pipeline.plan import read_resources
    from pipeline.render.word import read_draft
    from pipeline.word.draft import convert

    data = _read_input(docx)
    package = open_docx(data, docx.name)
    repo = history.open_repo(plan_dir if plan_dir.exists() else Path.cwd())
    digest = _refuse_twice(repo, data, docx.name)
    plan = load_plan(plan_dir)
    chapter = plan.chapter(kapitel)
    _refuse_other_chapter(plan, chapter, package.provenance, docx.name)
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
    if content == head_bytes and not images:
        raise WordError(f"{docx.name}: der Entwurf gleicht Wort für Wort dem committeten Text "
                        f"von Kapitel {chapter.number} {chapter.title}; es gibt nichts zu "
                        f"übernehmen, kein Vorschlag wurde angelegt")
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
    stem = f"{history.PROPOSAL_PREFIX}{slug(chapter.id, 'unbekannt')}-entwurf-{datum}"
    branch, n = stem, 1
    while history.branch_exists(repo, branch):
        n += 1
        branch = f"{stem}-{n}"
    message = (f"{chapter.title}: neuer Text aus dem Word-Entwurf {docx.name} "
               f"({counted(len(draft.blocks), 'Absatz', 'Absätze')})")
    history.create_branch(repo, branch, history.head_sha(repo),
                          [history.PlannedCommit(committed,
                                                 _with_source(message, digest, docx.name),
                                                 author, "")])
    return DraftResult(branch, chapter, len(draft.blocks), sorted(images), problems,
                       history.proposal_target(repo))
