"""Front matter round trips: loading and re-writing changes nothing, edits change only themselves."""

from __future__ import annotations

import datetime as dt
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import SHIPPED_PLAN

from pipeline.errors import FrontMatterError
from pipeline.plan import frontmatter, load_chapter, text_hash

SHIPPED = sorted(p.name for p in SHIPPED_PLAN.glob("*.md"))


def round_trip(text: str) -> str:
    split = frontmatter.split(text, "x.md")
    data = frontmatter.load(split.yaml_text, "x.md", split.yaml_first_line)
    return split.join(frontmatter.dump(data, split.yaml_text))


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_chapter_round_trips_byte_for_byte(name: str) -> None:
    raw = (SHIPPED_PLAN / name).read_bytes()
    assert round_trip(raw.decode("utf-8")).encode("utf-8") == raw


def test_shipped_plan_has_chapters() -> None:
    assert len(SHIPPED) >= 13


def test_crlf_and_bom_survive_an_edit() -> None:
    text = "\ufeff---\r\n# Kommentar\r\nid: bildung\r\nreview:\r\n  vorlagen: []\r\n---\r\nText\r\n"
    split = frontmatter.split(text, "x.md")
    data = frontmatter.load(split.yaml_text, "x.md", split.yaml_first_line)
    data["review"]["vorlagen"].append({"datum": dt.date(2020, 3, 1), "gremium": "eg-bildung"})
    out = split.join(frontmatter.dump(data, split.yaml_text))
    assert out.startswith("\ufeff---\r\n# Kommentar\r\nid: bildung\r\n")
    assert "      gremium: eg-bildung\r\n" in out
    assert out.endswith("---\r\nText\r\n")
    assert "\n" not in out.replace("\r\n", "")


def test_edit_keeps_comments_quotes_and_the_body(tmp_path: Path) -> None:
    raw = (SHIPPED_PLAN / "11-bildung.md").read_bytes()
    chapter = load_chapter("11-bildung.md", raw)
    before_hash = chapter.text_sha256
    chapter.meta["review"]["vorlagen"].append(
        {"datum": dt.date(2020, 9, 14), "gremium": "eg-bildung",
         "stand": {"commit": "abcdef1", "text_sha256": before_hash}})
    new = chapter.text.join(frontmatter.dump(chapter.meta, chapter.text.yaml_text))
    old_lines, new_lines = raw.decode().splitlines(), new.splitlines()
    added = [line for line in new_lines if line not in old_lines]
    assert all(("gremium" in a or "datum" in a or "stand" in a or "commit" in a
                or "text_sha256" in a or "vorlagen" in a) for a in added), added
    assert new.endswith(chapter.text.body)
    assert text_hash(load_chapter("11-bildung.md", new.encode()).text.body) == before_hash


def test_anchors_and_aliases_are_refused() -> None:
    with pytest.raises(FrontMatterError) as info:
        frontmatter.load("a: &x [1, 2]\nb: *x\n", "plan/x.md", 2)
    assert info.value.line == 2
    assert "Aliase" in info.value.message


# --- generated front matter (Hypothesis) -----------------------------------------------------

_word = st.text(alphabet=string.ascii_letters + "äöüßÄÖÜ -–„“.,!?*()", min_size=1, max_size=30).map(
    str.strip).filter(lambda s: s and not s.startswith(("-", "*", "?", "!")) and not s.endswith(":"))
_key = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=12).filter(
    lambda k: k[0] != "_")


def _scalar_line(value: str, style: str) -> str:
    if style == "double":
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if style == "single":
        return "'" + value.replace("'", "''") + "'"
    return value


