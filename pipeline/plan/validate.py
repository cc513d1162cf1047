"""The rules of `lip check`: manifest, front matter, body and review metadata.

Every rule appends to one Report, so the editor sees all problems of the plan at once.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Protocol

from pipeline.dates import future_date_problem
from pipeline.diagnostics import Report, Severity
from pipeline.plan import MANIFEST_NAME, PLAN_DIR, Chapter, Plan, akteure, frontmatter, schema
from pipeline.plan.body import (
    MEASURE_FIELDS,
    MEASURE_ID,
    Body,
    NearMiss,
    anchor,
    measure_heading,
    plain_text,
)
from pipeline.plan.fassungen import correction_key
from pipeline.plan.images import Irregular, image_problems, type_problem
from pipeline.plan.lines import editor_lines

_WEB_ADDRESS = re.compile(r"(?:https?://|mailto:|tel:)\S", re.I)
"""Link targets that lead somewhere from a PDF, a Word file and the website alike."""

ROLE_OF_LIST = {
    "vorlagen": ("verfasst",),
    "entscheidungen": ("entscheidet",),
    "stellungnahmen": ("nimmt Stellung",),
}


class GlyphOracle(Protocol):
    """What the PDF's fonts can print (render/glyphs.py asks typst; plan/ runs no tool)."""

    def candidates(self, text: str) -> set[str]: ...
    def uncovered(self, wanted: set[str]) -> set[str]: ...
    def unjoined(self, wanted: set[str]) -> set[str]: ...


def check_plan(plan: Plan, *, strict: bool = False, glyphs: GlyphOracle | None = None) -> Report:
    """Run every rule on `plan` and return all diagnostics (warnings become errors if strict).

    `glyphs` answers which characters the PDF cannot print; commands pass render/glyphs.py
    (see commands/plan_report.py), pure callers may leave the font check out."""
    report = Report()
    report.extend(plan.diagnostics)
    if plan.manifest is not None:
        report.extend(schema.check(plan.manifest.data, schema.MANIFEST,
                                   f"{PLAN_DIR}/{MANIFEST_NAME}", 1))
        _check_manifest(plan, report)
    for chapter in plan.chapters:
        if chapter.text.bom:
            report.add(chapter.path, 1, "datei", "Datei beginnt mit einer Byte-Order-Mark (BOM); "
                       "sie wird beim Schreiben erhalten, ist aber unnötig", Severity.WARNING)
        report.extend(schema.check(chapter.meta, schema.CHAPTER, chapter.path,
                                   chapter.text.yaml_first_line))
        _check_chapter_meta(plan, chapter, report)
        _check_body(plan, chapter, report)
        _check_review(plan, chapter, report)
        check_review_sequence(plan, chapter, report)
    for chapter in plan.headless:  # its broken head is reported; its text is checked now too
        _check_body(plan, chapter, report, numbered=False)
    _check_across_chapters(plan, report)
    if glyphs is not None:
        _check_glyphs(plan, report, glyphs)
    if strict:
        report.diagnostics = [replace(d, severity=Severity.ERROR) for d in report.diagnostics]
    return report


def manifest_report(plan: Plan) -> Report:
    """The manifest's own problems: what a recording command must refuse to write under."""
    report = Report()
    path = f"{PLAN_DIR}/{MANIFEST_NAME}"
    report.extend([d for d in plan.diagnostics if d.path == path])
    if plan.manifest is not None:
        report.extend(schema.check(plan.manifest.data, schema.MANIFEST, path, 1))
        _check_manifest(plan, report)
    return report


def _check_manifest(plan: Plan, report: Report) -> None:
    manifest = plan.manifest
    assert manifest is not None
    seen: dict[str, int] = {}
    for name, line in manifest.chapter_files:
        if name in seen:
            report.add(manifest.path, line, "teile.kapitel",
                       f"Kapitel {name!r} ist doppelt aufgeführt (zuerst in Zeile {seen[name]})")
        seen.setdefault(name, line)
    fassungen = manifest.get("fassungen") or []
    names = [f.get("name") for f in fassungen if isinstance(f, dict)]
    for i, name in enumerate(names):
        if name in names[:i]:
            report.add(manifest.path, frontmatter.line_of(manifest.data, ("fassungen", i), 1),
                       f"fassungen[{i}].name", f"Fassung {name!r} ist doppelt vergeben")


