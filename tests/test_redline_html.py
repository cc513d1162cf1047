"""The redline page converted in cached parts is byte for byte the whole-document render
(pandoc over all of it with `--wrap=none`): ids numbered across parts, footnotes, links
without target, the table of contents; warm from the cache as cold."""

from __future__ import annotations

import csv
import json

import pytest
from support import CORPUS, needs_corpus

from pipeline.render import redline_html
from pipeline.render.reader import REDLINE_READER
from pipeline.render.redline_text import compare_markdown
from pipeline.render.tools import run_pandoc

DOC = """# Übersicht der Änderungen {.unnumbered .unlisted #uebersicht}

Text mit [Link](#allgemeines-1) und [ohne Ziel](#nirgends) und Fußnote[^a].

::::: {.rl-kapitel autor="Expert*innengruppe"}
## Allgemeines

Absatz [eins]{.ins} und [zwei]{.del}, [zum Gestrichenen](#gestrichen).

::: del
## Gestrichen

Alt.
:::

## Allgemeines

- a
- b

  weiter

### § 1 Beginn der *Rechtsfähigkeit* [neu]{.ins}

Noch eine Fußnote[^b] und [^a]. ![Karte](karte.png)

::: {.moved .ins #verschoben-1 von="verschoben-1-alt"}
## 2. „Zitat“ – Teil
:::

## 1

[^a]: Erste Fußnote.

[^b]: Zweite
    mit Fortsetzung.
:::::
"""


def _both(md: str, tmp_path) -> tuple[bytes, bytes, bytes]:
    whole = redline_html.render_html_whole(md, title="T", meta={"version": "v"})
    cold = redline_html.render_html_bytes(md, title="T", meta={"version": "v"},
                                          cache_dir=tmp_path)
    warm = redline_html.render_html_bytes(md, title="T", meta={"version": "v"},
                                          cache_dir=tmp_path)
    return whole, cold, warm


def test_parts_give_the_whole_document_render(tmp_path) -> None:
    assert redline_html.split_parts(DOC) is not None  # really converted in parts
    whole, cold, warm = _both(DOC, tmp_path)
    assert cold == whole
    assert warm == whole
    html = whole.decode()
    assert 'id="allgemeines-1"' in html and 'href="#allgemeines-1"' in html
    assert "ohne Ziel" in html and 'href="#nirgends"' not in html
    assert 'href="#gestrichen"' not in html  # a deleted heading loses its id
    assert 'id="fn3"' in html  # [^a] twice: three notes through the document
    assert list((tmp_path / "redline-html").glob("*.json"))


def test_a_changed_part_is_converted_again_and_the_rest_comes_from_the_cache(tmp_path) -> None:
    redline_html.render_html_bytes(DOC, title="T", cache_dir=tmp_path)
    before = {p.name for p in (tmp_path / "redline-html").glob("*.json")}
    changed = DOC.replace("Noch eine Fußnote", "Noch eine andere Fußnote")
    out = redline_html.render_html_bytes(changed, title="T", cache_dir=tmp_path)
    after = {p.name for p in (tmp_path / "redline-html").glob("*.json")}
    assert len(after - before) == 1
    assert out == redline_html.render_html_whole(changed, title="T")


def test_a_broken_cache_entry_is_converted_again(tmp_path) -> None:
    redline_html.render_html_bytes(DOC, title="T", cache_dir=tmp_path)
    for p in (tmp_path / "redline-html").glob("*.json"):
        p.write_text("{kaputt", encoding="utf-8")
    assert redline_html.render_html_bytes(DOC, title="T", cache_dir=tmp_path) == \
        redline_html.render_html_whole(DOC, title="T")


def test_a_shortcut_link_that_may_name_a_heading_converts_the_whole(tmp_path) -> None:
    md = "## Ziele\n\nSiehe [Ziele].\n\n## Andere\n\nText.\n"
    assert redline_html.split_parts(md) is None
    assert redline_html.render_html_bytes(md, title="T", cache_dir=tmp_path) == \
        redline_html.render_html_whole(md, title="T")


@pytest.mark.parametrize("text", [
    "§ 1 Beginn der Rechtsfähigkeit", "1. Einleitung", "Übersicht – „Teil“ A.b_c",
    "Ärger   mit\u00a0Leerzeichen", "123", "Straße İstanbul", "Abschnitt 2a (weggefallen)",
    "x-y--z", "Ⅻ Römisch ½"])
def test_identifiers_as_pandoc_makes_them(text: str) -> None:
    ast = json.loads(run_pandoc(["-f", REDLINE_READER, "-t", "json"], f"# {text}\n"))
    assert (redline_html.pandoc_identifier(text) or "section") == ast["blocks"][0]["c"][1][0]


def _pairs() -> list[tuple[str, str, str]]:
    if not (CORPUS / "PAIRS.tsv").is_file():
        return []
    with open(CORPUS / "PAIRS.tsv", encoding="utf-8") as f:
        return [(r["pair"], r["old"], r["new"]) for r in csv.DictReader(f, delimiter="\t")]


@needs_corpus
@pytest.mark.slow
@pytest.mark.parametrize("name,old,new", _pairs() or [("–", "", "")])
def test_every_corpus_pair_converts_in_parts_as_a_whole(name, old, new, tmp_path) -> None:
    red = compare_markdown((CORPUS / old).read_text(encoding="utf-8"),
                           (CORPUS / new).read_text(encoding="utf-8"))
    md = "::::: {.rl-kapitel autor=\"lip\"}\n" + red.markdown + ":::::\n"
    whole, cold, warm = _both(md, tmp_path)
    assert cold == whole, name
    assert warm == whole, name
