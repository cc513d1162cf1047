"""The Synopse's typst source (for its PDF) written in stretches of rows: each stretch once,
then from the cache.

The Synopse of a large law is one table of thousands of rows (BGB 2012: 5,416), and pandoc
took 3 of the 11.5 s of `lip redline --format synopse` to write its cells as typst, again
for each amendment. Here the rows are cut into stretches, each beginning at a heading row
that does not follow one (a section of the law, a Maßnahme of the plan). pandoc writes the
cells of the stretches not in the cache (`build/.cache/redline-typst.sqlite`), one run per
core, each stretch a table of its own that the filter gives back unassembled
(`lip-nur-zellen`, synopse-typst.lua). The run that fills the template then gets the whole
table with its cells empty and a placeholder for each cell's typst in the attribute
`lip-zellen`: the filter assembles the table as it would have from cells it wrote itself,
and each cell's typst, so written, takes its placeholder's place.

The result is byte for byte the conversion of the whole Synopse in one run (`typst_whole`;
tests check it on every pair of the corpus). Where a cell's typst could depend on the rest
of the document, the whole is converted at once: a heading in a cell (the filter makes
heading levels consecutive through the document) or a link to an id outside the table (the
filter keeps only links to ids it has seen).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from pathlib import Path
from typing import Any

from pipeline.render.kvcache import Cache
from pipeline.render.redline_ast import WITH_ID, json_document
from pipeline.render.redline_html import part_runs
from pipeline.render.redline_typst import (
    CACHE_LIMIT_BYTES,
    FILTER,
    _tool_key,
    typst_whole,
)
from pipeline.render.tools import Slot, cores, run_pandoc_pool

CACHE_VERSION = "1"
ONLY_CELLS, CELLS = "lip-nur-zellen", "lip-zellen"
"""The table attributes synopse-typst.lua reads (see there)."""
CELL_MARK = "// lip-zelle"
"""The line before each cell in the filter's written cells."""
RUN_MAX_CHARS = 1_500_000
"""At most this much JSON per pandoc run: the Synopse's JSON is three to five times its
Markdown, and each further run costs a pandoc's start."""

_STRETCH_MARK = re.compile(r"^// rl-teil: (\S+)\n", re.M)
_END = "ende"
_HEADING = '"t": "Header"'
_LINK_TARGET = re.compile(r'\{"t": "Link", "c": \[\[.*?\], \[.*?\], \["#((?:[^"\\]|\\.)*)", "')


class _Whole(Exception):  # noqa: N818  (not an error: a way out)
    """The Synopse cannot be put together from its stretches: convert it whole."""


def synopse_source(doc: dict[str, Any], *, title: str, meta: dict[str, str] | None = None,
                   epoch: int | None = None, cache_dir: Path | None = None,
                   slots: Slot | None = None, template: str = "redline.typ") -> bytes:
    """The whole typst document of the Synopse `doc` (`redline.synopse_document`, the
    summary before its table), its table's cells written in cached stretches."""
    def whole() -> bytes:
        return typst_whole(json.dumps(doc, ensure_ascii=False), title=title, meta=meta,
                           epoch=epoch, template=template, source_format="json")

    *before, table = doc["blocks"]
    attr, caption, columns, head, bodies, foot = table["c"]
    if len(bodies) != 1:
        return whole()
    rows = bodies[0][3]
    stretches = [_stretch_json(table, head if n == 0 else [head[0], []], rows[a:b])
                 for n, (a, b) in enumerate(_stretches(rows))]
    if any(_HEADING in s for s in stretches) or _links_outside(stretches, before):
        return whole()
    tool = hashlib.sha256("\0".join([CACHE_VERSION, _tool_key(), "synopse"]).encode()
                          ).hexdigest()
    keys = [hashlib.sha256((tool + "\0" + s).encode()).hexdigest() for s in stretches]
    with Cache(cache_dir, "redline-typst.sqlite", CACHE_LIMIT_BYTES) as cache:
        cells = cache.get_many(keys)
        todo = [(k, s) for k, s in dict(zip(keys, stretches, strict=True)).items()
                if k not in cells]
        try:
            written = _write_cells(todo, slots)
        except _Whole:
            return whole()
        cells.update(written)
        cache.put_many(written)
    # the filter assembles the table from placeholders, each cell's typst goes in after:
    # 3 MB of cells through pandoc's JSON reader and Lua took the BGB's 0.4 s
    pieces = _pieces("".join(cells[k] for k in keys) + CELL_MARK)
    tag = "rlzelle" + secrets.token_hex(5) + "n"
    skeleton = {"t": "Table", "c": [
        [attr[0], attr[1], [*attr[2], [CELLS, "".join(
            f"{CELL_MARK}\n{tag}{n}\n" for n in range(len(pieces))) + CELL_MARK]]],
        caption, columns, [head[0], [_emptied(r) for r in head[1]]],
        [[bodies[0][0], bodies[0][1], bodies[0][2], [_emptied(r) for r in rows]]], foot]}
    out = typst_whole(json.dumps({**doc, "blocks": [*before, skeleton]}, ensure_ascii=False),
                      title=title, meta=meta, epoch=epoch, template=template,
                      source_format="json").decode("utf-8")
    placeholder = re.compile(tag + r"(\d+)")
    if {int(n) for n in placeholder.findall(out)} != set(range(len(pieces))):
        return whole()  # not expected: each cell's placeholder (the column heads' repeated)
    return placeholder.sub(lambda m: pieces[int(m.group(1))], out).encode("utf-8")


