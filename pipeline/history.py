"""Everything that talks to git: resolve revisions and read the plan from git objects.

Old versions are read from blobs, never by checking them out, so the editor's working tree
is never touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import GitError, RevisionNotFound, UnknownRevision
from pipeline.files import write_atomic
from pipeline.plan import PLAN_DIR, Chapter, Plan, load_plan

READ_SUFFIXES = (".md", ".yaml", ".yml")


def open_repo(path: Path):
    """Return the git repository containing `path`."""
    import git

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
    import git

    try:
        commit = repo.commit(rev)
    except (git.BadName, ValueError, git.GitCommandError) as e:
        raise RevisionNotFound(rev, "bitte einen Commit, ein Tag oder den Namen einer Fassung "
                               "angeben (siehe 'git log --oneline')") from e
    return Revision(commit.hexsha, commit.committed_datetime.astimezone(dt.UTC))


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


def commit_files(repo, committed: dict[str, bytes], message: str,
                 worktree: dict[str, bytes] | None = None) -> str:
    """Make one commit on top of HEAD that changes exactly the files in `committed`.

    `worktree` is what the working files become (default: the committed bytes); it differs
    when the editor has uncommitted edits that must stay uncommitted. Other staged or
    unstaged work is left alone: the commit is built in a temporary index and HEAD moves with
    a compare-and-swap. On any failure HEAD, index and files are put back.
    """
    import tempfile

    import git

    root = Path(repo.working_tree_dir)
    worktree = committed if worktree is None else worktree
    parent = head_sha(repo)
    if parent is None:
        raise GitError("das Repository hat noch keinen Commit; erst den Plan committen")
    g = repo.git
    originals = {p: ((root / p).read_bytes() if (root / p).exists() else None) for p in worktree}
    index_before = {p: g.ls_files("-s", "--", p) for p in committed}
    moved = False
    try:
        blobs = {p: _store_blob(repo, data) for p, data in committed.items()}
        with tempfile.TemporaryDirectory() as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            g.read_tree(parent, env=env)
            for p, sha in blobs.items():
                g.update_index("--add", "--cacheinfo", f"100644,{sha},{p}", env=env)
            tree = g.write_tree(env=env)
        new = g.commit_tree(tree, "-p", parent, "-m", message)
        g.update_ref("-m", f"lip: {message.splitlines()[0]}", "HEAD", new, parent)
        moved = True
        for p, data in worktree.items():
            write_atomic(root / p, data)
        for p, sha in blobs.items():
            g.update_index("--add", "--cacheinfo", f"100644,{sha},{p}")
        return new
    except (git.GitCommandError, OSError) as e:
        if moved:
            g.update_ref("HEAD", parent)
        for p, data in originals.items():
            if data is None:
                if (root / p).is_file():
                    (root / p).unlink()
            elif (root / p).read_bytes() != data:
                write_atomic(root / p, data)
        for p, entry in index_before.items():
            if entry.strip():
                mode, sha, _ = entry.split(maxsplit=2)
                g.update_index("--cacheinfo", f"{mode},{sha},{p}")
            else:
                g.update_index("--force-remove", "--", p)
        raise GitError(f"Commit fehlgeschlagen, nichts wurde verändert: {e}") from None


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
    import git

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


def is_ancestor(repo, older: str, newer: str) -> bool:
    """Whether commit `older` is `newer` or one of its ancestors."""
    import git

    try:
        repo.git.merge_base("--is-ancestor", older, newer)
    except git.GitCommandError:
        return False
    return True


def read_blobs(repo, blob_ids: list[str]) -> dict[str, bytes]:
    """The bytes of git blobs by id (through git's one long-running object reader)."""
    return {b: repo.odb.stream(bytes.fromhex(b)).read() for b in dict.fromkeys(blob_ids) if b}


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
    import git

    try:
        return repo.git.rev_parse("--verify", "--quiet", f"refs/tags/{name}^{{commit}}").strip() or None
    except git.GitCommandError:
        return None


def create_tag(repo, name: str, sha: str, message: str) -> None:
    """Create the annotated tag `name` on `sha`; never moves an existing tag."""
    import git

    try:
        repo.git.tag("-a", name, sha, "-m", message)
    except git.GitCommandError as e:
        raise GitError(f"Tag {name!r} konnte nicht angelegt werden: {e.stderr.strip()}") from None


def delete_tag(repo, name: str) -> None:
    """Remove a tag this command created a moment ago (rollback only)."""
    import git

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
