"""pandoc for every backend: the Markdown dialect, metadata files, filters, the typst cache."""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.files import write_atomic
from pipeline.plan.nesting import Nesting
from pipeline.render import FILTER_DIR, file_sha256, filter_args, tools
from pipeline.render.backend import Settings
from pipeline.render.reader import PLAN_READER

if TYPE_CHECKING:  # the redline pages need none of the plan's assembly
    from pipeline.assemble import Assembled, Part

READER = PLAN_READER
"""Plan Markdown as every product reads it (render/reader.py)."""

READER_GENERATED = "markdown-raw_html-raw_tex-citations-smart-tex_math_dollars-auto_identifiers"
"""For documents we generate ourselves: raw typst blocks mark the parts. No automatic
identifiers: pandoc numbers them across the whole document (a second "Ziele" becomes
`ziele-1`), so a part would convert differently alone than among the others; `lip check`
allows links only to the plan's explicit anchors, which stay."""

RULED_TABLES = ("simple_tables", "multiline_tables", "grid_tables")
"""The table syntaxes drawn with lines of dashes. pandoc tries them at every block, which
costs ~5 % of its time on the shipped plan, although the plan uses pipe tables only."""
_RULED_LINE = r"^[ \t]*[-+=:]*[-=][-+=: \t\r]*$"
"""A line of nothing but -, =, +, : and blanks. Each of the three syntaxes needs one (the
dashed line of a simple or multiline table, the border of a grid table; see pandoc's
Markdown reader), so a text without such a line converts the same without them."""
_RULED = re.compile(_RULED_LINE, re.M)
_RULED_IN_FILE = re.compile(_RULED_LINE.encode(), re.M)
_YAML_FENCE = re.compile(rb"(?:---|\.\.\.)[ \t\r]*")


def reader_for(*texts: str, reader: str = READER) -> str:
    """`reader` without the ruled table syntaxes none of `texts` (everything pandoc will read
    as Markdown: the body and each metadata string) can contain. Grid tables (the generated
    Maßnahmenkatalog) draw their borders with lines that start with "+"; the other two
    syntaxes need a ruled line without one."""
    ruled = [m.group() for text in texts for m in _RULED.finditer(text)]
    if not ruled:
        return reader + "".join(f"-{name}" for name in RULED_TABLES)
    if all(line.lstrip().startswith("+") for line in ruled):
        return reader + "".join(f"-{name}" for name in RULED_TABLES if name != "grid_tables")
    return reader


def _ruled_syntaxes(reader: str) -> int:
    """How many of the ruled table syntaxes `reader` reads."""
    return sum(f"-{name}" not in reader for name in RULED_TABLES)


def _metadata_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [text for item in value for text in _metadata_strings(item)]
    return []


def reader_for_document(doc: Assembled, reader: str = READER) -> str:
    return reader_for(doc.markdown, *_metadata_strings(doc.metadata), reader=reader)


def reader_guess(files: Mapping[str, bytes | None]) -> str:
    """`reader_for` the plan's files before they are parsed, so that pandoc can start at once.
    A bare `---` or `...` line does not count (the fences of front matter); the guess can
    therefore be wrong, and `PendingPandoc.finish` checks it against the real document. The
    document always may hold the catalog's grid tables."""
    if not files:
        return READER
    for data in files.values():
        for line in _RULED_IN_FILE.finditer(data or b""):
            if not _YAML_FENCE.fullmatch(line.group()):
                return READER
    return reader_for("+---+")


TYPST_FILTERS = ("build-typst.lua",)
TYPST_FILTER_PARTS = ("build-typst-text.lua", "figure-alt.lua")
"""Lua files the filters load (their contents are part of the cache key)."""
CACHE_VERSION = "6"
"""Bump when the conversion itself changes in a way the cache keys do not see."""
_MARK = "// lip-teil: "
_END = "lip-ende"


@functools.cache
def pandoc_version() -> str:
    out = tools.run_pandoc(["--version"]).decode()
    return out.split("\n", 1)[0].split()[-1]


def metadata_json(doc: Assembled) -> str:
    """The document's pandoc metadata as JSON (pandoc reads it as YAML, of which JSON is a part).

    pandoc reads each string as Markdown: a multi-line value must end in a newline to stay
    blocks (paragraphs, lists); without one, a single paragraph becomes inlines.
    """
    def blocks_kept(value):
        if isinstance(value, str) and "\n" in value:
            return value.rstrip("\n") + "\n"
        if isinstance(value, list):
            return [blocks_kept(v) for v in value]
        if isinstance(value, dict):
            return {k: blocks_kept(v) for k, v in value.items()}
        return value

    return json.dumps(blocks_kept(dict(sorted(doc.metadata.items()))), ensure_ascii=False)


