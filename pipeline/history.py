"""Everything that talks to git: resolve revisions and read the plan from git objects.

Old versions are read from blobs, never by checking them out, so the editor's working tree
is never touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import GitError, RevisionNotFound, UnknownRevision
from pipeline.files import leftover_temp_files, os_error_text, write_atomic
from pipeline.plan import PLAN_DIR, Chapter, Plan, load_plan

READ_SUFFIXES = (".md", ".yaml", ".yml")


def _git_module():
    """GitPython, or a German error when git itself is missing (GitPython refuses to import
    without a git executable)."""
    try:
        import git
    except ImportError:
        raise GitError(GIT_MISSING) from None
    return git


GIT_MISSING = ("git ist nicht installiert oder nicht im Suchpfad (PATH); bitte Git installieren "
               "(Debian: apt-get install git) und den Befehl wiederholen")


def open_repo(path: Path):
    """Return the git repository containing `path`."""
    git = _git_module()

    try:
        return git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{path} liegt in keinem Git-Repository; 'git init' ausführen oder "
                       f"den Befehl im Repository des Plans aufrufen") from None


@dataclass(frozen=True)
class Revision:
    """A resolved revision: full SHA and commit time (UTC)."""

    sha: str
    time: dt.datetime

    @property
    def short(self) -> str:
        return self.sha[:10]


def resolve(repo, rev: str) -> Revision:
    """Resolve a commit-ish (SHA, tag, branch, HEAD~2) to a Revision."""
    git = _git_module()

    try:
        commit = repo.commit(rev)
        when = commit.committed_datetime  # a full SHA not in the repository fails only here
    except (git.BadName, ValueError, git.GitCommandError) as e:
        raise RevisionNotFound(rev, SHALLOW_HINT if is_shallow(repo) else
                               "bitte einen Commit, ein Tag oder den Namen einer Fassung "
                               "angeben (siehe 'git log --oneline')") from e
    return Revision(commit.hexsha, when.astimezone(dt.UTC))


def resolve_named(repo, rev: str, fassungen: list) -> tuple[Revision, str | None]:
    """A revision the user typed: a Fassung's name (from `fassungen`, the manifest's) or any
    commit, tag or branch. Returns the revision and the Fassung's name, if it is one; a
    mistyped name is answered with the Fassungen there are (exit 2)."""
    named = next((f for f in fassungen if f.name == rev), None)
    try:
        revision = resolve(repo, named.rev if named else rev)
    except RevisionNotFound:
        if named is not None:
            raise  # the manifest names a commit that is not here: lip check says more
        raise UnknownRevision(rev, [f.name for f in fassungen]) from None
    if named is None:
        named = next((f for f in fassungen
                      if revision.sha.startswith(f.rev) or f.rev.startswith(revision.sha)), None)
    return revision, (named.name if named else None)


def plan_prefix(repo, plan_dir: Path) -> str:
    """Path of the plan folder inside the repository, e.g. 'plan'."""
    root = Path(repo.working_tree_dir).resolve()
    try:
        return plan_dir.resolve().relative_to(root).as_posix()
    except ValueError:
        return PLAN_DIR


def read_plan_files(repo, rev: str, prefix: str = PLAN_DIR) -> dict[str, bytes | None]:
    """Return the plan folder's files at `rev` as {relative path: bytes}, from git objects."""
    commit = repo.commit(resolve(repo, rev).sha)
    try:
        tree = commit.tree / prefix
    except KeyError:
        raise RevisionNotFound(rev, f"in dieser Revision gibt es keinen Ordner {prefix}/") from None
    files: dict[str, bytes | None] = {}
    for blob in tree.traverse():
        if blob.type != "blob":
            continue
        rel = Path(blob.path).relative_to(prefix).as_posix()
        files[rel] = blob.data_stream.read() if rel.endswith(READ_SUFFIXES) else None
    return files


# --- the plan at another revision ---------------------------------------------------------


class PlanHistory:
    """The plan at other revisions of one repository, each revision read once (from git
    objects, never a checkout). `repo` may be None: then no old version is readable."""

    def __init__(self, repo, prefix: str = PLAN_DIR):
        self.repo, self.prefix = repo, prefix
        self._plans: dict[str, Plan] = {}

    def resolve(self, rev: str) -> Revision:
        if self.repo is None:
            raise RevisionNotFound(rev, "kein Git-Repository: frühere Fassungen sind nicht lesbar")
        return resolve(self.repo, rev)

    def plan_at(self, rev: str) -> Plan:
        """The plan at `rev` (raises RevisionNotFound when the revision or folder is unknown)."""
        sha = self.resolve(rev).sha
        if sha not in self._plans:
            self._plans[sha] = load_plan(read_plan_files(self.repo, sha, self.prefix))
        return self._plans[sha]

    def chapter_at(self, rev: str, chapter: Chapter) -> Chapter | None:
        """`chapter` as it was at `rev` (see `matching_chapter`); None if it did not exist."""
        return matching_chapter(self.plan_at(rev), chapter)


def matching_chapter(plan: Plan, chapter: Chapter) -> Chapter | None:
    """The chapter of `plan` that is `chapter` in another revision: same id, else (the id was
    renamed) same file name."""
    for ch in plan.chapters:
        if ch.id == chapter.id:
            return ch
    for ch in plan.chapters:
        if ch.filename == chapter.filename:
            return ch
    return None


