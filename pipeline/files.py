"""Atomic file writes: a reader (or a crash) never sees half a file."""

from __future__ import annotations

import errno
import os
import tempfile
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
    """Write `data` (text as UTF-8) to `path` through a temp file and one rename; keep its mode."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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