def write_metadata(doc: Assembled, path: Path) -> Path:
    """The metadata as a file for --metadata-file (the PDF's frame, the benchmark's floor)."""
    path = path.with_suffix(".json")
    path.write_text(metadata_json(doc), encoding="utf-8")
    return path


def with_metadata_block(doc: Assembled) -> str:
    """The document with its metadata in a YAML block at the top: what --metadata-file
    gives, byte for byte in the output, but inside the input, so that pandoc can be started
    before the document exists (JSON is one line: no `---` inside can end the block)."""
    return f"---\n{metadata_json(doc)}\n---\n\n{doc.markdown}"


def _cache_key(*items: str) -> str:
    return hashlib.sha256("\0".join(items).encode()).hexdigest()[:32]


def _split_marked(text: str) -> tuple[str, dict[str, str], str]:
    """Split pandoc's output at the `// lip-teil: KEY` lines: (head, {key: fragment}, tail)."""
    pieces = re.split(r"^// lip-teil: (\S+)\n", text, flags=re.M)
    head, fragments, tail = pieces[0], {}, ""
    for key, fragment in zip(pieces[1::2], pieces[2::2], strict=True):
        if key == _END:
            tail = fragment
        else:
            fragments[key] = fragment
    return head, fragments, tail


def _marked_markdown(parts: list[Part]) -> str:
    chunks = []
    for part in parts:
        chunks.append(f"```{{=typst}}\n{_MARK}{part.key}\n```\n\n{part.markdown.rstrip()}\n")
    chunks.append(f"```{{=typst}}\n{_MARK}{_END}\n```\n")
    return "\n".join(chunks)


_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:", re.M)
_SHORTCUT_REFERENCE = re.compile(r"\[(?<![\^!]\[)[^\]\n]+\](?![({]|\[(?!\]))")
"""A label: `[Text]`, `[Text][]` or the second half of `[Text][Label]`, a reference to a
definition or (implicit_header_references) to a heading that may sit in another section."""


def _sections(part: Part) -> list[Part]:
    """`part` cut before each of its level-2 headings, so that a one-chapter edit converts one
    section (~50 ms of pandoc) instead of the whole chapter (~150 ms).

    Cut only where pandoc reads every piece exactly as it reads the whole: a `## ` heading
    after a blank line, outside code blocks and fenced divs, in a part without references
    that another section could resolve (definitions, `[Text]`, example lists)."""
    text = part.markdown
    if _REFERENCE_DEFINITION.search(text) or _SHORTCUT_REFERENCE.search(text) or "(@" in text:
        return [part]
    lines = text.split("\n")
    cuts: list[int] = []
    nesting, blank_before = Nesting(), True
    for i, line in enumerate(lines):
        if i > 0 and nesting.top_level and blank_before and line.startswith("## "):
            cuts.append(i)
        nesting.feed(line)
        blank_before = not line.strip()
    if not nesting.top_level or nesting.stray_closer or not cuts:  # fences that do not close
        return [part]
    bounds = [0, *cuts, len(lines)]
    from pipeline.assemble import Part

    return [Part(f"{part.key}.{n}", "\n".join(lines[a:b]), part.source)
            for n, (a, b) in enumerate(itertools.pairwise(bounds))]


PARALLEL_MIN_CHARS = 60_000
"""Below this much Markdown per piece, another pandoc process costs more than it saves."""


