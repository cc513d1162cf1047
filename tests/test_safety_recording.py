"""Recording commands under concurrency and kills (issue 20, items 1, 2, 7, 9, 10, 12): real
`lip` processes against a real repository."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import git
import pytest
from support.repos import commit_all, snapshot

REAL_GIT = shutil.which("git")


def lip_process(root: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    """lip in a process group of its own (see `wait_for_its_children`)."""
    return subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NO_COLOR": "1", **(env or {})},
                            start_new_session=True)


def wait_for_its_children(proc: subprocess.Popen, timeout: float = 30) -> None:
    """Wait until every process lip started has ended. A SIGKILL ends lip, not the git it
    runs: a `git update-ref` may still move HEAD after lip is gone, and the repository must
    be looked at as it stays, not in between."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = False
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended while we looked
            if int(fields[2]) == proc.pid and fields[0] != "Z":  # its group, not a zombie
                alive = True
                break
        if not alive:
            return
        time.sleep(0.01)


def lip(root: Path, *args: str, env: dict | None = None) -> tuple[int, str]:
    proc = lip_process(root, *args, env=env)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out + err


@pytest.fixture
def repo_root(mini):  # noqa: F811 (the fixture, imported above)
    return mini


@pytest.fixture
def submitted(repo_root) -> Path:
    """haltung submitted (not gleichstellungsrelevant: a decision needs no statement)."""
    code, out = lip(repo_root, "vorlegen", "haltung", "--datum", "2020-02-01")
    assert code == 0, out
    return repo_root


def decisions_at_head(root: Path) -> list[str]:
    text = git.Repo(root).git.show("HEAD:plan/01-haltung.md")
    return [line.strip() for line in text.splitlines() if line.strip().startswith("ergebnis:")]


def assert_clean(root: Path) -> None:
    status = git.Repo(root).git.status("--porcelain")
    assert status == "", status


def test_two_decisions_on_one_chapter_at_once_one_wins_cleanly(submitted: Path) -> None:
    for _ in range(2):
        head_before = git.Repo(submitted).head.commit.hexsha
        a = lip_process(submitted, "entscheiden", "haltung", "--angenommen", "--datum", "2020-03-01")
        b = lip_process(submitted, "entscheiden", "haltung", "--zurueckgespielt",
                        "--vorgabe", "Leitlinien schärfen", "--datum", "2020-03-01")
        results = [(p.wait(timeout=120), p.communicate()) for p in (a, b)]
        codes = sorted(code for code, _ in results)
        texts = "\n".join(out + err for _, (out, err) in results)
        assert codes == [0, 1], texts
        assert "Commit fehlgeschlagen" not in texts and "Traceback" not in texts
        assert "unzulässig" in texts or "nicht" in texts
        assert_clean(submitted)
        repo = git.Repo(submitted)
        assert repo.head.commit.parents[0].hexsha == head_before
        assert len(decisions_at_head(submitted)) == 1
        # start again from the submission for the second round
        repo.git.reset("--hard", head_before)
    assert decisions_at_head(submitted) == []


def test_recordings_on_two_chapters_at_once_both_land(repo_root: Path) -> None:
    procs = [lip_process(repo_root, "vorlegen", key, "--datum", "2020-02-01")
             for key in ("haltung", "bildung")]
    results = [(p.wait(timeout=120), "".join(p.communicate())) for p in procs]
    assert [code for code, _ in results] == [0, 0], results
    repo = git.Repo(repo_root)
    subjects = [c.summary for c in repo.iter_commits(max_count=2)]
    assert sorted("Bildung" in s for s in subjects) == [False, True], subjects
    assert_clean(repo_root)