def pair_chapters(old: Plan, new: Plan) -> list[tuple[Chapter | None, Chapter | None]]:
    """Every chapter of `new` with its counterpart in `old` (or None), then the chapters of
    `old` that `new` no longer has."""
    pairs = [(matching_chapter(old, ch), ch) for ch in new.chapters]
    kept = {id(a) for a, _ in pairs if a is not None}
    return pairs + [(ch, None) for ch in old.chapters if id(ch) not in kept]


def blob_id(data: bytes) -> str:
    """The id git gives a file with these bytes (`git hash-object`)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """HEAD of the repository holding a plan folder, and the folder's blob ids there."""

    revision: Revision
    blob_ids: dict[str, str]
    """{path relative to the plan folder: git blob id}."""


def head_snapshot(plan_dir: Path) -> Snapshot | None:
    """HEAD's commit and the plan folder's blob ids, or None outside a repository with commits.

    `lip build` asks this on every run, so it calls the git command line twice instead of
    importing GitPython, which alone would take longer than the whole answer.
    """
    def git(*args: str) -> bytes | None:
        try:
            proc = subprocess.run(["git", "-C", str(plan_dir), *args], capture_output=True, check=False)
        except OSError:
            return None
        return proc.stdout if proc.returncode == 0 else None

    head = git("log", "-1", "--format=%H %ct", "HEAD")
    listing = git("ls-tree", "-r", "-z", "HEAD", "--", ".") if head else None
    if not head or listing is None:
        return None
    sha, seconds = head.decode().split()
    blob_ids = {}
    for entry in listing.split(b"\0"):
        if entry:
            info, _, name = entry.partition(b"\t")
            _mode, kind, object_id = info.decode().split()
            if kind == "blob":  # paths are relative to plan_dir (git's working directory)
                blob_ids[name.decode("utf-8", "surrogateescape")] = object_id
    return Snapshot(Revision(sha, dt.datetime.fromtimestamp(int(seconds), dt.UTC)), blob_ids)


def working_tree_state(plan_dir: Path, files: Mapping[str, bytes | None],
                       resources: Mapping[str, bytes]) -> tuple[Revision | None, bool]:
    """(HEAD, whether the plan folder's files differ from it): the one answer `lip build` and
    `lip site` give to „is this text committed?“. (None, True) outside a repository."""
    head = head_snapshot(plan_dir)
    if head is None:
        return None, True
    current = {p: blob_id(data if data is not None else resources.get(p, b""))
               for p, data in files.items()}
    return head.revision, head.blob_ids != current


def read_plan_blobs(repo, rev: str, prefix: str, paths: list[str]) -> dict[str, bytes]:
    """Return the bytes of the given plan files (images) at `rev`, from git objects."""
    if not paths:
        return {}
    tree = repo.commit(resolve(repo, rev).sha).tree / prefix
    return {rel: (tree / rel).data_stream.read() for rel in paths}


# --- review workflow (issue 4): reading one file, committing metadata, the file's log --------


TRAILER = "Lip-Eintrag"
"""Commit trailer naming the kind of review record a commit adds (vorlage, entscheidung, …)."""


def head_sha(repo) -> str | None:
    """Full SHA of HEAD, or None in a repository without commits."""
    try:
        return repo.head.commit.hexsha
    except ValueError:
        return None


def repo_path(repo, path: Path) -> str:
    """Path of `path` relative to the repository root, in git's form (posix)."""
    root = Path(repo.working_tree_dir).resolve()
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        raise GitError(f"{path} liegt außerhalb des Repositorys {root}") from None


def is_dirty(repo, relpath: str) -> bool:
    """True when the file differs from HEAD in the index or the working tree (or is untracked)."""
    out = repo.git.status("--porcelain", "--untracked-files=all", "--", relpath)
    return bool(out.strip())


def read_file_at(repo, rev: str, relpath: str) -> bytes | None:
    """The bytes of `relpath` at `rev`, or None when the file does not exist there."""
    commit = repo.commit(resolve(repo, rev).sha)
    try:
        blob = commit.tree / relpath
    except KeyError:
        return None
    return blob.data_stream.read()


def _store_blob(repo, data: bytes) -> str:
    from io import BytesIO

    from gitdb.base import IStream

    sha = repo.odb.store(IStream("blob", len(data), BytesIO(data))).hexsha
    return sha.decode("ascii") if isinstance(sha, bytes) else sha


def _index_entry(repo, relpath: str) -> tuple[str, str] | None:
    """(mode, blob id) of the file's stage-0 entry in the real index, or None."""
    out = repo.git.ls_files("-s", "--", relpath)
    for line in out.splitlines():
        info, _, _name = line.partition("\t")
        mode, sha, stage = info.split()
        if stage == "0":
            return mode, sha
    return None


def _head_blob(repo, relpath: str) -> str | None:
    try:
        return repo.git.rev_parse("--verify", "-q", f"HEAD:{relpath}")
    except _git_module().exc.GitCommandError:
        return None


def _file_blob(path: Path) -> str | None:
    return blob_id(path.read_bytes()) if path.is_file() and not path.is_symlink() else None


