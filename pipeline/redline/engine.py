"""Structure-aware redline between two Markdown texts: blocks first, then words.

The pipeline: split both sources into top-level chunks (blank-line separated, fences and
indented continuations kept together), align the chunks by their whitespace-normalised text
(patience anchors, diff-match-patch for the gaps), detect moved paragraphs and Maßnahmen, parse
only the changed chunks with pandoc (one call per side), align the changed blocks (headings,
paragraphs, list items, table rows and cells, definition items) and diff the words inside
aligned blocks with diff-match-patch (each word token mapped to one character, no timeout,
semantic clean-up). The result is pandoc Markdown with `[..]{.ins}` / `[..]{.del}` spans and
`::: ins` / `::: del` / `::: {.moved .del|.ins}` divs, plus statistics.

Unchanged chunks are copied from NEU verbatim, so a 1,000-page document with a few hundred
edits costs two small pandoc calls, not a full parse.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import marshal
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from diff_match_patch import diff_match_patch

try:  # the C++ port of diff-match-patch, where installed (see _counts_in_cpp)
    from fast_diff_match_patch import diff as fast_diff
except ImportError:  # another platform: the Python port, with the same result
    fast_diff = None

from pipeline.plan.gender_star import protect_gender_star
from pipeline.plan.headings import MEASURE_WORD, heading_measure_number, heading_text
from pipeline.plan.nesting import Nesting
from pipeline.wording import number_order

if TYPE_CHECKING:
    from pipeline.plan import Chapter

INS, DEL = "ins", "del"
MOVED = "moved"
PANDOC_API = [1, 23, 1]

#: Below this share of unchanged words an aligned paragraph counts as replaced whole.
REPLACE_THRESHOLD = 0.3
#: Blocks less similar than this are not paired at all (shown as deleted + inserted).
PAIR_THRESHOLD = 0.4
#: A deleted and an inserted passage at different places this similar count as moved.
MOVE_THRESHOLD = 0.8
MOVE_MIN_WORDS = 4
#: Changed text (ALT and NEU) parsed, compared and written at a time: what the engine and
#: each pandoc hold grows with this, not with the amount of change.
BATCH_CHARS = 120_000
#: Largest gap (old blocks × new blocks) aligned by dynamic programming.
DP_LIMIT = 250_000
#: Largest run of blocks without any shared block that is still diffed exactly.
UNANCHORED_LIMIT = 2_000

_WORD_RE = re.compile(r"\w+(?:[-*'’.,:/]\w+)*|\s+|.", re.UNICODE)
_HEADING_RE = re.compile(r"(#{1,6})[ \t]")
"""An ATX heading and its level, matched on one line (anything may follow the blank; the
former pattern spelled out the rest with a lazy `.*?` and took 3 µs a heading)."""
_MEASURE_ANYWHERE = re.compile(r"#[ \t]+" + MEASURE_WORD)
"""What every line of a Maßnahme's heading holds (`plan.headings.heading_measure_number` reads
it): a text without it has none (1 ms on the BGB, against 20 ms to look at each of its
lines)."""
_DEFINITION_RE = re.compile(r"^\[\^?[^\]]+\]:[ \t]")
_YAML_RE = re.compile(r"\A(?:\ufeff)?---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


# --- public data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """One diff operation over word tokens (our shape for diff-match-patch's tuples)."""

    kind: Literal["equal", "insert", "delete"]
    tokens: tuple[str, ...]

    @property
    def text(self) -> str:
        return "".join(self.tokens)


@dataclass
class Stats:
    """What changed: word counts, Maßnahmen by ID, moves and any fallback taken."""

    words_added: int = 0
    words_removed: int = 0
    words_moved: int = 0
    measures_added: list[str] = field(default_factory=list)
    measures_removed: list[str] = field(default_factory=list)
    measures_changed: list[str] = field(default_factory=list)
    measures_moved: list[str] = field(default_factory=list)
    blocks_moved: int = 0
    blocks_moved_away: int = 0
    """Passages moved from this chapter to another (`across.moves_across`): counted in
    `blocks_moved` where they arrived."""
    blocks_replaced: int = 0
    fallbacks: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.words_added or self.words_removed or self.blocks_moved
                    or self.blocks_moved_away or self.measures_added or self.measures_removed or self.measures_changed)

    def add(self, other: Stats) -> None:
        self.words_added += other.words_added
        self.words_removed += other.words_removed
        self.words_moved += other.words_moved
        self.blocks_moved += other.blocks_moved
        self.blocks_moved_away += other.blocks_moved_away
        self.blocks_replaced += other.blocks_replaced
        self.measures_added += other.measures_added
        self.measures_removed += other.measures_removed
        self.measures_changed += other.measures_changed
        # a Maßnahme moved to another chapter is moved in both (`across.moves_across`): once
        self.measures_moved += [m for m in other.measures_moved if m not in self.measures_moved]
        self.fallbacks += other.fallbacks

    @property
    def passages_moved(self) -> int:
        """Passages moved in, within or out of this text: what its figures say."""
        return self.blocks_moved + self.blocks_moved_away

    def to_json(self) -> dict[str, Any]:
        return {
            "words_added": self.words_added, "words_removed": self.words_removed,
            "words_moved": self.words_moved, "blocks_moved": self.blocks_moved,
            "blocks_moved_away": self.blocks_moved_away,
            "blocks_replaced": self.blocks_replaced,
            "measures_added": self.measures_added, "measures_removed": self.measures_removed,
            "measures_changed": self.measures_changed, "measures_moved": self.measures_moved,
            "fallbacks": self.fallbacks,
        }


@dataclass
class Redline:
    """A redline: pandoc Markdown with ins/del markup, and what changed."""

    markdown: str
    stats: Stats
    title: str = ""
    chapter_id: str = ""
    author: str = ""
    vorgaben: list[str] = field(default_factory=list)
    """Vorgaben of the last decision on the chapter (shown beside the changes)."""
    passages: dict[str, Any] = field(default_factory=dict)
    """Changed passages whose HTML can be written from their blocks: each one's Markdown ->
    what the page needs (filled by the caller's `Pandoc`, which knows how pandoc reads; the
    engine only carries it)."""


# --- tokens and the word diff --------------------------------------------------------------


def _dmp() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0  # never cut the search short: the default 1 s gives coarse diffs
    return dmp


def _counts_in_python(ta: str, tb: str, semantic: bool) -> list[tuple[str, int]]:
    """diff-match-patch's Python port: ('=' | '-' | '+', length) per run."""
    dmp = _dmp()
    diffs = dmp.diff_main(ta, tb, False)
    if semantic:
        dmp.diff_cleanupSemantic(diffs)
    return [("=-+"[-op], len(text)) for op, text in diffs]


def _counts_in_cpp(ta: str, tb: str, semantic: bool) -> list[tuple[str, int]]:
    """The same algorithm in its C++ port, where installed (fast_diff_match_patch has wheels
    for x86-64 up to Python 3.12): the same runs (tested against the Python port), in a
    tenth of the time; the word diffs of the changed paragraphs are most of the comparison
    (TPG: 89 → 10 ms)."""
    return fast_diff(ta, tb, timelimit=0, checklines=False,
                     cleanup="Semantic" if semantic else "No", counts_only=True)


diff_counts = _counts_in_cpp if fast_diff is not None else _counts_in_python
"""The word diff's runs: the C++ port where installed, else the Python port (the same)."""


class _CharMap:
    """Map hashable keys to single characters (the diff_linesToChars trick, for any token)."""

    def __init__(self) -> None:
        self.chars: dict[Any, str] = {}

    def encode(self, keys: Iterable[Any]) -> str:
        out = []
        chars = self.chars
        for k in keys:
            c = chars.get(k)
            if c is None:
                n = len(chars)
                # private-use planes: never alnum/space, so dmp's lossless shifting stays neutral
                c = chr(0xF0000 + n) if n < 0x1FFFD else chr(0x10000 + n - 0x1FFFD)
                chars[k] = c
            out.append(c)
        return "".join(out)


def diff_sequences(a: Sequence[Any], b: Sequence[Any], semantic: bool = True
                   ) -> list[tuple[str, int, int, int, int]]:
    """Diff two key sequences; return opcodes (tag, i1, i2, j1, j2), tag equal/delete/insert.

    diff-match-patch (`diff_counts`) on one character per key, without timeout; with
    `semantic` its semantic clean-up merges tiny equalities between changes into the change.
    """
    cmap = _CharMap()
    ta, tb = cmap.encode(a), cmap.encode(b)
    out = []
    i = j = 0
    for op, n in diff_counts(ta, tb, semantic):
        if op == "=":
            out.append(("equal", i, i + n, j, j + n))
            i += n
            j += n
        elif op == "-":
            out.append(("delete", i, i + n, j, j))
            i += n
        else:
            out.append(("insert", i, i, j, j + n))
            j += n
    assert i == len(a) and j == len(b), "redline: diff does not cover both sides (bitte melden)"
    return out


def compare_text(old: str, new: str) -> list[Op]:
    """Word diff of two plain strings (the unit the property tests exercise)."""
    ta, tb = _WORD_RE.findall(old), _WORD_RE.findall(new)
    ops: list[Op] = []
    for tag, i1, i2, j1, j2 in diff_sequences(ta, tb):
        toks = ta[i1:i2] if tag == "delete" else tb[j1:j2]
        kind = {"equal": "equal", "delete": "delete", "insert": "insert"}[tag]
        ops.append(Op(kind, tuple(toks)))  # type: ignore[arg-type]
    return ops


def old_side(ops: Iterable[Op]) -> str:
    return "".join(op.text for op in ops if op.kind != "insert")


