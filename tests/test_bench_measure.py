"""The benchmarks' measurement itself: exact end, memory of the whole process tree, errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "benchmarks"))

from bench_build import measure  # noqa: E402

HOLD_MB = 120
_CHILD = (f"import time; b = bytearray({HOLD_MB} * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]);"
          " time.sleep(0.4)")
_PARENT = ("import subprocess, sys, time; time.sleep(0.05);"
           f" subprocess.run([sys.executable, '-c', {_CHILD!r}], check=True)")


def test_memory_counts_a_child_that_holds_it():
    """The peak is the tree's: a child holding 120 MB while its parent waits shows."""
    sample = measure([sys.executable, "-c", _PARENT])
    assert sample.peak_mb >= HOLD_MB
    assert sample.peak_rss_mb >= HOLD_MB


def test_a_timed_run_ends_when_the_process_ends():
    """Waited for, not polled: the time is the process's, not rounded up to the next look
    (polling every 20 ms added 0–22 ms); without `memory` nothing samples beside it."""
    sleeps = [measure(["sleep", "0.05"], memory=False).seconds for _ in range(5)]
    assert min(sleeps) >= 0.05
    assert sorted(sleeps)[2] < 0.05 + 0.010


def test_a_failing_command_is_reported_with_its_messages():
    """A failure raises with the end of what the command wrote to stderr, also when that
    is more than a pipe holds (read only at the end, a pipe would have blocked it)."""
    script = "import sys; sys.stderr.write('x' * 200_000 + 'kaputt'); sys.exit(3)"
    with pytest.raises(RuntimeError, match=r"\(3\).*kaputt"):
        measure([sys.executable, "-c", script], memory=False)
