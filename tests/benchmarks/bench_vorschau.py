"""Benchmarks of issue 19: `lip vorschau` (save → page reloaded in Chromium with the new text;
save → PDF with --pdf) and the merge-request job of ci/lip-ci.sh.

Each reload is measured alternately with its floor: the same page reloaded by the browser
without any rebuild. LIP_BENCH_GROSS=0 skips the generated 1,000-page plan (its first build
takes a minute), LIP_BENCH_WDH sets the repetitions.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import Row

ROOT = Path(__file__).resolve().parent.parent.parent
REPEAT = int(os.environ.get("LIP_BENCH_WDH", "7"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _wait_text(page, text: str, timeout: float = 30.0) -> None:
    """Until the page (reloaded meanwhile) shows `text`; polls every 5 ms."""
    deadline = time.monotonic() + timeout
    probe = f"document.body && document.body.innerText.includes({text!r})"
    while time.monotonic() < deadline:
        try:
            if page.evaluate(probe):
                return
        except Exception:  # noqa: BLE001 (the page is being replaced by the reload)
            pass
        time.sleep(0.005)
    raise TimeoutError(text)


def _reloads(preview, page_name: str, chapter: Path, anchor: str) -> tuple[list[float], list[float]]:
    """(save → reloaded with the new text, floor: browser reload alone), alternately."""
    from playwright.sync_api import sync_playwright

    original = chapter.read_text(encoding="utf-8")
    ours, floor = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM,
                                        args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(preview.url + page_name)
            time.sleep(1.0)
            for i in range(REPEAT + 1):  # the first save warms the caches: not counted
                marker = f"Messung{i}x{os.getpid()}"
                start = time.perf_counter()
                chapter.write_text(original.replace(anchor, f"{anchor} {marker}", 1),
                                   encoding="utf-8")
                _wait_text(page, marker)
                if i:
                    ours.append(time.perf_counter() - start)
                time.sleep(0.4)  # the check after the reload finishes
                start = time.perf_counter()
                page.reload()
                _wait_text(page, marker)
                if i:
                    floor.append(time.perf_counter() - start)
            browser.close()
    finally:
        chapter.write_text(original, encoding="utf-8")
    return ours, floor


def _pdf_saves(preview, chapter: Path, anchor: str) -> list[float]:
    pdf = preview.plan_dir.parent / "build" / "LIP-2.0.pdf"
    original = chapter.read_text(encoding="utf-8")
    out = []
    try:
        for i in range(REPEAT + 1):
            before = pdf.stat().st_mtime_ns
            start = time.perf_counter()
            chapter.write_text(original.replace(anchor, f"{anchor} PDF{i}", 1), encoding="utf-8")
            while pdf.stat().st_mtime_ns == before and time.perf_counter() - start < 30:
                time.sleep(0.005)
            if i:
                out.append(time.perf_counter() - start)
            time.sleep(0.6)
    finally:
        chapter.write_text(original, encoding="utf-8")
    return out


def _row(what: str, ours: list[float], floor: list[float] | None, target: float) -> Row:
    t = statistics.median(ours)
    extra = f" (Boden: Browser lädt neu {statistics.median(floor):.2f} s)" if floor else ""
    return Row("vorschau", what + extra, f"{t:.2f} s", f"≤ {target:.1f} s", t <= target)


def _mr_job(tmp: Path) -> Row:
    """ci/lip-ci.sh merge-request for a one-chapter change on the shipped plan."""
    sys.path.insert(0, str(ROOT / "tests"))
    from support.repos import commit_all, edit, init_repo

    root = tmp / "stadt"
    shutil.copytree(ROOT / "plan", root / "plan")
    shutil.copytree(ROOT / "ci", root / "ci")
    (root / ".gitignore").write_text("build/\n", encoding="utf-8")
    repo = init_repo(root, "Plan übernommen")
    repo.git.checkout("-q", "-b", "aenderung")
    edit(root / "plan" / "11-bildung.md", "Die Zuständigkeiten im Bildungsbereich",
         "Die Zuständigkeiten im gesamten Bildungsbereich")
    commit_all(repo, "Bildung")
    env = {**os.environ, "LIP": str(Path(sys.executable).with_name("lip")), "GITHUB_ACTIONS": ""}
    times = []
    for _ in range(3):
        shutil.rmtree(root / "build", ignore_errors=True)
        start = time.perf_counter()
        subprocess.run([str(root / "ci" / "lip-ci.sh"), "merge-request", "main"], cwd=root,
                       env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    t = statistics.median(times)
    return Row("ci", "Merge-Request-Job, ein Kapitel geändert (Prüfung, PDF, Website, Redline "
                     "HTML/PDF/Synopse)", f"{t:.1f} s", "≤ 20 s", t <= 20)


def run() -> list[Row]:
    sys.path.insert(0, str(ROOT / "tests"))
    from support.plangen import generate_plan
    from support.repos import init_repo
    from support.vorschau import Preview, shipped_repo

    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-vorschau-"))
    try:
        if Path(CHROMIUM).exists():
            plan_dir = shipped_repo(tmp / "mitgeliefert")
            preview = Preview(plan_dir)
            try:
                ours, floor = _reloads(preview, "bildung.html", plan_dir / "11-bildung.md",
                                       "Die Zuständigkeiten im Bildungsbereich")
            finally:
                preview.stop()
            rows.append(_row("Speichern → Seite neu geladen, ausgelieferter Plan", ours, floor, 0.5))
            if os.environ.get("LIP_BENCH_GROSS", "1") != "0":
                gross = generate_plan(tmp / "gross", fields=6, sections=88, measures=2, paragraphs=8)
                init_repo(gross.parent, "erzeugter Plan")
                preview = Preview(gross, timeout=600)
                try:
                    chapter = gross / "12-feld-2.md"
                    anchor = next(line for line in chapter.read_text(encoding="utf-8").splitlines()
                                  if line.startswith("## ")).split(" ", 1)[1]
                    ours, floor = _reloads(preview, "feld-2.html", chapter, anchor)
                finally:
                    preview.stop()
                rows.append(_row("Speichern → Seite neu geladen, erzeugter Plan (~1.000 S.)",
                                 ours, floor, 1.0))
        plan_dir = shipped_repo(tmp / "pdf")
        preview = Preview(plan_dir, "--pdf")
        try:
            pdf = _pdf_saves(preview, plan_dir / "11-bildung.md",
                             "Die Zuständigkeiten im Bildungsbereich")
        finally:
            preview.stop()
        rows.append(_row("Speichern → PDF neu (--pdf), ausgelieferter Plan", pdf, None, 1.0))
        rows.append(_mr_job(tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows
