"""Run the external tools (the bundled pandoc) with errors that name the command."""

from __future__ import annotations

import contextlib
import functools
import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from pipeline.errors import RenderError


@functools.cache
def pandoc_path() -> str:
    """Path of the pandoc shipped with pypandoc-binary (never a different one from PATH)."""
    import importlib.util

    # Locate the package without importing it: `import pypandoc` alone costs ~30 ms.
    spec = importlib.util.find_spec("pypandoc")
    origin = spec.origin if spec and spec.origin else ""
    path = os.path.join(os.path.dirname(origin), "files", "pandoc")
    if not os.path.exists(path):
        raise RenderError("pandoc", path, None,
                          "pandoc aus pypandoc-binary nicht gefunden; bitte 'make setup' ausführen")
    return path


CONVERSION_VERSION = "2"
"""Raised when the way lip runs pandoc changes what it writes, so that every cache converts
again (2: pandoc workers read with the command line's 72 columns, not pandoc.read's 80 –
tables' relative column widths differed)."""


@functools.cache
def pandoc_identity() -> str:
    """The pandoc binary's identity for cache keys, without running it (`pandoc --version`
    costs a process start): its path, size and modification time, and CONVERSION_VERSION."""
    st = os.stat(pandoc_path())
    return f"{pandoc_path()}:{st.st_size}:{st.st_mtime_ns}:{CONVERSION_VERSION}"


PANDOC_RTS = "-H16m"
"""pandoc's runtime: its binary asks for a 64 MB allocation area (-H64m), larger than the
processor's caches and touched page by page in every short run. 16 MB makes the same
conversion 15–25 % faster with less memory (measured on 60 kB, 250 kB and 1.5 MB of law
text, to HTML, JSON, Markdown and typst); GHCRTS set by the caller wins."""


class PandocProcess:
    """A running pandoc, possibly started before its input exists.

    pandoc spends its first ~40 ms starting up before it reads standard input; a caller that
    knows the arguments early starts it early, so that this overlaps its own work.
    """

    def __init__(self, args: Sequence[str], env: dict[str, str] | None = None,
                 reads_stdin: bool = True) -> None:
        self.cmd = [pandoc_path(), *args]
        debug_log("pandoc: %s", shlex.join(self.cmd))
        self._proc = subprocess.Popen(
            self.cmd, stdin=subprocess.PIPE if reads_stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={"GHCRTS": PANDOC_RTS, **os.environ, **(env or {})})
        self._ended = False
        self._finishing = False
        """A thread is in `finish`: it alone collects the process."""

    def finish(self, stdin: str | bytes | None = None,
               started: Callable[[], None] | None = None) -> bytes:
        """Hand pandoc its input and return its output, or raise RenderError.

        The whole input is written before `started` runs and before the output is read:
        pandoc reads all of its input before it writes anything, and threads started by
        `started` would otherwise compete with the writing for the GIL. Interrupted (Ctrl-C,
        an error in `started`), it ends pandoc before passing the exception on.
        """
        self._finishing = True
        proc = self._proc
        data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
        try:
            if proc.stdin is not None and data:
                try:
                    proc.stdin.write(data)
                except BrokenPipeError:  # pandoc ended early; its exit code and stderr say why
                    pass
            if started is not None:
                started()
            out, err = proc.communicate()  # closes standard input first
        except BaseException:
            _kill(proc)
            raise
        finally:
            self._ended = True
        if proc.returncode != 0:
            raise RenderError("pandoc", shlex.join(self.cmd), proc.returncode,
                              err.decode("utf-8", "replace")[-2000:])
        return out

    def cancel(self) -> None:
        """Stop a pandoc whose output is no longer wanted (the build failed, or was
        interrupted); does nothing once `finish` has ended. While another thread is in
        `finish`, only the process is ended; that thread collects it."""
        if self._ended:
            return
        if self._finishing:
            self._proc.kill()
        else:
            self._ended = True
            _kill(self._proc)