def _pieces(parts: list[Part], ways: int | None) -> list[list[Part]]:
    """Split `parts` into consecutive groups of about equal size, one per core (or `ways`)."""
    total = sum(len(p.markdown) for p in parts)
    if ways is None:
        try:
            cores = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            cores = os.cpu_count() or 1
        ways = min(cores, total // PARALLEL_MIN_CHARS)
    ways = max(1, min(ways, len(parts)))
    pieces: list[list[Part]] = [[] for _ in range(ways)]
    done = 0
    for part in parts:
        pieces[min(ways - 1, done * ways // max(total, 1))].append(part)
        done += len(part.markdown)
    return [piece for piece in pieces if piece]


def typst_source(doc: Assembled, template: Path, settings: Settings, *, ways: int | None = None) -> str:
    """The whole typst document, converting only sections whose Markdown is not in the cache.

    The document's parts are cut into sections (`_sections`); the missing ones are converted
    marked with raw typst comments and split afterwards: a cold build costs one pandoc run
    per core (each on a consecutive share; a section converts the same alone or among
    others, which the cache relies on anyway) and a one-chapter edit converts the sections
    it touched. Cache keys: section text + template + filters + pandoc version. `ways` fixes
    the number of pandoc runs (tests).
    """
    filters = [FILTER_DIR / f for f in (*TYPST_FILTERS, *TYPST_FILTER_PARTS)]
    tool_key = _cache_key(CACHE_VERSION, pandoc_version(), file_sha256(template, *filters))
    meta_key = _cache_key(tool_key, json.dumps(doc.metadata, ensure_ascii=False, sort_keys=True))
    cache = settings.cache_dir / "typst" if settings.cache_dir else None
    fragments: dict[str, str] = {}
    missing: list[Part] = []
    units = [section for part in doc.parts for section in _sections(part)]
    keys = {p.key: _cache_key(tool_key, p.sha256) for p in units}
    for part in units:
        hit = cache / f"{keys[part.key]}.typ" if cache else None
        if hit is not None and hit.exists():
            fragments[part.key] = hit.read_text(encoding="utf-8")
        else:
            missing.append(part)
    frame_file = cache / f"rahmen-{meta_key}.json" if cache else None
    frame = json.loads(frame_file.read_text(encoding="utf-8")) if frame_file and frame_file.exists() else None
    if missing or frame is None:
        args = ["-t", "typst", "--wrap=preserve", "--syntax-highlighting=none",
                *filter_args(TYPST_FILTERS)]
        frame_args, frame_texts = [], []
        if frame is None:  # the first run also fills the template around the body
            meta_file = write_metadata(doc, settings.work_dir / "metadaten.json")
            frame_args = ["-s", f"--template={template}", f"--metadata-file={meta_file}"]
            frame_texts = _metadata_strings(doc.metadata)
        jobs = []
        for i, piece in enumerate(_pieces(missing, ways) or [[]]):
            markdown = _marked_markdown(piece)
            texts = [markdown, *(frame_texts if i == 0 else [])]
            jobs.append((["-f", reader_for(*texts, reader=READER_GENERATED), *args,
                          *(frame_args if i == 0 else [])], markdown))
        settings.progress("pandoc")
        outputs = tools.run_pandoc_side_by_side(jobs, started=settings.started)
        converted: dict[str, str] = {}
        for i, out in enumerate(outputs):
            head, piece_fragments, tail = _split_marked(out.decode("utf-8"))
            converted.update(piece_fragments)
            if i == 0 and frame is None:
                frame = {"head": head, "tail": tail}
                if frame_file:
                    write_atomic(frame_file, json.dumps(frame, ensure_ascii=False))
        for part in missing:
            fragments[part.key] = converted.get(part.key, "")
            if cache:
                write_atomic(cache / f"{keys[part.key]}.typ", fragments[part.key])
    if cache:
        used = {f"{k}.typ" for k in keys.values()} | {frame_file.name}
        for old in cache.iterdir():
            if old.name not in used:
                old.unlink(missing_ok=True)
    return frame["head"] + "".join(fragments[p.key] for p in units) + frame["tail"]


class PendingPandoc:
    """An HTML or DOCX conversion whose pandoc runs already and waits for the document."""

    def __init__(self, to: str, args: list[str], settings: Settings, step: str,
                 env: dict[str, str] | None = None,
                 on_input: Callable[[], None] | None = None) -> None:
        """`on_input` runs once pandoc has the whole document, before `settings.started`."""
        self._on_input = on_input
        self._env = {**(env or {}), **tools.fixed_clock(settings.epoch)}
        self._args = ["-t", to, f"--resource-path={settings.work_dir}", *args, "-o", "-"]
        self._settings, self._step = settings, step
        self._reader = reader_guess(settings.sources)
        self._process = tools.PandocProcess(["-f", self._reader, *self._args], env=self._env)

    def finish(self, doc: Assembled) -> bytes:
        self._settings.progress(self._step)
        needed = reader_for_document(doc)
        if _ruled_syntaxes(needed) > _ruled_syntaxes(self._reader):  # the guess left out tables the document has
            self._process.cancel()
            self._reader = needed
            self._process = tools.PandocProcess(["-f", needed, *self._args], env=self._env)
        return self._process.finish(with_metadata_block(doc), started=self._started)

    def _started(self) -> None:
        if self._on_input is not None:
            self._on_input()
        self._settings.started()

    def cancel(self) -> None:
        self._process.cancel()
