"""Run the external tools (the bundled pandoc) with errors that name the command."""

from __future__ import annotations

import functools
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Sequence

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


def run_pandoc(args: Sequence[str], stdin: str | bytes | None = None,
               env: dict[str, str] | None = None,
               started: Callable[[], None] | None = None) -> bytes:
    """Run pandoc with `args`; return stdout or raise RenderError with the stderr tail.

    `started` is called once pandoc is running, before its output is awaited: work started
    there runs beside pandoc without delaying its start.
    """
    cmd = [pandoc_path(), *args]
    debug_log("pandoc: %s", shlex.join(cmd))
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    with subprocess.Popen(cmd, stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env={**os.environ, **(env or {})}) as proc:
        if started is not None:
            started()
        out, err = proc.communicate(data)
    if proc.returncode != 0:
        raise RenderError("pandoc", shlex.join(cmd), proc.returncode,
                          err.decode("utf-8", "replace")[-2000:])
    return out


def debug_log(message: str, *args) -> None:
    """Log at debug level once `lip --debug` has set logging up; importing logging just for
    this would cost every `lip` call ~10 ms."""
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.getLogger(__name__).debug(message, *args)
