"""pandoc processes that stay for a whole command and convert one text after another.

Every pandoc process pays a fixed price before and beside its work: starting, mapping its
160 MB binary, and a first major garbage collection that walks all of it. For the short
conversions of a redline of a small text (20–50 kB each, six to eight of them in a row)
that price is a third to a half of the time: 20 kB of Markdown to HTML took 114 ms as a
process of its own and 60–80 ms as the second job of a running pandoc, byte for byte the
same output. A command that does many such conversions opens `pandoc_workers()`; while it
is open, `tools.run_pandoc` hands each conversion it can express (`request`: the options
the redline's page, PDF and Word file use; input up to `MAX_INPUT` bytes) to an idle
worker, and any other, or any when all workers are busy, to a pandoc of its own as before
(a conversion of a pool, `tools.run_pandoc_pool`, waits for a worker instead).

A worker is `pandoc lua` running `filters/pandoc-worker.lua`: `pandoc.read`, the Lua
filters and `pandoc.write` with the same options. What the command line does besides is
done here and there alike: tabs to spaces before reading, a newline after a text, a Lua of
its own for each filter (FORMAT and PANDOC_SCRIPT_FILE set, no global left behind), the
Word file's timestamp from SOURCE_DATE_EPOCH.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pipeline.render import FILTER_DIR
from pipeline.render.tools import PANDOC_RTS, debug_log, pandoc_path

WORKER_SCRIPT = FILTER_DIR / "pandoc-worker.lua"

MAX_INPUT = 256 * 1024
"""Larger inputs get a pandoc of their own: its fixed price is small beside the work, and a
worker keeps the heap its largest job needed until the command ends."""

SWITCH = "LIP_PANDOC_WORKERS"
"""Set to 0, every conversion runs as a pandoc of its own (to compare, or to rule workers
out)."""

WORKER_NICENESS = 10
"""How much lower a worker's scheduling priority is than lip's own (`nice`). On two cores a
redline runs lip's Python and two workers at once, and the Python is what the next step
waits for: importing lip while both workers warm up, comparing while they convert the
passages ahead. Lowered, the workers get the CPU the Python leaves, not a third of it:
`lip redline` of TPG 270 → 254 ms, BtMG 319 → 298, JGG 2013–2021 362 → 336, JGG 2012
248 → 241 (15 runs each, alternating). pandoc processes of their own gained nothing
(ten years of BGB, BGB 2012): there the Python waits for them."""

_WRITERS = ("json", "html", "html5", "typst", "markdown", "docx")
"""Writers a worker runs. Only the Word file depends on the environment (its timestamp,
SOURCE_DATE_EPOCH): its requests carry it."""

_CHOICES = {"--wrap": ("none", "auto", "preserve"),
            "--reference-location": ("block", "section", "document")}
_VALUE_KEY = {"--template": "template", "--reference-doc": "reference_doc", "-o": "output"}
"""Options with one value each, and the request's key for it."""
_WITH_VALUE = ("-M", "-V", "--lua-filter", *_VALUE_KEY)


