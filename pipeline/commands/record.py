"""Recording commands: each writes one review record into a chapter's front matter and makes
exactly one commit, all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from pipeline import history, review
from pipeline.dates import future_date_refusal, german_date
from pipeline.errors import FileAccessError, PipelineError, PlanInvalid, WrongCall
from pipeline.plan import Chapter, Plan, frontmatter, load_chapter, load_plan
from pipeline.plan.fassungen import CORRECTION_KEYS
from pipeline.plan.validate import manifest_report
from pipeline.wording import counted


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
    branch: str | None = ""
    """The branch the commit went on; None on a detached HEAD (the user must be told)."""


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
    broken = manifest_report(plan)
    if broken.errors:  # a record needs the manifest's Gremien and names
        raise PlanInvalid(broken.sorted())
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
    submitted = tuple(review.stand_of(fold.last_submission))
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


def _stand(version: tuple[str, str]) -> CommentedMap:
    return frontmatter.new_mapping(commit=version[0], text_sha256=version[1])


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


def _prepare(ctx: _Context, mutate, commit: str | None,
             extra: dict[str, bytes] | None = None) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """What one record changes: (files for the commit, files for the working tree). Checks
    the record against the chapter's review rules first; writes nothing."""
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
    return ({ctx.relpath: new_committed, **(extra or {})},
            {ctx.relpath: new_worktree, **(extra or {})})


def _commit(ctx: _Context, mutate, message: str, commit: str | None,
            extra: dict[str, bytes] | None = None) -> Recorded:
    """Write the mutated front matter and make exactly one commit; all or nothing."""
    committed, worktree = _prepare(ctx, mutate, commit, extra)
    sha = history.commit_files(ctx.repo, committed, message, worktree)
    return Recorded(ctx.name, ctx.chapter.path, sha, message, history.current_branch(ctx.repo))


@dataclass
class _Pending:
    """One chapter's record, checked and ready, in a command that records several at once."""

    ctx: _Context
    mutate: Any
    lines: list[str]
    extra: dict[str, bytes] | None = None


def _commit_many(pending: list[_Pending], subject: str, kind: str, commit: str | None) -> Recorded:
    """The records of several chapters in one commit: all of them, or none."""
    committed: dict[str, bytes] = {}
    worktree: dict[str, bytes] = {}
    for item in pending:
        c, w = _prepare(item.ctx, item.mutate, commit, item.extra)
        committed.update(c)
        worktree.update(w)
    body = "\n\n".join(f"Kapitel {p.ctx.name}:\n" + "\n".join(p.lines) for p in pending)
    trailers = "\n".join(f"Lip-Kapitel: {p.ctx.relpath}" for p in pending)
    message = f"{subject}\n\n{body}\n\n{history.TRAILER}: {kind}\n{trailers}\n"
    repo = pending[0].ctx.repo
    sha = history.commit_files(repo, committed, message, worktree)
    return Recorded(", ".join(p.ctx.name for p in pending), ", ".join(p.ctx.chapter.path for p in pending),
                    sha, message, history.current_branch(repo))


def _each(plan_dir: Path, keys: Sequence[str], commit: str | None, make) -> list[_Pending]:
    """`make(ctx)` for every chapter named; every problem of every chapter before anything
    is written (then nothing is)."""
    if len(keys) > 1 and commit is not None:
        raise WrongCall("--commit gilt für ein einzelnes Kapitel; bei mehreren Kapiteln "
                          "wird jeweils die committete Fassung festgehalten")
    pending: list[_Pending] = []
    problems: list[str] = []
    seen: set[str] = set()
    for key in keys:
        try:
            ctx = _open(plan_dir, key)
            if ctx.chapter.filename in seen:
                raise RecordError(f"Kapitel {ctx.name} ist doppelt genannt")
            seen.add(ctx.chapter.filename)
            pending.append(make(ctx))
        except PipelineError as e:
            if len(keys) == 1:
                raise
            problems.append(f"{key}: {e}")
    if problems:
        raise RecordError("nichts wurde festgehalten, weil nicht alle Kapitel bereit sind: "
                          + "; ".join(problems))
    return pending


