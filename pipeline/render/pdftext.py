"""The numbered lines of a PDF built with `--zeilennummern`, read with poppler's pdftotext, so
that an Änderungsantrag citing "Seite 14, Zeilen 5–9" can be matched to the plan's text."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from pipeline.errors import RenderError

_NUMBERED = re.compile(r"^\s*(\d{1,4})\s{2,}(\S.*?)\s*$")
"""A line as `pdftotext -layout` prints it: the margin number, a gap, the text."""


def numbered_lines(pdf: Path) -> list[dict[int, str]]:
    """{line number: text} for every page, page 1 first. Lines without a margin number
    (running heads, footers, the ENTWURF watermark) are left out."""
    exe = shutil.which("pdftotext")
    if exe is None:
        raise RenderError("pdftotext", str(pdf), None,
                          "pdftotext (poppler-utils) ist nicht installiert; bitte 'make sysdeps'")
    done = subprocess.run([exe, "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          check=False)
    if done.returncode != 0:
        raise RenderError("pdftotext", str(pdf), done.returncode,
                          done.stderr.decode("utf-8", "replace").strip())
    pages: list[dict[int, str]] = []
    for page in done.stdout.decode("utf-8").split("\f"):
        lines: dict[int, str] = {}
        for line in page.split("\n"):
            m = _NUMBERED.match(line)
            if m and int(m.group(1)) not in lines:
                # table cells keep their column gap; one space is what a reader sees
                lines[int(m.group(1))] = re.sub(r"\s{2,}", " ", m.group(2))
        pages.append(lines)
    if pages and not pages[-1] and not done.stdout.decode("utf-8").split("\f")[-1].strip():
        pages.pop()  # pdftotext ends the last page with a form feed too
    return pages