JOURNAL_NAME = "lip-journal.json"
"""Written into the git folder before a recording touches anything, removed after: a kill in
between leaves it behind, and the next recording command finishes or undoes the step."""


def _journal_path(repo) -> Path:
    return Path(repo.git_dir) / JOURNAL_NAME


def commit_files(repo, committed: dict[str, bytes], message: str,
                 worktree: dict[str, bytes] | None = None) -> str:
    """Make one commit on top of HEAD that changes exactly the files in `committed`.

    `worktree` is what the working files become (default: the committed bytes); it differs
    when the editor has uncommitted edits that must stay uncommitted. Other staged or
    unstaged work is left alone: the commit is built in a temporary index.

    Order (issue 20): the commit object first (unreferenced until the end), then a journal,
    then the working files, then the real index, and only last HEAD, with a compare-and-swap.
    So whenever HEAD has the record, index and files agree with it; a kill before that leaves
    the journal, and the next recording command removes what this one wrote (`settle`).
    On an error the same undo runs at once: it restores only files and index entries that
    still hold what this command wrote, never someone else's work.
    """
    import tempfile

    git = _git_module()
    root = Path(repo.working_tree_dir)
    worktree = committed if worktree is None else worktree
    parent = head_sha(repo)
    if parent is None:
        raise GitError("das Repository hat noch keinen Commit; erst den Plan committen")
    g = repo.git
    try:
        blobs = {p: _store_blob(repo, data) for p, data in committed.items()}
        journal = {
            "pid": os.getpid(), "parent": parent,
            "worktree": {p: [(_store_blob(repo, (root / p).read_bytes())
                              if _file_blob(root / p) else None), _store_blob(repo, data)]
                         for p, data in worktree.items()},
            "index": {p: [list(e) if (e := _index_entry(repo, p)) else None, blobs[p]]
                      for p in committed},
        }
        with tempfile.TemporaryDirectory() as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            g.read_tree(parent, env=env)
            args = [a for p, sha in blobs.items() for a in ("--cacheinfo", f"100644,{sha},{p}")]
            g.update_index("--add", *args, env=env)
            tree = g.write_tree(env=env)
        new = g.commit_tree(tree, "-p", parent, "-m", message)
    except git.exc.GitError as e:
        raise GitError(f"Commit fehlgeschlagen, nichts wurde verändert: {git_failure_text(e)}") \
            from None
    journal["commit"] = new
    write_atomic(_journal_path(repo), json.dumps(journal))
    try:
        for p, data in worktree.items():
            write_atomic(root / p, data)
        modes = {p: (e[0] if (e := journal["index"][p][0]) else "100644") for p in committed}
        g.update_index("--add", *[a for p, sha in blobs.items()
                                  for a in ("--cacheinfo", f"{modes[p]},{sha},{p}")])
        g.update_ref("-m", f"lip: {message.splitlines()[0]}", "HEAD", new, parent)
    except BaseException as e:
        outcome = settle(repo)
        if isinstance(e, git.exc.GitError | OSError):
            if outcome == "übernommen":
                raise GitError(f"Commit fehlgeschlagen: {git_failure_text(e)}; ein gleichzeitiger "
                               f"Commit hat den Eintrag schon mit aufgenommen (git log "
                               f"zeigt ihn)") from None
            raise GitError(f"Commit fehlgeschlagen, nichts wurde verändert: "
                           f"{git_failure_text(e)}") from None
        raise
    _journal_path(repo).unlink(missing_ok=True)
    return new


def settle(repo) -> str | None:
    """Finish an interrupted recording: keep it if its commit reached HEAD, else remove
    exactly what it wrote (files and index entries that still hold its bytes); either way
    the temp files its atomic writes left (killed between writing and renaming).

    Returns 'abgeschlossen', 'zurückgenommen', 'übernommen' (another commit took the staged
    record) or None when there was nothing to settle.
    Callers hold the repository lock, so a journal found here belongs to a dead process.
    """
    path = _journal_path(repo)
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        path.unlink(missing_ok=True)
        return None
    head = head_sha(repo)
    new = journal.get("commit")
    done = bool(head and new) and (head == new or is_ancestor(repo, new, head))
    root = Path(repo.working_tree_dir)
    pid = journal.get("pid")
    for p in journal.get("worktree", {}) if isinstance(pid, int) else ():
        for leftover in leftover_temp_files(root / p, pid):  # killed between write and rename
            leftover.unlink(missing_ok=True)
    if not done:
        # A path whose HEAD already holds our bytes was committed by someone else (a plain
        # `git commit` took the staged record): undoing it would stage that commit's removal.
        kept = {p for p, (_before, ours) in journal.get("index", {}).items()
                if head and _head_blob(repo, p) == ours}
        for p, (original, ours) in journal.get("worktree", {}).items():
            if p in kept or _file_blob(root / p) != ours:
                continue  # changed since: someone else's bytes, leave them
            if original is None:
                (root / p).unlink()
            else:
                write_atomic(root / p, repo.odb.stream(bytes.fromhex(original)).read())
        for p, (before, ours) in journal.get("index", {}).items():
            entry = _index_entry(repo, p)
            if p in kept or entry is None or entry[1] != ours:
                continue
            if before:
                repo.git.update_index("--cacheinfo", f"{before[0]},{before[1]},{p}")
            else:
                repo.git.update_index("--force-remove", "--", p)
    path.unlink(missing_ok=True)
    if done:
        return "abgeschlossen"
    return "übernommen" if kept else "zurückgenommen"


