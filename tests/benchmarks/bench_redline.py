"""Redline speed, memory and accuracy on real law text (../shared/corpus), beside git diff.

Pairs: two ~2 MB documents built from the corpus (a real amendment embedded among other
laws), and a ~400k-word (~1,000-page) document with ~300 seeded edits and one moved paragraph.
Each pair runs in a fresh process, so peak RSS (ours + pandoc's) is its own.
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(ROOT))

FRONT = re.compile(r"\A---\n.*?\n---\n", re.S)


def law(name: str) -> str:
    return FRONT.sub("", (CORPUS / name).read_text(encoding="utf-8")).strip() + "\n"


FILLER = ["tpg@5710c0a6.md", "btmg_1981@5710c0a6.md", "jgg@5710c0a6.md", "tpg@faba4c77.md",
          "btmg_1981@79bdc90d.md", "tpg@5a5ecc2e.md", "btmg_1981@28bf164c.md",
          "jgg@bb3f0178.md", "tpg@bb3f0178.md", "btmg_1981@bb3f0178.md"]


def embedded_pair(old_name: str, new_name: str, size: int) -> tuple[str, str]:
    """A ~size-byte document: filler laws around one real amendment."""
    # filler from the other laws only: copies of the same law would let git diff match
    # against the wrong copy, which inflates its count
    filler = [f for f in FILLER if f.split("@")[0] != old_name.split("@")[0]]
    parts: list[str] = []
    k = 0
    while sum(len(p.encode()) for p in parts) < size:
        parts.append(law(filler[k % len(filler)]))
        k += 1
    mid = len(parts) // 2
    old = "\n\n".join(parts[:mid] + [law(old_name)] + parts[mid:])
    new = "\n\n".join(parts[:mid] + [law(new_name)] + parts[mid:])
    return old, new


def big_pair(words: int, edits: int) -> tuple[str, str, int]:
    from support.redline_seed import seed_edits

    parts: list[str] = []
    k = 0
    while sum(len(p.split()) for p in parts) < words:
        parts.append(law(FILLER[k % len(FILLER)]))
        k += 1
    old = "\n\n".join(parts)
    seeded = seed_edits(old, edits, seed=2025)
    return old, seeded.text, seeded.edited_words


def git_word_diff(old: str, new: str) -> tuple[float, int]:
    """Time of `git diff --no-index --word-diff=porcelain` and the words it marks."""
    with tempfile.TemporaryDirectory() as d:
        a, b = Path(d) / "alt.md", Path(d) / "neu.md"
        a.write_text(old, encoding="utf-8")
        b.write_text(new, encoding="utf-8")
        start = time.perf_counter()
        out = subprocess.run(["git", "diff", "--no-index", "--word-diff=porcelain", str(a),
                              str(b)], capture_output=True, check=False).stdout
        elapsed = time.perf_counter() - start
    marked = 0
    for line in out.decode("utf-8", "replace").split("\n"):
        if line.startswith(("+++", "---")):
            continue
        if line[:1] in "+-" and line:
            marked += sum(1 for w in line[1:].split() if any(c.isalnum() for c in w))
    return elapsed, marked


def child(old_path: str, new_path: str, repeat: int) -> None:
    """Run in a fresh process: time the redline, report peak RSS of us and of pandoc."""
    from pipeline import redline

    old = Path(old_path).read_text(encoding="utf-8")
    new = Path(new_path).read_text(encoding="utf-8")
    times = []
    red = None
    for _ in range(repeat):
        start = time.perf_counter()
        red = redline.compare_markdown(old, new)
        times.append(time.perf_counter() - start)
    times.sort()
    assert red is not None
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"time": times[len(times) // 2], "self_mb": self_kb / 1024,
                      "pandoc_mb": child_kb / 1024,
                      "marked": red.stats.words_added + red.stats.words_removed,
                      "moved": red.stats.words_moved, "fallbacks": red.stats.fallbacks}))


def measure(old: str, new: str, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as d:
        a, b = Path(d) / "alt.md", Path(d) / "neu.md"
        a.write_text(old, encoding="utf-8")
        b.write_text(new, encoding="utf-8")
        out = subprocess.run([sys.executable, __file__, "child", str(a), str(b), str(repeat)],
                             capture_output=True, check=True, cwd=ROOT).stdout
    return json.loads(out.decode().strip().split("\n")[-1])


def run():
    from run import Row

    if not (CORPUS / "PAIRS.tsv").exists():
        return [Row("redline", "Korpus", "übersprungen: ../shared/corpus fehlt", "–", None)]
    cases = []
    import csv

    with open(CORPUS / "PAIRS.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            cases.append((f"Korpus {row['pair']}", law(row["old"]), law(row["new"]), None, 3.0,
                          3))
    for name, (o, n) in {"JGG 2012": ("jgg@6935ea30.md", "jgg@64c86e43.md"),
                         "BtMG 2012": ("btmg_1981@53cae0a7.md", "btmg_1981@5a5ecc2e.md"),
                         "TPG 2012": ("tpg@bb3f0178.md", "tpg@fb0a0bfd.md")}.items():
        old, new = embedded_pair(o, n, 2_000_000)
        cases.append((f"2 MB ({name})", old, new, None, 3.0, 3))
    old, new, truth = big_pair(400_000, 300)
    cases.append(("1.000 Seiten, 300 Eingriffe", old, new, truth, 5.0, 3))
    rows = []
    print(f"{'Paar':32} {'Wörter':>8} {'Zeit':>7} {'RSS lip':>8} {'RSS pandoc':>10} "
          f"{'markiert':>8} {'git diff':>9} {'git Wörter':>10} {'Verh. git':>9} "
          f"{'Verh. Wahrheit':>14}", file=sys.stderr)
    for label, old, new, truth, target, repeat in cases:
        m = measure(old, new, repeat)
        git_time, git_marked = git_word_diff(old, new)
        ratio_git = m["marked"] / git_marked if git_marked else float("nan")
        ratio_truth = m["marked"] / truth if truth else None
        peak = m["self_mb"] + m["pandoc_mb"]
        print(f"{label:32} {len(old.split()):>8} {m['time']:>6.2f}s {m['self_mb']:>6.0f}MB "
              f"{m['pandoc_mb']:>8.0f}MB {m['marked']:>8} {git_time:>8.2f}s {git_marked:>10} "
              f"{ratio_git:>9.2f} {f'{ratio_truth:.2f}' if ratio_truth is not None else '–':>14}",
              file=sys.stderr)
        rows.append(Row("redline", f"{label}: Zeit (git diff {git_time:.2f} s)",
                        f"{m['time']:.2f} s", f"≤ {target:.0f} s", m["time"] <= target))
        rows.append(Row("redline", f"{label}: Speicher (lip + pandoc)",
                        f"{m['self_mb']:.0f} + {m['pandoc_mb']:.0f} MB", "≤ 1 GB",
                        peak <= 1024))
        rows.append(Row("redline", f"{label}: markierte Wörter / git diff",
                        f"{m['marked']} / {git_marked} = {ratio_git:.2f}", "0,9–1,1",
                        0.9 <= ratio_git <= 1.1))
        if ratio_truth is not None:
            rows.append(Row("redline", f"{label}: markierte Wörter / geseedete Wahrheit",
                            f"{m['marked']} / {truth} = {ratio_truth:.2f}", "0,9–1,1",
                            0.9 <= ratio_truth <= 1.1))
        if m["fallbacks"]:
            rows.append(Row("redline", f"{label}: Rückfälle", "; ".join(m["fallbacks"]), "keine",
                            False))
    return rows


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.path.insert(0, str(HERE))
        for r in run():
            print(r)