def _message(subject: str, kind: str, ctx: _Context, lines: list[str]) -> str:
    body = "\n".join(lines)
    return (f"{subject}\n\n{body}\n\n{history.TRAILER}: {kind}\nLip-Kapitel: {ctx.relpath}\n")


def _today(datum: dt.date | None, option: str = "--datum") -> dt.date:
    """The date of a new record: the one given, or today; never one after today."""
    when = datum or dt.date.today()
    if (refusal := future_date_refusal(when, option=option)) is not None:
        raise RecordError(refusal)
    return when


def _invalid_correction(ctx: _Context, after: Chapter, problem: review.ReviewStateError
                        ) -> RecordError:
    """A correction whose entries break the rules: named at the entry, with the way out."""
    list_name, index = problem.where or ("", 0)
    keys = ("review", list_name, index) if list_name else ("review",)
    where = f"{ctx.chapter.path}:{after.line_of(*keys)}: review.{list_name}[{index}]" \
        if list_name else f"{ctx.chapter.path}: review"
    return RecordError(f"{where}: {problem.reason}. Berichtigen nicht möglich: so berichtigt "
                       f"ergibt der Beratungsverlauf keinen gültigen Ablauf; nichts wurde "
                       f"festgehalten. Stattdessen: {problem.hint} (den Eintrag im Kopf von "
                       f"{ctx.chapter.path} richtigstellen und 'lip berichtigen {ctx.kap} "
                       f"--grund \"…\"' erneut aufrufen)")


def _require_role(ctx: _Context, key: str, role: str, what: str) -> str:
    """The key of the Gremium `key` names (its key or its name, `Manifest.gremium_key`),
    if it has `role`."""
    gremien = ctx.plan.manifest.gremien if ctx.plan.manifest else {}
    if ctx.plan.manifest:
        key = ctx.plan.manifest.gremium_key(key)
    entry = gremien.get(key)
    if not isinstance(entry, dict) or entry.get("rolle") != role:
        fitting = sorted(k for k, v in gremien.items()
                         if isinstance(v, dict) and v.get("rolle") == role)
        raise RecordError(f"{key!r} ist kein Gremium, das {what} (Rolle {role!r} in "
                          f"plan/lip.yaml); möglich: {', '.join(fitting) or '(keins)'}")
    return key


@history.serialised("vorlegen")
def submit(plan_dir: Path, key: str, *, datum: dt.date | None = None,
           vermerk: str | None = None, commit: str | None = None) -> Recorded:
    """The Expert*innengruppe submits the chapter's current (or given) version."""
    when = _today(datum)
    ctx = _open(plan_dir, key)
    version = _version(ctx, commit)
    fold = _fold(ctx)
    group = str(ctx.chapter.get("expertinnengruppe", ""))
    record = frontmatter.new_mapping(datum=when, gremium=group, stand=_stand(version), vermerk=vermerk)
    review.check_step(fold, review.Step.VORLEGEN, review.read_record("vorlagen", record),
                      kap=ctx.kap)

    def mutate(meta: Any) -> None:
        _block_seq(_review_map(meta), "vorlagen").append(record)

    again = " erneut" if fold.last_submission else ""
    subject = f"{ctx.gremium_name(group)}: Kapitel {ctx.name}{again} der Lenkungsgruppe vorgelegt"
    message = _message(subject, "vorlage", ctx, [
        f"Datum: {record['datum'].isoformat()}", f"Fassung: {version[0][:10]}",
        f"Text-SHA-256: {version[1]}", *([f"Vermerk: {vermerk}"] if vermerk else [])])
    return _commit(ctx, mutate, message, commit)


