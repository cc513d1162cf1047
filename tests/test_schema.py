"""The published JSON Schemas are valid and are the ones the shipped files point editors to."""

from __future__ import annotations

import copy
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from support import ROOT, SHIPPED_PLAN

from pipeline.errors import PipelineError
from pipeline.plan import schema

SCHEMA_DIR = ROOT / "pipeline" / "plan" / "schemas"


@pytest.mark.parametrize("name", [schema.CHAPTER, schema.MANIFEST])
def test_schema_is_valid_json_schema(name: str) -> None:
    data = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(data)
    assert data["title"]


def test_every_chapter_field_is_described_in_german() -> None:
    props = schema.load_schema(schema.CHAPTER)["properties"]
    for key, spec in props.items():
        assert spec.get("description"), f"{key} has no description"


@pytest.mark.parametrize("path", sorted(SHIPPED_PLAN.glob("*.md")) + [SHIPPED_PLAN / "lip.yaml"],
                         ids=lambda p: p.name)
def test_shipped_files_point_the_yaml_language_server_to_the_schema(path) -> None:
    text = path.read_text(encoding="utf-8")
    match = re.search(r"# yaml-language-server: \$schema=(\S+)", text)
    assert match, f"{path.name} has no schema modeline"
    assert (path.parent / match.group(1)).resolve().is_file()


# --- the quick validator (jsonschema-rs) and the explaining one (jsonschema) agree -------------


def _documents() -> list[tuple[str, object]]:
    """Every front matter and manifest the tests hold: shipped, fixture plans, check cases."""
    from support import DATA

    from pipeline.plan import frontmatter

    docs = []
    for path in sorted([*SHIPPED_PLAN.glob("*"), *DATA.rglob("*.md"), *DATA.rglob("lip.yaml")]):
        if path.suffix not in (".md", ".yaml"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
            yaml_text = text if path.suffix == ".yaml" else frontmatter.split(text, path.name).yaml_text
            data = frontmatter.to_plain(frontmatter.load(yaml_text, path.name, 2))
        except (UnicodeDecodeError, PipelineError):
            continue  # files whose point is that they cannot be read
        docs.append((schema.MANIFEST if path.suffix == ".yaml" else schema.CHAPTER, data))
    return docs


def _strings_in(value) -> set[str]:
    """Enum values and keys of a schema: the text most likely to flip a verdict."""
    if isinstance(value, dict):
        return set(value) | set().union(*map(_strings_in, value.values()))
    if isinstance(value, list):
        return set().union(*map(_strings_in, value)) if value else set()
    return {value} if isinstance(value, str) and len(value) < 40 else set()


DOCUMENTS = _documents()
SCHEMA_WORDS = sorted(_strings_in(schema.load_schema(schema.CHAPTER))
                      | _strings_in(schema.load_schema(schema.MANIFEST)))
_LEAVES = (st.none() | st.booleans() | st.integers(-3, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(max_size=12) | st.sampled_from(SCHEMA_WORDS)
           | st.sampled_from(["2020-02-30", "2020-13-01", "2020-01-01", "20200101", "2020-1-1",
                              "2020-01-01T10:00:00", "A.1", "B.2.3", "11.1.2", "", " "]))
_VALUES = st.recursive(_LEAVES, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.sampled_from(SCHEMA_WORDS) | st.text(max_size=6), inner, max_size=3),
                       max_leaves=6)


def _paths(value, prefix=()):
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


def _verdicts(name: str, doc) -> tuple[bool, bool]:
    return schema.is_valid(doc, name), not any(True for _ in schema._validator(name).iter_errors(doc))


def test_every_stored_document_gets_the_same_verdict() -> None:
    assert len(DOCUMENTS) > 30
    verdicts = [_verdicts(name, doc) for name, doc in DOCUMENTS]
    assert all(quick == full for quick, full in verdicts), verdicts
    assert {full for _, full in verdicts} == {True, False}  # both kinds were among them


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_documents_get_the_same_verdict(data) -> None:
    name, doc = data.draw(st.sampled_from(DOCUMENTS))
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        if not paths:
            break
        *parent_path, key = data.draw(st.sampled_from(paths))
        parent = doc
        for step in parent_path:
            parent = parent[step]
        if data.draw(st.booleans()):
            del parent[key]
        else:
            parent[key] = data.draw(_VALUES)
    quick, full = _verdicts(name, doc)
    assert quick == full, doc
