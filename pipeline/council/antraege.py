"""Änderungsanträge: files under plan/antraege/, one per Antrag, read and checked (pure).

An Antrag is a Markdown file like a chapter: a YAML head (Antragsteller, Datum, the Fassung it
refers to, the body it goes to, its numbered Punkte, and the votes `lip abstimmung` appends)
and the Begründung as its text. Each Punkt names exactly one target by the plan's stable
numbers (a Maßnahme, a Ziel or an Abschnitt) or by the lines of the Fassung's line-numbered
PDF (`zeilen`, resolved to the passage they show by council/zeilen.py), and what to do with it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline.council.zeilen import LinePages, Stelle, Zeilen, resolve, span_lines
from pipeline.dates import as_date
from pipeline.diagnostics import Diagnostic, Report, Severity
from pipeline.errors import FrontMatterError
from pipeline.plan import Chapter, Plan, frontmatter, schema
from pipeline.plan.body import Reference, parse_body
from pipeline.plan.fassungen import Beschluss, beschluesse
from pipeline.review.records import Berichtigung, berichtigungen_of
from pipeline.wording import number_order, numbers_text, punkte_text, tally, with_article

FOLDER = "antraege"
"""Where the Anträge live, inside the plan folder."""

KINDS = ("ändern", "streichen", "einfügen nach", "ersetzen")
TARGET_KINDS = ("massnahme", "ziel", "abschnitt")
LOCATORS = (*TARGET_KINDS, "zeilen")
"""Ways a Punkt names what it changes: a numbered part, or lines of the PDF."""
TARGET_NAMES = {"massnahme": "Maßnahme", "ziel": "Ziel", "abschnitt": "Abschnitt"}
RESULTS = ("angenommen", "abgelehnt", "zurückgezogen", "vertagt")
COUNCIL_ROLE = "beschließt"


@dataclass(frozen=True)
class Target:
    """What a Punkt changes: a Maßnahme, a Ziel or an Abschnitt, by its stable number."""

    kind: str
    number: str

    def __str__(self) -> str:
        return f"{TARGET_NAMES[self.kind]} {self.number}"


@dataclass(frozen=True)
class Punkt:
    nr: int
    art: str
    target: Target | None
    alt: str | None
    neu: str | None
    wortlaut: str | None
    line: int
    target_line: int = 0
    """The line naming the target (massnahme: …), where a missing target is reported."""
    zeilen: Zeilen | None = None
    """Lines of the Fassung's line-numbered PDF, when the Punkt cites those instead."""
    stelle: Stelle | None = None
    """The passage those lines show, once resolved against the Fassung (resolve_stellen)."""

    @property
    def subject(self) -> str:
        """What the Punkt changes, as a reader names it: 'Maßnahme 1.1.2', 'Seite 3, Zeile 4'."""
        return str(self.target or self.zeilen or "")


def what(punkt: Punkt) -> str:
    """'Maßnahme 1.1.1 ändern', 'nach Ziel 1.1.3 einfügen': a Punkt's subject in one phrase."""
    if not punkt.subject:
        return punkt.art
    if punkt.art == "einfügen nach":
        return f"nach {punkt.subject} einfügen"
    return f"{punkt.subject} {punkt.art}"


@dataclass(frozen=True)
class Abstimmung:
    """One vote of one body on some Punkte of one Antrag."""

    gremium: str
    datum: dt.date
    punkte: tuple[int, ...]
    ergebnis: str
    line: int
    einstimmig: bool = False
    dafuer: int | None = None
    dagegen: int | None = None
    enthaltungen: int | None = None
    sitzung: str | None = None

    @property
    def tally(self) -> str:
        """'8 dafür – 2 dagegen – 1 Enthaltung' or 'einstimmig', as council minutes write it."""
        return tally(self.einstimmig, self.dafuer, self.dagegen, self.enthaltungen)


