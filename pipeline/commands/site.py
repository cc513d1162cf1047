"""The review site (issue 6): a static website where reviewers read the plan, its state and
its redlines. Works from file:// and any plain web server; no network at view time.

This module gathers what the pages show; the markup lives in Jinja2 templates under
templates/site/ (render/pages.py, autoescaping on). Every value is escaped there; only HTML
that comes out of pandoc with raw HTML switched off and the `site.lua` filter applied is
passed as Markup, so chapter text can never become markup.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import review
from pipeline.assemble import chapter_markdown
from pipeline.commands import site_data
from pipeline.commands.site_data import DecisionView, RedlineView, StateView
from pipeline.commands.stand import chapter_states
from pipeline.dates import as_date, german_date_long, iso_date
from pipeline.diagnostics import Diagnostic, Severity
from pipeline.errors import PipelineError, PlanInvalid
from pipeline.files import replacing_folder
from pipeline.history import PlanHistory, pair_chapters
from pipeline.plan import Chapter, Fassung, Plan, UnreadableChapter, akteure
from pipeline.plan import fassungen as fassungen_mod
from pipeline.plan.body import anchor as make_anchor
from pipeline.plan.body import plain_text
from pipeline.plan.images import image_problems
from pipeline.render import LIST_FILTER, SHARED_STYLES, file_sha256, templates_dir
from pipeline.render.kvcache import Cache
from pipeline.render.pages import Markup
from pipeline.render.pages import render as render_page
from pipeline.render.reader import PLAN_READER
from pipeline.render.redline import synopse_fragment
from pipeline.render.tools import cores, pandoc_identity, run_pandoc_pool
from pipeline.wording import counted, describe_origin, noun

log = logging.getLogger(__name__)

TEMPLATES = templates_dir() / "site"
"""The site's templates and assets (the one locator of templates/)."""
LUA_FILTER = Path(__file__).resolve().parents[1] / "render" / "filters" / "site.lua"
CHANGES_ONLY = ["--lua-filter=" + str(LUA_FILTER.with_name("changes-only.lua"))]
"""Extra pandoc arguments for the "nur Änderungen" view of a redline."""
ASSETS = ("site.css", "site.js")
RESERVED = {"index", "massnahmen", "fassungen"}
DOWNLOADS = (
    ("LIP-2.0.pdf", "Plan als PDF"),
    ("LIP-2.0.docx", "Plan als Word-Datei (DOCX)"),
)


# --- data gathered before anything is written ---------------------------------------------


@dataclass
class Comparison:
    """A chapter's current text against one earlier text of it, on three pages (nur
    Änderungen, ganzer Text, Synopse): since the last decision, or since the Vorlage the
    Lenkungsgruppe has not decided on yet."""

    base: str
    """The chapter page's name without '.html' ('bildung')."""
    key: str
    """What tells the pages apart from the other comparison's: '' since the decision,
    '-seit-vorlage' since the Vorlage ('bildung-aenderungen-seit-vorlage.html')."""
    since: str
    """'seit der Entscheidung vom 10. Juni 2020', 'seit der Vorlage vom 10. Juli 2020'."""
    old_label: str
    """The Synopse's left column ('Entschiedene Fassung vom 10. Juni 2020')."""
    redline: RedlineView
    decision: DecisionView | None = None
    """The decision whose Vorgaben the page lists first (since the decision only)."""
    redline_html: str = ""
    """The whole chapter with its changes marked."""
    changes_html: str = ""
    """Only the changed blocks, under their headings ("nur Änderungen")."""
    synopse_html: str = ""
    """The Synopse (earlier text | current text), as `lip redline` makes it."""

    @property
    def changes_page(self) -> str:
        return f"{self.base}-aenderungen{self.key}.html"

    @property
    def full_page(self) -> str:
        return f"{self.base}-aenderungen{self.key}-volltext.html"

    @property
    def synopse_page(self) -> str:
        return f"{self.base}-synopse{self.key}.html"


@dataclass
class ChapterPage:
    chapter: Chapter
    page: str
    state: StateView
    since_decision: Comparison
    since_vorlage: Comparison | None = None
    """The changes since the Vorlage not yet decided on, when `state.changed` counts from it."""
    html: str = ""

    @property
    def comparisons(self) -> list[Comparison]:
        """The comparisons with a redline to show, each on its own pages."""
        return [c for c in (self.since_vorlage, self.since_decision)
                if c is not None and c.redline.available]

    @property
    def shown_changes(self) -> Comparison | None:
        """The comparison whose figures the state shows (`changes.changed_since` counts from
        its text): the one „ja, seit … geändert“ links to."""
        since = self.state.changed
        comp = {"Vorlage": self.since_vorlage, "Entscheidung": self.since_decision}.get(
            since.eintrag) if since is not None else None
        return comp if comp is not None and comp.redline.available else None


def comparisons(chapter: Chapter, page: str, state: StateView, history: PlanHistory,
                cache_dir: Path | None) -> tuple[Comparison, Comparison | None]:
    """The chapter's changes since its last decision, and since its Vorlage when its state
    counts from that (site_data.redline_since_vorlage)."""
    base = page.removesuffix(".html")
    d = state.last_decision
    decision = Comparison(
        base, "", f"seit der Entscheidung vom {german_date_long(d.date)}" if d else "",
        f"Entschiedene Fassung vom {german_date_long(d.date)}" if d else "Bisherige Fassung",
        site_data.redline_since_decision(history, chapter, state, cache_dir), d)
    red = site_data.redline_since_vorlage(history, chapter, state, cache_dir)
    if red is None:
        return decision, None
    when = german_date_long(state.changed.datum)  # as the decision's, beside it
    return decision, Comparison(base, "-seit-vorlage", f"seit der Vorlage vom {when}",
                                f"Vorgelegte Fassung vom {when}", red)


@dataclass
class FassungDiff:
    page: str
    old: Fassung
    new: Fassung
    chapters: list[tuple[str, RedlineView]] = field(default_factory=list)
    """(chapter heading, redline) for every chapter that changed."""
    html: list[str] = field(default_factory=list)
    message: str = ""
    synopse_html: str = ""
    changes_html: list[str] = field(default_factory=list)
    """Per chapter, only its changed passages ("nur Änderungen", the default view)."""
    working: bool = False
    """`new` is the Arbeitsstand: the plan as it is now, not a named Fassung."""
    unreadable: list[str] = field(default_factory=list)
    """Chapters not compared because one side could not be read ('6 Stadtverwaltung und
    Diversität: im Arbeitsstand nicht lesbar (plan/16-verwaltung.md:9: …)'); never counted
    as deleted or new."""

    @property
    def full_page(self) -> str:
        return self.page.removesuffix(".html") + "-volltext.html"

    @property
    def synopse_page(self) -> str:
        return self.page.removesuffix(".html") + "-synopse.html"


@dataclass
class SiteResult:
    out_dir: Path
    pages: list[str]
    seconds: float
    pandoc_calls: int
    notes: list[str] = field(default_factory=list)
    """What the reader of the terminal should know: documents in build/ left out because
    they were built from another commit."""

    @property
    def index(self) -> Path:
        return self.out_dir / "index.html"


def page_name(chapter: Chapter) -> str:
    """File name of a chapter's page: `<id>.html` (never one of the site's own pages)."""
    stem = chapter.id if chapter.id not in RESERVED else f"kapitel-{chapter.id}"
    return f"{stem}.html"


def anchor_pages(pages: list[ChapterPage]) -> dict[str, str]:
    """Every generated anchor of the plan → the page that holds it."""
    out: dict[str, str] = {}
    for p in pages:
        ch = p.chapter
        out[ch.anchor] = p.page
        for s in ch.body.sections:
            out[s.anchor] = p.page
        for g in ch.body.goals:
            out[g.anchor] = p.page
        for m in ch.body.measures:
            out[make_anchor("m", m.id)] = p.page
    return out


_HREF_ANCHOR = re.compile(r'href="#([^"]+)"')


def link_anchors(fragment: str, own_page: str, anchors: dict[str, str]) -> str:
    """Point `#anchor` links to the page that holds the anchor (cross-chapter references)."""

    def repl(m: re.Match) -> str:
        target = anchors.get(html.unescape(m.group(1)))
        if target and target != own_page:
            return f'href="{target}#{m.group(1)}"'
        return m.group(0)

    return _HREF_ANCHOR.sub(repl, fragment)


WORKERS_UP_TO_BYTES = 1_000_000
"""Plans up to this size (all chapters together) are converted by pandoc workers: a small
plan's pages are short conversions, and each pandoc process's fixed price would be a third of
the time. A larger plan's chapters are long conversions, and workers mostly kept their
heaps: the site of a generated plan of ~1,000 pages gained no clear time with them (`lip
site` 5.6 and 6.3 s against 5.7 and 5.7 s; the bench 3.53 against 3.71 s) and needed 367
against 311–316 MB. (`lip redline` keeps workers at any size: see there.)"""


def small_for_workers(paths: Iterable[Path]) -> bool:
    """Whether the plan's chapters are small enough for pandoc workers (see above)."""
    try:
        return sum(p.stat().st_size for p in paths) <= WORKERS_UP_TO_BYTES
    except OSError:  # the command reports it when it reads the file
        return False


FRAGMENT_CACHE = "site-fragmente.sqlite"
FRAGMENT_CACHE_LIMIT = 100 * 1024 * 1024
"""The site's converted fragments keep the most recently used up to this size."""
FRAGMENT_CACHE_VERSION = "1"


def _fragment_tool_key() -> str:
    return hashlib.sha256("\0".join([
        FRAGMENT_CACHE_VERSION, pandoc_identity(), PLAN_READER,
        file_sha256(LUA_FILTER, LUA_FILTER.with_name("changes-only.lua"),
                    LUA_FILTER.with_name("redline-html.lua"),  # site.lua's moved labels
                    LIST_FILTER)]).encode()).hexdigest()


def render_fragments(sources: list[tuple[str, list[str]]],
                     cache_dir: Path | None = None) -> list[str]:
    """Render Markdown fragments to HTML with pandoc, raw HTML off and the site filter on.

    One pandoc call per fragment (footnotes and generated ids stay per page), one per core
    at a time. With `cache_dir`, a fragment converted before (same text, options, filters
    and pandoc) comes from the cache: a site rebuilt after a small change converts only the
    pages that changed. `extra` comes before the site filter, so a filter in it still sees
    the redline's .ins/.del classes.
    """
    jobs = [(["-f", PLAN_READER, "-t", "html5", "--wrap=none", *extra,
              f"--lua-filter={LUA_FILTER}"], markdown) for markdown, extra in sources]
    tool = _fragment_tool_key()
    keys = [hashlib.sha256("\0".join([tool, *args, markdown]).encode()).hexdigest()
            for args, markdown in jobs]
    by_key = dict(zip(keys, jobs, strict=True))

    def convert(missing: list[str]) -> list[str]:
        order = sorted(missing, key=lambda k: -len(by_key[k][1]))  # a long chapter never last
        outputs = dict(zip(order, run_pandoc_pool([by_key[k] for k in order], cores()),
                           strict=True))
        return [outputs[k].decode("utf-8") for k in missing]
    with Cache(cache_dir, FRAGMENT_CACHE, FRAGMENT_CACHE_LIMIT) as cache:
        return cache.get_or_make(keys, convert)


# --- page parts -----------------------------------------------------------------------------

NAV = (("index.html", "Übersicht"), ("massnahmen.html", "Maßnahmenkatalog"),
       ("fassungen.html", "Fassungen"))


PAGE_SLOTS = frozenset({"title", "site_title", "publisher", "author", "nav_items", "current",
                        "content", "stand", "main_class", "beschlossen", "banner"})
"""What templates/site/page.html is given (`lip vorschau` names any other placeholder)."""

LAYOUTS = {"text": "text", "chapter": "narrow", "wide": "wide"}
"""Page layout → the class of <main> and <body> (site.css sets the widths)."""


def page_html(*, plan: Plan, title: str, content: str, current: str,
              stand: Any = "", layout: str = "text",
              nav_items: tuple[tuple[str, str], ...] = NAV,
              banner: dict | None = None) -> str:
    """A whole page (templates/site/page.html) around `content`. `layout`: 'text' (one column
    of running text), 'chapter' (text with its contents beside it) or 'wide' (tables);
    header, content and footer share its width, centred."""
    manifest = plan.manifest
    return render_page(
        "site/page.html", title=title,
        site_title=str(manifest.get("titel", "Lokaler Integrationsplan")) if manifest else "Plan",
        publisher=str(manifest.get("herausgeber", "")) if manifest else "",
        author=str(manifest.get("autor") or manifest.get("herausgeber", "")) if manifest else "",
        nav_items=nav_items, current=current, content=Markup(content), stand=stand,
        main_class=LAYOUTS[layout], beschlossen=_adopted_description(plan), banner=banner,
    )


def _adopted_description(plan: Plan) -> str:
    """„beschlossen von der Ratsversammlung am 25.02.2021“ while the site shows exactly the
    text the council adopted, else ''."""
    adopted = fassungen_mod.adopted_text(plan) if plan.manifest else None
    return adopted.description if adopted is not None else ""


def problem_banner(plan: Plan, problems: Iterable[Diagnostic]) -> dict | None:
    """What the banner on every page says (templates/site/macros.html `problem_banner`): the
    errors found while reading the plan, located, and the chapters that could not be read;
    None when there are none. `lip site --trotz-fehlern` shows it; a chapter that cannot be
    read is never presented as if it were deleted."""
    errors = [d for d in problems if d.severity is Severity.ERROR]
    unreadable = [u.path for u in plan.unreadable_chapters]
    if not errors and not unreadable:
        return None
    return {"head": f"Diese Website wurde trotz Fehlern im Plan gebaut "
                    f"({counted(len(errors), 'Fehler', 'Fehler')}; Einzelheiten: lip check).",
            "unreadable": unreadable,
            "problems": [(f"{d.path}:{d.line or 1}", d.field, d.message) for d in errors]}


def start_page(plan: Plan, pages: list[ChapterPage], downloads: list[tuple[str, str]],
               stand: Any, origin: str = "", commit: str = "") -> str:
    """The start page (templates/site/index.html): figures, documents and every chapter in
    its part; a chapter file that could not be read keeps its place as „nicht lesbar“ and
    counts as a chapter, never as deleted."""
    manifest = plan.manifest
    unreadable = {u.filename: u for u in plan.unreadable_chapters}
    by_file: dict[str, Any] = {p.chapter.filename: p for p in pages} | unreadable
    groups: list[tuple[str, list[Any]]] = []
    seen: set[str] = set()
    for part in (manifest.get("teile") or []) if manifest else []:
        if not isinstance(part, dict):
            continue
        members = [by_file[f] for f in part.get("kapitel") or [] if f in by_file]
        seen.update(m.filename if m in unreadable.values() else m.chapter.filename
                    for m in members)
        groups.append((str(part.get("name", "")), members))
    rest = [p for p in pages if p.chapter.filename not in seen]
    if rest:
        groups.append(("Weitere Kapitel", rest))

    # by label, not colour: „nach Vorlage geändert“ and „nach Annahme geändert“ share one
    counts: dict[tuple[str, str], int] = {}
    for p in pages:
        counts[p.state.key, p.state.label] = counts.get((p.state.key, p.state.label), 0) + 1
    if unreadable:
        counts[UNREADABLE.key, UNREADABLE.label] = len(unreadable)
    n_measures = sum(len(p.chapter.body.measures) for p in pages)
    totals = [(len(pages) + len(unreadable), "Kapitel", "")]
    totals += [(n, noun(n, label, _STATE_PLURALS.get(label, label)), key)
               for (key, label), n in counts.items()]
    vorgaben = sum(len(p.state.open_vorgaben) for p in pages)
    missing = sum(len(p.state.missing_statements) for p in pages)
    totals += [
        (sum(p.state.changed is not None and p.state.key != "beschlossen" for p in pages),
         "seit Vorlage oder Entscheidung geändert", ""),
        (vorgaben, noun(vorgaben, "offene Vorgabe", "offene Vorgaben"), ""),
        (missing, noun(missing, "fehlende Stellungnahme", "fehlende Stellungnahmen"), ""),
        (n_measures, noun(n_measures, "Maßnahme", "Maßnahmen")
         + (" in den lesbaren Kapiteln" if unreadable else ""), ""),
    ]
    headers = ("Kapitel", "Etappe", "Expert*innengruppe", "Stand", "Letzte Entscheidung",
               "Offene Vorgaben", "Fehlende Stellungnahmen",
               "Seit Vorlage oder Entscheidung geändert")
    name = manifest.gremium_name if manifest else (lambda k: "")
    def unreadable_row(u: UnreadableChapter) -> dict:
        return {"page": "", "number": "", "title": u.path, "etappe": "", "group": "",
                "state": UNREADABLE, "decision": None, "open_vorgaben": 0, "missing": [],
                "changed": False, "changes": None, "problem": u.reason}

    rows = [(group, [unreadable_row(p) if isinstance(p, UnreadableChapter) else {
        "page": p.page, "number": p.chapter.number, "title": p.chapter.title,
        "etappe": p.chapter.get("etappe", ""),
        "group": name(str(p.chapter.get("expertinnengruppe", ""))) if manifest else "",
        "state": p.state, "decision": p.state.last_decision,
        "open_vorgaben": len(p.state.open_vorgaben), "missing": p.state.missing_statements,
        "changed": p.state.changed, "changes": p.shown_changes, "problem": "",
    } for p in members]) for group, members in groups]
    return render_page("site/index.html", title=plan.title or "Lokaler Integrationsplan",
                  sub=str(manifest.get("untertitel", "")) if manifest else "",
                  fassung=fassungen_mod.label(plan) if manifest else "", stand=stand,
                  beschlossen=_adopted_description(plan),
                  origin=origin, commit=commit, totals=totals, downloads=downloads, groups=rows,
                  headers=headers)


