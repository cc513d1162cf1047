"""Use cases the CLI calls: each composes the pure core with the I/O at the edges."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from pipeline import frontmatter, history, review
from pipeline.diagnostics import Diagnostic, Report
from pipeline.errors import PipelineError, PlanInvalid
from pipeline.files import write_atomic
from pipeline.plan import MANIFEST_NAME, PLAN_DIR, Chapter, Plan, load_chapter, load_plan
from pipeline.review import check_final
from pipeline.validate import check_plan


def check(plan_dir: Path, *, strict: bool = False, final: bool = False) -> Report:
    """Check the plan in `plan_dir`; with `final`, also demand that every chapter is accepted."""
    plan = load_plan(plan_dir)
    report = check_plan(plan, strict=strict)
    if final:
        check_final(plan, report)
    return report


# --- review workflow (issue 4) -------------------------------------------------------------------


class UncommittedEdits(PipelineError):
    """The chapter has edits that are not committed, so no version can be pinned."""

    def __init__(self, path: str):
        self.path = path
        super().__init__(
            f"{path} hat Änderungen, die noch nicht committet sind. Ein Eintrag im "
            f"Beratungsverlauf muss eine committete Fassung festhalten. Erst committen "
            f"(git commit {path}) oder mit --commit SHA die gemeinte Fassung angeben.")


class RecordError(PipelineError):
    """A recording command was called with values that cannot be recorded."""


@dataclass(frozen=True)
class Recorded:
    """What a recording command did: the commit it made and its message."""

    chapter: str
    path: str
    commit: str
    message: str


@dataclass
class _Context:
    plan: Plan
    chapter: Chapter
    repo: Any
    relpath: str
    kap: str
    name: str

    def gremium_name(self, key: str) -> str:
        return self.plan.manifest.gremium_name(key) if self.plan.manifest else key


def _open(plan_dir: Path, key: str) -> _Context:
    plan = load_plan(plan_dir)
    chapter = plan.chapter(key)
    repo = history.open_repo(plan_dir)
    relpath = history.repo_path(repo, plan_dir / chapter.filename)
    return _Context(plan, chapter, repo, relpath, chapter.id, review.display_name(chapter))


def _version(ctx: _Context, commit: str | None) -> tuple[str, str]:
    """(commit, text_sha256) of the version a new record pins."""
    if commit is None:
        if history.is_dirty(ctx.repo, ctx.relpath):
            raise UncommittedEdits(ctx.chapter.path)
        head = history.head_sha(ctx.repo)
        if head is None:
            raise UncommittedEdits(ctx.chapter.path)
        return head, ctx.chapter.text_sha256
    rev = history.resolve(ctx.repo, commit)
    raw = history.read_file_at(ctx.repo, rev.sha, ctx.relpath)
    if raw is None:
        raise RecordError(f"{ctx.chapter.path} gibt es in Commit {rev.short} nicht; bitte den "
                          f"Commit einer Fassung dieses Kapitels angeben")
    return rev.sha, load_chapter(ctx.chapter.filename, raw).text_sha256


def _fold(ctx: _Context) -> review.Fold:
    gender = ctx.chapter.get("gleichstellungsrelevant") is True
    fold, problems = review.replay(ctx.chapter.review, chapter=ctx.name, kap=ctx.kap,
                                   gender_relevant=gender)
    if problems:
        raise RecordError(f"{ctx.chapter.path}: der bisherige Beratungsverlauf ist fehlerhaft "
                          f"({problems[0].short}); erst berichtigen, Details mit 'lip check'")
    return fold


def _pin_submitted(fold: review.Fold, version: tuple[str, str]) -> tuple[str, str]:
    """Pin the submission's own commit when the version has exactly the submitted text."""
    submitted = review.stand_of(fold.last_submission)
    return submitted if submitted[1] and version[1] == submitted[1] else version