def new_side(ops: Iterable[Op]) -> str:
    return "".join(op.text for op in ops if op.kind != "delete")


def _patience(a: Sequence[Any], b: Sequence[Any], ai: int, bi: int,
              out: list[tuple[str, int, int, int, int]], notes: list[str]) -> None:
    """Patience diff on long key sequences; small gaps go to diff-match-patch."""
    n, m = len(a), len(b)
    p = 0
    while p < n and p < m and a[p] == b[p]:
        p += 1
    s = 0
    while s < n - p and s < m - p and a[n - 1 - s] == b[m - 1 - s]:
        s += 1
    if p:
        out.append(("equal", ai, ai + p, bi, bi + p))
    a_mid, b_mid = a[p:n - s], b[p:m - s]
    if a_mid or b_mid:
        _patience_core(a_mid, b_mid, ai + p, bi + p, out, notes)
    if s:
        out.append(("equal", ai + n - s, ai + n, bi + m - s, bi + m))


def _patience_core(a: Sequence[Any], b: Sequence[Any], ai: int, bi: int,
                   out: list[tuple[str, int, int, int, int]], notes: list[str]) -> None:
    if not a:
        out.append(("insert", ai, ai, bi, bi + len(b)))
        return
    if not b:
        out.append(("delete", ai, ai + len(a), bi, bi))
        return
    ca, cb = Counter(a), Counter(b)
    pos_b = {k: j for j, k in enumerate(b) if cb[k] == 1}
    pairs = [(i, pos_b[k]) for i, k in enumerate(a) if ca[k] == 1 and k in pos_b]
    if not pairs:
        pairs = _repeated_pairs(a, b, ca, cb)
    anchors = _lis(pairs)
    if not anchors and len(a) + len(b) > UNANCHORED_LIMIT:
        # nothing in common to hold on to: an exact diff would take quadratic time
        notes.append(f"{len(a)} alte und {len(b)} neue Blöcke ohne gemeinsamen Anker: als "
                      f"Ganzes ersetzt statt Block für Block verglichen")
        out.append(("delete", ai, ai + len(a), bi, bi))
        out.append(("insert", ai + len(a), ai + len(a), bi, bi + len(b)))
        return
    if not anchors:
        for tag, i1, i2, j1, j2 in diff_sequences(a, b, semantic=False):
            out.append((tag, ai + i1, ai + i2, bi + j1, bi + j2))
        return
    pi = pj = 0
    for i, j in anchors:
        if i > pi or j > pj:
            _patience(a[pi:i], b[pj:j], ai + pi, bi + pj, out, notes)
        out.append(("equal", ai + i, ai + i + 1, bi + j, bi + j + 1))
        pi, pj = i + 1, j + 1
    if pi < len(a) or pj < len(b):
        _patience(a[pi:], b[pj:], ai + pi, bi + pj, out, notes)


def _repeated_pairs(a: Sequence[str], b: Sequence[str], ca: Counter, cb: Counter
                    ) -> list[tuple[int, int]]:
    """Anchor candidates when no block is unique: text that repeats (a law quoted twice,
    the same boilerplate paragraph in every chapter) but occurs equally often on both sides
    pairs its k-th occurrence in `a` with its k-th in `b`."""
    where_b: dict[str, list[int]] = {}
    for j, k in enumerate(b):
        if ca[k] == cb[k]:
            where_b.setdefault(k, []).append(j)
    seen: Counter = Counter()
    pairs = []
    for i, k in enumerate(a):
        if k in where_b:
            pairs.append((i, where_b[k][seen[k]]))
            seen[k] += 1
    return pairs