def timeline(chapter: Chapter, plan: Plan, versions: site_data.VersionNames,
             council_items: list[dict] = ()) -> str:
    """The chapter's Beratungsverlauf (templates/site/verlauf.html): submissions, decisions
    with Vorgaben, statements and corrections (Berichtigungen) by date, and then the
    council's steps (`council_items`, from `council_items_for`). Each record names its text by Fassung and date."""
    name = plan.manifest.gremium_name if plan.manifest else (lambda k: k)
    items: list[dict] = []
    records = review.records_of(chapter)
    for rec in records.in_time_order():
        item = {"rec": rec, "date": rec.datum, "gremium": name(rec.gremium),
                "version": versions.of(rec.stand, chapter.filename, rec.datum,
                                       records.submitted_on(rec.stand)),
                "git": [("Commit des Textstands", rec.commit)]}
        if isinstance(rec, review.Vorlage):
            item["kind"] = "vorlage"
            item["submitter"], item["recipient"] = vorlage_direction(rec, chapter, plan)
        elif isinstance(rec, review.Entscheidung):
            item["kind"] = "entscheidung"
            item["extra"] = " · ".join(x for x in (rec.sitzung, rec.tally) if x)
            item["vorgaben"] = [site_data.vorgabe_view(v) for v in rec.vorgaben]
            item["git"] += [(f"Vorgabe {v.id} erledigt mit Commit", v.erledigt.commit)
                            for v in rec.vorgaben if v.erledigt is not None]
        else:
            item["kind"] = "stellungnahme"
            item["paragraphs"] = [t.strip() for t in rec.text.split("\n\n") if t.strip()]
        items.append(item)
    items += [{"kind": "berichtigung", "date": b.datum, "zeile": b.zeile, "git": []}
              for b in records.berichtigungen]
    items.sort(key=lambda item: item["date"])  # stable: a correction follows its day's records
    items += [{"kind": "problem", "date": bad.written_date or "–", "what":
               _UNREADABLE[bad.list_name], "message": bad.message, "git": []}
              for bad in records.problems]
    items += council_items  # by date (`council.beratung.chapter_steps`)
    return render_page("site/verlauf.html", items=items)


def vorlage_direction(rec: review.Vorlage, chapter: Chapter, plan: Plan) -> tuple[str, str]:
    """(who submits, to whom): the Expert*innengruppe submits to the Lenkungsgruppe.

    The record's Gremium is the submitting group (as `lip vorlegen` writes it); an older
    record that names the deciding body itself is read as the chapter's Expert*innengruppe
    submitting to it."""
    name = plan.manifest.gremium_name if plan.manifest else (lambda k: k)
    submitter = rec.gremium
    if not submitter or submitter == review.DECIDING_BODY:
        submitter = str(chapter.get("expertinnengruppe", "") or "Expert*innengruppe")
    return name(submitter), name(review.DECIDING_BODY)


_UNREADABLE = {"vorlagen": "Vorlage", "entscheidungen": "Entscheidung",
               "stellungnahmen": "Stellungnahme"}


def chapter_page(p: ChapterPage, plan: Plan, versions: site_data.VersionNames,
                 council_items: list[dict] = ()) -> str:
    """A chapter's page (templates/site/kapitel.html); the state line, facts and contents
    follow the chapter's heading in pandoc's HTML."""
    ch = p.chapter
    group = (plan.manifest.gremium_name(str(ch.get("expertinnengruppe", "")))
             if plan.manifest else "")
    heading, end, body = p.html.partition("</h1>")
    if not end:
        heading, body = "", p.html
    return render_page("site/kapitel.html", heading=Markup(heading + end), body=Markup(body),
                  state=p.state, decision=p.state.last_decision,
                  fact_items=[("Teil", ch.part), ("Etappe", ch.get("etappe", "")),
                              ("Expert*innengruppe", group),
                              ("Federführung", ch.get("federfuehrung", ""))],
                  sections=ch.body.sections, since_decision=p.since_decision,
                  since_vorlage=p.since_vorlage,
                  verlauf=Markup(timeline(ch, plan, versions, council_items)))


def redline_page_html(p: ChapterPage, c: Comparison, *, full: bool = False) -> str:
    """The changes since the last decision or since the Vorlage
    (templates/site/aenderungen.html)."""
    ch = p.chapter
    return render_page("site/aenderungen.html", page=p.page, number=ch.number, title=ch.title,
                  since=c.since, decision=c.decision, summary=c.redline.summary, full=full,
                  changes_page=c.changes_page, full_page=c.full_page,
                  synopse_page=c.synopse_page,
                  redline=Markup(c.redline_html if full else c.changes_html))


def gather_council(plan: Plan, history: PlanHistory, plan_dir: Path | None,
                   anchors: dict[str, str]
                   ) -> tuple[list[site_data.AntragView], list[str], list[dict]]:
    """The Änderungsanträge with their Begründung and each Punkt's Synopse rendered, the
    notes on what could not be read, and the council's Beratungsverlauf entries."""
    from pipeline.council.beratung import council_entries
    from pipeline.plan.fassungen import beschluss_problems

    antraege, notes = site_data.antraege_views(plan, history, plan_dir)
    entries = council_entries(plan)
    if beschluss_problems(plan):  # only with --trotz-fehlern: the Beschluss left out, said so
        notes = [*notes, "Der Beschluss in plan/lip.yaml ist nicht lesbar und fehlt im "
                         "Beratungsverlauf (Einzelheiten: lip check)."]
    texts = render_fragments([(a.antrag.begruendung, ["--shift-heading-level-by=3"])
                              for a in antraege])
    for a, frag in zip(antraege, texts, strict=True):
        a.begruendung_html = Markup(link_anchors(frag, ANTRAEGE_PAGE, anchors))
        for p in a.punkte:
            if p.synopse_md:
                p.synopse_html = Markup(link_anchors(synopse_fragment(
                    p.synopse_md, heading_old=f"Fassung „{a.antrag.fassung}“",
                    heading_new="Beantragte Fassung", filters=[LUA_FILTER]), ANTRAEGE_PAGE,
                    anchors))
    return antraege, notes, entries