@dataclass
class Antrag:
    filename: str
    """Path inside the plan folder, e.g. antraege/1-gruene.md."""
    path: str
    nummer: str
    titel: str
    antragsteller_art: str
    antragsteller: str
    datum: dt.date | None
    fassung: str
    gremium: str
    punkte: list[Punkt]
    abstimmungen: list[Abstimmung]
    begruendung: str
    meta: Any
    text: frontmatter.SplitText
    problems: list[Diagnostic] = field(default_factory=list)
    berichtigungen: tuple[Berichtigung, ...] = ()
    """Corrections of its recorded votes (`lip berichtigen`), shown wherever they are."""

    def punkt(self, nr: int) -> Punkt | None:
        return next((p for p in self.punkte if p.nr == nr), None)

    def line_of(self, *keys: str | int) -> int:
        return frontmatter.line_of(self.meta, keys, self.text.yaml_first_line)

    def outcome(self, nr: int, gremium: str) -> Abstimmung | None:
        """The last vote of `gremium` on Punkt `nr` (a later vote supersedes a vertagt one)."""
        votes = [a for a in self.abstimmungen if a.gremium == gremium and nr in a.punkte]
        return votes[-1] if votes else None

    @property
    def label(self) -> str:
        return f"Änderungsantrag {self.nummer} ({self.antragsteller})"

    @property
    def key(self) -> str:
        """The name commands take for it without naming a chapter too: its file's stem
        ('1-gruene'); a bare number like '1' may also be chapter 1."""
        return self.filename.rsplit("/", 1)[-1].removesuffix(".md")

    @property
    def filed_by(self) -> str:
        """'Fraktion Die Linke', 'SPD-Fraktion', 'Ratsmitglied Erika Muster': no doubled word."""
        if not self.antragsteller_art or self.antragsteller_art.lower() in self.antragsteller.lower():
            return self.antragsteller
        return f"{self.antragsteller_art} {self.antragsteller}"




def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _zeilen(value: Any) -> Zeilen | None:
    """`zeilen: {seite: 14, von: 5, bis: 9}` (bis defaults to von); None if malformed (the
    schema names the problem)."""
    if not isinstance(value, Mapping):
        return None
    seite, von = _int(value.get("seite")), _int(value.get("von"))
    bis = _int(value.get("bis")) if value.get("bis") is not None else von
    if seite is None or von is None or bis is None:
        return None
    return Zeilen(seite, von, bis)


def parse_antrag(filename: str, raw: bytes, prefix: str = "plan", *, editable: bool = False) -> Antrag:
    """Read one Antrag file; raise FrontMatterError if its head cannot be read at all."""
    path = f"{prefix}/{filename}"
    text = frontmatter.split(frontmatter.decode(raw, path), path)
    meta = frontmatter.load(text.yaml_text, path, text.yaml_first_line, editable=editable) or {}
    if not isinstance(meta, dict):
        raise FrontMatterError(path, text.yaml_first_line, "kopf",
                               "Kopf muss aus Schlüssel-Wert-Paaren bestehen (z. B. 'nummer: \"1\"')")
    problems = schema.check(meta, schema.ANTRAG, path, text.yaml_first_line)

    def line(*keys: str | int) -> int:
        return frontmatter.line_of(meta, keys, text.yaml_first_line)

    punkte: list[Punkt] = []
    for i, item in enumerate(meta.get("punkte") or []):
        if not isinstance(item, dict):
            continue
        named = [k for k in LOCATORS if item.get(k) is not None]
        target = Target(named[0], str(item[named[0]])) \
            if len(named) == 1 and named[0] in TARGET_KINDS else None
        zeilen = _zeilen(item.get("zeilen")) if named == ["zeilen"] else None
        if len(named) != 1 and _int(item.get("nr")) is not None:
            problems.append(Diagnostic(path, line("punkte", i), f"punkte[{i}]",
                                       "genau ein Ziel angeben: massnahme, ziel, abschnitt oder zeilen"
                                       + (f" (angegeben: {', '.join(named)})" if named else "")))
        nr = _int(item.get("nr"))
        if nr is None:
            continue
        punkte.append(Punkt(nr, str(item.get("art", "")), target, _str(item.get("alt")),
                            _str(item.get("neu")), _str(item.get("wortlaut")), line("punkte", i),
                            line("punkte", i, named[0]) if len(named) == 1 else line("punkte", i),
                            zeilen))
    votes: list[Abstimmung] = []
    for i, item in enumerate(meta.get("abstimmungen") or []):
        if not isinstance(item, dict) or as_date(item.get("datum")) is None:
            continue
        nrs = tuple(n for n in item.get("punkte") or [] if _int(n) is not None)
        votes.append(Abstimmung(str(item.get("gremium", "")), as_date(item["datum"]), nrs,
                                str(item.get("ergebnis", "")), line("abstimmungen", i),
                                item.get("einstimmig") is True, _int(item.get("dafuer")),
                                _int(item.get("dagegen")), _int(item.get("enthaltungen")),
                                _str(item.get("sitzung"))))
    steller = meta.get("antragsteller") if isinstance(meta.get("antragsteller"), dict) else {}
    return Antrag(filename, path, str(meta.get("nummer", "")), str(meta.get("titel", "")),
                  str(steller.get("art", "")), str(steller.get("name", "")),
                  as_date(meta.get("datum")), str(meta.get("fassung", "")),
                  str(meta.get("gremium", "")), punkte, votes, begruendung_of(text.body), meta,
                  text, problems, berichtigungen_of(meta.get("berichtigungen")))


