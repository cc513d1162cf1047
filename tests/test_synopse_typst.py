"""The Synopse read in parts and its PDF's cells written in cached stretches are byte for byte
what one reading and one conversion of the whole give; warm from the cache as cold; a change
writes its stretch again, no other."""

from __future__ import annotations

import json
import sqlite3

import pytest
from support import corpus_pairs, needs_corpus, spy_first_arguments

from pipeline.render import redline as render
from pipeline.render import redline_typst, synopse_typst

SUMMARY = "# Übersicht der Änderungen {.unnumbered .unlisted}\n\nZwei Kapitel geändert.\n"

DOC = """::::: {.rl-kapitel autor="Expert*innengruppe Bildung"}
# 1 Bildung

::: vorgaben
**Vorgaben der Lenkungsgruppe (1. Fassung):**

- V1: Eltern einbeziehen.
:::

Die Stadt [fördert]{.ins} [unterstützt]{.del} Kitas.[^a]

## 1.1 Elementarbereich

### Ziele

- **Ziel 1.1.1:** Kinder besuchen [früh]{.ins} eine Kita.
- **Ziel 1.1.2:** Eltern wissen Bescheid.

1. Fassung bleibt.

| Maßnahme | Stand |
|---|---|
| 1.1.1 Sprachkitas | [läuft]{.ins} |
| 1.1.2 Elterncafés | |

::: del
Ein gestrichener Absatz mit [Link](#ziele).
:::

::: ins
Ein neuer Absatz.
:::

## 1.2 Schule

Unverändert.

::: {.moved .ins #verschoben-1 von="verschoben-1-alt"}
Verschobener Satz.
:::

::: {.moved .del #verschoben-1-alt nach="verschoben-1"}
Verschobener Satz.
:::

[^a]: Eine Fußnote.
:::::

::::: {.rl-kapitel autor="Expert*innengruppe Arbeit"}
# 2 Arbeit

## 2.1 Ausbildung

Text [mit]{.del} ohne Änderung und Bürger\\*innen.

## 2.2 Beruf

- Eins
- [Zwei]{.ins}
:::::
"""


def _whole_typst(doc: dict) -> bytes:
    return redline_typst.typst_whole(json.dumps(doc, ensure_ascii=False), title="S",
                                     meta={"synopse": "1"}, source_format="json")


def _whole_doc(md: str) -> dict:
    """The Synopse from one reading of the whole redline (the reference)."""
    doc = render.synopse_of_blocks(render.whole_blocks(md))
    summary = json.loads(render.run_pandoc(["-f", render.READER, "-t", "json"], SUMMARY))
    from pipeline.render.redline_text import compact_words

    doc["blocks"] = compact_words(summary["blocks"] + doc["blocks"])
    return doc


def _whole_doc_and_typst(md: str) -> tuple[dict, bytes]:
    """The references of a corpus pair (made beside the test: support/beside.py)."""
    reference = _whole_doc(md)
    return reference, _whole_typst(reference)


def _spy_whole(monkeypatch) -> list[str]:
    """The JSON of each conversion with the template: the whole Synopse or its skeleton."""
    return spy_first_arguments(monkeypatch, synopse_typst, "typst_whole")


def _spy_written(monkeypatch) -> list[list]:
    """The stretches each time cells are written."""
    return spy_first_arguments(monkeypatch, synopse_typst, "_write_cells")


def _cached(folder) -> set[str]:
    with sqlite3.connect(folder / "redline-typst.sqlite") as db:
        return {k for (k,) in db.execute("SELECT schluessel FROM eintraege")}


