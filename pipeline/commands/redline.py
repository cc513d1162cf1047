"""`lip redline`: pick the two versions, redline each chapter, write build/redline/<alt>..<neu>/."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.dates import as_date, german_date
from pipeline.errors import PipelineError, PlanFolderMissing, PlanInvalid, RevisionNotFound
from pipeline.files import os_error_text, replacing_folder, write_atomic
from pipeline.plan import MAX_CHAPTER_BYTES
from pipeline.redline import (  # noqa: F401  (format_word_changes: for the CLI)
    Redline,
    Stats,
    format_word_changes,
    passages,
)
from pipeline.render.redline_html import NO_AHEAD, Ahead
from pipeline.render.redline_text import (
    compare_split,
    passage_words,
    redline_chapter,
    split_texts,
)
from pipeline.wording import numbered_changes

if TYPE_CHECKING:  # the plan's model and its records come only with a plan
    from pipeline.plan import Chapter, Plan
    from pipeline.review import Entscheidung

FORMATS = ("html", "pdf", "docx", "synopse", "md")
WORKTREE_LABEL = "Arbeitsstand"


class RedlineError(PipelineError):
    """A redline cannot be built as asked (no decision, unknown chapter, unreadable file)."""


@dataclass
class Side:
    """One version of the plan: where it came from and when."""

    label: str
    plan: Plan
    time: dt.datetime
    sha: str = ""


@dataclass
class ChapterRedline:
    redline: Redline
    alt_label: str
    decision: Entscheidung | None = None
    numbered: list[str] = field(default_factory=list)
    """Ziele and Maßnahmen changed, by number, as the site names them
    (`wording.numbered_changes`)."""

    @property
    def decision_label(self) -> str:
        """'Entscheidung vom 08.10.2020: zurückgespielt': the decision whose Vorgaben are shown
        (between two Fassungen not ALT's name: the Vorgaben are the decision's)."""
        d = self.decision
        if d is None:
            return self.alt_label
        return f"Entscheidung vom {german_date(d.datum)}" + (f": {d.ergebnis}" if d.ergebnis
                                                            else "")

    def vorgaben_markdown(self, indent: str = "") -> list[str]:
        """Each Vorgabe and, beneath it, whether it is erledigt (with its Vermerk) or offen,
        as the site's change page shows them."""
        if self.decision is None:
            return [f"{indent}- {v}" for v in self.redline.vorgaben]
        return [f"{indent}- {v.label}\\\n{indent}  {v.state_text}"
                for v in self.decision.vorgaben]


@dataclass
class RedlineResult:
    out_dir: Path
    files: list[Path]
    chapters: list[ChapterRedline]
    """Each chapter's figures and title; its Markdown is in the files written."""
    skipped: list[str] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)


def _slug(label: str) -> str:
    """A revision's name as a folder name; `~` and `^` stay (`HEAD~` and `HEAD` are two
    revisions: both were „HEAD“, and `lip redline HEAD~ HEAD` wrote to HEAD..HEAD)."""
    s = re.sub(r"[^\w.~^-]+", "-", label.strip(), flags=re.UNICODE).strip("-")
    return s or "version"


def _epoch() -> int | None:
    v = os.environ.get("SOURCE_DATE_EPOCH")
    return int(v) if v and v.isdigit() else None


def _side_at(hist, name: str, plan: Plan | None = None) -> Side:
    """The plan at a Fassung's name (from `plan`'s manifest) or at any git revision. A
    Fassung is dated as plan/lip.yaml and the site date it (`datum`), not by its commit: the
    2. Fassung of 30.10.2020 was committed on 29.10. and the redline said 'Stand 29.10.2020'."""
    from pipeline import history

    fassungen = plan.manifest.fassungen if plan is not None and plan.manifest else []
    fassung = None
    if hist.repo is None:
        resolved = hist.resolve(name)  # says that there is no repository
    else:
        resolved, fassung = history.resolve_named(hist.repo, name, fassungen)
    when = resolved.time
    datum = next((as_date(f.datum) for f in fassungen if f.name == fassung), None)
    if datum is not None:
        when = dt.datetime.combine(datum, dt.time(), dt.UTC)
    return Side(name, hist.plan_at(resolved.sha), when, resolved.sha)


