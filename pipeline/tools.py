"""Run the external tools (the bundled pandoc) with errors that name the command."""

from __future__ import annotations

import functools
import logging
import os
import shlex
import subprocess
from collections.abc import Sequence

from pipeline.errors import RenderError

log = logging.getLogger(__name__)


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
               env: dict[str, str] | None = None) -> bytes:
    """Run pandoc with `args`; return stdout or raise RenderError with the stderr tail."""
    cmd = [pandoc_path(), *args]
    log.debug("pandoc: %s", shlex.join(cmd))
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    proc = subprocess.run(cmd, input=data, capture_output=True,
                          env={**os.environ, **(env or {})}, check=False)
    if proc.returncode != 0:
        raise RenderError("pandoc", shlex.join(cmd), proc.returncode,
                          proc.stderr.decode("utf-8", "replace")[-2000:])
    return proc.stdout