def _block_seq(parent: Any, key: str) -> CommentedSeq:
    seq = parent.get(key)
    if not isinstance(seq, CommentedSeq):
        seq = CommentedSeq(seq or [])
        parent[key] = seq
    seq.fa.set_block_style()
    return seq


def _review_map(meta: Any) -> CommentedMap:
    node = meta.get("review")
    if not isinstance(node, CommentedMap):
        node = CommentedMap(node or {})
        meta["review"] = node
    node.fa.set_block_style()
    for name in ("vorlagen", "entscheidungen", "stellungnahmen"):
        if name not in node:
            node[name] = CommentedSeq()
    return node


def _cmap(**items: Any) -> CommentedMap:
    out = CommentedMap()
    for k, v in items.items():
        if v is not None:
            out[k] = v
    return out


def _stand(version: tuple[str, str]) -> CommentedMap:
    return _cmap(commit=version[0], text_sha256=version[1])


def _rewrite(raw: bytes, filename: str, mutate) -> bytes:
    """Apply `mutate(meta)` to a chapter file's front matter; the body stays byte-identical."""
    chapter = load_chapter(filename, raw)
    mutate(chapter.meta)
    text = chapter.text.join(frontmatter.dump(chapter.meta, chapter.text.yaml_text))
    after = load_chapter(filename, text.encode("utf-8"))
    if after.text.body != chapter.text.body:  # pragma: no cover - would be a bug
        raise AssertionError("Programmfehler: das Schreiben des Kopfs hat den Text verändert; "
                             "bitte dem Entwicklungsteam melden")
    return text.encode("utf-8")


def _commit(ctx: _Context, mutate, message: str, commit: str | None,
            extra: dict[str, bytes] | None = None) -> Recorded:
    """Write the mutated front matter and make exactly one commit; all or nothing."""
    root = Path(ctx.repo.working_tree_dir)
    worktree_raw = (root / ctx.relpath).read_bytes()
    new_worktree = _rewrite(worktree_raw, ctx.chapter.filename, mutate)
    check = load_chapter(ctx.chapter.filename, new_worktree)
    _, problems = review.replay(check.review, chapter=ctx.name, kap=ctx.kap,
                                gender_relevant=check.get("gleichstellungsrelevant") is True)
    if problems:
        raise problems[0]
    dirty = history.is_dirty(ctx.repo, ctx.relpath)
    if dirty and commit is None:
        raise UncommittedEdits(ctx.chapter.path)  # never commit the editor's unfinished text
    if dirty:
        head_raw = history.read_file_at(ctx.repo, "HEAD", ctx.relpath)
        if head_raw is None:
            raise UncommittedEdits(ctx.chapter.path)
        new_committed = _rewrite(head_raw, ctx.chapter.filename, mutate)
    else:
        new_committed = new_worktree
    committed = {ctx.relpath: new_committed, **(extra or {})}
    worktree = {ctx.relpath: new_worktree, **(extra or {})}
    sha = history.commit_files(ctx.repo, committed, message, worktree)
    return Recorded(ctx.name, ctx.chapter.path, sha, message)


def _message(subject: str, kind: str, ctx: _Context, lines: list[str]) -> str:
    body = "\n".join(lines)
    return (f"{subject}\n\n{body}\n\n{history.TRAILER}: {kind}\nLip-Kapitel: {ctx.relpath}\n")


def _today(datum: dt.date | None) -> dt.date:
    return datum or dt.date.today()


def _require_role(ctx: _Context, key: str, role: str, what: str) -> None:
    gremien = ctx.plan.manifest.gremien if ctx.plan.manifest else {}
    entry = gremien.get(key)
    if not isinstance(entry, dict) or entry.get("rolle") != role:
        fitting = sorted(k for k, v in gremien.items()
                         if isinstance(v, dict) and v.get("rolle") == role)
        raise RecordError(f"{key!r} ist kein Gremium, das {what} (Rolle {role!r} in "
                          f"plan/lip.yaml); möglich: {', '.join(fitting) or '(keins)'}")