def _author(plan: Plan, chapter: Chapter, autor: str | None) -> str:
    """Who the redline names as the author of the changes: the chapter's Expert*innengruppe."""
    if autor:
        return autor
    key = chapter.get("expertinnengruppe")
    if key:  # an unknown key is reported by 'lip check' and shown as written
        return plan.manifest.gremium_name(str(key)) if plan.manifest else str(key)
    return "Landeshauptstadt Hannover"


def _by_reviewer(red: Redline, old: Chapter, versions: list[tuple[str, str, bytes]],
                 own: str) -> None:
    """Each change of a proposal's redline as made by the reviewer whose commit made it
    (their name and date on the mark), not by all its reviewers as one author. A change
    that is no reviewer's (what main changed since the proposal left it, undone in the
    redline) is `own`'s, the chapter's author in any redline: the redline's author here is
    all reviewers as one, and Word showed them deleting what main had added."""
    from pipeline.plan.frontmatter import decode, split
    from pipeline.redline.authors import Step, attribute

    steps = [Step(old.text.body, "")]
    for name, when, data in versions:
        try:
            steps.append(Step(split(decode(data, old.path), old.path).body, name or own,
                              when))
        except Exception:  # noqa: BLE001  (a step that does not read: the chapter's author)
            return
    marked = attribute(red.markdown, steps)
    if marked != red.markdown:
        red.markdown = marked
        red.passages = {}  # keyed by the Markdown it had: the page converts them anew


def proposal_label(authors: list[str], when: dt.datetime) -> str:
    """'Vorschlag aus Word (Erika Muster u. a., 07.12.2026)': a proposal branch as a title."""
    who = f"{authors[0]} u. a." if len(authors) > 1 else (authors[0] if authors else "")
    return f"Vorschlag aus Word ({who + ', ' if who else ''}{german_date(when)})"


def redline_provenance(side: Side, chapters: list[ChapterRedline]) -> dict[str, str]:
    """The NEU side's provenance for the Word file (the fields of `lip word-export`)."""
    props = {"lip-art": "redline", "lip-commit": side.sha}
    ids = []
    for c in chapters:
        found = next((ch for ch in side.plan.chapters if ch.id == c.redline.chapter_id), None)
        if found is not None:
            ids.append(found.id)
            props[f"lip-text-sha256-{found.id}"] = found.text_sha256
    props["lip-kapitel"] = " ".join(ids)
    return props


