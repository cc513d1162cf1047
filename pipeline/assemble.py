"""Turn chapters into the Markdown pandoc reads: generated headings, anchors, escaped stars."""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.council.beratung import WHOLE_PLAN, council_entries
from pipeline.dates import german_date
from pipeline.plan import Chapter, Plan
from pipeline.plan.body import anchor
from pipeline.plan.fassungen import label as fassung_label
from pipeline.plan.gender_star import protect_gender_star
from pipeline.plan.lines import editor_lines
from pipeline.review import ChapterState, Entscheidung, Stellungnahme, records_of


def chapter_heading(chapter: Chapter) -> str:
    """The level-1 heading every chapter gets from its front matter; number and title are
    plain text, so a gender star ('Migrant*innen') or a brace cannot swallow the anchor."""
    text = re.sub(r"([{}])", r"\\\1", escape_inline(f"{chapter.number} {chapter.title}"))
    return f"# {text} {{#{chapter.anchor}}}"


def chapter_markdown(chapter: Chapter, *, boxed_measures: bool = False) -> str:
    """Return the chapter body ready for pandoc, with its heading and all generated anchors.

    Sections get `{#abschnitt-1-2}`, Maßnahmen `{#m-1-2-3 .massnahme}` and Ziele an empty
    span `[]{#z-1-2-1}`, so that links like `bildung.html#m-1-2-3` work in every format.
    With `boxed_measures`, every Maßnahme (heading to the next heading) is wrapped in a
    `::: massnahme` div, which the build templates draw as one box with a field table.
    """
    lines = editor_lines(chapter.text.body)
    first = chapter.text.body_first_line
    for section in chapter.body.sections:
        i = section.line - first
        if "{" not in lines[i]:
            lines[i] = f"{lines[i].rstrip()} {{#{section.anchor}}}"
    for measure in chapter.body.measures:
        i = measure.line - first
        if "{" not in lines[i] and lines[i].startswith("#"):  # not a bold paragraph (lip check)
            lines[i] = f"{lines[i].rstrip()} {{#{anchor('m', measure.id)} .massnahme}}"
    for goal in chapter.body.goals:
        i = goal.line - first
        marker = lines[i].find("**Ziel")
        if marker >= 0:
            lines[i] = f"{lines[i][:marker]}[]{{#{goal.anchor}}}{lines[i][marker:]}"
    if boxed_measures:
        opening, closing = set(), set()
        for start, end in _measure_spans(chapter):
            opening.add(start)
            closing.add(end)
        boxed: list[str] = []
        for i, line in enumerate(lines):
            if i in closing:
                boxed += ["", ":::", ""]
            if i in opening:
                boxed += ["", "::: massnahme"]
            boxed.append(line)
        if len(lines) in closing:
            boxed += ["", ":::", ""]
        lines = boxed
    body = protect_gender_star("\n".join(lines).strip("\n"))
    return f"{chapter_heading(chapter)}\n\n{body}\n"


def _measure_spans(chapter: Chapter) -> list[tuple[int, int]]:
    """(first, end) body-line indexes of every Maßnahme: its heading up to the next heading."""
    first = chapter.text.body_first_line
    heading_lines = sorted(h.line for h in chapter.body.headings if h.level <= 4)
    n_lines = len(editor_lines(chapter.text.body))
    spans = []
    for measure in chapter.body.measures:
        after = bisect.bisect_right(heading_lines, measure.line)
        end = heading_lines[after] - first if after < len(heading_lines) else n_lines
        spans.append((measure.line - first, end))
    return spans


def plan_markdown(plan: Plan) -> str:
    """All chapters in manifest order as one Markdown document (no metadata block)."""
    return "\n".join(chapter_markdown(ch) for ch in plan.chapters)


# --- the whole document for `lip build` (issue 3) ---------------------------------------------


RESULT_OF_KIND = {"vorlagen": "vorgelegt", "stellungnahmen": "abgegeben"}
KIND_LABEL = {"vorlagen": "Vorlage", "entscheidungen": "Entscheidung", "stellungnahmen": "Stellungnahme"}


@dataclass(frozen=True)
class Part:
    """One piece of the document body that is converted (and cached) on its own."""

    key: str
    """Stable name, e.g. 'kap-bildung' or 'anhang-massnahmenkatalog'."""
    markdown: str
    source: str = ""
    """The plan file it comes from ('' for generated annexes)."""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.markdown.encode("utf-8")).hexdigest()