def _check_chapter_meta(plan: Plan, chapter: Chapter, report: Report) -> None:
    number, part = chapter.get("nummer"), chapter.get("teil")
    if isinstance(number, str) and part == "Handlungsfeld" and not number.isdigit():
        report.add(chapter.path, chapter.line_of("nummer"), "nummer",
                   f"ein Handlungsfeld hat eine Zahl als Nummer, gefunden {number!r}")
    if isinstance(number, str) and part in ("Grundlagenpapier", "Anhang") and number.isdigit():
        report.add(chapter.path, chapter.line_of("nummer"), "nummer",
                   f"Kapitel im Teil {part!r} tragen einen Buchstaben als Nummer (z. B. \"A\"), "
                   f"gefunden {number!r}; Zahlen sind den Handlungsfeldern vorbehalten")
    group = chapter.get("expertinnengruppe")
    if plan.manifest is not None and isinstance(group, str):
        _check_gremium(plan, chapter, ("expertinnengruppe",), group, ("verfasst",), report)


def _check_gremium(plan: Plan, chapter: Chapter, keys: tuple, key: str, roles: tuple[str, ...],
                   report: Report) -> None:
    gremien = plan.manifest.gremien if plan.manifest else {}
    field = ".".join(str(k) if not isinstance(k, int) else f"[{k}]" for k in keys).replace(".[", "[")
    if key not in gremien:
        report.add(chapter.path, chapter.line_of(*keys), field,
                   f"unbekanntes Gremium {key!r}; bekannt sind {', '.join(sorted(gremien))} "
                   "(plan/lip.yaml)")
        return
    role = gremien[key].get("rolle") if isinstance(gremien[key], dict) else None
    if role not in roles:
        report.add(chapter.path, chapter.line_of(*keys), field,
                   f"Gremium {key!r} hat die Rolle {role!r}, hier ist die Rolle "
                   f"{' oder '.join(map(repr, roles))} nötig")


def _check_characters(chapter: Chapter, report: Report) -> None:
    """Control characters (NUL, vertical tab, form feed, NEL …) are invisible in an editor and
    break the PDF or the website; Unicode's line separators are breaks no editor shows."""
    text = chapter.text.body
    if not (frontmatter._BAD_CHAR.search(text) or "\u2028" in text or "\u2029" in text):
        return
    for index, line in enumerate(editor_lines(text)):
        found = dict.fromkeys(frontmatter._BAD_CHAR.findall(line))
        if found:
            names = ", ".join(frontmatter.char_name(c) for c in found)
            report.add(chapter.path, chapter.text.body_first_line + index, "text",
                       f"Text enthält {'das Steuerzeichen' if len(found) == 1 else 'die Steuerzeichen'} "
                       f"{names}; unsichtbar im Editor, bricht PDF und Website; bitte entfernen")
        separators = dict.fromkeys(c for c in line if c in "\u2028\u2029")
        if separators:
            names = ", ".join(frontmatter.char_name(c) for c in separators)
            report.add(chapter.path, chapter.text.body_first_line + index, "text",
                       f"Text enthält {names}: ein Umbruch, den Editoren nicht als neue Zeile "
                       f"zeigen; bitte durch einen Zeilenumbruch oder ein Leerzeichen ersetzen",
                       Severity.WARNING)