def _kill(proc: subprocess.Popen) -> None:
    """End `proc` and collect it. Unlike `with proc:`, never lets a write to its standard input
    that was still buffered (now a broken pipe) replace the exception that got us here."""
    proc.kill()
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            try:
                pipe.close()
            except OSError:
                pass
    proc.wait()


def fixed_clock(epoch: int) -> dict[str, str]:
    """Environment that makes pandoc's output reproducible: the time it writes into files
    (DOCX properties) is `epoch`; TZ=UTC keeps the machine's time zone out of anything else."""
    return {"SOURCE_DATE_EPOCH": str(epoch), "TZ": "UTC"}


def run_pandoc(args: Sequence[str], stdin: str | bytes | None = None,
               env: dict[str, str] | None = None,
               started: Callable[[], None] | None = None,
               wait_for_worker: bool = False) -> bytes:
    """Run pandoc with `args`; return stdout or raise RenderError with the stderr tail.

    `started` is called once pandoc is running, before its output is awaited: work started
    there runs beside pandoc without delaying its start. While a command keeps pandoc
    workers, a worker converts if one is idle, or with `wait_for_worker` once one is.
    """
    workers = sys.modules.get("pipeline.render.workers")
    if workers is not None and workers.active():
        started = _once(started)
        out = workers.try_worker(args, stdin, started, env, wait_for_worker)
        if out is not None:
            return out
    return PandocProcess(args, env, reads_stdin=stdin is not None).finish(stdin, started)


def _once(call: Callable[[], None] | None) -> Callable[[], None] | None:
    """`call`, run at most once however often it is called (a worker's job run again as a
    process of its own must not start the caller's side work twice)."""
    if call is None:
        return None
    done = []

    def once() -> None:
        if not done:
            done.append(True)
            call()
    return once


def run_pandoc_side_by_side(jobs: Sequence[tuple[Sequence[str], str]],
                            started: Callable[[], None] | None = None,
                            slots: Slot | None = None) -> list[bytes]:
    """Run several pandoc conversions at once (one per core); their outputs, in order.

    pandoc uses one core; a big document split into independent pieces converts in about
    1/n of the time on n cores. If one conversion fails, the others are stopped and its
    RenderError is raised. With `slots`, each process takes one first (see run_pandoc_pool)
    and gives it back as it ends.
    """
    if len(jobs) == 1:
        args, stdin = jobs[0]
        with slots if slots is not None else contextlib.nullcontext():
            return [run_pandoc(args, stdin, started=started)]
    workers = sys.modules.get("pipeline.render.workers")
    if workers is not None and workers.active() and all(workers.request(a) for a, _ in jobs):
        return _side_by_side_in_workers(jobs, started, slots)
    from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

    processes: list[PandocProcess] = []
    held: list[bool] = []  # per process: its slot not yet given back
    lock = threading.Lock()

    def give_back(n: int) -> None:
        """Each slot as its own pandoc ends: a waiting conversion need not wait for the
        slowest of these (the old side of a redline is often read long before the new)."""
        with lock:
            if not held[n]:
                return
            held[n] = False
        slots.release()

    def finish(n: int, stdin: str) -> bytes:
        try:
            return processes[n].finish(stdin)
        finally:
            if slots is not None:
                give_back(n)

    pool = ThreadPoolExecutor(len(jobs))
    try:
        for args, _ in jobs:
            if slots is not None:
                slots.acquire()
                held.append(True)
            processes.append(PandocProcess(args))
        outputs = [pool.submit(finish, n, stdin) for n, (_, stdin) in enumerate(jobs)]
        if started is not None:
            started()
        ended, _ = wait(outputs, return_when=FIRST_EXCEPTION)
        for output in ended:
            if output.exception() is not None:
                raise output.exception()
        return [output.result() for output in outputs]
    finally:
        for process in processes:  # after an error or Ctrl-C, the others stop too
            process.cancel()
        pool.shutdown()
        if slots is not None:
            for n in range(len(held)):
                give_back(n)


