"""The chapter body as Word shows it: editable pieces (leaves) with their place in the
Markdown, and the plain text of each with a map back to the Markdown characters.

Edits made in Word arrive as plain text; applying them to the Markdown at the mapped places
keeps every untouched link, emphasis and anchor exactly as the editor wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline.plan.headings import measure_number

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*(\{[^}]*\})?[ \t]*#*[ \t]*$")
_ITEM = re.compile(r"^([ \t]*(?:[-*+]|\d+[.)])[ \t]+)")
_DEFINITION = re.compile(r"^(:[ \t]+)")
_FENCE = re.compile(r"^(:::|```|~~~)")
_SECTION = re.compile(r"^(\d+|[A-Z])\.(\d+)\s")
_GOAL = re.compile(r"^\*\*Ziel\s+(\S+?):?\*\*")


@dataclass(frozen=True)
class Leaf:
    """One paragraph-like piece of the body: a heading's text, a paragraph, a list item,
    a definition's term or text, a table cell."""

    start: int
    end: int
    """body[start:end] is the leaf's Markdown (without heading marks, list markers, ids)."""
    kind: str
    """'heading', 'para', 'item', 'term', 'definition', 'cell'."""
    prefix: str = ""
    """What starts a new leaf of the same kind on a line ('- ', '## ', ': ')."""
    anchor: str = ""
    """The section, Ziel or Maßnahme the leaf belongs to (e.g. 'Maßnahme 1.2.3')."""


def leaves(body: str) -> list[Leaf]:
    """Split a chapter body into leaves, in reading order."""
    out: list[Leaf] = []
    offset = 0
    lines = body.split("\n")
    starts = []
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    anchor = section = ""
    i = 0
    fenced_code = False
    while i < len(lines):
        line = lines[i]
        if fenced_code:
            fenced_code = not line.startswith(("```", "~~~"))
            i += 1
            continue
        if not line.strip() or _FENCE.match(line):
            fenced_code = line.startswith(("```", "~~~"))
            i += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            text = heading.group(2)
            start = starts[i] + heading.start(2)
            level = len(heading.group(1))
            if level <= 2:
                m = _SECTION.match(text)
                section = f"Abschnitt {m.group(1)}.{m.group(2)}" if m else ""
                anchor = section
            elif number := measure_number(level, text):
                anchor = f"Maßnahme {number}"
            elif level <= 4:
                anchor = section
            out.append(Leaf(start, start + len(text), "heading", heading.group(1) + " ", anchor))
            i += 1
            continue
        if line.startswith("|"):  # a pipe table: one leaf per cell, the rule row skipped
            k = i
            while k < len(lines) and lines[k].startswith("|"):
                k += 1
            c = k
            while c < len(lines) and not lines[c].strip():
                c += 1
            caption = _DEFINITION.match(lines[c]) if c < len(lines) and c > k else None
            if caption:  # Word shows the caption above the table: keep that order
                s0 = starts[c] + caption.end(1)
                out.append(Leaf(s0, starts[c] + len(lines[c].rstrip()), "caption", "", anchor))
            while i < len(lines) and lines[i].startswith("|"):
                row = lines[i]
                if not re.fullmatch(r"[|:\- \t]+", row):
                    for m in re.finditer(r"(?<=\|)([^|]*?(?:\\\|[^|]*?)*)(?=\|)", row):
                        cell = m.group(1)
                        lead = len(cell) - len(cell.lstrip())
                        text = cell.strip()
                        if text:
                            s = starts[i] + m.start(1) + lead
                            out.append(Leaf(s, s + len(text), "cell", "", anchor))
                i += 1
            if caption:
                i = c + 1
            continue
        # a block of lines up to the next blank line: paragraph, list, or definition list
        j = i
        while j < len(lines) and lines[j].strip() and not _HEADING.match(lines[j]) \
                and not _FENCE.match(lines[j]):
            j += 1
        pieces: list[tuple[int, int, str, str]] = []  # (first line, prefix length, kind, prefix)
        for k in range(i, j):
            item = _ITEM.match(lines[k])
            definition = _DEFINITION.match(lines[k])
            if item:
                pieces.append((k, len(item.group(1)), "item", item.group(1)))
            elif definition:
                pieces.append((k, len(definition.group(1)), "definition", definition.group(1)))
            elif k + 1 < j and _DEFINITION.match(lines[k + 1]):
                pieces.append((k, 0, "term", ""))
            elif not pieces:
                pieces.append((k, 0, "para", ""))
        for n, (k, skip, kind, prefix) in enumerate(pieces):
            last = (pieces[n + 1][0] if n + 1 < len(pieces) else j) - 1
            start = starts[k] + skip
            end = starts[last] + len(lines[last])
            text = body[start:end]
            leaf_anchor = anchor
            if kind == "item" and (m := _GOAL.match(text)):
                leaf_anchor = f"Ziel {m.group(1)}"
            out.append(Leaf(start, end, kind, prefix, leaf_anchor))
        i = j
    return out