def make_synopses(comps: list[Comparison], diffs: list[FassungDiff],
                  anchors: dict[str, str], cache_dir: Path | None = None) -> int:
    """The Synopse of every redline on the site, with the Synopse backend of `lip redline`
    (one table: bisherige | neue Fassung, row by row); returns how many were made."""
    jobs: list[tuple[str, str, str]] = []
    places: list[tuple[Any, str]] = []
    for c in comps:
        jobs.append((c.redline.markdown, c.old_label, "Aktueller Text"))
        places.append((c, c.synopse_page))
    for diff in diffs:
        parts = [r.markdown for _, r in diff.chapters if r.available]
        if parts:
            jobs.append(("\n\n".join(parts), diff.old.name, diff.new.name))
            places.append((diff, diff.synopse_page))
    for (holder, page), fragment in zip(places, synopse_fragments(jobs, cache_dir), strict=True):
        holder.synopse_html = link_anchors(fragment, page, anchors)
    return len(jobs)


def synopse_fragments(jobs: list[tuple[str, str, str]], cache_dir: Path | None) -> list[str]:
    """Synopse fragments of (redline Markdown, heading ALT, heading NEU), one per core at a
    time; with `cache_dir` a Synopse made before comes from the cache."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.redline import engine
    from pipeline.render import redline as redline_render

    tool = hashlib.sha256("\0".join([
        _fragment_tool_key(), "synopse",
        file_sha256(Path(redline_render.__file__), Path(engine.__file__))]).encode()).hexdigest()
    keys = [hashlib.sha256("\0".join([tool, *job]).encode()).hexdigest() for job in jobs]
    by_key = dict(zip(keys, jobs, strict=True))

    def make(missing: list[str]) -> list[str]:
        with ThreadPoolExecutor(cores()) as pool:
            return list(pool.map(lambda k: synopse_fragment(
                by_key[k][0], heading_old=by_key[k][1], heading_new=by_key[k][2],
                filters=[LUA_FILTER]), missing))
    with Cache(cache_dir, FRAGMENT_CACHE, FRAGMENT_CACHE_LIMIT) as cache:
        return cache.get_or_make(keys, make)


def synopse_page_html(p: ChapterPage, c: Comparison) -> str:
    ch = p.chapter
    since = f" {c.since}" if c.since else ""
    return render_page("site/synopse.html", back=c.changes_page,
                  back_label=f"an Kapitel {ch.number} {ch.title}{since}",
                  title=f"Synopse: Kapitel {ch.number} {ch.title}{since}",
                  summary=c.redline.summary, old=None, new=None,
                  synopse=Markup(c.synopse_html))


def fassung_synopse_page(d: FassungDiff) -> str:
    return render_page("site/synopse.html", back=d.page,
                  back_label=f"von {d.old.name} zu {d.new.name}",
                  title=f"Synopse: {d.old.name} und {d.new.name}", summary="", old=d.old,
                  new=d.new, synopse=Markup(d.synopse_html))


UNREADABLE = StateView("nicht-lesbar", "nicht lesbar", None, None)
"""The state shown for a chapter file that could not be read (no state can be folded)."""

_STATE_PLURALS = {"Entwurf": "Entwürfe"}
"""A state's label for more than one chapter, where it differs (the others are participles:
„3 angenommen“)."""


def measures_page(plan: Plan, pages: list[ChapterPage]) -> str:
    """All Maßnahmen in one table (templates/site/massnahmen.html)."""
    rows = []
    registry = akteure.registry(plan.manifest)
    leads_seen: set[str] = set()
    felder: list[tuple[str, str]] = []
    for p in pages:
        ch = p.chapter
        if not ch.body.measures:
            continue
        feld = f"{ch.number} {ch.title}"
        felder.append((ch.id, feld))
        for m in ch.body.measures:
            f = {name: plain_text(value) for name, value in m.fields.items()}
            lead = f.get("Federführung", "")
            leads = akteure.lead_names(lead, registry)   # one name per Akteur, however written
            leads_seen.update(leads)
            title = plain_text(m.title)
            rows.append({
                "feld_id": ch.id, "leads": leads, "zielgruppe": f.get("Zielgruppe", ""),
                "text": " ".join([m.id, title, plain_text(m.description), feld, *f.values()]
                                 ).lower(),
                "href": f"{p.page}#{m.anchor}", "id": m.id, "title": title,
                "feld": feld, "lead": lead, "zeitraum": f.get("Zeitraum", ""),
                "kennzahl": f.get("Kennzahl", ""),
            })
    return render_page("site/massnahmen.html", rows=rows, felder=felder,
                  leads=[v for v in sorted(leads_seen, key=str.casefold) if v])


def fassungen_page(fassungen: list[Fassung], diffs: list[FassungDiff], commit: str = "") -> str:
    diff_for = {d.new.name: d for d in diffs if not d.working}
    return render_page("site/fassungen.html", rows=[(f, diff_for.get(f.name)) for f in fassungen],
                  work=next((d for d in diffs if d.working), None), commit=commit)


def fassung_diff_page(d: FassungDiff, *, full: bool = False) -> str:
    """The redlines between two Fassungen: by default only the changed passages of each
    chapter, with `full` the whole chapters (templates/site/fassung.html)."""
    return render_page("site/fassung.html", d=d, full=full, chapters=list(zip(
        d.chapters, map(Markup, d.html if full else d.changes_html), strict=True)))


# --- the council stage: Änderungsanträge and the council's Beratungsverlauf (issue 18.7) ----

ANTRAEGE_PAGE = "antraege.html"


def punkt_anchor(a: site_data.AntragView, p: site_data.PunktView) -> str:
    return f"{a.anchor}-punkt-{p.nr}"


def council_items_for(plan: Plan, chapter: Chapter, antraege: list[site_data.AntragView],
                      entries: list[dict], state: review.ChapterState | None) -> list[dict]:
    """The council's steps concerning `chapter` for its Beratungsverlauf
    (`council.beratung.chapter_steps`, the steps `lip verlauf` shows): the Drucksache going to
    the bodies, every vote on a Punkt that acts on it (linked to the Punkt), every
    Berichtigung of the votes of its Antrag, and the Beschluss with the Punkte that changed
    the chapter."""
    from pipeline.council.beratung import chapter_steps

    anchors = {a.antrag.nummer: a for a in antraege}
    punkt_chapter = {(a.antrag.nummer, p.nr): p.chapter_id for a in antraege for p in a.punkte}
    out: list[dict] = []
    for step in chapter_steps(plan, chapter, [a.antrag for a in antraege], punkt_chapter,
                              entries, state):
        item = {"kind": "rat", "date": step.datum, "step": step, "git": []}
        if step.art == "Berichtigung":
            item = {"kind": "berichtigung", "date": step.datum, "git": [], "council": True,
                    "zeile": step.text}
        elif step.vote is not None and step.antrag is not None:
            view = anchors[step.antrag.nummer]
            punkt = next(p for p in view.punkte if p.nr == step.punkt)
            item["href"] = f"{ANTRAEGE_PAGE}#{punkt_anchor(view, punkt)}"
        out.append(item)
    return out


def antraege_page(antraege: list[site_data.AntragView], entries: list[dict],
                  notes: list[str]) -> str:
    """The Anträge page (templates/site/antraege.html)."""
    views = []
    for a in antraege:
        an = a.antrag
        results: dict[str, int] = {}
        for p in a.punkte:
            results[p.result] = results.get(p.result, 0) + 1
        views.append({
            "anchor": a.anchor, "antrag": an, "punkte": a.punkte,
            "begruendung_html": a.begruendung_html,
            "facts": [("Antragsteller", an.filed_by), ("Datum", german_date_long(an.datum)),
                      ("Bezug", f"Fassung „{an.fassung}“"), ("Gremium", a.gremium),
                      ("Punkte", ", ".join(f"{n} {r}" for r, n in results.items()) or "keine")],
        })
    return render_page("site/antraege.html", antraege=views, notes=notes,
                  entries=sorted(entries, key=lambda e: str(iso_date(e["datum"]))))


# --- the build ------------------------------------------------------------------------------


def find_downloads(build_dir: Path, commit: str = "") -> tuple[list[tuple[Path, str]], list[str]]:
    """The documents `make` produced (PDF, DOCX, Synopse), if any, and a note for each left
    out: a PDF or DOCX of `lip build` whose build names another commit than the site's
    (`commit`) is not this state's document, and the site must not offer it as such."""
    found = [(build_dir / name, label) for name, label in DOWNLOADS if (build_dir / name).is_file()]
    if build_dir.is_dir():
        for path in sorted(build_dir.iterdir()):
            if path.is_file() and "synopse" in path.name.lower() and path.suffix in (
                    ".pdf", ".docx", ".html"):
                found.append((path, f"Synopse ({path.suffix[1:].upper()})"))
    kept, notes = [], []
    for path, label in found:
        built = built_from(path) if commit and path.name in dict(DOWNLOADS) else None
        if built is not None and built != commit:
            notes.append(f"{path} ist aus Commit {built[:10]} gebaut, die Website aus Commit "
                         f"{commit[:10]}, einem anderen Stand: darum bietet die Website die "
                         f"Datei nicht zum Herunterladen an (erst 'lip build', dann 'lip site')")
        else:
            kept.append((path, label))
    return kept, notes


