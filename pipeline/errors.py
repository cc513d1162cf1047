"""Errors a user can act on. Each carries fields; the message is German."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.diagnostics import Diagnostic


class PipelineError(Exception):
    """Base class: anything the CLI turns into a German message and an exit code."""

    exit_code = 1


class PlanInvalid(PipelineError):
    """The plan has errors; the diagnostics say where."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class FrontMatterError(PipelineError):
    """A chapter's front matter cannot be read at all."""

    def __init__(self, path: str, line: int | None, field: str, message: str):
        self.path, self.line, self.field, self.message = path, line, field, message
        super().__init__(f"{path}:{line or 1}: {field}: {message}")


class PlanFolderMissing(PipelineError):
    """The plan folder (--plan) does not exist: nothing to check, not an empty plan. A wrong
    call (run outside the project, or a wrong --plan), exit 2 as the README's table says;
    1 is for problems in the plan."""

    exit_code = 2

    def __init__(self, plan_dir: object, *, is_file: bool = False):
        self.plan_dir = plan_dir
        problem = f"{plan_dir} ist eine Datei, kein Ordner" if is_file else f"Ordner {plan_dir} nicht gefunden"
        super().__init__(f"{problem}; mit --plan den Ordner des Plans angeben")


class ChapterNotFound(PipelineError):
    """A chapter named on the command line is not in the plan: a wrong call (exit 2), not a
    problem of the plan."""

    exit_code = 2

    def __init__(self, key: str, known: list[str]):
        self.key, self.known = key, known
        super().__init__(f"Kapitel {key!r} nicht gefunden; vorhanden: {', '.join(known)}")


class WrongCall(PipelineError):
    """Options that do not go together (--text and --datei): a wrong call, exit 2 like click's."""

    exit_code = 2


class FileAccessError(PipelineError):
    """A file named on the command line is missing or cannot be read: Dateizugriff, exit 3."""

    exit_code = 3


class RevisionNotFound(PipelineError):
    """A git revision, tag or Fassung name does not exist."""

    exit_code = 3

    def __init__(self, rev: str, hint: str = ""):
        self.rev = rev
        msg = f"Revision {rev!r} nicht gefunden"
        super().__init__(msg + (f"; {hint}" if hint else ""))


class UnknownRevision(RevisionNotFound):
    """The user named a revision that is neither a Fassung nor a git revision: a wrong call
    (exit 2), answered with the Fassungen there are."""

    exit_code = 2

    def __init__(self, rev: str, fassungen: list[str]):
        import difflib

        self.rev, self.fassungen = rev, fassungen
        close = difflib.get_close_matches(rev, fassungen, n=1, cutoff=0.6)
        listed = ", ".join(f"„{name}“" for name in fassungen) or "(keine benannt)"
        hint = f"meinten Sie „{close[0]}“? " if close else ""
        PipelineError.__init__(self, f"{rev!r} ist weder eine Fassung noch ein Commit; {hint}"
                                     f"Fassungen: {listed}; sonst ein Commit oder Tag "
                                     f"(git log --oneline)")


class GitError(PipelineError):
    """A git operation failed."""

    exit_code = 3


class RenderError(PipelineError):
    """An external tool (pandoc, typst) failed.

    The message is German and names no temporary path (issue 20): what the tool said, where
    in the plan when the build could tell (`located`), and what to do."""

    exit_code = 3

    def __init__(self, tool: str, command: str, returncode: int | None, stderr: str,
                 location: str = ""):
        self.tool, self.command, self.returncode, self.stderr = tool, command, returncode, stderr
        self.location = location
        code = f" (Exit-Code {returncode})" if returncode not in (None, 0, 1) else ""
        said = tool_message(stderr)
        where = f"{location}: " if location else ""
        super().__init__(
            f"{where}{tool} konnte die Ausgabe nicht erzeugen{code}"
            + (f". Meldung von {tool}: {said}" if said else "")
            + ("\nBitte die genannte Stelle prüfen und 'lip check' ausführen." if location else
               "\nBitte 'lip check' ausführen; ist der Plan in Ordnung, mit --debug wiederholen "
               "und die Meldung dem Entwicklungsteam geben."))

    def located(self, location: str) -> RenderError:
        """The same failure, named at its place in the plan (plan/11-bildung.md:18)."""
        return RenderError(self.tool, self.command, self.returncode, self.stderr, location)


_TEMP_PATH = re.compile(r"(?:[\w.~-]*/)*[\w.-]*lip-(?:build|redline)-[\w-]+/|/tmp/[\w./-]+/")
_TOOL_PHRASES = (
    (re.compile(r"label `<([^>]+)>` does not exist in the document"),
     "der Anker '#\\1' kommt im Dokument nicht vor"),
    (re.compile(r"failed to decode image.*"), "ein Bild lässt sich nicht lesen (beschädigt, oder "
     "der Inhalt passt nicht zum Dateityp)"),
    (re.compile(r"file not found.*"), "eine Datei wurde nicht gefunden"),
)


def tool_message(stderr: str) -> str:
    """The tool's first real message line, translated where known, without temporary paths
    and without the source excerpt of the intermediate file (which editors never wrote)."""
    for raw in stderr.splitlines():
        line = raw.strip()
        if not line or line.startswith(("┌", "│", "error:", "=")) or re.match(r"^\d+\s*│", line):
            continue
        line = _TEMP_PATH.sub("", line)
        for pattern, german in _TOOL_PHRASES:
            if pattern.search(line):
                return f"{pattern.sub(german, line)} ({line})"
        return line
    return ""