def test_the_synopse_from_parts_is_the_whole_documents(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(synopse_typst, "STRETCH_SECTIONS", 1)  # a stretch per section
    reference = _whole_doc(DOC)
    seen = _spy_whole(monkeypatch)
    for _ in ("cold", "warm"):
        doc = render.synopse_with_summary(SUMMARY, DOC, "S", cache_dir=tmp_path)
        assert doc == reference
        typ = synopse_typst.synopse_source(doc, title="S", meta={"synopse": "1"},
                                           cache_dir=tmp_path)
        assert typ == _whole_typst(reference)
    assert len(seen) == 2 and all(synopse_typst.CELLS in md for md in seen)  # from stretches
    text = typ.decode()
    assert "lip-zelle" not in text and "rl-teil" not in text
    assert text.count("table.header(level: 2") >= 5  # one per section heading
    assert "Vorgaben der Lenkungsgruppe" in text and "#del[unterstützt]" in text


def test_a_changed_section_is_written_again_and_no_other(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(synopse_typst, "STRETCH_SECTIONS", 1)
    doc = render.synopse_with_summary(SUMMARY, DOC, "S", cache_dir=tmp_path)
    synopse_typst.synopse_source(doc, title="S", cache_dir=tmp_path)
    before = _cached(tmp_path)
    changed = render.synopse_with_summary(
        SUMMARY, DOC.replace("Unverändert.", "Jetzt [geändert]{.ins}."), "S", cache_dir=tmp_path)
    written = _spy_written(monkeypatch)
    typ = synopse_typst.synopse_source(changed, title="S", meta={"synopse": "1"},
                                       cache_dir=tmp_path)
    assert [len(todo) for todo in written] == [1]
    assert typ == _whole_typst(changed)
    # the changed stretch is a new entry, the others are the ones before
    assert before <= _cached(tmp_path) and len(_cached(tmp_path) - before) == 1


def test_a_long_synopse_of_several_tables_from_stretches_is_the_whole(tmp_path,
                                                                       monkeypatch) -> None:
    """More than CELLS_PER_TABLE cells: the filter begins new tables, each repeating the
    column heads (one cell's placeholder several times)."""
    md = "\n\n".join(f"## Abschnitt {s}\n\n" + "\n\n".join(
        f"Absatz {s}.{k}: [neuer]{{.ins}} Text." for k in range(60)) for s in range(6))
    seen = _spy_whole(monkeypatch)
    doc = render.synopse_with_summary(SUMMARY, md, "S", cache_dir=tmp_path)
    typ = synopse_typst.synopse_source(doc, title="S", meta={"synopse": "1"},
                                       cache_dir=tmp_path)
    assert typ.decode().count("table.header([\nBisherige Fassung") >= 2
    assert typ == _whole_typst(doc)
    assert len(seen) == 1 and synopse_typst.CELLS in seen[0]


@pytest.mark.parametrize("case,md", [
    ("a heading in a cell: its level follows the headings before it",
     "# A\n\n> ## Zitiert [neu]{.ins}\n\nText.\n"),
    ("a link to the summary's heading",
     "# A\n\nSiehe [Übersicht](#übersicht-der-änderungen) [neu]{.ins}.\n"),
])
def test_what_stretches_cannot_give_is_converted_whole(case, md, tmp_path, monkeypatch) -> None:
    seen = _spy_whole(monkeypatch)
    doc = render.synopse_with_summary(SUMMARY, md, "S", cache_dir=tmp_path)
    typ = synopse_typst.synopse_source(doc, title="S", meta={"synopse": "1"},
                                       cache_dir=tmp_path)
    assert typ == _whole_typst(doc), case
    assert len(seen) == 1 and synopse_typst.CELLS not in seen[0], case


def test_the_synopse_pdf_comes_from_the_cache_the_second_time(tmp_path, monkeypatch) -> None:
    first = render.render_synopse(SUMMARY, DOC, tmp_path / "a", title="S", epoch=0,
                                  cache_dir=tmp_path / "cache")
    written = _spy_written(monkeypatch)
    again = render.render_synopse(SUMMARY, DOC, tmp_path / "b", title="S", epoch=0,
                                  cache_dir=tmp_path / "cache")
    assert [len(todo) for todo in written] == [0]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    assert again[1].read_bytes().startswith(b"%PDF")


@needs_corpus
@pytest.mark.slow
@pytest.mark.parametrize("name,old,new", corpus_pairs() or [("–", "", "")])
def test_every_corpus_pairs_synopse_from_parts_is_the_whole(name, old, new, tmp_path,
                                                           monkeypatch, beside) -> None:
    md, _, made = beside.corpus(name, _whole_doc_and_typst, summary="")
    seen = _spy_whole(monkeypatch)
    made_cold = None
    for _ in ("cold", "warm"):
        doc = render.synopse_with_summary(SUMMARY, md, "S", cache_dir=tmp_path)
        typ = synopse_typst.synopse_source(doc, title="S", meta={"synopse": "1"},
                                           cache_dir=tmp_path)
        if made_cold is None:
            made_cold = doc, typ
        else:  # warm as cold, and cold as the whole: warm as the whole
            assert (doc, typ) == made_cold, name
    reference, whole = made.result()
    assert made_cold[0] == reference, name
    assert made_cold[1] == whole, name
    # from stretches, not whole; but the BtMG's substance lists hold headings (in list items)
    assert all(synopse_typst.CELLS in md for md in seen) == (not name.startswith("btmg")), name


NARROW_TABLE = """::::: {.rl-kapitel autor="Expert*innengruppe Verwaltung"}
# 6 Stadtverwaltung

Die Stadt bildet [viele]{.ins} Nachwuchskräfte aus.

| Einstellungsjahr | Neu eingestellte Nachwuchskräfte | Anteil mit Migrationsgeschichte |
|:-----------------|---------------------------------:|--------------------------------:|
| 2015             |                              310 |                            18 % |
| 2016             |                              [330]{.ins} |                            20 % |

: Nachwuchskräfte nach Einstellungsjahr
:::::
"""


def _words_on_lines(pdf) -> list[list[tuple[float, float, str]]]:
    """Each line's words of page 1 as (left, right, text), from pdftotext's boxes."""
    import re
    import subprocess

    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
                          capture_output=True, check=True).stdout.decode("utf-8")
    lines: dict[int, list[tuple[float, float, str]]] = {}
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                         r'yMax="[\d.]+">([^<]*)</word>', html):
        lines.setdefault(round(float(m.group(2))), []).append(
            (float(m.group(1)), float(m.group(3)), m.group(4)))
    return [sorted(words) for words in lines.values()]


def test_a_table_in_a_column_of_the_synopse_keeps_its_words_apart(tmp_path) -> None:
    """In a half-page column a table's narrow cell breaks a long word at a hyphenation point
    („Einstel-lungs-jahr“); it used to run on into the next cell. The same table in both
    columns has no number (it would be counted twice, „Tabelle 1“ and „Tabelle 2“)."""
    from support.pdf import pdf_text

    _, pdf = render.render_synopse(SUMMARY, NARROW_TABLE, tmp_path / "s", title="S", epoch=0)
    overlaps = [(a[2], b[2]) for words in _words_on_lines(pdf)
                for a, b in zip(words, words[1:], strict=False) if a[1] > b[0] + 0.5]
    assert overlaps == []
    text = pdf_text(pdf)
    assert "Nachwuchskräfte nach Einstellungsjahr" in text and "Tabelle" not in text
