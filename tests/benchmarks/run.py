"""Run every benchmark and print one table: measured figure beside its target.

Each module `bench_*.py` in this folder defines `run() -> list[Row]`.
"""

from __future__ import annotations

import importlib
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))


@dataclass
class Row:
    area: str
    what: str
    measured: str
    target: str
    ok: bool | None = None


def median_time(fn, repeat: int = 3) -> float:
    """Median wall time of `fn()` over `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str]) -> int:
    only = set(argv)
    rows: list[Row] = []
    sys.path.insert(0, str(HERE))
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem
        if only and name.removeprefix("bench_") not in only:
            continue
        print(f"… {name}", file=sys.stderr, flush=True)
        module = importlib.import_module(name)
        rows.extend(module.run())
    widths = [max(len(getattr(r, f)) for r in rows) if rows else 0 for f in ("area", "what", "measured", "target")]
    header = ("Bereich", "Messung", "gemessen (Median)", "Ziel")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    line = " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " | ok"
    print(line)
    print("-" * len(line))
    for r in rows:
        mark = "" if r.ok is None else ("ja" if r.ok else "NEIN")
        cells = (r.area, r.what, r.measured, r.target)
        print(" | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + f" | {mark}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
