"""LibreOffice for the tests: whether it is there with python3-uno, and its scripts
(`lo_edit_docx.py`, `lo_tracked_changes.py`), which run with Debian's python (`uno` is
LibreOffice's module, not in the virtual environment)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SYSTEM_PYTHON = "/usr/bin/python3"
SCRIPTS = Path(__file__).resolve().parent
SOFFICE = shutil.which("soffice")

HAS_UNO = SOFFICE is not None and Path(SYSTEM_PYTHON).exists() and subprocess.run(
    [SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, check=False).returncode == 0
needs_lo = pytest.mark.skipif(not HAS_UNO, reason="LibreOffice mit python3-uno nicht installiert")


def run_script(name: str, *args: object, cwd: Path | None = None) -> None:
    """Run one of the LibreOffice scripts in this folder with `args`."""
    subprocess.run([SYSTEM_PYTHON, str(SCRIPTS / name), *map(str, args)], check=True,
                   capture_output=True, timeout=180, cwd=cwd)