@dataclass
class Assembled:
    """The plan as one document: body parts plus the data the templates need."""

    parts: list[Part]
    metadata: dict[str, Any]
    """pandoc metadata: values are Markdown (Antrag, Gender-Aspekte, Begründung, Titel)."""
    data: dict[str, Any]
    """Plain strings and numbers for the templates (typst gets them as JSON via sys.inputs)."""

    @property
    def markdown(self) -> str:
        """The body of the whole document as one Markdown text (no metadata block)."""
        return "\n\n".join(p.markdown.rstrip("\n") for p in self.parts) + "\n"


def escape_inline(text: str) -> str:
    """Escape plain text so that pandoc reads it back as the same plain text (table cells,
    metadata): pipes, list markers at the start, stars, brackets, backslashes."""
    text = " ".join(str(text).split())
    text = re.sub(r"([\\`*_\[\]|<>#$@~^])", r"\\\1", text)
    text = re.sub(r"^([-+])(\s)", r"\\\1\2", text)  # "- Entwurf": no list item
    return re.sub(r"^(\d+)\.(\s)", r"\1\\.\2", text)


_MONTHS = "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
_BEFORE_NUMBER = re.compile(r"(?<![\w.])(Nr\.|S\.|Abs\.|Art\.|§§?) (?=\d)")
_DAY_MONTH = re.compile(rf"(?<![\w.])(\d{{1,2}}\.) (?=(?:{_MONTHS})\b)")
_NUMBER_UNIT = re.compile(r"(?<=\d) (?=(?:%|‰|€|Euro|Prozent|Jahren?|Monaten?|Wochen|Stunden|km|Plätze)(?!\w))")


def german_spaces(markdown: str) -> str:
    """German typography: a non-breaking space where a line must not break – between a number
    and its unit or sign ("85 %", "500 Euro"), after "Nr.", "S.", "Abs.", "§" and inside a
    date ("1. Januar"). In every format: pandoc keeps U+00A0 as part of the word."""
    text = _NUMBER_UNIT.sub("\u00a0", markdown)
    text = _BEFORE_NUMBER.sub("\\1\u00a0", text)
    return _DAY_MONTH.sub("\\1\u00a0", text)


def cell(markdown: str) -> str:
    """Markdown written by an editor, made safe for one pipe-table cell."""
    return " ".join(str(markdown).split()).replace("|", "\\|")


def euro(amount: Any) -> str:
    """72000 -> '72.000' (German thousands separator, cents only when there are any)."""
    try:
        value = float(amount)
    except (TypeError, ValueError):
        return str(amount)
    whole, cents = divmod(round(value * 100), 100)
    text = f"{whole:,}".replace(",", ".")
    return f"{text},{cents:02d}" if cents else text


TABLE_LINE_CHARS = 130
"""About how wide an A4 page is for a table of 9pt type, in the units of `column_widths`."""


def column_widths(header: list[str], rows: list[list[str]], line: int = TABLE_LINE_CHARS,
                  inset: int = 5) -> list[int]:
    """Each column's share of the `line`, in units of plain text (a character counted 1.2
    wide, letters like m and n being wider than digits, and `inset` for the cell's padding):
    at least its longest word, so that no word has to be split; the rest of the line goes where
    it saves the most lines of the whole table, never beyond a column's longest cell. Equal
    shares for the long columns wrapped a Beschluss's Ergebnis to six lines beside a Kapitel
    of two; a long Gegenstand must not squeeze the Stimmen into „da-gegen“ either."""
    columns = [[head] + [row[i] for row in rows] for i, head in enumerate(header)]
    need = [inset + _width(max(len(w) for c in cells for w in (c.split() or [""]))) for cells in columns]
    want = [max(n, inset + _width(max(len(c) for c in cells))) for n, cells in zip(need, columns, strict=True)]
    widths = list(need)
    words = [[[len(w) for w in c.split()] for c in cells] for cells in columns]

    def heights(i: int, width: int) -> list[int]:
        chars = (width - inset) / 1.2
        return [_lines(cell, chars) for cell in words[i]]

    column_heights = [heights(i, w) for i, w in enumerate(widths)]

    def total(tall: list[list[int]]) -> int:
        return sum(max(row) ** 2 for row in zip(*tall, strict=True))

    while (left := line - sum(widths)) > 0:
        now, best = total(column_heights), None
        for i in range(len(widths)):
            for extra in range(1, min(left, want[i] - widths[i]) + 1):
                tried = heights(i, widths[i] + extra)
                saved = now - total([*column_heights[:i], tried, *column_heights[i + 1:]])
                if saved > 0:
                    if best is None or saved / extra > best[0]:
                        best = (saved / extra, i, extra, tried)
                    break  # the least that saves a line; more is tried in the next round
        if best is None:
            break
        _, i, extra, tried = best
        widths[i] += extra
        column_heights[i] = tried
    return widths


