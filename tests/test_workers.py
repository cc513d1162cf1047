"""pandoc workers (`pipeline.render.workers`): the same bytes as a pandoc process of its own,
every conversion they cannot do done as before, nothing left running."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import SHIPPED_PLAN

from pipeline.errors import RenderError
from pipeline.render import redline_html, templates_dir, workers
from pipeline.render.reader import REDLINE_CHUNK_READER, REDLINE_READER, REDLINE_WRITER
from pipeline.render.tools import pandoc_path, run_pandoc

TEXT = (
    "\ufeff# Ziele der Stadt\r\n\r\nDie Stadt fördert\tdie *Teilhabe*[^1] aller.\r\n\r\n"
    "- Sprache\tund Bildung\n- Arbeit[^2]\n\n```\nCode\tmit Tab\n\tund Einzug\n```\n\n"
    "Ein `Wert\tim Code` und ein langer Satz, der weit über zweiundsiebzig Zeichen hinaus "
    "geht und daher umbrochen würde, wenn pandoc umbräche.\n\n"
    "| Maßnahme | Federführung |\n|---|---|\n| Kurse | FB 50 |\n\n"
    # relative column widths: from the reader's columns (72 on the command line)
    "| Eine Maßnahme mit einem langen Namen | Federführung und Beteiligte |\n|---|---|\n"
    "| Kurse für Eltern in mehreren Sprachen, mit Kinderbetreuung | FB 50 |\n\n"
    "+---------+---------+\n| Kopf    | Kopf    |\n+=========+=========+\n| x       | y       |\n"
    "+---------+---------+\n\n"
    "[^1]: Die erste Fußnote.\n[^2]: Die zweite.\n\nNoch ein Absatz danach.\n")

LIP = Path(sys.executable).with_name("lip")

SHAPES = [
    ["-f", REDLINE_CHUNK_READER, "-t", "json"],
    ["-f", REDLINE_READER, "-t", "html5", "--wrap=none"],
    ["-f", REDLINE_READER, "-t", "html5"],
    ["-f", REDLINE_READER, "-t", REDLINE_WRITER, "--wrap=none", "--reference-location=block"],
    ["-f", "markdown", "-t", "markdown", "--reference-location=section"],
    ["-f", REDLINE_READER, "-t", "typst", "--wrap=none"],
    ["-f", REDLINE_READER, "-t", "html5", "--wrap=none", "--shift-heading-level-by=1"],
]


def _process(args: list[str], stdin: bytes) -> bytes:
    return subprocess.run([pandoc_path(), *args], input=stdin, capture_output=True,
                          check=True).stdout


@pytest.mark.parametrize("args", SHAPES, ids=lambda a: " ".join(a[2:]))
@pytest.mark.parametrize("text", [TEXT, "", "\n", "x"], ids=["text", "empty", "newline", "x"])
def test_a_worker_writes_what_a_pandoc_process_writes(args, text) -> None:
    """Byte for byte, also with tabs, carriage returns, a byte order mark, footnotes (where
    they go), long lines (wrapping) and no input at all."""
    assert workers.request(args) is not None
    worker = workers.Worker()
    try:
        data = text.encode("utf-8")
        for _ in range(2):  # a fresh worker, and one that has converted before
            ok, out = worker.convert(workers.request(args),
                                     workers.as_the_command_line_reads(args[1], data))
            assert ok, out
            assert out == _process(args, data)
    finally:
        worker.close()


def test_a_worker_fills_the_pages_template_as_a_pandoc_process_does() -> None:
    """The frame of the redline page: standalone, template, -M (also true/false), -V, table
    of contents."""
    doc = json.loads(_process(["-f", REDLINE_READER, "-t", "json"],
                              b"# Eins\n\nText.\n\n## Zwei {#zwei}\n\nRLBODY\n"))
    source = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    args = redline_html._without_filter(  # as for a frame without marks in its headings
        ["-f", "json", *redline_html.page_args("Änderungen: alt.md → neu.md",
                                               {"version": "true"}), "-M", "subtitle=Fassung: 2"])
    wanted = workers.request(args)
    assert wanted is not None and wanted["template"] == str(templates_dir() / "redline.html")
    worker = workers.Worker()
    try:
        ok, out = worker.convert(wanted, source)
    finally:
        worker.close()
    assert ok, out
    assert out == _process(args, source)
    assert b'<nav id="TOC"' in out and "Änderungen: alt.md → neu.md".encode() in out


@pytest.mark.parametrize("args", [
    ["-f", "docx", "-t", "json"],  # not a text reader
    ["-t", "html5", "-f", "markdown"],
    ["-f", "markdown", "-t", "docx"],  # a Word file to standard output
    ["-f", "markdown", "-t", "odt", "-o", "x.odt"],
    ["-f", "markdown", "-t", "html5", "--filter", "x.py"],
    ["-f", "markdown", "-t", "html5", "--metadata-file", "m.yaml"],
    ["-f", "markdown", "-t", "html5", "--toc-depth=zwei"],
    ["-f", "markdown", "-t", "html5", "--shift-heading-level-by=-1"],  # a heading as title
    ["-f", "markdown", "-t", "html5", "-s"],  # pandoc's own template
    ["-f", "markdown", "-t", "html5", "--template", "t.html"],  # a template not used
    ["-f", "markdown", "-t", "html5", "--wrap=sometimes"],
    ["-f", "markdown", "-t", "html5", "-V", "a=1", "-V", "a=2"],  # a list
    ["-f", "markdown", "-t", "html5", "-M"],
    ["--version"],
])
def test_conversions_a_worker_cannot_do_exactly_are_not_given_to_one(args) -> None:
    assert workers.request(args) is None


def test_a_filter_in_a_worker_sees_and_leaves_what_it_would_in_a_process(tmp_path) -> None:
    """On the command line each Lua filter has a Lua of its own: FORMAT is the writer's
    name, PANDOC_SCRIPT_FILE the filter's path, and no global outlives the filter. In a
    worker, one filter's globals must not reach the next request's."""
    sets = tmp_path / "setzt.lua"
    sets.write_text("LEFT_BEHIND = true\n"
                    "function Header(h) h.content:insert(pandoc.Str(' ' .. h.level)) return h end\n"
                    "function Str(s) return pandoc.Str(s.text .. '/' .. FORMAT) end\n")
    reads = tmp_path / "liest.lua"
    reads.write_text("function Para(p)\n"
                     "  p.content:insert(pandoc.Str(' ' .. tostring(LEFT_BEHIND) .. ' '\n"
                     "    .. pandoc.path.filename(PANDOC_SCRIPT_FILE)))\n"
                     "  return p\nend\n")
    worker = workers.Worker()
    try:
        for target in ("html5", "markdown-smart", "typst"):
            for filters in ([sets], [reads], [sets, reads]):
                args = ["-f", "markdown", "-t", target, "--shift-heading-level-by=2",
                        *(a for f in filters for a in ("--lua-filter", str(f))),
                        f"--lua-filter={reads}"]  # also as the site writes it
                ok, out = worker.convert(workers.request(args), b"# Kopf\n\nWort\n")
                assert ok, out
                assert out == _process(args, b"# Kopf\n\nWort\n"), (target, filters)
    finally:
        worker.close()


def test_without_workers_or_with_all_busy_pandoc_runs_as_a_process(monkeypatch) -> None:
    args = ["-f", "markdown", "-t", "html5"]
    assert workers.try_worker(args, "*a*") is None  # no command keeps workers
    with workers.pandoc_workers(1):
        taken = workers._pool.take()
        assert taken is not None
        assert workers.try_worker(args, "*a*") is None  # the one worker is busy
        workers._pool.give_back(taken)
        assert workers.try_worker(args, "*a*") == b"<p><em>a</em></p>\n"
        assert workers.try_worker(args, "x" * (workers.MAX_INPUT + 1)) is None  # too large
    monkeypatch.setenv(workers.SWITCH, "0")
    with workers.pandoc_workers(1):
        assert not workers.active()


def test_a_job_of_a_pool_waits_for_a_busy_worker_rather_than_start_a_pandoc(monkeypatch) -> None:
    """The pool's jobs run one per core already: a worker busy with a side conversion (the
    Word file's frame) is waited for, not replaced by a pandoc of its own. Without workers
    left, the job does not wait for ever."""
    import threading

    from pipeline.render import tools

    processes = []

    class Counted(tools.PandocProcess):
        def __init__(self, args, *rest, **kw) -> None:
            processes.append(args)
            super().__init__(args, *rest, **kw)
    monkeypatch.setattr(tools, "PandocProcess", Counted)
    args = ["-f", "markdown", "-t", "html5"]
    with workers.pandoc_workers(1):
        pool = workers._pool
        busy = pool.take()
        assert busy is not None
        assert run_pandoc(args, "*a*") == b"<p><em>a</em></p>\n"  # not a pool's: a process
        assert len(processes) == 1
        threading.Timer(0.3, pool.give_back, [busy]).start()
        assert tools.run_pandoc_pool([(args, "*b*"), (args, "*c*")], 2) == [
            b"<p><em>b</em></p>\n", b"<p><em>c</em></p>\n"]
        assert len(processes) == 1  # both waited for the worker
        busy = pool.take()
        threading.Timer(0.3, pool.drop, [busy]).start()  # the last worker dies meanwhile
        assert tools.run_pandoc_pool([(args, "*d*"), (args, "*e*")], 2) == [
            b"<p><em>d</em></p>\n", b"<p><em>e</em></p>\n"]
        assert len(processes) == 3


def test_an_error_is_the_one_a_pandoc_process_gives() -> None:
    """pandoc failing in a worker: the conversion runs again as a process of its own, whose
    message (naming the command) the user sees; the worker goes on."""
    args = ["-f", "json", "-t", "html5"]
    with pytest.raises(RenderError) as outside:
        run_pandoc(args, "{kaputt")
    with workers.pandoc_workers(1):
        with pytest.raises(RenderError) as inside:
            run_pandoc(args, "{kaputt")
        assert str(inside.value) == str(outside.value)
        assert run_pandoc(args, '{"pandoc-api-version":[1,23,1],"meta":{},"blocks":[]}') \
            == b"\n"
        assert len(workers._pool._all) == 1


def test_a_worker_that_died_is_replaced_by_a_process(monkeypatch) -> None:
    args = ["-f", "markdown", "-t", "html5"]
    with workers.pandoc_workers(2):
        pool = workers._pool
        for worker in list(pool._idle):
            worker._proc.kill()
            worker._proc.wait()
        assert run_pandoc(args, "*a*") == b"<p><em>a</em></p>\n"
        assert run_pandoc(args, "*b*") == b"<p><em>b</em></p>\n"
        assert pool._all == []  # both dropped, neither used again


def test_workers_end_with_the_command_also_after_an_error() -> None:
    with pytest.raises(KeyboardInterrupt), workers.pandoc_workers(2):
        procs = [w._proc for w in workers._pool._all]
        assert all(p.poll() is None for p in procs)
        raise KeyboardInterrupt
    assert all(p.poll() is not None for p in procs)
    assert not workers.active()


def _redline_both_ways(tmp_path: Path, old: str, new: str, files: tuple[str, ...],
                       formats: tuple[str, ...] = ("html",)) -> tuple[list[list[bytes]], list[str]]:
    """`lip --debug redline` of OLD → NEW with workers and without (LIP_PANDOC_WORKERS=0):
    each run's `files` and its log. The first run's workers, one per core and started with
    lip, are checked to be gone afterwards."""
    (tmp_path / "alt.md").write_text(old, encoding="utf-8")
    (tmp_path / "neu.md").write_text(new, encoding="utf-8")
    outputs, logs = [], []
    for switch in ("1", "0"):
        out = tmp_path / f"out{switch}"
        env = {**os.environ, workers.SWITCH: switch, "SOURCE_DATE_EPOCH": "1767225600"}
        run = subprocess.run([LIP, "--debug", "redline", "--dateien", str(tmp_path / "alt.md"),
                              str(tmp_path / "neu.md"),
                              *(a for f in formats for a in ("--format", f)),
                              "--ausgabe", str(out)], capture_output=True, text=True, env=env,
                             check=True)
        logs.append(run.stderr)
        outputs.append([(out / "alt..neu" / f).read_bytes() for f in files])
    pids = [int(p) for p in re.findall(r"pandoc worker kept: (\d+)", logs[0])]
    assert len(pids) == len(os.sched_getaffinity(0))  # one per core, started with lip
    assert not [p for p in pids if Path(f"/proc/{p}").exists()]  # none left running
    return outputs, logs


def test_lip_redline_of_small_texts_uses_workers_and_writes_the_same_files(tmp_path) -> None:
    """The command end to end, with and without workers: the same page, Markdown and
    summary; with them, the conversions ran in workers; afterwards no pandoc is left."""
    old = (SHIPPED_PLAN / "11-bildung.md").read_text(encoding="utf-8")
    new = old.replace(" die ", " alle ", 3).replace("\n\n", "\n\nEin neuer Satz.\n\n", 1)
    outputs, logs = _redline_both_ways(
        tmp_path, old, new, ("redline.html", "redline.md", "zusammenfassung.json"),
        ("html", "md"))
    assert outputs[0] == outputs[1]
    assert logs[0].count("pandoc worker:") >= 4 and "pandoc worker:" not in logs[1]


def test_lip_redline_of_a_text_over_one_mb_keeps_its_workers(tmp_path) -> None:
    """A large text's redline makes many short conversions too (a read and a write per batch
    of changed passages): `lip redline` keeps the workers it started with whatever the size
    (they were ended at once above 1 MB); inputs above MAX_INPUT still run as processes. The
    page is the same as without workers."""
    paragraphs = [f"## § {k} Abschnitt {k}\n\n" + " ".join(
        f"Satz {k}.{n} über die Teilhabe im Stadtteil Nummer {k * 7 + n}." for n in range(40))
        for k in range(450)]
    old = "\n\n".join(paragraphs) + "\n"
    new = old.replace("Satz 5.3 über", "Satz 5.3 neu über").replace(
        "Satz 301.9 über die Teilhabe", "Satz 301.9 über die gleiche Teilhabe")
    assert len(old.encode()) > 1_000_000
    outputs, logs = _redline_both_ways(tmp_path, old, new, ("redline.html",))
    assert logs[0].count("pandoc worker:") >= 2 and "pandoc worker:" not in logs[1]
    pages = [files[0].decode("utf-8") for files in outputs]
    label = '<span class="visually-hidden">Einfügung: </span>'
    assert f"<ins>{label}neu</ins>" in pages[0] and f"<ins>{label}gleiche</ins>" in pages[0]
    assert pages[0] == pages[1]  # the same page as from pandoc processes


def test_lip_site_keeps_workers_only_for_a_plan_up_to_one_mb(tmp_path) -> None:
    """A large plan's chapters are long conversions: its site runs without workers (which
    would keep their heaps for no time gained); a small plan's with them."""
    from pipeline.commands.site import WORKERS_UP_TO_BYTES, small_for_workers

    small = tmp_path / "10-klein.md"
    small.write_text("# Klein\n", encoding="utf-8")
    assert small_for_workers([small])
    large = tmp_path / "20-gross.md"
    large.write_bytes(b"x" * WORKERS_UP_TO_BYTES)
    assert not small_for_workers([small, large])
    assert not small_for_workers([tmp_path / "fehlt.md"])  # the command reports it itself


