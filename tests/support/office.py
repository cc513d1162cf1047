"""LibreOffice for the tests: whether it is there with python3-uno, and its scripts
(`lo_edit_docx.py`, `lo_tracked_changes.py`), which run with Debian's python (`uno` is
LibreOffice's module, not in the virtual environment)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
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


_COMMENT_MARKS = re.compile(
    rb'<w:commentRange(?:Start|End) w:id="\d+"\s*/>'
    rb'|<w:r>(?:<w:rPr>(?:(?!</w:rPr>).)*</w:rPr>)?<w:commentReference w:id="\d+"\s*/></w:r>',
    re.S)


def without_comments(docx: Path, out: Path) -> Path:
    """`docx` without its comments, for LibreOffice's scripts: LibreOffice 7.4 run headless
    through UNO does not open a document with comments (any, even pandoc's one-line sample;
    its bridge breaks while loading), while `--convert-to` and Word read them. Comments are
    not part of the text, so accepting or rejecting all changes gives the same words."""
    with zipfile.ZipFile(docx) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("word/comments"):
                continue
            if item.filename == "word/document.xml":
                data = _COMMENT_MARKS.sub(b"", data)
                assert b"<w:comment" not in data, "a comment mark was left"
            elif item.filename == "word/_rels/document.xml.rels":
                data = re.sub(rb'<Relationship [^>]*Target="comments[^"]*"\s*/>', b"", data)
            elif item.filename == "[Content_Types].xml":
                data = re.sub(rb'<Override [^>]*PartName="/word/comments[^"]*"\s*/>', b"", data)
            dst.writestr(item, data)
    return out