# --- serialising recording commands (issue 20) -----------------------------------------------

LOCK_NAME = "lip.lock"
LOCK_WAIT_SECONDS = 60.0
"""How long a recording command waits for another one; LIP_LOCK_TIMEOUT overrides it."""


class RepositoryBusy(GitError):
    """Another lip command holds the repository's lock for longer than we wait."""

    def __init__(self, lock: Path, holder: dict, waited: float):
        self.lock, self.holder = lock, holder
        who = holder.get("befehl") or "lip"
        pid = f", Prozess {holder['pid']}" if holder.get("pid") else ""
        since = f", seit {holder['seit']}" if holder.get("seit") else ""
        super().__init__(
            f"Ein anderer lip-Befehl ({who}{pid}{since}) schreibt gerade in dieses Repository; "
            f"nach {waited:g} s Warten abgebrochen, nichts wurde verändert. Bitte erneut "
            f"aufrufen, wenn er fertig ist (Sperrdatei: {lock}).")


def _lock_holder(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


@contextmanager
def _repository_lock(repo, command: str) -> Iterator[None]:
    """Hold `.git/lip.lock` while a recording command reads, checks and commits.

    The lock is an flock on the file, so the kernel releases it on every exit path, also
    after SIGKILL: a lock file left by a dead process (its PID gone) is stale and simply
    taken over. The file names the holder's PID and command for the message.
    """
    import fcntl

    path = Path(repo.git_dir) / LOCK_NAME
    try:
        wait = float(os.environ.get("LIP_LOCK_TIMEOUT", LOCK_WAIT_SECONDS))
    except ValueError:
        wait = LOCK_WAIT_SECONDS
    deadline = time.monotonic() + wait
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = _lock_holder(path)
            if time.monotonic() >= deadline:
                raise RepositoryBusy(path, holder, wait) from None
            time.sleep(0.05)
            continue
        try:  # the previous holder unlinks the file on release: lock the file that is there
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps({"pid": os.getpid(), "befehl": command,
                             "seit": dt.datetime.now().strftime("%H:%M:%S")}).encode())
    try:
        yield
    finally:
        with suppress(OSError):
            os.unlink(path)
        os.close(fd)


def operation_in_progress(repo) -> str | None:
    """The git operation left unfinished in this working tree (merge, rebase, …), if any."""
    git_dir = Path(repo.git_dir)
    for name, what in (("MERGE_HEAD", "ein Merge"), ("rebase-merge", "ein Rebase"),
                       ("rebase-apply", "ein Rebase oder git am"),
                       ("CHERRY_PICK_HEAD", "ein Cherry-Pick"), ("REVERT_HEAD", "ein Revert"),
                       ("BISECT_LOG", "ein git bisect")):
        if (git_dir / name).exists():
            return what
    return None


def current_branch(repo) -> str | None:
    """The checked-out branch, or None on a detached HEAD."""
    try:
        return repo.active_branch.name
    except TypeError:
        return None


def proposal_target(repo) -> str:
    """What a Word proposal is viewed against and merged into, as a command names it: the
    checked-out branch (`main` in the README), HEAD's commit on a detached HEAD."""
    return current_branch(repo) or (head_sha(repo) or "HEAD")[:10]


@contextmanager
def recording(repo, command: str) -> Iterator[None]:
    """The frame of every recording command: one at a time per repository, an interrupted
    earlier one settled first, no recording in the middle of a merge, git failures German."""
    git = _git_module()
    with _repository_lock(repo, command):
        try:
            settle(repo)
            busy = operation_in_progress(repo)
            if busy:
                raise GitError(
                    f"Im Repository ist {busy} nicht abgeschlossen; währenddessen hält lip "
                    f"nichts fest. Erst abschließen oder abbrechen (git status zeigt, wie), "
                    f"dann den Befehl wiederholen.")
            yield
        except git.exc.GitError as e:
            raise GitError(f"Git ist fehlgeschlagen: {git_failure_text(e)}") from None


def serialised(verb: str):
    """Decorator for a command `f(plan_dir, …)` that records: it runs inside `recording`, so
    it reads the plan only once no other lip command can write (never a stale copy)."""
    import functools

    def wrap(command):
        @functools.wraps(command)
        def run(plan_dir: Path, *args, **kwargs):
            with recording(open_repo(plan_dir), f"lip {verb}"):
                return command(plan_dir, *args, **kwargs)
        return run
    return wrap


_GIT_PROBLEMS = (
    ("index.lock", "ein anderes Git-Programm arbeitet gerade in diesem Repository "
                   "(.git/index.lock ist vorhanden); wenn keins mehr läuft, die Datei löschen"),
    ("cannot lock ref", "HEAD wurde gleichzeitig von einem anderen Befehl verändert"),
    ("is at", "HEAD wurde gleichzeitig von einem anderen Befehl verändert"),
    ("Please tell me who you are", "Git kennt Namen und E-Mail-Adresse nicht; einmal "
     "'git config --global user.name \"Vorname Name\"' und 'git config --global user.email "
     "…' ausführen"),
    ("not a git repository", "kein Git-Repository"),
    ("No space left", "kein Speicherplatz mehr frei"),
    ("Permission denied", "keine Berechtigung"),
)


