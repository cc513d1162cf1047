"""`lip verlauf`: a chapter's history, text commits and review records in one list."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import history, review
from pipeline.errors import PipelineError

if TYPE_CHECKING:
    from pipeline.council.antraege import Antrag
    from pipeline.council.beratung import CouncilStep
from pipeline.plan import Chapter, Plan, frontmatter, load_plan
from pipeline.plan.model import text_hash


@dataclass(frozen=True)
class TimelineEntry:
    """One line of `lip verlauf`."""

    datum: dt.date
    art: str
    """'Textänderung', 'Vorlage', 'Entscheidung', 'Stellungnahme', 'Vorgabe erledigt',
    'Berichtigung', and the council's steps (`council.beratung.CouncilStep`: 'Drucksache',
    'Abstimmung', 'Berichtigung', 'Beschluss'); of an Änderungsantrag: 'Antrag',
    'Abstimmung', 'Berichtigung', 'Beschluss'; of `lip verlauf beschluss`: 'Fassung',
    'Beschluss', 'Berichtigung'."""
    text: str
    commit: str = ""
    details: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"datum": self.datum.isoformat(), "art": self.art, "text": self.text,
                "commit": self.commit, "details": list(self.details)}


PROGRAM_CHANGE = "Text bei einer Programmänderung mitgeändert (keine redaktionelle Änderung)"
"""How `lip verlauf` names a commit that changed the chapter's text together with files outside
the plan folder: the work of developers, whose (English) commit message is not for reviewers."""

_KIND_ORDER = {"Textänderung": 0, "Antrag": 0, "Fassung": 0, "Vorgabe erledigt": 1, "Vorlage": 2,
               "Drucksache": 2, "Stellungnahme": 3, "Entscheidung": 4, "Abstimmung": 4,
               "Berichtigung": 5, "Beschluss": 6}


def history_of(plan_dir: Path, key: str) -> tuple[str, str, list[TimelineEntry]]:
    """`lip verlauf KEY`: ('Kapitel', name, entries) of the chapter `key` names, or else
    ('Änderungsantrag', label, entries) of the Änderungsantrag it names (its number or file),
    or ('Beschluss', …, entries) for `beschluss` (the Fassungen, the Beschluss and their
    corrections): a chapter wins, as `lip verlauf 1` always meant chapter 1."""
    from pipeline.council.antraege import find, load_antraege
    from pipeline.errors import ChapterNotFound

    try:
        name, entries = timeline(plan_dir, key)
        return "Kapitel", name, entries
    except ChapterNotFound:
        plan = load_plan(plan_dir)
        if key.strip().lower() == "beschluss":
            return "Beschluss", "", beschluss_timeline(plan)
        antrag = find(load_antraege(plan)[0], key.strip())
        if antrag is None:
            raise
    return "Änderungsantrag", f"{antrag.nummer} ({antrag.antragsteller})", \
        antrag_timeline(plan, antrag)


def antrag_timeline(plan: Plan, antrag: Antrag) -> list[TimelineEntry]:
    """An Änderungsantrag's history: filed, every vote on it, every correction of a vote
    (`lip berichtigen`, in the form of a chapter's), and the Beschluss that decided it with
    its corrections."""
    from pipeline.council.antraege import decided_by
    from pipeline.council.beratung import beschluss_corrections, beschluss_step
    from pipeline.plan.fassungen import checked_beschluesse
    from pipeline.wording import punkte_text

    checked_beschluesse(plan)  # a Beschluss lip check cannot read: its problem, not "undecided"
    name = plan.manifest.gremium_name if plan.manifest else (lambda k: k)
    entries: list[TimelineEntry] = []
    if antrag.datum is not None:
        entries.append(TimelineEntry(antrag.datum, "Antrag", f"{antrag.filed_by} stellt den "
                                     f"Antrag zur Fassung „{antrag.fassung}“"))
    for v in antrag.abstimmungen:
        entries.append(TimelineEntry(
            v.datum, "Abstimmung", f"{name(v.gremium)}: {punkte_text(v.punkte)} {v.ergebnis}"
            + (f" ({v.tally})" if v.tally else ""), "",
            (f"Sitzung: {v.sitzung}",) if v.sitzung else ()))
    entries += [TimelineEntry(b.datum, "Berichtigung", b.zeile) for b in antrag.berichtigungen]
    decided = decided_by(plan, antrag)
    if decided is not None:
        step = beschluss_step(decided)
        entries.append(TimelineEntry(step.datum, step.art, step.text))
        entries += [TimelineEntry(b.datum, "Berichtigung", b.zeile)
                    for b in beschluss_corrections(plan, name(decided.gremium), decided.datum)]
    return in_order(entries, {})


def beschluss_timeline(plan: Plan) -> list[TimelineEntry]:
    """`lip verlauf beschluss`: the named Fassungen (`lip fassung`), every Beschluss
    (`lip beschluss`) with its vote, and every correction of them (`lip berichtigen
    beschluss`), in the form of a chapter's."""
    from pipeline.council.beratung import beschluss_step, manifest_corrections
    from pipeline.dates import as_date
    from pipeline.plan.fassungen import checked_beschluesse

    raw = plan.manifest.get("fassungen") if plan.manifest else None
    entries = [TimelineEntry(day, "Fassung", f"Fassung „{f.get('name')}“ benannt", "",
                             (str(f["beschreibung"]),) if f.get("beschreibung") else ())
               for f in (raw if isinstance(raw, list) else [])
               if isinstance(f, dict) and (day := as_date(f.get("datum"))) is not None
               and not isinstance(f.get("beschluss"), dict)]
    entries += [TimelineEntry(s.datum, s.art, s.text)
                for s in map(beschluss_step, checked_beschluesse(plan))]
    entries += [TimelineEntry(b.datum, "Berichtigung", b.zeile) for b in manifest_corrections(plan)]
    return in_order(entries, {})


def timeline(plan_dir: Path, key: str) -> tuple[str, list[TimelineEntry]]:
    """The chapter's history: text commits from ONE git log call plus the review records."""
    plan = load_plan(plan_dir)
    chapter = plan.chapter(key)
    name = review.display_name(chapter)
    gremium = plan.manifest.gremium_name if plan.manifest else (lambda k: k)
    entries: list[TimelineEntry] = []
    try:
        repo = history.open_repo(plan_dir)
        relpath = history.repo_path(repo, plan_dir / chapter.filename)
        prefix = history.plan_prefix(repo, plan_dir) + "/"
        log = list(reversed(history.file_log(repo, relpath, outside=prefix)))  # commit order
    except PipelineError:
        repo, log = None, []
    changes = text_changes(repo, log, chapter.filename)
    for c, _ in changes:
        if c.other_paths:  # a program change that also touched the text: no English to reviewers
            entries.append(TimelineEntry(c.time.date(), "Textänderung", PROGRAM_CHANGE, c.sha))
        else:
            entries.append(TimelineEntry(c.time.date(), "Textänderung", c.subject, c.sha,
                                         (f"von {c.author}",)))

    text_index = {c.sha: k for k, (c, _) in enumerate(changes)}
    place: dict[int, int] = {}
    """id(entry) → index of the text change it is about (for the order below)."""

    def fassung(rec: review.Record) -> str:
        """The commit whose text the record is about (not a later metadata-only commit)."""
        return text_origin(repo, changes, rec.stand) or rec.commit

    def about(entry: TimelineEntry) -> TimelineEntry:
        if entry.commit in text_index:
            place[id(entry)] = text_index[entry.commit]
        return entry

    records = review.records_of(chapter)
    for rec in records.vorlagen:
        extra = (f"Vermerk: {rec.vermerk}",) if rec.vermerk else ()
        entries.append(about(TimelineEntry(rec.datum, "Vorlage",
                                           f"{gremium(rec.gremium)} legt vor", fassung(rec),
                                           extra)))
    for dec in records.entscheidungen:
        details = [f"{v.id}: {v.text}" for v in dec.vorgaben]
        details += [f"Sitzung: {dec.sitzung}"] if dec.sitzung else []
        details += [f"Abstimmung: {dec.tally}"] if dec.tally else []
        entries.append(about(TimelineEntry(dec.datum, "Entscheidung", f"{gremium(dec.gremium)}: "
                                           f"{dec.ergebnis}", fassung(dec), tuple(details))))
        for v in dec.vorgaben:
            if v.erledigt is not None and v.erledigt.datum is not None:
                # labelled by the text it left, as every record is (not by the commit that
                # happened to be HEAD, e.g. the one recording the previous Vorgabe)
                text = text_at(repo, changes, v.erledigt.commit) or v.erledigt.commit
                entries.append(about(TimelineEntry(v.erledigt.datum, "Vorgabe erledigt",
                                                   f"{v.id}: {v.erledigt.vermerk}", text)))
    for st in records.stellungnahmen:
        body = st.text or f"(Datei {st.datei})"
        entries.append(about(TimelineEntry(st.datum, "Stellungnahme",
                                           f"{gremium(st.gremium)} ({st.art or 'Stellungnahme'})",
                                           fassung(st), (body,))))
    entries += [TimelineEntry(b.datum, "Berichtigung", b.zeile) for b in records.berichtigungen]
    entries += [TimelineEntry(s.datum, s.art, s.text, "", s.details)
                for s in council_steps(plan_dir, plan, chapter)]
    return name, in_order(entries, place)


def council_steps(plan_dir: Path, plan: Plan, chapter: Chapter) -> list[CouncilStep]:
    """The council's steps concerning `chapter`, as its page on the site shows them
    (`council.beratung.chapter_steps`): the Punkte are placed in the plan at the Fassung
    their Antrag refers to, the Beschluss's changes read from `commands.stand.chapter_states`.
    Anträge that cannot be read are left out (`lip check` names them); a Beschluss that
    cannot be read stops it with the problem `lip check` names (`checked_beschluesse`)."""
    from pipeline.commands.fassungen import plans_at_fassungen, resolved_antraege
    from pipeline.commands.stand import chapter_states
    from pipeline.council.antraege import load_antraege
    from pipeline.council.beratung import chapter_steps, council_entries, punkt_chapters
    from pipeline.plan.fassungen import checked_beschluesse

    if plan.manifest is None:
        return []
    checked_beschluesse(plan)  # a Beschluss lip check cannot read: its problem, not a gap
    antraege, _ = load_antraege(plan)
    entries = council_entries(plan)
    if not antraege and not entries:
        return []
    at_fassung = plans_at_fassungen(plan_dir, plan) if antraege else {}
    if any(p.zeilen for a in antraege for p in a.punkte):
        antraege, _ = resolved_antraege(plan_dir, antraege, plan, at_fassung)
    return chapter_steps(plan, chapter, antraege, punkt_chapters(antraege, at_fassung), entries,
                         chapter_states(plan)[chapter.filename])


def in_order(entries: list[TimelineEntry], place: dict[int, int]) -> list[TimelineEntry]:
    """Records by their date; text changes in commit order, each at its date, but never
    after a record about that text or a later one: a text committed on 07.12. and submitted
    with --datum 01.12. comes before its Vorlage (it existed then; git just stored it later).
    `place` maps id(record) to the index of the text change it is about."""
    texts = [e for e in entries if e.art == "Textänderung"]
    order = {id(e): i for i, e in enumerate(entries)}
    others = sorted((e for e in entries if e.art != "Textänderung"),
                    key=lambda e: (e.datum, _KIND_ORDER[e.art], order[id(e)]))
    out: list[TimelineEntry] = []
    k = 0
    for e in others:
        needed = place.get(id(e), -1)
        while k < len(texts) and (texts[k].datum <= e.datum or k <= needed):
            out.append(texts[k])
            k += 1
        out.append(e)
    return out + texts[k:]


def _text_hash(raw: bytes, filename: str) -> str:
    try:
        return text_hash(frontmatter.split(frontmatter.decode(raw, filename), filename).body)
    except PipelineError:  # an unreadable version in the history: compare its bytes
        return "bytes:" + hashlib.sha256(raw).hexdigest()


def text_changes(repo, log: list[history.LogEntry], filename: str
                 ) -> list[tuple[history.LogEntry, str]]:
    """The commits (in commit order) that changed the chapter's text, each with the hash of
    the text it left. Commits that changed only the front matter (recording commits, Fassung
    names, reformatting) are not text changes."""
    if repo is None or not log:
        return []
    blobs = history.read_blobs(repo, [b for c in log for b in (c.previous_blob, c.blob)])
    hashes = {b: _text_hash(raw, filename) for b, raw in blobs.items()}
    out = []
    for c in log:
        before, after = hashes.get(c.previous_blob, ""), hashes.get(c.blob, "")
        if c.record or before == after:
            continue
        out.append((c, after))
    return out


def text_at(repo, changes: list[tuple[history.LogEntry, str]], commit: str) -> str:
    """The newest text change at or before `commit`: the text the chapter had there."""
    if repo is None or not commit:
        return ""
    for c, _ in reversed(changes):
        if c.sha.startswith(commit) or history.is_ancestor(repo, c.sha, commit):
            return c.sha
    return ""


def text_origin(repo, changes: list[tuple[history.LogEntry, str]], stand: review.Stand) -> str:
    """The newest text change at or before `stand.commit` that produced `stand.text_sha256`:
    the commit whose text a record is about. '' when the history does not show it."""
    if repo is None or not stand.commit or not stand.text_sha256:
        return ""
    for c, after in reversed(changes):
        if after == stand.text_sha256 and history.is_ancestor(repo, c.sha, stand.commit):
            return c.sha
    return ""