def test_a_busy_repository_is_named_after_a_bounded_wait(submitted: Path) -> None:
    import fcntl

    lock = Path(git.Repo(submitted).git_dir) / "lip.lock"
    with open(lock, "w") as f:
        f.write('{"pid": 4242, "befehl": "lip entscheiden", "seit": "10:00:00"}')
        f.flush()
        fcntl.flock(f, fcntl.LOCK_EX)
        before = snapshot(submitted)
        start = time.monotonic()
        code, out = lip(submitted, "entscheiden", "haltung", "--angenommen",
                        env={"LIP_LOCK_TIMEOUT": "1"})
        assert time.monotonic() - start < 30
    assert code == 3
    assert (f"Fehler: Ein anderer lip-Befehl (lip entscheiden, Prozess 4242, seit 10:00:00) "
            f"schreibt gerade in dieses Repository; nach 1 s Warten abgebrochen, nichts wurde "
            f"verändert. Bitte erneut aufrufen, wenn er fertig ist (Sperrdatei: {lock}).") in out
    assert snapshot(submitted) == before


def test_a_lock_left_by_a_killed_process_is_taken_over(submitted: Path) -> None:
    lock = Path(git.Repo(submitted).git_dir) / "lip.lock"
    dead = subprocess.Popen(["true"])
    dead.wait()
    lock.write_text(f'{{"pid": {dead.pid}, "befehl": "lip vorlegen"}}')
    code, out = lip(submitted, "entscheiden", "haltung", "--angenommen",
                    env={"LIP_LOCK_TIMEOUT": "1"})
    assert code == 0, out
    assert not lock.exists(), "released on exit"


def git_shim(tmp_path: Path, before_update_ref: str) -> dict:
    """PATH with a `git` that runs a shell command just before lip moves HEAD: another
    process committing at the worst moment, for real."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "git").write_text(f"#!/bin/sh\nif [ \"$1\" = update-ref ]; then {before_update_ref}; fi\n"
                              f"exec {REAL_GIT} \"$@\"\n")
    (shim / "git").chmod(0o755)
    return {"PATH": f"{shim}:{os.environ['PATH']}"}


def test_rollback_never_touches_someone_elses_commit(submitted: Path, tmp_path: Path) -> None:
    """A commit made by plain git between our commit object and HEAD's move: the CAS fails,
    and the undo restores only what lip wrote, never the other commit's file."""
    other = submitted / "plan" / "11-bildung.md"
    code, out = lip(submitted, "entscheiden", "haltung", "--angenommen", env=git_shim(
        tmp_path, f"echo Nachtrag >> {other}; {REAL_GIT} -C {submitted} commit -q -m parallel "
                  f"-- {other}"))
    assert code == 3, out
    assert "Commit fehlgeschlagen, nichts wurde verändert: git update-ref: HEAD wurde " \
           "gleichzeitig von einem anderen Befehl verändert" in out
    repo = git.Repo(submitted)
    assert repo.head.commit.summary == "parallel"
    assert_clean(submitted)
    assert other.read_text().endswith("Nachtrag\n")
    assert decisions_at_head(submitted) == []


def test_a_plain_commit_that_took_the_staged_record_is_kept(submitted: Path, tmp_path: Path) -> None:
    """`git commit` at the very moment commits what lip staged: lip's own commit then fails,
    and the undo must not stage the removal of what the other commit now holds."""
    code, out = lip(submitted, "entscheiden", "haltung", "--angenommen", env=git_shim(
        tmp_path, f"{REAL_GIT} -C {submitted} commit -q -m parallel"))
    assert code == 3, out
    assert ("Fehler: Commit fehlgeschlagen: git update-ref: HEAD wurde gleichzeitig von einem "
            "anderen Befehl verändert; ein gleichzeitiger Commit hat den Eintrag schon mit "
            "aufgenommen (git log zeigt ihn)") in out
    assert git.Repo(submitted).head.commit.summary == "parallel"
    assert decisions_at_head(submitted) == ["ergebnis: angenommen"]
    assert_clean(submitted)


@pytest.mark.parametrize("after", ["update-index", "update-ref"])
def test_a_kill_right_after_a_git_step_leaves_nothing_or_everything(submitted: Path,
                                                                    tmp_path: Path,
                                                                    after: str) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "git").write_text(
        f"#!/bin/sh\n{REAL_GIT} \"$@\"\nrc=$?\n"
        f"if [ \"$1\" = {after} ] && [ -z \"$GIT_INDEX_FILE\" ]; then kill -9 $PPID; fi\n"
        "exit $rc\n")
    (shim / "git").chmod(0o755)
    head_before = git.Repo(submitted).head.commit.hexsha
    code, out = lip(submitted, "entscheiden", "haltung", "--angenommen", "--datum", "2020-03-01",
                    env={"PATH": f"{shim}:{os.environ['PATH']}"})
    assert code == -signal.SIGKILL, out
    _assert_nothing_or_everything(submitted, head_before)


