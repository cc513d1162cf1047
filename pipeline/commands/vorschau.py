"""`lip vorschau` (issue 19): the review site of the working tree on 127.0.0.1, rebuilt on
every save and reloaded in the open browser; problems from `lip check` on the page and in the
terminal. With --pdf the council PDF follows too.

Speed comes from not redoing what did not change: chapters are parsed once per content
(load_plan's cache), and the HTML of every chapter is rendered per section, each section
kept until its text changes, so a save costs one small pandoc call.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.diagnostics import Diagnostic, Report, Severity
from pipeline.errors import PipelineError, PlanFolderMissing
from pipeline.files import write_atomic

TEMPLATE_SLOTS = {"title", "site_title", "publisher", "nav", "content", "footer", "main_class"}
SETTLE_SECONDS = 0.05
"""How long a file must stay unchanged before it is read (editors save in steps)."""


# --- rendering per section -------------------------------------------------------------------

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_WHOLE_ONLY = re.compile(r"\[\^|\^\[|^\s{0,3}\[[^\]]+\]:\s|^\s{0,3}(=+|-+)\s*$|\(@", re.M)
"""Markdown whose parts depend on each other across sections (footnotes, link references,
setext headings, example lists): rendered whole, as `lip site` does."""
_DIV_OPEN = re.compile(r"^\s{0,3}:{3,}\s*[^\s:]")
_DIV_CLOSE = re.compile(r"^\s{0,3}:{3,}\s*$")
_HEAD_ID = re.compile(r'<h([1-6]) id="([^"]*)"')


def split_sections(markdown: str) -> list[str]:
    """Cut a chapter's Markdown before every level-1/2 heading that starts a block (blank
    line before it, outside code), so that each piece renders on its own as in the whole."""
    if _WHOLE_ONLY.search(markdown):
        return [markdown]
    pieces: list[list[str]] = [[]]
    fence = None
    divs = 0
    previous_blank = True
    for line in markdown.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)[0]
        elif fence is not None and m and m.group(1)[0] == fence:
            fence = None
        elif fence is None and _DIV_OPEN.match(line):
            divs += 1
        elif fence is None and divs and _DIV_CLOSE.match(line):
            divs -= 1
        elif fence is None and not divs and previous_blank and re.match(r"#{1,2}\s", line) \
                and pieces[-1]:
            pieces.append([])
        pieces[-1].append(line)
        previous_blank = not line.strip()
    return ["".join(p) for p in pieces]


def _auto_heading_flags(piece: str) -> list[bool]:
    """For each ATX heading of `piece` in order: True if pandoc makes its id (no `{#…}`)."""
    flags, fence = [], None
    for line in piece.splitlines():
        m = _FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)[0]
            continue
        if fence is not None:
            if m and m.group(1)[0] == fence:
                fence = None
            continue
        h = _ATX.match(line)
        if h and not line.startswith((" ", "\t")):
            flags.append("{#" not in h.group(2))
    return flags


def join_sections(pieces: list[str], htmls: list[str]) -> str:
    """The HTML of the pieces as one document: heading ids pandoc made per piece are made
    unique across the chapter the way pandoc does (`massnahmen`, `massnahmen-1`, …)."""
    used: set[str] = set()
    out = []
    for piece, frag in zip(pieces, htmls, strict=True):
        flags = iter(_auto_heading_flags(piece))
        seen_here: set[str] = set()
        renames: dict[str, str] = {}

        def rename(m: re.Match, flags=flags, seen_here=seen_here, renames=renames) -> str:
            level, ident = m.group(1), m.group(2)
            auto = next(flags, False)
            if not auto:
                used.add(ident)
                return m.group(0)
            base = ident
            tail = re.match(r"^(.*)-(\d+)$", ident)
            if tail and tail.group(1) in seen_here:
                base = tail.group(1)
            seen_here.add(base)
            new, n = base, 0
            while new in used:
                n += 1
                new = f"{base}-{n}"
            used.add(new)
            if new != ident:
                renames[ident] = new
            return f'<h{level} id="{new}"'

        frag = _HEAD_ID.sub(rename, frag)
        for old, new in renames.items():
            frag = frag.replace(f'href="#{old}"', f'href="#{new}"')
        out.append(frag)
    return "".join(out)


@dataclass
class FragmentCache:
    """A `render` for `site.build_site`: chapters rendered per section, every piece kept by
    its text; only new pieces go to pandoc (two at a time, one per core)."""

    pieces: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)
    splits: dict[str, list[str]] = field(default_factory=dict)
    joined: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)
    calls: int = 0

    def __call__(self, sources: list[tuple[str, list[str]]]) -> list[str]:
        from pipeline.commands.site import render_fragments

        if all((md, tuple(extra)) in self.joined for md, extra in sources):
            return [self.joined[(md, tuple(extra))] for md, extra in sources]
        splits = {md: self.splits.get(md) or split_sections(md) for md, _ in sources}
        self.splits = splits
        split = [(splits[md], tuple(extra)) for md, extra in sources]
        wanted = {(p, extra) for pieces, extra in split for p in pieces}
        missing = [key for key in wanted if key not in self.pieces]
        if missing:
            with ThreadPoolExecutor(max_workers=2) as pool:
                done = pool.map(lambda key: render_fragments([(key[0], list(key[1]))])[0], missing)
                for key, html in zip(missing, done, strict=True):
                    self.pieces[key] = html
            self.calls += len(missing)
        for key in [k for k in self.pieces if k not in wanted]:  # what no page uses any more
            del self.pieces[key]
        joined = {}
        for (md, extra), (pieces, _) in zip(sources, split, strict=True):
            key = (md, tuple(extra))
            joined[key] = self.joined.get(key) or (
                join_sections(pieces, [self.pieces[(p, key[1])] for p in pieces])
                if len(pieces) > 1 else self.pieces[(pieces[0], key[1])])
        self.joined = joined
        return [joined[(md, tuple(extra))] for md, extra in sources]


# --- the builder -----------------------------------------------------------------------------


def template_problems(templates: Path) -> list[Diagnostic]:
    """Slots of the site's page template that cannot be filled: `{{ titel }}` (unknown) or a
    `{{` without `}}`, with the template's line."""
    path = templates / "site" / "page.html"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return [Diagnostic("templates/site/page.html", 1, "vorlage", f"nicht lesbar: {e}")]
    out = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        for m in re.finditer(r"\{\{(.*?)(\}\}|$)", line):
            name = m.group(1).strip()
            if not m.group(2):
                out.append(Diagnostic("templates/site/page.html", lineno, "vorlage",
                                      "Platzhalter ohne schließendes '}}'"))
            elif name not in TEMPLATE_SLOTS:
                out.append(Diagnostic("templates/site/page.html", lineno, "vorlage",
                                      f"unbekannter Platzhalter '{{{{ {name} }}}}'; bekannt: "
                                      f"{', '.join(sorted(TEMPLATE_SLOTS))}"))
    return out