_LABEL = re.compile(r"\A\s*(?:\*\*|__)?Begründung(?!\w)\s*:?\s*(?:\*\*|__)?\s*:?[ \t]*\n?",
                    re.IGNORECASE)


def begruendung_of(body: str) -> str:
    """The Begründung under an Antrag's head, without a leading „Begründung:“ label: the
    documents and the site put it under their own heading „Begründung“."""
    text = body.strip("\n")
    stripped = _LABEL.sub("", text, count=1)
    return stripped.strip("\n") if stripped.strip() else text


def file_key(text: str) -> str:
    """A name part for files and URLs: '1' -> '1', 'E1' -> 'e1', 'A 2/b' -> 'a-2-b'."""
    import re

    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _str(value: Any) -> str | None:
    return str(value) if value is not None else None


def antrag_files(files: Mapping[str, bytes | None]) -> list[str]:
    return sorted(n for n in files if n.startswith(f"{FOLDER}/") and n.endswith(".md")
                  and n.count("/") == 1)


def load_antraege(plan: Plan) -> tuple[list[Antrag], list[Diagnostic]]:
    """Every Antrag of the plan folder in the order of their numbers (`number_order`: 1, 2,
    2a, 10, whatever the files are called), and the problems of files that could not be read."""
    out: list[Antrag] = []
    unread: list[Diagnostic] = []
    for name in antrag_files(plan.files):
        raw = plan.files.get(name)
        try:
            out.append(parse_antrag(name, raw if isinstance(raw, bytes) else b""))
        except FrontMatterError as e:
            unread.append(Diagnostic(e.path, e.line, e.field, e.message))
    return sorted(out, key=lambda a: number_order(a.nummer)), unread


def find(antraege: list[Antrag], key: str) -> Antrag | None:
    """An Antrag by its number or file name ('1', 'antraege/1-gruene.md', '1-gruene')."""
    for a in antraege:
        stem = a.filename.rsplit("/", 1)[-1].removesuffix(".md")
        if key in (a.nummer, a.filename, a.path, stem, f"{stem}.md"):
            return a
    return None


# --- targets in the text --------------------------------------------------------------------


