"""The published JSON Schemas are valid and are the ones the shipped files point editors to."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT, SHIPPED_PLAN
from jsonschema import Draft202012Validator

from pipeline import schema

SCHEMA_DIR = ROOT / "pipeline" / "schemas"


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
