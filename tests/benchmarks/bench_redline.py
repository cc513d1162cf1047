"""`lip redline` end to end, as users run it, beside git's word diff and the floor (issue 21).

For every pair of ../shared/corpus (PAIRS.tsv) and for a generated ~1,000-page pair (all laws
of the corpus one after another, ~300 seeded edits and a moved paragraph):

- lip cold: `lip redline --dateien OLD NEW --format html` into a fresh folder (empty cache);
- lip warm: the same again with the cache the cold run left (as in `lip site` and the
  preview, where the version was rendered before);
- the floor: a bare `pandoc -f markdown -t html` of NEW; git: `git diff --no-index
  --word-diff=porcelain --minimal`. All four run in turn, each repetition, so the machine's
  drift hits them alike; the table shows medians.
- peak memory of lip and the pandoc processes it runs (the process tree, sampled every 20 ms:
  each process's own pages, and the pandoc program's pages, shared by pandocs running side
  by side, once; the RSS sum is shown beside it), in runs of their own: the sampling takes
  CPU from what it watches (more from lip on both cores than from one pandoc), so the timed
  runs go without it and are waited for to their exact end;
- CPU time of lip and its children ÷ the floor's, and the shortest time it allows on this
  machine's cores ÷ the floor's time (`parallel_bound`);
- marked words (zusammenfassung.json) ÷ git's marked words (÷ the seeded truth for the
  generated pair); the exponent of time vs size from four sizes of the generated pair.
  git's default diff gives up on minimality in long changed stretches (xdiff's cost limit):
  on ten years of BGB it marks 111,877 words where the minimal diff marks 48,925 and a
  word-by-word minimal diff 44,817. `--minimal` makes it the yardstick it is meant to be.
- the PDF and the DOCX of one pair (PDF_DOCX_PAIR) against their floor: bare pandoc to typst
  plus one typst compile, and bare pandoc to DOCX.
- the DOCX of a large law (DOCX_LARGE_PAIR) against its floor, cold and warm.
- the Synopse of a large law (SYNOPSE_PAIR), whole and with --nur-aenderungen, for
  information.
- one pair cold into a cache filled to its limit with other texts (FULL_CACHE_PAIR), against
  cold into an empty one: the state a cache is in after weeks of use.

LIP_BENCH_WDH sets the repetitions (default 3; 1 runs the whole benchmark in a few minutes;
pairs under SMALL_BYTES run three times as often: a run takes under a second there, and the
median of three of them moved by a tenth of the ratio between runs of the benchmark),
LIP_BENCH_GROESSEN=0 skips the four sizes for the exponent, LIP_BENCH_PAARE="bgb-2012,1.000 Seiten"
measures only those pairs.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shlex
import shutil
import statistics
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
sys.path.insert(0, str(HERE))

from bench_build import LIP, measure  # noqa: E402

from pipeline.render.tools import cores  # noqa: E402

REPEAT = int(os.environ.get("LIP_BENCH_WDH", "3"))
SMALL_BYTES = 300_000
"""Pairs whose NEU is smaller run three times as often (`repeats`)."""
FRONT = re.compile(r"\A---\n.*?\n---\n", re.S)
COLD_FACTOR = 1.1
WARM_TARGETS = {"bgb-2012": 1.0, "bgb-2012-2022": 3.0, "1.000 Seiten": 2.0}
PEAK_MB = 250
EXPONENT = 1.1
SIZES = (50_000, 100_000, 200_000, 400_000)
PDF_DOCX_PAIR = "jgg-2012"
"""A law of 120 kB: the PDF of a 1.3 MB law takes minutes in typst alone."""
DOCX_LARGE_PAIR = "bgb-2012"
"""The Word file of a large law as well, cold and warm: it is made in parts like the page."""
SYNOPSE_PAIR = "bgb-2012"
"""The Synopse (page and PDF) of a large law, whole and with --nur-aenderungen: no target in
issue 21, shown so that its cost is in view (typst lays out the whole two-column text)."""
FULL_CACHE_PAIR = "tpg-2012"
"""Cold into a cache already at its limit, as after weeks of use: the pair whose cold run
suffered most while every store read the whole cache (0.31 → 1.0 s)."""


def law(name: str) -> str:
    return FRONT.sub("", (CORPUS / name).read_text(encoding="utf-8")).strip() + "\n"


def all_laws() -> list[str]:
    """The newest version of every law in the corpus (MANIFEST.tsv: law, commit, date)."""
    newest: dict[str, tuple[str, str]] = {}
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            name = f"{row['law']}@{row['commit']}.md"
            if (CORPUS / name).exists() and row["date"] >= newest.get(row["law"], ("", ""))[0]:
                newest[row["law"]] = (row["date"], name)
    return [name for _, (_, name) in sorted(newest.items())]


def generated_pair(words: int, edits: int) -> tuple[str, str, int]:
    """~`words` words of varied law text (every law of the corpus in turn, then again from
    other versions), with `edits` seeded edits: (old, new, words a perfect redline marks)."""
    from support.redline_seed import seed_edits

    names = all_laws()
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8") as f:
        others = [f"{r['law']}@{r['commit']}.md" for r in csv.DictReader(f, delimiter="\t")]
    order = names + [n for n in others if n not in names and (CORPUS / n).exists()]
    parts: list[str] = []
    count = 0
    k = 0
    while count < words:
        text = law(order[k % len(order)])
        if count + len(text.split()) > words * 1.05:  # cut the last law short (or the first)
            pars = text.split("\n\n")
            keep: list[str] = []
            for p in pars:
                if count + len(p.split()) > words:
                    break
                keep.append(p)
                count += len(p.split())
            parts.append("\n\n".join(keep))
            break
        parts.append(text)
        count += len(text.split())
        k += 1
    old = "\n\n".join(parts)
    seeded = seed_edits(old, edits, seed=2025)
    return old, seeded.text, seeded.edited_words


def git_word_diff(a: Path, b: Path) -> tuple[float, int]:
    """Time of `git diff --no-index --word-diff=porcelain --minimal` and the words it marks."""
    start = time.perf_counter()
    out = subprocess.run(["git", "diff", "--no-index", "--word-diff=porcelain", "--minimal",
                          str(a), str(b)], capture_output=True, check=False).stdout
    elapsed = time.perf_counter() - start
    marked = 0
    for line in out.decode("utf-8", "replace").split("\n"):
        if line.startswith(("+++", "---")):
            continue
        if line[:1] in "+-" and line:
            marked += sum(1 for w in line[1:].split() if any(c.isalnum() for c in w))
    return elapsed, marked


def pandoc() -> str:
    from pipeline.render.tools import pandoc_path

    return pandoc_path()


LIP_CMD = shlex.split(os.environ["LIP_BENCH_LIP"]) if os.environ.get("LIP_BENCH_LIP") else [LIP]
"""LIP_BENCH_LIP runs another lip (e.g. an older checkout) for a before/after comparison."""


def lip_redline(a: Path, b: Path, out: Path, fmt: str = "html", *options: str,
                memory: bool = False):
    """`lip redline --dateien A B` into `out`: timed, and with `memory` its peak sampled
    (`measure`: the sampling takes CPU from lip, so timed runs go without it)."""
    return measure([*LIP_CMD, "redline", "--dateien", str(a), str(b), "--format", fmt,
                    *options, "--ausgabe", str(out)], memory=memory)


def marked_words(out: Path) -> int:
    summary = json.loads(next(out.glob("*/zusammenfassung.json")).read_text(encoding="utf-8"))
    return summary["gesamt"]["words_added"] + summary["gesamt"]["words_removed"]


def pair_files(work: Path, old: str, new: str) -> tuple[Path, Path]:
    """ALT and NEU of a pair as files in `work`, for `lip redline --dateien`."""
    a, b = work / "alt.md", work / "neu.md"
    a.write_text(old, encoding="utf-8")
    b.write_text(new, encoding="utf-8")
    return a, b


def run_pair(work: Path, old: str, new: str, repeat: int, memory: bool = True) -> dict:
    """Medians of `repeat` runs of the floor, lip cold, lip warm and git in turn; with
    `memory`, the peaks of further runs of each of the first three (lip's twice), sampled."""
    a, b = pair_files(work, old, new)
    cold, warm, floor, git = [], [], [], []
    marked = git_marked = 0
    floor_cmd = [pandoc(), "-f", "markdown", "-t", "html", str(b), "-o", str(work / "boden.html")]
    for r in range(repeat):
        out = work / f"lauf-{r}"
        shutil.rmtree(out, ignore_errors=True)
        floor.append(measure(floor_cmd, memory=False))
        cold.append(lip_redline(a, b, out))
        warm.append(lip_redline(a, b, out))
        g_time, git_marked = git_word_diff(a, b)
        git.append(g_time)
        marked = marked_words(out)
        shutil.rmtree(out, ignore_errors=True)
    sampled, floor_sampled = [], []
    if memory:
        out = work / "lauf-speicher"
        shutil.rmtree(out, ignore_errors=True)
        floor_sampled.append(measure(floor_cmd))
        for _ in range(min(2, repeat)):
            sampled += [lip_redline(a, b, out, memory=True), lip_redline(a, b, out, memory=True)]
            shutil.rmtree(out, ignore_errors=True)
    return {
        "cold": statistics.median(s.seconds for s in cold),
        "warm": statistics.median(s.seconds for s in warm),
        "floor": statistics.median(s.seconds for s in floor),
        "cold_cpu": statistics.median(s.cpu_seconds for s in cold),
        "floor_cpu": statistics.median(s.cpu_seconds for s in floor),
        "git": statistics.median(git),
        "peak": max((s.peak_mb for s in sampled), default=0.0),
        "peak_rss": max((s.peak_rss_mb for s in sampled), default=0.0),
        "floor_peak": max((s.peak_mb for s in floor_sampled), default=0.0),
        "marked": marked, "git_marked": git_marked, "bytes": len(new.encode()),
    }


def parallel_bound(m: dict) -> float:
    """The shortest time lip's CPU time allows on this machine's cores, ÷ the floor's time:
    even with every core busy throughout, `kalt / Boden` cannot be lower. Where it is above
    the target, lip has to do less work, not do it more in parallel."""
    return m["cold_cpu"] / cores() / m["floor"]


def repeats(text: str) -> int:
    """How often a pair with NEU `text` runs: small ones three times as often (cheap, and
    their medians the noisiest)."""
    return REPEAT * 3 if len(text.encode()) < SMALL_BYTES else REPEAT


def _typst_compile(source: Path, pdf: Path) -> list[str]:
    return [sys.executable, "-c", "import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2])",
            str(source), str(pdf)]


def run_docx_large(work: Path, old: str, new: str, repeat: int) -> dict[str, float]:
    """The Word file of one pair cold, warm and its floor (bare pandoc to DOCX): medians."""
    a, b = pair_files(work, old, new)
    cold, warm, floor = [], [], []
    for r in range(repeat):
        out = work / f"docx-gross-{r}"
        shutil.rmtree(out, ignore_errors=True)
        floor.append(measure([pandoc(), "-f", "markdown", "-t", "docx", str(b), "-o",
                              str(work / "boden.docx")], memory=False).seconds)
        cold.append(lip_redline(a, b, out, "docx").seconds)
        warm.append(lip_redline(a, b, out, "docx").seconds)
        shutil.rmtree(out, ignore_errors=True)
    return {"cold": statistics.median(cold), "warm": statistics.median(warm),
            "floor": statistics.median(floor)}


def run_synopse(work: Path, old: str, new: str, repeat: int) -> dict[str, float]:
    """The Synopse of one pair: whole (cold, warm, peak) and only the changes (cold)."""
    a, b = pair_files(work, old, new)
    cold, warm, changes = [], [], []
    for r in range(repeat):
        out = work / f"synopse-{r}"
        shutil.rmtree(out, ignore_errors=True)
        cold.append(lip_redline(a, b, out, "synopse", memory=True))
        warm.append(lip_redline(a, b, out, "synopse", memory=True))
        shutil.rmtree(out, ignore_errors=True)
        changes.append(lip_redline(a, b, out, "synopse", "--nur-aenderungen").seconds)
        shutil.rmtree(out, ignore_errors=True)
    return {"cold": statistics.median(s.seconds for s in cold),
            "warm": statistics.median(s.seconds for s in warm),
            "peak": max(s.peak_mb for s in cold + warm), "changes": statistics.median(changes)}


def run_document_formats(work: Path, old: str, new: str, repeat: int) -> dict[str, dict]:
    """PDF and DOCX of one pair, cold, each beside its floor: (lip, floor) medians, and the
    peak of one more cold run, sampled."""
    a, b = pair_files(work, old, new)
    typ, pdf, docx = work / "boden.typ", work / "boden.pdf", work / "boden.docx"
    result = {}
    for fmt in ("pdf", "docx"):
        ours, floor, german = [], [], []
        for r in range(repeat):
            out = work / f"{fmt}-{r}"
            shutil.rmtree(out, ignore_errors=True)
            if fmt == "pdf":
                # the floor as the issue defines it: the text's language unknown to pandoc,
                # so typst hyphenates as English; and, for information, with lang=de as lip
                # sets it (German hyphenation costs typst more)
                for lang, times in (((), floor), (("-M", "lang=de"), german)):
                    first = measure([pandoc(), "-f", "markdown", "-t", "typst", "-s", *lang,
                                     str(b), "-o", str(typ)], memory=False)
                    second = measure(_typst_compile(typ, pdf), memory=False)
                    times.append(first.seconds + second.seconds)
            else:
                floor.append(measure([pandoc(), "-f", "markdown", "-t", "docx", str(b), "-o",
                                      str(docx)], memory=False).seconds)
            ours.append(lip_redline(a, b, out, fmt))
            shutil.rmtree(out, ignore_errors=True)
        out = work / f"{fmt}-speicher"
        shutil.rmtree(out, ignore_errors=True)
        peak = lip_redline(a, b, out, fmt, memory=True).peak_mb
        shutil.rmtree(out, ignore_errors=True)
        result[fmt] = {"lip": statistics.median(s.seconds for s in ours),
                       "floor": statistics.median(floor), "peak": peak,
                       "floor_de": statistics.median(german) if german else None}
    return result


def _full_cache(folder: Path) -> None:
    """Every cache of the redline filled to its limit with texts of no use to the pair, all
    older than the run (what weeks of `lip site` and previews leave behind)."""
    from pipeline.render import redline_html, redline_text, redline_typst
    from pipeline.render.kvcache import Cache

    text = ("Die Stadt fördert Sprachkurse, Beratung und Begegnung in allen Stadtbezirken. "
            * 300)[:20_000]
    for name, limit in (("redline-html.sqlite", redline_html.CACHE_LIMIT_BYTES),
                        ("redline-text.sqlite", redline_text.CACHE_LIMIT_BYTES),
                        ("redline-typst.sqlite", redline_typst.CACHE_LIMIT_BYTES)):
        with Cache(folder, name, limit) as cache:
            cache.now = 1.0  # long ago: the run may drop them
            count = limit // len(text)
            for start in range(0, count, 500):
                cache.put_many({f"fremd-{k}": f"{text[:-10]}{k:10d}"
                                for k in range(start, min(count, start + 500))})


def run_full_cache(work: Path, old: str, new: str, repeat: int) -> dict[str, float]:
    """Cold into an empty cache and cold into a full one, in turn: medians."""
    a, b = pair_files(work, old, new)
    full = work / "voller-cache"
    _full_cache(full)
    empty_runs, full_runs = [], []
    for r in range(repeat):
        for runs, cache in ((empty_runs, None), (full_runs, full)):
            out = work / f"cache-{r}"
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            if cache is not None:  # `--ausgabe out` keeps its cache in out/.cache
                shutil.copytree(cache, out / ".cache")
                os.sync()  # else the run's first commit waits for the copy to reach the disk
            runs.append(lip_redline(a, b, out).seconds)
            shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(full, ignore_errors=True)
    return {"empty": statistics.median(empty_runs), "full": statistics.median(full_runs)}


def exponent(points: list[tuple[float, float]]) -> float:
    """Slope of log(time) over log(size): least squares."""
    xs = [math.log(s) for s, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / \
        sum((x - mx) ** 2 for x in xs)


def run():
    from run import Row

    if not (CORPUS / "PAIRS.tsv").exists():
        return [Row("redline", "Korpus", "übersprungen: ../shared/corpus fehlt", "–", None)]
    cases: list[tuple[str, str, str, int | None]] = []
    with open(CORPUS / "PAIRS.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            cases.append((row["pair"], law(row["old"]), law(row["new"]), None))
    pdf_docx = next(((old, new) for label, old, new, _ in cases if label == PDF_DOCX_PAIR), None)
    full_cache = next(((old, new) for label, old, new, _ in cases if label == FULL_CACHE_PAIR),
                      None)
    docx_large = next(((old, new) for label, old, new, _ in cases if label == DOCX_LARGE_PAIR),
                      None)
    synopse = next(((old, new) for label, old, new, _ in cases if label == SYNOPSE_PAIR), None)
    old, new, truth = generated_pair(400_000, 300)
    cases.append(("1.000 Seiten", old, new, truth))
    if os.environ.get("LIP_BENCH_PAARE"):  # e.g. "bgb-2012,1.000 Seiten"
        wanted = os.environ["LIP_BENCH_PAARE"].split(",")
        cases = [c for c in cases if c[0] in wanted]
        if PDF_DOCX_PAIR not in wanted:
            pdf_docx = None
        if FULL_CACHE_PAIR not in wanted:
            full_cache = None
        if DOCX_LARGE_PAIR not in wanted:
            docx_large = None
        if SYNOPSE_PAIR not in wanted:
            synopse = None
    rows = []
    print(f"{'Paar':16} {'MB':>5} {'kalt':>7} {'warm':>7} {'Boden':>7} {'kalt/Boden':>10} "
          f"{'CPU kalt/Boden':>14} {'git':>6} {'Spitze':>7} {'Wörter':>7} {'git-W.':>7}",
          file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="lip-bench-redline-") as tmp:
        work = Path(tmp)
        for label, old, new, truth in cases:
            m = run_pair(work, old, new, repeats(new))
            ratio = m["cold"] / m["floor"]
            cpu_ratio = m["cold_cpu"] / m["floor_cpu"]
            print(f"{label:16} {m['bytes'] / 1e6:>5.2f} {m['cold']:>6.2f}s {m['warm']:>6.2f}s "
                  f"{m['floor']:>6.2f}s {ratio:>10.2f} {cpu_ratio:>14.2f} {m['git']:>5.2f}s "
                  f"{m['peak']:>5.0f}MB {m['marked']:>7} {m['git_marked']:>7}",
                  file=sys.stderr, flush=True)
            rows.append(Row("redline", f"{label}: kalt / Boden (pandoc {m['floor']:.2f} s, "
                                       f"git {m['git']:.2f} s)",
                            f"{m['cold']:.2f} s = {ratio:.2f} ×", f"≤ {COLD_FACTOR} ×",
                            ratio <= COLD_FACTOR))
            rows.append(Row("redline", f"{label}: CPU-Zeit kalt / Boden (alle Prozesse); "
                                       f"÷ {cores()} Kerne: kürzeste mögliche Zeit / Boden",
                            f"{m['cold_cpu']:.2f} s / {m['floor_cpu']:.2f} s = {cpu_ratio:.2f} ×; "
                            f"{parallel_bound(m):.2f} ×", "(Auskunft)", None))
            target = WARM_TARGETS.get(label)
            rows.append(Row("redline", f"{label}: warm (Cache gefüllt)", f"{m['warm']:.2f} s",
                            f"≤ {target:.0f} s" if target else "–",
                            m["warm"] <= target if target else None))
            rows.append(Row("redline", f"{label}: Speicherspitze (lip + pandoc; "
                                       f"RSS-Summe {m['peak_rss']:.0f} MB, Boden "
                                       f"{m['floor_peak']:.0f} MB)",
                            f"{m['peak']:.0f} MB", f"≤ {PEAK_MB} MB", m["peak"] <= PEAK_MB))
            ratio_git = m["marked"] / m["git_marked"] if m["git_marked"] else float("nan")
            rows.append(Row("redline", f"{label}: markierte Wörter / git diff",
                            f"{m['marked']} / {m['git_marked']} = {ratio_git:.2f}", "0,9–1,1",
                            0.9 <= ratio_git <= 1.1))
            if truth:
                r = m["marked"] / truth
                rows.append(Row("redline", f"{label}: markierte Wörter / geseedete Wahrheit",
                                f"{m['marked']} / {truth} = {r:.2f}", "0,9–1,1",
                                0.9 <= r <= 1.1))
        if pdf_docx is not None:
            for fmt, m in run_document_formats(work, *pdf_docx, repeats(pdf_docx[1])).items():
                ratio = m["lip"] / m["floor"]
                rows.append(Row("redline", f"{PDF_DOCX_PAIR} {fmt.upper()}: kalt / Boden "
                                           f"({m['floor']:.2f} s; Spitze {m['peak']:.0f} MB)",
                                f"{m['lip']:.2f} s = {ratio:.2f} ×", f"≤ {COLD_FACTOR} ×",
                                ratio <= COLD_FACTOR))
                if m["floor_de"]:
                    rows.append(Row("redline", f"{PDF_DOCX_PAIR} {fmt.upper()}: kalt / Boden mit "
                                               f"deutscher Silbentrennung (-M lang=de, "
                                               f"{m['floor_de']:.2f} s)",
                                    f"{m['lip'] / m['floor_de']:.2f} ×", "(Auskunft)", None))
        if docx_large is not None:
            m = run_docx_large(work, *docx_large, REPEAT)
            ratio = m["cold"] / m["floor"]
            rows.append(Row("redline", f"{DOCX_LARGE_PAIR} DOCX: kalt / Boden ({m['floor']:.2f} s)",
                            f"{m['cold']:.2f} s = {ratio:.2f} ×", f"≤ {COLD_FACTOR} ×",
                            ratio <= COLD_FACTOR))
            rows.append(Row("redline", f"{DOCX_LARGE_PAIR} DOCX: warm (Cache gefüllt)",
                            f"{m['warm']:.2f} s", "(Auskunft)", None))
        if synopse is not None:
            m = run_synopse(work, *synopse, REPEAT)
            rows.append(Row("redline", f"{SYNOPSE_PAIR} Synopse (Seite und PDF), ganzes Gesetz: "
                                       f"kalt / warm (Spitze {m['peak']:.0f} MB)",
                            f"{m['cold']:.2f} s / {m['warm']:.2f} s", "(Auskunft)", None))
            rows.append(Row("redline", f"{SYNOPSE_PAIR} Synopse --nur-aenderungen: kalt",
                            f"{m['changes']:.2f} s", "(Auskunft)", None))
        if full_cache is not None:
            m = run_full_cache(work, *full_cache, REPEAT)
            ratio = m["full"] / m["empty"]
            rows.append(Row("redline", f"{FULL_CACHE_PAIR}: kalt in vollen Zwischenspeicher "
                                       f"(an seiner Grenze, fremde Einträge) / in leeren "
                                       f"({m['empty']:.2f} s)",
                            f"{m['full']:.2f} s = {ratio:.2f} ×", f"≤ {COLD_FACTOR} ×",
                            ratio <= COLD_FACTOR))
        points = []
        for words in SIZES if os.environ.get("LIP_BENCH_GROESSEN", "1") != "0" else ():
            old, new, _ = generated_pair(words, max(10, 300 * words // 400_000))
            m = run_pair(work, old, new, REPEAT, memory=False)
            points.append((len(new.encode()), m["cold"], m["cold_cpu"]))
            print(f"Größe {words:>7} Wörter: kalt {m['cold']:.2f} s (CPU {m['cold_cpu']:.2f} s), "
                  f"warm {m['warm']:.2f} s", file=sys.stderr, flush=True)
        if points:
            e = exponent([(b, t) for b, t, _ in points])
            e_cpu = exponent([(b, c) for b, _, c in points])
            rows.append(Row("redline", "Exponent Zeit ~ Größe^k (kalt, 4 Größen 50k–400k Wörter)",
                            f"{e:.2f} (CPU-Zeit: {e_cpu:.2f})", f"≤ {EXPONENT}",
                            e <= EXPONENT))
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
