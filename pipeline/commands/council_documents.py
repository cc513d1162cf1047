"""The council's documents: one PDF per Änderungsantrag, the Ergänzung (`… E1`) and the
Beschlussübersicht of a meeting. Each is built from the committed plan (git objects, never
the working tree) and stamped with the commit's time, so the same commit gives the same PDF.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline import history
from pipeline.assemble import column_widths, escape_inline
from pipeline.commands.fassungen import fassungen, plans_at_fassungen, resolved_antraege
from pipeline.commands.site_data import summary_of
from pipeline.council import antraege as council
from pipeline.council.beratung import beschluss_corrections
from pipeline.council.beschluss import adopted as adopted_points
from pipeline.council.beschluss import passage_replacement, replacement
from pipeline.dates import german_date
from pipeline.errors import PipelineError
from pipeline.plan import Plan, load_plan
from pipeline.plan.fassungen import beschluss_of, checked_beschluesse
from pipeline.render import council as render
from pipeline.render.redline_text import compare_markdown
from pipeline.review.records import Berichtigung
from pipeline.wording import by_body, counted, number_order, numbers_text

OUT = Path("build") / "rat"


class DocumentError(PipelineError):
    """A council document cannot be made from what is recorded."""


@dataclass(frozen=True)
class Committed:
    plan: Plan
    plan_dir: Path
    commit: str
    epoch: int


def _committed(plan_dir: Path) -> Committed:
    repo = history.open_repo(plan_dir)
    head = history.resolve(repo, "HEAD")
    plan = load_plan(history.read_plan_files(repo, head.sha, history.plan_prefix(repo, plan_dir)))
    if plan.manifest is None:
        raise DocumentError("plan/lip.yaml ist im letzten Commit nicht lesbar; Details mit 'lip check'")
    return Committed(plan, plan_dir, head.sha, int(head.time.timestamp()))


def _drucksache(plan: Plan) -> tuple[str, str]:
    ds = plan.manifest.get("drucksache") or {}
    return str(ds.get("nummer", "")), str(ds.get("titel") or plan.title)


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A pipe table whose columns are as wide as their content needs: pandoc reads the
    relative widths from the dashes under the head (the same dashes in every column gave a
    one-digit Punkt column the width of the Gegenstand, and split „än-dern“, „dage-gen“).
    A table whose lines all fit pandoc's 72 columns stays as narrow as its content (pandoc
    gives it no widths at all, as long as the dashes fit too)."""
    body = ["| " + " | ".join(header) + " |"]
    body += ["| " + " | ".join(escape_inline(c) for c in row) + " |" for row in rows]
    if max(len(line) for line in body) <= 72:
        rule = "|" + ":---|" * len(header)
    else:
        rule = "|" + "|".join(f":{'-' * w}" for w in column_widths(header, rows)) + "|"
    return "\n".join([body[0], rule, *body[1:]])


def _vote_rows(plan: Plan, antrag: council.Antrag) -> list[list[str]]:
    name = plan.manifest.gremium_name
    return [[f"{v.datum:%d.%m.%Y}", name(v.gremium), numbers_text(v.punkte), v.ergebnis,
             v.tally or "–"] for v in antrag.abstimmungen]


def _corrections_markdown(antrag: council.Antrag) -> str:
    """The Berichtigungen of the votes below their table, as Anhang 2 lists a chapter's."""
    if not antrag.berichtigungen:
        return ""
    return "\n\nBerichtigungen:\n\n" + "\n".join(
        f"- {escape_inline(german_date(b.datum))}: {escape_inline(b.zeile)}"
        for b in antrag.berichtigungen)


# --- Änderungsantrag ---------------------------------------------------------------------------


