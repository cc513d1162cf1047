"""history.py: commits that touch only the given files, one-call file logs, staged reads."""

from __future__ import annotations

from types import SimpleNamespace

import git
import pytest
from support.repos import commit_all, edit, snapshot

from pipeline import history
from pipeline.errors import GitError


def test_commit_files_changes_exactly_the_given_files(mini):
    repo = git.Repo(mini)
    edit(mini / "plan" / "01-haltung.md", "Einwanderungsstadt", "moderne Einwanderungsstadt")
    repo.git.add("plan/01-haltung.md")  # staged work of the editor: must stay staged
    parent = repo.head.commit.hexsha
    sha = history.commit_files(repo, {"plan/lip.yaml": b"titel: x\n"}, "Test\n\nLip-Eintrag: x\n")
    assert repo.head.commit.hexsha == sha and repo.head.commit.parents[0].hexsha == parent
    assert list(repo.head.commit.stats.files) == ["plan/lip.yaml"]
    assert (mini / "plan" / "lip.yaml").read_bytes() == b"titel: x\n"
    assert repo.git.status("--porcelain") == "M  plan/01-haltung.md"


def test_commit_files_rolls_back_on_failure(mini):
    repo = git.Repo(mini)
    (mini / "plan" / "notizen").write_text("kein Ordner", encoding="utf-8")  # untracked file
    before = snapshot(mini)
    with pytest.raises(GitError, match="Commit fehlgeschlagen, nichts wurde verändert"):
        # Writing below a file fails after HEAD has moved and lip.yaml was written: all undone.
        history.commit_files(repo, {"plan/lip.yaml": b"titel: y\n", "plan/notizen/x.md": b"x"},
                             "Test")
    assert snapshot(mini) == before


def test_file_log_reads_the_history_in_one_call(mini):
    repo = git.Repo(mini)
    path = mini / "plan" / "11-bildung.md"
    for n in range(3):
        with path.open("a", encoding="utf-8") as f:
            f.write(f"\nAbsatz {n}.\n")
        commit_all(repo, f"Änderung {n}", date=f"2020-02-0{n + 1}T09:00:00 +0100")
    history.commit_files(repo, {"plan/11-bildung.md": path.read_bytes() + b"\nNeu.\n"},
                         "Eintrag\n\nLip-Eintrag: vorlage\n")
    calls = []

    class CountingGit:  # a spy around the real git runner: counts the git processes
        def __getattr__(self, name):
            def run(*args, **kwargs):
                calls.append(name)
                return getattr(repo.git, name)(*args, **kwargs)
            return run

    log = history.file_log(SimpleNamespace(git=CountingGit()), "plan/11-bildung.md")
    assert len(calls) == 1
    assert [e.subject for e in log] == ["Eintrag", "Änderung 2", "Änderung 1", "Änderung 0",
                                        "Entwurf der Kapitel"]
    assert [e.record for e in log] == ["vorlage", "", "", "", ""]
    assert log[1].time.date().isoformat() == "2020-02-03"
    assert log[-1].author == "Fachberatung OE 50.6"


def test_dirty_staged_and_read_at(mini):
    repo = git.Repo(mini)
    assert not history.is_dirty(repo, "plan/11-bildung.md")
    edit(mini / "plan" / "11-bildung.md", "Erwachsene.", "Erwachsene!")
    assert history.is_dirty(repo, "plan/11-bildung.md")
    assert history.staged_paths(repo) == []
    repo.git.add("plan/11-bildung.md")
    assert history.staged_paths(repo) == ["plan/11-bildung.md"]
    staged = history.read_staged_files(repo)
    assert b"Erwachsene!" in staged["11-bildung.md"]
    assert b"Erwachsene!" not in history.read_file_at(repo, "HEAD", "plan/11-bildung.md")
    assert history.read_file_at(repo, "HEAD", "plan/nicht-da.md") is None
    assert history.hooks_dir(repo) == mini / ".git" / "hooks"


def test_head_snapshot_sees_what_git_has_committed(mini, tmp_path):
    """The build's two git calls give HEAD and the plan's blob ids exactly as GitPython does."""
    repo = git.Repo(mini)
    head = repo.head.commit
    tree = head.tree / "plan"
    expected = {b.path.removeprefix("plan/"): b.hexsha for b in tree.traverse() if b.type == "blob"}
    snap = history.head_snapshot(mini / "plan")
    assert snap.revision.sha == head.hexsha
    assert snap.revision.time == head.committed_datetime
    assert snap.blob_ids == expected
    (mini / "plan" / "neu.md").write_text("nicht eingecheckt\n", encoding="utf-8")
    assert history.head_snapshot(mini / "plan").blob_ids == expected  # HEAD, not the working tree
    assert history.head_snapshot(tmp_path / "kein-repo") is None
