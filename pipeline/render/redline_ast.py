"""A changed passage's blocks as pandoc reads back the Markdown its writer makes of them.

The redline page shows each changed passage as pandoc renders its Markdown. Reading that
Markdown again costs four times as much as rendering the engine's blocks themselves (JSON
to HTML; ten years of BGB: 0.62 against 0.15 s). But pandoc's Markdown writer and reader
do not give back every block as it was, and the page must stay the render of its Markdown
(byte for byte, tests/test_redline_html.py). What comes back differs in the structure of
lists and little else:

- a list item whose first block is not a line of text (nor, alone in its item, a list that
  is tight itself) makes the writer part all items by blank lines; read back, a line of
  text followed by a blank line is a paragraph, and the reader's `compactify` then decides
  for the whole list (tight, loose, or the last item alone);
- outside a list, and before a div, a line of text (Plain) is written as a paragraph;
- a line of text closing a div is read as a paragraph;
- two lists of the same kind in a row, or a list and an indented code block, get pandoc's
  `<!-- -->` between them;
- a SoftBreak is written as a space (`--wrap=none`).

`as_read` gives the blocks with these applied, or None where its model is not sure: inline
elements other than words, spaces, emphasis and the engine's marks, emphasis beside or at
the edge of emphasis (`***`), empty elements, code blocks in lists or in a row, a line of
text followed by anything but a list, and every other kind of block. Such passages go the
long way, through their Markdown. tests/test_redline_ast.py checks the model against
pandoc's own round trip on random blocks, and the page against the whole render on every
corpus pair.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

LISTS = ("BulletList", "OrderedList")
WITH_ID = ("Span", "Div", "Link", "Image", "CodeBlock", "Table", "Figure", "Code")
"""Elements whose attributes come first in their content (a heading's come second)."""
_SEPARATOR = {"t": "RawBlock", "c": ["html", "<!-- -->"]}
_NO_ATTR = ["", [], []]
_INLINES = frozenset({"Str", "Space", "SoftBreak", "Emph", "Strong", "Span"})
_EMPHASIS = ("Emph", "Strong")
_MARKS = (["ins"], ["del"])


class _Unsure(Exception):  # noqa: N818  (not an error: a way out)
    """The model does not know how pandoc reads this back."""


def as_read(blocks: list) -> list | None:
    """`blocks` as pandoc reads back the Markdown its writer makes of them (REDLINE_WRITER,
    `--wrap=none`; REDLINE_READER without automatic ids), or None where unsure. SoftBreaks
    stay: `html_source` writes them as spaces."""
    try:
        return _blocks(blocks, in_list=False)
    except _Unsure:
        return None


KEPT_SPACE_MARK = "\ue000\ue001"
"""Stands for the engine's KEPT_SPACE in the JSON the Markdown writer gets
(`redline_text.compact_words`), and is written as `&#32;`: pandoc's writer writes a Str " "
as a space, which its reader drops at a span's edge. The page's passages take it for the
space again (`html_source`)."""


def html_source(blocks: list) -> str:
    """The blocks (`as_read`) as pandoc's JSON reader takes them, SoftBreaks as spaces and
    the Markdown writer's kept spaces (KEPT_SPACE_MARK, read from `&#32;`) as the spaces
    they are."""
    return json.dumps(blocks, ensure_ascii=False).replace('{"t": "SoftBreak"}', '{"t": "Space"}') \
        .replace(KEPT_SPACE_MARK, " ")


def json_document(blocks: Iterable[str]) -> str:
    """Blocks already written as JSON, one document for pandoc's JSON reader: put together
    as text, not decoded and encoded once more."""
    from pipeline.redline.engine import PANDOC_API

    return ('{"pandoc-api-version": ' + json.dumps(PANDOC_API) + ', "meta": {}, "blocks": ['
            + ", ".join(blocks) + "]}")


def _check_inlines(inlines: list) -> None:
    before = None
    for x in inlines:
        kind = x["t"]
        if kind not in _INLINES:
            raise _Unsure(kind)
        if kind == "Str":
            if not x["c"]:
                raise _Unsure("empty Str")
        elif kind in _EMPHASIS:
            content = x["c"]
            if not content or before in _EMPHASIS or content[0]["t"] in _EMPHASIS \
                    or content[-1]["t"] in _EMPHASIS:
                raise _Unsure(kind)  # `***`: pandoc may read it the other way round
            if any(y["t"] == kind for y in content):
                raise _Unsure(kind)
            _check_inlines(content)
        elif kind == "Span":
            attr, content = x["c"]
            if attr[0] or attr[1] not in _MARKS or attr[2] or not content:
                raise _Unsure(kind)
            _check_inlines(content)
        before = kind


def _fixed(blocks: list, in_list: bool) -> list:
    """pandoc's writer's `fixBlocks`: what it writes for a block list."""
    out = []
    for k, b in enumerate(blocks):
        kind = b["t"]
        after = blocks[k + 1]["t"] if k + 1 < len(blocks) else None
        if kind == "Plain" and after != "RawBlock" and (after == "Div" or not in_list):
            out.append({"t": "Para", "c": b["c"]})
        else:
            out.append(b)
        if kind in LISTS and (after == kind or (after == "CodeBlock"
                                                 and blocks[k + 1]["c"][0] == _NO_ATTR)):
            out.append(_SEPARATOR)
    return out


def _blocks(blocks: list, in_list: bool) -> list:
    for b in blocks:
        kind = b["t"]
        if kind in ("Para", "Plain"):
            if not b["c"]:
                raise _Unsure("empty " + kind)
            _check_inlines(b["c"])
        elif kind == "Header":
            if not b["c"][2]:
                raise _Unsure("empty heading")
            _check_inlines(b["c"][2])
    fixed = _fixed(blocks, in_list)
    out: list = []
    for k, b in enumerate(fixed):
        kind = b["t"]
        after = fixed[k + 1]["t"] if k + 1 < len(fixed) else None
        if kind == "Plain" and after is not None and after not in LISTS and after != "RawBlock":
            raise _Unsure("a line of text before " + after)  # pandoc may join them
        if kind == "CodeBlock" and (in_list or b["c"][0] != _NO_ATTR or after == "CodeBlock"):
            raise _Unsure(kind)
        if kind in ("Para", "Plain", "Header", "CodeBlock", "RawBlock", "HorizontalRule"):
            out.append(b)
        elif kind == "Div":
            inner = _blocks(b["c"][1], in_list)
            if inner and inner[-1]["t"] == "Plain":  # read before the closing fence
                inner[-1] = {"t": "Para", "c": inner[-1]["c"]}
            out.append({"t": "Div", "c": [b["c"][0], inner]})
        elif kind == "BulletList":
            out.append({"t": kind, "c": _items(b["c"])})
        elif kind == "OrderedList":
            out.append({"t": kind, "c": [b["c"][0], _items(b["c"][1])]})
        else:
            raise _Unsure(kind)
    return out


def _items(items: list[list]) -> list[list]:
    if not items or not all(items):
        raise _Unsure("empty list or item")
    loose = not all(_tight_item(item) for item in items)
    read: list[list] = []
    for k, item in enumerate(items):
        blocks = _blocks(item, in_list=True)
        last = blocks[-1]
        if last["t"] in ("Plain", "Para") and k + 1 < len(items):
            # a blank line before the next item makes a paragraph of the item's last line
            blank = loose or _fixed(item, True)[-1]["t"] != "Plain"
            blocks[-1] = {"t": "Para" if blank else "Plain", "c": last["c"]}
        read.append(blocks)
    return _compactify(read)


def _tight_item(item: list) -> bool:
    """pandoc's writer's `isTightList` for one item: it opens with a line of text, or it is
    a list alone that is tight itself (pandoc 3.9: `- a. B` under `- A` without a blank
    line; a list followed by anything, or a quote, a div or a code block, parts the items)."""
    first = item[0]["t"]
    if first == "Plain":
        return True
    if len(item) == 1 and first in LISTS:
        inner = item[0]["c"] if first == "BulletList" else item[0]["c"][1]
        return all(not x or _tight_item(x) for x in inner)
    return False


def _compactify(items: list[list]) -> list[list]:
    """pandoc's reader's `compactify`: a list whose only paragraph ends its last item is
    tight; one with paragraphs elsewhere is loose throughout."""
    others, final = items[:-1], items[-1]
    if final[-1]["t"] == "Para" and not any(b["t"] == "Para" for item in others for b in item) \
            and not any(b["t"] == "Para" for b in final[:-1]):
        return [*others, [*final[:-1], {"t": "Plain", "c": final[-1]["c"]}]]
    if not any(b["t"] == "Para" for item in items for b in item):
        return items
    return [[{"t": "Para", "c": b["c"]} if b["t"] == "Plain" else b for b in item]
            for item in items]


def first_and_last(blocks: list) -> tuple[str, str]:
    """The kinds of a passage's first and last block: whether it may join the text beside it
    (a list with a list, a list with an indented code block)."""
    return blocks[0]["t"], blocks[-1]["t"]


Passage = tuple[str, str, str]
"""A changed passage for the page: its blocks as `html_source` writes them, and the kinds of
its first and last block."""


def passage(blocks: Any) -> Passage | None:
    """The passage for the page, or None where `as_read` is unsure or there are no blocks."""
    read = as_read(blocks) if blocks else None
    if not read:
        return None
    return (html_source(read), *first_and_last(read))
