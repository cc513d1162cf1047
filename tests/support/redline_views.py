"""Shared checks for the redline tests: accept/reject words and word-splitting."""

from __future__ import annotations

import json
import re

from pipeline import redline
from pipeline.render import redline_text
from pipeline.render.tools import run_pandoc

MARK_OPEN, MARK_CLOSE = "\x01", "\x02"


def blocks_of(md: str) -> list:
    return redline_text.parse_markdown(md)


def views(red_md: str) -> tuple[list[str], list[str]]:
    """Words after accepting and after rejecting every change."""
    blocks = blocks_of(red_md)
    return (redline.ast_words(redline.resolve_blocks(blocks, accept=True)),
            redline.ast_words(redline.resolve_blocks(blocks, accept=False)))


def marked_text(node, out: list[str]) -> None:
    """Plain text with change spans bracketed by control characters."""
    if isinstance(node, dict):
        t = node.get("t")
        if t == "Span" and ({"ins", "del"} & set(node["c"][0][1])):
            out.append(MARK_OPEN)
            marked_text(node["c"][1], out)
            out.append(MARK_CLOSE)
        elif t == "Str":
            out.append(node["c"])
        elif t in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif t in ("Para", "Plain", "Header"):
            out.append("\n")
            marked_text(node.get("c"), out)
            out.append("\n")
        elif "c" in node:
            marked_text(node["c"], out)
    elif isinstance(node, list):
        for x in node:
            marked_text(x, out)


_SPLIT = re.compile(rf"\w{MARK_OPEN}\w|\w{MARK_CLOSE}\w")


def split_words(red_md: str) -> list[str]:
    """Places where a change starts or ends inside a word (should be none)."""
    out: list[str] = []
    marked_text(blocks_of(red_md), out)
    text = "".join(out)
    return [text[max(0, m.start() - 20):m.end() + 20] for m in _SPLIT.finditer(text)]


def docx_words(path, mode: str) -> list[str]:
    """Words of a DOCX after pandoc's --track-changes=accept|reject."""
    data = run_pandoc([str(path), f"--track-changes={mode}", "-t", "json"])
    return redline.ast_words(json.loads(data)["blocks"])


def count_cut_passages(monkeypatch) -> list[int]:
    """A list that gets, for each redline page made from now on, how many changed passages
    it cut out to convert from their blocks (`redline_html.split_passages`)."""
    from pipeline.render import redline_html

    cut: list[int] = []
    real = redline_html.split_passages

    def counting(texts, passages):
        out = real(texts, passages)
        cut.append(len(out[1]))
        return out
    monkeypatch.setattr(redline_html, "split_passages", counting)
    return cut
