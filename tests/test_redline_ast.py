"""The model of pandoc's Markdown round trip (render/redline_ast.py) against pandoc itself:
a changed passage converted from its blocks gives the HTML its Markdown gives."""

from __future__ import annotations

import json
import random

import pytest

from pipeline.render import redline_ast
from pipeline.render.reader import REDLINE_READER, REDLINE_WRITER
from pipeline.render.tools import run_pandoc

API = [1, 23, 1]
TEXTS = ["Wort", "1.", "-", "*x*", "a)", "#", "[b]", "„q“", "<i>", "w\\", "(2)", "–", "§ 3"]


def _doc(blocks: list) -> str:
    return json.dumps({"pandoc-api-version": API, "meta": {}, "blocks": blocks},
                      ensure_ascii=False)


class _Blocks:
    """Random blocks of the kinds the engine writes: lists (tight and loose, nested, of
    every numbering), divs of marks, paragraphs and lines of text with words, spaces,
    emphasis and marks, headings, code blocks and rules."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n = 0

    def word(self) -> dict:
        self.n += 1
        return {"t": "Str", "c": f"{self.rng.choice(TEXTS)}{self.n}"}

    def inlines(self, depth: int = 0) -> list:
        out: list = []
        for _ in range(self.rng.randint(1, 4)):
            r = self.rng.random()
            if out and r < 0.3:
                out.append(self.rng.choice([{"t": "Space"}, {"t": "SoftBreak"}]))
            if r < 0.55 or depth > 1:
                out.append(self.word())
            elif r < 0.7:
                out.append({"t": self.rng.choice(["Emph", "Strong"]),
                            "c": self.inlines(depth + 1)})
            else:
                out.append({"t": "Span", "c": [["", [self.rng.choice(["ins", "del"])], []],
                                               self.inlines(depth + 1)]})
        return out

    def block(self, depth: int = 0) -> dict:
        r = self.rng.random()
        if depth < 3 and r < 0.3:
            items = [[self.block(depth + 1) for _ in range(self.rng.choice([1, 1, 1, 2, 2, 3]))]
                     for _ in range(self.rng.randint(1, 4))]
            if self.rng.random() < 0.5:
                return {"t": "BulletList", "c": items}
            style = [self.rng.choice([1, 3]), {"t": self.rng.choice(["Decimal", "LowerAlpha"])},
                     {"t": self.rng.choice(["Period", "OneParen", "TwoParens"])}]
            return {"t": "OrderedList", "c": [style, items]}
        if depth < 3 and r < 0.38:
            return {"t": "Div", "c": [["", [self.rng.choice(["ins", "del"])], []],
                                      [self.block(depth + 1)
                                       for _ in range(self.rng.randint(1, 2))]]}
        if r < 0.41:
            return {"t": "CodeBlock", "c": [["", [], []], f"code {self.n}"]}
        if r < 0.43:
            return {"t": "HorizontalRule"}
        if r < 0.7:
            return {"t": "Plain", "c": self.inlines()}
        if r < 0.95:
            return {"t": "Para", "c": self.inlines()}
        return {"t": "Header", "c": [self.rng.randint(1, 4), ["", [], []], self.inlines()]}


def _split(html: str, count: int) -> list[str]:
    parts = html.split("<!--fall-->\n")[1:]
    assert len(parts) == count
    return parts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_model_reads_back_what_pandocs_markdown_gives(seed: int) -> None:
    """Random block sequences, written as the engine writes them and read as the page reads
    them, give the HTML of the model's blocks, wherever the model is sure; in runs, as the
    page converts its parts."""
    make = _Blocks(seed)
    cases = [[make.block() for _ in range(make.rng.randint(1, 4))] for _ in range(300)]
    read = [redline_ast.as_read(json.loads(json.dumps(c))) for c in cases]
    sure = [(c, r) for c, r in zip(cases, read, strict=True) if r is not None]
    assert len(sure) >= 50, "the model is sure of too few cases to test it"
    mark = {"t": "RawBlock", "c": ["html", "<!--fall-->"]}
    written = run_pandoc(["-f", "json", "-t", REDLINE_WRITER, "--wrap=none"],
                         _doc([b for c, _ in sure for b in [{"t": "Para", "c": [
                             {"t": "Str", "c": "RLFALL"}]}, *c]])).decode()
    mds = written.split("RLFALL")[1:]
    via_markdown = run_pandoc(["-f", REDLINE_READER + "-auto_identifiers", "-t", "html5",
                               "--wrap=none"],
                              "\n\n".join("<!--fall-->\n\n" + md.strip("\n") for md in mds)
                              ).decode()
    blocks = ", ".join(
        json.dumps(mark) + ("," + redline_ast.html_source(r)[1:-1] if r else "")
        for _, r in sure)
    via_blocks = run_pandoc(["-f", "json", "-t", "html5", "--wrap=none"],
                            '{"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": ['
                            + blocks + "]}").decode()
    expected, got = _split(via_markdown, len(sure)), _split(via_blocks, len(sure))
    wrong = [(c, m, g) for (c, _), m, g in zip(sure, expected, got, strict=True) if m != g]
    assert not wrong, wrong[:2]


def _para(*words: str) -> dict:
    return {"t": "Para", "c": [{"t": "Str", "c": w} for w in words]}


def _plain(*words: str) -> dict:
    return {"t": "Plain", "c": [{"t": "Str", "c": w} for w in words]}


def _div(kind: str, *blocks: dict) -> dict:
    return {"t": "Div", "c": [["", [kind], []], list(blocks)]}


def _ol(*items: list) -> dict:
    return {"t": "OrderedList", "c": [[1, {"t": "Decimal"}, {"t": "TwoParens"}], list(items)]}


def test_a_list_with_a_changed_block_item_is_loose_throughout() -> None:
    """An item that opens with a deleted block makes the writer part all items by blank
    lines: read back, the first item's line of text is a paragraph too (TPG, § 11)."""
    read = redline_ast.as_read([_ol([_plain("Eins")], [_div("del", _para("Zwei"))])])
    assert read == [_ol([_para("Eins")], [_div("del", _para("Zwei"))])]


