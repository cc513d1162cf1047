"""Turn what a reviewed DOCX says into new chapter bodies: one per author, in the order the
authors first changed something, each containing the changes of all authors before it.

The base is the text the DOCX was exported from. Paragraphs of the Word file are paired with
the leaves of the Markdown by their text with all changes undone; each paired leaf is edited
at the characters that changed (source.apply_plain), so untouched Markdown stays as written.
"""

from __future__ import annotations

import difflib
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


def _new_block(leaf: DocLeaf, text: str) -> str:
    if leaf.kind == "heading":
        return "#" * max(2, leaf.level) + " " + escape(text)
    return escape(text)


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
                inserted.append((0, 0, _new_block(first, text) + "\n\n"))
            else:
                leaf = src[pair[before]]
                sep = "\n" + leaf.prefix if leaf.kind == "item" and first.kind != "heading" \
                    else "\n\n"
                inserted.append((leaf.end, leaf.end, sep + _new_block(first, text)))
            proposal.notes.append(f"{where}: ohne Änderungsverfolgung eingefügt, übernommen")
    for leaf in doc:
        if leaf.footnote_changes:
            problems.append(f"Absatz {leaf.number} (‚{_excerpt(leaf.view(frozenset()))}‘): "
                            f"Änderung in einer Fußnote; Fußnoten lassen sich nicht aus Word "
                            f"übernehmen, bitte im Kapiteltext ändern")
    clusters = _clusters(doc)
    authors: dict[str, list[Change]] = {}
    for change in reading.changes:
        authors.setdefault(change.author, []).append(change)
    order = author_order(reading.changes) if order is None else order
    views: list[tuple[str, frozenset[str]]] = [(UNTRACKED, frozenset())]
    views += [(a, frozenset(order[:k + 1])) for k, a in enumerate(order)]
    previous = body
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
                new_text = apply_plain(body[start:end], view[0][0])
                if new_text != body[start:end]:
                    edits.append((start, end, new_text))
                continue
            blocks: list[str] = []
            unused = list(range(len(base_leaves)))
            for text, _run in view:
                if not text:
                    continue
                plains = [src_plain[pair[bases[u]]] for u in unused]
                best = max(range(len(unused)), default=None,
                           key=lambda k: difflib.SequenceMatcher(None, plains[k], text).ratio())
                if best is not None and difflib.SequenceMatcher(None, plains[best], text).ratio() > 0.5:
                    leaf = base_leaves[unused.pop(best)]
                    blocks.append(apply_plain(body[leaf.start:leaf.end], text))
                else:
                    blocks.append(escape(text))
            first = base_leaves[0]
            if len(base_leaves) > 1:
                sep = body[base_leaves[0].end:base_leaves[1].start]
            else:
                sep = "\n" + first.prefix if first.kind == "item" else "\n\n" + (
                    first.prefix if first.kind == "heading" else "")
            new_text = sep.join(blocks)
            if new_text != body[start:end]:
                edits.append((start, end, new_text))
        if author == UNTRACKED:
            for s in unpaired_src:
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