def test_workers_yield_the_cpu_to_lips_own_python() -> None:
    """Workers run at a lower priority than the command (its Python is what the next step
    waits for), also those started with lip; they still convert as before."""
    own = os.getpriority(os.PRIO_PROCESS, 0)
    workers.start_early(1)
    with workers.pandoc_workers(2):
        pids = [w._proc.pid for w in workers._pool._all]
        assert len(pids) == 2
        assert [os.getpriority(os.PRIO_PROCESS, p) for p in pids] \
            == [min(19, own + workers.WORKER_NICENESS)] * 2
        assert workers.WORKER_NICENESS > 0
        assert workers.try_worker(["-f", "markdown", "-t", "html5"], "*a*") \
            == b"<p><em>a</em></p>\n"
    assert os.getpriority(os.PRIO_PROCESS, 0) == own  # lip itself is left as it was


def test_workers_started_with_lip_are_kept_by_the_command_or_ended_at_once() -> None:
    """`lip redline` and `lip site` start their workers before Python has imported lip; the
    command keeps them, or ends them at once where it converts without (`lip site` of a large
    plan: their memory is its)."""
    workers.start_early(2)
    early = list(workers._early)
    with workers.pandoc_workers(2):
        assert workers._pool._all == early and not workers._early
        assert workers.try_worker(["-f", "markdown", "-t", "html5"], "*a*") \
            == b"<p><em>a</em></p>\n"
    assert all(w._proc.poll() is not None for w in early)
    workers.start_early(2)
    early = list(workers._early)
    with workers.pandoc_workers(2, enabled=False):
        assert not workers.active()
        assert all(w._proc.wait(timeout=5) is not None for w in early)
    assert not workers._early


