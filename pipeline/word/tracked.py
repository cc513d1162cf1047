"""A reviewed DOCX as pandoc reads it with `--track-changes=all`: paragraphs (leaves) made of
text pieces that are unchanged, inserted or deleted (with author and date), paragraph marks
that were inserted or deleted, and comments with the text they are attached to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.word.source import ast_text, normal

PUNCTUATION = tuple(",.;:!?)]“‘")


@dataclass(frozen=True)
class Change:
    kind: str
    """'ins' or 'del'."""
    author: str
    date: str
    seq: int = 0
    """Which tracked change (one w:ins/w:del element) the text belongs to."""


@dataclass
class Piece:
    text: str
    change: Change | None = None


@dataclass
class DocLeaf:
    """One paragraph of the Word file (a heading, list item, table cell …)."""

    pieces: list[Piece] = field(default_factory=list)
    mark: Change | None = None
    """The paragraph mark (the end of the paragraph) was inserted or deleted."""
    kind: str = "para"
    level: int = 0
    number: int = 0
    """Its place among the Word file's paragraphs, 1-based (for messages)."""
    footnote_changes: int = 0
    """Tracked changes inside its footnotes (not importable)."""

    def view(self, accepted: frozenset[str] | set[str]) -> str:
        """The text with the changes of `accepted` authors taken and all others undone.

        pandoc moves a space at the edge of a change out of it ("Lehrkräfte" Space
        del["und Unterricht"] ","): where a dropped change leaves a space before punctuation,
        the space went with the change."""
        out: list[str] = []
        dropped = False
        for p in self.pieces:
            if p.change is None or (p.change.kind == "ins") == (p.change.author in accepted):
                if dropped and out and out[-1].endswith(" ") and p.text[:1] in PUNCTUATION:
                    out[-1] = out[-1][:-1]
                out.append(p.text)
                dropped = False
            else:
                dropped = dropped or bool(p.text)
        return normal("".join(out))

    def joined(self, accepted: frozenset[str] | set[str]) -> bool:
        """Whether this paragraph runs on into the next one in that view."""
        if self.mark is None:
            return False
        taken = self.mark.author in accepted
        return (self.mark.kind == "ins") != taken

    @property
    def changes(self) -> list[Change]:
        """Each tracked change once (a change's text comes in several pieces)."""
        found = list(dict.fromkeys(p.change for p in self.pieces if p.change is not None))
        return found + ([self.mark] if self.mark else [])


@dataclass
class Comment:
    id: str
    author: str
    date: str
    text: str
    quote: str = ""
    leaf: int = -1
    """Index of the leaf where the comment's range begins."""


@dataclass
class Reading:
    leaves: list[DocLeaf]
    comments: list[Comment]

    @property
    def changes(self) -> list[Change]:
        return [c for leaf in self.leaves for c in leaf.changes]


def _attrs(attr: list) -> dict[str, str]:
    return dict(attr[2])


class _Reader:
    def __init__(self) -> None:
        self.leaves: list[DocLeaf] = []
        self.comments: list[Comment] = []
        self.open: dict[str, Comment] = {}
        self.leaf: DocLeaf | None = None
        self.seq = 0

    def blocks(self, blocks: list, kind: str = "para") -> None:
        for b in blocks:
            self.block(b, kind)

    def leaf_of(self, inlines: list, kind: str, level: int = 0) -> None:
        self.leaf = DocLeaf(kind=kind, level=level, number=len(self.leaves) + 1)
        self.leaves.append(self.leaf)
        self.inlines(inlines, None)
        self.leaf = None

    def block(self, b: dict, kind: str = "para") -> None:
        t, c = b["t"], b.get("c")
        if t in ("Para", "Plain"):
            self.leaf_of(c, kind)
        elif t == "Header":
            self.leaf_of(c[2], "heading", c[0])
        elif t == "LineBlock":
            for line in c:
                self.leaf_of(line, "para")
        elif t in ("BulletList", "OrderedList"):
            for item in (c if t == "BulletList" else c[1]):
                self.blocks(item, "item")
        elif t == "DefinitionList":
            for term, definitions in c:
                self.leaf_of(term, "term")
                for d in definitions:
                    self.blocks(d, "definition")
        elif t in ("BlockQuote",):
            self.blocks(c)
        elif t == "Div":
            self.blocks(c[1])
        elif t == "Figure":
            self.blocks(c[1][1])  # caption
            self.blocks(c[2])
        elif t == "Table":
            self._table(c)

    def _table(self, c: list) -> None:
        self.blocks(c[1][1])  # the caption

        def rows(rs):
            for row in rs:
                for cell in row[1]:
                    self.blocks(cell[4])
        rows(c[3][1])
        for body in c[4]:
            rows(body[2])
            rows(body[3])
        rows(c[5][1])

    def text(self, s: str, change: Change | None) -> None:
        if self.leaf is None:
            return
        self.leaf.pieces.append(Piece(s, change))
        for comment in self.open.values():
            if change is None or change.kind == "ins":
                comment.quote += s

    def inlines(self, inlines: list, change: Change | None) -> None:
        for i in inlines:
            t, c = i["t"], i.get("c")
            if t == "Str":
                self.text(c, change)
            elif t in ("Space", "SoftBreak", "LineBreak"):
                self.text(" ", change)
            elif t in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript",
                       "SmallCaps"):
                self.inlines(c, change)
            elif t == "Quoted":
                self.inlines(c[1], change)
            elif t in ("Link",):
                self.inlines(c[1], change)
            elif t == "Image":
                continue
            elif t == "Note":
                if self.leaf is not None and _has_change(c):
                    self.leaf.footnote_changes += 1
            elif t == "Code":
                self.text(c[1], change)
            elif t == "Span":
                self._span(c, change)

    def _span(self, c: list, change: Change | None) -> None:
        attr, content = c
        classes, a = attr[1], _attrs(attr)
        if "insertion" in classes or "deletion" in classes:
            kind = "ins" if "insertion" in classes else "del"
            self.seq += 1
            self.inlines(content, Change(kind, a.get("author", ""), a.get("date", ""), self.seq))
        elif "paragraph-insertion" in classes or "paragraph-deletion" in classes:
            if self.leaf is not None:
                kind = "ins" if "paragraph-insertion" in classes else "del"
                self.seq += 1
                self.leaf.mark = Change(kind, a.get("author", ""), a.get("date", ""), self.seq)
        elif "comment-start" in classes:
            comment = Comment(attr[0], a.get("author", ""), a.get("date", ""),
                              normal(ast_text(content, images=True)), leaf=len(self.leaves) - 1)
            self.open[attr[0]] = comment
            self.comments.append(comment)
        elif "comment-end" in classes:
            self.open.pop(attr[0], None)
        else:
            self.inlines(content, change)