def _side_by_side_in_workers(jobs: Sequence[tuple[Sequence[str], str]],
                             started: Callable[[], None] | None, slots: Slot | None
                             ) -> list[bytes]:
    """`run_pandoc_side_by_side` while a command keeps pandoc workers: each job in a thread
    of its own that takes an idle worker (or starts a pandoc if none is). Without `slots`,
    one per core (as many as there are workers): more jobs than that wait for one."""
    from concurrent.futures import ThreadPoolExecutor

    slots = slots if slots is not None else Slots(cores())

    def one(args: Sequence[str], stdin: str) -> bytes:
        with slots:
            return run_pandoc(args, stdin)

    with ThreadPoolExecutor(len(jobs)) as pool:
        futures = [pool.submit(one, args, stdin) for args, stdin in jobs]
        if started is not None:
            started()
        return [f.result() for f in futures]


class Slot(Protocol):
    """What a pandoc takes before it starts: `Slots`, their background view, a semaphore."""

    def acquire(self) -> object: ...

    def release(self) -> None: ...

    def __enter__(self) -> object: ...

    def __exit__(self, *exc: object) -> object: ...


class _Taken:
    """`with slots:` takes one and gives it back, for whatever `acquire`/`release` mean."""

    def acquire(self) -> None:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> None:
        self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


class Slots(_Taken):
    """One per core, taken by each pandoc of a command (more pandocs than cores only add
    memory), with way for the ones that hold others up.

    A plain semaphore lets a thread that has just released a slot take it straight back:
    the conversion ahead of the redline page, with many runs queued, kept both slots while
    the engine's next pandoc (which the comparison waits for) waited behind it. Here a
    `background` taker waits while anyone else does."""

    def __init__(self, count: int) -> None:
        self._free = count
        self._waiting = 0
        """Takers other than background ones waiting now."""
        self._cond = threading.Condition()
        self.background = _BackgroundSlots(self)
        """The same slots, for work that may wait (`with slots.background:`)."""

    def acquire(self, background: bool = False) -> None:
        with self._cond:
            if background:
                self._cond.wait_for(lambda: self._free > 0 and not self._waiting)
            else:
                self._waiting += 1
                try:
                    self._cond.wait_for(lambda: self._free > 0)
                finally:
                    self._waiting -= 1
            self._free -= 1

    def release(self) -> None:
        with self._cond:
            self._free += 1
            self._cond.notify_all()


class _BackgroundSlots(_Taken):
    """`Slots` taken with `background=True`, usable wherever the slots are."""

    def __init__(self, slots: Slots) -> None:
        self._slots = slots

    def acquire(self) -> None:
        self._slots.acquire(background=True)

    def release(self) -> None:
        self._slots.release()


@functools.cache
def _glibc():
    """The C library's functions if it is glibc (mallopt, malloc_trim), else None: then
    the system's own allocator decides and Python keeps what it has."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018  (AttributeError: not glibc)
        return libc
    except (OSError, AttributeError):
        return None


def keep_heap_small() -> None:
    """Have glibc's malloc give freed memory back at once, for a process that holds large
    texts for a while and then many pandocs (call before any thread starts).

    Left alone, malloc raises its threshold for mapping blocks of their own to the largest
    block freed so far (texts of several MB then come from the shared heap and leave holes
    behind), and every thread that allocates gets an arena of its own whose free memory
    stays with it. A fixed threshold of 128 kB and one arena: on the 1,000-page redline
    Python's peak fell from 145–151 to 111–115 MB, at the same speed."""
    libc = _glibc()
    if libc is not None:
        m_trim_threshold, m_mmap_threshold, m_arena_max = -1, -3, -8
        for option, value in ((m_mmap_threshold, 128 * 1024), (m_trim_threshold, 128 * 1024),
                              (m_arena_max, 1)):
            libc.mallopt(option, value)


