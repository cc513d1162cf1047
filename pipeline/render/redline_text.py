"""pandoc for the redline engine: it reads changed chunks and writes the marked-up result as
Markdown here, so the engine itself stays pure (README, "Aufbau des Codes").

`PANDOC` is what callers hand to `redline.compare_markdown`; `compare_markdown` and
`redline_chapter` here are the engine's with it filled in.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pipeline.plan.gender_star import protect_gender_star
from pipeline.redline import engine
from pipeline.render import redline_ast
from pipeline.render.kvcache import Cache
from pipeline.render.reader import (
    REDLINE_CHUNK_READER,
    REDLINE_GRID_WRITER,
    REDLINE_READER,
    REDLINE_WRITER,
)
from pipeline.render.tools import (
    Slot,
    balanced_runs,
    cores,
    give_back_memory,
    pandoc_identity,
    run_pandoc,
    run_pandoc_pool,
    run_pandoc_side_by_side,
)
from pipeline.render.workers import active as workers_active

if TYPE_CHECKING:
    from pipeline.plan import Chapter
    from pipeline.redline import Redline

log = logging.getLogger(__name__)


def _doc(blocks: list) -> dict:
    return {"pandoc-api-version": engine.PANDOC_API, "meta": {}, "blocks": blocks}


def _chunk_source(groups: list[list[str]], defs: list[str], sep: str) -> str:
    parts = []
    for k, group in enumerate(groups):
        parts.append("\n\n".join(group))
        parts.append(f"{sep}x{k}")
    parts.extend(defs)
    return "\n\n".join(parts) + "\n"


def _split_json(out: str, sep: str, count: int) -> list[str] | None:
    """The JSON of each of `count` groups' blocks, cut from pandoc's output (compact JSON) at
    the separators: kept as pandoc wrote it, for the cache, instead of encoded once more.
    None if a separator is missing."""
    head = '"blocks":['
    pos = out.find(head)
    if pos < 0:
        return None
    pos += len(head)
    texts = []
    for k in range(count):
        mark = '{"t":"Para","c":[{"t":"Str","c":"' + f"{sep}x{k}" + '"}]}'
        at = out.find(mark, pos)
        if at < 0:
            return None
        body = out[pos:at]
        texts.append("[" + (body[:-1] if body.endswith(",") else body) + "]")
        pos = at + len(mark)
        if out.startswith(",", pos):
            pos += 1
    return texts


def _parse_one_by_one(groups: list[list[str]], defs: list[str],
                      reader: str = REDLINE_CHUNK_READER) -> list[tuple[list, str]]:
    """(blocks, their JSON) of each group, one pandoc each."""
    log.debug("redline: separator lost, parsing %d groups one by one", len(groups))
    out = []
    for g in groups:
        blocks = json.loads(run_pandoc(["-f", reader, "-t", "json"],
                                       "\n\n".join([*g, *defs]) + "\n"))["blocks"]
        out.append((blocks, json.dumps(blocks, ensure_ascii=False)))
    return out


def parse_chunks(sides: list[tuple[list[list[str]], list[str]]],
                 slots: Slot | None = None, with_json: bool = False,
                 reader: str = REDLINE_CHUNK_READER) -> list[list]:
    """For each side (groups of Markdown chunks, definitions): the blocks of each group, or
    with `with_json` (blocks, their JSON) pairs; read with `reader`.

    One pandoc call per side, all sides at once (one per core); while pandoc workers run,
    the sides are cut into pieces that keep the cores busy alike (`_pieces`). A chunk that
    swallows its group's separator (an unclosed `:::` div takes the rest inside) makes that
    piece parse group by group."""
    pieces = _pieces([[len(g) + sum(map(len, g)) for g in groups] for groups, _ in sides])
    seps = ["RLSEP" + secrets.token_hex(6) for _ in pieces]
    outputs = run_pandoc_side_by_side(
        [(["-f", reader, "-t", "json"], _chunk_source(sides[k][0][a:b], sides[k][1], sep))
         for (k, a, b), sep in zip(pieces, seps, strict=True)], slots=slots) if pieces else []
    result: list[list] = [[] for _ in sides]
    for (k, a, b), sep, out in sorted(zip(pieces, seps, outputs, strict=True)):
        groups, defs = sides[k][0][a:b], sides[k][1]
        texts = _split_json(out.decode("utf-8"), sep, len(groups))
        try:
            # a separator inside another block cuts that block: its JSON does not parse
            pairs = [(json.loads(t), t) for t in texts] if texts is not None else None
        except ValueError:
            pairs = None
        if pairs is None:
            pairs = _parse_one_by_one(groups, defs, reader)
        result[k].extend(pairs if with_json else [blocks for blocks, _ in pairs])
    return result


UNEVEN = 1.3
"""Sides are cut into pieces only if the largest is this many times a core's fair share:
each further run costs a worker 10–20 ms of its own (BtMG, 32 and 44 kB, read no faster
in four runs than in two)."""


def _pieces(sizes: list[list[int]]) -> list[tuple[int, int, int]]:
    """(side, first group, end) of each pandoc run reading the sides' groups of these sizes.

    One run per side, unless pandoc workers convert: then their fixed price per run is small,
    and the groups of all sides in a row are cut into as many stretches of equal size as
    there are cores, each also cut where a side ends (TPG: the old side's 20 kB and the new
    side's 40 kB, read in 91 and 155 ms, took the new side's reading as long as both). Runs
    go longest first: each core then ends about when the others do."""
    whole = [(k, 0, len(s)) for k, s in enumerate(sizes) if s]
    ways = cores()
    if not workers_active() or ways < 2 or len(whole) > ways:
        return whole
    total = sum(map(sum, sizes))
    if not total or max(map(sum, sizes)) * ways < UNEVEN * total:
        return whole  # about even already: more runs would only cost their own time
    pieces = _cut_stretches(sizes, ways)
    lengths = {p: sum(sizes[p[0]][p[1]:p[2]]) for p in pieces}
    return sorted(pieces, key=lambda p: -lengths[p])


def _cut_stretches(sizes: list[list[int]], ways: int) -> list[tuple[int, int, int]]:
    """(side, first group, end) of the groups of all sides in a row cut into `ways`
    stretches of about equal size, each also cut where a side ends."""
    total = sum(map(sum, sizes))
    pieces: list[tuple[int, int, int]] = []
    done = 0
    for k, side in enumerate(sizes):
        first, stretch = 0, -1
        for g, n in enumerate(side):
            begins_in = done * ways // max(total, 1)  # the stretch this group begins in
            if g > first and begins_in != stretch:
                pieces.append((k, first, g))
                first = g
            stretch = begins_in
            done += n
        if side:
            pieces.append((k, first, len(side)))
    return pieces


PARALLEL_WRITE_MIN_CHARS = 13_000
"""Below this much JSON (words run together, `compact_words`), a second pandoc costs more
than it saves."""


def render_markdown(texts: list[str], slots: Slot | None = None,
                    grid: list[bool] | None = None) -> list[str]:
    """Write groups of blocks (each as JSON) as Markdown: one pandoc call, or one per core
    for much text; groups with a table only a grid table holds (`grid`, by default
    `needs_grid_tables`) in runs of their own.

    Each run numbers its footnotes from 1; the engine gives them labels of their own."""
    if not texts:
        return []
    if grid is None:
        grid = [needs_grid_tables(t) for t in texts]
    sizes = [len(t) for t in texts]
    ways = min(cores(), max(1, sum(sizes) // PARALLEL_WRITE_MIN_CHARS))
    runs = [part for run in balanced_runs(sizes, ways)
            for part in ([k for k in run if not grid[k]], [k for k in run if grid[k]]) if part]
    seps = ["RLSEP" + secrets.token_hex(6) for _ in runs]
    jobs = []
    for run, sep in zip(runs, seps, strict=True):
        marks = [json.dumps({"t": "Para", "c": [{"t": "Str", "c": f"{sep}x{k}"}]})
                 for k in range(len(run))]
        source = redline_ast.json_document(f"{texts[k][1:-1]}, {mark}" if texts[k] != "[]"
                                           else mark for k, mark in zip(run, marks, strict=True))
        jobs.append((["-f", "json", "-t", REDLINE_GRID_WRITER if grid[run[0]] else REDLINE_WRITER,
                      "--wrap=none", "--reference-location=block"], source))
    result: list[str] = [""] * len(texts)
    for run, sep, output in zip(runs, seps, run_pandoc_pool(jobs, len(jobs), slots), strict=True):
        out = []
        cur: list[str] = []
        for line in output.decode("utf-8").split("\n"):
            if line.startswith(sep):
                out.append("\n".join(cur).strip("\n"))
                cur = []
            else:
                cur.append(line)
        assert len(out) == len(run), "redline: Markdown-Ausgabe unvollständig (bitte melden)"
        for k, md in zip(run, out, strict=True):
            result[k] = md.replace(redline_ast.KEPT_SPACE_MARK, "&#32;")
    return result


def needs_grid_tables(text: str) -> bool:
    """Whether a group's blocks (JSON) hold a table that a pipe table cannot: not exactly one
    header row, a foot, row heads, spans, or a cell that is more than one line of text."""
    if '"Table"' not in text:
        return False
    return not all(_fits_a_pipe_table(t) for t in engine.nodes_of(json.loads(text), "Table"))


def _fits_a_pipe_table(table: dict) -> bool:
    _attr, _caption, _widths, head, bodies, foot = table["c"]
    rows = list(head[1])
    if len(rows) != 1 or foot[1] or any(body[1] or body[2] for body in bodies):
        return False
    rows += [row for body in bodies for row in body[3]]
    for _row_attr, cells in rows:
        for _cell_attr, _align, row_span, col_span, blocks in cells:
            if row_span != 1 or col_span != 1 or len(blocks) > 1:
                return False
            if blocks and (blocks[0]["t"] != "Plain"
                           or next(engine.nodes_of(blocks[0], "LineBreak"), None)):
                return False
    return True


_LINE_START = ("LineBreak", "SoftBreak")


def compact_words(node: Any, kept: str = " ") -> Any:
    """`node` with each run of words and spaces in a line of text as one Str: pandoc writes
    the same Markdown, and the same HTML and typst where it does not wrap lines, from a third
    of the JSON (the engine gives every word and space an element of its own; reading them
    made writing ten years of BGB cost 0.79 instead of 0.32 s). A line's first word and the
    space after it stay apart: the Markdown writer escapes a list marker there (`2\\. der …`)
    only if it is a word of its own. A Str of one space (the engine's KEPT_SPACE) becomes
    `kept`."""
    if isinstance(node, list):
        if node and isinstance(node[0], dict) and node[0].get("t") in engine.INLINE_TYPES:
            out: list = []
            run: list[str] | None = None
            apart = 2  # the line's first word and the space after it
            for x in node:
                t = x["t"]
                if (t == "Str" or t == "Space") and not apart:
                    if run is None:
                        run = []
                        out.append(run)
                    if t == "Str":
                        run.append(x["c"] if x["c"] != " " else kept)
                    elif not run or run[-1] != " ":  # spaces in a row are one, as written
                        run.append(" ")
                    continue
                run = None
                if t == "Str" and x["c"] == " ":
                    x = {"t": "Str", "c": kept}
                out.append(x if t == "Str" or t == "Space" else compact_words(x, kept))
                apart = 2 if t in _LINE_START else max(0, apart - 1)
            return [{"t": "Str", "c": "".join(x)} if isinstance(x, list) else x for x in out]
        return [compact_words(x, kept) for x in node]
    if isinstance(node, dict):
        return {k: compact_words(v, kept) if isinstance(v, (list, dict)) else v
                for k, v in node.items()}
    return node


APART = "RLEIGENEZEILE"
"""A word put before a list that opens a list item, and taken out of the Markdown again
(`lists_apart`)."""
_APART_MARK = re.compile(r"[ \t]+" + APART + "$", re.M)
_EMPTY_FIRST_ITEM = re.compile(r'"BulletList", "c": \[\[(?:\]|\{"t": "(?:Plain|Para)", "c": \[\]\})')
"""A bullet list whose first item is empty, in a group's JSON: where `lists_apart` may
have work."""


def _empty_chain(block: Any) -> int:
    """How many bullet lists open one inside the other, on one line, from `block` down to
    an empty item; 0 if the chain ends in anything else."""
    n = 0
    while isinstance(block, dict) and block.get("t") == "BulletList" and block["c"]:
        n += 1
        first = block["c"][0]
        if not first or all(b.get("t") in ("Plain", "Para") and not b["c"] for b in first):
            return n
        block = first[0]
    return 0


def lists_apart(node: Any) -> bool:
    """Put `APART` before each list that opens a list item and itself opens, through one
    more list, an empty item: whether there was one. pandoc's writer puts the markers of
    such lists on one line, `- - -`, which its reader takes for a horizontal rule (the BtMG's
    substance tables have empty cells, `*    *   -`: 81 rules in the 2012 redline that are in
    neither version). With the word in front, each list starts a line of its own, and without
    it (`without_apart_marks`) the Markdown reads as the lists again. Changes `node` (the
    compacted copy)."""
    found = False
    for bullets in engine.nodes_of(node, "BulletList"):
        for item in bullets["c"]:
            if item and _empty_chain(item[0]) >= 2:
                item.insert(0, {"t": "Plain", "c": [{"t": "Str", "c": APART}]})
                found = True
    return found


def without_apart_marks(md: str) -> str:
    """The Markdown without the words `lists_apart` put in (each ends its line)."""
    return _APART_MARK.sub("", md).replace(APART, "")


class _Pandoc:
    """The engine's `Pandoc`: the functions above, with a content-addressed cache of each
    group's blocks and Markdown when given a folder (a redline seen before, or one sharing
    changed passages with it, reads and writes nothing again)."""

    def __init__(self, cache_dir: Path | None = None,
                 while_reading: Callable[[], None] = lambda: None,
                 slots: Slot | None = None,
                 passages: dict[str, redline_ast.Passage] | None = None) -> None:
        self.cache_dir = cache_dir
        self.passages = passages
        """If given, filled with each written passage the page can convert from its blocks
        (`redline_ast.passage`), keyed by its Markdown."""
        self.while_reading = while_reading
        """Called as pandoc starts reading: work that needs the interpreter can run then."""
        self.slots = slots
        """Shared with other work of the same command: one per pandoc running."""

    def _key(self, *items: str) -> str:
        return hashlib.sha256("\0".join([CACHE_VERSION, pandoc_identity(), *items]).encode()
                              ).hexdigest()

    def parse(self, sides):
        if self.cache_dir is None:
            self.while_reading()
            return parse_chunks(sides, self.slots)
        with Cache(self.cache_dir, "redline-text.sqlite", CACHE_LIMIT_BYTES) as cache:
            keys = [[self._key("lesen", REDLINE_CHUNK_READER, *defs, "\0", *group)
                     for group in groups] for groups, defs in sides]
            found = _decoded(cache.get_many([k for side in keys for k in side]))
            todo = [([g for g, k in zip(groups, side_keys, strict=True) if k not in found], defs)
                    for (groups, defs), side_keys in zip(sides, keys, strict=True)]
            self.while_reading()
            parsed = parse_chunks(todo, self.slots, True)
            new: dict[str, str] = {}
            out = []
            for side_keys, pairs in zip(keys, parsed, strict=True):
                fresh = iter(pairs)
                side = []
                for k in side_keys:
                    if k in found:
                        side.append(found[k])
                    else:
                        group, new[k] = next(fresh)
                        side.append(group)
                out.append(side)
            cache.put_many(new)
            return out

    def write(self, groups):
        compacted = [compact_words(g, redline_ast.KEPT_SPACE_MARK) for g in groups]
        texts = [json.dumps(g, ensure_ascii=False) for g in compacted]
        apart = [False] * len(texts)
        for k, text in enumerate(texts):
            if _EMPTY_FIRST_ITEM.search(text):  # rare: walk only these groups
                group = json.loads(text)
                if lists_apart(group):
                    texts[k], apart[k] = json.dumps(group, ensure_ascii=False), True
        written = [without_apart_marks(md) if marked else md
                   for md, marked in zip(self._write(texts), apart, strict=True)]
        if self.passages is not None:
            for md, blocks, marked in zip(written, compacted, apart, strict=True):
                found = None if marked else redline_ast.passage(blocks)
                if found is not None:
                    self.passages[md] = found
        return written

    def _write(self, texts: list[str]) -> list[str]:
        if self.cache_dir is None:
            return render_markdown(texts, self.slots)
        grid = [needs_grid_tables(t) for t in texts]
        with Cache(self.cache_dir, "redline-text.sqlite", CACHE_LIMIT_BYTES) as cache:
            keys = [self._key("schreiben", REDLINE_GRID_WRITER if g else REDLINE_WRITER, t)
                    for t, g in zip(texts, grid, strict=True)]
            found = cache.get_many(keys)
            todo = [k for k, key in enumerate(keys) if key not in found]
            fresh = iter(render_markdown([texts[k] for k in todo], self.slots,
                                         [grid[k] for k in todo]))
            out = []
            new: dict[str, str] = {}
            for k in keys:
                if k in found:
                    out.append(found[k])
                else:
                    new[k] = next(fresh)
                    out.append(new[k])
            cache.put_many(new)
            return out


def _decoded(found: dict[str, str]) -> dict[str, list]:
    """The blocks of each cache entry; a damaged one is left out (read again)."""
    out: dict[str, list] = {}
    for key, text in found.items():
        try:
            blocks = json.loads(text)
        except ValueError:
            continue
        if isinstance(blocks, list):
            out[key] = blocks
    return out


PANDOC: engine.Pandoc = _Pandoc()


PARALLEL_READ_MIN_CHARS = 20_000
"""Below this much Markdown per run, a further pandoc costs more than it saves (the
Synopse of an Änderungsantrag is a few lines)."""


def read_texts(texts: list[str], defs: list[str], *, cache_dir: Path | None = None,
               slots: Slot | None = None) -> list[list]:
    """The blocks of each Markdown text (each with the definitions `defs`), read as the
    engine reads its changed chunks: each once, then from the cache in `cache_dir`; in
    stretches of about equal size, one pandoc per core (at most one per
    PARALLEL_READ_MIN_CHARS)."""
    return [blocks for side in _Pandoc(cache_dir, slots=slots).parse(stretch_sides(texts, defs))
            for blocks in side]


def stretch_sides(texts: list[str], defs: list[str]) -> list[tuple[list[list[str]], list[str]]]:
    """`texts` as sides for `parse_chunks`: consecutive stretches of about equal size, one
    per core (at most one per PARALLEL_READ_MIN_CHARS), each text a group of its own."""
    sizes = [len(t) for t in texts]
    ways = min(cores(), max(1, sum(sizes) // PARALLEL_READ_MIN_CHARS))
    return [([[t] for t in texts[a:b]], defs) for _, a, b in _cut_stretches([sizes], ways)]


CACHE_VERSION = "1"
CACHE_LIMIT_BYTES = 100 * 1024 * 1024


def compare_markdown(old_md: str, new_md: str, *,
                     context: Literal["full", "changes"] = "full",
                     cache_dir: Path | None = None,
                     while_reading: Callable[[], None] = lambda: None,
                     slots: Slot | None = None, for_page: bool = False) -> Redline:
    """`redline.compare_markdown` with pandoc (and its cache in `cache_dir`, if given);
    `while_reading` is called as pandoc starts reading the changed passages, `slots` are
    shared with the command's other pandocs; `for_page`: see `compare_split`."""
    return compare_split(engine.split_texts(old_md, new_md), context=context,
                         cache_dir=cache_dir, while_reading=while_reading, slots=slots,
                         for_page=for_page)