def _width(chars: int) -> int:
    return round(1.2 * chars)


def _lines(words: list[int], chars: float) -> int:
    """How many lines a cell of words of these lengths takes at `chars` characters a line."""
    lines, used = 1, -1
    for n in words:
        if used >= 0 and used + 1 + n > chars:
            lines, used = lines + 1, n
        else:
            used += 1 + n
    return lines


def _pipe_table(header: list[str], rows: list[list[str]], caption: str, widths: list[int]) -> str:
    """A pipe table of plain-text cells whose dash counts give pandoc the relative column
    `widths` (`column_widths`); the cells are escaped here."""
    rule = "|" + "|".join("-" * w for w in widths) + "|"
    body = ["| " + " | ".join(escape_inline(c) for c in cells) + " |" for cells in rows]
    # One very long line makes pandoc honour the relative widths (pipe-table rule).
    return "\n".join(["| " + " | ".join(header) + " |", rule, *body, "", f": {caption}"])


CATALOG_COLUMNS = ["Nr.", "Maßnahme, Zielgruppe und Kennzahl", "Federführung und Zeitraum"]
"""The Maßnahmenkatalog's columns. Three, the rest beneath the title: six columns side by side
on a portrait page or a phone break words mid-word. Their widths are `catalog_widths`."""


def catalog_widths(plan: Plan) -> list[int]:
    """The Maßnahmenkatalog's column widths (`column_widths`, the same for every Handlungsfeld):
    each column at least as wide as its longest word, so that the PDF splits none (fixed
    shares, 26 of 85 for Federführung und Zeitraum, split „Wirtschaftsförderungsgesell-schaft“
    and the long Maßnahmen „Regelbe-trieb“); the rest where it saves the most lines."""
    rows = [[m.id, " ".join([m.title, *(f"{name}: {m.fields[name]}" for name in ("Zielgruppe", "Kennzahl")
                                        if m.fields.get(name))]),
             " ".join(m.fields[name] for name in ("Federführung", "Zeitraum") if m.fields.get(name))]
            for _, m in plan.measures]
    return column_widths(CATALOG_COLUMNS, rows) if rows else [9, 50, 26]


def grid_table(columns: tuple[tuple[str, int], ...], rows: list[list[list[str]]], caption: str) -> str:
    """A pandoc grid table: each cell a list of Markdown paragraphs, wrapped to its column. A
    column is widened for a word longer than it (a grid table's lines cannot overflow)."""
    import textwrap

    def words_longest(paragraphs: list[str]) -> int:
        return max((len(w) for p in paragraphs for w in p.split()), default=0)

    # Escaped before the layout: an escape added afterwards would shift the column borders.
    rows = [[[protect_gender_star(p) for p in c] for c in r] for r in rows]
    widths = [max(width, len(name), *(words_longest(r[i]) for r in rows))
              for i, (name, width) in enumerate(columns)]  # pandoc's relative widths

    def lines(paragraphs: list[str], width: int) -> list[str]:
        out: list[str] = []
        for paragraph in paragraphs:
            if out:
                out.append("")
            out += textwrap.wrap(paragraph, width, break_long_words=False, break_on_hyphens=False) or [""]
        return out

    def row(cells: list[list[str]]) -> list[str]:
        wrapped = [lines(c, w) for c, w in zip(cells, widths, strict=True)]
        height = max(len(w) for w in wrapped)
        return ["| " + " | ".join((w[k] if k < len(w) else "").ljust(widths[i])
                                  for i, w in enumerate(wrapped)) + " |" for k in range(height)]

    def rule(char: str) -> str:
        return "+" + "+".join(char * (w + 2) for w in widths) + "+"

    out = [rule("-"), *row([[name] for name, _ in columns]), rule("=")]
    for cells in rows:
        out += [*row(cells), rule("-")]
    return "\n".join([*out, "", f": {caption}"])