def _lis(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest increasing subsequence by the second element (pairs sorted by the first)."""
    import bisect

    tails: list[int] = []
    tails_idx: list[int] = []
    prev = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect.bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tails_idx.append(k)
        else:
            tails[pos] = j
            tails_idx[pos] = k
        prev[k] = tails_idx[pos - 1] if pos else -1
    out = []
    k = tails_idx[-1] if tails_idx else -1
    while k >= 0:
        out.append(pairs[k])
        k = prev[k]
    return out[::-1]


def diff_chunks(a: Sequence[Any], b: Sequence[Any], notes: list[str] | None = None
                ) -> list[tuple[str, int, int, int, int]]:
    """Align two long sequences of block keys (patience anchors + dmp in the gaps); a
    fallback taken on the way is described in `notes`."""
    out: list[tuple[str, int, int, int, int]] = []
    _patience(a, b, 0, 0, out, notes if notes is not None else [])
    return _merge_opcodes(out)


def _merge_opcodes(ops: list[tuple[str, int, int, int, int]]
                   ) -> list[tuple[str, int, int, int, int]]:
    merged: list[tuple[str, int, int, int, int]] = []
    for op in ops:
        if op[1] == op[2] and op[3] == op[4]:
            continue
        if merged and merged[-1][0] == op[0]:
            t, i1, _, j1, _ = merged[-1]
            merged[-1] = (t, i1, op[2], j1, op[4])
        else:
            merged.append(op)
    return merged


# --- chunking the sources ------------------------------------------------------------------


@dataclass
class _Chunk:
    text: str
    key: bytes
    """Digest of the text with its whitespace collapsed: what decides that two chunks are the
    same (a digest, not the text: the engine would hold every text twice)."""
    heading: int = 0
    measure: str = ""


def split_front_matter(md: str) -> tuple[str, str]:
    """Return (yaml block or '', rest)."""
    m = _YAML_RE.match(md)
    if m:
        return m.group(0), md[m.end():]
    return "", md


_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")
"""The line break after a line with text and the blank lines that follow it (blank as
`str.strip` sees it: `\\s` is the same set)."""
_MAY_NEST = re.compile(r"\n[ \t]{0,3}[`~:]")
"""A line that may open or close a code fence or a fenced div (`Nesting.feed` looks at no
other line), searched from the line break before a paragraph (it begins with a literal,
which `re` jumps to)."""


def split_chunks(md: str) -> tuple[list[_Chunk], list[str]]:
    """Split Markdown into top-level chunks and link/footnote definitions.

    A chunk begins at a line with text after a blank line, at the top level and not
    indented. The text is cut at its blank lines in C and only the runs of lines between
    them are looked at, not each line: the split comes before any pandoc, with the other
    core idle (ten years of BGB: 84 → 59 ms, most of the rest the chunks' digests)."""
    md = md.replace("\r\n", "\n").replace("\r", "\n")
    text_end = len(md.rstrip())
    if not text_end:
        return [], []
    first = len(md) - len(md.lstrip())
    start = md.rfind("\n", 0, first) + 1  # the first line with text
    end = md.find("\n", text_end)  # the end of the last one
    if end < 0:
        end = len(md)
    paragraphs = []  # (start, end) of each run of lines with text
    for gap in _BLANK_LINES.finditer(md, start, end):
        paragraphs.append((start, gap.start()))
        start = gap.end()
    paragraphs.append((start, end))
    spans: list[tuple[int, int]] = []
    nesting = Nesting()
    chunk_start, chunk_end = paragraphs[0]
    for p_start, p_end in paragraphs:
        if p_start != chunk_start and nesting.top_level \
                and md[p_start] not in " \t" and not md.startswith((": ", ":\t"), p_start):
            spans.append((chunk_start, chunk_end))
            chunk_start = p_start
        chunk_end = p_end
        if not p_start or _MAY_NEST.search(md, p_start - 1, p_end):
            for line in md[p_start:p_end].split("\n"):
                nesting.feed(line)
    spans.append((chunk_start, chunk_end))
    out: list[_Chunk] = []
    defs: list[str] = []
    for s, e in spans:
        text = md[s:e]
        if _DEFINITION_RE.match(text):
            defs.append(text)
            continue
        chunk = _Chunk(text, _digest(text))
        hm = _HEADING_RE.match(text) if "\n" not in text else None
        if hm:
            chunk.heading = len(hm.group(1))
            if _MEASURE_ANYWHERE.search(text):
                chunk.measure = heading_measure_number(text) or ""
        out.append(chunk)
    return out, defs


# --- the pandoc AST ------------------------------------------------------------------------


def _doc(blocks: list) -> dict:
    return {"pandoc-api-version": PANDOC_API, "meta": {}, "blocks": blocks}


class Pandoc(Protocol):
    """What the engine needs from pandoc (render/redline_text.py runs it; the engine stays
    pure): read groups of Markdown chunks into blocks, write groups of blocks as Markdown."""

    def parse(self, sides: list[tuple[list[list[str]], list[str]]]) -> list[list[list[dict]]]:
        """For each side (groups of chunks, definitions): the blocks of each group."""

    def write(self, groups: list[list[dict]]) -> list[str]:
        """Each group of blocks as Markdown."""


_CONTAINERS = {"Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript",
               "SmallCaps"}


def _norm(node: Any) -> Any:
    """Node with SoftBreak as Space (re-wrapped lines are not a change)."""
    if isinstance(node, dict):
        if node.get("t") == "SoftBreak":
            return {"t": "Space"}
        return {k: _norm(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_norm(x) for x in node]
    return node


def _key(node: Any) -> str:
    return json.dumps(_norm(node), ensure_ascii=False, sort_keys=True)


class _Keys:
    """Content keys of AST nodes, each computed once per node (memoised by identity).

    A key is the digest of the node's JSON text with SoftBreak read as Space (re-wrapped
    lines are not a change). The differ asks for the keys of a list, then of its items,
    then of their blocks: a container of blocks (list, list item, quote, div) is keyed by
    its children's keys, so each block is encoded once, not again at every nesting level
    (on ten years of BGB that encoding was a fifth of the interpreter's time). Hashing
    every node bottom-up in Python measured slower than encoding in C: below the blocks it
    stays JSON."""

    def __init__(self) -> None:
        self._memo: dict[int, tuple[Any, bytes]] = {}  # id -> (node kept alive, key)

    def __call__(self, node: Any) -> bytes:
        hit = self._memo.get(id(node))
        if hit is not None:
            return hit[1]
        children = _block_children(node)
        if children is None:
            text = _encode(node).replace(_SOFTBREAK, _SPACE)
            key = hashlib.blake2b(text, digest_size=16).digest()
        else:
            tag, attr, blocks = children
            key = hashlib.blake2b(b"".join([tag, _encode(attr),
                                            *map(self, blocks)]), digest_size=16,
                                  person=b"lip-blocks").digest()
        self._memo[id(node)] = (node, key)
        return key


def _block_children(node: Any) -> tuple[bytes, Any, list] | None:
    """(kind, attributes, children) of a node whose children are blocks or list items, that
    a key can be made of; None for any other node."""
    if isinstance(node, list):
        if node and isinstance(node[0], dict) and node[0].get("t") in _BLOCKS:
            return b"blocks\0", None, node
        return None
    kind = node.get("t") if isinstance(node, dict) else None
    if kind == "BulletList":
        return b"ul\0", None, node["c"]
    if kind == "OrderedList":
        return b"ol\0", node["c"][0], node["c"][1]
    if kind == "BlockQuote":
        return b"quote\0", None, node["c"]
    if kind == "Div":
        return b"div\0", node["c"][0], node["c"][1]
    return None


_BLOCKS = frozenset({"Para", "Plain", "Header", "BulletList", "OrderedList", "BlockQuote",
                     "Div", "DefinitionList", "Table", "CodeBlock", "RawBlock",
                     "HorizontalRule", "LineBlock", "Figure"})


def _encode(node: Any) -> bytes:
    """A node's bytes for its key, in memory only: marshal's format 2 writes every value as
    it is (no references to objects seen before), so equal nodes give equal bytes, in C and
    2.3 times as fast as JSON (ten years of BGB: 0.05 s of the interpreter's time)."""
    return marshal.dumps(node, 2)


_SOFTBREAK = _encode({"t": "SoftBreak"})
_SPACE = _encode({"t": "Space"})
"""A SoftBreak's bytes, replaced by a Space's. Only a text holding these very bytes, NUL
characters and all, could be taken for them."""


@dataclass
class _Atom:
    key: str
    path: tuple[tuple[str, Any], ...]
    node: dict
    text: str = ""  # for words: the text; '' for atomic nodes
    kind: str = "word"  # word | space | punct | atom | kept (a KEPT_SPACE)


def _atoms(inlines: list, path: tuple = (), out: list[_Atom] | None = None) -> list[_Atom]:
    if out is None:
        out = []
    pk = "".join(p[0] for p in path)
    for node in inlines:
        t = node["t"]
        if t == "Str":
            for tok in _WORD_RE.findall(node["c"]):
                if tok.isspace():
                    out.append(_Atom(pk + "\x00 ", path, {"t": "Space"}, " ", "space"))
                else:
                    kind = "word" if (tok[0].isalnum() or tok[0] == "_") else "punct"
                    out.append(_Atom(pk + "\x00" + tok, path, {"t": "Str", "c": tok}, tok, kind))
        elif t in ("Space", "SoftBreak"):
            out.append(_Atom(pk + "\x00 ", path, {"t": "Space"}, " ", "space"))
        elif t in _CONTAINERS:
            _atoms(node["c"], (*path, (t, None)), out)
        elif t == "Quoted":
            _atoms(node["c"][1], (*path, (t + json.dumps(node["c"][0]), node["c"][0])), out)
        elif t == "Span":
            _atoms(node["c"][1], (*path, ("Span" + json.dumps(node["c"][0]), node["c"][0])), out)
        elif t == "Link":
            data = (node["c"][0], node["c"][2])
            _atoms(node["c"][1], (*path, ("Link" + json.dumps(data), data)), out)
        elif t == "Note" and _note_text(node) is not None:
            # a note of one paragraph: one key for all, so that a changed note pairs with its
            # former text and `diff_inlines` marks the words that changed inside it
            out.append(_Atom(pk + _NOTE_KEY, path, node, "", "atom"))
        else:  # Code, Math, RawInline, Image, Note, Cite, LineBreak: indivisible
            out.append(_Atom(pk + "\x01" + _key(node), path, node, "", "atom"))
    return out


_NOTE_KEY = "\x01Note"
"""The key of a note of one paragraph (`_note_text`); no other atom's key holds it (theirs
are JSON, after the \\x01)."""


def _note_text(note: dict) -> list | None:
    """The inlines of a note that is one paragraph; None for any other note (several
    paragraphs, a list: compared whole, as a deleted and an inserted note)."""
    blocks = note["c"]
    if len(blocks) == 1 and blocks[0]["t"] in ("Para", "Plain"):
        return blocks[0]["c"]
    return None


def _paired_notes(old: list[list[_Atom]], new: list[list[_Atom]]) -> tuple[list[list[_Atom]],
                                                                            int, int]:
    """Equal tokens of NEU, each note whose text changed holding the word marks of its change
    (`_note_text`), and the words those marks add and remove."""
    out: list[list[_Atom]] = []
    added = removed = 0
    for a, b in zip(old, new, strict=True):
        if b[0].key.endswith(_NOTE_KEY) and _key(a[0].node) != _key(b[0].node):
            inner = diff_inlines(_note_text(a[0].node) or [], _note_text(b[0].node) or [])
            added += inner.added
            removed += inner.removed
            para = b[0].node["c"][0]
            node = {"t": "Note", "c": [{"t": para["t"], "c": inner.inlines}]}
            b = [_Atom(b[0].key, b[0].path, node, "", "atom")]
        out.append(b)
    return out, added, removed


def _tokens(atoms: list[_Atom]) -> list[list[_Atom]]:
    """Group atoms into word tokens: letters glued across formatting stay one token."""
    toks: list[list[_Atom]] = []
    for a in atoms:
        if toks and a.kind == "word" and toks[-1][-1].kind == "word":
            toks[-1].append(a)  # e.g. **Bürger**innen: one word, never split
        else:
            toks.append([a])
    return toks


def _tok_key(tok: list[_Atom]) -> str:
    return tok[0].key if len(tok) == 1 else "\x02".join(a.key for a in tok)


def _is_word(tok: list[_Atom]) -> bool:
    return any(a.kind in ("word", "atom") for a in tok)


def _wrap(kind: str, content: list) -> dict:
    return {"t": "Span", "c": [["", [kind], []], content]}


def _container(path_el: tuple[str, Any], content: list) -> dict:
    name, data = path_el
    if name.startswith("Quoted"):
        return {"t": "Quoted", "c": [data, content]}
    if name.startswith("Span"):
        return {"t": "Span", "c": [data, content]}
    if name.startswith("Link"):
        return {"t": "Link", "c": [data[0], content, data[1]]}
    return {"t": name, "c": content}


def _build(items: list[tuple[str, _Atom]], depth: int = 0) -> list:
    """Rebuild inlines from (kind, atom) items; ins/del spans innermost, inside formatting."""
    out: list = []
    i = 0
    n = len(items)
    while i < n:
        kind, atom = items[i]
        if len(atom.path) > depth:
            ckey = atom.path[depth][0]
            j = i
            while j < n and len(items[j][1].path) > depth and items[j][1].path[depth][0] == ckey:
                j += 1
            out.append(_container(atom.path[depth], _build(items[i:j], depth + 1)))
            i = j
            continue
        j = i
        while j < n and items[j][0] == kind and len(items[j][1].path) <= depth:
            j += 1
        nodes = [it[1].node for it in items[i:j]]
        if kind == "equal":
            out.extend(nodes)
        else:
            out.append(_wrap(INS if kind == "insert" else DEL, nodes))
        i = j
    return out


@dataclass
class _InlineDiff:
    inlines: list
    added: int
    removed: int
    equal: int


def diff_inlines(old: list, new: list) -> _InlineDiff:
    """Word diff of two inline lists; formatting, links and notes survive."""
    ta, tb = _tokens(_atoms(old)), _tokens(_atoms(new))
    segs: list[list] = []  # ["equal", toks] | ["change", dels, inss]
    added = removed = equal = 0
    keys_b = [_tok_key(t) for t in tb]
    notes = _NOTE_KEY in "\x02".join(keys_b)  # in C: most paragraphs cite no note
    for tag, i1, i2, j1, j2 in diff_sequences([_tok_key(t) for t in ta], keys_b):
        if tag == "equal":
            toks = tb[j1:j2]
            if notes and any(t[0].key.endswith(_NOTE_KEY) for t in toks):
                toks, in_added, in_removed = _paired_notes(ta[i1:i2], toks)
                added += in_added
                removed += in_removed
            segs.append(["equal", list(toks)])
        else:
            if not segs or segs[-1][0] != "change":
                segs.append(["change", [], []])
            if tag == "delete":
                segs[-1][1].extend(ta[i1:i2])
            else:
                segs[-1][2].extend(tb[j1:j2])
    segs = _fix_edges(segs)
    items: list[tuple[str, _Atom]] = []
    for seg in segs:
        if seg[0] == "equal":
            for t in seg[1]:
                equal += _is_word(t)
                items.extend(("equal", a) for a in t)
        else:
            for t in seg[1]:
                removed += _is_word(t)
                items.extend(("delete", a) for a in t)
            for t in seg[2]:
                added += _is_word(t)
                items.extend(("insert", a) for a in t)
    return _InlineDiff(_build(_collapse_runs(items)), added, removed, equal)


def _collapse_runs(items: list[tuple[str, _Atom]]) -> list[tuple[str, _Atom]]:
    """A change spanning several formattings becomes one span around them.

    Inside one formatting the span goes innermost (`**[deutlich]{.ins} gestärkt**`, a link
    keeps its target); across formattings, splitting the span would leave spaces at its
    edges, which pandoc's reader drops.
    """
    out: list[tuple[str, _Atom]] = []
    i = 0
    while i < len(items):
        kind = items[i][0]
        j = i
        while j < len(items) and items[j][0] == kind:
            j += 1
        run = items[i:j]
        paths = {tuple(p[0] for p in a.path) for _, a in run}
        if kind == "equal" or len(paths) == 1:
            out.extend(run)
        else:
            first = run[0][1].path
            common = 0
            while common < len(first) and all(
                    len(a.path) > common and a.path[common][0] == first[common][0]
                    for _, a in run):
                common += 1
            inner = _build([("equal", a) for _, a in run], common)
            node = _wrap(INS if kind == "insert" else DEL, inner)
            out.append(("equal", _Atom("", first[:common], node, "", "atom")))
        i = j
    return out


def _ws(tok: list[_Atom]) -> bool:
    return tok[0].kind == "space"


KEPT_SPACE = {"t": "Str", "c": " "}
"""A space at the edge of an ins/del span that belongs to the change: a word of its own, as
pandoc reads `&#32;` (its Markdown reader drops a Space there). The Markdown writer
(`render/redline_text.py`) writes it so."""


def _kept(tok: list[_Atom]) -> list[_Atom]:
    """The space token `tok` as a KEPT_SPACE, in the formatting it is in."""
    return [_Atom(tok[0].key, tok[0].path, dict(KEPT_SPACE), " ", "kept")]


def _fix_edges(segs: list[list]) -> list[list]:
    """Keep whitespace off the edges of ins/del spans without joining or splitting words.

    pandoc's Markdown reader drops spaces at the edges of a span, so an edge space must become
    unchanged text. That is safe where a space already sits beside it in the other reading;
    otherwise the space stays in the change as a KEPT_SPACE (`angeboten[ und gefördert]{.ins};`
    marks two words; the neighbouring word joined the change on both sides before,
    `[angeboten]{.del}[angeboten und gefördert]{.ins}`, and counted twice).
    """
    segs = [s for s in segs if s[0] == "change" or s[1]]
    out: list[list] = []
    k = 0
    while k < len(segs):
        seg = segs[k]
        if seg[0] == "equal":
            if out and out[-1][0] == "equal":
                out[-1][1].extend(seg[1])
            else:
                out.append(seg)
            k += 1
            continue
        d, i = seg[1], seg[2]
        while True:
            prev = out[-1][1] if out and out[-1][0] == "equal" else None
            nxt = segs[k + 1][1] if k + 1 < len(segs) and segs[k + 1][0] == "equal" else None
            if (d and _ws(d[0])) or (i and _ws(i[0])):  # leading edge
                if d and i and _ws(d[0]) and _ws(i[0]):
                    d.pop(0)
                    safe, side = True, i
                else:
                    side, other = (d, i) if d and _ws(d[0]) else (i, d)
                    after = other[0] if other else (nxt[0] if nxt else None)
                    safe = not prev or _ws(prev[-1]) or after is None or _ws(after)
                if safe:
                    tok = side.pop(0)
                    if prev is None:
                        out.append(["equal", [tok]])
                    else:
                        prev.append(tok)
                else:
                    side[0] = _kept(side[0])
                continue
            if (d and _ws(d[-1])) or (i and _ws(i[-1])):  # trailing edge
                if d and i and _ws(d[-1]) and _ws(i[-1]):
                    d.pop()
                    safe, side = True, i
                else:
                    side, other = (d, i) if d and _ws(d[-1]) else (i, d)
                    before = other[-1] if other else (prev[-1] if prev else None)
                    safe = not nxt or _ws(nxt[0]) or before is None or _ws(before)
                if safe:
                    tok = side.pop()
                    if nxt is None:
                        segs.insert(k + 1, ["equal", [tok]])
                    else:
                        nxt.insert(0, tok)
                else:
                    side[-1] = _kept(side[-1])
                continue
            break
        if d or i:
            out.append(["change", d, i])
        k += 1
    return out


# --- words of blocks (stats, similarity, accept/reject) ------------------------------------


_SPACES = frozenset({"Space", "SoftBreak", "LineBreak"})


def _walk_text(node: Any, out: list[str]) -> None:
    # words and spaces, most of the nodes, in the loop without a call each (a fifth less
    # time); a node on its own is walked as a list of one
    for x in (node,) if isinstance(node, dict) else node if isinstance(node, list) else ():
        if isinstance(x, dict):
            t = x.get("t")
            if t == "Str":
                out.append(x["c"])
            elif t in _SPACES:
                out.append(" ")
            else:
                _walk_element(x, t, out)
        elif isinstance(x, list):
            _walk_text(x, out)


def _walk_element(node: dict, t: str | None, out: list[str]) -> None:
    """`_walk_text` of an element other than a word or a space."""
    if t == "RawBlock" and node["c"][1].strip() == "<!-- -->":
        return  # pandoc's separator between two lists, not text
    if t in ("Code", "CodeBlock", "RawInline", "RawBlock", "Math"):
        out.append(" " if t != "Code" and t != "Math" else "")
        out.append(node["c"][-1])
        out.append(" " if t in ("CodeBlock", "RawBlock") else "")
    elif "c" in node:
        block = t in _BLOCK_TYPES
        if block:
            out.append(" ")
        _walk_text(node["c"], out)
        if block:
            out.append(" ")


_BLOCK_TYPES = {"Para", "Plain", "Header", "BulletList", "OrderedList", "DefinitionList",
                "Div", "BlockQuote", "Table", "Figure", "LineBlock", "Note"}


def ast_text(node: Any) -> str:
    """Plain text of any AST node (words separated as a reader sees them)."""
    out: list[str] = []
    _walk_text(node, out)
    return "".join(out)


def ast_words(node: Any) -> list[str]:
    return ast_text(node).split()


_COUNTED_WORD = re.compile(r"\S*[^\W_]\S*")
"""A word that counts: one with a letter or digit in it (the class is exactly str.isalnum and
the non-space exactly what str.split keeps, checked on every code point), found in C."""


def _word_count(node: Any) -> int:
    return len(_COUNTED_WORD.findall(ast_text(node)))


word_count = _word_count
"""The words of blocks as the redline counts them (a passage moved across chapters)."""


class _Bag(Counter):
    """Words and how often each occurs, with their number counted once (a bag is compared
    with many others)."""

    def __init__(self, words: Iterable[str]) -> None:
        super().__init__(words)
        self.size = self.total()


def _bag(block: Any) -> _Bag:
    return _Bag(w for w in _WORD_RE.findall(ast_text(block).lower()) if w[0].isalnum())


_LOWEST_THRESHOLD = min(REPLACE_THRESHOLD, PAIR_THRESHOLD, MOVE_THRESHOLD)


def _similarity(a: _Bag, b: _Bag, at_least: float = _LOWEST_THRESHOLD) -> float:
    """Dice coefficient of two word bags, or an upper bound of it when that is below
    `at_least`. The words in common are found by the sets' own intersection and counted by
    `map` (Counter's `&` builds a third Counter, and a Python loop over one bag's words took
    a fifth of the Python time on the TPG amendment)."""
    na, nb = a.size, b.size
    if not na and not nb:
        return 1.0
    if 2 * min(na, nb) < at_least * (na + nb):
        return 2 * min(na, nb) / (na + nb)  # an upper bound, below what the caller needs
    both = a.keys() & b.keys()
    common = sum(map(min, map(a.__getitem__, both), map(b.__getitem__, both)))
    return 2 * common / (na + nb)


# --- block alignment -----------------------------------------------------------------------


class _Differ:
    """Diffs aligned blocks and counts what it marks."""

    def __init__(self, stats: Stats, placeholders: dict[str, dict] | None = None, *,
                 notes: list[str] | None = None, keys: _Keys | None = None) -> None:
        self.stats = stats
        self.placeholders = placeholders if placeholders is not None else {}
        """The caller's own dict (filled later, as the moved passages are compared)."""
        self.notes = notes if notes is not None else []
        self.keys = keys or _Keys()

    def _placeholder(self, b: Any) -> dict | None:
        if self.placeholders and isinstance(b, dict) and b["t"] == "Para" \
                and len(b["c"]) == 1 and b["c"][0]["t"] == "Str":
            return self.placeholders.get(b["c"][0]["c"])
        return None

    # whole blocks
    def _whole(self, blocks: list, kind: str) -> list:
        if len(blocks) == 1 and blocks[0]["t"] == "Plain":  # a cell or tight list item
            n = _word_count(blocks)
            if kind == DEL:
                self.stats.words_removed += n
            else:
                self.stats.words_added += n
            return [{"t": "Plain", "c": [_wrap(kind, blocks[0]["c"])]}]
        out: list = []
        run: list = []
        for b in blocks:
            ph = self._placeholder(b)
            if ph is None:
                run.append(b)
                continue
            if run:
                out.append({"t": "Div", "c": [["", [kind], []], run]})
                run = []
            out.append(ph)
        if run:
            out.append({"t": "Div", "c": [["", [kind], []], run]})
        n = sum(_word_count(b["c"][1]) for b in out if b["c"][0][1] == [kind])
        if kind == DEL:
            self.stats.words_removed += n
        else:
            self.stats.words_added += n
        return out

    def deleted(self, blocks: list) -> list:
        return self._whole(blocks, DEL) if blocks else []

    def inserted(self, blocks: list) -> list:
        return self._whole(blocks, INS) if blocks else []

    def replaced(self, old: list, new: list) -> list:
        self.stats.blocks_replaced += 1
        if len(old) == len(new) == 1 and old[0]["t"] == new[0]["t"] == "Plain":
            # a table cell or tight list item: both versions in one line
            self.stats.words_removed += _word_count(old)
            self.stats.words_added += _word_count(new)
            return [{"t": "Plain", "c": [_wrap(DEL, old[0]["c"]), _wrap(INS, new[0]["c"])]}]
        return self.deleted(old) + self.inserted(new)

    # sequences of units (blocks, list items, rows)
    def align(self, old: list, new: list, compat=None) -> list[tuple[str, Any, Any]]:
        """Align two unit lists into ('equal'|'pair'|'delete'|'insert', old, new) steps."""
        ka, kb = [self.keys(b) for b in old], [self.keys(b) for b in new]
        out: list[tuple[str, Any, Any]] = []
        for tag, i1, i2, j1, j2 in _gaps(diff_chunks(ka, kb, self.notes)):
            if tag == "equal":
                out.extend(("equal", o, n) for o, n in zip(old[i1:i2], new[j1:j2], strict=True))
                continue
            go, gn = old[i1:i2], new[j1:j2]
            base = compat or _compatible
            compat = (lambda a, b, base=base:  # noqa: E731  (a moved passage pairs with nothing)
                      self._placeholder(a) is None and self._placeholder(b) is None
                      and base(a, b))
            if len(go) == 1 and len(gn) == 1 and compat(go[0], gn[0]):
                pairs = [(0, 0)]  # one for one: pair; the word diff decides how much changed
            else:
                pairs = self._pair(go, gn, compat) if go and gn else []
            pi = pj = 0
            for i, j in pairs:
                out.extend(("delete", o, None) for o in go[pi:i])
                out.extend(("insert", None, n) for n in gn[pj:j])
                out.append(("pair", go[i], gn[j]))
                pi, pj = i + 1, j + 1
            out.extend(("delete", o, None) for o in go[pi:])
            out.extend(("insert", None, n) for n in gn[pj:])
        return out

    def blocks(self, old: list, new: list) -> list:
        """Align two block lists and diff the pairs."""
        out: list = []
        for tag, o, n in self.align(old, new):
            if tag == "equal":
                out.append(n)
            elif tag == "pair":
                out.extend(self.pair(o, n))
            elif tag == "delete":
                out.extend(self.deleted([o]))
            else:
                out.extend(self.inserted([n]))
        return _fix_gap_order(out)

    def _pair(self, old: list, new: list, compat) -> list[tuple[int, int]]:
        """Pair units of a gap in order by similarity (Needleman-Wunsch, gaps free)."""
        m, n = len(old), len(new)
        if m * n > DP_LIMIT:
            self.stats.fallbacks.append(
                f"Große geänderte Passage ({m} alte und {n} neue Blöcke): Blöcke der Reihe "
                f"nach zugeordnet statt nach Ähnlichkeit")
            return [(k, k) for k in range(min(m, n)) if compat(old[k], new[k])]
        ba, bb = [_bag(b) for b in old], [_bag(b) for b in new]
        sim = {}
        score = [[0.0] * (n + 1) for _ in range(m + 1)]
        for i in range(m - 1, -1, -1):
            row, nxt = score[i], score[i + 1]
            for j in range(n - 1, -1, -1):
                best = max(nxt[j], row[j + 1])
                if compat(old[i], new[j]):
                    s = _similarity(ba[i], bb[j])
                    sim[i, j] = s
                    if s >= PAIR_THRESHOLD and nxt[j + 1] + s * s > best:
                        best = nxt[j + 1] + s * s
                row[j] = best
        pairs = []
        i = j = 0
        while i < m and j < n:
            s = sim.get((i, j), 0.0)
            if s >= PAIR_THRESHOLD and abs(score[i][j] - (score[i + 1][j + 1] + s * s)) < 1e-9:
                pairs.append((i, j))
                i += 1
                j += 1
            elif abs(score[i][j] - score[i + 1][j]) < 1e-9:
                i += 1
            else:
                j += 1
        return pairs

    # one aligned pair
    def pair(self, o: dict, n: dict) -> list:
        to, tn = o["t"], n["t"]
        if to in ("Para", "Plain") and tn in ("Para", "Plain"):
            return self._leaf(o, n, o["c"], n["c"], lambda c: {"t": tn, "c": c})
        if to == tn == "Header" and o["c"][0] == n["c"][0]:
            return self._leaf(o, n, o["c"][2], n["c"][2],
                              lambda c: {"t": "Header", "c": [n["c"][0], n["c"][1], c]})
        if to == tn == "BulletList":
            return [{"t": "BulletList", "c": self._items(o["c"], n["c"])}]
        if to == tn == "OrderedList":
            return [{"t": "OrderedList", "c": [n["c"][0], self._items(o["c"][1], n["c"][1])]}]
        if to == tn == "BlockQuote":
            return [{"t": "BlockQuote", "c": self.blocks(o["c"], n["c"])}]
        if to == tn == "Div" and o["c"][0][1] == n["c"][0][1]:
            return [{"t": "Div", "c": [n["c"][0], self.blocks(o["c"][1], n["c"][1])]}]
        if to == tn == "DefinitionList":
            return [{"t": "DefinitionList", "c": self._definitions(o["c"], n["c"])}]
        if to == tn == "Table":
            table = self._table(o, n)
            if table is not None:
                return [table]
        return self.replaced([o], [n])

    def _leaf(self, o, n, oi: list, ni: list, make) -> list:
        if len(oi) + len(ni) > 2_000 and _similarity(_bag(oi), _bag(ni)) < REPLACE_THRESHOLD:
            return self.replaced([o], [n])  # long and unrelated: a word diff would only be slow
        d = diff_inlines(oi, ni)
        shorter = min(d.equal + d.added, d.equal + d.removed)
        longer = max(d.equal + d.added, d.equal + d.removed)
        if longer >= 4 and d.equal < REPLACE_THRESHOLD * shorter:
            return self.replaced([o], [n])  # changed beyond recognition
        self.stats.words_added += d.added
        self.stats.words_removed += d.removed
        return [make(d.inlines)]

    def _units(self, old: list[list], new: list[list]) -> list[list]:
        """Align lists of block lists (list items, definitions); whole ones become divs."""
        out: list[list] = []
        for tag, o, n in self.align(old, new, compat=_always):
            if tag == "equal":
                out.append(n)
            elif tag == "pair":
                out.append(self.blocks(o, n))
            elif tag == "delete":
                out.append(self.deleted(o))
            else:
                out.append(self.inserted(n))
        return out

    def _items(self, old: list[list], new: list[list]) -> list[list]:
        return self._units(old, new)

    def _definitions(self, old: list, new: list) -> list:
        out = []
        for tag, o, n in self.align(old, new, compat=_always):
            if tag == "equal":
                out.append(n)
            elif tag == "pair":
                d = diff_inlines(o[0], n[0])
                self.stats.words_added += d.added
                self.stats.words_removed += d.removed
                out.append([d.inlines, self._units(o[1], n[1])])
            elif tag == "delete":
                self.stats.words_removed += _word_count(o[0])
                out.append([[_wrap(DEL, o[0])], [self.deleted(x) for x in o[1]]])
            else:
                self.stats.words_added += _word_count(n[0])
                out.append([[_wrap(INS, n[0])], [self.inserted(x) for x in n[1]]])
        return out

    def _table(self, o: dict, n: dict) -> dict | None:
        _, ocap, ocols, ohead, obodies, _ = o["c"]
        attr, ncap, ncols, nhead, nbodies, nfoot = n["c"]
        if len(ocols) != len(ncols) or len(obodies) != 1 or len(nbodies) != 1:
            return None
        orows = ohead[1] + obodies[0][3]
        nrows = nhead[1] + nbodies[0][3]
        if any(len(r[1]) != len(ocols) or any(c[2] != 1 or c[3] != 1 for c in r[1])
               for r in orows + nrows):
            return None  # spanning cells: not worth the risk
        nh = len(nhead[1])
        cells = lambda r: [c[4] for c in r[1]]  # noqa: E731
        out_rows = []
        for tag, ro, rn in self.align([cells(r) for r in orows], [cells(r) for r in nrows],
                                      compat=_always):
            if tag == "equal":
                row = rn
            elif tag == "pair":
                row = [self.blocks(co, cn) for co, cn in zip(ro, rn, strict=True)]
            elif tag == "delete":
                row = [self.deleted(co) for co in ro]
            else:
                row = [self.inserted(cn) for cn in rn]
            out_rows.append([["", [], []],
                             [[["", [], []], {"t": "AlignDefault"}, 1, 1, c] for c in row]])
        head_rows = out_rows[:nh] if nh else []
        body_rows = out_rows[nh:] if nh else out_rows
        cap_blocks = self.blocks(ocap[1], ncap[1])
        return {"t": "Table", "c": [attr, [ncap[0], cap_blocks], ncols, [nhead[0], head_rows],
                                    [[nbodies[0][0], nbodies[0][1], [], body_rows]], nfoot]}


def _gaps(ops: list[tuple[str, int, int, int, int]]) -> list[tuple[str, int, int, int, int]]:
    """Join neighbouring delete/insert opcodes into one 'gap' opcode."""
    out: list[tuple[str, int, int, int, int]] = []
    for op in ops:
        if op[0] != "equal" and out and out[-1][0] == "gap":
            out[-1] = ("gap", out[-1][1], op[2], out[-1][3], op[4])
        elif op[0] != "equal":
            out.append(("gap", *op[1:]))
        else:
            out.append(op)
    return out


def _always(a: Any, b: Any) -> bool:
    return True


def _compatible(a: dict, b: dict) -> bool:
    ta, tb = a["t"], b["t"]
    if ta in ("Para", "Plain") and tb in ("Para", "Plain"):
        return True
    if ta != tb:
        return False
    if ta == "Header":
        return a["c"][0] == b["c"][0]
    if ta == "Div":
        return a["c"][0][1] == b["c"][0][1]
    return True


def _fix_gap_order(blocks: list) -> list:
    """Merge neighbouring del (and ins) divs so a replaced run reads as one block each."""
    out: list = []
    for b in blocks:
        if out and b["t"] == "Div" and out[-1]["t"] == "Div" and b["c"][0] == out[-1]["c"][0] \
                and b["c"][0][1] in ([INS], [DEL]) and not b["c"][0][0]:
            out[-1] = {"t": "Div", "c": [out[-1]["c"][0], out[-1]["c"][1] + b["c"][1]]}
        else:
            out.append(b)
    return out


# --- top level -----------------------------------------------------------------------------


@dataclass
class _Region:
    """A changed run of chunks: old chunks [i1, i2) vs new chunks [j1, j2)."""

    i1: int
    i2: int
    j1: int
    j2: int
    moved_from: list[tuple[int, int, int]] = field(default_factory=list)  # (i, i_end, move no.)
    moved_to: list[tuple[int, int, int]] = field(default_factory=list)  # (j, j_end, move no.)
    sources: dict[int, tuple[int, int]] = field(default_factory=dict)
    """For each moved-to segment start: the old segment it came from."""


def _segments(chunks: list[_Chunk], start: int, end: int) -> list[tuple[int, int]]:
    """Split a run of chunks at headings: a heading with its following chunks is one segment."""
    segs: list[tuple[int, int]] = []
    k = start
    while k < end:
        if chunks[k].heading:
            e = k + 1
            while e < end and not (chunks[e].heading and chunks[e].heading <= chunks[k].heading):
                e += 1
            segs.append((k, e))
            k = e
        else:
            segs.append((k, k + 1))
            k += 1
    return segs


def _seg_key(chunks: list[_Chunk], seg: tuple[int, int]) -> str:
    return " ".join(" ".join(chunks[k].text for k in range(*seg)).split())


def _find_moves(regions: list[_Region], oc: list[_Chunk], nc: list[_Chunk]) -> int:
    """Pair deleted and inserted segments in different regions that are the same passage."""
    dels = [(r_no, s) for r_no, r in enumerate(regions) for s in _segments(oc, r.i1, r.i2)]
    inss = [(r_no, s) for r_no, r in enumerate(regions) for s in _segments(nc, r.j1, r.j2)]
    if not dels or not inss:
        return 0
    by_measure: dict[str, list[int]] = {}
    by_key: dict[str, list[int]] = {}
    for idx, (_, s) in enumerate(inss):
        if nc[s[0]].measure:
            by_measure.setdefault(nc[s[0]].measure, []).append(idx)
        by_key.setdefault(_seg_key(nc, s), []).append(idx)
    used: set[int] = set()
    moves = 0
    bags: dict[int, _Bag] = {}
    for r_no, s in dels:
        cand = None
        measure = oc[s[0]].measure
        if measure:
            cand = next((x for x in by_measure.get(measure, []) if x not in used), None)
            if cand is not None and inss[cand][0] == r_no:
                continue  # same place: a change in place, not a move
        if cand is None:
            key = _seg_key(oc, s)
            if len(key.split()) >= MOVE_MIN_WORDS:
                cand = next((x for x in by_key.get(key, [])
                             if x not in used and inss[x][0] != r_no), None)
        if cand is None and len(dels) * len(inss) <= 40_000:
            words = _seg_key(oc, s)
            if len(words.split()) >= 3 * MOVE_MIN_WORDS:
                bag = _Bag(words.lower().split())
                best, best_s = None, MOVE_THRESHOLD
                for x, (rx, sx) in enumerate(inss):
                    if x in used or rx == r_no:
                        continue
                    if x not in bags:
                        bags[x] = _Bag(_seg_key(nc, sx).lower().split())
                    sim = _similarity(bag, bags[x], best_s)
                    if sim >= best_s:
                        best, best_s = x, sim
                cand = best
        if cand is None or inss[cand][0] == r_no:
            continue
        used.add(cand)
        moves += 1
        regions[r_no].moved_from.append((s[0], s[1], moves))
        rx, sx = inss[cand]
        regions[rx].moved_to.append((sx[0], sx[1], moves))
        regions[rx].moved_to.sort()
        # remember the old segment for the diff at the new place
        regions[rx].sources[sx[0]] = s
    return moves


def heading_names(chunks: list[_Chunk]) -> Counter[str]:
    """How often each heading's text occurs among `chunks` (`place_of` qualifies a name that
    occurs more than once)."""
    return Counter(heading_text(c.text) or "" for c in chunks if c.heading)


def place_of(chunks: list[_Chunk], start: int, names: Counter[str] | None = None) -> str:
    """Where the passage at chunk `start` stands, as a moved passage's other place names it
    („Verschoben nach 3.2 Sprachförderung“): the text of the nearest heading before it, of a
    higher level than the passage's own heading where it opens with one (a moved Maßnahme
    stands under its Ziel, not under the Maßnahme before it); '' before every heading.
    A heading whose text occurs more than once (`names`, from `heading_names`: every section
    of the plan has its „Ausgangslage“ and „Maßnahmen“) is named with the higher headings
    above it until the name is unique: „1.5 Erwachsenenbildung, Ausgangslage“, not
    „Ausgangslage“, which names five places."""
    level = chunks[start].heading if start < len(chunks) else 0
    parts: list[str] = []
    for k in range(start - 1, -1, -1):
        if chunks[k].heading and (not level or chunks[k].heading < level):
            name = heading_text(chunks[k].text) or ""
            parts.insert(0, name)
            if names is None:
                names = heading_names(chunks)
            if names[name] <= 1:
                break
            level = chunks[k].heading
    return ", ".join(p for p in parts if p)


def measure_sections(md: str, defs: Sequence[str] = (), notes: dict[str, str] | None = None
                     ) -> dict[str, tuple[bytes, bytes]]:
    """For each Maßnahme a digest of its normalised text (its heading up to the next heading
    of that level) and one of that text without its number: enough to tell whether it
    changed, and which Maßnahme a number given anew belonged to, without a copy of the
    plan's text. `defs`, `notes`: the text's footnote definitions (`split_chunks`) and their
    texts by label, when a footnote changed: a Maßnahme includes the footnotes it cites, not
    the definitions written beneath it (at a chapter's end, in its last Maßnahme)."""
    out: dict[str, tuple[bytes, bytes]] = {}
    if not _MEASURE_ANYWHERE.search(md):
        return out  # a law, say: no line to look at
    if notes is not None:
        for d in defs:
            md = md.replace(d, "", 1)
    cur: str | None = None
    level = 0
    buf: list[str] = []

    def digests(number: str, lines: list[str]) -> tuple[bytes, bytes]:
        text = " ".join(lines)
        if notes and "[^" in text:
            text += "".join(" " + notes.get(label, "") for label in _NOTE_REF.findall(text))
        return _digest(text), _digest(text.replace(number, "", 1))

    for line in md.split("\n"):
        hm = _HEADING_RE.match(line)
        if hm and cur is not None and len(hm.group(1)) <= level:
            out[cur] = digests(cur, buf)
            cur = None
        number = heading_measure_number(line) if hm and _MEASURE_ANYWHERE.search(line) else None
        if number:
            cur, level, buf = number, len(hm.group(1)), []
            buf.append(re.sub(r"\{[^}]*\}\s*$", "", line))
            continue
        if cur is not None:
            buf.append(line)
    if cur is not None:
        out[cur] = digests(cur, buf)
    return out


def measure_changes(old: dict[str, tuple[bytes, bytes]], new: dict[str, tuple[bytes, bytes]]
                    ) -> tuple[list[str], list[str], list[str]]:
    """The Maßnahmen added, removed and changed between two texts (`measure_sections`), by
    number, where a Maßnahme whose number changed is matched by its text: struck 6.1.1 and
    6.1.2 renumbered 6.1.1 is „gestrichen: 6.1.1“ and „geändert: 6.1.1 (bisher 6.1.2)“, not
    6.1.2 struck and 6.1.1 changed."""
    renumbered: dict[str, str] = {}  # new number -> old number
    old_by_text: dict[bytes, list[str]] = {}
    for number, (_, text) in old.items():
        old_by_text.setdefault(text, []).append(number)
    for number, (_, text) in new.items():
        if number in old and old[number][1] == text:
            continue
        sources = [k for k in old_by_text.get(text, [])
                   if k != number and not (k in new and new[k][1] == text)]
        if len(sources) == 1 and sources[0] not in renumbered.values():
            renumbered[number] = sources[0]
    sources = set(renumbered.values())
    added = [n for n in new if n not in old and n not in renumbered]
    removed = [k for k in old if k not in sources and (k not in new or k in renumbered)]
    changed = [n for n in new if n in old and n not in renumbered and old[n][0] != new[n][0]]
    changed += [f"{n} (bisher {k})" for n, k in renumbered.items()]
    return _id_sort(added), _id_sort(removed), _id_sort(changed)


def _digest(text: str) -> bytes:
    """Of the words of `text`, as line breaks and spaces do not count (a chunk's key, a
    Maßnahme's text)."""
    return hashlib.blake2b(" ".join(text.split()).encode(), digest_size=16).digest()


def _id_sort(ids: Iterable[str]) -> list[str]:
    return sorted(ids, key=number_order)  # "6.1.1 (bisher 6.1.2)" by its number


SplitSeen = Callable[[Callable[[], str], Callable[[], str]], None]
"""Told, once both texts are split, how to write each as `unchanged_markdown` would."""


@dataclass
class SplitTexts:
    """ALT and NEU as the comparison needs them: their chunks and definitions, and a digest
    of each Maßnahme. A caller that drops the texts once split holds each only once while
    the comparison runs (the chunks): on the 1,000-page pair that is 12 MB less."""

    old: list[_Chunk]
    old_defs: list[str]
    new: list[_Chunk]
    new_defs: list[str]
    old_measures: dict[str, tuple[bytes, bytes]]
    new_measures: dict[str, tuple[bytes, bytes]]


def split_texts(old_md: str, new_md: str) -> SplitTexts:
    """Both texts split for `compare_split`."""
    old_body, new_body = _body(old_md), _body(new_md)
    old_chunks, old_defs = split_chunks(old_body)
    new_chunks, new_defs = split_chunks(new_body)
    old_notes = new_notes = None
    if old_defs != new_defs:  # a footnote changed: the chunks citing it change with it
        old_notes, new_notes = _note_texts(old_defs), _note_texts(new_defs)
        changed = {label for label in old_notes.keys() | new_notes.keys()
                   if _digest(old_notes.get(label, "")) != _digest(new_notes.get(label, ""))}
        _key_with_notes(old_chunks, old_notes, changed)
        _key_with_notes(new_chunks, new_notes, changed)
    return SplitTexts(old_chunks, old_defs, new_chunks, new_defs,
                      measure_sections(old_body, old_defs, old_notes),
                      measure_sections(new_body, new_defs, new_notes))


_NOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
_NOTE_DEF = re.compile(r"\[\^([^\]\s]+)\]:")


def _note_texts(defs: list[str]) -> dict[str, str]:
    """Each footnote definition's text by its label."""
    out = {}
    for d in defs:
        m = _NOTE_DEF.match(d)
        if m:
            out[m.group(1)] = d[m.end():]
    return out


def _key_with_notes(chunks: list[_Chunk], notes: dict[str, str], changed: set[str]) -> None:
    """A chunk citing a changed footnote is keyed with the footnote's text: its own text is
    the same on both sides (the note is only cited there), and the chunk was taken for
    unchanged, the changed footnote shown without a mark and not counted."""
    for c in chunks:
        if "[^" not in c.text:
            continue
        cited = [label for label in _NOTE_REF.findall(c.text) if label in changed]
        if cited:
            c.key = _digest(c.text + " " + " ".join(notes.get(label, "") for label in cited))


def _body(md: str) -> str:
    """What the engine compares of a text: without front matter, gender stars protected."""
    return split_front_matter(protect_gender_star(md))[1]


def compare_markdown(old_md: str, new_md: str, *, pandoc: Pandoc,
                     context: Literal["full", "changes"] = "full") -> Redline:
    """Redline two Markdown texts; the result's Markdown accepts to NEU and rejects to ALT.

    `context="changes"` keeps only changed passages, each under its chain of headings.
    """
    return compare_split(split_texts(old_md, new_md), pandoc=pandoc, context=context)


def compare_split(texts: SplitTexts, *, pandoc: Pandoc,
                  context: Literal["full", "changes"] = "full",
                  split_seen: SplitSeen | None = None) -> Redline:
    """`compare_markdown` of texts split before. `split_seen` gets for each text a function
    that writes it as `unchanged_markdown` would: whoever converts the unchanged passages
    ahead need not split them again."""
    stats = Stats()
    oc, odefs, nc, ndefs = texts.old, texts.old_defs, texts.new, texts.new_defs
    if split_seen is not None:
        split_seen(lambda: _unchanged(oc, odefs), lambda: _unchanged(nc, ndefs))
    notes: list[str] = []  # fallbacks taken while aligning, reported once each
    opcodes = diff_chunks([c.key for c in oc], [c.key for c in nc], notes)

    # changed regions: consecutive non-equal opcodes
    regions: list[_Region] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        if regions and regions[-1].i2 == i1 and regions[-1].j2 == j1:
            regions[-1].i2, regions[-1].j2 = i2, j2
        else:
            regions.append(_Region(i1, i2, j1, j2))
    stats.blocks_moved = _find_moves(regions, oc, nc)

    # parse every changed chunk: one pandoc call per side. Moved passages are replaced by
    # placeholders in their region, so they keep their place among the other changes.
    tag = secrets.token_hex(5)
    old_groups: list[list[str]] = []
    new_groups: list[list[str]] = []
    jobs: list[tuple[int, int]] = []
    move_jobs: dict[int, tuple[int, int]] = {}
    places: dict[int, tuple[str, str]] = {}  # each move's (new place, old place)
    names: list[Counter[str]] = []  # each side's heading names, once there is a move
    for r in regions:
        from_idx = {a: (b, no) for a, b, no in r.moved_from}
        to_idx = {a: (b, no) for a, b, no in r.moved_to}
        og: list[str] = []
        i = r.i1
        while i < r.i2:
            if i in from_idx:
                e, no = from_idx[i]
                og.append(f"RLMOVE{tag}from{no}")
                move_jobs.setdefault(no, (-1, -1))
                i = e
            else:
                og.append(oc[i].text)
                i += 1
        ng: list[str] = []
        j = r.j1
        while j < r.j2:
            if j in to_idx:
                e, no = to_idx[j]
                src = r.sources[j]
                ng.append(f"RLMOVE{tag}to{no}")
                move_jobs[no] = (len(old_groups), len(new_groups))
                if not names:
                    names = [heading_names(nc), heading_names(oc)]
                places[no] = (place_of(nc, j, names[0]), place_of(oc, src[0], names[1]))
                old_groups.append([oc[k].text for k in range(*src)])
                new_groups.append([nc[k].text for k in range(j, e)])
                j = e
            else:
                ng.append(nc[j].text)
                j += 1
        jobs.append((len(old_groups), len(new_groups)))
        old_groups.append(og)
        new_groups.append(ng)
    # parse, compare and write the changed passages in batches, the next batch parsed while
    # this one is compared: the ASTs held (here and in each pandoc) grow with a batch, not
    # with the amount of change
    moves = [(no, og_i, ng_i) for no, (og_i, ng_i) in move_jobs.items() if og_i >= 0]
    batches = _batches(jobs, [sum(len(t) for t in old_groups[og_i] + new_groups[ng_i])
                              for og_i, ng_i in jobs])
    batches[0] = [(og_i, ng_i) for _, og_i, ng_i in moves] + batches[0]

    def parse(batch: list[tuple[int, int]]) -> tuple[dict[int, list], dict[int, list]]:
        if not batch:
            return {}, {}
        olds, news = pandoc.parse([([old_groups[i] for i, _ in batch], odefs),
                                   ([new_groups[j] for _, j in batch], ndefs)])
        return ({i: b for (i, _), b in zip(batch, olds, strict=True)},
                {j: b for (_, j), b in zip(batch, news, strict=True)})

    placeholders: dict[str, dict] = {}
    differ = _Differ(stats, placeholders, notes=notes)
    written: list[str] = []
    note_counts: list[int] = []
    with ThreadPoolExecutor(2, thread_name_prefix="redline-pandoc") as pool:
        coming = pool.submit(parse, batches[0])
        writing: list[Future] = []
        for k, batch in enumerate(batches):
            old_blocks, new_blocks = coming.result()
            if k + 1 < len(batches):
                coming = pool.submit(parse, batches[k + 1])
            if k == 0:
                for no, og_i, ng_i in moves:
                    inner = _Differ(Stats(), notes=notes)
                    body = inner.blocks(old_blocks[og_i], new_blocks[ng_i])
                    stats.words_added += inner.stats.words_added
                    stats.words_removed += inner.stats.words_removed
                    stats.words_moved += _word_count(new_blocks[ng_i])
                    to_place, from_place = places[no]
                    placeholders[f"RLMOVE{tag}from{no}"] = {
                        "t": "Div", "c": [[f"verschoben-{no}-alt", [MOVED, DEL],
                                           [["nach", f"verschoben-{no}"],
                                            *([["stelle", to_place]] if to_place else [])]],
                                          old_blocks[og_i]]}
                    placeholders[f"RLMOVE{tag}to{no}"] = {
                        "t": "Div", "c": [[f"verschoben-{no}", [MOVED, INS],
                                           [["von", f"verschoben-{no}-alt"],
                                            *([["stelle", from_place]] if from_place else [])]],
                                          body]}
                batch = batch[len(moves):]
            differ.keys = _Keys()  # the keys keep their nodes alive: one batch's at a time
            outputs = [differ.blocks(old_blocks[og_i], new_blocks[ng_i]) for og_i, ng_i in batch]
            del old_blocks, new_blocks
            if outputs:
                writing.append(pool.submit(_write, pandoc, outputs))
            del outputs
        for done in writing:
            mds, counts = done.result()
            written.extend(mds)
            note_counts.extend(counts)
    rendered = _own_note_labels(written, note_counts, itertools.chain(
        (c.text for c in oc), odefs, (c.text for c in nc), ndefs))
    stats.fallbacks.extend(dict.fromkeys(notes))

    # stitch: unchanged chunks verbatim from NEU, changed regions as rendered
    parts: list[str] = []
    pos = 0
    heading_stack: list[tuple[int, int]] = []  # (level, chunk index) of the open headings
    emitted: set[int] = set()

    def open_heading(k: int) -> None:
        nonlocal heading_stack
        lvl = nc[k].heading
        heading_stack = [h for h in heading_stack if h[0] < lvl] + [(lvl, k)]

    omission = "[…]{.auslassung}"

    def headings_and_gaps(start: int, end: int) -> None:
        """The open headings not shown yet, each omission mark where the text left out
        stood: before a heading when the text left out came before it (Maßnahme 6.1.1
        above the heading of 6.1.2), after the last when it came after."""
        shown = [k for _lvl, k in heading_stack if k not in emitted]
        left_out = [k for k in range(start, end) if k not in emitted and k not in shown]
        i = 0
        for k in shown:
            if i < len(left_out) and left_out[i] < k:
                parts.append(omission)
                while i < len(left_out) and left_out[i] < k:
                    i += 1
            parts.append(nc[k].text)
            emitted.add(k)
        if i < len(left_out):
            parts.append(omission)

    for r, md in zip(regions, rendered, strict=True):
        for k in range(pos, r.j1):
            if context == "full":
                parts.append(nc[k].text)
            elif nc[k].heading:
                open_heading(k)
        if context == "changes":
            headings_and_gaps(pos, r.j1)
        if md.strip():
            parts.append(md)
        if context == "changes":
            for k in range(r.j1, r.j2):
                if nc[k].heading:
                    open_heading(k)
                    emitted.add(k)
        pos = r.j2
    if context == "full":
        parts.extend(c.text for c in nc[pos:])
    elif regions and pos < len(nc):  # the rest after the last change is left out too
        parts.append(omission)
    parts.extend(ndefs)

    stats.measures_added, stats.measures_removed, stats.measures_changed = measure_changes(
        texts.old_measures, texts.new_measures)
    moved_measures = {c.measure for r in regions for a, _, _ in r.moved_to
                      for c in [nc[a]] if c.measure}
    stats.measures_moved = _id_sort(moved_measures)
    markdown = "\n\n".join(p for p in parts if p) + "\n"
    if markdown == "\n":
        markdown = ""
    return Redline(markdown=markdown, stats=stats)


_WRITTEN_NOTE = re.compile(r"(?<!\\)\[\^(\d+)\]")
_ANY_NOTE_LABEL = re.compile(r"\[\^([^\]\s]+)\]")


def _batches(jobs: list[tuple[int, int]], sizes: list[int]) -> list[list[tuple[int, int]]]:
    """Consecutive batches of changed passages, each about BATCH_CHARS (at least one)."""
    out: list[list[tuple[int, int]]] = [[]]
    size = 0
    for job, n in zip(jobs, sizes, strict=True):
        if out[-1] and size + n > BATCH_CHARS:
            out.append([])
            size = 0
        out[-1].append(job)
        size += n
    return out


def _write(pandoc: Pandoc, outputs: list[list]) -> tuple[list[str], list[int]]:
    """The passages as Markdown, and the notes in each that has a note label written."""
    mds = pandoc.write(outputs)
    return mds, [_note_count(o) if "[^" in md else 0 for o, md in zip(outputs, mds, strict=True)]


def _note_count(node: Any) -> int:
    return sum(1 for _ in nodes_of(node, "Note"))


def nodes_of(node: Any, kind: str) -> Iterator[dict]:
    """Every element of type `kind` in `node` (pandoc's AST as JSON), each before the ones
    inside it: what a caller changes in one is seen as the walk goes on inside."""
    if isinstance(node, dict):
        if node.get("t") == kind:
            yield node
        yield from nodes_of(node.get("c"), kind)
    elif isinstance(node, list):
        for x in node:
            yield from nodes_of(x, kind)


def _own_note_labels(written: list[str], note_counts: list[int], texts: Iterable[str]
                     ) -> list[str]:
    """The changed passages as written, no footnote label used twice.

    pandoc numbers the notes it writes from 1 in every run (and the cache mixes runs), while
    the unchanged text keeps its own labels: a `[^1]` written for a changed passage would
    take the footnote of the text's `[^1]`. Such a label gets one of its own; the others
    stay as pandoc wrote them. A passage whose labels cannot be told apart from text (`[^1]`
    in code) stays as written."""
    if not any("[^" in md for md in written):
        return written  # no notes written: no need to read the texts' labels
    taken = {label for text in texts for label in _ANY_NOTE_LABEL.findall(text)}
    prefix = "lip"
    while any(label.startswith(prefix) for label in taken):
        prefix += "x"
    out: list[str] = []
    count = 0
    for md, count_here in zip(written, note_counts, strict=True):
        found = _WRITTEN_NOTE.findall(md) if "[^" in md else []
        if not found or len(found) != 2 * count_here:
            out.append(md)  # a reference and its definition for each note, or leave it
            taken.update(found)
            continue
        own: dict[str, str] = {}
        for label in dict.fromkeys(found):
            if label in taken:
                count += 1
                own[label] = f"{prefix}{count}"
            taken.add(own.get(label, label))
        out.append(_WRITTEN_NOTE.sub(lambda m, own=own: f"[^{own.get(m.group(1), m.group(1))}]",
                                     md) if own else md)
    return out


def unchanged_markdown(md: str) -> str:
    """`md` as a redline writes the passages that did not change (chunks as split, the
    definitions at the end): what `compare_markdown(md, md).markdown` gives, without
    comparing. The page's converter reads it ahead while the engine compares."""
    return _unchanged(*split_chunks(_body(md)))


def _unchanged(chunks: list[_Chunk], defs: list[str]) -> str:
    markdown = "\n\n".join(p for p in [*(c.text for c in chunks), *defs] if p) + "\n"
    return "" if markdown == "\n" else markdown


def redline_chapter(old: Chapter | None, new: Chapter | None, *, pandoc: Pandoc,
                    context: Literal["full", "changes"] = "full") -> Redline:
    """Redline one chapter (None = the chapter does not exist on that side)."""
    from pipeline.assemble import chapter_markdown

    old_md = chapter_markdown(old) if old is not None else ""
    new_md = chapter_markdown(new) if new is not None else ""
    red = compare_markdown(old_md, new_md, pandoc=pandoc, context=context)
    ch = new if new is not None else old
    assert ch is not None
    red.title = f"{ch.number} {ch.title}".strip()
    red.chapter_id = ch.id
    return red


# --- accept / reject (for tests, checks and the Synopse) -----------------------------------


def _has(attr: list, cls: str) -> bool:
    return cls in attr[1]


def resolve_blocks(blocks: list, accept: bool, keep_marks: bool = False) -> list:
    """Apply (accept) or drop (reject) every change; `keep_marks` keeps the surviving markup."""
    drop, keep = (DEL, INS) if accept else (INS, DEL)

    def walk_inlines(inlines: list) -> list:
        out = []
        for x in inlines:
            if x["t"] == "Span" and _has(x["c"][0], drop):
                continue
            if x["t"] == "Span" and _has(x["c"][0], keep):
                inner = walk_inlines(x["c"][1])
                out.extend([{"t": "Span", "c": [x["c"][0], inner]}] if keep_marks else inner)
                continue
            out.append(walk(x))
        return out

    def walk_blocks(bl: list) -> list:
        out = []
        for x in bl:
            if x["t"] == "Div" and _has(x["c"][0], drop):
                continue
            if x["t"] == "Div" and _has(x["c"][0], keep):
                inner = walk_blocks(x["c"][1])
                out.extend([{"t": "Div", "c": [x["c"][0], inner]}] if keep_marks else inner)
                continue
            if x["t"] in ("OrderedList", "BulletList"):
                kept = walk_list(x)
                out.extend([kept] if kept is not None else [])
                continue
            out.append(walk(x))
        return out

    def walk_list(node: dict) -> dict | None:
        """A list without the items that only held what is dropped: an item wholly inserted
        is no empty item „(2)“ of the old version, and the old items keep their numbers."""
        ordered = node["t"] == "OrderedList"
        walked = [(old, walk_blocks(old)) for old in (node["c"][1] if ordered else node["c"])]
        kept = [new for old, new in walked if not old or not _blank(new)]
        if not kept:
            return None
        return {"t": node["t"], "c": [node["c"][0], kept] if ordered else kept}

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            if node and isinstance(node[0], dict) and "t" in node[0]:
                if node[0]["t"] in INLINE_TYPES:
                    return walk_inlines(node)
                if node[0]["t"] in _ALL_BLOCKS:
                    return walk_blocks(node)
            return [walk(x) for x in node]
        if isinstance(node, dict) and "c" in node:
            return {"t": node["t"], "c": walk(node["c"])}
        return node

    return walk_blocks(blocks)


def _blank(blocks: list) -> bool:
    """Nothing left to read: no block, or only paragraphs without words (a wholly inserted
    item of one line is a paragraph holding one inserted span)."""
    return all(b["t"] in ("Plain", "Para")
               and all(x["t"] in ("Space", "SoftBreak", "LineBreak") for x in b["c"])
               for b in blocks)


_ALL_BLOCKS = _BLOCK_TYPES | {"CodeBlock", "RawBlock", "HorizontalRule"}
INLINE_TYPES = {"Str", "Space", "SoftBreak", "LineBreak", "Emph", "Strong", "Underline",
                 "Strikeout", "Superscript", "Subscript", "SmallCaps", "Quoted", "Cite", "Code",
                 "Math", "RawInline", "Link", "Image", "Note", "Span"}