@dataclass
class Outcome:
    """One rebuild: what the terminal and the banner show."""

    problems: list[Diagnostic]
    site_built: bool
    note: str
    seconds: float
    pdf: Path | None = None
    pdf_seconds: float = 0.0


class Preview:
    """Builds the preview site (and PDF) from the working tree; keeps the last good site."""

    def __init__(self, plan_dir: Path, site_dir: Path, *, build_dir: Path, templates: Path,
                 pdf: bool = False):
        from pipeline import history

        self.plan_dir, self.site_dir, self.build_dir = plan_dir, site_dir, build_dir
        self.templates, self.pdf = templates, pdf
        self.plan_cache: dict = {}
        self.render = FragmentCache()
        try:
            self.repo = history.open_repo(plan_dir)
            self.prefix = history.plan_prefix(self.repo, plan_dir)
        except PipelineError:
            self.repo, self.prefix = None, "plan"
        self.history = history.PlanHistory(self.repo, self.prefix)  # old plans read once
        self.pdf_result: tuple[Path | None, float] = (None, 0.0)
        self.pdf_problem: Diagnostic | None = None
        self.last_problems: list[Diagnostic] = []

    def build(self, after_site: Callable[[Outcome], None] = lambda o: None) -> Outcome:
        """Check and rebuild; call `after_site` as soon as the site is in place (the browser
        reloads then), before the slower parts (PDF)."""
        from pipeline.commands.check import history_report
        from pipeline.commands.plan_report import plan_report
        from pipeline.commands.site import build_site
        from pipeline.plan import load_plan, read_resources

        start = time.perf_counter()
        plan = load_plan(self.plan_dir, cache=self.plan_cache)
        plan.resources = read_resources(self.plan_dir, plan.files)
        report = Report()
        report.extend(plan.diagnostics)
        report.extend(template_problems(self.templates))
        broken = plan.manifest is None or bool(plan.unread_chapter_files) or any(
            d.field == "vorlage" for d in report.diagnostics)
        built, note = False, ""
        pdf_job = None
        if self.pdf and not broken:  # pandoc and typst release the GIL: beside the site
            pdf_job = threading.Thread(target=self._build_pdf, daemon=True)
            pdf_job.start()
        if broken:
            note = ("die Vorschau zeigt den letzten lesbaren Stand" if self.site_dir.exists()
                    else "noch keine Vorschau: der Plan ist nicht lesbar")
            report = Report(plan_report(plan).diagnostics + template_problems(self.templates))
        else:
            try:
                build_site(plan, self.site_dir, plan_dir=self.plan_dir, repo=self.repo,
                           prefix=self.prefix, build_dir=self.build_dir,
                           stand=f"Vorschau des Arbeitsstands, "
                                 f"{dt.datetime.now().strftime('%H:%M:%S')}",
                           render=self.render, history=self.history)
                built = True
            except PipelineError as e:
                note = "die Vorschau zeigt den letzten lesbaren Stand"
                report.extend(getattr(e, "diagnostics", None) or [
                    Diagnostic("plan", 1, "website", str(e))])
        known = _sorted(report) if broken else self.last_problems
        outcome = Outcome(known, built, note, time.perf_counter() - start)
        # The site first: the browser reloads now, with the problems known so far; the whole
        # check (rules, fonts, git) follows and updates the banner.
        after_site(outcome)
        if not broken:
            full = plan_report(plan).diagnostics + template_problems(self.templates)
            report = Report([d for d in report.diagnostics if d.field == "website"] + full)
        if self.repo is not None:
            try:
                report.extend(history_report(self.repo, self.prefix, plan).diagnostics)
            except PipelineError:
                pass
        outcome.problems = self.last_problems = _sorted(report)
        if pdf_job is not None:
            pdf_job.join()
            outcome.pdf, outcome.pdf_seconds = self.pdf_result
            if self.pdf_problem is not None:
                outcome.problems = outcome.problems + [self.pdf_problem]
                self.last_problems = outcome.problems
        return outcome

    def _build_pdf(self) -> None:
        """The council PDF as `lip build --format pdf` makes it (its cache keeps the pandoc
        output of unchanged chapters; typst's memory of the last compile lives on in this
        process, so a warm compile costs a fraction of a cold one)."""
        from pipeline.commands.build import build

        start = time.perf_counter()
        self.pdf_result, self.pdf_problem = (None, 0.0), None
        try:
            result = build(self.plan_dir, output=self.build_dir, formats=["pdf"], validate=False)
        except PipelineError as e:
            self.pdf_problem = Diagnostic("templates/lip.typ", 1, "pdf", f"PDF nicht gebaut: {e}")
            return
        pdf = result.outputs["pdf"]
        self.pdf_result = (pdf, time.perf_counter() - start)
        downloads = self.site_dir / "downloads"
        if self.site_dir.is_dir():  # the site's copy, so that the browser shows the new one
            write_atomic(downloads / pdf.name, pdf.read_bytes())


