"""The review site (issue 6): a static website where reviewers read the plan, its state and
its redlines. Works from file:// and any plain web server; no network at view time.

Everything that reaches a page is escaped here (`h`) or comes out of pandoc with raw HTML
switched off and the `site.lua` filter applied, so chapter text can never become markup.
"""

from __future__ import annotations

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
from pipeline.commands.site_data import RedlineView, StateView
from pipeline.dates import german_date_long, iso_date
from pipeline.diagnostics import Diagnostic
from pipeline.errors import PipelineError, PlanInvalid
from pipeline.files import replacing_folder
from pipeline.history import PlanHistory, pair_chapters
from pipeline.plan import Chapter, Fassung, Plan, akteure
from pipeline.plan import fassungen as fassungen_mod
from pipeline.plan.body import anchor as make_anchor
from pipeline.plan.images import image_problems
from pipeline.render import templates_dir
from pipeline.render.pages import Markup, escape, render, time_tag
from pipeline.render.reader import PLAN_READER
from pipeline.render.redline import synopse_fragment
from pipeline.render.tools import run_pandoc

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


# --- escaping -------------------------------------------------------------------------------


def h(value: Any) -> Markup:
    """Escape `value` for HTML text and attribute values (Markup passes unchanged), as the
    templates' autoescaping does."""
    return escape("" if value is None else value)


def join(parts: Iterable[str], sep: str = "") -> Markup:
    return Markup(sep.join(h(p) for p in parts))




# --- data gathered before anything is written ---------------------------------------------


@dataclass
class ChapterPage:
    chapter: Chapter
    page: str
    state: StateView
    redline: RedlineView
    html: str = ""
    redline_html: str = ""
    """The whole chapter with its changes marked."""
    changes_html: str = ""
    """Only the changed blocks, under their headings ("nur Änderungen")."""
    synopse_html: str = ""
    """The Synopse (decided version | current text), as `lip redline` makes it."""


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
    working: bool = False
    """`new` is the Arbeitsstand: the plan as it is now, not a named Fassung."""

    @property
    def synopse_page(self) -> str:
        return self.page.removesuffix(".html") + "-synopse.html"


@dataclass
class SiteResult:
    out_dir: Path
    pages: list[str]
    seconds: float
    pandoc_calls: int

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


def render_fragments(sources: list[tuple[str, list[str]]]) -> list[str]:
    """Render Markdown fragments to HTML with pandoc, raw HTML off and the site filter on.

    One pandoc call per fragment: footnotes and generated ids stay per page. `extra` comes
    before the site filter, so a filter in it still sees the redline's .ins/.del classes.
    """
    out = []
    for markdown, extra in sources:
        args = ["-f", PLAN_READER, "-t", "html5", "--wrap=none", *extra,
                f"--lua-filter={LUA_FILTER}"]
        out.append(run_pandoc(args, markdown).decode("utf-8"))
    return out


# --- page parts -----------------------------------------------------------------------------

NAV = (("index.html", "Übersicht"), ("massnahmen.html", "Maßnahmenkatalog"),
       ("fassungen.html", "Fassungen"))


def status_badge(state: StateView) -> Markup:
    return Markup(f'<span class="status status-{h(state.key)}">{h(state.label)}</span>')


LAYOUTS = {"text": "text", "chapter": "narrow", "wide": "wide"}
"""Page layout → the class of <main> and <body> (site.css sets the widths)."""


def page_html(*, plan: Plan, title: str, content: str, current: str,
              footer: str, layout: str = "text",
              nav_items: tuple[tuple[str, str], ...] = NAV) -> str:
    """`layout`: 'text' (one column of running text), 'chapter' (text with its contents
    beside it) or 'wide' (tables); header, content and footer share its width, centred."""
    nav = []
    for href, label in nav_items:
        cur = ' aria-current="page"' if href == current else ""
        nav.append(f'<li><a href="{href}"{cur}>{h(label)}</a></li>')
    manifest = plan.manifest
    site_title = str(manifest.get("titel", "Lokaler Integrationsplan")) if manifest else "Plan"
    publisher = str(manifest.get("herausgeber", "")) if manifest else ""
    return render(
        "site/page.html", title=title, site_title=site_title, publisher=publisher,
        nav=Markup("".join(nav)), content=Markup(content), footer=Markup(footer),
        main_class=LAYOUTS[layout],
    )


def facts_list(items: list[tuple[str, Any]]) -> str:
    rows = "".join(f"<div><dt>{h(k)}</dt><dd>{h(v)}</dd></div>" for k, v in items)
    return f'<dl class="facts">{rows}</dl>'


def decision_text(state: StateView) -> Markup:
    d = state.last_decision
    if d is None:
        return Markup('<span class="muted">noch keine</span>')
    return Markup(f"{h(d.result)}, {time_tag(d.date)}")


