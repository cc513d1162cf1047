"""Benchmark `lip build` against its targets (issue 3) and against the floor.

The floor is the same assembled document through one bare pandoc call and one typst compile
with the same template; for HTML and DOCX it is one bare pandoc call that writes the same
file (for HTML: the same template and style sheet, made self-contained with pandoc's own
--embed-resources). Each `lip` run and its floor run in turn, so that the machine's drift
hits both alike; the table shows medians. Memory is the peak of the whole process tree
(lip plus the pandoc it runs), sampled every 20 ms: each process's own pages, and a file's
pages that several processes map (the pandoc program) once.

Rows: shipped plan cold (PDF, HTML, DOCX), PDF after a one-chapter edit, and a generated
~1,000-page plan (set LIP_BENCH_GROSS=0 to skip it, LIP_BENCH_WDH for its repetitions).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from run import Row

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
LIP = str(Path(sys.executable).with_name("lip"))
SHIPPED_REPEAT = 11
LARGE_REPEAT = int(os.environ.get("LIP_BENCH_WDH", "3"))
"""Runs of the ~30 s PDF build of the large plan; its HTML and DOCX (~10 s) run twice as often."""


@dataclass
class Sample:
    seconds: float
    peak_mb: float
    cpu_seconds: float = 0.0
    """User and system time of the process and every descendant it waited for: what the
    run costs when nothing runs beside it (one core)."""
    peak_rss_mb: float = 0.0
    """The RSS sum of the tree at its peak: shared pages counted once per process."""


def _process_memory_kb(pid: int) -> tuple[int, dict[str, int], int]:
    """(private kB, clean kB per mapped file, RSS kB) of one process, from its smaps.

    A file's clean pages (the pandoc program's 120 MB of code) are the page cache's, one copy
    for every process that maps them; anonymous memory and pages a process wrote are its own."""
    own = rss = 0
    files: dict[str, int] = {}
    path = ""
    with open(f"/proc/{pid}/smaps", encoding="utf-8", errors="replace") as f:
        for line in f:
            first = line.split(None, 1)[0]
            if "-" in first and not first.endswith(":"):  # a mapping's header
                fields = line.split(None, 5)
                path = fields[5].strip() if len(fields) == 6 else ""
                if not path.startswith("/"):
                    path = ""  # anonymous, heap, stack, vdso
            elif first == "Rss:":
                kb = int(line.split()[1])
                rss += kb
                if path:
                    files[path] = files.get(path, 0) + kb
            elif first in ("Private_Dirty:", "Shared_Dirty:") and path:
                kb = int(line.split()[1])  # written pages of a file mapping: not the file's
                files[path] -= kb
                own += kb
            elif first == "Pss:" and not path:
                own += int(line.split()[1])
    return own, files, rss


def _tree_memory_kb(pid: int) -> tuple[int, int]:
    """(memory, RSS sum) of a process and all its descendants, from /proc.

    The memory is what the tree occupies: each process's own pages plus each mapped file's
    clean pages once, as many as the process that holds most of them maps. Summing PSS
    instead counted the pandoc program twice whenever a pandoc started while another ran:
    the processes are read one after the other, so the first still held all pages alone when
    the second, read a moment later, already shared them (seen: 132 + 66 MB of a 122 MB
    program). The RSS sum counts the program once per pandoc running at the same time."""
    own = rss = 0
    files: dict[str, int] = {}
    todo: list[tuple[int, bytes]] = [(pid, b"")]
    while todo:
        current, parent_cmd = todo.pop()
        try:
            with open(f"/proc/{current}/cmdline", "rb") as f:
                cmd = f.read()
            if cmd != parent_cmd:
                # a child between (v)fork and exec shows its parent's memory: not counted
                p_own, p_files, p_rss = _process_memory_kb(current)
                own, rss = own + p_own, rss + p_rss
                for path, kb in p_files.items():
                    files[path] = max(files.get(path, 0), kb)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as f:
                    todo.extend((int(c), cmd) for c in f.read().split())
        except (OSError, ValueError):
            continue  # the process ended while we looked
    return own + sum(files.values()), rss


def measure(cmd: list[str], cwd: Path | None = None, memory: bool = True) -> Sample:
    """Wall time to the process's end (waited for, not polled: polling every 20 ms noticed
    the end 0–22 ms late), CPU time, and with `memory` the peak memory of the process tree
    (sampled every 20 ms in a thread; at least the largest single process).

    The sampling reads every process's smaps (2–3 ms for lip and its pandoc workers, up to
    15) and so takes CPU from what it watches; a command that keeps both cores busy loses
    more to it than a single pandoc. Timed runs that are compared go without it."""
    with tempfile.TemporaryFile() as err:  # a pipe read only at the end could fill and block
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        peaks = [0, 0]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                pss, rss = _tree_memory_kb(proc.pid)
                peaks[0], peaks[1] = max(peaks[0], pss), max(peaks[1], rss)
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True) if memory else None
        if sampler is not None:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        done.set()
        if sampler is not None:
            sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} … fehlgeschlagen ({proc.returncode}): {stderr[-2000:]}")
    peak_kb, peak_rss_kb = peaks
    return Sample(elapsed, max(peak_kb, usage.ru_maxrss) / 1024, usage.ru_utime + usage.ru_stime,
                  max(peak_rss_kb, usage.ru_maxrss) / 1024)


def median(samples: list[Sample]) -> float:
    return statistics.median(s.seconds for s in samples)


def lip_build(plan: Path, out: Path, fmt: str, clean: bool = True) -> Sample:
    if clean:
        shutil.rmtree(out, ignore_errors=True)
    return measure([LIP, "build", "--plan", str(plan), "--output", str(out), "--format", fmt, "--quiet"])


@dataclass
class Floor:
    """The bare tool calls for one plan, ready to run again and again."""

    pandoc_typst: list[str]
    typst: list[str]
    html: list[str]
    docx: list[str]

    def pdf(self) -> Sample:
        a, b = measure(self.pandoc_typst), measure(self.typst)
        return Sample(a.seconds + b.seconds, max(a.peak_mb, b.peak_mb))


def prepare_floor(plan: Path, work: Path) -> Floor:
    """Assemble the plan as `lip build` does and write the inputs of the bare calls."""
    from pipeline.assemble import assemble, with_drucksache
    from pipeline.commands.build import is_final
    from pipeline.plan import load_plan
    from pipeline.render import FILTER_DIR, templates_dir
    from pipeline.render.pandoc import READER, READER_GENERATED, write_metadata
    from pipeline.render.tools import pandoc_path

    work.mkdir(parents=True, exist_ok=True)
    plan_obj = load_plan(plan)
    doc = assemble(plan_obj, draft=not is_final(plan_obj))
    md = work / "plan.md"
    md.write_text(doc.markdown, encoding="utf-8")
    # HTML and Word carry the Drucksache in front of the plan, as `lip build` converts them
    md_html, md_word = work / "plan-html.md", work / "plan-word.md"
    md_html.write_text(with_drucksache(doc, word=False).markdown, encoding="utf-8")
    md_word.write_text(with_drucksache(doc, word=True).markdown, encoding="utf-8")
    meta = write_metadata(doc, work / "meta.json")
    tpl = templates_dir()
    style = work / "stil.html"
    style.write_text(f"<style>\n{(tpl / 'lip.css').read_text(encoding='utf-8')}</style>\n", encoding="utf-8")
    for rel in ("bilder/gremienstruktur.svg",):
        if (plan / rel).exists():
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(plan / rel, work / rel)
    # The template reads its data from files beside it, as `lip build` writes them.
    from pipeline.render.pdf import INPUT_FILES

    inputs = {"daten": json.dumps(doc.data, ensure_ascii=False, sort_keys=True),
              "herkunft": json.dumps({"beschreibung": "", "stichwoerter": ""}), "manifest": "{}"}
    for key, name in INPUT_FILES.items():
        (work / name).write_text(inputs[key], encoding="utf-8")
    (work / "inputs.json").write_text("{}", encoding="utf-8")
    script = ("import sys,typst,datetime as d;"
              "typst.compile(sys.argv[1],output=sys.argv[1]+'.pdf',root=sys.argv[3],"
              "ignore_system_fonts=True,pdf_standards=['a-3b','ua-1'],"
              "timestamp=d.datetime(2020,1,1,tzinfo=d.UTC))")
    pandoc = pandoc_path()
    return Floor(
        pandoc_typst=[pandoc, "-f", READER_GENERATED, "-t", "typst", "-s", "--wrap=preserve",
                      "--syntax-highlighting=none", f"--template={tpl / 'lip.typ'}",
                      f"--metadata-file={meta}", f"--lua-filter={FILTER_DIR / 'build-typst.lua'}",
                      str(md), "-o", str(work / "lip.typ")],
        typst=[sys.executable, "-c", script, str(work / "lip.typ"), str(work / "inputs.json"), str(work)],
        html=[pandoc, "-f", READER, "-t", "html5", "-s", f"--metadata-file={meta}",
              f"--template={tpl / 'lip.html'}", f"--include-in-header={style}", "--embed-resources",
              "--toc", "--toc-depth=2", "--section-divs", f"--resource-path={work}", str(md_html),
              "-o", str(work / "x.html")],
        docx=[pandoc, "-f", READER, "-t", "docx", f"--metadata-file={meta}",
              f"--reference-doc={tpl / 'reference.docx'}",
              f"--resource-path={work}", str(md_word), "-o", str(work / "x.docx")],
    )


def alternate(first, second, repeat: int) -> tuple[list[Sample], list[Sample]]:
    """Run `first` and `second` in turn, `repeat` times each."""
    a, b = [], []
    for _ in range(repeat):
        a.append(first())
        b.append(second())
    return a, b


def _pages(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as doc:
        return len(doc.pages)


def ratio_row(what: str, lip: list[Sample], bare: list[Sample], bare_name: str) -> Row:
    t, b = median(lip), median(bare)
    return Row("build", f"{what} ({bare_name} {b:.2f} s)", f"{t:.2f} s = {t / b:.2f} ×",
               f"≤ 1,15 × {bare_name} = {1.15 * b:.2f} s", t <= 1.15 * b)


def cpu_row(what: str, lip: list[Sample], bare: list[Sample]) -> Row:
    """The same runs in CPU time: what the wall-time ratio becomes when no second core is free
    for lip's own work (its Python, ~0.2 s, then adds to pandoc's instead of running beside)."""
    t, b = (statistics.median(s.cpu_seconds for s in runs) for runs in (lip, bare))
    return Row("build", f"{what}: CPU-Zeit aller Prozesse (pandoc {b:.2f} s)", f"{t:.2f} s = {t / b:.2f} ×", "–")


def run() -> list[Row]:
    rows: list[Row] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        plan = tmp / "shipped" / "plan"
        shutil.copytree(ROOT / "plan", plan)
        floor = prepare_floor(plan, tmp / "floor")
        cold = [lip_build(plan, tmp / "out-cold", "pdf") for _ in range(SHIPPED_REPEAT)]
        pages = _pages(tmp / "out-cold" / "LIP-2.0.pdf")
        rows.append(Row("build", f"Plan (mitgeliefert) kalt: PDF, {pages} S.", f"{median(cold):.2f} s",
                        "≤ 3.00 s", median(cold) <= 3.0))
        for fmt, bare in (("html", floor.html), ("docx", floor.docx)):
            ours, theirs = alternate(lambda fmt=fmt: lip_build(plan, tmp / "out-cold", fmt),
                                     lambda bare=bare: measure(bare), SHIPPED_REPEAT)
            rows.append(ratio_row(f"Plan kalt: {fmt.upper()}", ours, theirs, "pandoc"))
            rows.append(cpu_row(f"Plan kalt: {fmt.upper()}", ours, theirs))
        lip_build(plan, tmp / "out-warm", "pdf")
        chapter = plan / "11-bildung.md"
        original = chapter.read_text(encoding="utf-8")
        counter = iter(range(100))

        def edit_and_build() -> Sample:
            chapter.write_text(original + f"\nEin zusätzlicher Satz Nummer {next(counter)}.\n",
                               encoding="utf-8")
            return lip_build(plan, tmp / "out-warm", "pdf", clean=False)

        warm = [edit_and_build() for _ in range(SHIPPED_REPEAT)]
        rows.append(Row("build", "PDF nach Änderung eines Kapitels", f"{median(warm):.2f} s", "≤ 1.50 s",
                        median(warm) <= 1.5))
        chapter.write_text(original, encoding="utf-8")
        floor_pdf = [floor.pdf() for _ in range(3)]
        rows.append(Row("build", "Boden (mitgeliefert): pandoc + typst", f"{median(floor_pdf):.2f} s", "–"))
        if os.environ.get("LIP_BENCH_GROSS", "1") != "0":
            rows.extend(_large(tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def _large(tmp: Path) -> list[Row]:
    from support.plangen import generate_plan

    sections = int(os.environ.get("LIP_BENCH_ABSCHNITTE", "88"))
    plan = generate_plan(tmp / "gross", fields=6, sections=sections, measures=2, paragraphs=8)
    floor = prepare_floor(plan, tmp / "gross-floor")
    ours, theirs = alternate(lambda: lip_build(plan, tmp / "gross-out", "pdf"), floor.pdf, LARGE_REPEAT)
    pages = _pages(tmp / "gross-out" / "LIP-2.0.pdf")
    t, b = median(ours), median(theirs)
    peak = max(s.peak_mb for s in ours)
    rows = [
        Row("build", f"{pages} S. generiert: PDF kalt (Boden pandoc + typst {b:.1f} s)",
            f"{t:.1f} s = {t / b:.2f} ×", f"≤ 1,15 × Boden = {1.15 * b:.1f} s", t <= 1.15 * b),
        Row("build", f"{pages} S.: Spitzenspeicher (lip und pandoc zusammen; Boden "
            f"{max(s.peak_mb for s in theirs):.0f} MB)", f"{peak:.0f} MB", "≤ 2048 MB", peak <= 2048),
    ]
    # HTML and DOCX of the same large plan: the fixed start-up of Python is amortised here,
    # so the ratio shows what the pipeline itself adds to pandoc.
    for fmt, bare in (("html", floor.html), ("docx", floor.docx)):
        ours, theirs = alternate(lambda fmt=fmt: lip_build(plan, tmp / f"gross-{fmt}", fmt),
                                 lambda bare=bare: measure(bare), 2 * LARGE_REPEAT - 1)
        rows.append(ratio_row(f"{pages} S. generiert: {fmt.upper()} kalt", ours, theirs, "pandoc"))
    return rows
