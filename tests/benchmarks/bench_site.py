"""Benchmark of the review site (issue 6): `lip site` for the shipped plan, target ≤ 5 s."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from run import Row, median_time

ROOT = Path(__file__).resolve().parent.parent.parent
TARGET = 5.0


def run() -> list[Row]:
    from pipeline.commands import site

    sys.path.insert(0, str(ROOT / "tests"))
    from support import site_history

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        # The shipped plan may still fail `lip check` while it is being written; the site's
        # cost does not depend on that.
        seconds = median_time(lambda: site.site_for_plan_dir(ROOT / "plan", out,
                                                             require_valid=False))
        pages = len(list(out.glob("*.html")))
        rows.append(Row("site", f"lip site, ausgelieferter Plan ({pages} Seiten)",
                        f"{seconds:.2f} s", f"≤ {TARGET:.0f} s", seconds <= TARGET))
        plan_dir, _ = site_history.make_repo(Path(tmp) / "fx")
        seconds = median_time(lambda: site.site_for_plan_dir(plan_dir, Path(tmp) / "fx-site",
                                                             require_valid=False))
        rows.append(Row("site", "lip site, Testplan mit Redlines und Fassungen",
                        f"{seconds:.2f} s", f"≤ {TARGET:.0f} s", seconds <= TARGET))
    return rows
