"""A chapter draft written freely in Word, as plan Markdown (`lip word-import --neu`).

People write drafts the way Word lets them: numbers typed by hand ("1.2 Grundschulen"), bold
lines as headings, Ziele as "Ziel 1.2.1: …", Maßnahme fields in a two-column table or as
"Federführung: …" lines, soft line breaks, tabs, empty paragraphs. This module reads pandoc's
JSON of such a file and writes the plan's Markdown, remembering for every block which Word
paragraph it came from, so that `lip check`'s findings can be reported against the draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.plan.body import MEASURE_FIELDS, measure_heading
from pipeline.plan.headings import MEASURE_TEXT
from pipeline.word.source import ast_text, escape, normal

_SECTION = re.compile(r"^((?:\d+|[A-Z])\.\d+)\.?\s+(\S.*)$")
_GOAL = re.compile(r"^Ziel\s+((?:\d+|[A-Z])(?:\.\d+){2})\s*[:.–-]?\s*(.*)$")
_FIELD = re.compile(r"^(" + "|".join(MEASURE_FIELDS) + r")\s*[:\t]\s*(\S.*)$")
_SUBHEADINGS = ("Ausgangslage", "Ziele", "Maßnahmen")


@dataclass
class Block:
    markdown: str
    paragraph: int
    """Number of the Word paragraph it came from (1-based, empty paragraphs not counted)."""
    excerpt: str
    kind: str = "para"


@dataclass
class Draft:
    blocks: list[Block]
    images: list[tuple[str, str, int]] = field(default_factory=list)
    """(path pandoc extracted it to, alt text, paragraph) of every image."""
    problems: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        out: list[str] = []
        for i, block in enumerate(self.blocks):
            if i:
                same_list = block.kind == "item" and self.blocks[i - 1].kind == "item"
                out.append("\n" if same_list else "\n\n")
            out.append(block.markdown)
        return "\n" + "".join(out) + "\n"

    def paragraph_at(self, body_line: int) -> Block | None:
        """The block holding line `body_line` (0-based line of `body`)."""
        line, found = 1, None  # body starts with an empty line
        for i, block in enumerate(self.blocks):
            if i:
                same_list = block.kind == "item" and self.blocks[i - 1].kind == "item"
                line += 1 if same_list else 2
            if line > body_line:
                break
            found = block
            line += block.markdown.count("\n")
        return found


def inline_markdown(inlines: list) -> str:
    """Inlines as plan Markdown: text escaped, bold and italic kept, links kept. A run of
    plain text is escaped as a whole, so that only what pandoc would read as markup gets a
    backslash (`Gruppen < 12 [vgl. 1.2]` stays as it was typed); its edges, beside the
    markup written here, are escaped as if a paragraph ended there."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(escape("".join(run)))
            run.clear()

    for i in inlines:
        t, c = i["t"], i.get("c")
        if t == "Str":
            run.append(c)
        elif t in ("Space", "SoftBreak", "LineBreak"):
            run.append(" ")
        elif t == "Code":
            run.append(c[1])
        else:
            flush()
        if t == "Strong":
            inner = inline_markdown(c).strip()
            out.append(f"**{inner}**" if inner else "")
        elif t == "Emph":
            inner = inline_markdown(c).strip()
            out.append(f"*{inner}*" if inner else "")
        elif t == "Link":
            out.append(f"[{inline_markdown(c[1]).strip()}]({c[2][0]})")
        elif t in ("Span", "Underline", "SmallCaps", "Quoted"):
            out.append(inline_markdown(c[1] if t in ("Span", "Quoted") else c))
    flush()
    return normal("".join(out))


def _excerpt(text: str, n: int = 40) -> str:
    text = normal(text)
    return text if len(text) <= n else text[:n - 1].rstrip() + "…"


