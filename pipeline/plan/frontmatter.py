"""Split a chapter into YAML front matter and body; load and dump it losslessly.

The front matter is parsed with ruamel.yaml in round-trip mode, so that writing it back
keeps comments, key order, quoting and blank lines. Byte order mark and line endings
(CRLF) of the file are kept as the editor wrote them.

Commands that only read (check, build, site, redline) take a faster path: libyaml (via
ruamel.yaml.clib) composes the nodes and plain dicts and lists remember the line of every
key and item. The round-trip loader stays the judge: whenever the fast path meets anything
unusual (a syntax error, a tag, a duplicate key) it hands over to it. One difference is
deliberate: an impossible date (2020-13-45) is text to the fast path, so that `lip check`
reports it with the chapter's other problems, and an error to the round-trip loader, which
could not write it back unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

from pipeline.errors import FrontMatterError
from pipeline.plan import MAX_CHAPTER_BYTES
from pipeline.plan.lines import editor_lines

BOM = "\ufeff"
FENCE = "---"

_MAYBE_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])[&*]\S", re.MULTILINE)
_DATE_LIKE = re.compile(r"^\s*(?:-\s+)?([\w-]+):\s*(\d{4}-\d{1,2}-\d{1,2})\s*(?:#.*)?$")


@dataclass(frozen=True)
class SplitText:
    """A chapter's text cut into its parts; `join` puts them back byte for byte."""

    bom: str
    newline: str
    """Line ending of the front matter ("\r\n" or "\n"), kept when it is rewritten."""
    opening: str
    """The opening fence line, as written."""
    yaml_text: str
    """The front matter between the fences, with LF line endings."""
    closing: str
    """The closing fence line, as written."""
    body: str
    """Everything after the closing fence line, exactly as written."""
    yaml_first_line: int
    """1-based line number of the first front-matter line in the file."""
    body_first_line: int
    """1-based line number of the first body line in the file."""

    def join(self, yaml_text: str | None = None) -> str:
        """Return the file text, optionally with new front matter."""
        yaml_part = self.yaml_text if yaml_text is None else yaml_text
        if self.newline != "\n":
            yaml_part = yaml_part.replace("\n", self.newline)
        return self.bom + self.opening + yaml_part + self.closing + self.body


class Oversize(bytes):
    """Stands in for a file too large to read; only its size is known."""

    size: int

    def __new__(cls, size: int) -> Oversize:
        obj = super().__new__(cls, b"")
        obj.size = size
        return obj