def submit(plan_dir: Path, key: str, *, datum: dt.date | None = None,
           vermerk: str | None = None, commit: str | None = None) -> Recorded:
    """The Expert*innengruppe submits the chapter's current (or given) version."""
    ctx = _open(plan_dir, key)
    version = _version(ctx, commit)
    fold = _fold(ctx)
    group = str(ctx.chapter.get("expertinnengruppe", ""))
    record = _cmap(datum=_today(datum), gremium=group, stand=_stand(version), vermerk=vermerk)
    review.check_step(fold, review.Step.VORLEGEN, record, kap=ctx.kap)

    def mutate(meta: Any) -> None:
        _block_seq(_review_map(meta), "vorlagen").append(record)

    again = " erneut" if fold.last_submission else ""
    subject = f"{ctx.gremium_name(group)}: Kapitel {ctx.name}{again} der Lenkungsgruppe vorgelegt"
    message = _message(subject, "vorlage", ctx, [
        f"Datum: {record['datum'].isoformat()}", f"Fassung: {version[0][:10]}",
        f"Text-SHA-256: {version[1]}", *([f"Vermerk: {vermerk}"] if vermerk else [])])
    return _commit(ctx, mutate, message, commit)


def decide(plan_dir: Path, key: str, *, accepted: bool, vorgaben: Sequence[str] = (),
           datum: dt.date | None = None, sitzung: str | None = None,
           abstimmung: str | None = None, gremium: str = review.DECIDING_BODY,
           commit: str | None = None) -> Recorded:
    """The Lenkungsgruppe accepts or returns the submitted version."""
    ctx = _open(plan_dir, key)
    _require_role(ctx, gremium, "entscheidet", "entscheidet")
    if accepted and vorgaben:
        raise RecordError("Vorgaben gehören zu einer Rückgabe: --vorgabe nur zusammen mit "
                          "--zurueckgespielt angeben")
    version = _version(ctx, commit)
    fold = _fold(ctx)
    version = _pin_submitted(fold, version)
    used = [str(v.get("id", "")) for d in ctx.chapter.review.get("entscheidungen") or []
            if isinstance(d, dict) for v in d.get("vorgaben") or [] if isinstance(v, dict)]
    start = max([int(i[1:]) for i in used if i[1:].isdigit()] + [0])
    items = CommentedSeq(_cmap(id=f"V{start + n}", text=text)
                         for n, text in enumerate((v.strip() for v in vorgaben if v.strip()), 1))
    items.fa.set_block_style()
    record = _cmap(datum=_today(datum), gremium=gremium, ergebnis=review.ACCEPTED if accepted
                   else review.RETURNED, stand=_stand(version),
                   vorgaben=items if items else None, sitzung=sitzung, abstimmung=abstimmung)
    step = review.Step.ANNEHMEN if accepted else review.Step.ZURUECKSPIELEN
    review.check_step(fold, step, record, kap=ctx.kap)

    def mutate(meta: Any) -> None:
        _block_seq(_review_map(meta), "entscheidungen").append(record)

    result = "angenommen" if accepted else f"zurückgespielt mit {len(items)} " \
        f"Vorgabe{'n' if len(items) != 1 else ''}"
    subject = f"{ctx.gremium_name(gremium)}: Kapitel {ctx.name} {result}"
    lines = [f"Datum: {record['datum'].isoformat()}", f"Fassung: {version[0][:10]}"]
    lines += [f"{v['id']}: {v['text']}" for v in items]
    lines += [f"Sitzung: {sitzung}"] if sitzung else []
    lines += [f"Abstimmung: {abstimmung}"] if abstimmung else []
    return _commit(ctx, mutate, _message(subject, "entscheidung", ctx, lines), commit)