def git_failure_text(e: BaseException) -> str:
    """A German account of a failed git call (GitPython's own text is English)."""
    if isinstance(e, OSError):
        return os_error_text(e)
    if type(e).__name__ == "GitCommandNotFound":
        return GIT_MISSING
    stderr = str(getattr(e, "stderr", "") or "").strip().removeprefix("stderr:").strip().strip("'")
    command = getattr(e, "command", None)
    verb = command[1] if isinstance(command, list | tuple) and len(command) > 1 else "git"
    for english, german in _GIT_PROBLEMS:
        if english in stderr:
            return f"git {verb}: {german}"
    status = getattr(e, "status", None)
    detail = f"; Meldung von git: {stderr.strip()}" if stderr else ""
    return f"git {verb} ist fehlgeschlagen (Exit-Code {status}){detail}"


@dataclass(frozen=True)
class LogEntry:
    """One commit that touched a file: who, when and what."""

    sha: str
    time: dt.datetime
    author: str
    subject: str
    record: str
    """Value of the Lip-Eintrag trailer ('' for ordinary edits)."""
    blob: str = ""
    """Git blob id of the file after the commit ('' when the commit deleted it)."""
    previous_blob: str = ""
    """Git blob id of the file before the commit ('' when the commit created it)."""
    other_paths: tuple[str, ...] = ()
    """Files the commit changed outside the file's folder tree (`outside` of the log call)."""


_ZERO = "0" * 40


def file_log(repo, relpath: str, outside: str = "") -> list[LogEntry]:
    """Every commit that changed `relpath`, newest first – read with ONE `git log` call.

    Each entry carries the file's blob ids before and after (from `--raw`, no diff text) and
    the paths it changed that do not start with `outside` (e.g. 'plan/'): enough to tell an
    edit of the chapter from a program change, without a call per commit.
    """
    git = _git_module()

    fmt = f"%x1e%H%x1f%aI%x1f%an%x1f%s%x1f%(trailers:key={TRAILER},valueonly,separator=%x2C)"
    try:
        out = repo.git.log(f"--format={fmt}", "--no-renames", "--full-diff", "--raw",
                           "--no-abbrev", "--", relpath)
    except git.GitCommandError as e:
        if head_sha(repo) is None:
            return []
        raise GitError(f"git log für {relpath} fehlgeschlagen: {e}") from None
    entries = []
    for chunk in out.split("\x1e"):
        if not chunk.strip():
            continue
        head, *raw_lines = chunk.strip("\n").split("\n")
        sha, when, author, subject, trailer = (head.split("\x1f") + [""] * 5)[:5]
        blob = previous = ""
        others = []
        for line in raw_lines:
            if not line.startswith(":"):
                continue
            info, _, path = line.partition("\t")
            fields = info.split()
            if path == relpath:
                previous = "" if fields[2] == _ZERO else fields[2]
                blob = "" if fields[3] == _ZERO else fields[3]
            elif outside and not path.startswith(outside):
                others.append(path)
        entries.append(LogEntry(sha, dt.datetime.fromisoformat(when), author, subject,
                                trailer.strip(), blob, previous, tuple(others)))
    return entries


def file_versions(repo, relpaths: list[str]) -> dict[str, list[tuple[str, str, bytes]]]:
    """Every committed version of each file, oldest first: {path: [(commit, Lip-Eintrag
    trailer, bytes)]}. ONE `git log --raw` for all files (their blob ids per commit), the blobs
    through git's one object reader."""
    git = _git_module()
    versions: dict[str, list[tuple[str, str]]] = {p: [] for p in relpaths}
    if relpaths and head_sha(repo) is not None:
        fmt = f"%x1e%H%x1f%(trailers:key={TRAILER},valueonly,separator=%x2C)"
        try:
            out = repo.git.log(f"--format={fmt}", "--no-renames", "--raw", "--no-abbrev", "--",
                               *relpaths)
        except git.GitCommandError as e:
            raise GitError(f"git log ist fehlgeschlagen: {git_failure_text(e)}") from None
        for chunk in reversed(out.split("\x1e")):
            if not chunk.strip():
                continue
            head, *raw_lines = chunk.strip("\n").split("\n")
            sha, _, trailer = head.partition("\x1f")
            for line in raw_lines:
                info, _, path = line.partition("\t")
                fields = info.split()
                if line.startswith(":") and path in versions and fields[3] != _ZERO:
                    versions[path].append((sha, trailer.strip(), fields[3]))
    blobs = read_blobs(repo, [blob for entries in versions.values() for *_, blob in entries])
    return {p: [(sha, record, blobs[blob]) for sha, record, blob in entries]
            for p, entries in versions.items()}


def user_name(repo) -> str:
    """Who is recording: git's user.name (GIT_AUTHOR_NAME wins, as for the commit itself)."""
    name = os.environ.get("GIT_AUTHOR_NAME")
    if name:
        return name
    try:
        return repo.git.config("user.name").strip()
    except _git_module().exc.GitCommandError:
        return ""