def _check_body(plan: Plan, chapter: Chapter, report: Report, numbered: bool = True) -> None:
    """The rules on a chapter's text; without `numbered` (its head, and so its number, could
    not be read) those on the numbers of sections, Ziele and Maßnahmen are left out."""
    body, number, path = chapter.body, chapter.number, chapter.path
    _check_characters(chapter, report)
    near = {n.line: n for n in body.near_misses}
    sections = section_numbers(chapter) if numbered else {}
    level = 1  # the chapter's own heading, made from 'nummer' and 'titel'
    first_level_1 = min((h.line for h in body.headings if h.level == 1), default=None)

    def under_level_1(line: int) -> bool:
        """Below a '# …' heading: reported once, at the heading, not at each item under it."""
        return first_level_1 is not None and first_level_1 < line
    for heading in body.headings:
        if heading.line in near:  # reported below, with the form it should have
            level = 4
            continue
        if heading.level > level + 1:  # PDF/UA (typst) refuses the whole PDF otherwise
            report.add(path, heading.line, "text",
                       f"Überschrift der Ebene {heading.level} ('{'#' * heading.level} …') folgt auf "
                       f"{'die Kapitelüberschrift (Ebene 1)' if level == 1 else f'Ebene {level}'}: "
                       f"Ebenen dürfen nicht übersprungen werden (barrierefreies PDF); erwartet "
                       f"höchstens '{'#' * (level + 1)} '")
        level = heading.level
        if heading.level == 1:
            # A section written '# 1.1 …': the one mistake is the level; what follows is read
            # as under a section, so that it does not bring a cascade of its own.
            level = 2
            as_section = numbered and re.match(rf"{re.escape(number)}\.\d+\s", heading.text)
            report.add(path, heading.line, "text",
                       "Überschriften der Ebene 1 ('# …') sind nicht erlaubt: die Kapitelüberschrift "
                       "entsteht aus 'nummer' und 'titel' im Kopf; Abschnitte beginnen mit '## '"
                       + (f", also: '## {heading.text}'" if as_section else ""))
        elif heading.level == 2 and numbered:
            problem = sections[heading.line].problem
            if problem:
                report.add(path, heading.line, "text", problem)
        elif heading.level == 4 and numbered and heading.text.startswith("Maßnahme") and not any(
            m.line == heading.line for m in body.measures
        ):
            free = next_free_number(plan, _section_at(sections, heading.line) or f"{number}.1")
            report.add(path, heading.line, "text",
                       f"Maßnahme-Überschrift nicht lesbar: erwartet '{measure_heading(free, 'Titel')}'")
    for miss in body.near_misses:
        _report_near_miss(plan, chapter, miss, sections, report)
    if chapter.part == "Handlungsfeld":
        _report_stray_fields(chapter, report)
    for measure in body.measures:
        section = _section_at(sections, measure.line)
        if numbered and not MEASURE_ID.match(measure.id):
            free = next_free_number(plan, section or f"{number}.1")
            report.add(path, measure.line, f"maßnahme {measure.id}",
                       f"ungültige Nummer {measure.id!r}; eine Maßnahme trägt eine Nummer wie "
                       f"{free} (Handlungsfeld, Abschnitt, laufende Nummer)")
        elif numbered and section is None and not under_level_1(measure.line):
            report.add(path, measure.line, f"maßnahme {measure.id}",
                       f"Maßnahme {measure.id} steht vor dem ersten Abschnitt ('## {number}.1 …'); "
                       f"Maßnahmen stehen in dem Abschnitt, mit dessen Nummer ihre beginnt")
        elif numbered and section is not None and not measure.id.startswith(section + "."):
            report.add(path, measure.line, f"maßnahme {measure.id}",
                       f"Maßnahme {measure.id} steht in Abschnitt {section}; "
                       f"ihre Nummer muss mit {section}. beginnen")
        if chapter.part in ("Grundlagenpapier", "Anhang"):
            report.add(path, measure.line, f"maßnahme {measure.id}",
                       "Maßnahmen gehören in die Kapitel der Handlungsfelder")
        # 'Kenzahl' for a missing 'Kennzahl' is one misspelt field, not a missing and an unknown one
        missing = [name for name in MEASURE_FIELDS if name not in measure.fields]
        misspelt = {right: (name, line) for name, line in measure.field_lines.items()
                    if name not in MEASURE_FIELDS and (right := schema.close_name(name, missing))}
        for name in MEASURE_FIELDS:
            if name in misspelt:
                wrong, line = misspelt[name]
                report.add(path, line, f"maßnahme {measure.id}.{name.lower()}",
                           f"Feld {wrong!r} ist falsch geschrieben; so schreiben: {name!r}")
            elif name in measure.fields and not measure.fields[name]:
                report.add(path, measure.field_lines.get(name, measure.line),
                           f"maßnahme {measure.id}.{name.lower()}",
                           f"Feld {name!r} ist leer; bitte den Wert hinter ':   ' eintragen")
            elif not measure.fields.get(name):
                report.add(path, measure.line, f"maßnahme {measure.id}.{name.lower()}",
                           f"Feld {name!r} fehlt; jede Maßnahme nennt {', '.join(MEASURE_FIELDS)} "
                           f"(als Definitionsliste: '{name}' und darunter ':   Wert')")
        for name, line in measure.field_lines.items():
            if name not in MEASURE_FIELDS and name not in {wrong for wrong, _ in misspelt.values()}:
                report.add(path, line, f"maßnahme {measure.id}", f"unbekanntes Feld {name!r}; "
                           f"{schema.unknown_name_hint(name, MEASURE_FIELDS)}", Severity.WARNING)
    _check_leads(plan, chapter, report)
    for goal in body.goals if numbered else []:
        section = _section_at(sections, goal.line)
        if section is None and not under_level_1(goal.line):
            report.add(path, goal.line, f"ziel {goal.number}",
                       f"Ziel {goal.number} steht vor dem ersten Abschnitt ('## {number}.1 …'); "
                       f"Ziele stehen in dem Abschnitt, mit dessen Nummer ihre beginnt")
        elif section is not None and not goal.number.startswith(section + "."):
            report.add(path, goal.line, f"ziel {goal.number}",
                       f"Ziel {goal.number} steht in Abschnitt {section}; "
                       f"seine Nummer muss mit {section}. beginnen")
    for image in body.images:
        if not image.alt:
            report.add(path, image.line, "bild",
                       f"Bild {image.src!r} hat keinen Alternativtext; bitte in ![…] beschreiben, "
                       f"was es zeigt (BITV 2.0)")
        src = image.src
        if re.match(r"^[a-z]+:", src):
            report.add(path, image.line, "bild", f"Bild {src!r} muss im Ordner plan/ liegen, "
                       "nicht im Internet (der Bau läuft ohne Netz)")
            continue
        normalized = str(PurePosixPath(src))
        if normalized.startswith("../") or normalized not in plan.files:
            linked = _linked_parent(plan, normalized)
            report.add(path, image.line, "bild", f"Bilddatei {src!r} liegt im Ordner {linked!r}, "
                       f"und der {plan.files[linked].reason}" if linked else
                       f"Bilddatei {src!r} nicht gefunden (Pfade sind relativ zu plan/)")
            continue
        data = plan.resources.get(normalized, plan.files[normalized])
        problems = image_problems(normalized, data) if data is not None else \
            [p for p in [type_problem(normalized)] if p]
        for problem in problems:
            report.add(path, image.line, "bild", f"Bilddatei {src!r}: {problem}")
    for target, line in body.external_links:
        if not target:
            report.add(path, line, "verweis",
                       "Link ohne Ziel: in (…) fehlt die Adresse (https://…) oder der Anker "
                       "(#m-1-2-3); ein leeres Ziel bricht das PDF")
        elif not _WEB_ADDRESS.match(target):
            report.add(path, line, "verweis",
                       f"Link auf {target!r} ist weder eine Web-Adresse (https://…, mailto:…) noch "
                       f"ein Anker (#…); im PDF und auf der Website führt er ins Leere",
                       Severity.WARNING)
    for raw in body.raw:
        if raw.kind == "html":
            report.add(path, raw.line, "text",
                       f"HTML im Text ist nicht erlaubt: {raw.text!r}; es verschwindet im PDF und "
                       f"wäre auf der Website ein Risiko. Für spitze Klammern '\\<' schreiben")
        elif raw.kind == "citation":
            report.add(path, raw.line, "text",
                       f"{raw.text!r} würde als Literaturverweis gelesen und bricht das PDF; "
                       f"'\\@' schreiben oder für Verweise [Text](#anker) verwenden")
        else:
            report.add(path, raw.line, "text",
                       f"Roh-Blöcke ({raw.text}) sind nicht erlaubt: der Text muss in allen "
                       f"Formaten gleich erscheinen")