@history.serialised("entscheiden")
def decide(plan_dir: Path, key: str | Sequence[str], *, accepted: bool, vorgaben: Sequence[str] = (),
           datum: dt.date | None = None, sitzung: str | None = None,
           abstimmung: str | None = None, gremium: str = review.DECIDING_BODY,
           commit: str | None = None) -> Recorded:
    """The Lenkungsgruppe accepts or returns the submitted version of one chapter, or of
    several decided in one meeting (one commit, all or nothing)."""
    keys = [key] if isinstance(key, str) else list(key)
    when = _today(datum)
    if accepted and vorgaben:
        raise WrongCall("Vorgaben gehören zu einer Rückgabe: --vorgabe nur zusammen mit "
                          "--zurueckgespielt angeben")

    def make(ctx: _Context) -> _Pending:
        nonlocal gremium
        gremium = _require_role(ctx, gremium, "entscheidet", "entscheidet")
        version = _version(ctx, commit)
        fold = _fold(ctx)
        version = _pin_submitted(fold, version)
        used = [v.id for d in review.records_of(ctx.chapter).entscheidungen for v in d.vorgaben]
        start = max([int(i[1:]) for i in used if i[1:].isdigit()] + [0])
        items = CommentedSeq(frontmatter.new_mapping(id=f"V{start + n}", text=text)
                             for n, text in enumerate((v.strip() for v in vorgaben if v.strip()), 1))
        items.fa.set_block_style()
        record = frontmatter.new_mapping(datum=when, gremium=gremium, ergebnis=review.ACCEPTED if accepted
                       else review.RETURNED, stand=_stand(version),
                       vorgaben=items if items else None, sitzung=sitzung, abstimmung=abstimmung)
        step = review.Step.ANNEHMEN if accepted else review.Step.ZURUECKSPIELEN
        review.check_step(fold, step, review.read_record("entscheidungen", record), kap=ctx.kap)

        def mutate(meta: Any) -> None:
            _block_seq(_review_map(meta), "entscheidungen").append(record)

        lines = [f"Datum: {record['datum'].isoformat()}", f"Fassung: {version[0][:10]}"]
        lines += [f"{v['id']}: {v['text']}" for v in items]
        lines += [f"Sitzung: {sitzung}"] if sitzung else []
        lines += [f"Abstimmung: {abstimmung}"] if abstimmung else []
        return _Pending(ctx, mutate, lines)

    pending = _each(plan_dir, keys, commit, make)
    n = len([v for v in vorgaben if v.strip()])
    result = "angenommen" if accepted else f"zurückgespielt mit {counted(n, 'Vorgabe', 'Vorgaben')}"
    body = pending[0].ctx.gremium_name(gremium)
    if len(pending) == 1:
        ctx = pending[0].ctx
        subject = f"{body}: Kapitel {ctx.name} {result}"
        return _commit(ctx, pending[0].mutate, _message(subject, "entscheidung", ctx, pending[0].lines),
                       commit)
    names = ", ".join(p.ctx.name for p in pending)
    return _commit_many(pending, f"{body}: Kapitel {names} {result}", "entscheidung", commit)


