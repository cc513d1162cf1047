"""Everything that talks to git: resolve revisions and read the plan from git objects.

Old versions are read from blobs, never by checking them out, so the editor's working tree
is never touched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import GitError, RevisionNotFound
from pipeline.plan import PLAN_DIR

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


def read_plan_blobs(repo, rev: str, prefix: str, paths: list[str]) -> dict[str, bytes]:
    """Return the bytes of the given plan files (images) at `rev`, from git objects."""
    if not paths:
        return {}
    tree = repo.commit(resolve(repo, rev).sha).tree / prefix
    return {rel: (tree / rel).data_stream.read() for rel in paths}
