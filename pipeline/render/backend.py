"""Renderers: one module per output format behind one small protocol.

`build.py` never branches on the format: it looks the backend up in `render.backends()`, calls
`start(template=…, settings=…)` and later `.finish(doc)` on what that returns, which gives
the file's bytes; `build.py` writes them once the plan has passed its check. A backend
whose arguments do not depend on the document (HTML, DOCX) starts its pandoc in `start`,
so that pandoc's start-up overlaps the reading of the plan. What a format needs from the
build besides the document, its `Backend` entry declares (the PDF carries the manifest);
what it needs for itself, its module arranges (Word's PNG copies). Adding a format = one
module + one entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the redline pages need none of the plan's assembly
    from pipeline.assemble import Assembled


@dataclass
class Settings:
    """Everything a backend needs besides the document: time, provenance, folders."""

    timestamp: dt.datetime
    """Commit time: the only date that ends up in the files (reproducible builds)."""
    work_dir: Path
    """Scratch folder for intermediate files (the .typ source, images)."""
    cache_dir: Path | None = None
    """Folder for the backends' caches (typst per section, Word's PNG copies); None = no cache."""
    resources: dict[str, bytes] = field(default_factory=dict)
    """Image files of the plan by path relative to plan/ (e.g. 'bilder/karte.svg')."""
    sources: dict[str, bytes | None] = field(default_factory=dict)
    """The plan's files as read, before parsing: converters started early guess from them."""
    manifest: Callable[[], dict] = dict
    """Returns the build manifest (attached to the PDF); may wait while it is computed."""
    progress: Callable[[str], None] = lambda step: None
    """Told the name of each step just before it begins (the progress bar)."""
    started: Callable[[], None] = lambda: None
    """Called once a converter runs (pandoc spawned, typst about to compile): work the
    build does in the background starts only then, so it never delays the converter."""

    def write_resources(self) -> None:
        """Put the plan's images into the work folder, where the intermediate files look
        (`build.py` does it once, before the first backend runs)."""
        for rel, data in self.resources.items():
            target = self.work_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)

    @property
    def epoch(self) -> int:
        return int(self.timestamp.timestamp())


class Pending(Protocol):
    """A conversion under way that still needs the document."""

    def finish(self, doc: Assembled) -> bytes: ...

    def cancel(self) -> None: ...


class Start(Protocol):
    def __call__(self, *, template: Path, settings: Settings) -> Pending: ...


@dataclass(frozen=True)
class Backend:
    """One output format: how its conversion starts and with which file of templates/."""

    start: Start
    template: str
    carries_manifest: bool = False
    """The file carries the build manifest: the build computes it beside the converter
    (for other formats only when asked)."""


@dataclass
class Deferred:
    """A conversion that can only begin once the document exists."""

    convert: Callable[[Assembled], bytes]

    def finish(self, doc: Assembled) -> bytes:
        return self.convert(doc)

    def cancel(self) -> None:
        pass


FORMATS = ("pdf", "html", "docx")