@history.serialised("stellungnahme")
def add_statement(plan_dir: Path, key: str | Sequence[str], *, gremium: str, text: str | None = None,
                  datei: Path | None = None, art: str | None = None,
                  datum: dt.date | None = None, commit: str | None = None) -> Recorded:
    """Record a consulted body's statement on the submitted version (text inline or file), on
    one chapter or on several at once (one commit, all or nothing)."""
    keys = [key] if isinstance(key, str) else list(key)
    if (text is None) == (datei is None):
        raise WrongCall("genau eins angeben: --text \"…\" oder --datei PFAD")
    if text is not None and not text.strip():
        raise RecordError("--text ist leer; bitte den Wortlaut der Stellungnahme angeben")
    if datei is not None and len(keys) > 1:
        raise WrongCall("--datei gilt für ein Kapitel; für mehrere Kapitel den Wortlaut mit "
                          "--text angeben oder je Kapitel einmal aufrufen")
    when = _today(datum)
    kinds: set[str] = set()

    def make(ctx: _Context) -> _Pending:
        nonlocal gremium
        gremium = _require_role(ctx, gremium, "nimmt Stellung", "Stellung nimmt")
        entry = ctx.plan.manifest.gremien.get(gremium) if ctx.plan.manifest else {}
        kind = art or str(entry.get("art") or "Stellungnahme")
        if kind not in STATEMENT_KINDS:
            raise RecordError(f"--art {kind!r} ist unbekannt; möglich: {', '.join(STATEMENT_KINDS)}")
        kinds.add(kind)
        fold = _fold(ctx)
        submitted = review.submission_on(review.records_of(ctx.chapter), when)
        if commit is None and submitted is not None:
            # Statements are about the version submitted on their date (they may arrive after
            # a later Vorlage), even if the group has edited since.
            version = tuple(review.stand_of(submitted))
        else:
            version = _pin_submitted(fold, _version(ctx, commit))
        extra: dict[str, bytes] = {}
        rel_datei = None
        if datei is not None:
            rel_datei, extra = _statement_file(ctx, plan_dir, datei, gremium, when)
        record = frontmatter.new_mapping(datum=when, gremium=gremium, stand=_stand(version), art=kind,
                       text=text.strip() if text else None, datei=rel_datei)
        review.check_step(fold, review.Step.STELLUNGNAHME,
                          review.read_record("stellungnahmen", record), kap=ctx.kap)

        def mutate(meta: Any) -> None:
            _block_seq(_review_map(meta), "stellungnahmen").append(record)

        lines = [f"Datum: {when.isoformat()}", f"Fassung: {version[0][:10]}"]
        lines += [f"Datei: {rel_datei}"] if rel_datei else []
        return _Pending(ctx, mutate, lines, extra)

    pending = _each(plan_dir, keys, commit, make)
    kind = next(iter(kinds)) if len(kinds) == 1 else "Stellungnahme"
    body = pending[0].ctx.gremium_name(gremium)
    if len(pending) == 1:
        p = pending[0]
        subject = f"{body}: {kind} zu Kapitel {p.ctx.name}"
        return _commit(p.ctx, p.mutate, _message(subject, "stellungnahme", p.ctx, p.lines), commit,
                       p.extra)
    names = ", ".join(p.ctx.name for p in pending)
    return _commit_many(pending, f"{body}: {kind} zu Kapitel {names}", "stellungnahme", commit)


STATEMENT_KINDS = ("Einschätzung", "Stellungnahme", "Zusammenfassung")


def _statement_file(ctx: _Context, plan_dir: Path, datei: Path, gremium: str,
                    when: dt.date) -> tuple[str, dict[str, bytes]]:
    """Place a statement's file beside the chapter (plan/stellungnahmen/) and return its path."""
    if datei.suffix != ".md":
        raise RecordError(f"{datei}: eine Stellungnahme als Datei muss Markdown sein (.md)")
    if not datei.is_file():
        raise FileAccessError(f"Datei {datei} nicht gefunden; bitte den Pfad der Stellungnahme "
                              f"prüfen (--datei PFAD)")
    if datei.stat().st_size > frontmatter.MAX_CHAPTER_BYTES:
        raise RecordError(f"{datei} ist größer als {frontmatter.MAX_CHAPTER_BYTES // 1024 // 1024} "
                          f"MB; eine Stellungnahme dieser Größe ist ein Versehen")
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