def request(args: Sequence[str]) -> dict[str, Any] | None:
    """The request for a worker that converts exactly as `pandoc ARGS` would, or None: ARGS
    are `-f FROM -t TO`, then only `--wrap=`, `--reference-location=`, `-s` with
    `--template`, `-M`, `-V`, `--toc`, `--toc-depth=`, `--lua-filter`, `--reference-doc`,
    `--shift-heading-level-by=` (down) and `-o` (what the redline's page, PDF and Word file
    and the site use). `-o` stays with the caller (`output`), which writes the file."""
    if len(args) < 4 or args[0] != "-f" or args[2] != "-t":
        return None
    source, target = args[1], args[3]
    if not (source == "json" or source.startswith("markdown")) \
            or target.split("-")[0].split("+")[0] not in _WRITERS:
        return None
    wanted: dict[str, Any] = {"from": source, "to": target}
    standalone = False
    rest = list(args[4:])
    while rest:
        arg = rest.pop(0)
        name, _, value = arg.partition("=")
        if name in _WITH_VALUE and name.startswith("--") and value:
            # `--lua-filter=PATH` is `--lua-filter PATH` (for a short option, `=` is the value's)
            arg = name
            rest.insert(0, value)
        key = name[2:].replace("-", "_")
        if name in _CHOICES and value in _CHOICES[name] and key not in wanted:
            wanted[key] = value
        elif arg in ("-s", "--standalone"):
            standalone = True
        elif arg in _WITH_VALUE and rest:
            value = rest.pop(0)
            if arg == "-M":
                wanted.setdefault("metadata", []).extend(["-M", value])
            elif arg == "--lua-filter":
                wanted.setdefault("filters", []).append(value)
            elif arg == "-V" and "=" in value:
                key, _, text = value.partition("=")
                if key in wanted.setdefault("variables", {}):
                    return None  # a list of values
                wanted["variables"][key] = text
            elif arg != "-V" and _VALUE_KEY[arg] not in wanted:
                wanted[_VALUE_KEY[arg]] = value
            else:
                return None
        elif name == "--shift-heading-level-by" and value.isdigit() and key not in wanted:
            wanted[key] = int(value)  # only down the levels: up, a heading may become the title
        elif arg == "--toc":
            wanted["toc"] = True
        elif name == "--toc-depth" and value.isdigit():
            wanted["toc_depth"] = int(value)
        else:
            return None
    if standalone != ("template" in wanted):
        return None  # pandoc's own template, or a template that is not used
    if target == "docx" and "output" not in wanted:
        return None  # a Word file to standard output
    return wanted


def as_the_command_line_reads(source: str, data: bytes) -> bytes:
    """The input as pandoc's command line hands it to its reader: tabs to spaces (tab stop
    4) before any reader but JSON's sees them; `pandoc.read` leaves them (a tab in a code
    block stays a tab). Carriage returns both drop."""
    if source == "json" or b"\t" not in data:
        return data
    return data.decode("utf-8").replace("\r", "").expandtabs(4).encode("utf-8")


class WorkerBroken(Exception):  # noqa: N818  (not the user's error: the caller falls back)
    """The worker ended or answered out of turn; it is not used again."""