def locate(chapter: Chapter, target: Target) -> tuple[int, int] | None:
    """Lines [start, end) of `target` in the chapter body (0-based, relative to the body), or
    None when the chapter has no such target. A Maßnahme or Abschnitt runs to the next
    heading of its level or above; a Ziel is its list item with its continuation lines."""
    lines = chapter.text.body.split("\n")
    first = chapter.text.body_first_line
    body = chapter.body
    if target.kind == "massnahme":
        hit = next((m.line for m in body.measures if m.id == target.number), None)
        level = 4
    elif target.kind == "abschnitt":
        hit = next((s.line for s in body.sections if s.number == target.number), None)
        level = 2
    else:
        goal = next((g.line for g in body.goals if g.number == target.number), None)
        if goal is None:
            return None
        start = goal - first
        end = start + 1
        while end < len(lines) and lines[end].strip() and lines[end].startswith((" ", "\t")):
            end += 1
        return start, end
    if hit is None:
        return None
    start = hit - first
    end = len(lines)
    for h in body.headings:
        if h.line > hit and h.level <= level:
            end = h.line - first
            break
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return start, end


def chapter_of(plan: Plan, target: Target) -> Chapter | None:
    """The chapter that holds `target` (numbers are unique across the plan)."""
    for chapter in plan.chapters:
        if locate(chapter, target) is not None:
            return chapter
    return None


def target_text(plan: Plan, target: Target) -> str | None:
    chapter = chapter_of(plan, target)
    if chapter is None:
        return None
    start, end = locate(chapter, target)
    return "\n".join(chapter.text.body.split("\n")[start:end])


def resolve_stellen(antraege: list[Antrag], at_fassung: Mapping[str, Plan | None],
                    lines: Mapping[str, LinePages | None]) -> tuple[list[Antrag], list[Diagnostic]]:
    """Each Punkt that cites PDF lines gets the passage they show in its Fassung (`stelle`);
    a citation that cannot be resolved is a problem at its `zeilen` line. `lines` maps a
    Fassung's name to its PDF's numbered lines."""
    problems: list[Diagnostic] = []
    out = []
    for a in antraege:
        base = at_fassung.get(a.fassung)
        if base is None or not any(p.zeilen for p in a.punkte):
            out.append(a)
            continue
        bodies = {c.filename: c.text.body for c in base.chapters}
        punkte = []
        for p in a.punkte:
            if p.zeilen is not None:
                stelle, why = resolve(bodies, lines.get(a.fassung), p.zeilen)
                if why:
                    problems.append(Diagnostic(a.path, p.target_line, f"punkte[{p.nr}].zeilen", why))
                p = dataclasses.replace(p, stelle=stelle)
            punkte.append(p)
        out.append(dataclasses.replace(a, punkte=punkte))
    return out, problems


def punkt_span(plan: Plan, punkt: Punkt) -> tuple[Chapter, int, int] | None:
    """Where `punkt` acts in `plan`: its chapter and body lines [start, end), or None."""
    if punkt.target is not None:
        chapter = chapter_of(plan, punkt.target)
        return (chapter, *locate(chapter, punkt.target)) if chapter else None
    if punkt.stelle is not None:
        chapter = next((c for c in plan.chapters if c.filename == punkt.stelle.chapter), None)
        span = span_lines(chapter.text.body, punkt.stelle.text) if chapter else None
        return (chapter, *span) if span else None
    return None


def punkt_text(plan: Plan, punkt: Punkt) -> str | None:
    """The text `punkt` changes as it reads in `plan` (a passage: itself, if still there)."""
    if punkt.target is not None:
        return target_text(plan, punkt.target)
    if punkt.stelle is not None and punkt_span(plan, punkt) is not None:
        return punkt.stelle.text
    return None


def punkte_overlap(plan: Plan, p: Punkt, q: Punkt) -> bool:
    """Whether two Punkte change the same text: by their targets, or (where a Punkt cites
    lines) by the lines of the chapter they act on in `plan`."""
    if p.target is not None and q.target is not None:
        return overlap(p.target, q.target)
    a, b = punkt_span(plan, p), punkt_span(plan, q)
    return bool(a and b and a[0].filename == b[0].filename and a[1] < b[2] and b[1] < a[2])