def _assert_nothing_or_everything(root: Path, head_before: str) -> None:
    """After a kill: either HEAD has the decision and index and files agree with it, or HEAD
    does not and the next recording command removes the leftovers before it records."""
    repo = git.Repo(root)
    if repo.head.commit.hexsha != head_before:
        assert decisions_at_head(root) == ["ergebnis: angenommen"]
        assert_clean(root)
        code, out = lip(root, "entscheiden", "haltung", "--angenommen")
        assert code == 1 and "Fehler" in out, out  # already decided: refused, nothing written
        assert_clean(root)
    else:
        code, out = lip(root, "entscheiden", "haltung", "--angenommen", "--datum", "2020-03-01")
        assert code == 0, out
        assert decisions_at_head(root) == ["ergebnis: angenommen"]
        assert_clean(root)


def test_a_kill_between_writing_the_chapter_and_renaming_it_leaves_no_temp_file(
        submitted: Path) -> None:
    """SIGKILL inside the atomic write of the chapter, after its temp file is written and
    before the rename: the next recording command settles the dead one's work, its temp
    file too (the kill test below hit this moment once in a while and found it left)."""
    head_before = git.Repo(submitted).head.commit.hexsha
    kill_at_rename = (
        "import os, signal, sys\n"
        "real = os.replace\n"
        "def replace(a, b):\n"
        "    if str(b).endswith('01-haltung.md'):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return real(a, b)\n"
        "os.replace = replace\n"
        "sys.argv = ['lip', 'entscheiden', 'haltung', '--angenommen', '--datum', '2020-03-01']\n"
        "from pipeline.entry import run\n"
        "run()\n")
    proc = subprocess.run([sys.executable, "-c", kill_at_rename], cwd=submitted,
                          capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    assert list((submitted / "plan").glob(".01-haltung.md.*.tmp"))  # the moment was hit
    _assert_nothing_or_everything(submitted, head_before)


@pytest.mark.slow
def test_kills_at_many_moments_never_leave_a_half_recording(repo_root: Path) -> None:
    """SIGKILL `lip entscheiden` after 0 … 1.25 x its run time, in 16 steps (bounded: ~1 min)."""
    code, out = lip(repo_root, "vorlegen", "haltung", "--datum", "2020-02-01")
    assert code == 0, out
    base = git.Repo(repo_root).head.commit.hexsha
    start = time.monotonic()
    code, out = lip(repo_root, "entscheiden", "haltung", "--angenommen")
    duration = time.monotonic() - start
    assert code == 0, out
    outcomes = set()
    for step in range(16):
        git.Repo(repo_root).git.reset("--hard", base)
        proc = lip_process(repo_root, "entscheiden", "haltung", "--angenommen")
        if step < 15:
            time.sleep(duration * step / 12)
            proc.send_signal(signal.SIGKILL)
        # the last one is left to finish: on a busy machine a run can take longer than the
        # measured one, and the kills would then all fall before the commit
        proc.communicate(timeout=60)  # waits and closes the pipes
        wait_for_its_children(proc)
        outcomes.add(git.Repo(repo_root).head.commit.hexsha != base)
        _assert_nothing_or_everything(repo_root, base)
    assert outcomes == {False, True}, "the delays must cover both sides of the commit"


def test_recording_is_refused_during_a_merge(submitted: Path) -> None:
    repo = git.Repo(submitted)
    base = repo.head.commit.hexsha
    repo.git.checkout("-b", "seite")
    (submitted / "plan" / "01-haltung.md").write_text(
        (submitted / "plan" / "01-haltung.md").read_text().replace("Vielfalt", "Vielfalt, A"))
    commit_all(repo, "A")
    repo.git.checkout("-")
    (submitted / "plan" / "01-haltung.md").write_text(
        (submitted / "plan" / "01-haltung.md").read_text().replace("Vielfalt", "Vielfalt, B"))
    commit_all(repo, "B")
    with pytest.raises(git.GitCommandError):
        repo.git.merge("seite")
    before = snapshot(submitted)
    code, out = lip(submitted, "entscheiden", "haltung", "--angenommen")
    assert code == 3, out
    assert ("Fehler: Im Repository ist ein Merge nicht abgeschlossen; währenddessen hält lip "
            "nichts fest. Erst abschließen oder abbrechen (git status zeigt, wie), dann den "
            "Befehl wiederholen.") in out
    assert snapshot(submitted) == before
    assert base


def test_a_detached_head_is_named(submitted: Path) -> None:
    repo = git.Repo(submitted)
    repo.git.checkout("--detach")
    code, out = lip(submitted, "entscheiden", "haltung", "--angenommen")
    assert code == 0, out
    sha = repo.head.commit.hexsha[:10]
    assert (f"Achtung: HEAD ist von keinem Branch ausgecheckt (detached HEAD). Der Commit {sha} "
            f"liegt auf keinem Branch und geht beim nächsten 'git checkout' verloren; sichern "
            f"mit 'git branch NAME {sha}' oder 'git switch -c NAME'.") in out


def test_without_git_on_the_path_every_git_command_says_so(submitted: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("pandoc", "typst"):
        if shutil.which(tool):
            (bare / tool).symlink_to(shutil.which(tool))
    env = {"PATH": str(bare)}
    for args in (["status"], ["verlauf", "haltung"]):  # git only adds word counts, text edits
        code, out = lip(submitted, *args, env=env)
        assert code == 0 and "Interner Fehler" not in out, out
    for args in (["entscheiden", "haltung", "--angenommen"], ["redline"]):
        code, out = lip(submitted, *args, env=env)
        assert "Interner Fehler" not in out, (args, out)
        assert code == 3, (args, out)
        assert ("git ist nicht installiert oder nicht im Suchpfad (PATH); bitte Git installieren "
                "(Debian: apt-get install git) und den Befehl wiederholen") in out, (args, out)


def test_recording_refuses_while_the_manifest_is_broken(submitted: Path) -> None:
    manifest = submitted / "plan" / "lip.yaml"
    manifest.write_text(manifest.read_text().replace("titel: Lokaler Integrationsplan 2.0\n",
                                                     "titel: [kaputt\n", 1))
    commit_all(git.Repo(submitted), "Manifest kaputt")
    before = snapshot(submitted)
    for args in (["vorlegen", "bildung"], ["stellungnahme", "haltung", "--gremium", "rtgs",
                                            "--text", "Gut."]):
        code, out = lip(submitted, *args)
        assert code == 1, out
        assert out.startswith("plan/lip.yaml:2: kopf: YAML-Syntaxfehler"), out  # where the [ opens
        assert "1 Problem im Plan; Details mit 'lip check'." in out
    assert snapshot(submitted) == before


# --- append-only (item 3) --------------------------------------------------------------------


@pytest.fixture
def decided(submitted: Path) -> Path:
    code, out = lip(submitted, "entscheiden", "haltung", "--angenommen", "--datum", "2020-03-01")
    assert code == 0, out
    return submitted


def _drop_decisions(root: Path) -> str:
    path = root / "plan" / "01-haltung.md"
    text = path.read_text()
    start = text.index("  entscheidungen:\n")
    end = text.index("  stellungnahmen:")
    path.write_text(text[:start] + "  entscheidungen: []\n" + text[end:])
    return git.Repo(root).head.commit.hexsha


def test_a_removed_decision_is_reported_with_its_commit(decided: Path) -> None:
    decision = _drop_decisions(decided)
    commit_all(git.Repo(decided), "Entscheidungen aufgeräumt")
    before = snapshot(decided)
    code, out = lip(decided, "check")
    assert code == 1, out
    assert (f"plan/01-haltung.md:19: review.entscheidungen[0]: Eintrag (01.03.2020, "
            f"Lenkungsgruppe, angenommen) aus Commit {decision[:10]} wurde entfernt; der "
            f"Beratungsverlauf wird nur ergänzt. Die Datei mit dem Eintrag zurückholen: git checkout "
            f"{decision[:10]} -- plan/01-haltung.md (verwirft spätere Änderungen an der Datei), "
            f"oder die Berichtigung begründet festhalten: lip berichtigen haltung --grund \"…\"") in out
    assert snapshot(decided) == before


def test_the_hint_of_a_removed_decision_brings_it_back(decided: Path) -> None:
    """The message's command, pasted as it stands, restores the chapter with its decision
    (committed away past the hook): lip check passes again."""
    import shlex

    recorded = (decided / "plan" / "01-haltung.md").read_text()
    _drop_decisions(decided)
    commit_all(git.Repo(decided), "Entscheidungen aufgeräumt")
    code, out = lip(decided, "check")
    command = re.search(r"zurückholen: (git checkout .+?) \(verwirft", out)
    assert code == 1 and command, out
    subprocess.run(shlex.split(command.group(1)), cwd=decided, check=True, capture_output=True)
    assert (decided / "plan" / "01-haltung.md").read_text() == recorded
    code, out = lip(decided, "check")
    assert code == 0, out


def test_the_hook_refuses_to_commit_a_removed_decision(decided: Path) -> None:
    decision = _drop_decisions(decided)
    git.Repo(decided).git.add("-A")
    code, out = lip(decided, "hooks", "run")
    assert code == 1, out
    assert f"aus Commit {decision[:10]} wurde entfernt" in out


def test_a_rewritten_decision_is_reported_and_can_be_corrected_on_record(decided: Path) -> None:
    path = decided / "plan" / "01-haltung.md"
    decision = git.Repo(decided).head.commit.hexsha
    path.write_text(path.read_text().replace("datum: 2020-03-01", "datum: 2020-03-02"))
    code, out = lip(decided, "check")
    assert code == 1 and f"aus Commit {decision[:10]} wurde nachträglich geändert" in out, out
    code, out = lip(decided, "berichtigen", "haltung", "--grund", "Sitzung war am 2. März",
                    "--datum", "2020-03-05")
    assert code == 0, out
    assert "Beratungsverlauf von Kapitel A Haltung der Stadt berichtigt" in out
    text = git.Repo(decided).git.show("HEAD:plan/01-haltung.md")
    assert ("  berichtigungen:\n    - datum: 2020-03-05\n      von: Fachberatung OE 50.6\n"
            "      grund: Sitzung war am 2. März\n      eintraege:\n"
            "        - 'Entscheidung Lenkungsgruppe vom 01.03.2020 (angenommen): Datum 01.03.2020 → "
            "02.03.2020'\n") in text
    assert_clean(decided)
    code, out = lip(decided, "check")
    assert code == 0, out
    code, out = lip(decided, "berichtigen", "haltung", "--grund", "nochmal")
    assert code == 1 and "unverändert" in out, out


def test_a_shallow_clone_says_how_to_fetch_the_history(decided: Path, tmp_path: Path) -> None:
    path = decided / "plan" / "01-haltung.md"
    path.write_text(path.read_text().replace("Vielfalt", "Vielfalt und Teilhabe"))
    commit_all(git.Repo(decided), "Text geändert")
    clone = tmp_path / "flach"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{decided}", str(clone)],
                   check=True)
    code, out = lip(clone, "check")
    assert code == 0, out
    hint = ("das Repository ist ein flacher Klon (shallow clone) ohne die ältere Historie; mit "
            "'git fetch --unshallow' die ganze Historie holen")
    assert "Warnung: 2 Einträge verweisen auf Commits, die hier fehlen" in out and hint in out
    code, out = lip(clone, "redline")
    assert code == 1 and hint in out, out


def test_a_git_error_that_escapes_a_command_is_german(repo_root: Path) -> None:
    from pipeline.commands import git_failure

    with pytest.raises(git.GitCommandError) as e:
        git.Repo(repo_root).git.rev_parse("--verify", "gibt-es-nicht")
    assert git_failure(e.value) == ("Git ist fehlgeschlagen: git rev-parse ist fehlgeschlagen "
                                    "(Exit-Code 128); Meldung von git: fatal: Needed a single "
                                    "revision")
    assert git_failure(ValueError("x")) is None
