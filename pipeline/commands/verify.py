"""`lip verify`: is this PDF exactly what its commit produces?

Reads the build manifest attached to the PDF, rebuilds that commit from git objects into a
temporary folder and compares bytes. The answer names what differs: the commit, chapters
whose text differs, templates or tool versions, or bytes changed after the build.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import PipelineError, PlanInvalid
from pipeline.wording import counted

ATTACHMENT = "lip-build-manifest.json"


class VerifyError(PipelineError):
    """The file cannot be checked at all (not a PDF, no manifest)."""

    exit_code = 1


@dataclass
class Verdict:
    ok: bool
    commit: str | None
    messages: list[str] = field(default_factory=list)


def read_manifest(pdf_path: Path) -> dict:
    """The build manifest attached to a PDF built by `lip build`."""
    import pikepdf

    try:
        with pikepdf.open(pdf_path) as pdf:
            files = pdf.attachments
            if ATTACHMENT not in files:
                raise VerifyError(f"{pdf_path}: kein Build-Manifest ({ATTACHMENT}) angehängt; "
                                  f"die Datei wurde nicht mit 'lip build' erzeugt")
            data = files[ATTACHMENT].get_file().read_bytes()
    except (pikepdf.PdfError, OSError) as e:
        raise VerifyError(f"{pdf_path}: keine lesbare PDF-Datei ({e})") from None
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise VerifyError(f"{pdf_path}: das angehängte Build-Manifest ist beschädigt") from None


def _describe_differences(claimed: dict, rebuilt: dict) -> list[str]:
    out = []
    if claimed.get("commit") != rebuilt.get("commit"):
        out.append(f"Commit: Datei {claimed.get('commit')}, geprüft gegen {rebuilt.get('commit')}")
    old = {k["datei"]: k["text_sha256"] for k in claimed.get("kapitel", [])}
    new = {k["datei"]: k["text_sha256"] for k in rebuilt.get("kapitel", [])}
    for name in sorted(set(old) | set(new)):
        if name not in new:
            out.append(f"Kapitel {name}: nur in der Datei, nicht im geprüften Commit")
        elif name not in old:
            out.append(f"Kapitel {name}: fehlt in der Datei")
        elif old[name] != new[name]:
            out.append(f"Kapitel {name}: Text unterscheidet sich")
    for key, label in (("manifest_sha256", "Manifest plan/lip.yaml"), ("fassung", "Fassung"),
                       ("entwurf", "Entwurfsvermerk")):
        if claimed.get(key) != rebuilt.get(key):
            out.append(f"{label} unterscheidet sich")
    tools_old, tools_new = claimed.get("werkzeuge", {}), rebuilt.get("werkzeuge", {})
    for key in sorted(set(tools_old) | set(tools_new)):
        if tools_old.get(key) != tools_new.get(key):
            label = "Vorlagen (templates/)" if key == "vorlagen_sha256" else f"Version von {key}"
            out.append(f"{label}: Datei {tools_old.get(key)}, jetzt {tools_new.get(key)}")
    return out


def verify(pdf_path: Path, plan_dir: Path = Path("plan"), rev: str | None = None) -> Verdict:
    """Rebuild the commit named in the PDF (or `rev`) and compare the bytes."""
    from pipeline.commands.build import build

    if not pdf_path.is_file():
        raise VerifyError(f"Datei {pdf_path} nicht gefunden")
    claimed = read_manifest(pdf_path)
    commit = rev or claimed.get("commit")
    if not commit:
        return Verdict(False, None, ["Die Datei wurde ohne Git-Commit gebaut und lässt sich "
                                     "nicht nachbauen."])
    messages = []
    if claimed.get("geaendert") and rev is None:
        messages.append("Die Datei wurde aus einem Arbeitsstand mit nicht committeten Änderungen "
                        f"gebaut (Stand von Commit {commit[:10]} plus Änderungen).")
    with tempfile.TemporaryDirectory(prefix="lip-verify-") as tmp:
        try:
            result = build(plan_dir, output=Path(tmp), formats=["pdf"], rev=commit,
                           line_numbers=bool(claimed.get("zeilennummern")), use_cache=False)
        except PlanInvalid as e:
            problems = counted(len(e.diagnostics), "Problem", "Probleme")
            return Verdict(False, commit, [*messages, f"Der Plan in Commit {commit[:10]} ist nicht "
                                           f"gültig ({problems}, siehe 'lip check'); diese Datei "
                                           f"kann er nicht ergeben."])
        rebuilt_bytes = result.outputs["pdf"].read_bytes()
    actual = pdf_path.read_bytes()
    if actual == rebuilt_bytes:
        return Verdict(True, result.manifest["commit"], [
            f"Die Datei entspricht genau dem Bau von Commit {result.manifest['commit'][:10]} "
            f"({result.manifest['fassung']})."])
    messages += _describe_differences(claimed, result.manifest)
    if not _describe_differences(claimed, result.manifest):
        if len(actual) != len(rebuilt_bytes):
            messages.append(f"Die Datei wurde nach dem Bau verändert: {len(actual)} statt "
                            f"{len(rebuilt_bytes)} Bytes.")
        else:
            first = next(i for i, (a, b) in enumerate(zip(actual, rebuilt_bytes, strict=True)) if a != b)
            count = sum(a != b for a, b in zip(actual, rebuilt_bytes, strict=True))
            differ = counted(count, "Byte weicht", "Bytes weichen")
            messages.append(f"Die Datei wurde nach dem Bau verändert: {differ} ab, das erste an "
                            f"Stelle {first}.")
    return Verdict(False, result.manifest["commit"], messages)