def add_statement(plan_dir: Path, key: str, *, gremium: str, text: str | None = None,
                  datei: Path | None = None, art: str | None = None,
                  datum: dt.date | None = None, commit: str | None = None) -> Recorded:
    """Record a consulted body's statement on the submitted version (text inline or file)."""
    ctx = _open(plan_dir, key)
    _require_role(ctx, gremium, "nimmt Stellung", "Stellung nimmt")
    if (text is None) == (datei is None):
        raise RecordError("genau eins angeben: --text \"…\" oder --datei PFAD")
    if text is not None and not text.strip():
        raise RecordError("--text ist leer; bitte den Wortlaut der Stellungnahme angeben")
    entry = ctx.plan.manifest.gremien.get(gremium) if ctx.plan.manifest else {}
    art = art or str(entry.get("art") or "Stellungnahme")
    if art not in STATEMENT_KINDS:
        raise RecordError(f"--art {art!r} ist unbekannt; möglich: {', '.join(STATEMENT_KINDS)}")
    fold = _fold(ctx)
    if commit is None and fold.last_submission is not None:
        # Statements are about the submitted version, even if the group has edited since.
        version = review.stand_of(fold.last_submission)
    else:
        version = _pin_submitted(fold, _version(ctx, commit))
    when = _today(datum)
    extra: dict[str, bytes] = {}
    rel_datei = None
    if datei is not None:
        rel_datei, extra = _statement_file(ctx, plan_dir, datei, gremium, when)
    record = _cmap(datum=when, gremium=gremium, stand=_stand(version), art=art,
                   text=text.strip() if text else None, datei=rel_datei)
    review.check_step(fold, review.Step.STELLUNGNAHME, record, kap=ctx.kap)

    def mutate(meta: Any) -> None:
        _block_seq(_review_map(meta), "stellungnahmen").append(record)

    subject = f"{ctx.gremium_name(gremium)}: {art} zu Kapitel {ctx.name}"
    lines = [f"Datum: {when.isoformat()}", f"Fassung: {version[0][:10]}"]
    lines += [f"Datei: {rel_datei}"] if rel_datei else []
    return _commit(ctx, mutate, _message(subject, "stellungnahme", ctx, lines), commit, extra)


STATEMENT_KINDS = ("Einschätzung", "Stellungnahme", "Zusammenfassung")


def _statement_file(ctx: _Context, plan_dir: Path, datei: Path, gremium: str,
                    when: dt.date) -> tuple[str, dict[str, bytes]]:
    """Place a statement's file beside the chapter (plan/stellungnahmen/) and return its path."""
    if datei.suffix != ".md":
        raise RecordError(f"{datei}: eine Stellungnahme als Datei muss Markdown sein (.md)")
    if not datei.is_file():
        raise RecordError(f"Datei {datei} nicht gefunden")
    data = datei.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise RecordError(f"{datei} ist nicht in UTF-8 kodiert; bitte als UTF-8 "
                          f"speichern") from None
    inside = datei.resolve().is_relative_to(plan_dir.resolve())
    if inside:
        rel = datei.resolve().relative_to(plan_dir.resolve()).as_posix()
    else:
        rel = f"stellungnahmen/{Path(ctx.chapter.filename).stem}-{gremium}-{when.isoformat()}.md"
        if (plan_dir / rel).exists():
            raise RecordError(f"{plan_dir / rel} gibt es schon; die Stellungnahme liegt vielleicht "
                              f"bereits vor (sonst mit --datei direkt auf diese Datei verweisen)")
    return rel, {history.repo_path(ctx.repo, plan_dir / rel): data}