def built_from(path: Path) -> str | None:
    """The commit a document of `lip build` names as its source (the PDF's build manifest,
    the DOCX's property lip-commit), or None where it names none."""
    from pipeline.commands.verify import VerifyError, read_manifest
    from pipeline.word.package import WordInputError, open_docx

    try:
        if path.suffix == ".pdf":
            return str(read_manifest(path).get("commit") or "") or None
        if path.suffix == ".docx":
            return open_docx(path.read_bytes(), path.name).properties.get("lip-commit") or None
    except (VerifyError, WordInputError, OSError):
        return None
    return None


def fassung_diffs(plan: Plan, history: PlanHistory, stand: Any = None,
                  cache_dir: Path | None = None) -> list[FassungDiff]:
    """Redlines between consecutive named Fassungen from plan/lip.yaml, and from the last of
    them to the Arbeitsstand (the plan as it is now, dated `stand`)."""
    fassungen = plan.manifest.fassungen if plan.manifest else []
    diffs = []
    for i in range(1, len(fassungen)):
        old, new = fassungen[i - 1], fassungen[i]
        d = FassungDiff(f"fassung-{i + 1}.html", old, new)
        diffs.append(d)
        _compare(d, history, lambda new=new: history.plan_at(new.rev), cache_dir)
    if fassungen:
        work = Fassung(fassungen_mod.ARBEITSSTAND, "", as_date(stand),
                       "Der aktuelle Text, noch nicht als Fassung benannt")
        d = FassungDiff(ARBEITSSTAND_PAGE, fassungen[-1], work, working=True)
        diffs.append(d)
        _compare(d, history, lambda: plan, cache_dir)
    return diffs


ARBEITSSTAND_PAGE = "arbeitsstand.html"


def _compare(d: FassungDiff, history: PlanHistory, new_plan: Any,
             cache_dir: Path | None = None) -> None:
    """Fill `d` with a redline for every chapter that differs between its two sides."""
    if history.repo is None:
        d.message = "Kein Git-Repository: frühere Fassungen sind nicht lesbar."
        return
    try:
        old_plan = history.plan_at(d.old.rev)
        new = new_plan()
    except PipelineError as e:
        d.message = f"Eine der Fassungen ist nicht lesbar: {e}"
        return
    unread_old = {u.filename: u for u in old_plan.unreadable_chapters}
    unread_new = {u.filename: u for u in new.unreadable_chapters}
    for a, b in pair_chapters(old_plan, new):
        if a is not None and b is not None and a.text_sha256 == b.text_sha256 and \
                a.number == b.number and a.title == b.title:
            continue
        ref = b or a
        bad = (unread_new if b is None else unread_old).get(ref.filename)
        if (a is None or b is None) and bad is not None:  # unreadable, not new or deleted
            side = d.new.name if b is None else d.old.name
            d.unreadable.append(f"{ref.number} {ref.title}: in „{side}“ nicht lesbar "
                                f"({bad.reason})")
            continue
        d.chapters.append((f"{ref.number} {ref.title}",
                           site_data.redline_chapters(a, b, cache_dir)))