@st.composite
def front_matters(draw) -> str:
    """A front matter in the house layout: scalars with any quoting, comments, blank lines,
    lists of records (indented under their key)."""
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append("# yaml-language-server: $schema=../pipeline/plan/schemas/kapitel.schema.json")
    keys = draw(st.lists(_key, min_size=1, max_size=6, unique=True))
    for key in keys:
        kind = draw(st.sampled_from(["str", "int", "bool", "date", "list", "empty"]))
        comment = f"  # {draw(_word)}" if draw(st.booleans()) else ""
        if kind == "str":
            value = draw(_word)
            style = draw(st.sampled_from(["double", "single"] if any(c in value for c in "#:'\"")
                                         or value != value.strip() else ["plain", "double", "single"]))
            if style == "plain" and (value.lower() in ("yes", "no", "true", "false", "null", "on", "off")
                                     or value[0].isdigit()):
                style = "double"
            lines.append(f"{key}: {_scalar_line(value, style)}{comment}")
        elif kind == "int":
            lines.append(f"{key}: {draw(st.integers(0, 10**6))}{comment}")
        elif kind == "bool":
            lines.append(f"{key}: {draw(st.sampled_from(['true', 'false']))}{comment}")
        elif kind == "date":
            d = draw(st.dates(dt.date(2000, 1, 1), dt.date(2039, 12, 31)))
            lines.append(f"{key}: {d.isoformat()}{comment}")
        elif kind == "empty":
            lines.append(f"{key}: []{comment}")
        else:
            lines.append(f"{key}:{comment}")
            for _ in range(draw(st.integers(1, 3))):
                lines.append(f"  - datum: {draw(st.dates()).isoformat()}")
                lines.append(f'    text: "{draw(_word).replace(chr(34), "")}"')
        if draw(st.booleans()):
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(front_matters(), st.text(max_size=200), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_generated_front_matter_round_trips(yaml_text: str, body: str, newline: str, bom: bool) -> None:
    body = body.replace("\r", "")
    text = ("\ufeff" if bom else "") + ("---\n" + yaml_text + "---\n").replace("\n", newline) + body
    assert round_trip(text) == text


# --- the read-only fast loader agrees with the round-trip loader ------------------------------


def _paths(data, prefix=()):
    """Every key path in a loaded front matter (for comparing line numbers)."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _paths(value, (*prefix, i))


def _reading(yaml_text: str, editable: bool):
    """What a loader makes of the text: the data, or the error it reports."""
    try:
        return frontmatter.load(yaml_text, "x.md", 2, editable=editable)
    except FrontMatterError as e:
        return (e.line, e.field, e.message)


def assert_same_reading(yaml_text: str) -> None:
    editable, fast = _reading(yaml_text, True), _reading(yaml_text, False)
    assert frontmatter.to_plain(fast) == frontmatter.to_plain(editable)
    for path in _paths(editable) if not isinstance(editable, tuple) else ():
        assert frontmatter.line_of(fast, path, 2) == frontmatter.line_of(editable, path, 2), path


@pytest.mark.parametrize("name", [*SHIPPED, "lip.yaml"])
def test_fast_loader_reads_shipped_files_like_the_round_trip_loader(name: str) -> None:
    text = (SHIPPED_PLAN / name).read_text(encoding="utf-8")
    yaml_text = text if name.endswith(".yaml") else frontmatter.split(text, name).yaml_text
    fast = frontmatter.load(yaml_text, name, 2, editable=False)
    assert isinstance(fast, frontmatter.LineMap)  # the fast path was taken, no hand-over
    assert_same_reading(yaml_text)


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(front_matters())
def test_fast_loader_agrees_on_generated_front_matter(yaml_text: str) -> None:
    assert_same_reading(yaml_text)


@pytest.mark.parametrize("yaml_text", [
    "a: 1\na: 2\n",                     # duplicate key
    "a: [1, 2\n",                        # unclosed flow sequence
    "a:\n\t- b\n",                       # tab indentation
])
def test_fast_loader_hands_unusual_text_to_the_round_trip_loader(yaml_text: str) -> None:
    """Same error, same message: the round-trip loader judges whatever the fast path declines."""
    assert isinstance(_reading(yaml_text, True), tuple)
    assert_same_reading(yaml_text)


def test_an_impossible_date_is_text_for_the_check_and_an_error_for_writing() -> None:
    """Read-only, 2020-13-45 stays text, as if quoted: the schema names it with the chapter's
    other problems (before, the whole chapter went unchecked). A command that writes the front
    matter refuses it: written back as text, ruamel would put quotes around the editor's date."""
    fast = frontmatter.load("titel: X\ndatum: 2020-13-45\n", "x.md", 2, editable=False)
    assert frontmatter.to_plain(fast) == {"titel": "X", "datum": "2020-13-45"}
    assert frontmatter.line_of(fast, ("datum",), 2) == 3
    assert _reading("titel: X\ndatum: 2020-13-45\n", True) == (
        3, "datum", "kein gültiges Datum: '2020-13-45'; diesen Tag gibt es nicht (JJJJ-MM-TT, z. B. 2020-03-12)")


@pytest.mark.parametrize("value", [
    "yes", "No", "on", "OFF", "y", "n", "null", "Null", "~", "0x1F", "0o17", "1e3", ".inf", "-.inf",
    ".NaN", "+1", "-0", "1_000", "12:30", "2020-01-01", "2020-01-01 10:00:00", "true", "True",
    "TRUE", "false", "<<", "=", "Ja", "über 12", "Ärger", "- x", "t", "f", "nix", "Tabelle 3",
    "3. Fassung", "B.2", "'", "{}", "[]", "''",
])
@pytest.mark.filterwarnings("ignore::ruamel.yaml.error.MantissaNoDotYAML1_1Warning")
def test_fast_loader_resolves_plain_scalars_like_the_round_trip_loader(value: str) -> None:
    """The fast loader skips the type regexes for text that cannot be typed: same values."""
    assert_same_reading(f"schluessel: {value}\nliste:\n  - {value}\n")
    assert_same_reading(f"%YAML 1.1\n---\nschluessel: {value}\n")


@pytest.mark.parametrize("editable", [True, False])
@pytest.mark.parametrize("value,kind", [("!!set {x}", "!!set"), ("!!binary SGFsbG8=", "!!binary"),
                                        ("!!python/object:os.system x", "!!python/object:os.system")])
def test_both_loaders_refuse_tagged_values(editable: bool, value: str, kind: str) -> None:
    """Issue 20: a tag made values the plan cannot hold (b'Hallo', a set) appear in the output."""
    with pytest.raises(FrontMatterError) as e:
        frontmatter.load(f"a: {value}\n", "x.md", 2, editable=editable)
    assert str(e.value) == (f"x.md:2: a: YAML-Typ {kind} ist im Kopf nicht erlaubt; erlaubt sind "
                            f"Text, Zahlen, Datumsangaben, Listen und Schlüssel-Wert-Paare")


@pytest.mark.parametrize("editable", [True, False])
@pytest.mark.parametrize("text,line", [("a: " + "[" * 20000 + "]" * 20000 + "\n", 2),
                                       ("a: " + "{b: " * 5000 + "1" + "}" * 5000 + "\n", 2),
                                       ("a:\n" + "".join(" " * i + "- \n" for i in range(60)), 42)])
def test_deep_nesting_is_a_located_error_not_a_crash(editable: bool, text: str, line: int) -> None:
    with pytest.raises(FrontMatterError) as e:
        frontmatter.load(text, "x.md", 2, editable=editable)
    assert str(e.value) == (f"x.md:{line}: kopf: Kopf ist zu tief verschachtelt; erlaubt sind "
                            f"höchstens 40 Ebenen")


def test_fast_loader_memo_stays_bounded_and_still_right(monkeypatch) -> None:
    """The resolver remembers its verdicts; past its limit it starts over instead of growing."""
    resolver = frontmatter._TextFirstResolver
    monkeypatch.setattr(resolver, "_SEEN_LIMIT", 5)
    monkeypatch.setattr(resolver, "_seen", {})
    for i in range(20):
        assert_same_reading(f"zahl: {i}\ndatum: 2020-01-{i % 28 + 1:02d}\n")
    assert 0 < len(resolver._seen) <= 5