# --- plain text and its map back to the Markdown -------------------------------------------

_ATTR = re.compile(r"\{[#.][^}]*\}")
_EMPTY_SPAN = re.compile(r"\[\]\{[^}]*\}")
_LINK_TARGET = re.compile(r"\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
_SPAN_ATTR = re.compile(r"\{(?:[#.]|[\w-]+=)[^}]*\}")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[^\s<>@]+@[^\s<>]+)>")
_NOTE_REF = re.compile(r"\[\^[^\]\s]+\](?!:)")
_WORD = re.compile(r"\w")
_ALNUM = re.compile(r"[^\W_]")


def plain_map(src: str) -> tuple[str, list[int]]:
    """The text Word shows for the Markdown `src` (whitespace runs as one space), and for
    each of its characters the index in `src` it came from."""
    chars: list[str] = []
    pos: list[int] = []
    opened: set[str] = set()
    closers: set[int] = set()
    """Where the `]` of a link or span is (a `[` without one is text, as pandoc reads it)."""
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == "[" and (m := _EMPTY_SPAN.match(src, i)):
            i = m.end()
            continue
        if c == "{" and (m := _ATTR.match(src, i)):
            i = m.end()
            continue
        if c == "^" and src.startswith("^[", i):  # an inline footnote: Word has it apart
            depth, k = 0, i + 1
            while k < n:
                if src[k] == "\\":
                    k += 2
                    continue
                depth += {"[": 1, "]": -1}.get(src[k], 0)
                k += 1
                if depth == 0:
                    break
            i = k
            continue
        if c == "<" and (m := _AUTOLINK.match(src, i)):  # Word shows the address alone
            chars.extend(m.group(1))
            pos.extend(range(m.start(1), m.end(1)))
            i = m.end()
            continue
        if c == "[" and (m := _NOTE_REF.match(src, i)):  # a footnote: Word has it apart
            i = m.end()
            continue
        if c == "!" and src.startswith("![", i) and (close := _link_close(src, i + 1)) >= 0:
            closers.add(close)
            i += 2
            continue
        if c == "[" and (close := _link_close(src, i)) >= 0:
            closers.add(close)
            i += 1
            continue
        if c == "]" and i in closers:  # a link's or span's end: its target is no text
            m = _LINK_TARGET.match(src, i) or _SPAN_ATTR.match(src, i + 1)
            i = m.end() if m else i + 1
            continue
        if c == "\\" and i + 1 < n and not src[i + 1].isspace() and not src[i + 1].isalnum():
            chars.append(src[i + 1])  # (before a letter or digit a backslash is text)
            pos.append(i + 1)
            i += 2
            continue
        if c in "*_":
            j = i
            while j < n and src[j] == c:
                j += 1
            before = src[i - 1] if i else " "
            after = src[j] if j < n else " "
            run = src[i:j]
            closes = run in opened and not before.isspace()
            opens = not after.isspace() and _has_partner(src, j, c, j - i)
            intraword = _ALNUM.match(before) and _ALNUM.match(after) and (c == "_" or j - i == 1)
            if intraword or not (opens or closes):
                for k in range(i, j):  # Partner*innen, or a star without partner: text
                    chars.append(c)
                    pos.append(k)
            elif closes:
                opened.discard(run)
            else:
                opened.add(run)
            i = j
            continue
        if c == "`":
            i += 1
            continue
        if c.isspace():
            if chars and chars[-1] != " ":
                chars.append(" ")
                pos.append(i)
            i += 1
            continue
        chars.append(c)
        pos.append(i)
        i += 1
    while chars and chars[-1] == " ":
        chars.pop()
        pos.pop()
    return "".join(chars), pos


