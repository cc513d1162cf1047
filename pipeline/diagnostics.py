"""Located problems found in the plan, collected into a report."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field

from pipeline.wording import counted


class Severity(enum.Enum):
    """How bad a diagnostic is."""

    ERROR = "fehler"
    """Blocks builds; `lip check` exits 1."""
    WARNING = "warnung"
    """Shown, but only blocks under `--strict`."""


@dataclass(frozen=True)
class Diagnostic:
    """One problem at one place: `plan/11-bildung.md:12: titel: …`."""

    path: str
    line: int | None
    field: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        prefix = "Warnung: " if self.severity is Severity.WARNING else ""
        return f"{self.path}:{self.line or 1}: {self.field}: {prefix}{self.message}"

    def to_json(self) -> dict:
        data = asdict(self)
        data["line"] = self.line or 1
        data["severity"] = self.severity.value
        return data


@dataclass
class Report:
    """All diagnostics of one check run."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(self, path: str, line: int | None, field_: str, message: str,
            severity: Severity = Severity.ERROR) -> None:
        self.diagnostics.append(Diagnostic(path, line, field_, message, severity))

    def extend(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    @property
    def summary(self) -> str:
        """'1 Fehler, 1 Warnung.', '0 Fehler, 2 Warnungen.': the last line of `lip check`."""
        return f"{len(self.errors)} Fehler, {counted(len(self.warnings), 'Warnung', 'Warnungen')}."

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]

    def failed(self, strict: bool = False) -> bool:
        """Return True when the plan must not be built (warnings count under strict)."""
        return bool(self.errors or (strict and self.warnings))

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.diagnostics, key=lambda d: (d.path, d.line or 0, d.field))