@dataclass(frozen=True)
class SectionNumber:
    """The number a section heading (`## 1.2 Titel`) should have, and what is wrong with it."""

    number: str
    problem: str = ""
    """The German message for the heading; '' when it is right."""


def section_numbers(chapter: Chapter) -> dict[int, SectionNumber]:
    """{line of each section heading: the number it should have}. A right heading keeps its
    own number. A wrong one (another chapter's number, not ascending, none, or one its Ziele
    and Maßnahmen all contradict) gets the number of its position: the one its Ziele and
    Maßnahmen share if that fits between its neighbours, else the next after the previous
    section. Ziele and Maßnahmen are checked against it, so a wrong heading is one error, not
    one per item beneath it."""
    body, number = chapter.body, chapter.number
    near = {n.line for n in body.near_misses}
    headings = [h for h in body.headings if h.level == 2 and h.line not in near]
    written = {s.line: s.number for s in body.sections}
    items = sorted([(g.line, g.number) for g in body.goals] + [(m.line, m.id) for m in body.measures])
    item_lines = [line for line, _ in items]
    result: dict[int, SectionNumber] = {}
    last = 0

    def position(section: str | None) -> int | None:
        prefix, _, n = (section or "").rpartition(".")
        return int(n) if prefix == number and n.isdigit() else None

    for i, heading in enumerate(headings):
        end = headings[i + 1].line if i + 1 < len(headings) else None
        later = [position(written.get(h.line)) for h in headings[i + 1:]]
        bound = min((n for n in later if n is not None and n > last), default=None)

        def fits(section: str | None) -> bool:
            n = position(section)
            return n is not None and n > last and (bound is None or n < bound)  # noqa: B023

        below = items[bisect.bisect_right(item_lines, heading.line):
                      bisect.bisect_left(item_lines, end) if end else len(items)]
        prefixes = Counter(n.rpartition(".")[0] for _, n in below)
        shared = next(iter(prefixes)) if len(prefixes) == 1 else None
        own = written.get(heading.line)
        if own is not None and fits(own) and (shared in (None, own) or not fits(shared)):
            result[heading.line] = SectionNumber(own)
        else:
            should = shared if fits(shared) else f"{number}.{last + 1}"
            result[heading.line] = SectionNumber(should, _section_problem(
                chapter, heading.text, own, should, shared, last))
        last = position(result[heading.line].number) or last
    return result