def build_site(plan: Plan, out_dir: Path, *, plan_dir: Path | None = None, repo: Any = None,
               prefix: str = "plan", build_dir: Path | None = None, stand: Any = "",
               commit: str = "", changed: bool = False, render: Any = None,
               history: PlanHistory | None = None,
               problems: Iterable[Diagnostic] = ()) -> SiteResult:
    """Write the whole site to `out_dir`, replacing what was there only when all pages exist.

    `plan_dir` (on disk) supplies images; `repo` old versions for redlines; `build_dir` the
    PDF/DOCX/Synopse to link. Does not validate the plan: a plan with check errors still
    gets a site, and its text is escaped all the same. `render` replaces `render_fragments`
    (`lip vorschau` passes one that keeps unchanged fragments instead of calling pandoc),
    `history` the PlanHistory to read old versions with (kept across its rebuilds).
    `changed`: the plan differs from `commit` (the site says so, as `lip build` does).
    `problems` (the plan's reading problems, with --trotz-fehlern) go into a banner on every
    page; a chapter that could not be read is listed as „nicht lesbar“ all the same.
    """
    start = time.perf_counter()
    _refuse_unsafe_ids(plan)
    history = history or PlanHistory(repo, prefix)
    build_dir = build_dir if build_dir is not None else out_dir.parent
    cache_dir = build_dir / ".cache"  # the redline engine's cache, shared with `lip redline`
    pages = []
    states = chapter_states(plan)
    for ch in plan.chapters:
        state = site_data.state_view(ch, plan.manifest, states[ch.filename], history, cache_dir)
        name = page_name(ch)
        pages.append(ChapterPage(ch, name, state, *comparisons(ch, name, state, history,
                                                               cache_dir)))
    diffs = fassung_diffs(plan, history, stand, cache_dir)

    sources: list[tuple[str, list[str]]] = [(chapter_markdown(p.chapter), []) for p in pages]
    redline_src = [c for p in pages for c in p.comparisons]
    sources += [(c.redline.markdown, ["--shift-heading-level-by=1"]) for c in redline_src]
    sources += [(c.redline.markdown, ["--shift-heading-level-by=1", *CHANGES_ONLY])
                for c in redline_src]
    diff_src = [(d, r) for d in diffs for _, r in d.chapters if r.available]
    sources += [(r.markdown, ["--shift-heading-level-by=1"]) for _, r in diff_src]
    sources += [(r.markdown, ["--shift-heading-level-by=1", *CHANGES_ONLY]) for _, r in diff_src]
    rendered = render(sources) if render is not None else render_fragments(sources, cache_dir)
    anchors = anchor_pages(pages)
    for p, frag in zip(pages, rendered, strict=False):
        p.html = link_anchors(frag, p.page, anchors)
    rest = rendered[len(pages):]
    for c, frag in zip(redline_src, rest, strict=False):
        c.redline_html = link_anchors(frag, c.full_page, anchors)
    rest = rest[len(redline_src):]
    for c, frag in zip(redline_src, rest, strict=False):
        c.changes_html = link_anchors(frag, c.changes_page, anchors)
    rest = rest[len(redline_src):]
    full, changes = rest[:len(diff_src)], rest[len(diff_src):]
    by_diff: dict[int, list[tuple[str, str]]] = {}
    for (d, _), whole, part in zip(diff_src, full, changes, strict=True):
        by_diff.setdefault(id(d), []).append((link_anchors(whole, d.full_page, anchors),
                                              link_anchors(part, d.page, anchors)))
    for d in diffs:
        frags = iter(by_diff.get(id(d), []))
        pairs = [next(frags) if r.available else ("", "") for _, r in d.chapters]
        d.html = [whole for whole, _ in pairs]
        d.changes_html = [part for _, part in pairs]

    synopses = make_synopses(redline_src, diffs, anchors, cache_dir)
    antraege, antrag_notes, entries = gather_council(plan, history, plan_dir, anchors)
    council_calls = len(antraege) + 2 * sum(1 for a in antraege for p in a.punkte
                                            if p.synopse_html)
    nav_items = NAV + ((ANTRAEGE_PAGE, "Anträge"),) if antraege or entries else NAV

    downloads, download_notes = find_downloads(build_dir, commit)
    versions = site_data.VersionNames(plan, history)

    banner = problem_banner(plan, problems)
    origin = describe_origin(commit or None, changed) if commit else ""

    def page(title: str, content: str, current: str = "", layout: str = "text") -> str:
        return page_html(plan=plan, title=title, content=content, current=current,
                         stand=stand, layout=layout, nav_items=nav_items, banner=banner)

    files: dict[str, str] = {}
    links = [(f"downloads/{path.name}", label) for path, label in downloads]
    links += [(d.synopse_page, f"Synopse {d.old.name} – {d.new.name}") for d in diffs
              if d.synopse_html]
    links += [(c.synopse_page, f"Synopse Kapitel {p.chapter.number} {p.chapter.title} {c.since}")
              for p in pages for c in p.comparisons]
    files["index.html"] = page("Übersicht", start_page(plan, pages, links, stand, origin, commit), "index.html",
                               layout="wide")
    for p in pages:
        title = f"{p.chapter.number} {p.chapter.title}"
        files[p.page] = page(title, chapter_page(p, plan, versions, council_items_for(
            plan, p.chapter, antraege, entries, states[p.chapter.filename])), layout="chapter")
        for c in p.comparisons:
            files[c.changes_page] = page(f"Änderungen {c.since}: {title}",
                                         redline_page_html(p, c))
            files[c.full_page] = page(f"Änderungen im ganzen Text {c.since}: {title}",
                                      redline_page_html(p, c, full=True))
            files[c.synopse_page] = page(f"Synopse {c.since}: {title}", synopse_page_html(p, c),
                                         layout="wide")
    files["massnahmen.html"] = page("Maßnahmenkatalog", measures_page(plan, pages),
                                    "massnahmen.html", layout="wide")
    files["fassungen.html"] = page("Fassungen", fassungen_page(
        plan.manifest.fassungen if plan.manifest else [], diffs, commit),
                                   "fassungen.html", layout="wide")
    if antraege or entries:
        files[ANTRAEGE_PAGE] = page("Änderungsanträge", antraege_page(
            antraege, entries, antrag_notes), ANTRAEGE_PAGE, layout="wide")
    for d in diffs:
        files[d.page] = page(f"Änderungen {d.new.name}", fassung_diff_page(d))
        if d.chapters:
            files[d.full_page] = page(f"Änderungen {d.new.name} im ganzen Text",
                                      fassung_diff_page(d, full=True))
        if d.synopse_html:
            files[d.synopse_page] = page(f"Synopse {d.old.name} – {d.new.name}",
                                         fassung_synopse_page(d), layout="wide")

    write_site(out_dir, files, publishable_images(plan), downloads)
    return SiteResult(out_dir, sorted(files), time.perf_counter() - start,
                      len(sources) + 2 * synopses + council_calls, download_notes)