def antrag_pdf(plan_dir: Path, key: str, out_dir: Path = OUT) -> Path:
    """The Änderungsantrag in the council's layout: who, what it refers to, each Punkt as a
    Synopse of the current and the proposed wording, the Begründung, the votes so far."""
    c = _committed(plan_dir)
    antraege, unread = council.load_antraege(c.plan)
    if unread:
        raise DocumentError(str(unread[0]))
    antrag = council.find(antraege, key)
    if antrag is None:
        known = ", ".join(a.nummer for a in antraege) or "(keine)"
        raise DocumentError(f"Änderungsantrag {key!r} gibt es (im letzten Commit) nicht; vorhanden: {known}")
    at_fassung = plans_at_fassungen(plan_dir, c.plan)
    base = at_fassung.get(antrag.fassung)
    if base is not None:
        [antrag], unresolved = resolved_antraege(plan_dir, [antrag], c.plan, at_fassung)
        if unresolved:
            raise DocumentError(f"{unresolved[0]}; 'lip check' nennt alle Probleme")
    if base is None:
        raise DocumentError(f"{antrag.path}: die Fassung „{antrag.fassung}“ ist nicht lesbar; "
                            f"benannte Fassungen: {', '.join(str(f.get('name')) for f in fassungen(c.plan))}")
    nummer, titel = _drucksache(c.plan)
    gremium = c.plan.manifest.gremium_name(antrag.gremium)
    intro = "\n\n".join([
        _table(["Angabe", "Inhalt"], [
            ["Antragsteller", antrag.filed_by], ["Bezug", f"Drucksache Nr. {nummer}: {titel}"],
            ["Fassung", antrag.fassung], ["Gremium", gremium],
            ["Datum", f"{antrag.datum:%d.%m.%Y}" if antrag.datum else ""]]),
        "## Antrag {.unnumbered}",
        f"Der Rat möge beschließen: Die Anlage 1 der Drucksache Nr. {escape_inline(nummer)} wird "
        f"wie folgt geändert:",
    ])
    sections = []
    for p in antrag.punkte:
        if p.target is None and p.stelle is None:
            continue
        old = council.punkt_text(base, p)
        if old is None:
            raise DocumentError(f"{antrag.path}:{p.line}: {p.subject} gibt es in der Fassung "
                                f"„{antrag.fassung}“ nicht; 'lip check' nennt alle Probleme")
        new = passage_replacement(p, old) if p.stelle else "\n".join(replacement(p, old.split("\n")))
        sections.append(render.Section(f"Punkt {p.nr}: {council.what(p)}",
                                       synopse=compare_markdown(old, new).markdown))
    sections.append(render.Section("Begründung", antrag.begruendung))
    votes = _vote_rows(c.plan, antrag)
    if votes:
        sections.append(render.Section("Abstimmungen", _table(
            ["Datum", "Gremium", "Punkte", "Ergebnis", "Stimmen"], votes)
            + _corrections_markdown(antrag)))
    out = out_dir / f"antrag-{council.file_key(antrag.nummer)}.pdf"
    return render.render_pdf(render.document_json(sections, intro=intro), out,
                             title=f"Änderungsantrag {antrag.nummer}",
                             subtitle=f"zur Drucksache Nr. {nummer}", sender=antrag.filed_by,
                             version=f"Drucksache {nummer}", epoch=c.epoch)


# --- Ergänzung ---------------------------------------------------------------------------------


_ERGAENZUNG_NUMBER = re.compile(r"E[1-9][0-9]{0,2}")


