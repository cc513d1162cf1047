"""Atomic writes: a reader (or a crash) never sees half a file or half a folder of outputs."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

_REASONS = {
    errno.ENOENT: "nicht vorhanden",
    errno.EEXIST: "gibt es schon, und zwar als Datei",
    errno.EISDIR: "ist ein Ordner, keine Datei",
    errno.ENOTDIR: "ein Teil des Pfads ist eine Datei, kein Ordner",
    errno.EACCES: "keine Berechtigung",
    errno.EPERM: "keine Berechtigung",
    errno.EROFS: "liegt auf einem schreibgeschützten Datenträger",
    errno.ENOSPC: "kein Speicherplatz mehr frei",
    errno.EDQUOT: "Speicherkontingent erschöpft",
    errno.ENAMETOOLONG: "Name zu lang",
}


def os_error_text(e: OSError) -> str:
    """A German account of a failed file operation: which path, and why."""
    reason = _REASONS.get(e.errno or 0) or e.strerror or str(e)
    where = e.filename2 if e.errno == errno.EISDIR and e.filename2 else e.filename
    return f"{where}: {reason}" if where else reason


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write `data` (text as UTF-8) to `path` through a temp file and one rename; keep its mode.

    The temp file is named `.NAME.PID.….tmp` (`leftover_temp_files`): a process killed before
    the rename leaves it, and whoever settles that process's work knows it by the PID."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path, os.getpid()), suffix=".tmp",
                               dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _temp_prefix(path: Path, pid: int) -> str:
    return f".{path.name}.{pid}."


def leftover_temp_files(path: Path, pid: int) -> list[Path]:
    """The temp files `write_atomic` of process `pid` left beside `path` (killed before its
    rename)."""
    import glob

    return list(path.parent.glob(glob.escape(_temp_prefix(path, pid)) + "*.tmp"))


@contextlib.contextmanager
def replacing_folder(target: Path) -> Iterator[Path]:
    """The one way a command writes a folder of outputs: fill a fresh staging folder beside
    `target` (yielded), then swap it in with two renames. A failure (or Ctrl-C) while
    filling removes the staging folder and leaves the old `target` as it was; a reader never
    sees half a folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-neu-", dir=target.parent))
    except OSError as e:  # name the folder the user asked for, not our temporary one
        raise OSError(e.errno, e.strerror, str(target)) from None
    try:
        # mkdtemp makes the folder private (0700); a web server running as another user
        # could not read it. Give it the mode a plain mkdir would have.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)
        yield staging
        old = None
        if target.exists() or target.is_symlink():
            old = target.with_name(f".{target.name}-alt-{os.getpid()}")
            if old.exists():
                shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        os.replace(staging, target)
        if old is not None:
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