def _sorted(report: Report) -> list[Diagnostic]:
    return report.sorted()


def as_json(d: Diagnostic) -> dict:
    return {"ort": f"{d.path}:{d.line or 1}", "feld": d.field, "text": d.message,
            "schwere": "fehler" if d.severity is Severity.ERROR else "warnung"}


# --- watching --------------------------------------------------------------------------------


def _fingerprint(folders: list[Path]) -> dict[str, tuple[int, int]]:
    out = {}
    for folder in folders:
        for path in folder.rglob("*"):
            try:
                st = path.stat()
            except OSError:
                continue  # deleted while we looked
            out[str(path)] = (st.st_mtime_ns, st.st_size)
    return out


def settle(folders: list[Path], limit: float = 2.0) -> None:
    """Wait until no file in `folders` changes for SETTLE_SECONDS (at most `limit`): an
    editor that writes in steps is read once it is done."""
    deadline = time.monotonic() + limit
    before = _fingerprint(folders)
    while time.monotonic() < deadline:
        time.sleep(SETTLE_SECONDS)
        now = _fingerprint(folders)
        if now == before:
            return
        before = now


@dataclass
class Session:
    """A running preview: the builder thread reacts to the watcher; `stop` ends both."""

    preview: Preview
    state: object
    watched: list[Path]
    report: Callable[[Outcome], None]
    stop: threading.Event = field(default_factory=threading.Event)
    dirty: threading.Event = field(default_factory=threading.Event)
    ready: threading.Event = field(default_factory=threading.Event)

    def publish(self, outcome: Outcome, site: bool = False) -> None:
        self.state.publish(site=site, problems=[as_json(d) for d in outcome.problems],
                           note=outcome.note)

    def rebuild(self) -> None:
        seen = _fingerprint(self.watched)
        try:  # the site first (the browser reloads), then what the slower steps found
            outcome = self.preview.build(
                after_site=lambda o: self.publish(o, site=o.site_built))
        except Exception as e:  # noqa: BLE001 (the preview must survive anything a save does)
            outcome = Outcome([Diagnostic("plan", 1, "vorschau", f"interner Fehler: {e!r}")],
                              False, "die Vorschau zeigt den letzten lesbaren Stand", 0.0)
        self.publish(outcome)
        self.report(outcome)
        if _fingerprint(self.watched) != seen:  # saved while building: once more
            self.dirty.set()

    def watch(self) -> None:
        import watchfiles

        while not self.stop.is_set():
            try:
                for changes in watchfiles.watch(*self.watched, stop_event=self.stop, debounce=30,
                                                step=10, rust_timeout=200, yield_on_timeout=True,
                                                raise_interrupt=False):
                    self.ready.set()  # the first yield: the watch is in place
                    if changes:
                        self.dirty.set()
            except (FileNotFoundError, RuntimeError, OSError):
                time.sleep(0.2)  # a watched folder vanished for a moment (renamed): again

    def build_loop(self) -> None:
        while not self.stop.is_set():
            if not self.dirty.wait(0.2):
                continue
            self.dirty.clear()
            settle(self.watched)
            self.dirty.clear()
            self.rebuild()


