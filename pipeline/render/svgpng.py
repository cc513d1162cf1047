"""PNG copies of the plan's SVG images for Word, rendered ahead of time.

pandoc's DOCX writer stores every SVG image together with a PNG copy for Word versions
that cannot show SVG. It makes the copy by running `rsvg-convert` on the image while the
writer waits: about 0.1 s per image, a tenth of building the shipped plan as DOCX.

`lip build` starts those conversions itself as soon as pandoc has the document, so they run
on the other core while pandoc reads the Markdown, and keeps the PNGs in the build cache,
keyed by the SVG's bytes. pandoc then finds a stand-in `rsvg-convert` first on its PATH that answers from the
cache. Anything the stand-in was not prepared for (other arguments, an unknown image, a
conversion still running) goes to the real `rsvg-convert` unchanged, so the DOCX is byte
for byte what pandoc alone writes.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import threading
from pathlib import Path

ARGS = ("-f", "png", "-a", "--dpi-x", "96", "--dpi-y", "96")
"""What pandoc 3.9 passes to rsvg-convert at its default resolution (no --dpi given)."""

_STAND_IN = """#!/bin/sh
# Written by `lip build` for pandoc (pipeline/render/svgpng.py): answers with a PNG rendered
# ahead of time when there is one for this SVG, otherwise runs the real rsvg-convert.
input={work}/svg-$$
key=$(tee "$input" | sha256sum) || exit 1
png={folder}/${{key%% *}}.png
if [ "$*" = {args} ] && [ -f "$png" ]; then
  exec cat "$png"
fi
exec {real} "$@" < "$input"
"""


class PngCopies:
    """The PNG copies of one build: `start()` early, `pandoc_env()` for pandoc, `finish()`."""

    def __init__(self, resources: dict[str, bytes], cache_dir: Path) -> None:
        self._real = shutil.which("rsvg-convert")
        self._svgs = {hashlib.sha256(data).hexdigest(): data
                      for rel, data in sorted(resources.items()) if rel.lower().endswith(".svg")}
        self._root = cache_dir / "svg-png"
        self._folder = self._root / self._converter_key() if self._real else self._root
        self._mover: threading.Thread | None = None
        self._started = False

    def _converter_key(self) -> str:
        """A new rsvg-convert may draw differently: its PNGs go into a folder of their own."""
        info = os.stat(self._real)
        ident = f"{self._real}\0{info.st_size}\0{info.st_mtime_ns}\0{' '.join(ARGS)}"
        return hashlib.sha256(ident.encode()).hexdigest()[:16]

    @property
    def active(self) -> bool:
        return bool(self._real and self._svgs)

    def start(self) -> None:
        """Begin converting every SVG that has no PNG in the cache yet (does not wait; only
        the first call does anything)."""
        if not self.active or self._started:
            return
        self._started = True
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
        except OSError:  # no cache folder: pandoc converts as it always does
            self._svgs = {}
            return
        running = []
        for key, data in self._svgs.items():
            target = self._folder / f"{key}.png"
            if target.exists():
                continue
            partial = target.with_name(f"{key}.{os.getpid()}.part")
            try:
                with open(partial, "wb") as out:
                    proc = subprocess.Popen([self._real, *ARGS], stdin=subprocess.PIPE, stdout=out,
                                            stderr=subprocess.DEVNULL)
            except OSError:
                continue
            running.append((proc, partial, target))
            try:
                proc.stdin.write(data)
            except OSError:  # the converter died early; its exit code tells
                pass
            try:
                proc.stdin.close()
            except OSError:  # its pipe is closed all the same
                pass
        if running:  # a thread puts each PNG in place the moment it is ready
            self._mover = threading.Thread(target=_move_when_done, args=(running,), daemon=True)
            self._mover.start()

    def pandoc_env(self, work_dir: Path) -> dict[str, str]:
        """Environment for the pandoc call: the stand-in first on PATH (or nothing to add)."""
        if not self.active:
            return {}
        bin_dir = work_dir / "rsvg-bin"
        bin_dir.mkdir(exist_ok=True)
        if os.statvfs(bin_dir).f_flag & os.ST_NOEXEC:  # the stand-in could not run here
            return {}
        stand_in = bin_dir / "rsvg-convert"
        stand_in.write_text(_STAND_IN.format(
            work=shlex.quote(str(work_dir)), folder=shlex.quote(str(self._folder)),
            args=shlex.quote(" ".join(ARGS)), real=shlex.quote(self._real)), encoding="utf-8")
        stand_in.chmod(0o755)
        return {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}

    def finish(self) -> None:
        """Wait for conversions still running; drop PNGs of images the plan no longer has."""
        if self._mover is not None:
            self._mover.join()
        if not self.active or not self._folder.is_dir():
            return
        wanted = {f"{key}.png" for key in self._svgs}
        for old in self._folder.iterdir():  # also .part files left by an interrupted build
            if old.name not in wanted:
                old.unlink(missing_ok=True)
        for other in self._root.iterdir():
            if other != self._folder and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)


def _move_when_done(running: list[tuple[subprocess.Popen, Path, Path]]) -> None:
    """Rename each finished PNG into place: atomic, so the stand-in never reads half a file."""
    for proc, partial, target in running:
        code = proc.wait()
        try:
            if code == 0 and partial.stat().st_size > 0:
                os.replace(partial, target)
            else:
                partial.unlink()
        except OSError:  # another build into the same folder tidied it away
            pass