class _Converter:
    def __init__(self, image_prefix: str) -> None:
        self.draft = Draft([])
        self.number = 0
        self.image_prefix = image_prefix

    def add(self, markdown: str, source: str, kind: str = "para") -> None:
        self.draft.blocks.append(Block(markdown, self.number, _excerpt(source), kind))

    def blocks(self, blocks: list, in_list: bool = False) -> None:
        for b in blocks:
            self.block(b, in_list)

    def block(self, b: dict, in_list: bool = False) -> None:
        t, c = b["t"], b.get("c")
        if t in ("Para", "Plain", "Header"):
            inlines = c[2] if t == "Header" else c
            self.images(inlines)
            text = normal(ast_text(inlines))
            if not text:
                return
            self.number += 1
            self.paragraph(text, inlines, heading=t == "Header", in_list=in_list)
        elif t in ("BulletList", "OrderedList"):
            for item in (c if t == "BulletList" else c[1]):
                self.blocks(item, in_list=True)
        elif t == "Table":
            self.table(c)
        elif t in ("Div", "BlockQuote"):
            self.blocks(c[1] if t == "Div" else c)
        elif t == "Figure":
            self.blocks(c[2])
        elif t == "LineBlock":
            for line in c:
                self.block({"t": "Para", "c": line})
        elif t == "DefinitionList":  # a Maßnahme's fields as lip word-export writes them
            for term, definitions in c:
                label = normal(ast_text(term))
                blocks = [b for d in definitions for b in d]
                value = normal(" ".join(ast_text(b["c"]) for b in blocks
                                        if b["t"] in ("Para", "Plain")))
                if label in MEASURE_FIELDS and value:
                    self.number += 1 + sum(1 for b in blocks if b["t"] in ("Para", "Plain")
                                           and normal(ast_text(b["c"])))
                    self.add(f"{label}\n:   {escape(value)}", f"{label}: {value}", "field")
                else:
                    self.block({"t": "Para", "c": term})
                    self.blocks(blocks)

    def images(self, inlines: list) -> None:
        for i in inlines:
            if i.get("t") == "Image":
                alt = normal(ast_text(i["c"][1]))
                path = i["c"][2][0]
                self.draft.images.append((path, alt, self.number + 1))
                name = f"bilder/{self.image_prefix}{path.replace(chr(92), '/').rsplit('/', 1)[-1]}"
                self.add(f"![{escape(alt)}]({name})", alt or name, "image")

    def paragraph(self, text: str, inlines: list, *, heading: bool, in_list: bool) -> None:
        bold = all(i["t"] in ("Strong", "Space", "SoftBreak") for i in inlines) and any(
            i["t"] == "Strong" for i in inlines)
        if (m := MEASURE_TEXT.match(text)) and len(text) < 200:
            self.add(measure_heading(m.group("number"), escape(m.group("title"))), text, "heading")
        elif (m := _GOAL.match(text)):
            rest = inline_markdown(inlines)
            rest = re.sub(r"^\**Ziel\s+" + re.escape(m.group(1)) + r"\s*[:.–-]?\**\s*[:.–-]?\s*",
                          "", rest)
            self.add(f"- **Ziel {m.group(1)}:** {rest}", text, "item")
        elif (m := _SECTION.match(text)) and len(text) < 120 and (heading or bold):
            self.add(f"## {m.group(1)} {escape(m.group(2))}", text, "heading")
        elif (m := _FIELD.match(text)):
            self.add(f"{m.group(1)}\n:   {escape(m.group(2))}", text, "field")
        elif heading or (bold and len(text) < 80 and not text.endswith(".")):
            self.add(f"### {escape(text)}", text, "heading")
        elif in_list:
            self.add(f"- {inline_markdown(inlines)}", text, "item")
        elif text in MEASURE_FIELDS:
            self.add(escape(text), text, "term")
        else:
            self.add(inline_markdown(inlines), text)

    def table(self, c: list) -> None:
        rows = []
        for body in c[4]:
            rows += body[2] + body[3]
        rows = c[3][1] + rows
        labels = [normal(ast_text(row[1][0][4])).rstrip(":").strip() if row[1] else ""
                  for row in rows]
        fields = any(label in MEASURE_FIELDS for label in labels)
        for n, row in enumerate(rows):
            cells = [normal(ast_text(cell[4])) for cell in row[1]]
            if fields and n == 0 and labels[0] not in MEASURE_FIELDS:
                self.number += sum(1 for x in cells if x)
                continue  # the header row of a field table ("Feld | Angabe")
            self.number += sum(1 for cell in row[1] for b in cell[4]
                               if b["t"] in ("Para", "Plain") and normal(ast_text(b)))
            label = cells[0].rstrip(":").strip() if cells else ""
            value = normal(" ".join(cells[1:]))
            if label in MEASURE_FIELDS:
                if value:
                    self.add(f"{label}\n:   {escape(value)}", f"{label}: {value}", "field")
            elif any(cells):
                self.add(" ".join(escape(x) for x in cells if x), " ".join(cells))


def convert(document: dict, image_prefix: str = "", titles: tuple[str, ...] = ()) -> Draft:
    """pandoc's JSON of a free draft -> the chapter body in plan Markdown; images go to
    `bilder/<image_prefix><name>`. A first heading that is one of `titles` (the chapter's
    title, with or without its number) is dropped: lip writes the chapter heading itself."""
    converter = _Converter(image_prefix)
    converter.blocks(document["blocks"])
    draft = converter.draft
    folded = {normal(t).casefold() for t in titles}
    if draft.blocks and draft.blocks[0].kind == "heading" and \
            re.sub(r"^#+\s*", "", draft.blocks[0].markdown).casefold() in folded:
        draft.blocks.pop(0)
    # A definition-list term written on its own line ("Federführung", then the value)
    merged: list[Block] = []
    for block in draft.blocks:
        if merged and merged[-1].kind == "term" and block.kind == "para":
            term = merged.pop()
            merged.append(Block(f"{term.markdown}\n:   {block.markdown}", term.paragraph,
                                term.excerpt, "field"))
        else:
            merged.append(block)
    draft.blocks = merged
    for _path, alt, number in draft.images:
        if not alt:
            draft.problems.append(f"Absatz {number}: Bild ohne Alternativtext; bitte in Word "
                                  f"(Rechtsklick › Alternativtext bearbeiten) ergänzen")
    return draft