def is_shallow(repo) -> bool:
    """Whether the repository is a shallow clone (older commits were not fetched)."""
    return (Path(repo.git_dir) / "shallow").exists() or (
        Path(repo.common_dir) / "shallow").exists()


SHALLOW_HINT = ("das Repository ist ein flacher Klon (shallow clone) ohne die ältere Historie; "
                "mit 'git fetch --unshallow' die ganze Historie holen")


def missing_commits(repo, shas: set[str]) -> set[str]:
    """The commits among `shas` (full or abbreviated ids) that the repository does not have;
    one `git cat-file --batch-check` for all of them."""
    if not shas:
        return set()
    ordered = sorted(shas)
    try:
        proc = subprocess.run(["git", "-C", str(repo.working_tree_dir), "cat-file", "--batch-check"],
                              input="".join(f"{sha}^{{commit}}\n" for sha in ordered),
                              capture_output=True, text=True, check=False)
    except OSError:
        raise GitError(GIT_MISSING) from None
    answers = proc.stdout.splitlines()
    return {sha for sha, answer in zip(ordered, answers, strict=False)
            if answer.endswith((" missing", " ambiguous"))}


def commit_days(repo, shas: set[str]) -> dict[str, dt.date]:
    """{commit as given: the day it was committed (UTC)} for the commits among `shas` the
    repository has; one `git log --no-walk` for all of them. Dates the texts that review
    records judged when they are no named Fassung."""
    present = sorted(shas - missing_commits(repo, shas)) if shas else []
    if not present:
        return {}
    try:
        proc = subprocess.run(["git", "-C", str(repo.working_tree_dir), "log", "--no-walk=unsorted",
                               "--format=%H %ct", *present], capture_output=True, text=True,
                              check=False)
    except OSError:
        raise GitError(GIT_MISSING) from None
    days = {}
    for line in proc.stdout.splitlines():
        sha, _, epoch = line.partition(" ")
        if epoch.isdigit():
            days[sha] = dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return {given: days[full] for given in present for full in days if full.startswith(given)}


def is_ancestor(repo, older: str, newer: str) -> bool:
    """Whether commit `older` is `newer` or one of its ancestors."""
    git = _git_module()

    try:
        repo.git.merge_base("--is-ancestor", older, newer)
    except git.GitCommandError:
        return False
    return True


def merge_base(repo, target: str, head: str = "HEAD") -> Revision:
    """Where a merge request's branch left `target` (the commit its changes are shown
    against); `target` itself when the two share no history."""
    git = _git_module()

    resolved = resolve(repo, target)
    try:
        sha = repo.git.merge_base(resolved.sha, head).strip()
    except git.GitCommandError:
        return resolved
    return resolve(repo, sha)


def read_blobs(repo, blob_ids: list[str]) -> dict[str, bytes]:
    """The bytes of git blobs by id (through git's one long-running object reader)."""
    out = {}
    for b in dict.fromkeys(blob_ids):
        if not b:
            continue
        try:
            out[b] = repo.odb.stream(bytes.fromhex(b)).read()
        except ValueError:  # GitPython: "could not be resolved … missing"
            raise GitError(f"Git-Objekt {b[:10]} fehlt im Repository (beschädigt oder nur teilweise "
                           f"geholt); 'git fsck' zeigt den Schaden, 'git fetch' holt fehlende "
                           f"Objekte vom Server") from None
    return out


def staged_paths(repo, prefix: str = PLAN_DIR) -> list[str]:
    """Paths under `prefix` whose staged version differs from HEAD."""
    if head_sha(repo) is None:  # no HEAD yet: everything staged is new
        out = repo.git.ls_files("--", prefix)
    else:
        out = repo.git.diff("--cached", "--name-only", "--diff-filter=ACMR", "--", prefix)
    return [line for line in out.splitlines() if line]


def read_staged_files(repo, prefix: str = PLAN_DIR) -> dict[str, bytes | None]:
    """The plan folder as the commit being made will hold it.

    Asks git (`ls-files --stage`), which honours $GIT_INDEX_FILE: `git commit -a`,
    `git commit <path>` and `--amend` run the hook on a temporary index, not on .git/index."""
    import binascii

    files: dict[str, bytes | None] = {}
    listing = repo.git.ls_files("--stage", "-z", "--", prefix, strip_newline_in_stdout=False)
    for entry in listing.split("\0"):
        if not entry:
            continue
        info, _, path = entry.partition("\t")
        _mode, sha, stage = info.split()
        if stage != "0" or not path.startswith(prefix + "/"):
            continue
        rel = path[len(prefix) + 1:]
        files[rel] = (repo.odb.stream(binascii.unhexlify(sha)).read()
                      if rel.endswith(READ_SUFFIXES) else None)
    return files


def hooks_dir(repo) -> Path:
    """The folder git runs hooks from (respects core.hooksPath and linked worktrees)."""
    path = Path(repo.git.rev_parse("--git-path", "hooks"))
    return path if path.is_absolute() else Path(repo.working_tree_dir) / path


# --- Fassungen (issue 18): annotated tags that name a state of the plan ----------------------