def vorgabe_done(plan_dir: Path, key: str, vorgabe: str, *, vermerk: str,
                 datum: dt.date | None = None, commit: str | None = None) -> Recorded:
    """The Expert*innengruppe notes how it addressed one Vorgabe of the last return."""
    ctx = _open(plan_dir, key)
    if not vermerk.strip():
        raise RecordError("--vermerk ist leer; bitte festhalten, wie die Vorgabe umgesetzt wurde")
    version = _version(ctx, commit)
    fold = _fold(ctx)
    when = _today(datum)
    probe = _cmap(datum=when, stand=_stand(version))
    review.check_step(fold, review.Step.VORGABE_ERLEDIGT, probe, kap=ctx.kap)
    decisions = ctx.chapter.review.get("entscheidungen") or []
    last_index = len(decisions) - 1
    vorgaben = fold.last_decision.get("vorgaben") or []
    ids = [str(v.get("id")) for v in vorgaben if isinstance(v, dict)]
    wanted = vorgabe.strip().upper()
    if wanted not in ids:
        raise review.ReviewStateError(
            ctx.name, fold.status, review.Step.VORGABE_ERLEDIGT,
            f"die letzte Entscheidung vom {review.german_date(fold.last_decision.get('datum'))} "
            f"hat keine Vorgabe {vorgabe!r}", f"eine ihrer Vorgaben angeben: {', '.join(ids)}")
    index = ids.index(wanted)
    if vorgaben[index].get("erledigt"):
        done = vorgaben[index]["erledigt"]
        raise review.ReviewStateError(
            ctx.name, fold.status, review.Step.VORGABE_ERLEDIGT,
            f"Vorgabe {wanted} ist seit {review.german_date(done.get('datum'))} als erledigt "
            f"vermerkt", "nichts zu tun; offene Vorgaben zeigt lip status")

    def mutate(meta: Any) -> None:
        item = meta["review"]["entscheidungen"][last_index]["vorgaben"][index]
        item["erledigt"] = _cmap(datum=when, vermerk=vermerk.strip(), commit=version[0])

    group = str(ctx.chapter.get("expertinnengruppe", ""))
    subject = f"{ctx.gremium_name(group)}: Vorgabe {wanted} zu Kapitel {ctx.name} erledigt"
    message = _message(subject, "vorgabe-erledigt", ctx, [
        f"Datum: {when.isoformat()}", f"Fassung: {version[0][:10]}",
        f"{wanted}: {vorgaben[index].get('text')}", f"Vermerk: {vermerk.strip()}"])
    return _commit(ctx, mutate, message, commit)


# --- status and timeline ---------------------------------------------------------------------


@dataclass
class StatusRow:
    """One chapter in `lip status`: plain values, ready for text or JSON."""

    datei: str
    id: str
    nummer: str
    titel: str
    teil: str
    etappe: str
    expertinnengruppe: str
    expertinnengruppe_name: str
    status: str
    stand: str
    """German one-liner, e.g. 'angenommen am 12.03.2020, seitdem geändert: +12/−3 Wörter'."""
    letzte_entscheidung: dict | None
    letzte_vorlage: dict | None
    offene_vorgaben: list[dict]
    fehlende_stellungnahmen: list[str]
    fehlende_stellungnahmen_kurz: list[str]
    seit_entscheidung_geaendert: bool
    woerter_hinzu: int | None
    woerter_entfernt: int | None
    endgueltig: bool
    probleme: list[str]

    def to_json(self) -> dict:
        return frontmatter.to_plain(dict(self.__dict__))


@dataclass
class Status:
    """`lip status`: a row per chapter, and what kept files out of the rows."""

    rows: list[StatusRow]
    unreadable: list[Diagnostic]
    """Problems found while reading the plan (a front matter that is no YAML, a listed file
    that is missing): without them the list would silently lack a chapter."""