def _section_problem(chapter: Chapter, text: str, own: str | None, should: str,
                     shared: str | None, last: int) -> str:
    number = chapter.number
    if own is None:
        return (f"Abschnittsüberschrift muss nummeriert sein: '## {should} {text}', "
                f"gefunden '## {text}'")
    if own.rpartition(".")[0] != number:
        return f"Abschnitt {own} passt nicht zur Kapitelnummer {number!r}; erwartet {should}"
    if int(own.rpartition(".")[2]) <= last:
        return (f"Abschnitt {own} steht nach {number}.{last}; Abschnittsnummern müssen "
                f"aufsteigen; erwartet {should}")
    return (f"Abschnitt {own} passt nicht zu den Nummern seiner Ziele und Maßnahmen "
            f"({shared}.…); erwartet {should}")


def _section_at(sections: dict[int, SectionNumber], line: int) -> str | None:
    """The number of the section `line` stands in (None before the first section)."""
    before = [start for start in sections if start < line]
    return sections[max(before)].number if before else None


def next_free_number(plan: Plan, section: str) -> str:
    """The next free Maßnahme number of a section: one after the highest the plan uses
    (a number once given is not given again)."""
    used = [int(m.id.rpartition(".")[2]) for _, m in plan.measures
            if MEASURE_ID.match(m.id) and m.id.rpartition(".")[0] == section]
    return f"{section}.{max(used, default=0) + 1}"


def _report_near_miss(plan: Plan, chapter: Chapter, miss: NearMiss,
                      sections: dict[int, SectionNumber], report: Report) -> None:
    """A Maßnahme or Ziel not written in the plan's form: what differs and the exact form."""
    differs = []
    if miss.kind == "maßnahme" and miss.level == 0:
        differs.append("fetter Absatz statt Überschrift der Ebene 4 ('####')")
    elif miss.kind == "maßnahme" and miss.level != 4:
        differs.append(f"Ebene {miss.level} ('{'#' * miss.level}') statt Ebene 4 ('####')")
    if miss.kind == "ziel" and not miss.bullet:
        differs.append("kein Listenpunkt ('- ' fehlt)")
    if miss.word:
        differs.append(f"{miss.word!r} statt {'Maßnahme' if miss.kind == 'maßnahme' else 'Ziel'!r}")
    if miss.kind == "ziel" and not miss.bold:
        differs.append(f"'Ziel {miss.number}:' nicht fett")
    if miss.separator is not None:
        if miss.kind == "ziel" and miss.separator == ":" and miss.bold:
            differs.append("Doppelpunkt außerhalb von '**…**'")
        elif not miss.separator.strip():
            differs.append("nach der Nummer fehlt der Doppelpunkt")
        else:
            differs.append(f"zwischen Nummer und {'Titel' if miss.kind == 'maßnahme' else 'Text'} "
                           f"steht {miss.separator!r} statt ': '")
    correct = miss.correct
    if not miss.number and sections:
        free = next_free_number(plan, _section_at(sections, miss.line) or f"{chapter.number}.1")
        differs.append(f"die Nummer fehlt, die nächste freie ist {free}")
        correct = measure_heading(free, miss.title)
    elif not miss.number:  # the head, and so the chapter's number, could not be read
        differs.append("die Nummer fehlt")
    what = "Maßnahme" if miss.kind == "maßnahme" else "Ziel"
    label = f"{what} {miss.number}" if miss.number else what
    kind = f"Überschrift der {label}" if miss.kind == "maßnahme" else label
    report.add(chapter.path, miss.line, f"{miss.kind} {miss.number}".strip(),
               f"{kind} ist nicht in der Form des Plans geschrieben ({'; '.join(differs)}); "
               f"so schreiben: `{correct}`")


def _report_stray_fields(chapter: Chapter, report: Report) -> None:
    """Fields of a Maßnahme under no Maßnahme heading: its heading is missing or unreadable.
    One message for the fields of one Maßnahme (a run in the order Federführung … Kennzahl)."""
    previous = len(MEASURE_FIELDS)
    for name, line in chapter.body.stray_fields:
        order = MEASURE_FIELDS.index(name)
        if order <= previous:
            report.add(chapter.path, line, "text",
                       f"Feld {name!r} steht unter keiner Maßnahme; gehört es zu einer, fehlt davor "
                       f"ihre Überschrift in der Form `{measure_heading('N.N.N', 'Titel')}`")
        previous = order