SAFE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
"""A chapter id that is a safe file name (the schema's pattern): it names the chapter's page."""

IMAGE_HEADERS = ("default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
                 "sandbox")
"""The Content-Security-Policy for the site's images: an image opened on its own (an SVG is a
document) may draw and nothing else, no script."""


def _refuse_unsafe_ids(plan: Plan) -> None:
    """Chapter ids become file names: one that is not a safe name (`../../x`) stops the site,
    also with --trotz-fehlern, which only lets check errors pass."""
    bad = [Diagnostic(ch.path, ch.line_of("id"), "id",
                      f"{ch.id!r} ist kein sicherer Dateiname (erlaubt: Kleinbuchstaben, Ziffern "
                      f"und '-'); die Website wird damit auch mit --trotz-fehlern nicht gebaut")
           for ch in plan.chapters if not SAFE_ID.match(ch.id)]
    if bad:
        raise PlanInvalid(bad)


def publishable_images(plan: Plan) -> dict[str, bytes]:
    """The images the site may publish: referenced by a chapter, read as regular files inside
    the plan folder (plan.resources), of an allowed type and content, SVG without script.
    Checked here again, because --trotz-fehlern skips the check."""
    out: dict[str, bytes] = {}
    for chapter in plan.chapters:
        for image in chapter.body.images:
            rel = os.path.normpath(image.src).replace(os.sep, "/")
            data = plan.resources.get(rel)
            if rel.startswith(("../", "/")) or data is None or image_problems(rel, data):
                continue
            out[rel] = data
    return out


def write_site(out_dir: Path, files: dict[str, str], images: dict[str, bytes],
               downloads: list[tuple[Path, str]]) -> None:
    """Write into a fresh folder next to `out_dir`, then swap it in (no half-written site)."""
    with replacing_folder(out_dir) as tmp:
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
        for name in ASSETS:
            shutil.copyfile(TEMPLATES / name, tmp / name)
        with open(tmp / "site.css", "a", encoding="utf-8") as css:
            for name in SHARED_STYLES:
                css.write((TEMPLATES.parent / name).read_text(encoding="utf-8"))
        for rel, data in images.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_bytes(data)
        if images:  # the images' CSP, for Apache (.htaccess) and hosts that read _headers
            (tmp / "_headers").write_text("".join(
                f"/{rel}\n  Content-Security-Policy: {IMAGE_HEADERS}\n" for rel in sorted(images)),
                encoding="utf-8")
            (tmp / ".htaccess").write_text(
                f'<FilesMatch "\\.(svg|png|jpe?g|gif)$">\n'
                f'  Header set Content-Security-Policy "{IMAGE_HEADERS}"\n</FilesMatch>\n',
                encoding="utf-8")
        if downloads:
            (tmp / "downloads").mkdir()
            for path, _ in downloads:
                shutil.copyfile(path, tmp / "downloads" / path.name)


def site_for_plan_dir(plan_dir: Path, out_dir: Path, *, require_valid: bool = True) -> SiteResult:
    """Use case behind `lip site`: load and check the plan, find its git history, build.

    The Stand shown on every page is the date of the last commit (not the clock), so the
    same commit gives the same site.
    """
    from pipeline import history
    from pipeline.commands.plan_report import plan_report
    from pipeline.plan import load_plan, read_resources
    from pipeline.plan import require_valid as require

    plan = load_plan(plan_dir)
    plan.resources = read_resources(plan_dir, plan.files)
    if require_valid:
        require(plan, plan_report(plan))
    repo, prefix, stand, commit, changed = None, "plan", "", "", False
    try:
        repo = history.open_repo(plan_dir)
        prefix = history.plan_prefix(repo, plan_dir)
        head, changed = history.working_tree_state(plan_dir, plan.files, plan.resources)
        if head is None:
            raise PipelineError("noch kein Commit")
        stand, commit = head.time.date(), head.sha
    except PipelineError:
        log.info("kein Git-Repository oder noch kein Commit: Redlines entfallen")
    from pipeline.render.kvcache import writes_behind
    from pipeline.render.workers import pandoc_workers

    # its pages, redlines and Synopsen are many short conversions (see render/workers.py)
    with writes_behind(), pandoc_workers(cores(),
                                         enabled=small_for_workers(plan_dir.glob("*.md"))):
        return build_site(plan, out_dir, plan_dir=plan_dir, repo=repo, prefix=prefix,
                          stand=stand, commit=commit, changed=changed, problems=plan.diagnostics)
