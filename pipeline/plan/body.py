"""Read the structure of a chapter body: sections, Ziele, Maßnahmen, links, images.

A line scanner rather than the pandoc AST, because editors need line numbers and pandoc's
Markdown reader keeps none. Fenced code blocks and inline code are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.plan.headings import HEADING as _HEADING
from pipeline.plan.headings import MEASURE as _MEASURE
from pipeline.plan.headings import NUMBER_GROUP as _NUMBER
from pipeline.plan.headings import near_measure
from pipeline.plan.lines import editor_lines
from pipeline.plan.nesting import Nesting

MEASURE_FIELDS = ("Federführung", "Beteiligte", "Zielgruppe", "Zeitraum", "Kennzahl")
"""The structured fields of every Maßnahme, in the order they are written."""

_SECTION = re.compile(r"^([0-9A-Z]+)\.(\d+)[ \t]+(\S.*)$")
_GOAL = re.compile(r"^[ \t]*[-*+][ \t]+\*\*Ziel[ \t]+(\S+?):\*\*[ \t]*(.*)$")
_BOLD_LINE = re.compile(r"^(?:\*\*|__)(.+?)(?:\*\*|__)$")
_GOAL_NEAR = re.compile(
    r"^[ \t]*(?P<bullet>[-*+][ \t]+)?(?P<open>\*\*)?(?P<word>[Zz][Ii][Ee][Ll])[ \t]+" + _NUMBER
    + r"(?P<inner>[ \t]*[:.–—-]?)(?P<close>\*\*)?(?P<outer>[ \t]*[:.–—-]?)[ \t]*(?P<text>.*)$")
"""A list item meant as a Ziel: bold or a list item, the number, any separator."""
_ID_ATTR = re.compile(r"(?:^|\s)#([\w:.-]+)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_RAW_INLINE = re.compile(r"\{=(\w+)\}")
_TAG = re.compile(r"<(/?[A-Za-z][A-Za-z0-9-]*)(\s[^<>]*)?/?>|<!--")
_AUTOLINK = re.compile(r"<(?:https?|mailto|ftp):[^<>\s]*>")
_CITATION = re.compile(r"(?<![\w.\\/-])@[\w][\w:.-]*")
_DEF_TERM_VALUE = re.compile(r"^:[ \t]+(.*)$")

MEASURE_ID = re.compile(r"^([0-9A-Z]+)\.(\d+)\.(\d+)$")


_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def plain_text(markdown: str) -> str:
    """A title or field as its reader sees it, where it is shown without pandoc (the site's
    Maßnahmenkatalog and its search): a link as its text, and without the backslash escapes
    of Markdown (`LSBTIQ\\*` is `LSBTIQ*`)."""
    if "](" in markdown:
        markdown = _LINK.sub(lambda m: m.group(0) if m.group(1) else m.group(2), markdown)
    return _ESCAPE.sub(r"\1", markdown)


def anchor(kind: str, number: str) -> str:
    """Return the generated anchor for a section ("abschnitt"), Ziel ("z") or Maßnahme ("m")."""
    return f"{kind}-" + number.lower().replace(".", "-")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int
    explicit_id: str | None


@dataclass(frozen=True)
class Section:
    """A numbered section (Unterthema) `## 1.2 Titel`."""

    number: str
    title: str
    line: int

    @property
    def anchor(self) -> str:
        return anchor("abschnitt", self.number)


@dataclass(frozen=True)
class Goal:
    """A numbered Ziel `- **Ziel 1.2.1:** …`."""

    number: str
    text: str
    line: int
    section: str | None

    @property
    def anchor(self) -> str:
        return anchor("z", self.number)


@dataclass
class Measure:
    """A Maßnahme with its stable ID and structured fields."""

    id: str
    title: str
    line: int
    section: str | None
    description: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        return anchor("m", self.id)


@dataclass(frozen=True)
class NearMiss:
    """A heading or list item meant as a Maßnahme or Ziel but not written in the plan's form
    (`#### Maßnahme 1.2.3: Titel`, `- **Ziel 1.2.1:** …`). It is read as the Maßnahme or Ziel
    it was meant to be, so the catalogue shows it; `lip check` reports how it differs."""

    kind: str
    """'maßnahme' or 'ziel'."""
    number: str
    """As written; '' when the number is missing."""
    title: str
    line: int
    level: int = 0
    """A Maßnahme's heading level as written (4 is right); 0 for a bold paragraph or a Ziel."""
    word: str = ""
    """The word as written, when it is not exactly 'Maßnahme' or 'Ziel'."""
    separator: str | None = None
    """What stands between number and title instead of the colon, as written (None when the
    colon is right). For a Ziel without blanks; ':' there is a colon outside the bold label."""
    bullet: bool = True
    """A Ziel is a list item."""
    bold: bool = True
    """A Ziel's label is bold, colon inside: `**Ziel 1.2.1:**`."""

    @property
    def correct(self) -> str:
        """The exact form the plan reads."""
        number = self.number or "N.N.N"
        if self.kind == "maßnahme":
            return measure_heading(number, self.title)
        return goal_item(number, "…")