def _link_close(src: str, k: int) -> int:
    """The index of the `]` that closes the `[` at `k` as a link or span (a target `(…)` or
    attributes `{…}` follow it), or -1: then pandoc reads both brackets as text."""
    depth, n = 0, len(src)
    while k < n:
        c = src[k]
        if c == "\\":
            k += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return k if _LINK_TARGET.match(src, k) or _SPAN_ATTR.match(src, k + 1) else -1
        k += 1
    return -1


def _has_partner(src: str, k: int, c: str, length: int) -> bool:
    """Whether a run of exactly `length` unescaped `c` follows position `k` (a closer)."""
    n = len(src)
    while k < n:
        if src[k] == "\\":
            k += 2
            continue
        if src[k] == c:
            m = k
            while m < n and src[m] == c:
                m += 1
            if m - k == length and not src[k - 1].isspace():
                return True
            k = m
            continue
        k += 1
    return False


def ast_text(node: Any, *, images: bool = False) -> str:
    """All text in a node of pandoc's JSON, with a space after each paragraph and for each
    break; an image's description only if `images` (a paragraph's own text leaves out the
    images it shows). Compare it through `normal`."""
    if isinstance(node, list):
        return "".join(ast_text(n, images=images) for n in node)
    if isinstance(node, dict):
        t, c = node.get("t"), node.get("c")
        if t == "Str":
            return c
        if t in ("Space", "SoftBreak", "LineBreak"):
            return " "
        if t in ("Para", "Plain"):
            return ast_text(c, images=images) + " "
        if t == "Image":
            return ast_text(c[1], images=images) if images else ""
        return ast_text(c, images=images) if c is not None else ""
    return ""


def normal(text: str) -> str:
    """Whitespace runs as one space, no space at the ends (how the text is compared)."""
    return " ".join(text.split())


def key(text: str) -> str:
    """What two versions of a leaf must share to be taken for the same leaf."""
    return "".join(_WORD.findall(text)).casefold()


_LIST_MARKER = re.compile(
    r"(?:[A-Z]\.(?=\t| {2}|$)|(?:[-+]|(?:\d{1,9}|[a-z]|[ivxlcdm]+|[IVXLCDM]{2,}|#)[.)]|[A-Z]\)"
    r"|\((?:\d{1,9}|[a-zA-Z]|[ivxlcdmIVXLCDM]+|#|@[\w-]*)\)|@[\w-]*[.)])(?=[ \t]|$))")
"""What opens a list item at a block's start, as pandoc reads it (bullets, fancy_lists with
its `(1)`, `1)`, `a.`, `iv.`, `#.`, example lists `(@)`; a capital letter and a period only
before two spaces, so „A. Müller“ stays as typed): „1. Januar 2021: …“ typed in Word as a
paragraph's first words would become a numbered list."""


def _list_marker_escape(text: str) -> int:
    """The index in `text` (a block's start) where a backslash keeps a list marker text:
    before its `-`, `+` or opening `(`, else before its closing `.` or `)`; -1 for none."""
    m = _LIST_MARKER.match(text)
    if not m:
        return -1
    return 0 if text[0] in "-+(" else m.end() - 1