@history.serialised("vorgabe-erledigt")
def vorgabe_done(plan_dir: Path, key: str, vorgabe: str, *, vermerk: str,
                 datum: dt.date | None = None, commit: str | None = None) -> Recorded:
    """The Expert*innengruppe notes how it addressed one Vorgabe of the last return."""
    ctx = _open(plan_dir, key)
    if not vermerk.strip():
        raise RecordError("--vermerk ist leer; bitte festhalten, wie die Vorgabe umgesetzt wurde")
    version = _version(ctx, commit)
    fold = _fold(ctx)
    when = _today(datum)
    probe = review.Record(datum=when, stand=review.Stand(*version))
    review.check_step(fold, review.Step.VORGABE_ERLEDIGT, probe, kap=ctx.kap)
    decision = fold.last_decision
    last_index = decision.index
    vorgaben = decision.vorgaben
    ids = [v.id for v in vorgaben]
    wanted = vorgabe.strip().upper()
    if wanted not in ids:
        raise review.ReviewStateError(
            ctx.name, fold.status, review.Step.VORGABE_ERLEDIGT,
            f"die letzte Entscheidung vom {german_date(decision.datum)} "
            f"hat keine Vorgabe {vorgabe!r}", f"eine ihrer Vorgaben angeben: {', '.join(ids)}")
    index = ids.index(wanted)
    done = vorgaben[index].erledigt
    if done is not None:
        raise review.ReviewStateError(
            ctx.name, fold.status, review.Step.VORGABE_ERLEDIGT,
            f"Vorgabe {wanted} ist seit {german_date(done.datum)} als erledigt "
            f"vermerkt", "nichts zu tun; offene Vorgaben zeigt lip status")

    def mutate(meta: Any) -> None:
        item = meta["review"]["entscheidungen"][last_index]["vorgaben"][index]
        item["erledigt"] = frontmatter.new_mapping(datum=when, vermerk=vermerk.strip(), commit=version[0])

    group = str(ctx.chapter.get("expertinnengruppe", ""))
    subject = f"{ctx.gremium_name(group)}: Vorgabe {wanted} zu Kapitel {ctx.name} erledigt"
    message = _message(subject, "vorgabe-erledigt", ctx, [
        f"Datum: {when.isoformat()}", f"Fassung: {version[0][:10]}",
        f"{wanted}: {vorgaben[index].text}", f"Vermerk: {vermerk.strip()}"])
    return _commit(ctx, mutate, message, commit)


def _names_antrag_only(plan_dir: Path, key: str) -> bool:
    """Whether `key` names an Änderungsantrag (its number or file) and no chapter."""
    from pipeline.council.antraege import find, load_antraege
    from pipeline.errors import ChapterNotFound

    plan = load_plan(plan_dir)
    try:
        plan.chapter(key)
    except ChapterNotFound:
        return find(load_antraege(plan)[0], key.strip()) is not None
    return False


def _refuse_antrag_number(ctx: _Context, key: str) -> None:
    """A bare number that names a chapter (Handlungsfeld 1) and an Änderungsantrag (Antrag 1)
    alike: say both rather than correct the chapter the editor may not have meant."""
    from pipeline.council.antraege import find, load_antraege

    if key.strip() != ctx.chapter.number:
        return
    antrag = find(load_antraege(ctx.plan)[0], key.strip())
    if antrag is not None:
        raise RecordError(
            f"{key!r} ist mehrdeutig: Kapitel {ctx.name} und {antrag.label}, "
            f"{antrag.path}; nichts wurde festgehalten. Bitte eindeutig angeben: für den "
            f"Beratungsverlauf des Kapitels lip berichtigen {ctx.kap} --grund \"…\", für die "
            f"Abstimmungen des Antrags lip berichtigen {antrag.key} --grund \"…\"")