def _measures(count: int) -> str:
    return "eine Maßnahme" if count == 1 else f"{count} Maßnahmen"


def measure_catalog_markdown(plan: Plan) -> str:
    """Annex: every Maßnahme in plan order, one table per Handlungsfeld (chapter), each number
    linked to its text."""
    lines = ["# Anhang 1: Maßnahmenkatalog {#anhang-massnahmenkatalog}", "",
             f"Der Plan enthält {_measures(len(plan.measures))}. Die Nummer jeder Maßnahme "
             f"führt zu ihrer Beschreibung im Text.", ""]
    links: list[str] = []
    """Reference links: the number column stays as narrow as the numbers."""
    columns = tuple(zip(CATALOG_COLUMNS, catalog_widths(plan), strict=True))
    for chapter in plan.chapters:
        if not chapter.body.measures:
            continue
        rows = []
        for m in chapter.body.measures:
            about = [f"**{cell(m.title)}**"]
            about += [f"*{name}:* {cell(m.fields[name])}" for name in ("Zielgruppe", "Kennzahl")
                      if m.fields.get(name)]
            who = [cell(m.fields[name]) for name in ("Federführung", "Zeitraum") if m.fields.get(name)]
            rows.append([[f"[{escape_inline(m.id)}]"], about, who or [""]])
            links.append(f"[{escape_inline(m.id)}]: #{anchor('m', m.id)}")
        title = f"{chapter.number} {chapter.title}"
        lines += [f"## {escape_inline(title)} {{.unnumbered .unlisted}}", "",
                  grid_table(columns, rows, f"Maßnahmen im Handlungsfeld {escape_inline(title)}"),
                  ""]
    return protect_gender_star("\n".join([*lines, *links])) + "\n"


def consultation_entries(plan: Plan, commit_dates: Mapping[str, Any] | None = None,
                         states: Mapping[str, ChapterState] | None = None
                         ) -> list[dict[str, str]]:
    """Every Vorlage, Entscheidung, Stellungnahme and Berichtigung of every chapter, oldest
    first (same day: chapter order, then the records' own order, corrections last). Each
    names the text it judged as the site does (plan/fassungen.py); `commit_dates` ({commit:
    day}, read from git by the caller) dates a text that is no named Fassung. `states`
    (`commands.stand.chapter_states`, the one reading `lip status` and the site use) adds,
    after the council's Beschluss, a line for each chapter its adopted Punkte changed."""
    from pipeline.plan.fassungen import record_fassung, version_label

    dates = commit_dates or {}
    manifest = plan.manifest
    entries = []
    for chapter in plan.chapters:
        records = records_of(chapter)
        for rec in records.in_time_order():
            fassung = version_label(record_fassung(plan, rec.commit, rec.stand.text_sha256,
                                                   chapter.filename, rec.datum),
                                    dates.get(rec.commit), submitted=records.submitted_on(rec.stand))
            if isinstance(rec, Entscheidung):
                result = rec.ergebnis + (f" ({rec.tally})" if rec.tally else "")
                art = KIND_LABEL["entscheidungen"]
            else:
                result = RESULT_OF_KIND[rec.list_name]
                art = (rec.art or KIND_LABEL[rec.list_name]) if isinstance(rec, Stellungnahme) \
                    else KIND_LABEL[rec.list_name]
            entries.append({
                "datum": rec.datum, "kapitel": f"{chapter.number} {chapter.title}",
                "gremium": manifest.gremium_name(rec.gremium) if manifest else rec.gremium,
                "art": art, "ergebnis": result, "fassung": fassung,
            })
        entries += [{"datum": b.datum, "kapitel": f"{chapter.number} {chapter.title}",
                     "gremium": b.von or "–", "art": "Berichtigung", "ergebnis": b.zeile,
                     "fassung": "–"}
                    for b in records.berichtigungen]  # a correction is shown where it happened
    entries += council_entries(plan)  # the council's votes and Beschluss follow on their day
    entries += [{"datum": st.beschluss.datum, "kapitel": f"{ch.number} {ch.title}",
                 "gremium": st.beschluss.gremium_name, "art": "Beschluss",
                 "ergebnis": f"beschlossen, {st.amendment_note}", "fassung": st.beschluss.fassung}
                for ch in plan.chapters
                if (st := (states or {}).get(ch.filename)) is not None
                and st.beschluss is not None and st.amended_by_council]
    entries.sort(key=lambda e: e["datum"])  # stable: chapters and records keep their order
    return entries