def tag_target(repo, name: str) -> str | None:
    """The commit an existing tag points at, or None when there is no such tag."""
    git = _git_module()

    try:
        return repo.git.rev_parse("--verify", "--quiet", f"refs/tags/{name}^{{commit}}").strip() or None
    except git.GitCommandError:
        return None


def create_tag(repo, name: str, sha: str, message: str) -> None:
    """Create the annotated tag `name` on `sha`; never moves an existing tag."""
    git = _git_module()

    try:
        repo.git.tag("-a", name, sha, "-m", message)
    except git.GitCommandError as e:
        raise GitError(f"Tag {name!r} konnte nicht angelegt werden: {e.stderr.strip()}") from None


def delete_tag(repo, name: str) -> None:
    """Remove a tag this command created a moment ago (rollback only)."""
    git = _git_module()

    try:
        repo.git.tag("-d", name)
    except git.GitCommandError:
        pass  # nothing to undo


def reset_head(repo, expected: str, to: str) -> None:
    """Move HEAD back from `expected` to `to` (rollback of this command's own commit only):
    a compare-and-swap, so someone else's later commit is never undone."""
    repo.git.update_ref("HEAD", to, expected)


def dirty_paths(repo, relpath: str) -> list[str]:
    """Files under `relpath` that differ from HEAD (staged, unstaged or untracked)."""
    out = repo.git.status("--porcelain", "--untracked-files=all", "--", relpath)
    return [line[3:] for line in out.splitlines() if line.strip()]


def restore_files(repo, rev: str, relpaths: list[str]) -> None:
    """Put files in the index and working tree back to `rev` (rollback of this command's own
    writes only)."""
    root = Path(repo.working_tree_dir)
    for rel in relpaths:
        data = read_file_at(repo, rev, rel)
        if data is None:
            repo.git.update_index("--force-remove", "--", rel)
            (root / rel).unlink(missing_ok=True)
        else:
            write_atomic(root / rel, data)
            repo.git.update_index("--add", "--cacheinfo", f"100644,{_store_blob(repo, data)},{rel}")


# --- proposals from Word (issue 17): branches built beside the working tree ------------------


def root_commits(repo) -> list[str]:
    """The repository's first commits (its identity: a clone has the same ones)."""
    try:
        return repo.git.rev_list("--max-parents=0", "HEAD").split()
    except _git_module().exc.GitCommandError:
        return []


def branch_exists(repo, name: str) -> bool:
    try:
        repo.git.rev_parse("--verify", "--quiet", f"refs/heads/{name}")
    except _git_module().exc.GitCommandError:
        return False
    return True


def valid_branch_name(repo, name: str) -> bool:
    try:
        repo.git.check_ref_format("--branch", name)
    except _git_module().exc.GitCommandError:
        return False
    return True


@dataclass(frozen=True)
class PlannedCommit:
    """One commit of a proposal: the files it sets and who made the change when."""

    files: dict[str, bytes]
    message: str
    author: str
    date: str
    """ISO 8601 ('' = now)."""
    email: str = ""


def create_branch(repo, name: str, parent: str, commits: list[PlannedCommit]) -> str:
    """Create branch `name` with `commits` on top of `parent`, built in a temporary index:
    HEAD, the index and the working tree stay as they are. Never moves an existing branch
    (the ref is created only if it does not exist). Returns the last commit."""
    import tempfile

    git = _git_module()
    g = repo.git
    head = parent
    email = committer_email(repo)  # a Word author has no address: the importer's stands in
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            g.read_tree(parent, env=env)
            for planned in commits:
                blobs = {p: _store_blob(repo, data) for p, data in planned.files.items()}
                args = [a for p, sha in blobs.items() for a in ("--cacheinfo", f"100644,{sha},{p}")]
                g.update_index("--add", *args, env=env)
                tree = g.write_tree(env=env)
                author = {"GIT_AUTHOR_NAME": planned.author or "unbekannt",
                          "GIT_AUTHOR_EMAIL": planned.email or email}
                if planned.date:
                    author["GIT_AUTHOR_DATE"] = planned.date
                head = g.commit_tree(tree, "-p", head, "-m", planned.message,
                                     env={**os.environ, **author})
        g.update_ref("-m", f"lip word-import: {name}", f"refs/heads/{name}", head, "0" * 40)
    except git.exc.GitError as e:
        raise GitError(f"Vorschlag {name} konnte nicht angelegt werden, nichts wurde verändert: "
                       f"{git_failure_text(e)}") from None
    return head


PROPOSAL_PREFIX = "vorschlag/"
"""Where `lip word-import` puts what comes back from Word: a branch each, never main."""

SOURCE_TRAILER = "Lip-Word-Datei"
"""Commit trailer of a proposal's commits: the SHA-256 of the Word file they came from."""
NAME_TRAILER = "Lip-Word-Name"
"""Commit trailer of a proposal's commits: the name of that Word file (for the way on)."""


def committer_email(repo) -> str:
    """The e-mail address git would record for the committer (environment, then config);
    '' when none is set."""
    try:
        ident = repo.git.var("GIT_COMMITTER_IDENT")
    except _git_module().exc.GitCommandError:
        return ""
    m = re.search(r"<([^<>]*)>", ident)
    return m.group(1).strip() if m else ""