split_texts = engine.split_texts


def compare_split(texts: engine.SplitTexts, *,
                  context: Literal["full", "changes"] = "full",
                  cache_dir: Path | None = None,
                  while_reading: Callable[[], None] = lambda: None,
                  slots: Slot | None = None,
                  split_seen: engine.SplitSeen | None = None,
                  for_page: bool = False) -> Redline:
    """`compare_markdown` of texts split before (`split_texts`): a caller that drops the
    texts meanwhile holds each only once. `split_seen` is the engine's. `for_page`: the
    redline page (`redline_html.render_html`) follows, so `Redline.passages` is filled;
    nobody else reads it (on ten years of BGB it costs 30 ms)."""
    pandoc = _Pandoc(cache_dir, while_reading, slots, passages={} if for_page else None)
    red = engine.compare_split(texts, pandoc=pandoc, context=context, split_seen=split_seen)
    red.passages = pandoc.passages or {}
    give_back_memory()
    return red


def redline_chapter(old: Chapter | None, new: Chapter | None, *,
                    context: Literal["full", "changes"] = "full",
                    cache_dir: Path | None = None, for_page: bool = False) -> Redline:
    """`redline.redline_chapter` with pandoc (and its cache in `cache_dir`, if given);
    `for_page`: see `compare_split`."""
    pandoc = PANDOC if cache_dir is None and not for_page else \
        _Pandoc(cache_dir, passages={} if for_page else None)
    red = engine.redline_chapter(old, new, pandoc=pandoc, context=context)
    red.passages = pandoc.passages or {}
    return red


def word_changes(old, new, cache_dir: Path | None = None) -> tuple[int, int, int]:
    """`redline.word_changes` with pandoc (and, with `cache_dir`, the cache the redlines of
    `lip redline` and `lip site` share, so the site reads no text twice)."""
    if cache_dir is not None:
        stats = redline_chapter(old, new, cache_dir=cache_dir).stats
        return stats.words_added, stats.words_removed, stats.blocks_moved
    from pipeline.redline.counts import word_changes as count

    return count(old, new, pandoc=PANDOC)


def passage_words(md: str) -> int:
    """The words of a passage's Markdown as the redline counts them (`across.moves_across`)."""
    return engine.word_count(parse_markdown(md))


def parse_markdown(md: str) -> list:
    """Blocks of a Markdown text (gender stars protected)."""
    return json.loads(run_pandoc(["-f", REDLINE_READER, "-t", "json"],
                                 protect_gender_star(md)))["blocks"]


def markdown_words(md: str) -> list[str]:
    """The words of a Markdown text as a reader sees them (accept/reject checks)."""
    _, body = engine.split_front_matter(md)
    return engine.ast_words(parse_markdown(body))