CONSULTATION_COLUMNS = ["Datum", "Kapitel", "Gremium", "Art", "Ergebnis", "Fassung"]
CONSULTATION_TABLE = "tbl-beratungsverlauf"
"""The table's label: templates/lip.typ sets it without hyphenation, so that no word of it is
split; its columns are as wide as their longest word (`column_widths`)."""
CONSULTATION_LINE = 198
"""The width of the PDF's landscape page for Anhang 2 (`::: querformat`, build-typst.lua) in
the units of `column_widths`: on a portrait page, six columns left the Ergebnis of a
Beschluss, beside „Gleichstellungsbeauftragte“ and „Verwaltungsentwurf“, 18 characters: six
lines. The Markdown's own widths are those of a portrait page (Word, HTML); the PDF's come
with the table (`querformat-breiten`)."""


def consultation_markdown(plan: Plan, commit_dates: Mapping[str, Any] | None = None,
                          states: Mapping[str, ChapterState] | None = None) -> str:
    """Annex: the Beratungsverlauf, one line per Vorlage, Entscheidung and Stellungnahme."""
    entries = consultation_entries(plan, commit_dates, states)
    lines = ["# Anhang 2: Beratungsverlauf {#anhang-beratungsverlauf}", ""]
    if entries:  # the PDF sets the table's six columns on a landscape page
        lines[:0] = ["::: querformat", ""]
    if not entries:
        lines.append("Für diese Fassung sind noch keine Vorlagen, Entscheidungen oder "
                     "Stellungnahmen erfasst.")
    else:
        council = any(e["art"] in ("Abstimmung", "Beschluss") for e in entries)
        lines += ["Jede Zeile nennt eine Vorlage, Entscheidung oder Stellungnahme zu einem "
                  "Kapitel" + (", eine Abstimmung über einen Änderungsantrag oder einen Beschluss"
                               if council else "")
                  + " und die Fassung, auf die sie sich bezieht"
                  + ("; hat der Beschluss ein Kapitel durch angenommene Punkte von "
                     "Änderungsanträgen geändert, nennt eine eigene Zeile diese Punkte"
                     if any(e["art"] == "Beschluss" and e["kapitel"] != WHOLE_PLAN
                            for e in entries) else "")
                  + ("; eine Berichtigung sagt, wer einen festgehaltenen Eintrag später "
                     "berichtigt hat, was sich geändert hat und warum"
                     if any(e["art"] == "Berichtigung" for e in entries) else "") + ".", ""]
        # a correction's line is too long for a cell: the row refers to it, listed below
        corrections = [e for e in entries if e["art"] == "Berichtigung"]
        rows = [[german_date(e["datum"]), e["kapitel"], e["gremium"], e["art"],
                 f"berichtigt (B{corrections.index(e) + 1})" if e["art"] == "Berichtigung"
                 else e["ergebnis"], e["fassung"]]
                for e in entries]
        landscape = " ".join(map(str, column_widths(CONSULTATION_COLUMNS, rows, CONSULTATION_LINE)))
        lines.append(_pipe_table(CONSULTATION_COLUMNS, rows, "Beratungsverlauf aller Kapitel "
                                 f'{{#{CONSULTATION_TABLE} querformat-breiten="{landscape}"}}',
                                 column_widths(CONSULTATION_COLUMNS, rows)))
        if corrections:
            lines += ["", "Berichtigungen:", ""]
            lines += [f"- B{n}, {escape_inline(german_date(e['datum']))}, "
                      + ("" if e["kapitel"].startswith(("Änderungsantrag", WHOLE_PLAN))
                         else "Kapitel ")
                      + f"{escape_inline(e['kapitel'])}: {escape_inline(e['ergebnis'])}"
                      for n, e in enumerate(corrections, 1)]
        lines += ["", ":::"]
    return protect_gender_star("\n".join(lines)) + "\n"


def drucksache_kopf(art: str, nummer: str) -> str:
    """„Beschlussdrucksache Nr. 2718/2020“: the running head of the Drucksache's own pages, the
    same in the PDF (templates/lip.typ) and the Word file (render/docx.py); Anlage 1's pages
    are headed by the plan's title."""
    return f"{art} Nr. {nummer}".strip()


