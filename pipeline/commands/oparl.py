"""`lip oparl`: the council record of the committed plan as OParl 1.1 JSON files.

Reads the plan at HEAD from git objects (never the working tree), so the same commit gives
the same bytes; the PDFs come from the build folder and are copied beside the JSON, so the
output folder can be served as it is under the given base URL.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from pipeline import history
from pipeline.council import oparl
from pipeline.council.antraege import load_antraege
from pipeline.errors import PipelineError
from pipeline.files import replacing_folder, write_atomic
from pipeline.plan import load_plan
from pipeline.plan.fassungen import checked_beschluesse
from pipeline.wording import counted

PDF_NAMES = {"LIP-2.0.pdf": "drucksache"}
"""PDFs of the build folder that belong to the record, by file name; Anträge, Ergänzungen and
the meetings' Beschlussübersichten (rat/antrag-<nr>.pdf, rat/ergaenzung-e<n>.pdf,
rat/beschlussuebersicht-<gremium>-<datum>.pdf) are found by their pattern."""


class OparlError(PipelineError):
    """The OParl export cannot be written."""


@dataclass(frozen=True)
class Written:
    folder: Path
    objects: int
    files: int
    commit: str

    def summary(self) -> str:
        """What the command says it wrote (one „PDF-Datei“, two „PDF-Dateien“)."""
        return (f"{counted(self.objects, 'OParl-Objekt', 'OParl-Objekte')} und "
                f"{counted(self.files, 'PDF-Datei', 'PDF-Dateien')} nach {self.folder} "
                f"geschrieben (Stand {self.commit[:10]}).")


def _pdfs(build_dir: Path) -> list[tuple[oparl.PdfFile, Path]]:
    found: list[tuple[str, Path]] = [(key, build_dir / name) for name, key in PDF_NAMES.items()]
    rat = build_dir / "rat"
    if rat.is_dir():
        found += [(p.stem, p) for p in sorted(rat.glob("antrag-*.pdf"))]
        found += [(p.stem, p) for p in sorted(rat.glob("ergaenzung-*.pdf"))]
        found += [(p.stem, p) for p in sorted(rat.glob(f"{oparl.RESULTS_PREFIX}*.pdf"))]
    out = []
    for key, path in found:
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        out.append((oparl.PdfFile(key, path.name, len(data), hashlib.sha256(data).hexdigest(),
                                  hashlib.sha512(data).hexdigest()), path))
    return out


def export(plan_dir: Path, *, base_url: str, output: Path, build_dir: Path) -> Written:
    """Write every OParl object of the committed plan's council record into `output`."""
    if not base_url.startswith(("https://", "http://")):
        raise OparlError(f"--basis-url {base_url!r} ist keine Web-Adresse; erwartet z. B. "
                         f"https://ratsinfo.hannover.example/oparl")
    repo = history.open_repo(plan_dir)
    prefix = history.plan_prefix(repo, plan_dir)
    head = history.resolve(repo, "HEAD")
    plan = load_plan(history.read_plan_files(repo, head.sha, prefix))
    if plan.manifest is None:
        raise OparlError("plan/lip.yaml ist im letzten Commit nicht lesbar; Details mit 'lip check'")
    checked_beschluesse(plan)  # a Beschluss lip check cannot read: its message, no export without it
    antraege, unread = load_antraege(plan)
    if unread:
        raise OparlError(f"{unread[0]}")
    pdfs = _pdfs(build_dir)
    objects = oparl.build(plan, antraege, base_url=base_url, committed=head.time,
                          pdfs=[p for p, _ in pdfs])
    with replacing_folder(output) as staging:
        for rel, obj in sorted(objects.items()):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
        if pdfs:
            (staging / "dateien").mkdir()
            for pdf, path in pdfs:
                shutil.copyfile(path, staging / "dateien" / pdf.file_name)
    return Written(output, len(objects), len(pdfs), head.sha)