def compare_plans(plan_dir: Path, *, alt: str | None, neu: str | None,
                  seit_entscheidung: bool, kapitel: Sequence[str], autor: str | None,
                  context: str = "full", cache_dir: Path | None = None,
                  for_page: bool = False
                  ) -> tuple[list[ChapterRedline], list[str], Side, str, dt.datetime | None]:
    """Redline every chapter between two plan versions; return redlines, skipped notes,
    the NEU side, the label of ALT and its date (None: each chapter's decision). `for_page`:
    the redline page follows (`redline_text.compare_split`)."""
    from pipeline import history
    from pipeline.plan import load_plan
    from pipeline.review import records_of

    repo = history.open_repo(plan_dir)
    hist = history.PlanHistory(repo, history.plan_prefix(repo, plan_dir))
    work = load_plan(plan_dir)
    if neu is None and (broken := work.unread_chapter_files):  # the editor can mend these first
        raise PlanInvalid([d for d in work.diagnostics
                           if any(name in d.path or repr(name) in d.message for name in broken)])
    if neu is None:
        head_time = history.resolve(repo, "HEAD").time if repo.head.is_valid() else \
            dt.datetime.now(dt.UTC)
        epoch = _epoch()
        when = dt.datetime.fromtimestamp(epoch, dt.UTC) if epoch is not None else head_time
        new_side = Side(WORKTREE_LABEL, work, when)
    else:
        new_side = _side_at(hist, neu, work)
    alt_side = _side_at(hist, alt, work) if alt and not seit_entscheidung else None
    proposal = neu is not None and neu.startswith(history.PROPOSAL_PREFIX) \
        and history.branch_exists(repo, neu)
    if proposal:  # a Word proposal reads as what it is, not as a branch name
        since = alt_side.sha if alt_side is not None else history.merge_base(repo, neu).sha
        made = history.author_date(repo, new_side.sha)  # in Word, not when it was imported
        new_side.label = proposal_label(history.authors_between(repo, since, new_side.sha), made)
        new_side.time = made.astimezone(dt.UTC)

    chapters = list(new_side.plan.chapters)
    if kapitel:
        wanted = []
        for key in kapitel:
            wanted.append(new_side.plan.chapter(key))
        chapters = wanted

    out: list[ChapterRedline] = []
    versions: list[tuple[Chapter | None, Chapter | None]] = []  # each redline's ALT and NEU
    skipped: list[str] = []
    for ch in chapters:
        decision = records_of(ch).last_decision
        if alt_side is None:  # since the last decision on this chapter
            if decision is None:
                skipped.append(f"{ch.number} {ch.title}: noch keine Entscheidung der "
                               f"Lenkungsgruppe")
                continue
            commit = decision.commit
            try:
                side = _side_at(hist, commit)
            except RevisionNotFound:
                shallow = f"; {history.SHALLOW_HINT}" if history.is_shallow(repo) else ""
                raise RedlineError(
                    f"{ch.path}: review.entscheidungen[-1].stand.commit: Commit {commit!r} "
                    f"nicht im Repository{shallow}") from None
            old = history.matching_chapter(side.plan, ch)
            outcome = f"{decision.ergebnis}, " if decision.ergebnis else ""
            label = f"Entscheidung vom {german_date(decision.datum)} ({outcome}{commit[:7]})"
        else:
            side, old = alt_side, history.matching_chapter(alt_side.plan, ch)
            label = alt_side.label
        if old is None and ch.filename in side.plan.unread_chapter_files:
            skipped.append(f"{ch.number} {ch.title}: in {label} nicht lesbar (siehe 'lip check')")
            continue
        red = redline_chapter(old, ch, context=context,  # type: ignore[arg-type]
                              cache_dir=cache_dir, for_page=for_page)
        red.author = own = _author(new_side.plan, ch, autor)
        if proposal and not autor:  # the reviewers whose commits these are
            red.author = ", ".join(history.authors_between(
                repo, side.sha, new_side.sha, f"{hist.prefix}/{ch.filename}")) or red.author
            if old is not None and red.stats.changed:
                _by_reviewer(red, old, history.versions_between(
                    repo, side.sha, new_side.sha, f"{hist.prefix}/{ch.filename}"), own)
        red.vorgaben = [v.label for v in decision.vorgaben] if decision else []
        out.append(ChapterRedline(red, label, decision, numbered_changes(red.stats, old, ch)))
        versions.append((old, ch))
    if alt_side is not None and not kapitel:  # chapters that NEU no longer has
        unreadable_new = new_side.plan.unread_chapter_files
        for och, missing in history.pair_chapters(alt_side.plan, new_side.plan):
            if missing is not None or och is None:
                continue
            if och.filename in unreadable_new:
                skipped.append(f"{och.number} {och.title}: in {new_side.label} nicht lesbar "
                               f"(siehe 'lip check')")
            else:
                red = redline_chapter(och, None, cache_dir=cache_dir, for_page=for_page)
                red.author = _author(alt_side.plan, och, autor)
                out.append(ChapterRedline(red, alt_side.label,
                                          numbered=numbered_changes(red.stats, och, None)))
                versions.append((och, None))
    from pipeline.redline.across import heading_names_of, moves_across  # plans only

    if moves_across([c.redline for c in out], passage_words,  # Maßnahmen moved, not new
                    lambda n: (heading_names_of(versions[n][0]), heading_names_of(versions[n][1]))):
        for c, (old, new) in zip(out, versions, strict=True):
            c.numbered = numbered_changes(c.redline.stats, old, new)
    alt_label = alt_side.label if alt_side is not None else "letzte Entscheidung"
    return out, skipped, new_side, alt_label, alt_side.time if alt_side is not None else None


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_markdown(chapters: Sequence[ChapterRedline], skipped: Sequence[str], *,
                     alt_label: str, neu_label: str, neu_time: dt.datetime,
                     alt_time: dt.datetime | None = None) -> str:
    """The summary on top: words per chapter, Maßnahmen by ID, Vorgaben beside the changes.
    `alt_time`: ALT's date, when one version is ALT (not each chapter's decision)."""
    alt_stand = f", Stand {german_date(alt_time)}" if alt_time is not None else ""
    lines = ["# Übersicht der Änderungen {.unnumbered .unlisted #uebersicht}", "",
             f"Verglichen werden **{alt_label}** (bisherige Fassung{alt_stand}) und "
             f"**{neu_label}** (neue Fassung, Stand {german_date(neu_time)}).", ""]
    changed = [c for c in chapters if c.redline.stats.changed]
    unchanged = [c for c in chapters if not c.redline.stats.changed]
    total = Stats()
    if changed:
        lines += ["| Kapitel | Verglichen mit | Wörter eingefügt | Wörter gestrichen "
                  "| Ziele und Maßnahmen | Vorgaben |",
                  # dash counts set the column widths (pandoc: relative widths of long tables);
                  # the counts' columns fit "eingefügt" and "gestrichen" in bold
                  "|:--------------|:------------|-----------:|-----------:|:--------------|:--------|"]
    for c in changed:
        s = c.redline.stats
        total.add(s)
        measures = "; ".join(c.numbered or numbered_changes(s)) or "–"
        vorgaben = ", ".join(_vorgabe_id(v) for v in c.redline.vorgaben) or "–"
        lines.append(f"| [{_cell(c.redline.title)}](#{_anchor(c)}) | {_cell(c.alt_label)} "
                     f"| {s.words_added} | {s.words_removed} | {_cell(measures)} "
                     f"| {_cell(vorgaben)} |")
    if len(changed) > 1:
        lines.append(f"| **Zusammen** | | **{total.words_added}** | **{total.words_removed}** "
                     f"| | |")
    lines.append("")
    moved = [f"{passages(c.redline.stats.passages_moved)} in {_text(c.redline.title)}"
             for c in changed if c.redline.stats.passages_moved]
    if moved:  # a move is no word inserted or struck: the table's counts would not show it
        lines += [f"Außerdem verschoben: {', '.join(moved)}.", ""]
    if not changed:
        lines += ["Keine Änderungen.", ""]
    with_vorgaben = [c for c in changed if c.redline.vorgaben]
    if with_vorgaben:  # each Vorgabe on its own line, not run together in a table cell
        lines += ["**Vorgaben der letzten Entscheidung**", ""]
        for c in with_vorgaben:
            lines += [f"- {_text(c.redline.title)} ({_text(c.decision_label)}):", ""]
            lines += c.vorgaben_markdown("    ") + [""]
    if unchanged:
        lines += ["Unverändert: " + ", ".join(c.redline.title for c in unchanged) + ".", ""]
    fallbacks = [f for c in chapters for f in c.redline.stats.fallbacks]
    if fallbacks:
        lines += ["::: hinweis", "**Hinweis zur Genauigkeit:** " + " ".join(fallbacks), ":::",
                  ""]
    return "\n".join(lines) + "\n"