def proposal_from_file(repo, digest: str) -> tuple[str, bool] | None:
    """(branch, taken in) of a `vorschlag/…` branch whose commits came from the Word file with
    this SHA-256 (its SOURCE_TRAILER), or None; `taken in`: HEAD already contains it."""
    git = _git_module()
    try:
        found = repo.git.log(f"--branches={PROPOSAL_PREFIX}*", "--source", "--format=%H %S",
                             "-F", f"--grep={SOURCE_TRAILER}: {digest}", "-n", "1").strip()
    except git.exc.GitCommandError:
        return None
    if not found:
        return None
    sha, _, ref = found.partition(" ")
    branch = ref.removeprefix("refs/heads/")
    return branch, is_ancestor(repo, sha, "HEAD")


@dataclass(frozen=True)
class Proposal:
    """A proposal branch the current branch has not taken in (merged) yet."""

    branch: str
    tip: str
    base: str
    """Where it left the current branch: what its changes are measured against."""
    authors: tuple[str, ...]
    """Its commits' authors, in the order they first changed something."""
    time: dt.datetime
    """When its last commit was made (the reviewer's date in Word)."""
    paths: tuple[str, ...]
    """The files it changes since `base`."""
    source_name: str = ""
    """The name of the Word file it came from (its tip's NAME_TRAILER); '' before lip
    wrote one."""


def authors_between(repo, old: str, new: str, path: str | None = None) -> list[str]:
    """The authors of the commits in `new` but not in `old` (touching `path`, if given), in
    the order they first changed something: who wrote a proposal's changes."""
    git = _git_module()
    try:
        log = repo.git.log("--reverse", "--format=%an", f"{old}..{new}",
                           *(["--", path] if path else []))
    except git.exc.GitCommandError:
        return []
    return list(dict.fromkeys(name for name in log.splitlines() if name))


def versions_between(repo, old: str, new: str, path: str) -> list[tuple[str, str, bytes]]:
    """(author, author date as UTC 'YYYY-MM-DDTHH:MM:SSZ', the file `path` after it) of
    each commit in `new` but not in `old` that changed `path`, oldest first: the steps of a
    proposal, one per reviewer. Where `old` moved on since `new` left it, the file as it
    was there comes first, with no author: what `old` changed since is no one's of `new`."""
    git = _git_module()
    try:
        log = repo.git.log("--reverse", "--format=%H%x00%an%x00%at", f"{old}..{new}", "--",
                           path)
        fork = repo.git.merge_base(old, new).strip()
        moved_on = fork != repo.git.rev_parse(old).strip()
    except git.exc.GitCommandError:
        return []
    out = []
    if moved_on and (data := read_file_at(repo, fork, path)) is not None:
        out.append(("", "", data))
    for line in log.splitlines():
        sha, name, epoch = line.split("\0")
        data = read_file_at(repo, sha, path)
        if data is not None:
            when = dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            out.append((name, when, data))
    return out


def author_date(repo, rev: str) -> dt.datetime:
    """When the change of commit `rev` was made (its author date: for a proposal, the
    reviewer's date in Word)."""
    return repo.commit(resolve(repo, rev).sha).authored_datetime


def merge_conflicts(repo, tip: str, head: str = "HEAD") -> list[str] | None:
    """The files a `git merge tip` into `head` would leave in conflict ([] when it merges
    cleanly), computed in git's object store alone (`git merge-tree --write-tree`): the
    working tree, the index and HEAD stay as they are. None when git cannot tell (older
    than 2.38)."""
    try:
        proc = subprocess.run(["git", "-C", str(repo.working_tree_dir), "merge-tree",
                               "--write-tree", "--name-only", "--no-messages", head, tip],
                              capture_output=True, text=True, check=False)
    except OSError:
        raise GitError(GIT_MISSING) from None
    if proc.returncode not in (0, 1):  # an old git without --write-tree, or no such commit
        return None
    return [line for line in proc.stdout.splitlines()[1:] if line]


def open_proposals(repo) -> list[Proposal]:
    """The `vorschlag/…` branches not yet merged into HEAD, oldest first."""
    git = _git_module()
    g = repo.git
    try:
        listed = g.for_each_ref("--format=%(refname:short)%00%(objectname)",
                                f"refs/heads/{PROPOSAL_PREFIX}")
    except git.exc.GitCommandError:
        return []
    out = []
    for line in listed.splitlines():
        branch, _, tip = line.partition("\0")
        if not tip or is_ancestor(repo, tip, "HEAD"):
            continue
        try:
            base = g.merge_base(tip, "HEAD").strip()
            log = g.log("--reverse", "--format=%an%x00%aI", f"{base}..{tip}").splitlines()
            paths = g.diff("--name-only", "--no-renames", base, tip).splitlines()
            name = g.log("-1", f"--format=%(trailers:key={NAME_TRAILER},valueonly)", tip)
        except git.exc.GitCommandError:  # no history in common: nothing to measure against
            continue
        entries = [entry.split("\0") for entry in log if "\0" in entry]
        if not entries:
            continue
        out.append(Proposal(branch, tip, base, tuple(dict.fromkeys(a for a, _ in entries)),
                            dt.datetime.fromisoformat(entries[-1][1]), tuple(paths),
                            name.strip().splitlines()[0] if name.strip() else ""))
    return sorted(out, key=lambda p: p.time)
