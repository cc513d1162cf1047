"""`lip vorschau` as a real process in a scratch repository (tests and benchmarks)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from support import SHIPPED_PLAN
from support.repos import init_repo

LIP = Path(sys.executable).with_name("lip")


def shipped_repo(root: Path) -> Path:
    """A git repository at `root` with the shipped plan committed; returns its plan folder."""
    shutil.copytree(SHIPPED_PLAN, root / "plan")
    init_repo(root, "Plan übernommen")
    return root / "plan"


_WITH_CTRL_C = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                "os.execv(sys.argv[1], sys.argv[1:])")
"""Start a command with Ctrl-C (SIGINT) as in a terminal. A test run started in the
background by a script inherits SIGINT ignored (the shell's rule for background jobs), and
`lip vorschau` would then ignore `stop`'s Ctrl-C like any program: four CI-like runs failed
so."""


class Preview:
    """A running `lip vorschau`: its address, and its terminal output as it comes."""

    def __init__(self, plan_dir: Path, *args: str, timeout: float = 120.0):
        self.plan_dir = plan_dir
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _WITH_CTRL_C, str(LIP), "vorschau", "--plan", str(plan_dir),
             "--port", "0", *args],
            cwd=plan_dir.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.err: list[str] = []
        self._err_thread = threading.Thread(target=self._read_err, daemon=True)
        self._err_thread.start()
        line = self._first_line(timeout)
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.stop()
            raise AssertionError(f"keine Adresse: {line!r} {''.join(self.err)}")
        self.port = int(m.group(1))
        self.url = f"http://127.0.0.1:{self.port}/"

    def _first_line(self, timeout: float) -> str:
        box: list[str] = []
        t = threading.Thread(target=lambda: box.append(self.proc.stdout.readline()), daemon=True)
        t.start()
        t.join(timeout)
        return box[0] if box else ""

    def _read_err(self) -> None:
        for line in self.proc.stderr:
            self.err.append(line)

    def rebuilds(self) -> int:
        return sum(1 for line in self.err if "] Website" in line)

    def wait_rebuilds(self, n: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self.rebuilds() < n and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.rebuilds() >= n, "".join(self.err)

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url.rstrip("/") + path, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def stop(self) -> int:
        """Ctrl-C, as in the terminal; returns the exit code (stopping takes 0.1–0.2 s)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._err_thread.join(2)
                raise AssertionError("lip vorschau endete nicht nach Strg+C; zuletzt: "
                                     + "".join(self.err)[-1500:]) from None
        self._err_thread.join(2)
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()
        return self.proc.returncode