def start_page(plan: Plan, pages: list[ChapterPage], downloads: list[tuple[str, str]],
               stand: Any, commit: str = "") -> str:
    manifest = plan.manifest
    by_file = {p.chapter.filename: p for p in pages}
    groups: list[tuple[str, list[ChapterPage]]] = []
    seen: set[str] = set()
    for part in (manifest.get("teile") or []) if manifest else []:
        if not isinstance(part, dict):
            continue
        members = [by_file[f] for f in part.get("kapitel") or [] if f in by_file]
        seen.update(p.chapter.filename for p in members)
        groups.append((str(part.get("name", "")), members))
    rest = [p for p in pages if p.chapter.filename not in seen]
    if rest:
        groups.append(("Weitere Kapitel", rest))

    counts: dict[str, tuple[str, int]] = {}
    for p in pages:
        label, n = counts.get(p.state.key, (p.state.label, 0))
        counts[p.state.key] = (label, n + 1)
    n_measures = sum(len(p.chapter.body.measures) for p in pages)
    totals = [(len(pages), "Kapitel", "")]
    totals += [(n, label, key) for key, (label, n) in counts.items()]
    totals += [
        (sum(p.state.changed_since_decision for p in pages), "seit Entscheidung geändert", ""),
        (sum(len(p.state.open_vorgaben) for p in pages), "offene Vorgaben", ""),
        (sum(len(p.state.missing_statements) for p in pages), "fehlende Stellungnahmen", ""),
        (n_measures, "Maßnahmen", ""),
    ]
    total_items = "".join(
        f'<li{f" class=status-{h(key)}" if key else ""}><span class="num">{n}</span> '
        f"{h(label)}</li>" for n, label, key in totals
    )
    title = plan.title or "Lokaler Integrationsplan"
    sub = str(manifest.get("untertitel", "")) if manifest else ""
    fassung = fassungen_mod.label(plan) if manifest else ""
    lead = [f"<p class=\"lead\">{h(sub)}</p>" if sub else ""]
    lead.append(f"<p>Arbeitsstand für die Beteiligten{f' · {h(fassung)}' if fassung else ''}"
                f"{f' · Stand {h(german_date_long(stand))}' if stand else ''}</p>")
    lead.append(git_details([("Commit dieses Stands", commit)]))
    if downloads:
        links = "".join(f'<li><a href="{h(href)}">{h(label)}</a></li>' for href, label in downloads)
        docs = f'<ul class="downloads">{links}</ul>'
    else:
        docs = ('<p class="muted">Noch keine Dokumente erzeugt. PDF und Word-Datei '
                "entstehen mit <code>make</code>.</p>")
    out = [f"<h1>{h(title)}</h1>", *lead,
           '<section aria-labelledby="auf-einen-blick">',
           '<h2 id="auf-einen-blick">Auf einen Blick</h2>',
           f'<ul class="totals">{total_items}</ul>', "</section>",
           '<section aria-labelledby="dokumente"><h2 id="dokumente">Dokumente</h2>', docs,
           "</section>"]
    headers = ("Kapitel", "Etappe", "Expert*innengruppe", "Stand", "Letzte Entscheidung",
               "Offene Vorgaben", "Fehlende Stellungnahmen", "Seit Entscheidung geändert")
    for i, (name, members) in enumerate(groups, start=1):
        hid = f"teil-{i}"
        head = "".join(f'<th scope="col">{h(x)}</th>' for x in headers)
        rows = []
        for p in members:
            ch, st = p.chapter, p.state
            group = manifest.gremium_name(str(ch.get("expertinnengruppe", ""))) if manifest else ""
            vorgaben = (f'<a href="{h(p.page)}#verlauf">{len(st.open_vorgaben)}</a>'
                        if st.open_vorgaben else "0")
            missing = join(st.missing_statements, ", ") if st.missing_statements else "keine"
            if st.changed_since_decision and p.redline.available:
                changed = f'<a href="{h(redline_page(p))}">ja – Änderungen ansehen</a>'
            elif st.changed_since_decision:
                changed = "ja"
            else:
                changed = "nein"
            cells = [
                ("Kapitel", f'<a href="{h(p.page)}">{h(ch.number)} {h(ch.title)}</a>', True),
                ("Etappe", h(ch.get("etappe", "")), False),
                ("Expert*innengruppe", h(group), False),
                ("Stand", status_badge(st), False),
                ("Letzte Entscheidung", decision_text(st), False),
                ("Offene Vorgaben", vorgaben, False),
                ("Fehlende Stellungnahmen", missing, False),
                ("Seit Entscheidung geändert", changed, False),
            ]
            tds = "".join(
                (f'<th scope="row" data-label="{h(label)}">{value}</th>' if is_head else
                 f'<td data-label="{h(label)}">{value}</td>') for label, value, is_head in cells
            )
            rows.append(f"<tr>{tds}</tr>")
        out += [f'<section aria-labelledby="{hid}"><h2 id="{hid}">{h(name)}</h2>',
                f'<table class="chapters"><caption class="vh">Kapitel im Teil {h(name)}</caption>',
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"]
    return "\n".join(out)


def redline_page(p: ChapterPage) -> str:
    return p.page.removesuffix(".html") + "-aenderungen.html"


def timeline(chapter: Chapter, plan: Plan, versions: site_data.VersionNames,
             council_items: list[tuple[Any, str]] = ()) -> str:
    """The chapter's Beratungsverlauf: submissions, decisions with Vorgaben, statements, and
    then the council's steps (`council_items`: (date, HTML) of votes and Beschluss).
    Each record names the text it is about by Fassung or date; the commit is folded away."""
    name = plan.manifest.gremium_name if plan.manifest else (lambda k: k)
    items = []

    def commit_note(rec: review.Record) -> str:
        return version_note(versions.of(rec.stand, chapter.filename, rec.datum))

    for rec in review.records_of(chapter).in_time_order():
        if isinstance(rec, review.Vorlage):
            submitter, recipient = vorlage_direction(rec, chapter, plan)
            body = (f"<p><strong>Vorlage</strong> der {h(submitter)} an die {h(recipient)}"
                    f"{commit_note(rec)}</p>")
            if rec.vermerk:
                body += f"<p>{h(rec.vermerk)}</p>"
        elif isinstance(rec, review.Entscheidung):
            extra = " · ".join(x for x in (rec.sitzung, rec.abstimmung) if x)
            body = (f"<p><strong>Entscheidung</strong> der {h(name(rec.gremium))}: "
                    f'<span class="result result-{"ok" if rec.accepted else "back"}">'
                    f"{h(rec.ergebnis)}</span>{commit_note(rec)}</p>")
            if extra:
                body += f'<p class="muted">{h(extra)}</p>'
            vorgaben = [site_data.vorgabe_view(v) for v in rec.vorgaben]
            if vorgaben:
                lines = []
                for v in vorgaben:
                    if v.done:
                        state = (f'<span class="done">erledigt</span> am {time_tag(v.done_date)}'
                                 f"{f': {h(v.done_note)}' if v.done_note else ''}")
                    else:
                        state = '<span class="open">offen</span>'
                    lines.append(f"<li><strong>{h(v.id)}</strong> {h(v.text)} <br>{state}</li>")
                body += f'<p>Vorgaben:</p><ul class="vorgaben">{"".join(lines)}</ul>'
        else:
            assert isinstance(rec, review.Stellungnahme)
            body = (f"<p><strong>{h(rec.art or 'Stellungnahme')}</strong>: "
                    f"{h(name(rec.gremium))}{commit_note(rec)}</p>")
            for para in [t.strip() for t in rec.text.split("\n\n") if t.strip()]:
                body += f"<p>{h(para)}</p>"
            if rec.datei:
                body += f'<p class="muted">Wortlaut: plan/{h(rec.datei)}</p>'
        git = [("Commit des Textstands", rec.commit)]
        if isinstance(rec, review.Entscheidung):
            git += [(f"Vorgabe {v.id} erledigt mit Commit", v.erledigt.commit)
                    for v in rec.vorgaben if v.erledigt is not None]
        items.append(f'<li><p class="when">{time_tag(rec.datum)}</p>{body}'
                     f"{git_details(git)}</li>")
    for bad in review.records_of(chapter).problems:
        what = _UNREADABLE[bad.list_name]
        items.append(f'<li><p class="when">{h(bad.written_date or "–")}</p><p>{h(what)}: '
                     f"{h(bad.message)} (Einzelheiten: <code>lip check</code>)</p></li>")
    for when, body in sorted(council_items, key=lambda item: str(iso_date(item[0]))):
        items.append(f'<li class="rat"><p class="when">{time_tag(when)}</p>{body}</li>')
    if not items:
        return '<p class="muted">Noch keine Vorlagen, Entscheidungen oder Stellungnahmen.</p>'
    return f'<ol class="timeline">{"".join(items)}</ol>'


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


def version_note(version: site_data.VersionView) -> str:
    """'(Text: 1. Fassung vom 12. März 2020)': the version by name and date, never a hash."""
    return f' <span class="version">(Text: {h(version.label)})</span>' if version.label else ""


def git_details(rows: list[tuple[str, str]]) -> str:
    """Commit hashes for those who need them, in a folded <details> element."""
    rows = [(label, value) for label, value in rows if value]
    if not rows:
        return ""
    items = "".join(f"<li>{h(label)}: <code>{h(value)}</code></li>" for label, value in rows)
    return (f'<details class="technik"><summary>Technische Angaben (Git)</summary>'
            f"<ul>{items}</ul></details>")


_H1_END = re.compile(r"</h1>")


def chapter_page(p: ChapterPage, plan: Plan, versions: site_data.VersionNames,
                 council_items: list[tuple[Any, str]] = ()) -> str:
    ch, st = p.chapter, p.state
    group = (plan.manifest.gremium_name(str(ch.get("expertinnengruppe", "")))
             if plan.manifest else "")
    facts = facts_list([
        ("Teil", ch.part), ("Etappe", ch.get("etappe", "")), ("Expert*innengruppe", group),
        ("Federführung", ch.get("federfuehrung", "")),
    ])
    decision = st.last_decision
    state_line = (f'<p class="state-line">Stand: {status_badge(st)}'
                  + (f" · letzte Entscheidung: {h(decision.result)} am {time_tag(decision.date)}"
                     if decision else "")
                  + (' · <strong>seit der Entscheidung geändert</strong>'
                     if st.changed_since_decision else "") + "</p>")
    toc_items = "".join(f'<li><a href="#{h(s.anchor)}">{h(s.number)} {h(s.title)}</a></li>'
                        for s in ch.body.sections)
    toc_items += '<li><a href="#verlauf">Beratungsverlauf</a></li>'
    toc_items += '<li><a href="#aenderungen">Änderungen seit der letzten Entscheidung</a></li>'
    toc = (f'<nav class="page-toc" aria-label="Inhalt dieser Seite"><p class="toc-title">'
           f"Auf dieser Seite</p><ul>{toc_items}</ul></nav>")
    intro = state_line + facts + toc
    body = _H1_END.sub(lambda m: m.group(0) + intro, p.html, count=1)
    if p.redline.available:
        change = (f"<p>{h(p.redline.summary)}</p>"
                  f'<p><a class="button" href="{h(redline_page(p))}">Änderungen seit der '
                  f"Entscheidung vom {h(german_date_long(decision.date if decision else ''))} "
                  f'ansehen</a> <a href="{h(synopse_page(p))}">Synopse (zwei Spalten)</a></p>')
    else:
        change = f'<p class="muted">{h(p.redline.message)}</p>'
    return "\n".join([
        f'<article class="chapter">{body}</article>',
        '<section aria-labelledby="verlauf"><h2 id="verlauf">Beratungsverlauf</h2>',
        timeline(ch, plan, versions, council_items), "</section>",
        '<section aria-labelledby="aenderungen">',
        '<h2 id="aenderungen">Änderungen seit der letzten Entscheidung</h2>', change, "</section>",
    ])


LEGEND = ('<p class="legend"><ins><span class="vh">Einfügung: </span>eingefügter Text</ins> · '
          '<del><span class="vh">Streichung: </span>gestrichener Text</del> – Einfügungen sind '
          "unterstrichen, Streichungen durchgestrichen; Vorleseprogramme sagen „Einfügung“ "
          "und „Streichung“ an.</p>")


CHANGE_NAV = ('<nav class="change-nav" aria-label="Änderungen durchgehen" hidden>'
              '<button type="button" data-step="-1">← vorige Änderung</button>'
              '<button type="button" data-step="1">nächste Änderung →</button>'
              '<span class="change-count" role="status" aria-live="polite"></span>'
              '<span class="change-keys">Tasten: <kbd>j</kbd>/<kbd>n</kbd> nächste, '
              "<kbd>k</kbd>/<kbd>p</kbd> vorige</span></nav>")
"""Stepping through the changes; site.js shows it (the page is complete without)."""


def vorgaben_box(d: site_data.DecisionView | None) -> str:
    """The Vorgaben of the last decision, above the changes (as the CLI redline shows them)."""
    if d is None or not d.vorgaben:
        return ""
    items = []
    for v in d.vorgaben:
        state = (f'<span class="done">erledigt</span> am {time_tag(v.done_date)}'
                 f"{f': {h(v.done_note)}' if v.done_note else ''}" if v.done
                 else '<span class="open">offen</span>')
        items.append(f"<li><strong>{h(v.id)}</strong> {h(v.text)}<br>{state}</li>")
    return (f'<section class="vorgaben-box" aria-labelledby="vorgaben"><h2 id="vorgaben">'
            f"Vorgaben der {h(d.body)} (Entscheidung vom {time_tag(d.date)})</h2>"
            f'<ul class="vorgaben">{"".join(items)}</ul></section>')


def redline_page_html(p: ChapterPage, *, full: bool = False) -> str:
    """The changes since the last decision: summary and Vorgaben first, then by default only
    the changed passages under their headings; `full` the whole chapter with its changes."""
    ch, d = p.chapter, p.state.last_decision
    since = f" seit der Entscheidung vom {german_date_long(d.date)}" if d else ""
    synopse = f' · <a href="{h(synopse_page(p))}">Synopse (zwei Spalten)</a>'
    if full:
        views = (f'<a href="{h(redline_page(p))}">nur Änderungen</a> · '
                 '<strong aria-current="page">ganzer Text mit Änderungen</strong>' + synopse)
    else:
        views = ('<strong aria-current="page">nur Änderungen</strong> · '
                 f'<a href="{h(full_redline_page(p))}">ganzer Text mit Änderungen</a>' + synopse)
    heading = "Ganzer Text" if full else "Geänderte Stellen"
    return "\n".join([
        f'<p class="back"><a href="{h(p.page)}">← zurück zu Kapitel {h(ch.number)} '
        f"{h(ch.title)}</a></p>",
        f"<h1>Änderungen an Kapitel {h(ch.number)} {h(ch.title)}{h(since)}</h1>",
        f'<p class="summary">{h(p.redline.summary)}</p>', vorgaben_box(d),
        f'<section aria-labelledby="stellen"><h2 id="stellen">{heading}</h2>',
        f'<p class="views">Ansicht: {views}</p>', LEGEND, CHANGE_NAV,
        f'<div class="redline">{p.redline_html if full else p.changes_html}</div>',
        "</section>",
    ])


def gather_council(plan: Plan, history: PlanHistory, plan_dir: Path | None,
                   anchors: dict[str, str]
                   ) -> tuple[list[site_data.AntragView], list[str], list[dict]]:
    """The Änderungsanträge with their Begründung and each Punkt's Synopse rendered, the
    notes on what could not be read, and the council's Beratungsverlauf entries."""
    from pipeline.council.beratung import council_entries

    antraege, notes = site_data.antraege_views(plan, history, plan_dir)
    try:
        entries = council_entries(plan)
    except (ValueError, TypeError):  # a hand-written date lip check reports
        entries, notes = [], [*notes, "Der Beratungsverlauf im Rat ist nicht lesbar "
                                      "(Einzelheiten: lip check)."]
    texts = render_fragments([(a.antrag.begruendung, ["--shift-heading-level-by=3"])
                              for a in antraege])
    for a, frag in zip(antraege, texts, strict=True):
        a.begruendung_html = link_anchors(frag, ANTRAEGE_PAGE, anchors)
        for p in a.punkte:
            if p.synopse_md:
                p.synopse_html = link_anchors(synopse_fragment(
                    p.synopse_md, heading_old=f"Fassung „{a.antrag.fassung}“",
                    heading_new="Beantragte Fassung", filters=[LUA_FILTER]), ANTRAEGE_PAGE,
                    anchors)
    return antraege, notes, entries


def synopse_page(p: ChapterPage) -> str:
    return p.page.removesuffix(".html") + "-synopse.html"


def make_synopses(pages: list[ChapterPage], diffs: list[FassungDiff],
                  anchors: dict[str, str]) -> int:
    """The Synopse of every redline on the site, with the Synopse backend of `lip redline`
    (one table: bisherige | neue Fassung, row by row); returns how many were made."""
    n = 0
    for p in pages:
        d = p.state.last_decision
        old = f"Entschiedene Fassung vom {german_date_long(d.date)}" if d else "Bisherige Fassung"
        p.synopse_html = link_anchors(synopse_fragment(
            p.redline.markdown, heading_old=old, heading_new="Aktueller Text",
            filters=[LUA_FILTER]), synopse_page(p), anchors)
        n += 1
    for diff in diffs:
        parts = [r.markdown for _, r in diff.chapters if r.available]
        if parts:
            diff.synopse_html = link_anchors(synopse_fragment(
                "\n\n".join(parts), heading_old=diff.old.name, heading_new=diff.new.name,
                filters=[LUA_FILTER]), diff.synopse_page, anchors)
            n += 1
    return n


SYNOPSE_NOTE = ("<p>Die Synopse stellt die Texte Absatz für Absatz nebeneinander: links die "
                "bisherige, rechts die neue Fassung; Streichungen und Einfügungen sind markiert. "
                "Auf schmalen Bildschirmen stehen die beiden Fassungen untereinander.</p>")


def synopse_page_html(p: ChapterPage) -> str:
    ch, d = p.chapter, p.state.last_decision
    since = f" seit der Entscheidung vom {german_date_long(d.date)}" if d else ""
    return "\n".join([
        f'<p class="back"><a href="{h(redline_page(p))}">← zurück zu den Änderungen an '
        f"Kapitel {h(ch.number)} {h(ch.title)}</a></p>",
        f"<h1>Synopse: Kapitel {h(ch.number)} {h(ch.title)}{h(since)}</h1>",
        f'<p class="summary">{h(p.redline.summary)}</p>', SYNOPSE_NOTE, LEGEND, CHANGE_NAV,
        f'<div class="redline synopse-wrap">{p.synopse_html}</div>',
    ])


def fassung_synopse_page(d: FassungDiff) -> str:
    return "\n".join([
        f'<p class="back"><a href="{h(d.page)}">← zurück zu den Änderungen von {h(d.old.name)} '
        f"zu {h(d.new.name)}</a></p>",
        f"<h1>Synopse: {h(d.old.name)} und {h(d.new.name)}</h1>",
        f"<p>{h(d.old.name)} vom {time_tag(d.old.datum)} → {h(d.new.name)} vom "
        f"{time_tag(d.new.datum)}</p>", SYNOPSE_NOTE, LEGEND, CHANGE_NAV,
        f'<div class="redline synopse-wrap">{d.synopse_html}</div>',
    ])


def full_redline_page(p: ChapterPage) -> str:
    return p.page.removesuffix(".html") + "-aenderungen-volltext.html"


def measures_page(plan: Plan, pages: list[ChapterPage]) -> str:
    """All Maßnahmen in one table; site.js adds the filter, the table is complete without it."""
    rows = []
    registry = akteure.registry(plan.manifest)
    fields_seen: dict[str, set[str]] = {"feld": set(), "federfuehrung": set()}
    fields_order: list[tuple[str, str]] = []
    for p in pages:
        ch = p.chapter
        if not ch.body.measures:
            continue
        feld = f"{ch.number} {ch.title}"
        fields_order.append((ch.id, feld))
        for m in ch.body.measures:
            f = m.fields
            lead = f.get("Federführung", "")
            leads = akteure.lead_names(lead, registry)   # one name per Akteur, however written
            fields_seen["federfuehrung"].update(leads)
            text = " ".join([m.id, m.title, m.description, feld, *f.values()]).lower()
            rows.append(
                f'<tr data-feld="{h(ch.id)}" data-federfuehrung="{h("|".join(leads))}" '
                f'data-zielgruppe="{h(f.get("Zielgruppe", "").lower())}" data-text="{h(text)}">'
                f'<th scope="row" data-label="Nr."><a href="{h(p.page)}#{h(m.anchor)}">'
                f"{h(m.id)}</a></th>"
                f'<td data-label="Maßnahme">{h(unstar(m.title))}</td>'
                f'<td data-label="Handlungsfeld">{h(feld)}</td>'
                f'<td data-label="Federführung">{h(lead)}</td>'
                f'<td data-label="Zielgruppe">{h(f.get("Zielgruppe", ""))}</td>'
                f'<td data-label="Zeitraum">{h(f.get("Zeitraum", ""))}</td>'
                f'<td data-label="Kennzahl">{h(unstar(f.get("Kennzahl", "")))}</td></tr>'
            )
    feld_opts = "".join(f'<option value="{h(k)}">{h(v)}</option>' for k, v in fields_order)
    lead_opts = "".join(f'<option value="{h(v)}">{h(v)}</option>'
                        for v in sorted(fields_seen["federfuehrung"], key=str.casefold) if v)
    n = len(rows)
    form = f"""<form id="massnahmen-filter" class="filter" hidden>
<div><label for="f-feld">Handlungsfeld</label>
<select id="f-feld" name="feld"><option value="">alle</option>{feld_opts}</select></div>
<div><label for="f-federfuehrung">Federführung</label>
<select id="f-federfuehrung" name="federfuehrung"><option value="">alle</option>
{lead_opts}</select></div>
<div><label for="f-zielgruppe">Zielgruppe enthält</label>
<input id="f-zielgruppe" name="zielgruppe" type="search" autocomplete="off"></div>
<div><label for="f-text">Freitext</label>
<input id="f-text" name="text" type="search" autocomplete="off"></div>
<div><button type="reset">Filter zurücksetzen</button></div>
</form>
<p id="massnahmen-anzahl" class="count" role="status" aria-live="polite">{n} Maßnahmen</p>"""
    table = (
        '<table class="measures" id="massnahmen"><caption class="vh">Alle Maßnahmen des Plans'
        '</caption><thead><tr><th scope="col">Nr.</th><th scope="col">Maßnahme</th>'
        '<th scope="col">Handlungsfeld</th><th scope="col">Federführung</th>'
        '<th scope="col">Zielgruppe</th><th scope="col">Zeitraum</th>'
        '<th scope="col">Kennzahl</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    intro = ("<p>Alle Maßnahmen des Ziel- und Maßnahmenkatalogs in einer Tabelle. Die Nummer "
             "führt zur Maßnahme im Text ihres Handlungsfelds.</p>")
    if not rows:
        return "<h1>Maßnahmenkatalog</h1><p>Der Plan enthält noch keine Maßnahmen.</p>"
    return f"<h1>Maßnahmenkatalog</h1>{intro}{form}{table}"


def unstar(text: str) -> str:
    """Undo the Markdown escape of a gender star in plain text (`Expert\\*innen`)."""
    return text.replace("\\*", "*")


def fassungen_page(fassungen: list[Fassung], diffs: list[FassungDiff], commit: str = "") -> str:
    if not fassungen:
        return ("<h1>Fassungen</h1><p>Es sind noch keine Fassungen festgelegt. Eine Fassung ist "
                "ein benannter Stand des Plans; sie wird in <code>plan/lip.yaml</code> unter "
                "<code>fassungen</code> mit Name, Datum und Git-Revision eingetragen.</p>")
    diff_for = {d.new.name: d for d in diffs if not d.working}
    rows = []
    for f in fassungen:
        d = diff_for.get(f.name)
        link = (f'<a href="{h(d.page)}">Änderungen gegenüber {h(d.old.name)}</a>'
                if d else '<span class="muted">erste Fassung</span>')
        if d and d.synopse_html:
            link += f' · <a href="{h(d.synopse_page)}">Synopse</a>'
        rows.append(
            f'<tr><th scope="row" data-label="Fassung">{h(f.name)}</th>'
            f'<td data-label="Datum">{time_tag(f.datum)}</td>'
            f'<td data-label="Beschreibung">{h(f.beschreibung)}'
            f'{git_details([("Git-Revision", f.rev)])}</td>'
            f'<td data-label="Änderungen">{link}</td></tr>'
        )
    work = next((d for d in diffs if d.working), None)
    if work is not None:
        if work.message:
            link = f'<span class="muted">{h(work.message)}</span>'
        elif work.chapters:
            n = len(work.chapters)
            link = (f'<a href="{h(work.page)}">Änderungen seit der letzten Fassung '
                    f"({h(work.old.name)})</a>: {n} Kapitel geändert")
            if work.synopse_html:
                link += f' · <a href="{h(work.synopse_page)}">Synopse</a>'
        else:
            link = (f'keine Änderungen seit der letzten Fassung ({h(work.old.name)}) · '
                    f'<a href="{h(work.page)}">ansehen</a>')
        rows.append(
            f'<tr class="arbeitsstand"><th scope="row" data-label="Fassung">'
            f"{h(work.new.name)}</th>"
            f'<td data-label="Datum">{time_tag(work.new.datum)}</td>'
            f'<td data-label="Beschreibung">{h(work.new.beschreibung)}'
            f'{git_details([("Letzter Commit", commit)])}</td>'
            f'<td data-label="Änderungen">{link}</td></tr>'
        )
    return ("<h1>Fassungen</h1><p>Benannte Stände des Plans, jeweils mit den Änderungen "
            "gegenüber der vorigen Fassung, und der Arbeitsstand mit den Änderungen seit der "
            "letzten Fassung.</p>"
            '<table class="fassungen"><caption class="vh">Fassungen des Plans</caption>'
            '<thead><tr><th scope="col">Fassung</th><th scope="col">Datum</th>'
            '<th scope="col">Beschreibung</th>'
            f'<th scope="col">Änderungen</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def fassung_diff_page(d: FassungDiff) -> str:
    title = (f"{d.new.name}: Änderungen seit der letzten Fassung ({d.old.name})" if d.working
             else f"Änderungen von {d.old.name} zu {d.new.name}")
    out = ['<p class="back"><a href="fassungen.html">← zurück zu den Fassungen</a></p>',
           f"<h1>{h(title)}</h1>",
           f"<p>{h(d.old.name)} vom {time_tag(d.old.datum)} → {h(d.new.name)} vom "
           f"{time_tag(d.new.datum)}</p>"]
    if d.message:
        out.append(f'<p class="muted">{h(d.message)}</p>')
        return "\n".join(out)
    if not d.chapters:
        out.append(f"<p>Seit der Fassung „{h(d.old.name)}“ hat sich kein Kapitel geändert.</p>"
                   if d.working
                   else "<p>Zwischen diesen Fassungen hat sich kein Kapitel geändert.</p>")
        return "\n".join(out)
    items = "".join(f'<li><a href="#aenderung-{i}">{h(title)}</a>: {h(r.summary or r.message)}</li>'
                    for i, (title, r) in enumerate(d.chapters, start=1))
    out.append(f'<ul class="changed">{items}</ul>')
    if d.synopse_html:
        out.append(f'<p><a class="button" href="{h(d.synopse_page)}">Synopse (zwei Spalten) '
                   f"ansehen</a></p>")
    out += [LEGEND, CHANGE_NAV]
    for i, ((title, r), frag) in enumerate(zip(d.chapters, d.html, strict=True), start=1):
        # The redline brings the chapter's own heading (shifted to h2); only a missing
        # redline needs one of ours.
        if r.available:
            out.append(f'<section id="aenderung-{i}" aria-label="{h(title)}">'
                       f'<div class="redline">{frag}</div></section>')
        else:
            out.append(f'<section aria-labelledby="aenderung-{i}"><h2 id="aenderung-{i}">'
                       f'{h(title)}</h2><p class="muted">{h(r.message)}</p></section>')
    return "\n".join(out)


# --- the council stage: Änderungsanträge and the council's Beratungsverlauf (issue 18.7) ----

ANTRAEGE_PAGE = "antraege.html"
_RESULT_CLASS = {"angenommen": "result-ok", "abgelehnt": "result-back"}


def result_tag(result: str) -> Markup:
    cls = _RESULT_CLASS.get(result, "result-other")
    return Markup(f'<span class="result {cls}">{h(result)}</span>')


def punkt_anchor(a: site_data.AntragView, p: site_data.PunktView) -> str:
    return f"{a.anchor}-punkt-{p.nr}"


def vote_line(gremium: str, v: Any) -> str:
    """'14. Januar 2021 · Internationaler Ausschuss (12. Sitzung): angenommen (8 dafür – 3 …)'"""
    sitzung = f" ({h(v.sitzung)})" if v.sitzung else ""
    tally = f" ({h(v.tally)})" if v.tally else ""
    return f"{time_tag(v.datum)} · {h(gremium)}{sitzung}: {result_tag(v.ergebnis)}{tally}"


def council_items_for(chapter: Chapter, antraege: list[site_data.AntragView],
                      entries: list[dict]) -> list[tuple[Any, str]]:
    """The council's steps concerning `chapter` for its Beratungsverlauf: every vote on a
    Punkt that acts on it, and every Beschluss of the whole plan."""
    out: list[tuple[Any, str]] = []
    for a in antraege:
        for p in a.punkte:
            if p.chapter_id != chapter.id:
                continue
            for gremium, v in p.votes:
                tally = f" ({h(v.tally)})" if v.tally else ""
                out.append((v.datum, (
                    f"<p><strong>Abstimmung</strong> im Gremium {h(gremium)}: "
                    f'<a href="{ANTRAEGE_PAGE}#{h(punkt_anchor(a, p))}">Änderungsantrag '
                    f"{h(a.antrag.nummer)}, Punkt {p.nr}</a> ({h(p.what)}, "
                    f"{h(a.antrag.filed_by)}): {result_tag(v.ergebnis)}{tally}</p>")))
    for e in entries:
        if e["art"] == "Beschluss":
            out.append((e["datum"], f"<p><strong>Beschluss</strong> der {h(e['gremium'])}: "
                                    f"{h(e['kapitel'])} {h(e['ergebnis'])} "
                                    f"({h(e['fassung'])})</p>"))
    return out


def council_timeline(entries: list[dict]) -> str:
    """The council's Beratungsverlauf of the whole plan: votes and Beschluss, by date."""
    if not entries:
        return '<p class="muted">Die Gremien des Rats haben noch nicht abgestimmt.</p>'
    rows = "".join(
        f'<tr><td data-label="Datum">{time_tag(e["datum"])}</td>'
        f'<td data-label="Gremium">{h(e["gremium"])}</td>'
        f'<td data-label="Art">{h(e["art"])}</td>'
        f'<td data-label="Gegenstand">{h(e["kapitel"])}</td>'
        f'<td data-label="Ergebnis">{h(e["ergebnis"])}</td></tr>'
        for e in sorted(entries, key=lambda e: str(iso_date(e["datum"]))))
    return ('<table class="rat"><caption class="vh">Beratungsverlauf im Rat</caption><thead><tr>'
            '<th scope="col">Datum</th><th scope="col">Gremium</th><th scope="col">Art</th>'
            '<th scope="col">Gegenstand</th><th scope="col">Ergebnis</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def antraege_page(antraege: list[site_data.AntragView], entries: list[dict],
                  notes: list[str]) -> str:
    """Each Änderungsantrag with its Punkte (a Synopse of the Fassung's and the proposed
    wording, the votes) and the Begründung; above them the council's Beratungsverlauf."""
    out = ["<h1>Änderungsanträge</h1>",
           "<p>Änderungsanträge der Fraktionen, Gruppen und Ratsmitglieder zum Plan, Punkt für "
           "Punkt mit einer Synopse der bisherigen und der beantragten Fassung und den "
           "Abstimmungen in den Gremien des Rats.</p>"]
    if notes:
        out.append('<ul class="hinweise">' + "".join(f"<li>{h(n)}</li>" for n in notes) + "</ul>")
    if antraege:
        toc = "".join(f'<li><a href="#{h(a.anchor)}">Änderungsantrag {h(a.antrag.nummer)}'
                      f"</a>: {h(a.antrag.titel)} ({h(a.antrag.filed_by)})</li>"
                      for a in antraege)
        out.append(f'<nav class="page-toc" aria-label="Anträge auf dieser Seite"><p '
                   f'class="toc-title">Anträge</p><ul>{toc}</ul></nav>')
    out += ['<section aria-labelledby="verlauf-rat"><h2 id="verlauf-rat">Beratungsverlauf im '
            "Rat</h2>", council_timeline(entries), "</section>"]
    if not antraege:
        out.append("<p>Es liegen keine Änderungsanträge vor.</p>")
    for a in antraege:
        an = a.antrag
        results: dict[str, int] = {}
        for p in a.punkte:
            results[p.result] = results.get(p.result, 0) + 1
        summary = ", ".join(f"{n} {r}" for r, n in results.items())
        facts = facts_list([("Antragsteller", an.filed_by), ("Datum", german_date_long(an.datum)),
                            ("Bezug", f"Fassung „{an.fassung}“"), ("Gremium", a.gremium),
                            ("Punkte", summary or "keine")])
        out += [f'<section class="antrag" id="{h(a.anchor)}" aria-labelledby="{h(a.anchor)}-titel">',
                f'<h2 id="{h(a.anchor)}-titel">Änderungsantrag {h(an.nummer)}: {h(an.titel)}</h2>',
                facts]
        for p in a.punkte:
            votes = "".join(f"<li>{vote_line(g, v)}</li>" for g, v in p.votes)
            votes = (f'<ul class="votes">{votes}</ul>' if votes
                     else '<p class="muted">Noch nicht abgestimmt.</p>')
            synopse = (f'<div class="redline synopse-wrap">{p.synopse_html}</div>'
                       if p.synopse_html else f'<p class="muted">{h(p.message)}</p>')
            out += [f'<section class="punkt" id="{h(punkt_anchor(a, p))}" '
                    f'aria-labelledby="{h(punkt_anchor(a, p))}-titel">',
                    f'<h3 id="{h(punkt_anchor(a, p))}-titel">Punkt {p.nr}: {h(p.what)}</h3>',
                    f'<p class="punkt-ergebnis">Ergebnis: {result_tag(p.result)}</p>', votes,
                    synopse, "</section>"]
        out += [f'<h3 id="{h(a.anchor)}-begruendung">Begründung</h3>',
                f'<div class="begruendung">{a.begruendung_html}</div>', "</section>"]
    return "\n".join(out)


# --- the build ------------------------------------------------------------------------------


def find_downloads(build_dir: Path) -> list[tuple[Path, str]]:
    """The documents `make` produced (PDF, DOCX, Synopse), if any."""
    found = [(build_dir / name, label) for name, label in DOWNLOADS if (build_dir / name).is_file()]
    if build_dir.is_dir():
        for path in sorted(build_dir.iterdir()):
            if path.is_file() and "synopse" in path.name.lower() and path.suffix in (
                    ".pdf", ".docx", ".html"):
                found.append((path, f"Synopse ({path.suffix[1:].upper()})"))
    return found


def fassung_diffs(plan: Plan, history: PlanHistory, stand: Any = None) -> list[FassungDiff]:
    """Redlines between consecutive named Fassungen from plan/lip.yaml, and from the last of
    them to the Arbeitsstand (the plan as it is now, dated `stand`)."""
    fassungen = plan.manifest.fassungen if plan.manifest else []
    diffs = []
    for i in range(1, len(fassungen)):
        old, new = fassungen[i - 1], fassungen[i]
        d = FassungDiff(f"fassung-{i + 1}.html", old, new)
        diffs.append(d)
        _compare(d, history, lambda new=new: history.plan_at(new.rev))
    if fassungen:
        work = Fassung(fassungen_mod.ARBEITSSTAND, "", stand,
                       "Der aktuelle Text, noch nicht als Fassung benannt")
        d = FassungDiff(ARBEITSSTAND_PAGE, fassungen[-1], work, working=True)
        diffs.append(d)
        _compare(d, history, lambda: plan)
    return diffs


ARBEITSSTAND_PAGE = "arbeitsstand.html"


def _compare(d: FassungDiff, history: PlanHistory, new_plan: Any) -> None:
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
    for a, b in pair_chapters(old_plan, new):
        if a is not None and b is not None and a.text_sha256 == b.text_sha256 and \
                a.number == b.number and a.title == b.title:
            continue
        ref = b or a
        d.chapters.append((f"{ref.number} {ref.title}", site_data.redline_chapters(a, b)))


def build_site(plan: Plan, out_dir: Path, *, plan_dir: Path | None = None, repo: Any = None,
               prefix: str = "plan", build_dir: Path | None = None, stand: Any = "",
               commit: str = "", render: Any = None,
               history: PlanHistory | None = None) -> SiteResult:
    """Write the whole site to `out_dir`, replacing what was there only when all pages exist.

    `plan_dir` (on disk) supplies images; `repo` old versions for redlines; `build_dir` the
    PDF/DOCX/Synopse to link. Does not validate the plan: a plan with check errors still
    gets a site, and its text is escaped all the same. `render` replaces `render_fragments`
    (`lip vorschau` passes one that keeps unchanged fragments instead of calling pandoc),
    `history` the PlanHistory to read old versions with (kept across its rebuilds).
    """
    start = time.perf_counter()
    _refuse_unsafe_ids(plan)
    history = history or PlanHistory(repo, prefix)
    pages = []
    for ch in plan.chapters:
        state = site_data.state_view(ch, plan.manifest)
        pages.append(ChapterPage(ch, page_name(ch), state,
                                 site_data.redline_since_decision(history, ch, state)))
    diffs = fassung_diffs(plan, history, stand)

    sources: list[tuple[str, list[str]]] = [(chapter_markdown(p.chapter), []) for p in pages]
    redline_src = [p for p in pages if p.redline.available]
    sources += [(p.redline.markdown, ["--shift-heading-level-by=1"]) for p in redline_src]
    sources += [(p.redline.markdown, ["--shift-heading-level-by=1", *CHANGES_ONLY])
                for p in redline_src]
    diff_src = [(d, r) for d in diffs for _, r in d.chapters if r.available]
    sources += [(r.markdown, ["--shift-heading-level-by=1"]) for _, r in diff_src]
    rendered = (render or render_fragments)(sources)
    anchors = anchor_pages(pages)
    for p, frag in zip(pages, rendered, strict=False):
        p.html = link_anchors(frag, p.page, anchors)
    rest = rendered[len(pages):]
    for p, frag in zip(redline_src, rest, strict=False):
        p.redline_html = link_anchors(frag, full_redline_page(p), anchors)
    rest = rest[len(redline_src):]
    for p, frag in zip(redline_src, rest, strict=False):
        p.changes_html = link_anchors(frag, redline_page(p), anchors)
    rest = rest[len(redline_src):]
    by_diff: dict[int, list[str]] = {}
    for (d, _), frag in zip(diff_src, rest, strict=True):
        by_diff.setdefault(id(d), []).append(link_anchors(frag, d.page, anchors))
    for d in diffs:
        frags = iter(by_diff.get(id(d), []))
        d.html = [next(frags) if r.available else "" for _, r in d.chapters]

    synopses = make_synopses(redline_src, diffs, anchors)
    antraege, antrag_notes, entries = gather_council(plan, history, plan_dir, anchors)
    council_calls = len(antraege) + 2 * sum(1 for a in antraege for p in a.punkte
                                            if p.synopse_html)
    nav_items = NAV + ((ANTRAEGE_PAGE, "Anträge"),) if antraege or entries else NAV

    build_dir = build_dir if build_dir is not None else out_dir.parent
    downloads = find_downloads(build_dir)
    footer = footer_html(plan, stand)
    versions = site_data.VersionNames(plan, history)

    def page(title: str, content: str, current: str = "", layout: str = "text") -> str:
        return page_html(plan=plan, title=title, content=content, current=current,
                         footer=footer, layout=layout, nav_items=nav_items)

    files: dict[str, str] = {}
    links = [(f"downloads/{path.name}", label) for path, label in downloads]
    links += [(d.synopse_page, f"Synopse {d.old.name} – {d.new.name}") for d in diffs
              if d.synopse_html]
    links += [(synopse_page(p), f"Synopse Kapitel {p.chapter.number} {p.chapter.title} seit der "
                                f"letzten Entscheidung") for p in redline_src]
    files["index.html"] = page("Übersicht", start_page(plan, pages, links, stand, commit), "index.html",
                               layout="wide")
    for p in pages:
        title = f"{p.chapter.number} {p.chapter.title}"
        files[p.page] = page(title, chapter_page(p, plan, versions, council_items_for(
            p.chapter, antraege, entries)), layout="chapter")
        if p.redline.available:
            files[redline_page(p)] = page(f"Änderungen: {title}", redline_page_html(p))
            files[full_redline_page(p)] = page(f"Änderungen im ganzen Text: {title}",
                                               redline_page_html(p, full=True))
            files[synopse_page(p)] = page(f"Synopse: {title}", synopse_page_html(p),
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
        if d.synopse_html:
            files[d.synopse_page] = page(f"Synopse {d.old.name} – {d.new.name}",
                                         fassung_synopse_page(d), layout="wide")

    write_site(out_dir, files, publishable_images(plan), downloads)
    return SiteResult(out_dir, sorted(files), time.perf_counter() - start,
                      len(sources) + 2 * synopses + council_calls)


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


def footer_html(plan: Plan, stand: Any) -> str:
    publisher = str(plan.manifest.get("autor") or plan.manifest.get("herausgeber", "")) \
        if plan.manifest else ""
    parts = [h(publisher)] if publisher else []
    if stand:
        parts.append(f"Stand: {h(german_date_long(stand))}")
    parts.append("Arbeitsfassung für die Beteiligten – nicht die beschlossene Fassung.")
    return " · ".join(parts)


def write_site(out_dir: Path, files: dict[str, str], images: dict[str, bytes],
               downloads: list[tuple[Path, str]]) -> None:
    """Write into a fresh folder next to `out_dir`, then swap it in (no half-written site)."""
    with replacing_folder(out_dir) as tmp:
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
        for name in ASSETS:
            shutil.copyfile(TEMPLATES / name, tmp / name)
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
    repo, prefix, stand, commit = None, "plan", "", ""
    try:
        repo = history.open_repo(plan_dir)
        prefix = history.plan_prefix(repo, plan_dir)
        head = history.resolve(repo, "HEAD")
        stand, commit = head.time.date(), head.sha
    except PipelineError:
        log.info("kein Git-Repository oder noch kein Commit: Redlines entfallen")
    return build_site(plan, out_dir, plan_dir=plan_dir, repo=repo, prefix=prefix, stand=stand,
                      commit=commit)
