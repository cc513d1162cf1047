"""The redline's typst (its PDF's source) converted in cached parts is byte for byte the
whole-document conversion: heading ids numbered across parts, links without target, heading
levels made consecutive; warm from the cache as cold, and the PDF as before."""

from __future__ import annotations

import sqlite3

import pytest
from support import corpus_pairs, needs_corpus, spy_first_arguments

from pipeline.render import redline_html, redline_typst

DOC = """# Übersicht der Änderungen {.unnumbered .unlisted #uebersicht}

Text mit [Link](#allgemeines-1), [ohne Ziel](#nirgends), [[alt]{.del} neu](#fehlt) und
Fußnote[^a]; siehe [Quelle][q].

::::: {.rl-kapitel autor="Expert*innengruppe"}
## Allgemeines

Absatz [eins]{.ins} und [zwei]{.del}, [zum Gestrichenen](#gestrichen), [[Ziel]{.ins}](#ziel).

::: del
## Gestrichen

Alt.
:::

## Allgemeines

- a
- b

  weiter

#### § 1 Beginn der *Rechtsfähigkeit* [neu]{.ins}

Noch eine Fußnote[^b] und [^a]. ![Karte](karte.png)

::: {.moved .ins #verschoben-1 von="verschoben-1-alt"}
### 2. „Zitat“ – Teil
:::

## Das Ziel {#ziel}

| A | B |
|---|---|
| 1. Fassung | [neu]{.ins} |

## 1

[^a]: Erste Fußnote.

[^b]: Zweite
    mit Fortsetzung.

[q]: https://example.org/quelle
:::::
"""


def _spy_whole(monkeypatch) -> list[str]:
    """The Markdown of each whole-document conversion (the frame's is the body mark alone)."""
    return spy_first_arguments(monkeypatch, redline_typst, "typst_whole")


def _both(md: str, tmp_path) -> tuple[bytes, bytes, bytes]:
    whole = redline_typst.typst_whole(md, title="T", meta={"version": "v"})
    cold = redline_typst.typst_source(md, title="T", meta={"version": "v"},
                                      cache_dir=tmp_path)
    warm = redline_typst.typst_source(md, title="T", meta={"version": "v"},
                                      cache_dir=tmp_path)
    return whole, cold, warm


def _cached(folder) -> set[str]:
    with sqlite3.connect(folder / "redline-typst.sqlite") as db:
        return {k for (k,) in db.execute(
            "SELECT schluessel FROM eintraege WHERE schluessel NOT LIKE 'rahmen:%'")}


