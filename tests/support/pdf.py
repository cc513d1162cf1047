"""Text of a built PDF, for assertions that must not depend on line breaking."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def pdf_text(pdf: Path, first: int | None = None, last: int | None = None, raw: bool = False) -> str:
    args = ["pdftotext", "-enc", "UTF-8", *(["-raw"] if raw else [])]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    out = subprocess.run([*args, str(pdf), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def squash(text: str) -> str:
    """Text without whitespace, hyphens and soft hyphens: robust against line breaking."""
    return re.sub(r"[\s\-\u00ad\u2010\u2011]+", "", text)
