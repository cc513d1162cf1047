"""Assembly is pure: the plan becomes one document plus data for the templates."""

from __future__ import annotations

from pathlib import Path

from support import PLANS, SHIPPED_PLAN
from support.plangen import generate_plan

from pipeline import assemble as asm
from pipeline.plan import load_plan


def test_parts_follow_the_manifest_and_end_with_the_annexes() -> None:
    plan = load_plan(SHIPPED_PLAN)
    doc = asm.assemble(plan)
    keys = [p.key for p in doc.parts]
    assert keys[:-2] == [ch.anchor for ch in plan.chapters]
    assert keys[-2:] == ["anhang-massnahmenkatalog", "anhang-beratungsverlauf"]
    assert doc.data["drucksache"]["nummer"] == plan.manifest.get("drucksache")["nummer"]


def test_every_measure_is_boxed_and_listed_in_the_catalog() -> None:
    plan = load_plan(PLANS / "minimal" / "plan")
    doc = asm.assemble(plan)
    chapter = doc.parts[1].markdown
    assert chapter.count("::: massnahme") == len(plan.chapters[1].body.measures) == 2
    assert chapter.index("::: massnahme") < chapter.index("#### Maßnahme 1.1.1")
    catalog = doc.parts[-2].markdown
    for _, m in plan.measures:
        assert f"[{m.id}]: #m-{m.id.replace('.', '-')}" in catalog and f"| [{m.id}]" in catalog
    assert "Fachbereich Jugend und" in catalog and "Familie" in catalog  # wrapped in its cell
    assert "Elternbegleiter\\*innen" in chapter  # gender star protected


def test_consultation_history_names_bodies_dates_and_versions() -> None:
    plan = load_plan(PLANS / "angenommen" / "plan")
    entries = asm.consultation_entries(plan)
    assert len(entries) == 7  # 2 Vorlagen, 2 Entscheidungen, 3 Stellungnahmen
    assert [e["datum"] for e in entries] == sorted(e["datum"] for e in entries)
    text = asm.consultation_markdown(plan)
    assert "18.05.2020" in text and "Lenkungsgruppe" in text
    assert "Runder Tisch für Gleichberechtigung und gegen Rassismus (RTGS)" in text
    assert "angenommen (18 dafür – 2 dagegen)" in text  # as the council's votes (wording.vote_text)
    assert "1a2b3c4" not in text, "commits belong in the provenance, not in a reader's table"
    assert "noch keine" in asm.consultation_markdown(load_plan(PLANS / "minimal" / "plan"))


def test_drucksache_data_is_formatted_for_german_readers() -> None:
    data = asm.assemble(load_plan(PLANS / "minimal" / "plan")).data["drucksache"]
    assert data["datum"] == "01.12.2020"
    assert data["kosten"][0]["betrag"] == "50.000" and data["kosten-summe"] == "50.000"
    assert asm.euro(1234.5) == "1.234,50"
    assert data["beratungsfolge"] == ["In den Internationalen Ausschuss", "In die Ratsversammlung"]


def test_escape_inline_keeps_text_literal() -> None:
    assert asm.escape_inline("1. Fassung") == "1\\. Fassung"
    assert asm.escape_inline("a|b *c*") == "a\\|b \\*c\\*"


def test_large_generated_plan_lists_all_measures(tmp_path: Path) -> None:
    plan = load_plan(generate_plan(tmp_path, fields=2, sections=6, measures=10, paragraphs=0))
    catalog = asm.measure_catalog_markdown(plan)
    assert len(plan.measures) == 120
    assert catalog.count("]: #m-") == 120


def test_the_catalog_counts_its_measures_in_german(tmp_path: Path) -> None:
    one = load_plan(generate_plan(tmp_path / "eins", fields=1, sections=1, measures=1, paragraphs=0))
    many = load_plan(generate_plan(tmp_path / "viele", fields=1, sections=2, measures=2,
                                   paragraphs=0))
    assert "Der Plan enthält eine Maßnahme." in asm.measure_catalog_markdown(one)
    assert "Der Plan enthält 4 Maßnahmen." in asm.measure_catalog_markdown(many)