def _emptied(row: list) -> list:
    """A table row with its cells' content taken out (attributes and spans kept)."""
    return [row[0], [[*cell[:4], []] for cell in row[1]]]


def _pieces(text: str) -> list[str]:
    """Each cell's typst in the filter's written cells, as synopse-typst.lua cuts them: the
    lines between one cell mark and the next."""
    pieces: list[str] = []
    current: list[str] | None = None
    for line in text.split("\n"):
        if line == CELL_MARK:
            if current is not None:
                pieces.append("\n".join(current))
            current = []
        elif current is not None:
            current.append(line)
    return pieces


STRETCH_SECTIONS = 16
"""Sections per stretch, on average. Each stretch is a table of its own for pandoc, which
costs it 0.6 ms beside writing the cells (a stretch per section of the BGB: 0.68 instead of
0.44 s for a sixth of it); a stretch converted again for one change costs more, the more
sections it has."""


def _stretches(rows: list) -> list[tuple[int, int]]:
    """(first, end) of each stretch. A stretch begins only at a heading row that does not
    follow one (headings in a row are one sub-header in the filter, so they stay together),
    and at one of every STRETCH_SECTIONS such rows on average: at those whose text's digest
    says so. Cut by content, not by count: a row inserted moves no other stretch's bounds."""
    starts = [0]
    for n in range(1, len(rows)):
        if _heading_row(rows[n]) and not _heading_row(rows[n - 1]) and hashlib.blake2b(
                json.dumps(rows[n], ensure_ascii=False).encode(), digest_size=2
        ).digest()[0] % STRETCH_SECTIONS == 0:
            starts.append(n)
    return list(zip(starts, [*starts[1:], len(rows)], strict=True)) if rows else [(0, 0)]


def _heading_row(row: list) -> bool:
    return "rl-heading" in row[0][1]


def _stretch_json(table: dict, head: list, rows: list) -> str:
    """A stretch as a table of its own, for the filter to write its cells."""
    attr, caption, columns, _, bodies, foot = table["c"]
    return json.dumps({"t": "Table", "c": [
        [attr[0], attr[1], [*attr[2], [ONLY_CELLS, "1"]]], caption, columns, head,
        [[bodies[0][0], bodies[0][1], bodies[0][2], rows]], foot]}, ensure_ascii=False)


def _links_outside(stretches: list[str], before: list) -> bool:
    """Whether a cell links to an id outside the table (in the summary before it)."""
    targets = {json.loads(f'"{t}"') for s in stretches if '"Link"' in s
               for t in _LINK_TARGET.findall(s)}
    return bool(targets and targets & _ids(before))


def _ids(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            c = x.get("c")
            if x.get("t") == "Header" and isinstance(c, list):
                found.add(c[1][0])
            elif x.get("t") in WITH_ID and isinstance(c, list):
                found.add(c[0][0])
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
    return found - {""}


def _write_cells(todo: list[tuple[str, str]], slots: Slot | None) -> dict[str, str]:
    """The cells of the stretches `todo` (key, table JSON) as the filter writes them: from
    the first cell mark up to the last (which is the next stretch's first)."""
    if not todo:
        return {}

    def digest(n: int, out: bytes) -> dict[str, str]:
        pieces = _STRETCH_MARK.split(out.decode("utf-8"))
        keys, texts = pieces[1::2], pieces[2::2]
        if pieces[0].strip() or keys != [k for k, _ in runs[n]] + [_END]:
            raise _Whole
        cells = {}
        for key, text in zip(keys[:-1], texts[:-1], strict=True):
            lines = text.split("\n")
            marks = [i for i, line in enumerate(lines) if line == CELL_MARK]
            if not marks:
                raise _Whole
            cells[key] = "".join(line + "\n" for line in lines[marks[0]:marks[-1]])
        return cells

    def source(run: list[tuple[str, str]]) -> str:
        blocks = []
        for key, stretch in [*run, (_END, None)]:
            blocks.append(json.dumps({"t": "RawBlock", "c": ["typst", f"// rl-teil: {key}"]}))
            if stretch is not None:
                blocks.append(stretch)
        return json_document(blocks)

    runs = part_runs(todo, RUN_MAX_CHARS)
    out: dict[str, str] = {}
    args = ["-f", "json", "-t", "typst", "--wrap=none", "--lua-filter", str(FILTER)]
    for cells in run_pandoc_pool([(args, (lambda run=run: source(run))) for run in runs],
                                 cores(), slots, then=digest):
        out.update(cells)
    return out