def _drucksache_data(plan: Plan) -> dict[str, Any]:
    ds = plan.manifest.get("drucksache") or {} if plan.manifest else {}
    art, nummer = str(ds.get("art", "Beschlussdrucksache")), str(ds.get("nummer", ""))
    kosten = [k for k in ds.get("kosten") or [] if isinstance(k, dict)]
    total = sum(float(k.get("betrag") or 0) for k in kosten)
    anlagen = [str(a) for a in ds.get("anlagen") or []]
    return {
        "nummer": nummer,
        "art": art,
        "kopf": drucksache_kopf(art, nummer),
        "datum": german_date(ds.get("datum")),
        "dezernat": str(ds.get("dezernat", "")),
        "beratungsfolge": [str(b) for b in ds.get("beratungsfolge") or []],
        "titel": str(ds.get("titel", plan.title)),
        "anlagen": anlagen,
        "anzahl-anlagen": len(anlagen) or 1,
        "kosten": [{"posten": str(k.get("posten", "")), "art": str(k.get("art", "")),
                    "haushaltsjahr": str(k.get("haushaltsjahr", "")),
                    "betrag": euro(k.get("betrag", 0))} for k in kosten],
        "kosten-summe": euro(total),
    }


def assemble(plan: Plan, *, draft: bool = True, line_numbers: bool = False,
             fassung: str | None = None, commit_dates: Mapping[str, Any] | None = None,
             states: Mapping[str, ChapterState] | None = None) -> Assembled:
    """Plan -> one document: chapters in manifest order, then the generated annexes.

    Pure: reads nothing but the plan. `draft` puts "ENTWURF" on every page; `fassung` is the
    label of a build from a named Fassung (otherwise the plan says which Fassung it is);
    `commit_dates` dates the texts of review records that are no named Fassung; `states`
    (`commands.stand.chapter_states`) names, in the Beratungsverlauf, the Änderungsanträge
    that changed a chapter the council adopted.
    """
    get = plan.manifest.get if plan.manifest else (lambda key, default=None: default)
    parts = [Part(ch.anchor, german_spaces(chapter_markdown(ch, boxed_measures=True)), ch.path)
             for ch in plan.chapters]
    parts.append(Part("anhang-massnahmenkatalog", measure_catalog_markdown(plan)))
    parts.append(Part("anhang-beratungsverlauf", consultation_markdown(plan, commit_dates, states)))
    ds = get("drucksache") or {}
    data = {
        "titel": str(get("titel", "Lokaler Integrationsplan")),
        "untertitel": str(get("untertitel", "")),
        "kurztitel": str(get("kurztitel", get("titel", ""))),
        "herausgeber": str(get("herausgeber", "Landeshauptstadt Hannover")),
        "autor": str(get("autor", get("herausgeber", "Landeshauptstadt Hannover"))),
        "fassung": fassung or fassung_label(plan),
        "entwurf": bool(draft),
        "zeilennummern": bool(line_numbers),
        "drucksache": _drucksache_data(plan),
    }
    metadata = {
        "lang": "de-DE",
        "title": escape_inline(data["titel"]),
        "subtitle": escape_inline(data["untertitel"]),
        "author": [escape_inline(data["autor"])],
        "fassung": escape_inline(data["fassung"]),
        "antrag-einleitung": "Der Rat möge beschließen,",
        "antrag": german_spaces(protect_gender_star(str(ds.get("antrag", "")))),
        "gender": german_spaces(protect_gender_star(str(ds.get("gender", "")))),
        "begruendung": german_spaces(protect_gender_star(str(ds.get("begruendung", "")))),
        "entwurf": bool(draft),
    }
    return Assembled(parts, metadata, data)


# --- the Beschlussdrucksache in front of the plan, for Word and HTML (issue 16) ----------------

FRONT_KEY = "drucksache"
TOC_ANCHOR = "lip-inhaltsverzeichnis"
"""An empty div where the Word file's contents list goes (render/docx.py puts it there)."""
DRAFT_MARK = " – ENTWURF"
"""What follows the Fassung's name on a draft: in the Word file's header and Anlage title and
in the PDF's subject (templates/lip.typ and lip.html write the same, styled)."""


