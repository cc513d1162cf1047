"""The corpus pairs' redlines and whole-document references, made in one process of their own
beside the tests (fixture `beside`, conftest.py).

Each byte-identity test of a corpus pair compares a conversion in parts (a pandoc per core,
but much of it Python on one core: cutting, the cache, putting together) with one pandoc over
the whole document (one core). Made one after the other, one core idled through most of
either; now the process makes the reference while the test converts the parts. It compares
each pair's laws once for the whole session (the four formats' tests each compared them
again, 1–2 s per large pair). The reference is still the whole-document function's own
output from a fresh pandoc process, compared byte for byte: the tests prove what they did."""

from __future__ import annotations

import functools
import multiprocessing
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from support import corpus_pairs


@functools.cache
def _compared(old: str, new: str) -> tuple[str, dict]:
    """The chapter of a corpus pair's redline and its passages (kept: each format needs it)."""
    from support import corpus_comparison

    return corpus_comparison(old, new, summary="")


def _redline(old: str, new: str) -> tuple[str, dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as pytest's filterwarnings in the tests' process
        return _compared(old, new)


def _reference(make: Callable[[str], Any], old: str, new: str, summary: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return make(summary + _compared(old, new)[0])


class Beside:
    """One worker process, started with the first corpus test (spawned: no state of the
    tests' process, such as its pandoc workers or a test's spies, reaches it)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._jobs: dict[tuple, Future] = {}

    def _submit(self, *job: Any) -> None:
        if job not in self._jobs:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            self._jobs[job] = self._pool.submit(*job)

    def corpus(self, name: str, make: Callable[[str], Any], summary: str
               ) -> tuple[str, dict, Future]:
        """Corpus pair `name`'s redline (`summary` before its chapter, as `corpus_comparison`
        lays it out), its passages, and `make(redline)` to come: the reference, made beside
        the test. `make` must be a module-level function (the process imports it); the next
        pair's redline is made before this reference, so that the next test can begin."""
        pairs = corpus_pairs()
        at = [p[0] for p in pairs].index(name)
        for _, old, new in pairs[at:at + 2]:  # the next redline first: the test waits for it
            self._submit(_redline, old, new)
        _, old, new = pairs[at]
        self._submit(_reference, make, old, new, summary)
        chapter, passages = self._jobs.pop((_redline, old, new)).result()
        return summary + chapter, passages, self._jobs.pop((_reference, make, old, new, summary))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        self._jobs.clear()