# --- the use case ----------------------------------------------------------------------------


def run(plan_dir: Path, *, port: int, pdf: bool, root: Path,
        echo: Callable[[str], None]) -> None:
    """Serve and rebuild until Ctrl-C (KeyboardInterrupt), then stop watcher and server."""
    from pipeline.commands import vorschau_server as server

    if not plan_dir.is_dir():
        raise PlanFolderMissing(plan_dir, is_file=plan_dir.exists())
    templates = Path(__file__).resolve().parents[2] / "templates"
    build_dir = root / "build"
    site_dir = build_dir / "vorschau" / "site"
    state = server.State()
    httpd = server.serve(site_dir, state, port)  # first: a taken port is said at once
    preview = Preview(plan_dir, site_dir, build_dir=build_dir, templates=templates, pdf=pdf)
    watched = [plan_dir] + ([templates] if templates.is_dir() else [])
    session = Session(preview, state, watched, lambda o: echo(describe(o)))
    threads = [threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                daemon=True),
               threading.Thread(target=session.watch, daemon=True),
               threading.Thread(target=session.build_loop, daemon=True)]
    try:  # Ctrl-C at any moment, also during the first build, ends cleanly
        seen = _fingerprint(watched)
        session.rebuild()
        for t in threads:
            t.start()
        session.ready.wait(5)  # the address only once a save is noticed
        if _fingerprint(watched) != seen:
            session.dirty.set()
        host, bound = httpd.server_address[:2]
        echo(f"Vorschau läuft: http://{host}:{bound}/ (beobachtet "
             f"{', '.join(str(w) for w in watched)}; beenden mit Strg+C)")
        while not session.stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        session.stop.set()
        state.close()
        if threads[0].is_alive():
            httpd.shutdown()
        httpd.server_close()
        for t in threads:
            if t.is_alive():
                t.join(timeout=2)
        echo("Vorschau beendet.")


def describe(o: Outcome) -> str:
    """The terminal's line(s) for one rebuild."""
    when = dt.datetime.now().strftime("%H:%M:%S")
    what = f"Website neu gebaut in {o.seconds:.2f} s" if o.site_built else "Website nicht neu gebaut"
    if o.pdf is not None:
        what += f", PDF in {o.pdf_seconds:.2f} s"
    lines = [f"[{when}] {what}" + (f" – {o.note}" if o.note else "")]
    if o.problems:
        lines += [f"  {d}" for d in o.problems]
        report = Report(list(o.problems))
        lines.append(f"  {report.summary}")
    else:
        lines.append("  Plan ist in Ordnung.")
    return "\n".join(lines)