def check_numbers_kept(chapter: Chapter, recorded: Body, label: str, report: Report) -> None:
    """Numbers of Maßnahmen stay: compare with the chapter's last recorded version (`label`
    names it, e.g. „2. Fassung vom 30.10.2020“)."""
    from pipeline.plan.numbers import reused_numbers

    for reuse in reused_numbers(recorded, chapter.body):
        rule = "Einmal vergebene Nummern werden nicht neu verteilt"
        free = f"; {reuse.number} bleibt frei" if reuse.freed else ""
        if reuse.origin:
            report.add(chapter.path, reuse.line, f"maßnahme {reuse.number}",
                       f"Nummer {reuse.number} trug zuletzt ({label}) die Maßnahme "
                       f"„{plain_text(reuse.before)}“; jetzt steht hier die frühere Maßnahme "
                       f"{reuse.origin} „{plain_text(reuse.title)}“. {rule}: bitte wieder "
                       f"{reuse.origin} schreiben{free}")
        else:
            report.add(chapter.path, reuse.line, f"maßnahme {reuse.number}",
                       f"Nummer {reuse.number} trug zuletzt ({label}) die Maßnahme "
                       f"„{plain_text(reuse.before)}“; jetzt eine andere, „{plain_text(reuse.title)}“. "
                       f"{rule}: ist es eine neue Maßnahme, erhält sie die nächste freie Nummer "
                       f"({next_free_number_in(chapter, recorded, reuse.number)}){free}",
                       Severity.WARNING)


def next_free_number_in(chapter: Chapter, recorded: Body, number: str) -> str:
    """The next number of `number`'s section that neither the chapter nor its recorded
    version has given."""
    section = number.rpartition(".")[0]
    used = [int(m.id.rpartition(".")[2]) for m in [*chapter.body.measures, *recorded.measures]
            if MEASURE_ID.match(m.id) and m.id.rpartition(".")[0] == section]
    return f"{section}.{max(used, default=0) + 1}"


def _check_leads(plan: Plan, chapter: Chapter, report: Report) -> None:
    """With a registry of Akteure in the manifest: a Federführung must name one of them
    (by its name or another spelling), so the site files it under one name."""
    registered = akteure.registry(plan.manifest)
    if not registered:
        return
    for measure in chapter.body.measures:
        lead = measure.fields.get("Federführung", "")
        if lead and not akteure.named_in(lead, registered):
            report.add(chapter.path, measure.field_lines.get("Federführung", measure.line),
                       f"maßnahme {measure.id}.federführung",
                       f"'{akteure.tidy(lead)}' steht nicht im Verzeichnis der Akteure "
                       f"(plan/lip.yaml, akteure); Schreibweise prüfen oder den Namen dort "
                       f"eintragen (andere Schreibweisen unter 'auch')", Severity.WARNING)


def _linked_parent(plan: Plan, rel: str) -> str | None:
    """The linked folder (Irregular) that `rel` lies in, if any."""
    parts = rel.split("/")
    for n in range(1, len(parts)):
        if isinstance(plan.files.get("/".join(parts[:n])), Irregular):
            return "/".join(parts[:n])
    return None


def _check_review(plan: Plan, chapter: Chapter, report: Report) -> None:
    review = chapter.review
    for list_name, roles in ROLE_OF_LIST.items():
        entries = review.get(list_name) or []
        if not isinstance(entries, list):
            continue
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                continue
            keys = ("review", list_name, i)
            gremium = entry.get("gremium")
            if isinstance(gremium, str) and plan.manifest is not None:
                _check_gremium(plan, chapter, (*keys, "gremium"), gremium, roles, report)
            if list_name == "entscheidungen":
                vorgaben = entry.get("vorgaben") or []
                if entry.get("ergebnis") == "zurückgespielt" and not vorgaben:
                    report.add(chapter.path, chapter.line_of(*keys, "ergebnis"),
                               f"review.entscheidungen[{i}].vorgaben",
                               "eine zurückgespielte Fassung braucht mindestens eine Vorgabe, "
                               "damit die Expert*innengruppe weiß, was zu überarbeiten ist")
                ids = [v.get("id") for v in vorgaben if isinstance(v, dict)]
                for j, vid in enumerate(ids):
                    if vid in ids[:j]:
                        report.add(chapter.path, chapter.line_of(*keys, "vorgaben", j),
                                   f"review.entscheidungen[{i}].vorgaben[{j}].id",
                                   f"Vorgabe {vid!r} ist in dieser Entscheidung doppelt vergeben")
            if list_name == "stellungnahmen":
                if not entry.get("text") and not entry.get("datei"):
                    report.add(chapter.path, chapter.line_of(*keys),
                               f"review.stellungnahmen[{i}]",
                               "Wortlaut fehlt: 'text' (im Kopf) oder 'datei' (neben dem Kapitel) angeben")
                datei = entry.get("datei")
                found = plan.files.get(str(PurePosixPath(datei))) if isinstance(datei, str) else None
                if isinstance(datei, str) and str(PurePosixPath(datei)) not in plan.files:
                    report.add(chapter.path, chapter.line_of(*keys, "datei"),
                               f"review.stellungnahmen[{i}].datei",
                               f"Datei {datei!r} nicht gefunden (Pfade sind relativ zu plan/)")
                elif isinstance(found, Irregular):
                    report.add(chapter.path, chapter.line_of(*keys, "datei"),
                               f"review.stellungnahmen[{i}].datei", f"Datei {datei!r} {found.reason}")