def _text(text: str) -> str:
    """Generated text that pandoc must read as written ("1. Fassung" at a line's start)."""
    return re.sub(r"^(\d+)\.(\s)", r"\1\\.\2", re.sub(r"([\\`*_\[\]|<>#$@~^])", r"\\\1", text))


def _vorgabe_id(label: str) -> str:
    """'V1: Die Zusammenarbeit …' -> 'V1' (the table names them; the list beneath says them)."""
    head = label.split(":", 1)[0].strip()
    return _cell(head if head and len(head) <= 8 else label)


def _anchor(c: ChapterRedline) -> str:
    return f"kap-{c.redline.chapter_id}" if c.redline.chapter_id else "uebersicht"


def chapter_block(c: ChapterRedline) -> str:
    """One chapter's redline, wrapped with its author (for DOCX) and its Vorgaben."""
    md = c.redline.markdown.rstrip("\n")
    if c.redline.vorgaben:
        head, _, rest = md.partition("\n\n")
        box = ["::: vorgaben", f"**Vorgaben der Lenkungsgruppe ({_cell(c.decision_label)}):**",
               ""]
        box += c.vorgaben_markdown()
        box.append(":::")
        md = head + "\n\n" + "\n".join(box) + ("\n\n" + rest if rest else "")
    author = c.redline.author.replace('"', "'")
    return f'::::: {{.rl-kapitel autor="{author}"}}\n{md}\n:::::\n'


