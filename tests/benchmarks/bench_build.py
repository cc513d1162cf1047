"""Benchmark `lip build` against its targets (issue 3) and against the floor.

The floor is the same assembled document through one bare pandoc call and one typst compile
with the same template. Rows: shipped plan cold (PDF, HTML, DOCX), PDF after a one-chapter
edit, and a generated ~1,000-page plan (set LIP_BENCH_GROSS=0 to skip it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import Row, median_time

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
LIP = str(Path(sys.executable).with_name("lip"))
TIME = "/usr/bin/time"


def _timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, int]:
    """Wall time (s) and peak RSS (KB) of one command, via /usr/bin/time when present."""
    start = time.perf_counter()
    if os.path.exists(TIME):
        proc = subprocess.run([TIME, "-f", "%M", *cmd], cwd=cwd, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-2000:])
        return elapsed, int(proc.stderr.strip().splitlines()[-1])
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start, 0


def _lip_build(plan: Path, out: Path, fmt: str, clean: bool = True) -> tuple[float, int]:
    if clean:
        shutil.rmtree(out, ignore_errors=True)
    return _timed([LIP, "build", "--plan", str(plan), "--output", str(out), "--format", fmt, "--quiet"])


def _floor(plan: Path, work: Path) -> dict[str, tuple[float, int]]:
    """Bare pandoc (typst, html, docx) and one typst compile of the same assembled document."""
    from pipeline.assemble import assemble
    from pipeline.build import is_final
    from pipeline.plan import load_plan
    from pipeline.render import FILTER_DIR, templates_dir
    from pipeline.render.pandoc import READER, READER_GENERATED, write_metadata
    from pipeline.tools import pandoc_path

    work.mkdir(parents=True, exist_ok=True)
    plan_obj = load_plan(plan)
    doc = assemble(plan_obj, draft=not is_final(plan_obj))
    md = work / "plan.md"
    md.write_text(doc.markdown, encoding="utf-8")
    meta = write_metadata(doc, work / "meta.yaml")
    tpl = templates_dir()
    for rel, data in ((p, (plan / p).read_bytes()) for p in ("bilder/gremienstruktur.svg",)
                      if (plan / p).exists()):
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_bytes(data)
    out = {}
    out["pandoc-typst"] = _timed([pandoc_path(), "-f", READER_GENERATED, "-t", "typst", "-s",
                                  "--wrap=preserve", "--syntax-highlighting=none",
                                  f"--template={tpl / 'lip.typ'}", f"--metadata-file={meta}",
                                  f"--lua-filter={FILTER_DIR / 'build-typst.lua'}", str(md),
                                  "-o", str(work / "lip.typ")])
    import json
    inputs = json.dumps({"daten": json.dumps(doc.data, ensure_ascii=False), "manifest": "{}"})
    (work / "inputs.json").write_text(inputs, encoding="utf-8")
    script = ("import json,sys,typst,datetime as d;i=json.load(open(sys.argv[2]));"
              "typst.compile(sys.argv[1],output=sys.argv[1]+'.pdf',root=sys.argv[3],"
              "ignore_system_fonts=True,sys_inputs=i,pdf_standards=['a-3b','ua-1'],"
              "timestamp=d.datetime(2020,1,1,tzinfo=d.UTC))")
    out["typst"] = _timed([sys.executable, "-c", script, str(work / "lip.typ"),
                           str(work / "inputs.json"), str(work)])
    out["html"] = _timed([pandoc_path(), "-f", READER, "-t", "html5", "-s", f"--metadata-file={meta}",
                          f"--template={tpl / 'lip.html'}", f"--css={tpl / 'lip.css'}",
                          "--embed-resources", "--toc", f"--resource-path={plan}", str(md),
                          "-o", str(work / "x.html")])
    out["docx"] = _timed([pandoc_path(), "-f", READER, "-t", "docx", f"--metadata-file={meta}",
                          f"--reference-doc={tpl / 'reference.docx'}", "--toc",
                          f"--resource-path={plan}", str(md), "-o", str(work / "x.docx")])
    return out


def _pages(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as doc:
        return len(doc.pages)


def _row(what: str, measured: float, target: float, unit: str = "s", extra: str = "",
         target_text: str = "") -> Row:
    return Row("build", what, f"{measured:.2f} {unit}{extra}", target_text or f"≤ {target:.2f} {unit}",
               measured <= target)


def run() -> list[Row]:
    rows: list[Row] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        plan = tmp / "shipped" / "plan"
        shutil.copytree(ROOT / "plan", plan)
        floor = _floor(plan, tmp / "floor")
        for fmt, target in (("pdf", 3.0), ("html", None), ("docx", None)):
            t = median_time(lambda fmt=fmt: _lip_build(plan, tmp / "out-cold", fmt))
            if target is not None:
                rows.append(_row(f"Plan (mitgeliefert) kalt: PDF, {_pages(tmp / 'out-cold' / 'LIP-2.0.pdf')} S.",
                                 t, target))
            else:
                bare = floor[fmt][0]
                rows.append(_row(f"Plan kalt: {fmt.upper()} (pandoc allein {bare:.2f} s)", t,
                                 1.15 * bare, target_text=f"≤ 1,15 × pandoc = {1.15 * bare:.2f} s"))
        _lip_build(plan, tmp / "out-warm", "pdf")
        chapter = plan / "11-bildung.md"
        original = chapter.read_text(encoding="utf-8")
        counter = iter(range(100))

        def edit_and_build() -> None:
            chapter.write_text(original + f"\nEin zusätzlicher Satz Nummer {next(counter)}.\n",
                               encoding="utf-8")
            _lip_build(plan, tmp / "out-warm", "pdf", clean=False)

        rows.append(_row("PDF nach Änderung eines Kapitels", median_time(edit_and_build), 1.5))
        chapter.write_text(original, encoding="utf-8")
        rows.append(Row("build", "Boden (mitgeliefert): pandoc + typst",
                        f"{floor['pandoc-typst'][0] + floor['typst'][0]:.2f} s", "–"))
        if os.environ.get("LIP_BENCH_GROSS", "1") != "0":
            rows.extend(_large(tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def _large(tmp: Path) -> list[Row]:
    from plangen import generate_plan

    sections = int(os.environ.get("LIP_BENCH_ABSCHNITTE", "88"))
    plan = generate_plan(tmp / "gross", fields=6, sections=sections, measures=2, paragraphs=8)
    floor = _floor(plan, tmp / "gross-floor")
    floor_time = floor["pandoc-typst"][0] + floor["typst"][0]
    floor_mem = max(floor["pandoc-typst"][1], floor["typst"][1])
    elapsed, peak = _lip_build(plan, tmp / "gross-out", "pdf")
    pages = _pages(tmp / "gross-out" / "LIP-2.0.pdf")
    # HTML and DOCX of the same large plan: here the fixed Python start-up (~0.5 s) is
    # amortised, so the ratio shows what the pipeline itself adds to pandoc.
    formats = []
    for fmt in ("html", "docx"):
        t, _ = _lip_build(plan, tmp / f"gross-{fmt}", fmt)
        bare = floor[fmt][0]
        formats.append(_row(f"{pages} S. generiert: {fmt.upper()} kalt (pandoc allein {bare:.1f} s)", t,
                            1.15 * bare, extra=f" (= {t / bare:.2f} × pandoc)",
                            target_text=f"≤ 1,15 × pandoc = {1.15 * bare:.1f} s"))
    return formats + [
        Row("build", f"Boden {pages} S.: pandoc {floor['pandoc-typst'][0]:.1f} s + typst "
            f"{floor['typst'][0]:.1f} s", f"{floor_time:.1f} s, {floor_mem / 1024:.0f} MB", "–"),
        _row(f"{pages} S. generiert: PDF kalt", elapsed, 1.15 * floor_time,
             extra=f" (= {elapsed / floor_time:.2f} × Boden)",
             target_text=f"≤ 1,15 × Boden = {1.15 * floor_time:.1f} s"),
        Row("build", f"{pages} S.: Spitzenspeicher", f"{peak / 1024:.0f} MB", "≤ 2048 MB",
            peak / 1024 <= 2048 if peak else None),
    ]