def _check_across_chapters(plan: Plan, report: Report) -> None:
    first_seen: dict[str, tuple[str, int]] = {}
    for key in ("id", "nummer"):
        seen: dict[str, Chapter] = {}
        for chapter in plan.chapters:
            value = chapter.get(key)
            if isinstance(value, str):
                if value in seen:
                    report.add(chapter.path, chapter.line_of(key), key,
                               f"{key} {value!r} ist schon an {seen[value].path} vergeben")
                seen.setdefault(value, chapter)
    for chapter, measure in plan.measures:
        if measure.id in first_seen:
            where, line = first_seen[measure.id]
            free = next_free_number(plan, measure.id.rpartition(".")[0])
            report.add(chapter.path, measure.line, f"maßnahme {measure.id}",
                       f"Nummer {measure.id} ist doppelt vergeben (zuerst in {where}:{line}); "
                       f"Nummern bleiben stabil, bitte die nächste freie Nummer wählen: {free}")
        else:
            first_seen[measure.id] = (chapter.path, measure.line)
    goals: dict[str, tuple[str, int]] = {}
    for chapter in plan.chapters:
        for goal in chapter.body.goals:
            if goal.number in goals:
                where, line = goals[goal.number]
                report.add(chapter.path, goal.line, f"ziel {goal.number}",
                           f"Ziel {goal.number} ist doppelt vergeben (zuerst in {where}:{line})")
            goals.setdefault(goal.number, (chapter.path, goal.line))
    _check_explicit_anchors(plan, report)
    if plan.unread_chapter_files:
        return  # a chapter could not be read: its anchors are unknown, so do not guess
    anchors = defined_anchors(plan)
    for chapter in plan.chapters:
        for ref in chapter.body.references:
            if ref.target not in anchors:
                report.add(chapter.path, ref.line, "verweis",
                           f"Verweis auf '#{ref.target}' führt ins Leere; es gibt keinen solchen "
                           f"Anker (Kapitel: #kap-<id>, Abschnitt: #abschnitt-1-2, Maßnahme: #m-1-2-3)")


def _check_explicit_anchors(plan: Plan, report: Report) -> None:
    """An anchor an editor names (`### Titel {#name}`) must be new: twice in the document,
    typst refuses every link to it and the website's link picks one at random."""
    taken: dict[str, tuple[str, int]] = {}
    for name, path, line, explicit in _anchors(plan):
        first = taken.setdefault(name, (path, line))
        if explicit and first != (path, line):  # a section's own {#abschnitt-1-2} is no twin
            report.add(path, line, "anker",
                       f"Anker '#{name}' ist schon vergeben ({first[0]}:{first[1]}); Verweise "
                       f"darauf wären mehrdeutig und brechen das PDF; bitte einen anderen "
                       f"Namen wählen")


def _check_glyphs(plan: Plan, report: Report, glyphs: GlyphOracle) -> None:
    """Every character must have a glyph in the PDF's fonts (typst would print a box)."""
    texts = {}
    if plan.manifest is not None:
        texts[plan.manifest.path] = plan.files.get(MANIFEST_NAME) or b""
    for chapter in plan.chapters:
        texts[chapter.path] = plan.files.get(chapter.filename) or b""
    decoded = {path: raw.decode("utf-8", "replace") for path, raw in texts.items()}
    wanted = set().union(*(glyphs.candidates(text) for text in decoded.values()))
    missing = glyphs.uncovered(wanted)
    unjoined = glyphs.unjoined(wanted) - missing
    for path, text in decoded.items() if missing or unjoined else ():
        if not (missing | unjoined).intersection(text):
            continue
        for number, line in enumerate(text.split("\n"), start=1):
            found = [c for c in dict.fromkeys(line) if c in missing]
            if found:
                chars = ", ".join(f"„{c}“ (U+{ord(c):04X})" for c in found)
                noun, verb, would = (("das Zeichen", "fehlt", "würde") if len(found) == 1
                                     else ("die Zeichen", "fehlen", "würden"))
                report.add(path, number, "text",
                           f"{noun} {chars} {verb} in den Schriften des PDFs und {would} als "
                           f"leeres Kästchen gedruckt; bitte ersetzen oder ausschreiben")
            if unjoined.intersection(line):
                report.add(path, number, "text",
                           "arabische Schrift: die Schriften des PDFs verbinden ihre Buchstaben "
                           "nicht richtig; bitte in Umschrift oder Übersetzung angeben",
                           Severity.WARNING)


