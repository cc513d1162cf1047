"""Benchmark of the review site (issue 6): `lip site` for the shipped plan, target ≤ 5 s;
and what the cache of converted fragments saves (issue 21): each plan built without and
with a filled `build/.cache`, the shipped plan and a generated plan of ~1,000 pages
(LIP_BENCH_GROSS=0 skips that one)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from run import Row, median_time

ROOT = Path(__file__).resolve().parent.parent.parent
TARGET = 5.0


def _cold_and_warm(plan_dir: Path, out: Path) -> tuple[float, float]:
    """Median seconds of `lip site` with an empty cache, and with the cache of a run before."""
    from pipeline.commands import site

    def build() -> None:
        site.site_for_plan_dir(plan_dir, out, require_valid=False)

    def cold() -> None:
        shutil.rmtree(out.parent / ".cache", ignore_errors=True)
        build()
    return median_time(cold), median_time(build)


def run() -> list[Row]:
    sys.path.insert(0, str(ROOT / "tests"))
    from support import site_history
    from support.plangen import generate_plan
    from support.repos import init_repo
    from support.vorschau import shipped_repo

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # The shipped plan may still fail `lip check` while it is being written; the site's
        # cost does not depend on that. Its git history gives the redlines since decisions.
        plan_dir = shipped_repo(Path(tmp) / "mitgeliefert")
        cold, warm = _cold_and_warm(plan_dir, Path(tmp) / "mitgeliefert" / "build" / "site")
        pages = len(list((Path(tmp) / "mitgeliefert" / "build" / "site").glob("*.html")))
        rows.append(Row("site", f"lip site, ausgelieferter Plan ({pages} Seiten), "
                        "ohne Zwischenspeicher", f"{cold:.2f} s", f"≤ {TARGET:.0f} s",
                        cold <= TARGET))
        rows.append(Row("site", "lip site, ausgelieferter Plan, Zwischenspeicher gefüllt",
                        f"{warm:.2f} s", "(Auskunft)"))
        plan_dir, _ = site_history.make_repo(Path(tmp) / "fx")
        cold, _ = _cold_and_warm(plan_dir, Path(tmp) / "fx" / "build" / "site")
        rows.append(Row("site", "lip site, Testplan mit Redlines und Fassungen",
                        f"{cold:.2f} s", f"≤ {TARGET:.0f} s", cold <= TARGET))
        if os.environ.get("LIP_BENCH_GROSS", "1") != "0":
            gross = generate_plan(Path(tmp) / "gross", fields=6, sections=88, measures=2,
                                  paragraphs=8)
            init_repo(gross.parent, "erzeugter Plan")
            cold, warm = _cold_and_warm(gross, Path(tmp) / "gross" / "build" / "site")
            rows.append(Row("site", "lip site, erzeugter Plan (~1.000 S.), ohne Zwischenspeicher",
                            f"{cold:.2f} s", "(Auskunft)"))
            rows.append(Row("site", "lip site, erzeugter Plan (~1.000 S.), Zwischenspeicher "
                            "gefüllt", f"{warm:.2f} s", "(Auskunft)"))
    return rows
