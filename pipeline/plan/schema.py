"""Validate YAML data against the published JSON Schemas and explain problems in German.

The schemas in `pipeline/plan/schemas/` are the single declaration of the front matter and the
manifest; editors get the same checks in their editor through the YAML language server.

Two validators read them. jsonschema-rs (compiled, quick to load) decides whether a document
is valid, which is the common case. Only a document it rejects goes to jsonschema, whose
detailed errors become the German messages. Importing jsonschema alone takes longer (~0.1 s)
than checking the whole plan. A test holds both validators to the same verdict.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.diagnostics import Diagnostic, Severity
from pipeline.plan.frontmatter import impossible_date, line_of, to_plain

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

CHAPTER = "kapitel.schema.json"
MANIFEST = "lip.schema.json"
ANTRAG = "antrag.schema.json"
SCHEMA_DIR = Path(__file__).with_name("schemas")
_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")

_TYPE_NAMES = {
    "string": "Text", "integer": "ganze Zahl", "number": "Zahl", "boolean": "Wahrheitswert (true/false)",
    "array": "Liste", "object": "Zuordnung (Schlüssel: Wert)", "null": "leer",
}


@functools.cache
def load_schema(name: str) -> dict:
    """Return a schema from the package (read as a plain file: importlib.resources would
    cost more to import, ~4 ms, than reading both schemas)."""
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


@functools.cache
def _validator(name: str) -> Draft202012Validator:
    """The explaining validator: every error, with its path and the keyword that failed."""
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(load_schema(name), format_checker=FormatChecker())


@functools.cache
def _quick_validator(name: str):
    """The deciding validator (jsonschema-rs), with formats (dates) checked like jsonschema's."""
    import jsonschema_rs

    return jsonschema_rs.validator_for(load_schema(name), validate_formats=True)


def is_valid(plain: Any, schema_name: str) -> bool:
    """Whether the quick validator accepts `plain`; anything it cannot take counts as "no"."""
    try:
        return _quick_validator(schema_name).is_valid(plain)
    except (ValueError, TypeError, OverflowError):  # e.g. NaN or a huge integer
        return False


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _field(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "kopf"


def _explain(error: ValidationError) -> str:
    kind, value, schema = error.validator, error.instance, error.schema
    if kind == "type":
        expected = schema["type"]
        expected = [expected] if isinstance(expected, str) else expected
        names = " oder ".join(_TYPE_NAMES[t] for t in expected)
        found = f"erwartet {names}, gefunden {_TYPE_NAMES[_type_of(value)]} {value!r}"
        if expected == ["string"] and _type_of(value) in ("integer", "number") and (
                "pattern" not in schema or re.search(schema["pattern"], str(value))):
            key = error.path[-1] if error.path and isinstance(error.path[-1], str) else None
            quoted = f'{key}: "{value}"' if key else f'"{value}"'
            return f"{found}; in Anführungszeichen schreiben: {quoted}"
        return found
    if kind == "enum":
        return f"erwartet einen von {schema['enum']}, gefunden {value!r}"
    if kind == "pattern":
        hint = schema.get("x-hinweis", f"Muster {schema['pattern']}")
        return f"ungültiger Wert {value!r}; erwartet {hint}"
    if kind == "format" and schema.get("format") == "date":
        if isinstance(value, str) and _DATE_SHAPE.fullmatch(value):  # 2020-13-45, 2021-02-29
            return impossible_date(value)
        return f"kein gültiges Datum: {value!r}; erwartet JJJJ-MM-TT, z. B. 2020-03-12"
    if kind in ("minLength", "minItems", "minProperties"):
        return "darf nicht leer sein"
    if kind == "minimum":
        return f"muss mindestens {schema['minimum']} sein, gefunden {value!r}"
    return error.message


def close_name(name: str, known: Sequence[str]) -> str | None:
    """The known name `name` is most likely a misspelling of ('Kenzahl' → 'Kennzahl'), or None."""
    import difflib  # only once a name turned out unknown

    close = difflib.get_close_matches(name, list(known), n=1)
    return close[0] if close else None


def unknown_name_hint(name: str, known: Sequence[str]) -> str:
    """„meinten Sie 'Kennzahl'?“ for a near miss, else the names there are: one answer for an
    unknown key of a head or of the manifest and for an unknown field of a Maßnahme."""
    close = close_name(name, known)
    return f"meinten Sie {close!r}?" if close else f"erlaubt sind {', '.join(known)}"


def _misspelt_keys(errors: Sequence[Any]) -> dict[tuple[tuple, str], str]:
    """{(where, required key): the unknown key beside it that is its misspelling}."""
    out: dict[tuple[tuple, str], str] = {}
    for error in errors:
        if error.validator != "required" or not isinstance(error.instance, dict):
            continue
        known = error.schema.get("properties", {})
        if error.schema.get("additionalProperties") is not False:
            continue
        unknown = [k for k in error.instance if k not in known]
        for key in error.validator_value:
            wrong = key not in error.instance and close_name(key, unknown)
            if wrong and wrong not in out.values():
                out[tuple(error.absolute_path), key] = wrong
    return out


def check(data: Any, schema_name: str, path: str, first_line: int) -> list[Diagnostic]:
    """Return every schema violation in `data`, each located at its line in `path`."""
    plain = to_plain(data)
    if is_valid(plain, schema_name):
        return []
    out: list[Diagnostic] = []
    errors = sorted(_validator(schema_name).iter_errors(plain), key=lambda e: list(map(str, e.path)))
    misspelt = _misspelt_keys(errors)
    named: dict[tuple, dict[str, str]] = {}  # {where: {misspelt key: the key it stands for}}
    for (at, key), wrong in misspelt.items():
        named.setdefault(at, {})[wrong] = key
    for error in errors:
        where = tuple(error.absolute_path)
        if error.validator == "required":
            for key in error.validator_value:
                if (where, key) in misspelt:  # 'federführung:' for 'federfuehrung:': one error
                    wrong = misspelt.pop((where, key))
                    out.append(Diagnostic(path, line_of(data, (*where, wrong), first_line),
                                          _field((*where, key)), f"Feld {wrong!r} ist falsch "
                                          f"geschrieben; so schreiben: {key!r}"))
                elif key in named.get(where, {}).values():
                    continue  # required once more (another part of the schema): said above
                elif isinstance(error.instance, dict) and key not in error.instance:
                    out.append(Diagnostic(path, line_of(data, where, first_line),
                                          _field((*where, key)), "Pflichtfeld fehlt"))
            continue
        if error.validator == "additionalProperties" and error.validator_value is False:
            known = list(error.schema.get("properties", {}))
            for key in error.instance:
                if key in known or key in named.get(where, {}):
                    continue
                out.append(Diagnostic(path, line_of(data, (*where, key), first_line),
                                      _field((*where, key)),
                                      f"unbekanntes Feld; {unknown_name_hint(key, known)}",
                                      Severity.WARNING))
            continue
        out.append(Diagnostic(path, line_of(data, where, first_line), _field(where), _explain(error)))
    return out
