"""Review workflow on a long history: `lip status` and `lip verlauf` on 5,000 commits.

The repository is generated with `git fast-import` (a few seconds): the shipped plan, then
4,999 commits of which every fifth edits the Bildung chapter (so `lip verlauf bildung` walks
1,000 text commits) and the others edit a file outside the plan. Bildung is then submitted,
commented on and accepted on its FIRST version with the real commands, so `lip status` has to
count the words changed since (a stale acceptance).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import Row, median_time

ROOT = Path(__file__).resolve().parents[2]
COMMITS = 5000
LIP = [sys.executable, "-m", "pipeline"]


def _data(blob: bytes) -> bytes:
    return b"data %d\n" % len(blob) + blob + b"\n"


def make_repo(target: Path) -> float:
    """Create the 5,000-commit repository in `target`; return the seconds it took."""
    start = time.perf_counter()
    subprocess.run(["git", "init", "-q", "-b", "main", str(target)], check=True)
    plan_files = {p.relative_to(ROOT).as_posix(): p.read_bytes()
                  for p in sorted((ROOT / "plan").rglob("*")) if p.is_file()}
    for path, blob in plan_files.items():  # start from drafts: drop the shipped history
        if path.endswith(".md") and b"\nreview:\n" in blob:
            head, _, rest = blob.partition(b"\nreview:\n")
            body = rest.split(b"\n---\n", 1)[1]
            plan_files[path] = head + b"\nreview:\n  vorlagen: []\n  entscheidungen: []\n" \
                b"  stellungnahmen: []\n---\n" + body
    bildung = plan_files["plan/11-bildung.md"]
    t0 = int(dt.datetime(2019, 6, 1, tzinfo=dt.UTC).timestamp())
    chunks: list[bytes] = []
    for n in range(1, COMMITS + 1):
        who = b"Fachberatung OE 50.6 <fachberatung@example.org> %d +0100" % (t0 + n * 600)
        chunks.append(b"commit refs/heads/main\nmark :%d\nauthor %s\ncommitter %s\n" % (n, who, who))
        chunks.append(_data(b"Stand %d" % n))
        if n > 1:
            chunks.append(b"from :%d\n" % (n - 1))
        if n == 1:
            for path, blob in plan_files.items():
                chunks.append(b"M 100644 inline %s\n" % path.encode() + _data(blob))
        elif n % 5 == 0:
            bildung += b"\nErg\xc3\xa4nzung Nummer %d zur Sprachbildung im Stadtteil.\n" % n
            chunks.append(b"M 100644 inline plan/11-bildung.md\n" + _data(bildung))
        else:
            chunks.append(b"M 100644 inline notizen/protokoll.txt\n" + _data(b"Notiz %d\n" % n))
    subprocess.run(["git", "fast-import", "--quiet"], input=b"".join(chunks), cwd=target,
                   check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=target, check=True)
    return time.perf_counter() - start


def record_history(target: Path) -> None:
    """Submit, comment and accept Bildung's first version with the real commands."""
    env = {**os.environ, "NO_COLOR": "1", "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@x",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@x"}
    first = subprocess.run(["git", "rev-list", "--max-parents=0", "HEAD"], cwd=target,
                           capture_output=True, text=True, check=True).stdout.strip()
    for args in (["vorlegen", "bildung", "--datum", "2020-10-05", "--commit", first],
                 ["stellungnahme", "bildung", "--gremium", "gleichstellungsbeauftragte",
                  "--text", "Keine Einwände.", "--datum", "2020-10-06", "--commit", first],
                 ["entscheiden", "bildung", "--angenommen", "--datum", "2020-10-07",
                  "--commit", first]):
        subprocess.run([*LIP, *args], cwd=target, env=env, check=True, capture_output=True)


def run() -> list[Row]:
    tmp = Path(tempfile.mkdtemp(prefix="lip-bench-review-"))
    try:
        repo = tmp / "repo"
        made = make_repo(repo)
        record_history(repo)
        count = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=repo,
                               capture_output=True, text=True, check=True).stdout.strip()
        env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}

        def cli(*args: str) -> None:
            proc = subprocess.run([*LIP, *args], cwd=repo, env=env, capture_output=True,
                                  text=True)
            assert proc.returncode == 0, proc.stderr

        status = subprocess.run([*LIP, "status"], cwd=repo, env=env, capture_output=True,
                                text=True).stdout
        assert "seitdem geändert: " in status and " eingefügt" in status, status
        t_status = median_time(lambda: cli("status"), repeat=5)
        t_verlauf = median_time(lambda: cli("verlauf", "bildung"), repeat=3)
        sys.path.insert(0, str(ROOT))
        from pipeline.commands import status as status_cmd
        from pipeline.commands import timeline as timeline_cmd

        t_status_core = median_time(lambda: status_cmd.status(repo / "plan"), repeat=5)
        t_timeline_core = median_time(lambda: timeline_cmd.timeline(repo / "plan", "bildung"),
                                      repeat=3)
        n_text = sum(1 for line in subprocess.run(
            [*LIP, "verlauf", "bildung"], cwd=repo, env=env, capture_output=True,
            text=True).stdout.splitlines() if "Textänderung" in line)
        return [
            Row("review", f"Repository erzeugen ({count} Commits, git fast-import)",
                f"{made:.1f} s", "–"),
            Row("review", f"lip status (Befehl, {count} Commits, 13 Kapitel)",
                f"{t_status:.2f} s", "≤ 1 s", t_status <= 1.0),
            Row("review", "status im Prozess (ohne Python-Start)", f"{t_status_core:.2f} s",
                "≤ 0,5 s", t_status_core <= 0.5),
            Row("review", f"lip verlauf bildung (Befehl, {n_text} Textänderungen, 1× git log)",
                f"{t_verlauf:.2f} s", "≤ 2 s", t_verlauf <= 2.0),
            Row("review", "verlauf im Prozess", f"{t_timeline_core:.2f} s", "≤ 1 s",
                t_timeline_core <= 1.0),
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
