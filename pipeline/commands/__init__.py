"""One use case per CLI verb; the only writers to build/ (gather, validate, then swap in)."""

from __future__ import annotations

from collections.abc import Sequence


def git_failure(error: BaseException) -> str | None:
    """The German account of a GitPython error that escaped a command (a corrupt object, a
    repository git itself refuses), or None for any other error; the CLI then exits 3."""
    if not type(error).__module__.startswith("git."):
        return None
    from pipeline.history import git_failure_text

    return f"Git ist fehlgeschlagen: {git_failure_text(error)}"


def prepare_process() -> None:
    """What every command runs with, set before any thread starts: freed memory goes back
    to the system at once (render.tools.keep_heap_small)."""
    from pipeline.render.tools import keep_heap_small

    keep_heap_small()


def named_formats(values: Sequence[str]) -> list[str]:
    """--format pdf --format html,docx -> ['pdf', 'html', 'docx']: order kept, no repeats,
    case and spaces ignored. The one reading of a --format list (lip build, lip redline);
    each command checks the names against its own formats."""
    return list(dict.fromkeys(name for value in values
                              for name in (part.strip().lower() for part in value.split(","))
                              if name))