def drucksache_markdown(doc: Assembled, *, word: bool) -> str:
    """The Drucksache part the PDF's template draws (Beratungsfolge, Antrag, Gender-Aspekte,
    Kostentabelle, Begründung) and the title of Anlage 1, as Markdown for pandoc.

    Every generated string is escaped (`escape_inline`), so that "1. Fassung" stays text. In
    Word the part's headings are styled paragraphs (a heading would enter Word's contents
    list); in HTML they are headings left out of the contents (`.unlisted`).
    """
    ds, meta = doc.data.get("drucksache", {}), doc.metadata

    def heading(text: str) -> str:
        if word:
            return f'::: {{custom-style="Drucksachenkopf"}}\n{escape_inline(text)}\n:::'
        return f"## {escape_inline(text)} {{.unnumbered .unlisted}}"

    def box(style: str, text: str) -> str:
        return f'::: {{custom-style="{style}"}}\n{text}\n:::' if word else text

    facts = [("Nr.", ds.get("nummer", "")), ("Anzahl der Anlagen", str(ds.get("anzahl-anlagen", 1))),
             ("Datum", ds.get("datum", "")), ("Dezernat", ds.get("dezernat", ""))]
    letterhead = (f"{escape_inline(doc.data.get('herausgeber', ''))} · "
                  f"{escape_inline(ds.get('art', 'Beschlussdrucksache'))}")
    # labelled lines, as the PDF sets them (a table would need a header row); in Word one
    # paragraph each: the lines of one justified paragraph would be stretched
    lines = [f"**{name}:** {escape_inline(str(value))}" for name, value in facts]
    out = [box("Briefkopf", letterhead) if word else f"**{letterhead}**", "",
           *([x for line in lines for x in (line, "")] if word else [f"| {x}" for x in lines]), ""]
    if ds.get("beratungsfolge"):
        out += [heading("Beratungsfolge"), "", *(f"- {escape_inline(b)}" for b in ds["beratungsfolge"]), ""]
    title = escape_inline(ds.get("titel", doc.data.get("titel", "")))
    out += [box("Drucksachentitel", title) if word else f"**{title}**", "",
            heading("Antrag"), "", meta.get("antrag-einleitung", ""), "", meta.get("antrag", ""), "",
            heading("Berücksichtigung von Gender-Aspekten"), "", meta.get("gender", ""), "",
            heading("Kostentabelle"), ""]
    kosten = ds.get("kosten") or []
    if kosten:
        out += ["| Posten | Art | Haushaltsjahr | Betrag in Euro |", "|:---|:---|:---:|---:|",
                *(f"| {escape_inline(k['posten'])} | {escape_inline(k['art'])} | "
                  f"{escape_inline(k['haushaltsjahr'])} | {escape_inline(k['betrag'])} |" for k in kosten),
                f"| **Summe** | | | **{escape_inline(ds.get('kosten-summe', ''))}** |", "",
                ": Finanzielle Auswirkungen", ""]
    else:
        out += ["Es entstehen keine finanziellen Auswirkungen.", ""]
    out += [heading("Begründung des Antrages"), "", meta.get("begruendung", ""), "",
            escape_inline(ds.get("dezernat", "")), "", f"Hannover, {escape_inline(ds.get('datum', ''))}", ""]
    title = f"Anlage 1: {doc.data.get('titel', '')}"
    if word:  # the Anlage's title page, then the contents
        fassung = escape_inline(doc.data.get("fassung", ""))
        out += [box("Anlagentitel", escape_inline(title)), "",
                box("Anlagenzeile", f"zur Drucksache Nr. {escape_inline(ds.get('nummer', ''))}"), "",
                box("Anlagenzeile", escape_inline(doc.data.get("untertitel", ""))), "",
                box("Anlagenzeile", fassung + (DRAFT_MARK if doc.data.get("entwurf") else "")), "",
                f"::: {{#{TOC_ANCHOR}}}\n:::", ""]
    else:  # the contents follow the Anlage's title, as in the PDF (render/html.py moves them)
        out += [f"# {escape_inline(title)} {{#anlage-1 .unnumbered .unlisted}}", "",
                f"::: {{#{TOC_ANCHOR}}}\n:::", ""]
    return protect_gender_star("\n".join(out)) + "\n"


def with_drucksache(doc: Assembled, *, word: bool) -> Assembled:
    """`doc` with the Drucksache part in front: the whole Beschlussdrucksache, as in the PDF."""
    front = Part(FRONT_KEY, drucksache_markdown(doc, word=word))
    return Assembled([front, *doc.parts], doc.metadata, doc.data)