def test_the_page_pdf_and_word_file_are_converted_by_workers(tmp_path, monkeypatch) -> None:
    """Their parts and frames (filters, templates, the Word file's timestamp) go to the
    workers; each file is the same as with pandoc processes."""
    from pipeline.commands.redline import build_redline

    old = (SHIPPED_PLAN / "11-bildung.md").read_text(encoding="utf-8")
    (tmp_path / "alt.md").write_text(old, encoding="utf-8")
    (tmp_path / "neu.md").write_text(old.replace(" die ", " alle ", 2), encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    seen = []
    real = workers.try_worker

    def counted(args, stdin, started=None, env=None, wait=False):
        out = real(args, stdin, started, env, wait)
        seen.append((args[3], "--lua-filter" in args, out is not None))
        return out
    monkeypatch.setattr(workers, "try_worker", counted)
    files = {}
    for switch in ("1", "0"):
        monkeypatch.setenv(workers.SWITCH, switch)
        result = build_redline(dateien=(tmp_path / "alt.md", tmp_path / "neu.md"),
                               formats=("html", "pdf", "docx", "synopse"),
                               out_root=tmp_path / f"out{switch}")
        files[switch] = {f.name: f.read_bytes() for f in result.files}
    assert ("html5", False, True) in seen  # the page's parts, in a worker
    for kind in ("typst", "docx"):
        assert (kind, True, True) in seen, kind  # with a filter, in a worker
    assert files["1"] == files["0"]
    assert list(files["1"]) == ["zusammenfassung.json", "redline.html", "redline.docx",
                                "redline.pdf", "synopse.html", "synopse.pdf"]  # PDFs last
    assert not workers.active() and not workers._early


def test_workers_end_before_typst_compiles(tmp_path, monkeypatch) -> None:
    """typst's compile is a redline's largest moment: no idle worker holds memory then."""
    from pipeline.render import redline

    alive = []
    real = redline.render_pdf
    with workers.pandoc_workers(2):
        procs = [w._proc for w in workers._pool._all]
        import typst

        real_compile = typst.compile_with_warnings

        def compile_(*args, **kwargs):
            alive.append([p.poll() is None for p in procs])
            return real_compile(*args, **kwargs)
        monkeypatch.setattr(typst, "compile_with_warnings", compile_)
        real("# Titel\n\nText [neu]{.ins}.\n", tmp_path / "r.pdf", title="T")
        assert not workers.active()
    assert alive == [[False, False]]
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"


def test_the_engine_reads_uneven_sides_in_pieces_with_the_same_result() -> None:
    """With workers, a side much longer than the other is read in pieces that keep both
    cores busy alike; the blocks of every group are the same, in order."""
    from pipeline.render import redline_text

    assert redline_text._pieces([[5, 5, 5, 5], [10, 10, 10, 10]]) == [(0, 0, 4), (1, 0, 4)]
    old = [[f"Absatz {k} mit *Betonung*[^a]."] for k in range(6)]
    new = [[f"## Teil {k}", f"- Punkt {k}\n- und [Verweis][v] {k}"] for k in range(18)]
    sides = [(old, ["[^a]: Fußnote."]), (new, ["[v]: #ziel"])]
    whole = redline_text.parse_chunks(sides, with_json=True)
    with workers.pandoc_workers(2):
        pieces = redline_text._pieces([[len(g) + sum(map(len, g)) for g in groups]
                                       for groups, _ in sides])
        assert len(pieces) == 3 and {k for k, _, _ in pieces} == {0, 1}  # the new side cut
        assert redline_text.parse_chunks(sides, with_json=True) == whole
        # about even: one run per side
        assert redline_text._pieces([[32_000], [44_000]]) == [(0, 0, 1), (1, 0, 1)]


def test_lip_site_writes_the_same_files_with_workers(tmp_path) -> None:
    """`lip site` of the shipped plan keeps workers too (28 of its 29 cold conversions);
    every file of the site is the same without them."""
    sites = []
    for switch in ("1", "0"):
        env = {**os.environ, workers.SWITCH: switch}
        out = tmp_path / f"site{switch}"
        run = subprocess.run([LIP, "--debug", "site", "--plan", str(SHIPPED_PLAN),
                              "--ausgabe", str(out)], capture_output=True, text=True,
                             env=env, cwd=tmp_path, check=False)
        assert run.returncode == 0, run.stderr[-2000:]
        assert ("pandoc worker:" in run.stderr) == (switch == "1")
        sites.append({p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert sites[0] == sites[1] and len(sites[0]) > 10