def measure_heading(number: str, title: str) -> str:
    """A Maßnahme's heading as the plan writes it."""
    return f"#### Maßnahme {number}: {title}"


def goal_item(number: str, text: str) -> str:
    """A Ziel's list item as the plan writes it."""
    return f"- **Ziel {number}:** {text}"


@dataclass(frozen=True)
class Reference:
    """A link to an internal anchor `[Text](#id)`."""

    target: str
    line: int


@dataclass(frozen=True)
class Image:
    alt: str
    src: str
    line: int


@dataclass(frozen=True)
class RawMarkup:
    """Something the renderers would drop or pass through unescaped (raw HTML, raw blocks, @)."""

    kind: str
    text: str
    line: int


@dataclass
class Body:
    """Everything `lip check`, the assembler and the site need to know about a body."""

    headings: list[Heading] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    near_misses: list[NearMiss] = field(default_factory=list)
    """Maßnahmen and Ziele not written in the plan's form (also in `measures` and `goals`
    when their number could be read)."""
    references: list[Reference] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    raw: list[RawMarkup] = field(default_factory=list)
    external_links: list[tuple[str, int]] = field(default_factory=list)
    stray_fields: list[tuple[str, int]] = field(default_factory=list)
    """Fields of a Maßnahme (`Federführung`, …) that stand under no Maßnahme: (name, line)."""


def _strip_code_spans(line: str) -> str:
    if "`" not in line:
        return line
    return _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)


def parse_body(text: str, first_line: int = 1) -> Body:
    """Scan a chapter body; `first_line` is the file line of the body's first line."""
    body = Body()
    lines = editor_lines(text)
    nesting = Nesting()
    section: str | None = None
    measure: Measure | None = None
    pending_term: tuple[str, int] | None = None
    description: list[str] = []
    for index, raw_line in enumerate(lines):
        lineno = first_line + index
        in_code = nesting.fence is not None
        nesting.feed(raw_line)
        if in_code:
            continue
        if nesting.fence is not None:  # this line opens a code block
            if nesting.info.startswith(("{=", "{ =")):
                body.raw.append(RawMarkup("raw-block", nesting.info, lineno))
            continue
        line = _strip_code_spans(raw_line)
        heading = _HEADING.match(line)
        if heading and not raw_line.startswith((" ", "\t")):
            level, title, attrs = len(heading.group(1)), heading.group(2), heading.group(3) or ""
            id_match = _ID_ATTR.search(attrs)
            body.headings.append(Heading(level, title, lineno, id_match.group(1) if id_match else None))
            measure, pending_term = None, None
            strict = _MEASURE.match(title) if level == 4 else None
            near = None if strict else _near_measure(level, title, lineno)
            if near is not None:
                body.near_misses.append(near)
            if strict or near is not None:
                number, text = (strict.group(1), strict.group(2)) if strict else \
                    (near.number, near.title)  # type: ignore[union-attr]
                measure = Measure(number, text, lineno, section)
                if number:  # one without a number is reported; its fields are its own
                    body.measures.append(measure)
                description = []
            elif level == 2:
                m = _SECTION.match(title)
                if m:
                    section = f"{m.group(1)}.{m.group(2)}"
                    body.sections.append(Section(section, m.group(3), lineno))
            _scan_inline(line, lineno, body)
            continue
        if line.startswith(("**", "__")) and (bold := _BOLD_LINE.match(line.rstrip())) and (
                near := _near_measure(0, bold.group(1), lineno)) and near.number:
            body.near_misses.append(near)  # a bold paragraph meant as the heading
            measure, pending_term, description = Measure(near.number, near.title, lineno, section), None, []
            body.measures.append(measure)
            continue
        goal = _GOAL.match(line)
        if goal:
            body.goals.append(Goal(goal.group(1), goal.group(2), lineno, section))
        elif ("iel" in line or "IEL" in line) and (near_goal := _near_goal(line, lineno)) is not None:
            body.near_misses.append(near_goal)
            body.goals.append(Goal(near_goal.number, near_goal.title, lineno, section))
        elif measure is None and pending_term is None and _DEF_TERM_VALUE.match(line) and index:
            term, above = _term_above(lines, index)
            if term in MEASURE_FIELDS:
                body.stray_fields.append((term, lineno - above))
        if measure is not None:
            value = _DEF_TERM_VALUE.match(line)
            stripped = line.strip()
            if value and pending_term:
                term, term_line = pending_term
                measure.fields[term] = value.group(1).strip()
                measure.field_lines[term] = term_line
                pending_term = None
            elif value is None and stripped and index + 1 < len(lines) and (
                _DEF_TERM_VALUE.match(lines[index + 1])
                or (not lines[index + 1].strip() and index + 2 < len(lines)
                    and _DEF_TERM_VALUE.match(lines[index + 2]))
            ):
                pending_term = (stripped, lineno)
            elif pending_term and line.startswith((" ", "\t")) and stripped:
                pass
            elif stripped and not measure.fields and pending_term is None:
                description.append(stripped)
                measure.description = " ".join(description)
            elif stripped and pending_term is None and line.startswith((" ", "\t")) and measure.fields:
                last = next(reversed(measure.fields))
                measure.fields[last] += " " + stripped
        _scan_inline(line, lineno, body)
    return body


