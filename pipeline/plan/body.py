"""Read the structure of a chapter body: sections, Ziele, Maßnahmen, links, images.

A line scanner rather than the pandoc AST, because editors need line numbers and pandoc's
Markdown reader keeps none. Fenced code blocks and inline code are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.plan.lines import editor_lines
from pipeline.plan.nesting import Nesting

MEASURE_FIELDS = ("Federführung", "Beteiligte", "Zielgruppe", "Zeitraum", "Kennzahl")
"""The structured fields of every Maßnahme, in the order they are written."""

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*(?:\{([^}]*)\})?[ \t]*#*[ \t]*$")
_SECTION = re.compile(r"^([0-9A-Z]+)\.(\d+)[ \t]+(\S.*)$")
_MEASURE = re.compile(r"^Maßnahme[ \t]+(\S+?):?[ \t]+(\S.*)$")
_GOAL = re.compile(r"^[ \t]*[-*+][ \t]+\*\*Ziel[ \t]+(\S+?):?\*\*:?[ \t]*(.*)$")
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
    references: list[Reference] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    raw: list[RawMarkup] = field(default_factory=list)
    external_links: list[tuple[str, int]] = field(default_factory=list)


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
            if level == 2:
                m = _SECTION.match(title)
                if m:
                    section = f"{m.group(1)}.{m.group(2)}"
                    body.sections.append(Section(section, m.group(3), lineno))
            elif level == 4:
                m = _MEASURE.match(title)
                if m:
                    measure = Measure(m.group(1), m.group(2), lineno, section)
                    body.measures.append(measure)
                    description = []
            _scan_inline(line, lineno, body)
            continue
        goal = _GOAL.match(line)
        if goal:
            body.goals.append(Goal(goal.group(1), goal.group(2), lineno, section))
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