def _anchors(plan: Plan) -> Iterator[tuple[str, str, int, bool]]:
    """Every anchor the assembled plan will have, with file, line and whether an editor named
    it: the generated ones (chapters, sections, Ziele, Maßnahmen) first, then the explicit."""
    for chapter in plan.chapters:
        body = chapter.body
        yield chapter.anchor, chapter.path, 1, False
        for s in body.sections:
            yield s.anchor, chapter.path, s.line, False
        for g in body.goals:
            yield g.anchor, chapter.path, g.line, False
        for m in body.measures:
            yield anchor("m", m.id), chapter.path, m.line, False
    for chapter in plan.chapters:
        for h in chapter.body.headings:
            if h.explicit_id:
                yield h.explicit_id, chapter.path, h.line, True


def defined_anchors(plan: Plan) -> set[str]:
    """Every anchor the assembled plan will have: generated and explicit ones."""
    return {name for name, *_ in _anchors(plan)}


# --- review semantics (issue 4) ------------------------------------------------------------------


REVIEW_LISTS = ("vorlagen", "entscheidungen", "stellungnahmen", "berichtigungen")


def check_future_dates(plan: Plan, report: Report, today: dt.date) -> None:
    """Report every recorded date after `today` (dates.future_date_problem): review records,
    the `erledigt` notes of Vorgaben and named Fassungen. Pure: the caller says what day it is."""
    for chapter in plan.chapters:
        review = chapter.review if isinstance(chapter.review, dict) else {}
        for list_name in REVIEW_LISTS:
            entries = review.get(list_name)
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                if not isinstance(entry, dict):
                    continue
                places = [(("review", list_name, i, "datum"), f"review.{list_name}[{i}].datum",
                           entry.get("datum"))]
                vorgaben = entry.get("vorgaben") if list_name == "entscheidungen" else None
                for j, v in enumerate(vorgaben if isinstance(vorgaben, list) else []):
                    done = v.get("erledigt") if isinstance(v, dict) else None
                    if isinstance(done, dict):
                        places.append((("review", list_name, i, "vorgaben", j, "erledigt", "datum"),
                                       f"review.{list_name}[{i}].vorgaben[{j}].erledigt.datum",
                                       done.get("datum")))
                for keys, field, value in places:
                    problem = future_date_problem(value, today)
                    if problem:
                        report.add(chapter.path, chapter.line_of(*keys), field,
                                   f"{problem} Das Datum im Kopf richtigstellen und mit 'lip "
                                   f"berichtigen {chapter.id} --grund \"…\"' festhalten")
    manifest = plan.manifest
    fassungen = manifest.get("fassungen") if manifest is not None else None
    for i, entry in enumerate(fassungen if isinstance(fassungen, list) else []):
        if not isinstance(entry, dict):
            continue
        beschluss = entry.get("beschluss")
        places = [(("fassungen", i, "datum"), entry.get("datum"))]
        if isinstance(beschluss, dict):
            places.append((("fassungen", i, "beschluss", "datum"), beschluss.get("datum")))
        for keys, value in places:
            if problem := future_date_problem(value, today):
                report.add(manifest.path, frontmatter.line_of(manifest.data, keys, 1),
                           f"fassungen[{i}]." + ".".join(map(str, keys[2:])),
                           f"{problem} Das Datum in {manifest.path} richtigstellen und mit 'lip "
                           f"berichtigen {correction_key(entry)} --grund \"…\"' festhalten")


def check_review_sequence(plan: Plan, chapter: Chapter, report: Report) -> None:
    """Replay the chapter's review records through the state machine (pipeline.review).

    Catches what the schema cannot: records in an impossible order (a decision before any
    submission, an acceptance without the Gleichstellungsbeauftragte's statement on that
    version), a decision pinning a version that was never submitted, and so on.
    """
    from pipeline import review

    if any(d.path == chapter.path and d.field.startswith("review") and d.severity is
           Severity.ERROR for d in report.diagnostics):
        return  # the records themselves are broken; replaying them would only repeat that
    state = review.chapter_state(chapter, plan.manifest.gremien if plan.manifest else None)
    for problem in state.problems:
        list_name, index = problem.where or ("", 0)
        keys = ("review", list_name, index) if list_name else ("review",)
        report.add(chapter.path, chapter.line_of(*keys),
                   f"review.{list_name}[{index}]" if list_name else "review", problem.short)