def status(plan_dir: Path) -> Status:
    """Every chapter's review state; word counts for stale chapters come from git."""
    plan = load_plan(plan_dir)
    if plan.manifest is None:  # no order, parts or bodies: there is no plan to show
        raise PlanInvalid([d for d in plan.diagnostics if d.path == f"{PLAN_DIR}/{MANIFEST_NAME}"])
    gremien = plan.manifest.gremien
    repo = None
    try:
        repo = history.open_repo(plan_dir)
        prefix = history.plan_prefix(repo, plan_dir)
    except PipelineError:
        prefix = "plan"
    rows = []
    for chapter in plan.chapters:
        state = review.chapter_state(chapter, gremien)
        label = state.label
        added = removed = None
        if (state.changed_since_decision and state.decided_commit and repo is not None
                and state.status in (review.ReviewStatus.ANGENOMMEN,
                                     review.ReviewStatus.UEBERARBEITET)):
            counts = changes_since(repo, f"{prefix}/{chapter.filename}", chapter,
                                   state.decided_commit)
            if counts is not None:
                added, removed = counts
                label += ": " + review.format_word_changes(added, removed)
        group = str(chapter.get("expertinnengruppe", ""))
        rows.append(StatusRow(
            datei=chapter.path, id=chapter.id, nummer=chapter.number, titel=chapter.title,
            teil=plan.manifest.part_of(chapter.filename),
            etappe=state.etappe, expertinnengruppe=group,
            expertinnengruppe_name=plan.manifest.gremium_name(group),
            status=state.status.value, stand=label,
            letzte_entscheidung=frontmatter.to_plain(state.last_decision),
            letzte_vorlage=frontmatter.to_plain(state.last_submission),
            offene_vorgaben=frontmatter.to_plain(state.open_vorgaben),
            fehlende_stellungnahmen=state.missing_statements,
            fehlende_stellungnahmen_kurz=[short_name(plan.manifest.gremium_name(k))
                                          for k in state.missing_statements],
            seit_entscheidung_geaendert=state.changed_since_decision,
            woerter_hinzu=added, woerter_entfernt=removed, endgueltig=state.is_final,
            probleme=[p.short for p in state.problems]))
    return Status(rows, list(plan.diagnostics))


def short_name(name: str) -> str:
    """'Runder Tisch … (RTGS)' → 'RTGS'; 'Integrationsbeiräte (Delegiertenkonferenz)' →
    'Integrationsbeiräte': what fits on one status line."""
    m = re.match(r"^(.*?)\s*\(([^)]*)\)\s*$", name)
    if not m:
        return name
    inner = m.group(2)
    return inner if inner.isupper() else m.group(1)