def escape_all(text: str) -> str:
    """Plain text as Markdown with every character escaped that could be markup anywhere:
    for text whose neighbours are not known (a draft's words one by one)."""
    lead = _list_marker_escape(text)
    if lead >= 0:
        return escape_all(text[:lead]) + "\\" + text[lead] + escape_all(" " + text[lead + 1:])[1:]
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([\[\]`<>])|^#", r"\\\g<0>", text)
    return re.sub(r"(?<![^\W_])[*_]|[*_](?![^\W_])", lambda m: "\\" + m.group(0), text)


def escape(text: str, before: str = "", after: str = "") -> str:
    """Plain text typed in Word as Markdown that reads back as that text, with a backslash
    only where pandoc would read markup: an editor who opens the chapter after an import
    finds `Gruppen < 12 [vgl. 1.2], 2 * 3` as it was written, not `\\<`, `\\[`, `\\*`.
    `before` and `after` are the plain text around it ('' at a paragraph's edge, where `>`,
    `#` or `* ` would begin a block)."""
    out: list[str] = []
    rest = text + after
    lead = -1 if before else _list_marker_escape(rest)  # „1. Januar“ is no list
    for k, c in enumerate(text):
        prev = text[k - 1] if k else before[-1:]
        nxt = rest[k + 1:k + 2]
        if c == "\\":
            need = not nxt.isalnum()  # `\D` is text; `\*`, `\ ` and a final `\` are not
        elif c == "`":
            need = True
        elif c in "*_":  # Partner*innen and `2 * 3` are text; `*Wort` may open emphasis
            intraword = bool(_ALNUM.match(prev)) and bool(_ALNUM.match(nxt))
            need = not intraword and not (prev.isspace() and nxt.isspace())
        elif c == "[":
            need = _link_close(rest, k) >= 0 or bool(_NOTE_REF.match(rest, k)) \
                or rest.startswith("[]{", k)
        elif c == "<":  # an autolink or HTML (`<http://…>`, `<b>`); `< 12` and `<5` are text
            need = nxt.isalpha() or nxt in ("/", "!", "?")
        elif c in ">#":  # a quotation or a heading at a paragraph's start
            need = not prev or k == lead
        else:
            need = k == lead
        out.append("\\" + c if need else c)
    return "".join(out)


def apply_plain(src: str, target: str) -> str:
    """`src` (Markdown) changed so that its plain text becomes `target`: only the changed
    characters are replaced, all other Markdown stays as it was."""
    import difflib

    base, pos = plain_map(src)
    target = normal(target)
    if base == target:
        return src
    textual = set(pos) | {p - 1 for p in pos if p and src[p - 1] == "\\"}
    ops = [op for op in difflib.SequenceMatcher(None, base, target, autojunk=False)
           .get_opcodes() if op[0] != "equal"]

    def spliced(escaping: Callable[[str, str, str], str]) -> str:
        out: list[str] = []
        cursor = 0
        for _tag, i1, i2, j1, j2 in ops:
            start = pos[i1] if i1 < len(base) else len(src.rstrip())
            end = pos[i2 - 1] + 1 if i2 > i1 else start
            if i2 > i1 and base[i2 - 1] == " ":  # a whitespace run is one character of `base`
                while end < len(src) and src[end].isspace():
                    end += 1
            out.append(src[cursor:start])
            out.append(escaping(target[j1:j2], target[:j1], target[j2:]))
            # markup inside the replaced range stays (a closing ** after deleted text)
            out.append("".join(src[k] for k in range(start, end)
                               if k not in textual and not src[k].isspace()))
            cursor = end
        out.append(src[cursor:])
        result = "".join(out)
        if not _EMPTY_EMPHASIS.search(src):  # all text between ** and ** deleted: drop the pair
            result = _EMPTY_EMPHASIS.sub(lambda m: m.group(2), result)
        return result

    # Backslashes only where needed; where the new text meets the old Markdown so that it
    # would read otherwise, every character that could be markup escaped.
    result = spliced(escape)
    if plain_map(result)[0] == target:
        return result
    result = spliced(lambda text, _before, _after: escape_all(text))
    if plain_map(result)[0] == target:
        return result
    # An edit beside a gender star took its letters away (`Schulsy:*innen`), so that it
    # would pair up with the next one: write the stars escaped, else the leaf anew.
    starred = _LONE_STAR.sub(r"\\\1", result)
    if plain_map(starred)[0] == target:
        return starred
    anew = escape(target)
    return anew if plain_map(anew)[0] == target else escape_all(target)


_LONE_STAR = re.compile(r"(?<![\\*\s])([*_])(?![*\s])")


_EMPTY_EMPHASIS = re.compile(r"(?<![\\*_])(\*\*|__)(\s*)\1(?![*_])")