def ergaenzung_pdf(plan_dir: Path, *, nummer: str = "E1", fassung: str | None = None,
                   datum: dt.date | None = None, out_dir: Path = OUT) -> Path:
    """The Ergänzung: a Drucksache '<Nr.> E1' whose Anlage lists the textual changes since the
    submitted Fassung, chapter by chapter and passage by passage, as a redline. The
    administration sends it before the council decides: after the Beschluss it is refused.
    Dated `datum`, else the day of the last commit (the same commit gives the same PDF)."""
    if not _ERGAENZUNG_NUMBER.fullmatch(nummer):
        # the number names the file, and OParl reads it back from there (rat/ergaenzung-e1.pdf)
        raise DocumentError(f"--nummer {nummer!r} ist keine Nummer einer Ergänzung; erwartet "
                            f"E1, E2, …")
    c = _committed(plan_dir)
    checked_beschluesse(c.plan)  # one lip check cannot read: its message, not "undecided"
    decided = beschluss_of(c.plan)
    if decided is not None:
        base = next((a.fassung for a in council.load_antraege(c.plan)[0]), None) or fassung \
            or "Verwaltungsentwurf"
        raise DocumentError(
            f"der Plan wurde am {decided.datum:%d.%m.%Y} {by_body(decided.gremium_name)} "
            f"beschlossen (Fassung „{decided.fassung}“); eine Ergänzung schickt die Verwaltung "
            f"nur vor dem Beschluss. Die Änderungen aus den angenommenen Änderungsanträgen "
            f"zeigt: lip redline \"{base}\" \"{decided.fassung}\"")
    named = [str(f.get("name")) for f in fassungen(c.plan)]
    if not named:
        raise DocumentError("es gibt keine benannte Fassung, gegen die sich die Ergänzung richtet; "
                            "erst mit 'lip fassung NAME' benennen")
    fassung = fassung or next((n for n in reversed(named) if not _adopted(c.plan, n)), named[-1])
    if fassung not in named:
        raise DocumentError(f"Fassung „{fassung}“ gibt es nicht; benannte Fassungen: {', '.join(named)}")
    base = plans_at_fassungen(plan_dir, c.plan).get(fassung)
    if base is None:
        raise DocumentError(f"die Fassung „{fassung}“ ist in diesem Repository nicht lesbar")
    old_by_file = {ch.filename: ch for ch in base.chapters}
    sections = []
    points = 0
    for chapter in c.plan.chapters:
        old = old_by_file.get(chapter.filename)
        if old is not None and old.text_sha256 == chapter.text_sha256:
            continue
        redline = compare_markdown(old.text.body if old else "", chapter.text.body, context="changes")
        points += 1
        sections.append(render.Section(
            f"{points}. Kapitel {chapter.number} {chapter.title}",
            escape_inline(summary_of(redline.stats, old, chapter)), redline=redline.markdown))
    if not sections:
        raise DocumentError(f"der Text ist seit der Fassung „{fassung}“ unverändert; eine "
                            f"Ergänzung hätte keinen Inhalt")
    ds_nummer, titel = _drucksache(c.plan)
    intro = "\n\n".join([
        _table(["Nr.", "Bezug", "Datum"], [[f"{ds_nummer} {nummer}", f"Drucksache Nr. {ds_nummer}",
                                           german_date(datum or dt.datetime.fromtimestamp(c.epoch, dt.UTC))]]),
        "## Antrag {.unnumbered}",
        # the title in brackets: a genitive („des Lokaler Integrationsplan“) would decline it
        f"Der Rat möge beschließen, den in der Anlage 1 beigefügten textlichen Änderungen an der "
        f"Drucksache Nr.\u00a0{escape_inline(ds_nummer)} ({escape_inline(titel)}) gegenüber der "
        f"Fassung „{escape_inline(fassung)}“ zuzustimmen.",
        "## Begründung {.unnumbered}",
        f"Seit der Fassung „{escape_inline(fassung)}“ wurde der Text in {_in_chapters(points)} "
        f"geändert. Die Anlage 1 zeigt jede Änderung: eingefügter Text ist unterstrichen, "
        f"gestrichener durchgestrichen.",
        "# Anlage 1: Textliche Änderungen {.unnumbered}",
    ])
    out = out_dir / f"ergaenzung-{council.file_key(nummer)}.pdf"
    return render.render_pdf(render.document_json(sections, intro=intro), out,
                             title=f"Ergänzung {ds_nummer} {nummer}",
                             subtitle=f"zur Beschlussdrucksache Nr. {ds_nummer}",
                             version=f"Drucksache {ds_nummer} {nummer}", epoch=c.epoch, legend=True)


_DATIVE_NUMBERS = ("einem", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun",
                   "zehn", "elf", "zwölf")


def _in_chapters(count: int) -> str:
    """„einem Kapitel“, „zwei Kapiteln“ … „13 Kapiteln“: numbers up to twelve in words, as
    the city's texts write them."""
    word = _DATIVE_NUMBERS[count - 1] if 1 <= count <= len(_DATIVE_NUMBERS) else str(count)
    return f"{word} Kapitel{'' if count == 1 else 'n'}"


def _adopted(plan: Plan, name: str) -> bool:
    return any(str(f.get("name")) == name and f.get("beschluss") for f in fassungen(plan))


# --- Beschlussübersicht ------------------------------------------------------------------------


COUNCIL_OFFICE = "Landeshauptstadt Hannover · Büro des Rates"
"""Who issues the Beschlussübersicht of a meeting: the council's office, not the department
that wrote the plan (the other council documents carry the Antragsteller or the city's
department)."""