def decode(raw: bytes, path: str) -> str:
    """Decode a file as UTF-8 or say which line holds the first bad byte."""
    size = raw.size if isinstance(raw, Oversize) else len(raw)
    if size > MAX_CHAPTER_BYTES:
        raise FrontMatterError(
            path, 1, "datei",
            f"Datei ist {size / 1024 / 1024:.1f} MB groß; erlaubt sind höchstens "
            f"{MAX_CHAPTER_BYTES // 1024 // 1024} MB pro Kapitel. Bitte das Kapitel aufteilen.",
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise FrontMatterError(path, line, "datei", _not_utf8(bytes(raw), e.start)) from None


SAVE_AS_UTF8 = ("bitte als UTF-8 speichern (in VS Code: unten rechts auf die Kodierung klicken, "
                "dann „Mit Codierung speichern“ und „UTF-8“).")


def _not_utf8(raw: bytes, start: int) -> str:
    """Why a file is not UTF-8, in an editor's words: the encoding it most likely has (an
    editor on Windows saves Windows-1252) and the word with the first wrong character, as
    that encoding shows it, instead of a byte and its offset."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return f"Datei ist in UTF-16 gespeichert, nicht in UTF-8; {SAVE_AS_UTF8}"
    line_start = raw.rfind(b"\n", 0, start) + 1
    end = raw.find(b"\n", start)
    before = raw[line_start:start].decode("utf-8")
    try:
        after = raw[start:end if end >= 0 else len(raw)].decode("cp1252")
    except UnicodeDecodeError:  # a byte Windows-1252 does not use either
        return (f"Datei ist nicht in UTF-8 kodiert (Zeichen {len(before) + 1} der Zeile ist "
                f"kein gültiges Zeichen); {SAVE_AS_UTF8}")
    word = re.search(r"\S*$", before).group() + after[0] + re.match(r"\S*", after[1:]).group()
    word = word.strip("()[]*_:;,.!?“”„\"'") or after[0]
    return (f"Datei ist nicht in UTF-8 kodiert, sondern wohl in Windows-1252 (das erste "
            f"falsche Zeichen ist „{after[0]}“ in „{word}“); {SAVE_AS_UTF8}")


def split(text: str, path: str) -> SplitText:
    """Cut `text` into BOM, front matter and body; raise if there is no front matter."""
    bom = BOM if text.startswith(BOM) else ""
    text = text[len(bom):]
    if not text.strip():
        raise FrontMatterError(path, 1, "datei", "Datei ist leer; erwartet wird ein Kopf "
                               "(YAML zwischen zwei Zeilen '---') und der Kapiteltext.")
    lines = editor_lines(text, keepends=True)
    if lines[0].rstrip("\r\n").rstrip() != FENCE:
        raise FrontMatterError(path, 1, "kopf", "Kopf fehlt: die Datei muss mit einer Zeile "
                               "'---' beginnen, gefolgt von den Metadaten und einer weiteren '---'.")
    newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r\n").rstrip() == FENCE:
            yaml_text = "".join(lines[1:i]).replace("\r\n", "\n")
            return SplitText(bom, newline, lines[0], yaml_text, lines[i],
                             "".join(lines[i + 1:]), 2, i + 2)
    raise FrontMatterError(path, 1, "kopf", "Kopf wird nicht geschlossen: die zweite Zeile "
                           "'---' nach den Metadaten fehlt.")


_YAML_PROBLEMS = (
    # (words of ruamel's problem, words of its context or "", line: "problem" or "context",
    #  German explanation with a hint)
    ("unexpected end of stream", "quoted scalar", "context",
     "das Anführungszeichen, das hier beginnt, wird nicht geschlossen; bitte das schließende "
     "Anführungszeichen ergänzen"),
    ("unexpected end of stream", "", "problem",
     "der Kopf endet mitten in einem Wert; ist eine Klammer oder ein Anführungszeichen nicht "
     "geschlossen?"),
    ("could not find expected ':'", "", "context",
     "nach dem Schlüssel fehlt der Doppelpunkt, z. B. 'titel: Bildung'"),
    ("expected ',' or ']'", "", "context",
     "die Liste in eckigen Klammern, die hier beginnt, ist nicht richtig geschlossen; Einträge "
     "mit ',' trennen und mit ']' schließen (ein Eintrag mit ':' in Anführungszeichen setzen)"),
    ("expected ',' or '}'", "", "context",
     "die Zuordnung in geschweiften Klammern, die hier beginnt, ist nicht richtig geschlossen; "
     "Einträge mit ',' trennen und mit '}' schließen"),
    ("mapping values are not allowed here", "", "problem",
     "hier ist kein ':' erlaubt: Einrückung prüfen oder den Wert in Anführungszeichen setzen "
     "(z. B. titel: \"Bildung: Schule\")"),
    ("cannot start any token", "", "problem",
     "Tabulatoren und dieses Zeichen sind in YAML nicht erlaubt; bitte Leerzeichen verwenden"),
    ("found duplicate key", "", "problem",
     "dieser Schlüssel steht schon weiter oben; jeden Schlüssel nur einmal angeben"),
    ("expected <block end>", "", "problem", "die Einrückung stimmt hier nicht"),
    ("did not find expected key", "", "problem",
     "hier wird ein Schlüssel erwartet; bitte die Einrückung prüfen"),
    ("did not find expected '-'", "", "problem",
     "hier wird ein Listeneintrag ('- …') erwartet; bitte die Einrückung prüfen"),
    ("undefined alias", "", "problem", "unbekannter Alias (*name)"),
    ("special characters are not allowed", "", "problem",
     "Steuerzeichen (unsichtbare Zeichen wie NUL) sind im Kopf nicht erlaubt; bitte entfernen"),
    ("unknown escape character", "", "problem",
     "unbekannte Escape-Folge mit '\\' in Anführungszeichen; einfache Anführungszeichen "
     "verwenden oder '\\\\' schreiben"),
)
_FALLBACK = ("der Kopf ist an dieser Stelle kein gültiges YAML; bitte Einrückung, Doppelpunkte und "
             "Anführungszeichen prüfen")


_UNCLOSED_QUOTE = ("das Anführungszeichen, das in dieser Zeile beginnt, wird nicht geschlossen; "
                   "bitte das schließende Anführungszeichen ergänzen")


def _quotes(line: str) -> int:
    return len(re.findall(r'(?<!\\)"', line))


def _unclosed_quote_line(e: MarkedYAMLError) -> int | None:
    """The 0-based line where a double quote was opened and not closed on its line, when the
    parser stumbled over the text after it (the quote then closes on a later line, at the
    opening quote of the next value): ruamel names the later line, the editor's slip is here."""
    mark = e.problem_mark
    buffer = getattr(mark, "buffer", None)
    if mark is None or not isinstance(buffer, str):
        return None
    lines = buffer.split("\n")
    if not 0 < mark.line < len(lines) or not _quotes(lines[mark.line][:mark.column]):
        return None
    start = e.context_mark.line if e.context_mark is not None else 0
    for number in range(mark.line - 1, start - 1, -1):
        if _quotes(lines[number]) % 2 == 1:
            return number if re.search(r'(:|^\s*-)\s+"', lines[number]) else None
    return None


def explain_yaml_error(e: MarkedYAMLError) -> tuple[int, str]:
    """(0-based line in the YAML text, German explanation) of a syntax error: the line where
    the editor made the mistake (where the quote or bracket opened, the key without its
    colon), not where the parser gave up, and no English from ruamel."""
    problem, context = e.problem or "", e.context or ""
    opened = _unclosed_quote_line(e)
    if opened is not None:
        return opened, _UNCLOSED_QUOTE
    for words, context_words, where, german in _YAML_PROBLEMS:
        if words in problem and context_words in context:
            mark = e.context_mark if where == "context" and e.context_mark else e.problem_mark
            return (mark.line if mark else 0), german
    mark = e.problem_mark or e.context_mark
    return (mark.line if mark else 0), _FALLBACK


def make_yaml() -> YAML:
    """Return the one ruamel configuration used for reading and writing front matter."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _sequence_style(yaml_text: str) -> tuple[int, int]:
    """Detect whether block sequences are indented under their key ("  - x") or not ("- x")."""
    lines = yaml_text.split("\n")
    for prev, line in zip(lines, lines[1:], strict=False):
        m = re.match(r"^(\s*)- ", line)
        if m and prev.rstrip().endswith(":"):
            key_indent = len(prev) - len(prev.lstrip())
            offset = len(m.group(1)) - key_indent
            return (offset + 2, offset)
    return (4, 2)


class LineMap(dict):
    """A mapping read by the fast loader; `lines[key]` is the 0-based line of the key."""

    lines: dict[Any, int]


class LineList(list):
    """A sequence read by the fast loader; `lines[i]` is the 0-based line of item i."""

    lines: list[int]


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_fast_yaml: YAML | None = None


class _Unusual(Exception):
    """The fast loader declines; the round-trip loader reads the text instead."""


def _construct(node: Any, constructor: Any) -> Any:
    if isinstance(node, MappingNode):
        if node.tag != _MAP_TAG:
            raise _Unusual
        mapping = LineMap()
        mapping.lines = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise _Unusual
            key = key_node.value if key_node.tag == _STR_TAG else constructor.construct_object(key_node)
            if key in mapping or key_node.tag == "tag:yaml.org,2002:merge":
                raise _Unusual  # duplicates and merge keys: the round-trip loader explains
            mapping[key] = _construct(value_node, constructor)
            mapping.lines[key] = key_node.start_mark.line
        return mapping
    if isinstance(node, SequenceNode):
        if node.tag != _SEQ_TAG:
            raise _Unusual
        items = LineList(_construct(item, constructor) for item in node.value)
        items.lines = [item.start_mark.line for item in node.value]
        return items
    if node.tag == _STR_TAG and isinstance(node, ScalarNode):
        return node.value  # most values are text: skip the constructor's dispatch
    if node.tag == _TIMESTAMP_TAG:
        try:
            return constructor.construct_object(node)
        except ValueError:  # 2020-13-45 stays text, as if quoted: the schema check names it
            return node.value  # together with every other problem of the chapter
    return constructor.construct_object(node)


class _TextFirstResolver(VersionedResolver):
    """Resolves plain scalars like ruamel, minus most of its cost (the type regexes were most
    of the fast path's time): a scalar whose first character begins no implicit type (number,
    date, bool, null) is text at once, and the verdict on each other scalar is remembered;
    keys such as `titel` or `federfuehrung` recur in every chapter. The fast path reads only
    YAML 1.2 documents without path resolvers, so a verdict depends on the text alone."""

    _typed_starts: frozenset | None = None
    _seen: dict[tuple[str, bool], Any] = {}
    _SEEN_LIMIT = 10_000

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0] and value and not self.yaml_path_resolvers:
            starts = self._typed_starts
            if starts is None:
                table = self.versioned_resolver
                starts = _TextFirstResolver._typed_starts = (
                    frozenset(table) if None not in table else frozenset())
            if starts and value[0] not in starts:
                return self.DEFAULT_SCALAR_TAG
            key = (value, implicit[1])
            tag = self._seen.get(key)
            if tag is None:
                if len(self._seen) >= self._SEEN_LIMIT:  # a long-running process: stay small
                    self._seen.clear()
                tag = self._seen[key] = super().resolve(kind, value, implicit)
            return tag
        return super().resolve(kind, value, implicit)


def _load_fast(yaml_text: str) -> Any:
    from ruamel.yaml.constructor import SafeConstructor

    global _fast_yaml
    if yaml_text.startswith("%") or "\n%" in yaml_text:
        raise _Unusual  # a %YAML directive changes how plain text resolves
    if _fast_yaml is None:
        _fast_yaml = YAML(typ="safe")  # libyaml's parser when ruamel.yaml.clib is installed
        _fast_yaml.Resolver = _TextFirstResolver
    node = _fast_yaml.compose(yaml_text)
    return None if node is None else _construct(node, SafeConstructor(loader=_fast_yaml))


MAX_DEPTH = 40
"""Deepest nesting accepted in a head: the schema needs 6 levels; 20,000 is an attack."""

_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_PLAIN_TYPES = (str, bool, int, float, dt.date, type(None))


def char_name(c: str) -> str:
    """'U+0000 (NUL)' for a character an editor cannot see."""
    import unicodedata

    name = {"\x00": "NUL", "\x0b": "vertikaler Tabulator", "\x0c": "Seitenvorschub",
            "\x85": "Zeilenende NEL", "\x7f": "DEL"}.get(c) or unicodedata.name(c, "")
    if "\ud800" <= c <= "\udfff":
        name = "halbes Ersatzzeichenpaar, kein gültiges Zeichen"
    return f"U+{ord(c):04X}" + (f" ({name})" if name else "")


def load(yaml_text: str, path: str, first_line: int = 1, *, editable: bool = True) -> Any:
    """Parse front matter; errors name the line in the .md file.

    `editable=False` returns plain dicts and lists (with their lines) that must not be
    written back; it is several times faster than the round-trip loader. Either way the
    values are only text, numbers, dates, lists and mappings, no deeper than MAX_DEPTH, and
    no text holds a control character or half a surrogate pair (issue 20).
    """
    raw = _BAD_CHAR.search(yaml_text)  # as typed; escapes ("\0") are looked at after loading
    if raw:
        raise FrontMatterError(path, first_line + yaml_text.count("\n", 0, raw.start()), "kopf",
                               f"Kopf enthält das Steuerzeichen {char_name(raw.group())}; es ist "
                               f"im Editor unsichtbar und in YAML nicht erlaubt; bitte entfernen")
    try:
        data = _parse(yaml_text, path, first_line, editable=editable)
    except RecursionError:
        data = None
        deep = True
    else:
        deep = False
    if deep:
        raise FrontMatterError(path, first_line + _deep_line(yaml_text), "kopf",
                               f"Kopf ist zu tief verschachtelt; erlaubt sind höchstens "
                               f"{MAX_DEPTH} Ebenen")
    _vet(data, path, first_line)
    return data


def _deep_line(yaml_text: str) -> int:
    """0-based line where the nesting (brackets plus indentation) first gets too deep; a
    guess for the message only, quotes are not looked at."""
    flow = 0
    for number, line in enumerate(yaml_text.split("\n")):
        indent = (len(line) - len(line.lstrip(" -"))) // 2
        for c in line:
            flow += 1 if c in "[{" else -1 if c in "]}" else 0
            if flow + indent > MAX_DEPTH:
                return number
    return 0


def _vet(data: Any, path: str, first_line: int) -> None:
    """Refuse what the plan cannot hold: tagged values (!!binary, !!set), nesting deeper than
    MAX_DEPTH, control characters and lone surrogates (they crash printing)."""
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack:
        value, keys = stack.pop()
        where = ".".join(str(k) for k in keys) or "kopf"
        if len(keys) > MAX_DEPTH:
            raise FrontMatterError(path, line_of(data, keys[:MAX_DEPTH], first_line), "kopf",
                                   f"Kopf ist zu tief verschachtelt; erlaubt sind höchstens "
                                   f"{MAX_DEPTH} Ebenen")
        tag = getattr(getattr(value, "tag", None), "value", None)  # ruamel: !!omap, !foo on a map
        if isinstance(value, dict | list) and tag and tag not in (_MAP_TAG, _SEQ_TAG):
            raise FrontMatterError(path, line_of(data, keys, first_line), where,
                                   f"YAML-Typ {tag.replace('tag:yaml.org,2002:', '!!')} ist im "
                                   f"Kopf nicht erlaubt; erlaubt sind Text, Zahlen, "
                                   f"Datumsangaben, Listen und Schlüssel-Wert-Paare")
        if isinstance(value, dict):
            for k, v in value.items():
                if isinstance(k, str) and _BAD_CHAR.search(k):
                    raise FrontMatterError(path, line_of(data, keys, first_line), where,
                                           f"Schlüssel enthält das Zeichen "
                                           f"{char_name(_BAD_CHAR.search(k).group())}; bitte "
                                           f"entfernen")
                stack.append((v, (*keys, k)))
        elif isinstance(value, list) and not isinstance(value, set):
            stack.extend((v, (*keys, i)) for i, v in enumerate(value))
        elif isinstance(value, str):
            bad = _BAD_CHAR.search(value)
            if bad:
                raise FrontMatterError(path, line_of(data, keys, first_line), where,
                                       f"Wert enthält das Zeichen {char_name(bad.group())}; es ist "
                                       f"unsichtbar oder ungültig und bricht Ausgaben; bitte "
                                       f"entfernen")
        elif not isinstance(value, _PLAIN_TYPES) or isinstance(value, bytes):
            tag = getattr(value, "tag", None)
            kind = getattr(tag, "value", tag) or {bytes: "!!binary", set: "!!set"}.get(
                type(value), type(value).__name__)
            if isinstance(value, set) or type(value).__name__ == "CommentedSet":
                kind = "!!set"
            kind = str(kind).replace("tag:yaml.org,2002:", "!!")
            raise FrontMatterError(path, line_of(data, keys, first_line), where,
                                   f"YAML-Typ {kind} ist im Kopf nicht erlaubt; erlaubt sind Text, "
                                   f"Zahlen, Datumsangaben, Listen und Schlüssel-Wert-Paare")


def _parse(yaml_text: str, path: str, first_line: int, *, editable: bool) -> Any:
    if not editable and not _MAYBE_ANCHOR.search(yaml_text):
        try:
            return _load_fast(yaml_text)
        except (YAMLError, ValueError, TypeError, _Unusual):
            pass  # the round-trip loader below gives the canonical answer or message
    yaml = make_yaml()
    try:
        # Parsing twice costs time; only text that may hold an anchor or alias is scanned.
        events = yaml.parse(yaml_text) if _MAYBE_ANCHOR.search(yaml_text) else ()
        for event in events:
            if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
                line = first_line + event.start_mark.line
                raise FrontMatterError(
                    path, line, "kopf",
                    "YAML-Anker und -Aliase (&name, *name) sind im Kopf nicht erlaubt; "
                    "bitte den Wert ausschreiben.",
                )
        return yaml.load(yaml_text)
    except MarkedYAMLError as e:
        offset, explanation = explain_yaml_error(e)
        raise FrontMatterError(path, first_line + offset, "kopf",
                               f"YAML-Syntaxfehler: {explanation}") from None
    except YAMLError as e:
        raise FrontMatterError(path, first_line, "kopf", f"YAML-Fehler: {e}") from None
    except ValueError as e:  # e.g. a date like 2020-13-45: ruamel raises without a mark
        for i, text_line in enumerate(yaml_text.split("\n")):
            m = _DATE_LIKE.match(text_line)
            if m:
                try:
                    dt.date(*map(int, m.group(2).split("-")))
                except ValueError:
                    raise FrontMatterError(path, first_line + i, m.group(1),
                                           impossible_date(m.group(2))) from None
        raise FrontMatterError(path, first_line, "kopf", f"ungültiger Wert: {e}") from None


def new_mapping(**items: Any) -> CommentedMap:
    """A mapping to append to front matter, in the given key order, without the None values."""
    out = CommentedMap()
    for key, value in items.items():
        if value is not None:
            out[key] = value
    return out


def impossible_date(text: str) -> str:
    """The message for a date in the right form whose day does not exist (2020-13-45): the
    same from the round-trip loader and from the schema check of the read-only one."""
    return f"kein gültiges Datum: {text!r}; diesen Tag gibt es nicht (JJJJ-MM-TT, z. B. 2020-03-12)"


def dump(data: Any, original_yaml_text: str) -> str:
    """Serialise `data` in the layout of `original_yaml_text`."""
    yaml = make_yaml()
    sequence, offset = _sequence_style(original_yaml_text)
    yaml.indent(mapping=2, sequence=sequence, offset=offset)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def line_of(data: Any, keys: tuple[str | int, ...], first_line: int) -> int:
    """Return the 1-based file line of the value at `keys`, or of its nearest parent."""
    line = first_line
    node = data
    for key in keys:
        try:
            if isinstance(node, LineMap | LineList):
                line = first_line + node.lines[key]
            elif isinstance(node, CommentedMap) and key in node:
                line = first_line + node.lc.key(key)[0]
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
                line = first_line + node.lc.item(key)[0]
            else:
                return line
            node = node[key]
        except (AttributeError, KeyError, IndexError, TypeError):
            return line
    return line


def to_plain(data: Any) -> Any:
    """Turn ruamel nodes into JSON-like Python values (dates become ISO strings)."""
    if isinstance(data, dict):
        return {str(k): to_plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [to_plain(v) for v in data]
    if isinstance(data, dt.datetime):
        return data.isoformat()
    if isinstance(data, dt.date):
        return data.isoformat()
    if isinstance(data, bool | int | float) or data is None:
        return data
    return str(data)