def _refuse_chapter_named(plan_dir: Path, key: str) -> None:
    """A chapter that `beschluss` or `fassung` names too: say both rather than guess."""
    from pipeline.errors import ChapterNotFound

    plan = load_plan(plan_dir)
    try:
        chapter = plan.chapter(key.strip())
    except ChapterNotFound:
        return
    raise RecordError(f"{key!r} ist mehrdeutig: Kapitel {chapter.id} ({chapter.path}) und die "
                      f"Fassungen in plan/lip.yaml; nichts wurde festgehalten. Für das Kapitel "
                      f"lip berichtigen {chapter.filename} --grund \"…\"")


@history.serialised("berichtigen")
def correct(plan_dir: Path, key: str, *, grund: str, datum: dt.date | None = None) -> Recorded:
    """Commit a deliberate correction of committed review entries (the editor changed them in
    the chapter's head), recording who corrected which entries and why: the one way to change
    what the append-only check holds to (review/append_only.py)."""
    from pipeline.review.append_only import (
        CORRECTION,
        correction_lines,
        correction_record,
        describe_change,
        entry_changes,
    )

    if not grund.strip():
        raise RecordError("--grund ist leer; bitte festhalten, warum berichtigt wird")
    if key.strip().lower() in CORRECTION_KEYS:  # the Fassungen and the Beschluss in lip.yaml
        from pipeline.commands.council import correct_fassungen

        _refuse_chapter_named(plan_dir, key)
        done, path = correct_fassungen(plan_dir, key.strip().lower(), grund=grund,
                                       datum=_today(datum))
        repo = history.open_repo(plan_dir)
        return Recorded(done.message, path, done.commit, done.message,
                        history.current_branch(repo))
    if _names_antrag_only(plan_dir, key):  # the council's votes: the same rule, in its file
        from pipeline.commands.council import correct_votes

        done, path = correct_votes(plan_dir, key, grund=grund, datum=_today(datum))
        repo = history.open_repo(plan_dir)
        return Recorded(done.message, path, done.commit, done.message,
                        history.current_branch(repo))
    ctx = _open(plan_dir, key)
    _refuse_antrag_number(ctx, key)
    head_raw = history.read_file_at(ctx.repo, "HEAD", ctx.relpath)
    if head_raw is None:
        raise RecordError(f"{ctx.chapter.path} ist noch nicht committet; es gibt nichts zu "
                          f"berichtigen")
    before = load_chapter(ctx.chapter.filename, head_raw)
    if before.text.body != ctx.chapter.text.body:
        raise UncommittedEdits(ctx.chapter.path)  # a correction changes the head only
    when = _today(datum)
    changed = [describe_change(c, ctx.gremium_name)
               for c in entry_changes(before.review, ctx.chapter.review)
               if c.list_name != "berichtigungen"]
    if not changed:
        raise RecordError(f"{ctx.chapter.path}: die Einträge im Beratungsverlauf sind gegenüber "
                          f"dem letzten Commit unverändert; erst die Einträge im Kopf berichtigen, "
                          f"dann 'lip berichtigen {ctx.kap} --grund \"…\"' aufrufen")
    record = correction_record(when, history.user_name(ctx.repo) or "unbekannt", grund, changed)

    def mutate(meta: Any) -> None:
        _block_seq(_review_map(meta), "berichtigungen").append(record)

    root = Path(ctx.repo.working_tree_dir)
    new = _rewrite((root / ctx.relpath).read_bytes(), ctx.chapter.filename, mutate)
    after = load_chapter(ctx.chapter.filename, new)
    _, problems = review.replay(after.review, chapter=ctx.name, kap=ctx.kap,
                                gender_relevant=after.get("gleichstellungsrelevant") is True)
    if problems:  # the corrected records must still make sense
        raise _invalid_correction(ctx, after, problems[0])
    subject = f"Beratungsverlauf von Kapitel {ctx.name} berichtigt"
    message = _message(subject, CORRECTION, ctx, correction_lines(record))
    sha = history.commit_files(ctx.repo, {ctx.relpath: new}, message)
    return Recorded(ctx.name, ctx.chapter.path, sha, message, history.current_branch(ctx.repo))