def changes_since(repo: Any, relpath: str, chapter: Chapter, rev: str) -> tuple[int, int] | None:
    """(words added, words removed) in the chapter's text since `rev`; None if unreadable."""
    try:
        raw = history.read_file_at(repo, rev, relpath)
    except PipelineError:
        return None
    if raw is None:
        return None
    try:
        old = load_chapter(chapter.filename, raw)
    except PipelineError:
        return None
    return review.word_changes(old.text.body, chapter.text.body)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of `lip verlauf`."""

    datum: dt.date
    art: str
    """'Textänderung', 'Vorlage', 'Entscheidung', 'Stellungnahme', 'Vorgabe erledigt'."""
    text: str
    commit: str = ""
    details: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"datum": self.datum.isoformat(), "art": self.art, "text": self.text,
                "commit": self.commit, "details": list(self.details)}


_KIND_ORDER = {"Textänderung": 0, "Vorgabe erledigt": 1, "Vorlage": 2, "Stellungnahme": 3,
               "Entscheidung": 4}


def timeline(plan_dir: Path, key: str) -> tuple[str, list[TimelineEntry]]:
    """The chapter's history: text commits from ONE git log call plus the review records."""
    plan = load_plan(plan_dir)
    chapter = plan.chapter(key)
    name = review.display_name(chapter)
    gremium = plan.manifest.gremium_name if plan.manifest else (lambda k: k)
    entries: list[TimelineEntry] = []
    try:
        repo = history.open_repo(plan_dir)
        relpath = history.repo_path(repo, plan_dir / chapter.filename)
        log = history.file_log(repo, relpath)
    except PipelineError:
        log = []
    for c in log:
        if c.record:
            continue  # a recording commit: the record itself is listed below
        entries.append(TimelineEntry(c.time.date(), "Textänderung", c.subject, c.sha,
                                     (f"von {c.author}",)))
    rv = chapter.review
    for rec in rv.get("vorlagen") or []:
        d = review.as_date(rec.get("datum")) if isinstance(rec, dict) else None
        if d:
            extra = (f"Vermerk: {rec['vermerk']}",) if rec.get("vermerk") else ()
            entries.append(TimelineEntry(d, "Vorlage", f"{gremium(str(rec.get('gremium')))} legt "
                                         f"vor", review.stand_of(rec)[0], extra))
    for rec in rv.get("entscheidungen") or []:
        d = review.as_date(rec.get("datum")) if isinstance(rec, dict) else None
        if not d:
            continue
        details = [f"{v.get('id')}: {v.get('text')}" for v in rec.get("vorgaben") or []]
        details += [f"Sitzung: {rec['sitzung']}"] if rec.get("sitzung") else []
        details += [f"Abstimmung: {rec['abstimmung']}"] if rec.get("abstimmung") else []
        entries.append(TimelineEntry(d, "Entscheidung", f"{gremium(str(rec.get('gremium')))}: "
                                     f"{rec.get('ergebnis')}", review.stand_of(rec)[0],
                                     tuple(details)))
        for v in rec.get("vorgaben") or []:
            done = v.get("erledigt") if isinstance(v, dict) else None
            dd = review.as_date(done.get("datum")) if isinstance(done, dict) else None
            if dd:
                entries.append(TimelineEntry(dd, "Vorgabe erledigt", f"{v.get('id')}: "
                                             f"{done.get('vermerk')}", str(done.get("commit", ""))))
    for rec in rv.get("stellungnahmen") or []:
        d = review.as_date(rec.get("datum")) if isinstance(rec, dict) else None
        if d:
            body = rec.get("text") or f"(Datei {rec.get('datei')})"
            entries.append(TimelineEntry(d, "Stellungnahme", f"{gremium(str(rec.get('gremium')))}"
                                         f" ({rec.get('art') or 'Stellungnahme'})",
                                         review.stand_of(rec)[0], (str(body),)))
    order = {id(e): i for i, e in enumerate(entries)}
    entries.sort(key=lambda e: (e.datum, _KIND_ORDER[e.art], order[id(e)]))
    return name, entries


# --- git hooks -------------------------------------------------------------------------------

HOOK_MARK = "# lip pre-commit hook"


def install_hook(where: Path, *, force: bool = False) -> Path:
    """Install a pre-commit hook that runs the plan checks on staged chapters."""
    import shlex
    import sys

    repo = history.open_repo(where)
    hooks = history.hooks_dir(repo)
    target = hooks / "pre-commit"
    if target.exists() and HOOK_MARK not in target.read_text(encoding="utf-8", errors="replace") \
            and not force:
        raise RecordError(f"{target} gibt es schon und stammt nicht von lip; mit --force "
                          f"ersetzen oder den bestehenden Hook um 'lip hooks run' ergänzen")
    script = (f"#!/bin/sh\n{HOOK_MARK} (installiert mit 'lip hooks install')\n"
              f"# Prüft die zum Commit vorgemerkten Kapitel; Abbruch bei Fehlern.\n"
              f"exec {shlex.quote(sys.executable)} -m pipeline hooks run \"$@\"\n")
    hooks.mkdir(parents=True, exist_ok=True)
    write_atomic(target, script)
    target.chmod(0o755)
    return target


def check_staged(where: Path, plan_dir: Path = Path("plan")) -> tuple[Report, list[str]]:
    """Check the plan as it is staged; report only problems in staged plan files."""
    repo = history.open_repo(where)
    prefix = history.plan_prefix(repo, plan_dir)
    staged = history.staged_paths(repo, prefix)
    report = Report()
    if not staged:
        return report, []
    plan = load_plan(history.read_staged_files(repo, prefix))
    full = check_plan(plan)
    shown = {f"plan/{p[len(prefix) + 1:]}" for p in staged}
    report.extend([d for d in full.diagnostics if d.path in shown])
    return report, staged