def _same_text(p: Punkt, q: Punkt) -> bool:
    return p.target == q.target if p.target is not None else (p.stelle is not None and p.stelle == q.stelle)


def _span_of(text: str, alt: str | None) -> tuple[int, int] | None:
    at = text.find(alt) if alt else -1
    return (at, at + len(alt)) if at >= 0 else None


def punkte_conflict(plan: Plan, p: Punkt, q: Punkt) -> bool:
    """Whether two Punkte cannot both be applied to `plan`: they act on overlapping text, and
    not as two changes (`ändern`) of different, non-overlapping wording of the same text. One
    striking or replacing the whole text the other changes, or an Abschnitt and a Maßnahme in
    it, conflict. The one rule for `lip check` and `lip beschluss`."""
    if not punkte_overlap(plan, p, q):
        return False
    if not (p.art == q.art == "ändern" and _same_text(p, q)):
        return True
    text = punkt_text(plan, p)
    a, b = (_span_of(text, p.alt), _span_of(text, q.alt)) if text is not None else (None, None)
    return a is None or b is None or (a[0] < b[1] and b[0] < a[1])


def _anchors(text: str) -> set[str]:
    body = parse_body(text)
    return ({s.anchor for s in body.sections} | {g.anchor for g in body.goals}
            | {m.anchor for m in body.measures})


def lost_links(plan: Plan, punkt: Punkt) -> list[tuple[Chapter, Reference]]:
    """The links elsewhere in `plan` that would lead nowhere once `punkt` is applied: to a
    Maßnahme, Ziel or Abschnitt it strikes, or replaces by a text without it."""
    if punkt.art not in ("streichen", "ersetzen"):
        return []
    span = punkt_span(plan, punkt)
    if span is None:
        return []
    chapter, start, end = span
    old = "\n".join(chapter.text.body.split("\n")[start:end])
    gone = _anchors(old) - (_anchors(punkt.wortlaut or "") if punkt.art == "ersetzen" else set())
    first = chapter.text.body_first_line
    return [(c, ref) for c in plan.chapters for ref in c.body.references
            if ref.target in gone
            and not (c.filename == chapter.filename and start <= ref.line - first < end)]


def links_text(links: list[tuple[Chapter, Reference]]) -> str:
    """'plan/13-demokratie.md:262 (#m-3-1-2)', several joined by commas."""
    return ", ".join(f"{c.path}:{ref.line} (#{ref.target})" for c, ref in links)


def _covers(a: Target, b: Target) -> bool:
    """Whether changing `a` touches `b` (an Abschnitt holds its Ziele and Maßnahmen)."""
    if a == b:
        return True
    if a.kind == "abschnitt":
        return b.number.startswith(a.number + ".")
    return False


def overlap(a: Target, b: Target) -> bool:
    return _covers(a, b) or _covers(b, a)


# --- checks ---------------------------------------------------------------------------------


def fassung_names(plan: Plan) -> list[str]:
    raw = plan.manifest.get("fassungen") if plan.manifest else None
    return [str(f.get("name")) for f in raw or [] if isinstance(f, dict) and f.get("name")]


def decided_by(plan: Plan, antrag: Antrag) -> Beschluss | None:
    """The Beschluss that decided `antrag`: the first one named after the Fassung the Antrag
    refers to (None while the Antrag is still open)."""
    raw = plan.manifest.get("fassungen") if plan.manifest else None
    at = next((i for i, f in enumerate(raw if isinstance(raw, list) else [])
               if isinstance(f, dict) and str(f.get("name")) == antrag.fassung), None)
    if at is None:
        return None
    return next((b for b in beschluesse(plan) if b.index > at), None)


def council_bodies(plan: Plan) -> list[str]:
    gremien = plan.manifest.gremien if plan.manifest else {}
    return [k for k, v in gremien.items() if isinstance(v, dict) and v.get("rolle") == COUNCIL_ROLE]


