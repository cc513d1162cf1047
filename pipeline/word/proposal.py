"""Turn what a reviewed DOCX says into new chapter bodies: one per author, in the order the
authors first changed something, each containing the changes of all authors before it.

The base is the text the DOCX was exported from. Paragraphs of the Word file are paired with
the leaves of the Markdown by their text with all changes undone; each paired leaf is edited
at the characters that changed (source.apply_plain), so untouched Markdown stays as written.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from pipeline.word.source import Leaf, apply_plain, escape, key, leaves, plain_map
from pipeline.word.tracked import Change, DocLeaf, Reading, paragraphs

UNTRACKED = ""
"""The 'author' of edits made without change tracking (accepted before sending)."""


@dataclass
class Step:
    """The body after the changes of one more author."""

    author: str
    date: str
    """The author's last change (ISO 8601, as Word wrote it)."""
    body: str
    changes: int


@dataclass
class Proposal:
    steps: list[Step]
    problems: list[str] = field(default_factory=list)
    """Changes that cannot be imported (inside generated parts): the import is refused."""
    notes: list[str] = field(default_factory=list)
    """What was noticed but not applied (format-only changes and the like)."""
    anchors: dict[int, str] = field(default_factory=dict)
    """Word leaf index -> the section/Ziel/Maßnahme it belongs to."""
    sources: dict[int, Leaf] = field(default_factory=dict)
    """Word leaf index -> the Markdown leaf it was paired with."""
    bodies: list[str] = field(default_factory=list)
    """The body after each view: no tracked change, then one more author at a time."""


