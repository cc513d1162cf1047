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
from typing import Any

from pipeline.errors import PipelineError, PlanInvalid
from pipeline.wording import counted, short_hash

ATTACHMENT = "lip-build-manifest.json"


class VerifyError(PipelineError):
    """The file cannot be checked at all (not a PDF, no manifest)."""

    exit_code = 1


@dataclass(frozen=True)
class Difference:
    """One field of the build manifest in which the file and the rebuild differ: `feld` as
    the manifest names it ('commit', 'werkzeuge.vorlagen_sha256', 'kapitel.11-bildung.md'),
    the full values for machines, and the German line for people (hashes shortened)."""

    feld: str
    datei: Any
    geprueft: Any
    text: str

    def to_json(self) -> dict:
        return {"feld": self.feld, "datei": self.datei, "geprueft": self.geprueft,
                "text": self.text}


@dataclass
class Verdict:
    ok: bool
    commit: str | None
    messages: list[str] = field(default_factory=list)
    """What the terminal shows: the verdict and the differences, hashes shortened."""
    differences: list[Difference] = field(default_factory=list)

    def to_json(self) -> dict:
        """For `lip verify --json`: full commit and hashes, as the build manifest has them."""
        return {"ok": self.ok, "commit": self.commit, "meldungen": self.messages,
                "unterschiede": [d.to_json() for d in self.differences]}


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


def differences(claimed: dict, rebuilt: dict) -> list[Difference]:
    """Where the file's build manifest and the rebuild's differ, field by field."""
    out = []
    if claimed.get("commit") != rebuilt.get("commit"):
        old_commit, new_commit = claimed.get("commit"), rebuilt.get("commit")
        out.append(Difference("commit", old_commit, new_commit,
                              f"Commit: Datei {short_hash(old_commit)}, geprüft gegen "
                              f"{short_hash(new_commit)}"))
    old = {k["datei"]: k["text_sha256"] for k in claimed.get("kapitel", [])}
    new = {k["datei"]: k["text_sha256"] for k in rebuilt.get("kapitel", [])}
    # a chapter by its number, as everywhere else in lip, and its file („Kapitel 1
    # (11-bildung.md)“); a manifest without numbers names the file alone
    numbers = {k["datei"]: k.get("nummer") for k in [*claimed.get("kapitel", []),
                                                      *rebuilt.get("kapitel", [])]}
    for name in sorted(set(old) | set(new)):
        chapter = f"Kapitel {numbers[name]} ({name})" if numbers.get(name) else f"Kapitel {name}"
        if name not in new:
            text = f"{chapter}: nur in der Datei, nicht im geprüften Commit"
        elif name not in old:
            text = f"{chapter}: fehlt in der Datei"
        elif old[name] != new[name]:
            text = f"{chapter}: Text unterscheidet sich"
        else:
            continue
        out.append(Difference(f"kapitel.{name}", old.get(name), new.get(name), text))
    for key, label in (("manifest_sha256", "Manifest plan/lip.yaml"), ("fassung", "Fassung"),
                       ("entwurf", "Entwurfsvermerk")):
        if claimed.get(key) != rebuilt.get(key):
            out.append(Difference(key, claimed.get(key), rebuilt.get(key),
                                  f"{label} unterscheidet sich"))
    tools_old, tools_new = claimed.get("werkzeuge", {}), rebuilt.get("werkzeuge", {})
    for key in sorted(set(tools_old) | set(tools_new)):
        if tools_old.get(key) != tools_new.get(key):
            label = "Vorlagen (templates/)" if key == "vorlagen_sha256" else f"Version von {key}"
            out.append(Difference(f"werkzeuge.{key}", tools_old.get(key), tools_new.get(key),
                                  f"{label}: Datei {short_hash(tools_old.get(key))}, jetzt "
                                  f"{short_hash(tools_new.get(key))}"))
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
                        f"gebaut (Stand von Commit {short_hash(commit)} plus Änderungen).")
    with tempfile.TemporaryDirectory(prefix="lip-verify-") as tmp:
        try:
            result = build(plan_dir, output=Path(tmp), formats=["pdf"], rev=commit,
                           line_numbers=bool(claimed.get("zeilennummern")), use_cache=False)
        except PlanInvalid as e:
            problems = counted(len(e.diagnostics), "Problem", "Probleme")
            return Verdict(False, commit, [*messages, f"Der Plan in Commit {short_hash(commit)} "
                                           f"ist nicht gültig ({problems}, siehe 'lip check'); "
                                           f"diese Datei kann er nicht ergeben."])
        rebuilt_bytes = result.outputs["pdf"].read_bytes()
    actual = pdf_path.read_bytes()
    if actual == rebuilt_bytes:
        built = result.manifest["commit"]
        return Verdict(True, built, [f"Die Datei entspricht genau dem Bau von Commit "
                                     f"{short_hash(built)} ({result.manifest['fassung']})."])
    found = differences(claimed, result.manifest)
    messages += [d.text for d in found]
    if not found:
        if len(actual) != len(rebuilt_bytes):
            messages.append(f"Die Datei wurde nach dem Bau verändert: {len(actual)} statt "
                            f"{len(rebuilt_bytes)} Bytes.")
        else:
            first = next(i for i, (a, b) in enumerate(zip(actual, rebuilt_bytes, strict=True)) if a != b)
            count = sum(a != b for a, b in zip(actual, rebuilt_bytes, strict=True))
            differ = counted(count, "Byte weicht", "Bytes weichen")
            messages.append(f"Die Datei wurde nach dem Bau verändert: {differ} ab, das erste an "
                            f"Stelle {first}.")
    return Verdict(False, result.manifest["commit"], messages, found)