def deciding_body(plan: Plan) -> str | None:
    """The key of the body with the final word: the last deciding body of the Beratungsfolge
    (the order of the bodies with `rolle: beschließt` in plan/lip.yaml, which `lip abstimmung`
    also follows), the Ratsversammlung. The votes of the bodies before it are Empfehlungen."""
    bodies = council_bodies(plan)
    return bodies[-1] if bodies else None


def body_name(plan: Plan, key: str, case: str = "nom", *, capital: bool = False) -> str:
    """A body of plan/lip.yaml by its name with its article: „der Internationale Ausschuss“,
    „Die Ratsversammlung“ (sentence start), „dem Internationalen Ausschuss“ (`case` 'dat')."""
    name = plan.manifest.gremium_name(key) if plan.manifest else key
    return with_article(name, case, capital=capital)


def counted_result(dafuer: int, dagegen: int) -> str:
    """The result the counts give: more votes for than against adopt a Punkt."""
    return "angenommen" if dafuer > dagegen else "abgelehnt"


def counts_problem(ergebnis: str, dafuer: int | None, dagegen: int | None,
                   einstimmig: bool = False) -> str | None:
    """Why a vote's result contradicts its counts (more for than against is an Annahme; a
    vertagt or withdrawn Punkt has no counts), or None. The one rule for `lip abstimmung`,
    which derives the result from the counts, and `lip check`, which reads recorded votes."""
    counted_ = dafuer is not None or dagegen is not None
    if ergebnis in ("zurückgezogen", "vertagt") and (counted_ or einstimmig):
        return f"ein Punkt, der {ergebnis} wurde, hat kein Stimmergebnis; ohne Stimmen und ohne einstimmig angeben"
    if ergebnis not in ("angenommen", "abgelehnt") or dafuer is None or dagegen is None:
        return None
    expected = counted_result(dafuer, dagegen)
    if ergebnis == expected:
        return None
    if expected == "angenommen":
        return f"{dafuer} dafür und {dagegen} dagegen ist eine Annahme, keine Ablehnung"
    return (f"{dafuer} dafür und {dagegen} dagegen ist keine Mehrheit dafür, also eine Ablehnung, "
            f"keine Annahme")


def gremium_key(plan: Plan, gremium: str) -> str:
    """The key of the Gremium a --gremium names, by key or by name
    (`Manifest.gremium_key`)."""
    return plan.manifest.gremium_key(gremium) if plan.manifest else gremium


def not_a_council_body(plan: Plan, gremium: str) -> str | None:
    """Why `gremium` (a key, `gremium_key`) names no deciding body of the plan, or None if it
    does."""
    bodies = council_bodies(plan)
    if gremium in bodies:
        return None
    return (f"{gremium!r} ist kein beschließendes Gremium in plan/lip.yaml; "
            f"möglich: {', '.join(bodies) or '(keins)'}")