def test_a_list_whose_only_paragraph_ends_it_is_tight() -> None:
    read = redline_ast.as_read([_ol([_div("ins", _para("Eins"))], [_para("Zwei")])])
    assert read == [_ol([_div("ins", _para("Eins"))], [_plain("Zwei")])]


def test_two_lists_in_a_row_get_pandocs_separator_and_text_outside_lists_is_a_paragraph(
        ) -> None:
    read = redline_ast.as_read([_plain("Text"), _ol([_plain("a")]), _ol([_plain("b")])])
    assert read == [_para("Text"), _ol([_plain("a")]),
                    {"t": "RawBlock", "c": ["html", "<!-- -->"]}, _ol([_plain("b")])]


def _alpha(*items: list) -> dict:
    return {"t": "OrderedList", "c": [[1, {"t": "LowerAlpha"}, {"t": "Period"}], list(items)]}


@pytest.mark.parametrize("item", [
    [_alpha([_plain("B")])],
    [{"t": "BulletList", "c": [[_plain("B")], [_alpha([_plain("C")])]]}],
    [_alpha([_plain("B")]), _para("C")],
    [_alpha([_plain("B")]), _plain("C")],
    [{"t": "BulletList", "c": [[_plain("B")], [_para("C")]]}],
    [_div("del", _plain("B"))],
])
def test_an_item_that_is_a_list_reads_back_as_pandoc_writes_it(item: list) -> None:
    """pandoc's writer keeps a list tight where an item is nothing but a tight list (found
    by the property test: `- Stadt` above `- a. Stadt`), and parts the items by blank lines
    where the list is followed by more, is loose itself, or the item opens with a div: the
    model reads back what pandoc reads."""
    blocks = [{"t": "BulletList", "c": [[_plain("A")], item]}]
    md = run_pandoc(["-f", "json", "-t", REDLINE_WRITER, "--wrap=none"], _doc(blocks))
    back = json.loads(run_pandoc(["-f", REDLINE_READER + "-auto_identifiers", "-t", "json"],
                                 md))["blocks"]
    assert redline_ast.as_read(blocks) == back


@pytest.mark.parametrize("why,blocks", [
    ("emphasis at the edge of emphasis", [{"t": "Para", "c": [
        {"t": "Emph", "c": [{"t": "Strong", "c": [{"t": "Str", "c": "x"}]}]}]}]),
    ("emphasis beside emphasis", [{"t": "Para", "c": [
        {"t": "Strong", "c": [{"t": "Str", "c": "a"}]}, {"t": "Emph", "c": [{"t": "Str",
                                                                              "c": "b"}]}]}]),
    ("a footnote", [{"t": "Para", "c": [{"t": "Note", "c": [_para("n")]}]}]),
    ("a link", [{"t": "Para", "c": [{"t": "Link", "c": [["", [], []], [{"t": "Str", "c": "l"}],
                                                         ["#x", ""]]}]}]),
    ("a code block in a list", [_ol([{"t": "CodeBlock", "c": [["", [], []], "x"]}])]),
    ("two code blocks in a row", [{"t": "CodeBlock", "c": [["", [], []], "x"]}] * 2),
    ("a line of text before a paragraph", [_ol([_plain("a"), _para("b")])]),
    ("an empty item", [_ol([])]),
    ("a table", [{"t": "Table", "c": []}]),
])
def test_the_model_is_not_sure_where_pandoc_reads_back_otherwise(why: str, blocks: list
                                                                 ) -> None:
    assert redline_ast.as_read(blocks) is None, why
