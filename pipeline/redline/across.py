"""A passage moved from one chapter to another: shown and counted as moved, not as struck in
one chapter and inserted in the other.

The engine compares a plan chapter by chapter and finds a move only within one chapter
(`engine._find_moves`). Across chapters the redlines are compared afterwards: a passage one
chapter's redline strikes whole (a `del` block) and another's inserts whole, the same blocks
as the engine keys them (their text with its whitespace normalised, at least
MOVE_MIN_WORDS words), becomes a moved passage in both, naming the other chapter's place
(`place_across`), as a move within a chapter does. Pure: the words are counted by the
caller's `count` (pandoc reads the passage)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.plan.headings import heading_measure_number
from pipeline.redline.engine import (
    DEL,
    INS,
    MOVE_MIN_WORDS,
    MOVED,
    Redline,
    _body,
    _id_sort,
    heading_names,
    place_of,
    split_chunks,
)

if TYPE_CHECKING:
    from pipeline.plan import Chapter

_WHOLE = re.compile(r"^(:{3,}) (del|ins)\n(.*?)\n\1$", re.M | re.S)
"""A block struck or inserted whole, as the engine writes it (`_Differ._whole`)."""
_ANY_BLOCK = {kind: re.compile(r"^(:{3,}) (?:" + kind + r"|\{[^\n]*\." + kind +
                               r"\b[^\n]*\})\n.*?\n\1$", re.M | re.S)
              for kind in (DEL, INS)}
"""Any block of one kind (a moved one too): not part of the other side's text."""


@dataclass
class _Block:
    chapter: int
    kind: str
    start: int
    end: int
    fence: str
    inner: str


def place_across(place: str, chapter: str) -> str:
    """A moved passage's other place in another chapter: „1.1 Elementarbereich, Maßnahmen
    (Kapitel 1 Bildung)“; „Kapitel 1 Bildung“ before the chapter's first section."""
    return f"{place} (Kapitel {chapter})" if place else f"Kapitel {chapter}"


def heading_names_of(chapter: Chapter | None) -> Counter[str]:
    """`engine.heading_names` of a chapter's whole text: a redline of changed passages only
    (`--nur-aenderungen`) shows one „Ausgangslage“ of five, and named it alone."""
    from pipeline.assemble import chapter_markdown

    if chapter is None:
        return Counter()
    return heading_names(split_chunks(_body(chapter_markdown(chapter)))[0])


def _place(markdown: str, block: _Block, names: Counter[str] | None) -> str:
    """`engine.place_of` of `block` in its side of `markdown` (NEU for an insertion, ALT for a
    deletion): the other kind's blocks are not in that side. `names`: that side's heading
    names (`heading_names_of`), else those of `markdown`'s side."""
    other = _ANY_BLOCK[DEL if block.kind == INS else INS]
    before = other.sub("", markdown[:block.start])
    side = before + block.inner + "\n\n" + other.sub("", markdown[block.end:])
    chunks, _ = split_chunks(side)
    start = len(split_chunks(before)[0])
    return place_of(chunks, start, names if names is not None else heading_names(chunks))


def _attribute(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def moves_across(redlines: Sequence[Redline], count: Callable[[str], int],
                 names: Callable[[int], tuple[Counter[str], Counter[str]]] | None = None
                 ) -> int:
    """Mark each passage struck whole in one chapter's redline and inserted whole in
    another's (the same text) as moved in both, and count it so: its words neither struck
    nor inserted but moved (`words_moved`, where it arrived), one passage moved in each
    chapter (`blocks_moved` where it arrived, `blocks_moved_away` where it left: counted
    once in a total), a Maßnahme moved in both, not struck and new. `redlines`: the chapters'
    (their titles name them); their Markdown and figures are changed in place. `count`:
    the words of a passage's Markdown, as the engine counts them. `names`: for a redline
    (its index) the heading names of its ALT and NEU (`heading_names_of`); without it those
    of the redline's Markdown. The number of moves."""
    if len(redlines) < 2:
        return 0
    found: dict[tuple[str, str], list[_Block]] = {}
    for no, red in enumerate(redlines):
        for m in _WHOLE.finditer(red.markdown):
            key = " ".join(m.group(3).split())
            if len(key.split()) >= MOVE_MIN_WORDS:
                found.setdefault((m.group(2), key), []).append(
                    _Block(no, m.group(2), m.start(), m.end(), m.group(1), m.group(3)))
    pairs: list[tuple[_Block, _Block]] = []
    for (kind, key), dels in found.items():
        if kind != DEL:
            continue
        inss = [b for b in found.get((INS, key), [])]
        for d in dels:
            i = next((b for b in inss if b.chapter != d.chapter), None)
            if i is not None:
                inss.remove(i)
                pairs.append((d, i))
    if not pairs:
        return 0
    pairs.sort(key=lambda p: (p[1].chapter, p[1].start))
    edits: dict[int, list[tuple[_Block, str]]] = {}
    for n, (d, i) in enumerate(pairs, 1):
        old_red, new_red = redlines[d.chapter], redlines[i.chapter]
        ident = f"verschoben-kapitel-{n}"
        to_place = place_across(_place(new_red.markdown, i,
                                       names(i.chapter)[1] if names else None), new_red.title)
        from_place = place_across(_place(old_red.markdown, d,
                                         names(d.chapter)[0] if names else None), old_red.title)
        edits.setdefault(d.chapter, []).append((d, f'{d.fence} {{#{ident}-alt .{MOVED} .{DEL} '
                                                   f'nach="{ident}" '
                                                   f'stelle="{_attribute(to_place)}"}}'))
        edits.setdefault(i.chapter, []).append((i, f'{i.fence} {{#{ident} .{MOVED} .{INS} '
                                                   f'von="{ident}-alt" '
                                                   f'stelle="{_attribute(from_place)}"}}'))
        words = count(i.inner)
        old_red.stats.words_removed -= words
        old_red.stats.blocks_moved_away += 1
        new_red.stats.words_added -= words
        new_red.stats.words_moved += words
        new_red.stats.blocks_moved += 1
        measures = [m for line in i.inner.split("\n")
                    if (m := heading_measure_number(line)) is not None
                    and m in old_red.stats.measures_removed and m in new_red.stats.measures_added]
        for m in measures:
            old_red.stats.measures_removed.remove(m)
            new_red.stats.measures_added.remove(m)
        for red in (old_red, new_red):  # both chapters' summaries name it
            red.stats.measures_moved = _id_sort({*red.stats.measures_moved, *measures})
    for no, blocks in edits.items():
        red = redlines[no]
        md, pos, parts = red.markdown, 0, []
        for block, fence in sorted(blocks, key=lambda e: e[0].start):
            parts += [md[pos:block.start], fence, md[block.start + len(block.fence) +
                                                     len(block.kind) + 1:block.end]]
            pos = block.end
        red.markdown = "".join(parts) + md[pos:]
        # the page converts a passage from its blocks where its Markdown is still as it was
        red.passages = {k: v for k, v in red.passages.items() if k in red.markdown}
    return len(pairs)