def check_antraege(plan: Plan, antraege: list[Antrag], at_fassung: Mapping[str, Plan | None],
                   report: Report) -> None:
    """Every rule on the Anträge: schema, targets in their Fassung, Punkte that overlap,
    votes that cannot have happened; conflicts between Anträge are warnings (the council
    may adopt only one of them, which `lip beschluss` enforces)."""
    bodies = council_bodies(plan)
    numbers: dict[str, str] = {}
    for a in antraege:
        report.extend(a.problems)
        if a.nummer in numbers:
            report.add(a.path, a.line_of("nummer"), "nummer",
                       f"Nummer {a.nummer!r} hat schon {numbers[a.nummer]}; jede Antragsnummer nur einmal")
        numbers.setdefault(a.nummer, a.path)
        if a.gremium and a.gremium not in bodies:
            report.add(a.path, a.line_of("gremium"), "gremium",
                       f"{a.gremium!r} ist kein beschließendes Gremium in plan/lip.yaml; möglich: "
                       f"{', '.join(bodies) or '(keins)'}")
        base = at_fassung.get(a.fassung)
        if a.fassung and a.fassung not in at_fassung:
            report.add(a.path, a.line_of("fassung"), "fassung",
                       f"Fassung {a.fassung!r} gibt es nicht; benannte Fassungen: "
                       f"{', '.join(fassung_names(plan)) or '(keine; mit lip fassung NAME benennen)'}")
        seen: dict[int, Punkt] = {}
        for p in a.punkte:
            if p.nr in seen:
                report.add(a.path, p.line, "punkte.nr", f"Punkt {p.nr} ist doppelt vergeben")
                continue
            seen[p.nr] = p
            if p.target is None and p.stelle is None:
                continue
            if base is not None:
                text = punkt_text(base, p)
                if text is None and p.target is None:
                    continue  # a citation that did not resolve is reported by resolve_stellen
                if text is None:
                    report.add(a.path, p.target_line, f"punkte[{p.nr}]",
                               f"{p.target} gibt es in der Fassung „{a.fassung}“ nicht")
                elif p.art == "ändern" and p.alt and p.alt not in text:
                    report.add(a.path, p.line, f"punkte[{p.nr}].alt",
                               f"der Wortlaut {p.alt!r} steht nicht in {p.subject} der Fassung „{a.fassung}“")
                elif p.art == "ändern" and p.alt and text.count(p.alt) > 1:
                    report.add(a.path, p.line, f"punkte[{p.nr}].alt",
                               f"der Wortlaut {p.alt!r} steht mehrmals in {p.subject}; bitte so "
                               f"viel Text angeben, dass er eindeutig ist")
        for i, p in enumerate(a.punkte):
            for q in a.punkte[i + 1:]:
                if p.nr != q.nr and punkte_conflict(base or plan, p, q):
                    report.add(a.path, q.line, f"punkte[{q.nr}]",
                               f"Punkt {q.nr} betrifft denselben Text wie Punkt {p.nr} "
                               f"({q.subject}); bitte in einem Punkt zusammenfassen")
        decided = decided_by(plan, a)
        if decided is not None and a.datum and a.datum > decided.datum:
            report.add(a.path, a.line_of("fassung"), "fassung",
                       f"der Antrag vom {a.datum:%d.%m.%Y} bezieht sich auf die Fassung "
                       f"„{a.fassung}“, über die {body_name(plan, decided.gremium)} am "
                       f"{decided.datum:%d.%m.%Y} schon beschlossen hat; ein Antrag zum "
                       f"beschlossenen Plan nennt 'fassung: {decided.fassung}'", Severity.WARNING)
        if decided is None and base is not None:
            for p in a.punkte:
                links = lost_links(base, p)
                if links:
                    report.add(a.path, p.line, f"punkte[{p.nr}]",
                               f"Punkt {p.nr} ({what(p)}): auf den Text verweist noch "
                               f"{links_text(links)}; wird der Punkt beschlossen, führt der "
                               f"Verweis ins Leere. Den Verweis im Antrag mit ändern (ein "
                               f"weiterer Punkt) oder vor dem Beschluss als redaktionelle "
                               f"Folgeänderung anpassen", Severity.WARNING)
        for i, v in enumerate(a.abstimmungen):
            report.extend(vote_problems(plan, a, i, v, decided))
    _check_conflicts(plan, antraege, at_fassung, report)