def give_back_memory() -> None:
    """Return the memory of ASTs just dropped to the system: the page's pandocs come next,
    and the largest redlines stay within their memory budget only if Python shrinks first
    (BGB, ten years: 91 → 80 MB, in 1 ms). The ASTs hold no cycles, so reference counting
    has freed them already: a full collection found nothing to free and cost 8–22 ms."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def cores() -> int:
    """The cores this process may use (a container may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def balanced_runs(sizes: Sequence[int], ways: int) -> list[list[int]]:
    """The indices of `sizes` dealt into at most `ways` runs of about equal total size (one
    pandoc each, all at once: the largest run decides when they are done), none empty, each
    in order. Largest first, each to the lightest run so far."""
    ways = max(1, min(ways, len(sizes)))
    runs: list[list[int]] = [[] for _ in range(ways)]
    loads = [0] * ways
    for k in sorted(range(len(sizes)), key=lambda k: -sizes[k]):
        lightest = loads.index(min(loads))
        runs[lightest].append(k)
        loads[lightest] += sizes[k]
    return [sorted(r) for r in runs if r]


PoolJob = tuple[Sequence[str], str | Callable[[], str]] \
    | tuple[Sequence[str], str | Callable[[], str], dict[str, str]]
"""A conversion of `run_pandoc_pool`: pandoc's arguments, its input, and its environment
if it needs one."""


def run_pandoc_pool(jobs: Sequence[PoolJob], workers: int, slots: Slot | None = None,
                    then: Callable[[int, bytes], Any] | None = None) -> list[Any]:
    """Run many pandoc conversions, at most `workers` at a time; their outputs, in order.

    Unlike `run_pandoc_side_by_side`, memory stays bounded by `workers` pandoc processes
    however many jobs there are; `slots`, shared with other pools, bounds them all together.
    An input given as a function is made only when its pandoc starts (many large inputs
    are not all held at once). `then(n, output)`, if given, is applied to job n's output as
    soon as its pandoc ends (with its slot given back), and its results are returned: what
    is done with one output is done while the others' pandocs still run. The first error
    is raised once the running ones end; jobs not yet started are dropped.

    While a command keeps pandoc workers, a job that finds them busy waits for one: its
    slot says a core is free, so a busy worker is one of the side conversions beside the
    pool (as the Word file's frame once was, which sent one of its two runs to a pandoc of
    its own: 370 instead of 270 ms on JGG 2012)."""
    def one(n: int, args: Sequence[str], stdin: str | Callable[[], str],
            env: dict[str, str] | None = None) -> Any:
        with slots if slots is not None else contextlib.nullcontext():
            out = run_pandoc(args, stdin if isinstance(stdin, str) else stdin(), env=env,
                             wait_for_worker=True)
        return out if then is None else then(n, out)

    if workers <= 1 or len(jobs) <= 1:
        return [one(n, *job) for n, job in enumerate(jobs)]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(one, n, *job) for n, job in enumerate(jobs)]
        try:
            return [f.result() for f in futures]
        except BaseException:
            for f in futures:
                f.cancel()
            raise


def import_meanwhile(module: str) -> Callable[[], None]:
    """A `started` for run_pandoc: import `module` in a thread while pandoc runs. typst
    loads a native library of 27 ms, which the PDF would otherwise wait for after pandoc.
    Import it again afterwards: that waits for this import, and raises its error if any."""
    def start() -> None:
        import importlib

        threading.Thread(target=importlib.import_module, args=(module,), daemon=True,
                         name=f"import-{module}").start()
    return start


def debug_log(message: str, *args) -> None:
    """Log at debug level once `lip --debug` has set logging up; importing logging just for
    this would cost every `lip` call ~10 ms."""
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.getLogger(__name__).debug(message, *args)