def _has_change(node: Any) -> bool:
    if isinstance(node, list):
        return any(_has_change(n) for n in node)
    if isinstance(node, dict):
        if node.get("t") == "Span" and set(node["c"][0][1]) & {"insertion", "deletion"}:
            return True
        return _has_change(node.get("c"))
    return False


def read(document: dict) -> Reading:
    """The leaves and comments of a document pandoc read from DOCX (its JSON)."""
    reader = _Reader()
    reader.blocks(document["blocks"])
    for comment in reader.comments:
        comment.quote = normal(comment.quote)
    return Reading(reader.leaves, reader.comments)


def paragraphs(leaves: list[DocLeaf], accepted: frozenset[str] | set[str]) -> list[tuple[str, list[int]]]:
    """The paragraphs of one view: text and the leaves it is made of (a removed paragraph
    mark joins a leaf with the next)."""
    out: list[tuple[str, list[int]]] = []
    run: list[int] = []
    for i, leaf in enumerate(leaves):
        run.append(i)
        if not leaf.joined(accepted) or i == len(leaves) - 1:
            text = normal(" ".join(leaves[k].view(accepted) for k in run))
            if text or any(leaves[k].view(frozenset()) for k in run) or len(run) == 1:
                out.append((text, run))
            run = []
    return out


@dataclass
class Outside:
    """Word paragraphs outside every chapter (title, contents, annexes lip generates)."""

    leaf: int
    part: str
    """The heading of the generated part it is in ('' before the first heading)."""


def by_chapter(reading: Reading, headings: dict[str, str]) -> tuple[dict[str, Reading],
                                                                     list[Outside]]:
    """Cut a whole-plan reading at the chapters' level-1 headings. `headings` maps chapter id
    to the key (source.key) of its heading text ("1 Bildung"). Each chapter's Reading keeps
    its own leaves (renumbered from 0, Word paragraph numbers kept) and comments."""
    from pipeline.word.source import key

    by_key = {k: cid for cid, k in headings.items()}
    owner: list[str | None] = []
    parts: list[str] = []
    current: str | None = None
    part = ""
    for leaf in reading.leaves:
        if leaf.kind == "heading" and leaf.level == 1:
            text = leaf.view(frozenset())
            current = by_key.get(key(text))
            part = "" if current else text
        owner.append(current)
        parts.append(part)
    chapters: dict[str, Reading] = {}
    index: dict[str, list[int]] = {}
    for i, cid in enumerate(owner):
        if cid is not None:
            index.setdefault(cid, []).append(i)
    for cid, leaves_of in index.items():
        start = leaves_of[0]
        comments = []
        for c in reading.comments:
            if c.leaf in leaves_of:
                comments.append(Comment(c.id, c.author, c.date, c.text, c.quote, c.leaf - start))
        chapters[cid] = Reading([reading.leaves[i] for i in leaves_of], comments)
    outside = [Outside(i, parts[i]) for i, cid in enumerate(owner) if cid is None]
    return chapters, outside