def cache_folder(out_root: Path) -> Path:
    """The build's cache folder (build/.cache) beside build/redline; a redline written
    elsewhere keeps its cache in its own folder."""
    return out_root.parent / ".cache" if out_root.name == "redline" else out_root / ".cache"


MAX_FILE_BYTES = MAX_CHAPTER_BYTES
"""Largest file `--dateien` compares (the limit of a chapter)."""


def _read_text_file(path: Path) -> bytes:
    """A regular file's bytes, at most MAX_FILE_BYTES: /dev/zero or a pipe would be read until
    memory runs out (issue 20)."""
    import os
    import stat

    if not stat.S_ISREG(os.stat(path).st_mode):  # before opening: a pipe would block open()
        raise RedlineError(f"{path} ist keine gewöhnliche Datei (sondern ein Gerät, eine Pipe "
                           f"oder ein Socket); bitte eine Markdown-Datei angeben")
    with open(path, "rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise RedlineError(f"{path} ist größer als {MAX_FILE_BYTES // 1024 // 1024} MB; so große "
                           f"Dateien vergleicht lip nicht (ein Kapitel hat höchstens so viel)")
    return data


@dataclass
class _Job:
    """Everything the format writers need: the redline's Markdown and how to label it."""

    full: str
    """The summary, a line break and the body: one string, not a second copy of the body
    (on a 1,000-page pair that is 6 MB more beside the page's pandocs)."""
    summary: str
    title: str
    synopse_title: str
    epoch: int
    date_iso: str
    meta: dict
    author: str
    provenance: dict
    cache_dir: Path | None
    ahead: Ahead | None = None
    """The conversion ahead of the passages both texts share."""
    passages: dict = field(default_factory=dict)
    """The chapters' changed passages the page converts from their blocks
    (`Redline.passages`)."""

    @property
    def body(self) -> str:
        return self.full[len(self.summary) + 1:]


def _write_md(job: _Job, out: Path) -> list[Path]:
    write_atomic(out / "redline.md", job.full)
    return [out / "redline.md"]


def _write_html(job: _Job, out: Path) -> list[Path]:
    from pipeline.render import redline_html

    return [redline_html.render_html(job.full, out / "redline.html", title=job.title,
                                     meta=job.meta, epoch=job.epoch, cache_dir=job.cache_dir,
                                     ahead=job.ahead or NO_AHEAD, passages=job.passages)]


def _write_pdf(job: _Job, out: Path) -> list[Path]:
    from pipeline.render import redline as render

    return [render.render_pdf(job.full, out / "redline.pdf", title=job.title, meta=job.meta,
                              epoch=job.epoch, cache_dir=job.cache_dir,
                              slots=job.ahead.slots if job.ahead else None)]


def _write_docx(job: _Job, out: Path) -> list[Path]:
    from pipeline.render import redline as render

    return [render.render_docx(job.full, out / "redline.docx", title=job.title,
                               author=job.author, date=job.date_iso, epoch=job.epoch,
                               provenance=job.provenance, version=job.meta["version"],
                               cache_dir=job.cache_dir,
                               slots=job.ahead.slots if job.ahead else None)]


def _write_synopse(job: _Job, out: Path) -> list[Path]:
    from pipeline.render import redline as render

    return render.render_synopse(job.summary, job.body, out, title=job.synopse_title,
                                 meta=job.meta, epoch=job.epoch, cache_dir=job.cache_dir,
                                 slots=job.ahead.slots if job.ahead else None)


WRITERS = {"html": _write_html, "pdf": _write_pdf, "docx": _write_docx,
           "synopse": _write_synopse, "md": _write_md}
"""The redline's formats, each one writer into the output folder (issue 14.2: one table, no
if/elif over format names)."""


def build_redline(*, plan_dir: Path = Path("plan"), alt: str | None = None,
                  neu: str | None = None, seit_entscheidung: bool = False,
                  kapitel: Sequence[str] = (), dateien: tuple[Path, Path] | None = None,
                  formats: Sequence[str] = ("html",), autor: str | None = None,
                  out_root: Path = Path("build/redline"), only_changes: bool = False
                  ) -> RedlineResult:
    """Build the redline in every asked format under out_root/<alt>..<neu>/."""
    from pipeline.render.kvcache import writes_behind
    from pipeline.render.tools import cores
    from pipeline.render.workers import pandoc_workers

    # pandoc workers whatever the texts' size: a large text's redline makes many short
    # conversions too, one pair of reads and one of writes per batch of changed passages,
    # and each pandoc process of its own pays its start (ten years of BGB: 28 of them; with
    # workers 3.53 → 3.05 s, 1.18 → 0.96 × the bare render; 229 MB at its peak, 239 MB on
    # the bench's 1,000 pages). Inputs above workers.MAX_INPUT still get a pandoc of their
    # own.
    with writes_behind(), pandoc_workers(cores()):
        return _build_redline(plan_dir=plan_dir, alt=alt, neu=neu,
                              seit_entscheidung=seit_entscheidung, kapitel=kapitel,
                              dateien=dateien, formats=formats, autor=autor, out_root=out_root,
                              only_changes=only_changes)


def _build_redline(*, plan_dir: Path, alt: str | None, neu: str | None,
                   seit_entscheidung: bool, kapitel: Sequence[str],
                   dateien: tuple[Path, Path] | None, formats: Sequence[str],
                   autor: str | None, out_root: Path, only_changes: bool) -> RedlineResult:
    from pipeline.render import redline_html

    ahead = NO_AHEAD
    for_page = "html" in formats  # only the page converts passages from their blocks
    try:
        if dateien is not None:
            old_path, new_path = dateien
            texts = []
            for p in (old_path, new_path):
                try:
                    texts.append(_read_text_file(p).decode("utf-8-sig"))
                except OSError as e:
                    raise RedlineError(f"Datei nicht lesbar: {os_error_text(e)}") from None
                except UnicodeDecodeError:
                    raise RedlineError(f"{p}: keine UTF-8-Textdatei") from None
            if "html" in formats and not only_changes:
                # pandoc converts the passages both texts share while the engine compares
                ahead = redline_html.convert_ahead(
                    lambda text: chapter_block(ChapterRedline(Redline(text, Stats()), "")),
                    cache_folder(out_root))
            split = split_texts(texts[0], texts[1])
            texts.clear()  # 2 bytes a character for a German text: the chunks hold it now
            red = compare_split(split, context="changes" if only_changes else "full",
                                cache_dir=cache_folder(out_root), while_reading=ahead.start,
                                slots=ahead.slots, split_seen=ahead.split_seen,
                                for_page=for_page)
            del split
            ahead.start()
            red.title = f"{old_path.name} → {new_path.name}"
            red.author = autor or "lip"
            epoch = _epoch()
            when = dt.datetime.fromtimestamp(epoch if epoch is not None
                                             else int(new_path.stat().st_mtime), dt.UTC)
            chapters = [ChapterRedline(red, old_path.name)]
            provenance: dict[str, str] = {}
            skipped: list[str] = []
            neu_label, alt_label, alt_time = new_path.name, old_path.name, None
            dirname = f"{_slug(old_path.stem)}..{_slug(new_path.stem)}"
        else:
            if seit_entscheidung and alt:
                raise RedlineError("ALT und --seit-entscheidung schließen sich aus")
            if not alt:
                seit_entscheidung = True
            if not plan_dir.is_dir():  # the same answer as every other command, before asking git
                raise PlanFolderMissing(plan_dir, is_file=plan_dir.exists())
            chapters, skipped, side, alt_label, alt_time = compare_plans(
                plan_dir, alt=alt, neu=neu, seit_entscheidung=seit_entscheidung, kapitel=kapitel,
                autor=autor, context="changes" if only_changes else "full",
                cache_dir=cache_folder(out_root), for_page=for_page)
            when, neu_label = side.time, side.label
            provenance = redline_provenance(side, chapters)
            dirname = f"{_slug('entscheidung' if seit_entscheidung else alt_label)}.." \
                      f"{_slug(neu_label.lower() if neu is None else neu)}"

        unknown = [f for f in formats if f not in WRITERS]
        if unknown:
            raise RedlineError(f"unbekanntes Format {unknown[0]!r}; erlaubt: {', '.join(FORMATS)}")
        summary = summary_markdown(chapters, skipped, alt_label=alt_label, neu_label=neu_label,
                                   neu_time=when, alt_time=alt_time)
        body = "\n".join(chapter_block(c) for c in chapters if c.redline.stats.changed)
        if not body:
            body = "Keine Änderungen.\n"
        passages = {}
        for c in chapters:  # their Markdown is in the body now: held once, not twice
            c.redline.markdown = ""
            passages.update(c.redline.passages)
            c.redline.passages = {}
        total = Stats()
        for c in chapters:
            total.add(c.redline.stats)
        title = f"Änderungen: {alt_label} → {neu_label}"
        version = neu_label  # the pages' header: the title left, the version shown right
        if neu_label.startswith("Vorschlag aus Word") and dateien is None:
            title = f"{neu_label} gegenüber {alt_label}"  # reads like a document's title
            # the title names the proposal already; its branch is what `git merge` takes
            version = f"Branch {neu}"
        job = _Job(full=summary + "\n" + body, summary=summary, title=title,
                   synopse_title=f"Synopse: {title.removeprefix('Änderungen: ')}",
                   epoch=int(when.timestamp()), date_iso=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                   meta={"version": version}, author=autor or "lip", provenance=provenance,
                   cache_dir=cache_folder(out_root), ahead=ahead, passages=passages)
        del body, passages  # the job holds it once, in `full`
        final_dir = out_root / dirname
        # Written beside the old folder and swapped in whole: a failed run (or Ctrl-C) leaves the
        # previous redline as it was, never half of a new one.
        with replacing_folder(final_dir) as out_dir:
            write_atomic(out_dir / "zusammenfassung.json", json.dumps({
                "alt": alt_label, "neu": neu_label, "datum": job.date_iso,
                "kapitel": [{"titel": c.redline.title, "id": c.redline.chapter_id,
                             "verglichen_mit": c.alt_label, "autor": c.redline.author,
                             "vorgaben": c.redline.vorgaben, **c.redline.stats.to_json()}
                            for c in chapters],
                "nicht_verglichen": list(skipped), "gesamt": total.to_json()},
                ensure_ascii=False, indent=2) + "\n")
            written = [out_dir / "zusammenfassung.json"]
            # the PDFs last: pandoc workers end before typst compiles (render_pdf)
            for fmt in sorted(dict.fromkeys(formats), key=lambda f: f in ("pdf", "synopse")):
                written += WRITERS[fmt](job, out_dir)
            for tmp in out_dir.glob("*.typ"):
                tmp.unlink()
        files = [final_dir / f.relative_to(out_dir) for f in written]
        out_dir = final_dir
        return RedlineResult(out_dir, files, chapters, list(skipped), total)
    finally:
        ahead.join()  # no pandoc of the conversion ahead outlives the command