def test_parts_give_the_whole_documents_typst(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(redline_html, "PARALLEL_MIN_CHARS", 1)  # a pandoc per core
    whole = redline_typst.typst_whole(DOC, title="T", meta={"version": "v"})
    seen = _spy_whole(monkeypatch)
    cold = redline_typst.typst_source(DOC, title="T", meta={"version": "v"}, cache_dir=tmp_path)
    warm = redline_typst.typst_source(DOC, title="T", meta={"version": "v"}, cache_dir=tmp_path)
    assert cold == whole and warm == whole
    assert all(md.startswith("RLBODY") for md in seen)  # really put together from parts
    # each part, and "§ 1" once more, told that the heading before it is a level-2 one
    cached = _cached(tmp_path)
    assert len(cached) == len(redline_html.split_parts(DOC)[0]) + 1
    assert sum(k.endswith("@2") for k in cached) == 1
    typ = whole.decode()
    assert "<allgemeines-1>" in typ and "#link(<allgemeines-1>)[Link]" in typ
    assert "#link(<ziel>)[#ins[Ziel];]" in typ  # a link to another part keeps its mark
    assert "ohne Ziel" in typ and "nirgends" not in typ
    assert "#del[alt]; neu" in typ and "fehlt" not in typ  # unlinked, the mark kept
    assert "gestrichen>" not in typ  # a deleted heading loses its id and links to it
    assert "=== § 1 Beginn" in typ  # four levels down made three, across the chapter's box
    assert "/*rl-" not in typ and "rlhid" not in typ and "rl-teil" not in typ


def test_a_run_of_changed_and_unchanged_parts_skips_the_words_of_the_plain_ones(
        tmp_path, monkeypatch) -> None:
    """The parts without brackets, `<` or fenced divs are named to the filter
    (`redline-schlicht`), whose top-down passes then skip their words: the same typst."""
    monkeypatch.setattr(redline_typst, "part_runs", lambda items: [list(items)])
    flags: list[str] = []
    real = redline_typst.run_pandoc_pool

    def spying(jobs, *args, **kwargs):
        flags.extend(a for args_, _ in jobs for a in args_ if a.startswith("redline-schlicht="))
        return real(jobs, *args, **kwargs)

    monkeypatch.setattr(redline_typst, "run_pandoc_pool", spying)
    whole, cold, _ = _both(DOC, tmp_path)
    assert cold == whole
    assert flags  # the run, and "§ 1" once more (told the level before it)
    assert {"s", "-"} <= set(flags[0].removeprefix("redline-schlicht="))


def test_a_changed_part_is_converted_again_and_the_rest_comes_from_the_cache(tmp_path) -> None:
    redline_typst.typst_source(DOC, title="T", cache_dir=tmp_path)
    before = _cached(tmp_path)
    changed = DOC.replace("Alt.", "Ganz alt.")
    out = redline_typst.typst_source(changed, title="T", cache_dir=tmp_path)
    assert len(_cached(tmp_path) - before) == 1
    assert out == redline_typst.typst_whole(changed, title="T")


@pytest.mark.parametrize("damage", ['{kaputt', '{"typst": 1, "heads": [], "ids": [], "levels": []}',
                                    '["kopf"]'])
def test_a_broken_cache_entry_is_converted_again(damage, tmp_path) -> None:
    redline_typst.typst_source(DOC, title="T", cache_dir=tmp_path)
    with sqlite3.connect(tmp_path / "redline-typst.sqlite") as db:
        db.execute("UPDATE eintraege SET daten = ?", (damage,))
    assert redline_typst.typst_source(DOC, title="T", cache_dir=tmp_path) == \
        redline_typst.typst_whole(DOC, title="T")


@pytest.mark.parametrize("case,md", [
    # a heading's id that typst cannot write as <…>
    ("x²", "# Übersicht\n\nText.\n\n## x²\n\nMehr [dort](#x²).\n"),
    # a link without target whose text typst would read as a list at the start of a line
    ("liste", "# Übersicht\n\nText.\n\n## B\n\n[1. Fassung](#nirgends) gilt.\n"),
])
def test_what_parts_cannot_give_is_converted_whole(case, md, tmp_path, monkeypatch) -> None:
    whole = redline_typst.typst_whole(md, title="T")
    seen = _spy_whole(monkeypatch)
    assert redline_typst.typst_source(md, title="T", cache_dir=tmp_path) == whole, case
    assert md in seen, case


def test_the_pdf_of_a_redline_comes_from_its_parts_and_the_cache(tmp_path, monkeypatch) -> None:
    from pipeline.render import redline as render

    seen = _spy_whole(monkeypatch)
    first = render.render_pdf(DOC, tmp_path / "a.pdf", title="T", meta={"version": "v"},
                              epoch=0, cache_dir=tmp_path / "cache")
    again = render.render_pdf(DOC, tmp_path / "b.pdf", title="T", meta={"version": "v"},
                              epoch=0, cache_dir=tmp_path / "cache")
    assert all(md.startswith("RLBODY") for md in seen)
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes().startswith(b"%PDF")


def _whole(md: str) -> bytes:
    """The reference of a corpus pair (made beside the test: support/beside.py)."""
    return redline_typst.typst_whole(md, title="T", meta={"version": "v"})


@needs_corpus
@pytest.mark.slow
@pytest.mark.parametrize("name,old,new", corpus_pairs() or [("–", "", "")])
def test_every_corpus_pair_converts_to_typst_in_parts_as_a_whole(name, old, new, tmp_path,
                                                                   beside) -> None:
    md, _, whole = beside.corpus(name, _whole, summary="# Übersicht\n\n")
    cold = redline_typst.typst_source(md, title="T", meta={"version": "v"}, cache_dir=tmp_path)
    warm = redline_typst.typst_source(md, title="T", meta={"version": "v"}, cache_dir=tmp_path)
    assert cold == whole.result(), name
    assert warm == whole.result(), name


def test_html_of_the_text_itself_keeps_the_marks_as_pandoc_reads_them(tmp_path) -> None:
    """A part's simple marks reach pandoc as HTML spans; a run with HTML of the text's own
    (read as raw HTML, not as spans) keeps them as written."""
    md = ("# Übersicht\n\nEin [neuer]{.ins} Satz.\n\n## A\n\nText <span class=\"x\">roh</span> "
          "und [alt]{.del}.\n\n## B\n\nNur [neu]{.ins}.\n")
    assert redline_typst.typst_source(md, title="T", cache_dir=tmp_path) == \
        redline_typst.typst_whole(md, title="T")