def beschlussuebersicht_rows(plan: Plan, antraege: list[council.Antrag], gremium: str,
                             datum: dt.date) -> list[list[str]]:
    """The rows of a meeting's Beschlussübersicht [Vorlage, Punkt, Gegenstand, Ergebnis,
    Stimmen]: each Punkt voted on, by Antrag and Punkt number (not in the order the votes
    were recorded), then the Beschluss on the Drucksache when it was made in that meeting."""
    voted: list[tuple[tuple, int, list[str]]] = []
    for a in antraege:
        for v in a.abstimmungen:
            if v.gremium == gremium and v.datum == datum:
                for n in v.punkte:
                    p = a.punkt(n)
                    voted.append((number_order(a.nummer), n, [
                        f"Änderungsantrag {a.nummer} ({a.filed_by})", str(n),
                        council.what(p) if p else "",
                        v.ergebnis, v.tally or "–"]))
    rows = [row for _, _, row in sorted(voted, key=lambda x: (x[0], x[1]))]
    decided = beschluss_of(plan)
    if decided is not None and decided.gremium == gremium and decided.datum == datum:
        nummer, _ = _drucksache(plan)
        adopted = len(adopted_points(antraege, gremium))
        changes = (f" mit {counted(adopted, 'angenommenem Punkt', 'angenommenen Punkten')} aus "
                   f"Änderungsanträgen" if adopted else " ohne Änderungen")
        rows.append([f"Drucksache {nummer}", "–", f"Beschlussdrucksache{changes}",
                     "beschlossen", decided.stimmen.tally or "–"])
    return rows


def meeting_corrections(antraege: list[council.Antrag], body: str, datum: dt.date
                        ) -> list[tuple[council.Antrag, Berichtigung]]:
    """The Berichtigungen of votes of one meeting: those of an Antrag voted on there that
    name a vote of `body` (its name) and the meeting's day (as it was or as corrected)."""
    day = german_date(datum)
    return [(a, b) for a in antraege if any(v.datum == datum for v in a.abstimmungen)
            for b in a.berichtigungen
            if any(f"Abstimmung {body} vom" in e and day in e for e in b.eintraege)]


def beschlussuebersicht_pdf(plan_dir: Path, *, gremium: str, datum: dt.date,
                            out_dir: Path = OUT) -> Path:
    """Every decision of one meeting with its result (`beschlussuebersicht_rows`), issued by
    the council's office."""
    c = _committed(plan_dir)
    antraege, unread = council.load_antraege(c.plan)
    if unread:
        raise DocumentError(str(unread[0]))
    checked_beschluesse(c.plan)  # one lip check cannot read: its message, not an overview without it
    gremium = council.gremium_key(c.plan, gremium)
    if (problem := council.not_a_council_body(c.plan, gremium)) is not None:
        raise DocumentError(problem)
    name = c.plan.manifest.gremium_name(gremium)
    nummer, titel = _drucksache(c.plan)
    rows = beschlussuebersicht_rows(c.plan, antraege, gremium, datum)
    if not rows:
        dates = sorted({f"{v.datum:%d.%m.%Y}" for a in antraege for v in a.abstimmungen
                        if v.gremium == gremium})
        raise DocumentError(f"{name} hat am {datum:%d.%m.%Y} über keinen Änderungsantrag "
                            f"abgestimmt und nichts beschlossen; Sitzungen mit Abstimmungen: "
                            f"{', '.join(dates) or '(keine)'}")
    corrected = [(f"Änderungsantrag {a.nummer}", b) for a, b in meeting_corrections(antraege, name, datum)]
    corrected += [("Beschluss", b) for b in beschluss_corrections(c.plan, name, datum)]
    section = render.Section("Ergebnisse", _table(
        ["Vorlage", "Punkt", "Gegenstand", "Ergebnis", "Stimmen"], rows)
        + ("\n\nBerichtigungen:\n\n" + "\n".join(
            f"- {escape_inline(what)}, {escape_inline(german_date(b.datum))}: "
            f"{escape_inline(b.zeile)}" for what, b in corrected) if corrected else ""))
    intro = f"Drucksache Nr. {escape_inline(nummer)}: {escape_inline(titel)}"
    out = out_dir / f"beschlussuebersicht-{gremium}-{datum.isoformat()}.pdf"
    return render.render_pdf(render.document_json([section], intro=intro), out,
                             title=f"Beschlussübersicht {name}",
                             subtitle=f"Sitzung am {datum:%d.%m.%Y}", sender=COUNCIL_OFFICE,
                             epoch=c.epoch)