def vote_problems(plan: Plan, a: Antrag, i: int, v: Abstimmung,
                  decided: Beschluss | None) -> list[Diagnostic]:
    """What cannot be right about one recorded vote (`decided`: the Beschluss that decided
    the Antrag, `decided_by`). The one rule for `lip check` and `lip berichtigen`, which
    refuses a correction that would leave a vote like that."""
    report = Report()
    bodies = council_bodies(plan)
    where = f"abstimmungen[{i}]"
    if v.gremium not in bodies:
        report.add(a.path, v.line, f"{where}.gremium",
                   f"{v.gremium!r} ist kein beschließendes Gremium; möglich: {', '.join(bodies)}")
    if a.datum and v.datum < a.datum:
        report.add(a.path, v.line, f"{where}.datum",
                   f"Abstimmung am {v.datum:%d.%m.%Y} liegt vor dem Antrag vom {a.datum:%d.%m.%Y}")
    if decided is not None and v.datum > decided.datum:
        report.add(a.path, v.line, f"{where}.datum",
                   f"Abstimmung am {v.datum:%d.%m.%Y} liegt nach dem Beschluss vom "
                   f"{decided.datum:%d.%m.%Y} (Fassung „{decided.fassung}“), der über "
                   f"diesen Antrag schon entschieden hat", Severity.WARNING)
    unknown = [n for n in v.punkte if a.punkt(n) is None]
    if unknown:
        report.add(a.path, v.line, f"{where}.punkte",
                   f"{punkte_text(unknown)} gibt es in diesem Antrag nicht; "
                   f"vorhanden: {numbers_text(p.nr for p in a.punkte)}")
    if (problem := counts_problem(v.ergebnis, v.dafuer, v.dagegen, v.einstimmig)) is not None:
        report.add(a.path, v.line, f"{where}.ergebnis", problem)
    if (problem := too_many_votes(plan, v.gremium, v.dafuer, v.dagegen, v.enthaltungen)):
        report.add(a.path, v.line, where, problem)
    return report.diagnostics


def seats_problem(plan: Plan, gremium: str, total: int, seats: int) -> str:
    """'12 Stimmen, aber der Internationale Ausschuss hat 11 Sitze'."""
    return f"{total} Stimmen, aber {body_name(plan, gremium)} hat {seats} Sitze"


def too_many_votes(plan: Plan, gremium: str, dafuer: int | None, dagegen: int | None,
                   enthaltungen: int | None) -> str | None:
    """Why more votes were counted than `gremium` has seats (`sitze` in plan/lip.yaml), or
    None: the one rule for `lip abstimmung`, `lip beschluss` and `lip check`."""
    gremien = plan.manifest.gremien if plan.manifest else {}
    entry = gremien.get(gremium)
    seats = entry.get("sitze") if isinstance(entry, dict) else None
    total = sum(x or 0 for x in (dafuer, dagegen, enthaltungen))
    if isinstance(seats, int) and total > seats:
        return seats_problem(plan, gremium, total, seats)
    return None


def check_bodies(plan: Plan, report: Report) -> None:
    """A deciding body without `sitze` in plan/lip.yaml: its vote counts cannot be checked."""
    if plan.manifest is None:
        return
    for key in council_bodies(plan):
        if not isinstance(plan.manifest.gremien[key].get("sitze"), int):
            report.add(plan.manifest.path, frontmatter.line_of(plan.manifest.data, ("gremien", key), 1),
                       f"gremien.{key}.sitze",
                       f"{plan.manifest.gremium_name(key)}: die Zahl der stimmberechtigten "
                       f"Sitze fehlt (sitze: N); ohne sie prüft lip abstimmung nicht, ob mehr "
                       f"Stimmen gezählt wurden, als es Sitze gibt", Severity.WARNING)


def _check_conflicts(plan: Plan, antraege: list[Antrag], at_fassung: Mapping[str, Plan | None],
                     report: Report) -> None:
    """Two open Anträge whose Punkte cannot both be adopted (`punkte_conflict`), judged on the
    text of the Fassung they refer to."""
    open_ = [a for a in antraege if decided_by(plan, a) is None]
    for i, a in enumerate(open_):
        for b in open_[i + 1:]:
            base = at_fassung.get(a.fassung) if a.fassung == b.fassung else None
            for p in a.punkte:
                for q in b.punkte:
                    if punkte_conflict(base or plan, p, q):
                        report.add(b.path, q.line, f"punkte[{q.nr}]",
                                   f"Punkt {q.nr} betrifft denselben Text ({q.subject}) wie Punkt "
                                   f"{p.nr} des Änderungsantrags {a.nummer} ({a.path}); nur einer "
                                   f"von beiden kann beschlossen werden", Severity.WARNING)