class Worker:
    """One `pandoc lua` process converting requests in turn."""

    def __init__(self, warm: bool = False) -> None:
        self._proc = subprocess.Popen(
            [pandoc_path(), "lua", str(WORKER_SCRIPT), *(["warm"] if warm else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env={"GHCRTS": PANDOC_RTS, **os.environ})
        with contextlib.suppress(OSError):  # already ended: its first request will tell
            os.setpriority(os.PRIO_PROCESS, self._proc.pid,
                           min(19, os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS))

    def convert(self, wanted: dict[str, Any], data: bytes,
                started: Callable[[], None] | None = None) -> tuple[bool, bytes]:
        """(True, output) or (False, pandoc's error message); WorkerBroken if the process
        is gone."""
        proc = self._proc
        assert proc.stdin is not None and proc.stdout is not None
        try:
            head = json.dumps({**{k: v for k, v in wanted.items() if k != "output"},
                               "size": len(data)}, ensure_ascii=False)
            proc.stdin.write(head.encode("utf-8") + b"\n")
            proc.stdin.write(data)
            proc.stdin.flush()
            if started is not None:
                started()
            answer = proc.stdout.readline().split()
            if len(answer) != 2 or answer[0] not in (b"ok", b"err") or not answer[1].isdigit():
                raise WorkerBroken
            size = int(answer[1])
            body = proc.stdout.read(size)
        except (OSError, ValueError) as e:  # a closed pipe, or closed by `close`
            raise WorkerBroken from e
        if len(body) != size:
            raise WorkerBroken
        return answer[0] == b"ok", body

    def close(self) -> None:
        """End the process: at once (it may be in the middle of a job nobody waits for)."""
        _end_all([self])

    def kill(self) -> None:
        """Tell the process to end at once (`_end_all` also waits for it)."""
        proc = self._proc
        proc.kill()
        for pipe in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()


class Pool:
    """Idle workers, taken one per conversion."""

    def __init__(self, size: int) -> None:
        self._lock = threading.Condition()
        adopted = _early[:size]
        del _early[:size]
        _close_early()
        # started now (or at lip's start): their start overlaps the command's own work
        self._all: list[Worker] = [*adopted, *(Worker() for _ in range(size - len(adopted)))]
        self._idle: list[Worker] = list(self._all)
        self.closed = False
        for worker in self._all:
            debug_log("pandoc worker kept: %d", worker._proc.pid)

    def take(self, wait: bool = False) -> Worker | None:
        """An idle worker, or None; with `wait`, once one is idle (None if the pool is
        closed or has none left)."""
        with self._lock:
            if wait:
                self._lock.wait_for(lambda: self._idle or self.closed or not self._all)
            return self._idle.pop() if self._idle and not self.closed else None

    def give_back(self, worker: Worker) -> None:
        with self._lock:
            if not self.closed:
                self._idle.append(worker)
                self._lock.notify()

    def drop(self, worker: Worker) -> None:
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
            self._lock.notify_all()
        worker.close()

    def close(self) -> None:
        with self._lock:
            self.closed = True
            workers, self._all, self._idle = self._all, [], []
            self._lock.notify_all()
        _end_all(workers)


def _end_all(workers: list[Worker]) -> None:
    """End the workers' processes: all told first, then waited for, so that they end side by
    side (one after the other took 4 ms more at the end of a command)."""
    for worker in workers:
        worker.kill()
    for worker in workers:
        worker._proc.wait()


_pool: Pool | None = None
_early: list[Worker] = []
"""Workers started with lip (`start_early`), not yet kept by a command."""


def start_early(count: int) -> None:
    """Start `count` workers now, for a command that will keep them (`pandoc_workers`): they
    start and convert a sample while Python imports lip (50–100 ms, on one core). Workers no
    command takes end when lip ends (their input closes) or `pandoc_workers` ends them."""
    _early.extend(Worker(warm=True) for _ in range(count))


def _close_early() -> None:
    """End the early workers no pool took over."""
    workers = list(_early)
    _early.clear()
    _end_all(workers)


def active() -> bool:
    """Whether a command keeps workers now."""
    return _pool is not None and not _pool.closed


def stop() -> None:
    """End the command's workers before it is over: before typst compiles a PDF (lip's
    largest moment), idle workers would keep pandoc's 100 MB program and their own heaps
    in memory (the JGG's PDF: 248 MB at its peak with them). Conversions after this run as
    pandoc processes."""
    if _pool is not None:
        _pool.close()


@contextlib.contextmanager
def pandoc_workers(size: int, enabled: bool = True) -> Iterator[None]:
    """Keep `size` workers for the conversions inside (none if not `enabled`, or with
    LIP_PANDOC_WORKERS=0); they end with it, also after an error or Ctrl-C."""
    global _pool
    if not enabled or size < 1 or _pool is not None or os.environ.get(SWITCH) == "0":
        if _pool is None:
            _close_early()  # not needed: their memory is the command's
        yield
        return
    _pool = Pool(size)
    try:
        yield
    finally:
        pool, _pool = _pool, None
        pool.close()


def try_worker(args: Sequence[str], stdin: str | bytes | None,
               started: Callable[[], None] | None = None,
               env: dict[str, str] | None = None, wait: bool = False) -> bytes | None:
    """The output of `pandoc ARGS` with `stdin` and `env` from a worker (with `-o`: written
    to that file, and b""), or None: no worker is idle (with `wait`: none is left), the
    conversion is not one a worker does, or pandoc failed (the caller runs it again as a
    process of its own, for the command line's error message)."""
    pool = _pool
    if pool is None or pool.closed or stdin is None:
        return None
    wanted = request(args)
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    if wanted is None or len(data) > MAX_INPUT:
        return None
    if wanted["to"] == "docx":  # its timestamp comes from the environment, as for a process
        wanted["environment"] = {"GHCRTS": PANDOC_RTS, **os.environ, **(env or {})}
    worker = pool.take(wait)
    if worker is None:
        return None
    debug_log("pandoc worker: %s", " ".join(args))
    try:
        ok, out = worker.convert(wanted, as_the_command_line_reads(wanted["from"], data), started)
    except WorkerBroken:
        pool.drop(worker)
        return None
    except BaseException:  # Ctrl-C in the middle of a job: its reply would come out of turn
        pool.drop(worker)
        raise
    pool.give_back(worker)
    if not ok:
        return None
    if "output" in wanted:
        with open(wanted["output"], "wb") as f:
            f.write(out)
        return b""
    return out