def _near_measure(level: int, title: str, lineno: int) -> NearMiss | None:
    """A heading meant as a Maßnahme but not written `#### Maßnahme 1.2.3: Titel`."""
    near = near_measure(level, title)
    if near is None:
        return None
    word, number, title, sep = near
    return NearMiss("maßnahme", number, title, lineno, level, word, sep)


def _near_goal(line: str, lineno: int) -> NearMiss | None:
    """A list item (or bold label) meant as a Ziel but not written `- **Ziel 1.2.1:** …`."""
    m = _GOAL_NEAR.match(line)
    if not m or not (m.group("bullet") or m.group("open")):
        return None  # prose that happens to begin with "Ziel 1.2.1"
    bold = bool(m.group("open") and m.group("close"))
    inner, outer = m.group("inner").strip(), m.group("outer").strip()
    right = (inner, outer) == (":", "") if bold else inner + outer == ":"
    return NearMiss("ziel", m.group("number"), m.group("text").strip(), lineno,
                    word="" if m.group("word") == "Ziel" else m.group("word"),
                    separator=None if right else inner + outer,
                    bullet=bool(m.group("bullet")), bold=bold)


def _term_above(lines: list[str], index: int) -> tuple[str, int]:
    """The definition-list term of the value on line `index` and how many lines above it
    stands (one blank line may stand between)."""
    above = index - 1
    if not lines[above].strip() and above > 0:
        above -= 1
    return lines[above].strip(), index - above


def _scan_inline(line: str, lineno: int, body: Body) -> None:
    # Most lines are plain prose: a character test is far cheaper than four regex scans.
    has_link, has_angle = "](" in line, "<" in line
    if not (has_link or has_angle or "{=" in line or "@" in line):
        return
    for m in _LINK.finditer(line) if has_link else ():
        is_image, label, target = m.group(1), m.group(2), m.group(3)
        if is_image:
            body.images.append(Image(label.strip(), target, lineno))
        elif target.startswith("#"):
            body.references.append(Reference(target[1:], lineno))
        else:
            body.external_links.append((target, lineno))
    without_links = _AUTOLINK.sub(" ", line) if has_angle else line
    for m in _TAG.finditer(without_links) if has_angle else ():
        body.raw.append(RawMarkup("html", m.group(0), lineno))
    for m in _RAW_INLINE.finditer(line) if "{=" in line else ():
        body.raw.append(RawMarkup("raw-inline", m.group(0), lineno))
    if "@" in line:
        for m in _CITATION.finditer(_LINK.sub(" ", without_links) if has_link else without_links):
            body.raw.append(RawMarkup("citation", m.group(0), lineno))
