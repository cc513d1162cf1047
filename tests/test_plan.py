"""The plan model reads the same plan from a folder and from git objects."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import git
import pytest
from support import SHIPPED_PLAN, repos

from pipeline import history
from pipeline.assemble import chapter_markdown
from pipeline.plan import load_plan, normalize_text, text_hash

WHEN = dt.datetime(2020, 3, 1, 12, 0, tzinfo=dt.UTC)


def make_repo(tmp_path: Path) -> tuple[git.Repo, Path]:
    return repos.make_repo(tmp_path, "minimal", int(WHEN.timestamp()))


def test_plan_from_git_equals_plan_from_folder(tmp_path: Path) -> None:
    repo, plan_dir = make_repo(tmp_path)
    (plan_dir / "11-bildung.md").write_text("kaputt", encoding="utf-8")  # working tree differs
    from_git = load_plan(history.read_plan_files(repo, "HEAD"))
    assert not from_git.diagnostics
    assert [c.id for c in from_git.chapters] == ["haltung", "bildung"]
    assert from_git.chapter("bildung").body.measures[1].id == "1.1.2"
    assert history.resolve(repo, "HEAD").time == WHEN
    assert load_plan(plan_dir).diagnostics, "the broken working tree must not leak into the rev"


def test_unknown_revision_is_a_german_error(tmp_path: Path) -> None:
    repo, _ = make_repo(tmp_path)
    try:
        history.read_plan_files(repo, "gibtsnicht")
    except Exception as e:  # noqa: BLE001 - asserting the type below
        assert type(e).__name__ == "RevisionNotFound"
        assert "Revision 'gibtsnicht' nicht gefunden" in str(e)
    else:
        raise AssertionError("expected RevisionNotFound")


def test_text_hash_ignores_line_endings_and_trailing_space() -> None:
    assert text_hash("A \r\nB\n\n") == text_hash("A\nB")
    assert text_hash("A\nB") != text_hash("A\nC")
    assert normalize_text("\n\nA  \n") == "A\n"


def test_shipped_plan_shape() -> None:
    plan = load_plan(SHIPPED_PLAN)
    assert not plan.diagnostics
    handlungsfelder = [c for c in plan.chapters if c.part == "Handlungsfeld"]
    assert [c.number for c in handlungsfelder] == ["1", "2", "3", "4", "5", "6"]
    assert len(plan.measures) >= 60
    for _, measure in plan.measures:
        assert set(measure.fields) == {"Federführung", "Beteiligte", "Zielgruppe", "Zeitraum", "Kennzahl"}


def test_chapter_markdown_adds_anchors_and_protects_gender_stars() -> None:
    plan = load_plan(SHIPPED_PLAN)
    md = chapter_markdown(plan.chapter("bildung"))
    assert md.startswith("# 1 Bildung {#kap-bildung}\n")
    assert "## 1.1 Elementarbereich {#abschnitt-1-1}" in md
    assert "#### Maßnahme 1.1.1: Sprachbildung im Kita-Alltag verankern {#m-1-1-1 .massnahme}" in md
    assert "[]{#z-1-1-1}**Ziel 1.1.1:**" in md
    assert "Partner\\*innen" in md and "Partner*innen" not in md


def test_a_fence_line_with_an_info_string_does_not_close_a_code_block() -> None:
    # pandoc closes a code block only with a bare fence; the parser must agree, or markup
    # shown as code would be checked (and flagged) as if it were text.
    from pipeline.plan.body import parse_body

    text = ("```\n```python\n<b>gezeigt</b>\n## 1.9 Kein Abschnitt\n```\n\n"
            "## 1.2 Abschnitt\n\n```{=typst}\n#x\n```\n")
    body = parse_body(text, first_line=10)
    assert [(s.number, s.line) for s in body.sections] == [("1.2", 16)]
    assert [(r.kind, r.line) for r in body.raw] == [("raw-block", 18)]


def test_a_chapter_is_found_by_id_number_file_or_title_and_a_wrong_name_is_a_wrong_call() -> None:
    from pipeline.errors import ChapterNotFound

    plan = load_plan(SHIPPED_PLAN)
    for key in ("bildung", "1", "11-bildung.md", "plan/11-bildung.md", "11-bildung", "Bildung", "BILDUNG"):
        assert plan.chapter(key).id == "bildung", key
    assert plan.chapter("haltung der stadt").id == "haltung"
    with pytest.raises(ChapterNotFound) as info:
        plan.chapter("Sport")
    assert info.value.exit_code == 2
    assert str(info.value).startswith("Kapitel 'Sport' nicht gefunden; vorhanden: haltung, ")


def test_a_body_is_found_by_its_key_or_any_form_of_its_name() -> None:
    manifest = load_plan(SHIPPED_PLAN).manifest
    assert manifest is not None
    for given, key in [("rtgs", "rtgs"), ("RTGS", "rtgs"),
                       ("Runder Tisch für Gleichberechtigung und gegen Rassismus", "rtgs"),
                       ("Integrationsbeiräte", "integrationsbeiraete"),
                       ("integrationsbeiräte (delegiertenkonferenz)", "integrationsbeiraete"),
                       ("Internationaler Ausschuss", "internationaler-ausschuss"),
                       ("Expert*innengruppe Bildung", "eg-bildung"),
                       ("Oeffentlichkeit", "oeffentlichkeit")]:
        assert manifest.gremium_key(given) == key, given
    # no body, or more than one: the name as given, for the caller's error
    assert manifest.gremium_key("Presse") == "Presse"
    assert manifest.gremium_key("") == ""


# The body parser, the redline and the Word round trip read Maßnahme headings through the one
# rule of plan/headings.py; before, the redline took „1.2.3a“ for 1.2.3, „1.2.3:“ without a title
# for a Maßnahme and „Massnahme 1.2.3“ for none, and a Word draft skipped „1.2.3.4“ and „—“.
MEASURE_HEADINGS = [
    ("#### Maßnahme 1.2.3: Titel", "1.2.3"),
    ("#### Maßnahme 1.2.3: Titel {#m-1-2-3}", "1.2.3"),
    ("#### Maßnahme 6.1.10: Titel", "6.1.10"),
    ("#### Maßnahme A.1.2: Titel", "A.1.2"),
    ("### Maßnahme 1.2.3: Titel", "1.2.3"),  # a near miss: read, and reported by lip check
    ("#### Maßnahme 1.2.3 – Titel", "1.2.3"),
    ("#### Maßnahme 1.2.3 — Titel", "1.2.3"),
    ("#### Maßnahme 1.2.3 Titel", "1.2.3"),
    ("#### Massnahme 1.2.3: Titel", "1.2.3"),
    ("#### Maßnahme 1.2.3a: Titel", "1.2.3a"),
    ("#### Maßnahme 1.2.3.4: Titel", "1.2.3.4"),
    ("#### Maßnahme x: Titel", "x"),  # lip check: ungültige Nummer
    ("#### Maßnahme 1.2.3:", None),
    ("#### Maßnahme: Titel", None),
    ("#### Maßnahmen", None),
    ("#### Maßnahmen im Überblick", None),
    ("## 1.2 Sprachbildung", None),
]


@pytest.mark.parametrize(("line", "number"), MEASURE_HEADINGS)
def test_body_redline_and_word_read_a_massnahme_heading_alike(line: str, number: str | None) -> None:
    from pipeline.plan.body import parse_body
    from pipeline.plan.headings import MEASURE_TEXT
    from pipeline.redline.engine import measure_sections
    from pipeline.word.source import leaves

    above = "## 1.2 Sprachbildung\n\n"
    text = f"{above}{line}\n\nText.\n"
    expected = [number] if number else []
    assert [m.id for m in parse_body(text).measures] == expected
    assert list(measure_sections(text)) == expected
    heading = next(leaf for leaf in leaves(text) if len(above) <= leaf.start < len(above) + len(line))
    assert heading.anchor.startswith("Maßnahme") == bool(number)
    assert heading.anchor.removeprefix("Maßnahme ") == (number or heading.anchor)
    draft = MEASURE_TEXT.match(line.lstrip("# "))  # a Word draft's paragraph of that text
    if draft:
        assert draft.group("number") == number