def _excerpt(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[:n - 1].rstrip() + "…"


def _clusters(doc: list[DocLeaf]) -> list[list[int]]:
    """Runs of Word paragraphs tied together by an inserted or deleted paragraph mark."""
    out: list[list[int]] = []
    run: list[int] = []
    for i, leaf in enumerate(doc):
        run.append(i)
        if leaf.mark is None:
            out.append(run)
            run = []
    if run:
        out.append(run)
    return out


def _remove_lines(body: str, leaf: Leaf) -> tuple[int, int]:
    """The range of a whole leaf's lines (and one blank line after), for deleting it."""
    start = body.rfind("\n", 0, leaf.start) + 1
    end = body.find("\n", leaf.end)
    end = len(body) if end < 0 else end + 1
    if body.startswith("\n", end):
        end += 1
    return start, end


def _prefix(kind: str, level: int, item_prefix: str = "- ") -> str:
    """How a new paragraph of this kind starts in the Markdown."""
    return {"heading": "#" * max(2, level) + " ", "item": item_prefix,
            "definition": ":   "}.get(kind, "")


def new_kind(leaf: DocLeaf, before: str | None) -> str:
    """The kind of a paragraph typed in Word, after a block of kind `before`. Typed below a
    Maßnahme's field value (Federführung …) it takes that value's style, but the reviewer
    wrote a paragraph of the Maßnahme's text, not a second value of the field: only right
    below its term is a definition a field's value."""
    return "para" if leaf.kind == "definition" and before != "term" else leaf.kind


def _new_block(leaf: DocLeaf, text: str, item_prefix: str = "- ",
               kind: str | None = None) -> str:
    """A paragraph written in Word where the Markdown had none, as a block of `kind` (the
    leaf's own by default); a new Ziel gets the plan's label (`**Ziel 1.2.3:**`)."""
    kind = kind or leaf.kind
    markdown = escape(text)
    if kind == "item":
        markdown = _GOAL_LABEL.sub(r"**Ziel \1:** ", markdown, count=1)
    return _prefix(kind, leaf.level, item_prefix) + markdown


_GOAL_LABEL = re.compile(r"^Ziel\s+((?:\d+|[A-Z])(?:\.\d+){2}):?\s*")


def _joiner(before: str, after: str) -> str:
    """What stands between two blocks of these kinds: one line break inside a list and
    between a term and its definition, else a blank line."""
    if (before, after) in (("item", "item"), ("term", "definition")):
        return "\n"
    return "\n\n"


def _rebuild(body: str, base: list[Leaf], base_plain: list[str],
             view: list[tuple[str, list[int]]], local: list[DocLeaf],
             before: Leaf | None = None) -> tuple[str, int]:
    """The Markdown for paragraphs split, joined, inserted or deleted in Word: each new
    paragraph edits the most similar old one (keeping its Markdown) or is written new with
    the prefix of its kind. Returns the text and where it starts (the first leaf's prefix
    is included, so that a new paragraph can come before it)."""
    first = base[0]
    start = first.start
    if first.prefix and body[start - len(first.prefix):start] == first.prefix:
        start -= len(first.prefix)
    item_prefix = next((leaf.prefix for leaf in base if leaf.kind == "item"), "- ")
    blocks: list[tuple[str, str]] = []  # (kind, markdown with its prefix)
    unused = list(range(len(base)))
    for text, run in view:
        if not text:
            continue
        scores = [(difflib.SequenceMatcher(None, base_plain[u], text, autojunk=False).ratio(), u)
                  for u in unused]
        best = max(scores, default=(0.0, -1))
        if best[0] > 0.5:
            unused.remove(best[1])
            leaf = base[best[1]]
            blocks.append((leaf.kind, leaf.prefix + apply_plain(body[leaf.start:leaf.end], text)))
        else:
            doc_leaf = local[run[0]]
            kind = new_kind(doc_leaf, blocks[-1][0] if blocks else
                            before.kind if before is not None else None)
            blocks.append((kind, _new_block(doc_leaf, text, item_prefix, kind)))
    out: list[str] = []
    for n, (kind, markdown) in enumerate(blocks):
        if n:
            out.append(_joiner(blocks[n - 1][0], kind))
        out.append(markdown)
    if blocks and before is not None and blocks[0][0] == "item" and first.kind != "item" \
            and before.kind == "item" and body[before.end:start] == "\n\n":
        start -= 1  # a list item moved or added below the list's last item joins the list
    return "".join(out), start


def author_order(changes: list[Change]) -> list[str]:
    """Authors in the order of their first change."""
    first: dict[str, str] = {}
    for c in changes:
        first[c.author] = min(first.get(c.author, c.date), c.date)
    return sorted(first, key=lambda a: first[a])


def propose(body: str, reading: Reading, *, generated: set[str] = frozenset(),
            order: list[str] | None = None) -> Proposal:
    """New bodies, one Step per author, from the base `body` and the reading of the DOCX.
    `generated` holds the keys (source.key) of paragraphs lip writes itself (the chapter
    heading): they have no place in the Markdown."""
    doc = reading.leaves
    src = leaves(body)
    src_plain = [plain_map(body[leaf.start:leaf.end])[0] for leaf in src]
    base_paras = paragraphs(doc, frozenset())
    own = [p for p, (text, _) in enumerate(base_paras) if key(text) not in generated]
    matcher = difflib.SequenceMatcher(None, [key(base_paras[p][0]) for p in own],
                                      [key(p) for p in src_plain], autojunk=False)
    pair: dict[int, int] = {}  # base paragraph -> source leaf
    unpaired_doc: list[int] = [p for p in range(len(base_paras)) if p not in set(own)]
    unpaired_src: list[int] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                pair[own[i1 + k]] = j1 + k
            continue
        # edited without tracking: pair in order with the most similar leaf (at least half)
        j = j1
        for i in range(i1, i2):
            text = base_paras[own[i]][0]
            scores = [(difflib.SequenceMatcher(None, text, src_plain[c], autojunk=False)
                       .ratio(), c) for c in range(j, j2)]
            best = max(scores, default=(0.0, -1))
            if best[0] >= 0.5:
                unpaired_src += range(j, best[1])
                pair[own[i]] = best[1]
                j = best[1] + 1
            else:
                unpaired_doc.append(own[i])
        unpaired_src += range(j, j2)
    unpaired_doc.sort()
    para_of_leaf = {leaf_index: p for p, (_, run) in enumerate(base_paras) for leaf_index in run}
    proposal = Proposal([])
    for p, s in pair.items():
        for leaf_index in base_paras[p][1]:
            proposal.anchors[leaf_index] = src[s].anchor
            proposal.sources[leaf_index] = src[s]
    last_anchor = ""
    for i in range(len(doc)):
        last_anchor = proposal.anchors.setdefault(i, last_anchor)
    problems = proposal.problems
    inserted: list[tuple[int, int, str]] = []
    """Paragraphs typed without change tracking: part of every view."""
    for p in unpaired_doc:
        text, run = base_paras[p]
        first = doc[run[0]]
        changed = any(doc[k].changes for k in run)
        shown = text or doc[run[0]].view(frozenset(a.author for a in doc[run[0]].changes))
        where = f"Absatz {first.number} (‚{_excerpt(shown)}‘)"
        if key(text) in generated:
            if changed:
                problems.append(f"{where}: Änderung in einem von lip erzeugten Teil (Kapitel"
                                f"überschrift), nicht übernehmbar; bitte im Kapiteltext ändern")
        elif changed:
            problems.append(f"{where}: der Absatz hat kein Gegenstück im exportierten Kapitel; "
                            f"seine Änderungen lassen sich nicht zuordnen")
        elif text:
            before = max((q for q in pair if q < p), default=None)
            if before is None:
                kind = new_kind(first, None)
                inserted.append((0, 0, _new_block(first, text, kind=kind) + "\n\n"))
            else:
                leaf = src[pair[before]]
                item = leaf.prefix if leaf.kind == "item" else "- "
                kind = new_kind(first, leaf.kind)
                inserted.append((leaf.end, leaf.end, _joiner(leaf.kind, kind)
                                 + _new_block(first, text, item, kind)))
            proposal.notes.append(f"{where}: ohne Änderungsverfolgung eingefügt, übernommen")
    for leaf in doc:
        if leaf.footnote_changes:
            problems.append(f"Absatz {leaf.number} (‚{_excerpt(leaf.view(frozenset()))}‘): "
                            f"Änderung in einer Fußnote; Fußnoten lassen sich nicht aus Word "
                            f"übernehmen, bitte im Kapiteltext ändern")
    for s in unpaired_src:
        proposal.notes.append(f"‚{_excerpt(src_plain[s])}‘ ({src[s].anchor or 'Kapitelanfang'}) "
                              f"fehlt in der Word-Datei (ohne Änderungsverfolgung gelöscht): "
                              f"im Vorschlag gestrichen")
    clusters = _clusters(doc)
    authors: dict[str, list[Change]] = {}
    for change in reading.changes:
        authors.setdefault(change.author, []).append(change)
    order = author_order(reading.changes) if order is None else order
    views: list[tuple[str, frozenset[str]]] = [(UNTRACKED, frozenset())]
    views += [(a, frozenset(order[:k + 1])) for k, a in enumerate(order)]
    previous = body
    memo: dict[tuple[int, str], str] = {}
    """(leaf start, text) -> its Markdown: most leaves read the same in several views."""
    for author, accepted in views:
        edits: list[tuple[int, int, str]] = list(inserted)
        for cluster in clusters:
            bases = sorted({para_of_leaf[i] for i in cluster if i in para_of_leaf})
            if not bases or any(b not in pair for b in bases):
                continue  # reported above
            base_leaves = [src[pair[b]] for b in bases]
            local = [doc[i] for i in cluster]
            view = paragraphs(local, accepted)
            start, end = base_leaves[0].start, base_leaves[-1].end
            if len(base_leaves) == 1 and len(view) == 1:
                text = view[0][0]
                if text == src_plain[pair[bases[0]]]:
                    continue  # as exported
                if (start, text) not in memo:
                    memo[start, text] = apply_plain(body[start:end], text)
                if memo[start, text] != body[start:end]:
                    edits.append((start, end, memo[start, text]))
                continue
            first_index = pair[bases[0]]
            new_text, start = _rebuild(body, base_leaves, [src_plain[pair[b]] for b in bases],
                                       view, local, src[first_index - 1] if first_index else None)
            if new_text != body[start:end]:
                edits.append((start, end, new_text))
        for s in unpaired_src:  # deleted without tracking: gone in every view
            a, b = _remove_lines(body, src[s])
            edits.append((a, b, ""))
        new_body = _apply(body, edits)
        proposal.bodies.append(new_body)
        if new_body != previous:
            changes = authors.get(author, [])
            date = max((c.date for c in changes), default="")
            proposal.steps.append(Step(author, date, new_body, len(changes) or len(edits)))
            previous = new_body
    return proposal


def _apply(body: str, edits: list[tuple[int, int, str]]) -> str:
    out, cursor = [], 0
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < cursor:
            continue
        out.append(body[cursor:start])
        out.append(text)
        cursor = end
    out.append(body[cursor:])
    return "".join(out)
