"""The redline page converted in cached parts is byte for byte the whole-document render
(pandoc over all of it with `--wrap=none`): ids numbered across parts, footnotes, links
without target, the table of contents; warm from the cache as cold."""

from __future__ import annotations

import json
import sqlite3

import pytest
from support import corpus_pairs, needs_corpus, redline_views

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


def _cached(folder) -> set[str]:
    with sqlite3.connect(folder / "redline-html.sqlite") as db:
        return {k for (k,) in db.execute("SELECT schluessel FROM eintraege WHERE schluessel NOT LIKE 'rahmen:%'")}


def test_the_cache_keeps_the_most_recently_used_within_its_limit(tmp_path, monkeypatch) -> None:
    redline_html.render_html_bytes(DOC, title="T", cache_dir=tmp_path)
    first = _cached(tmp_path)
    monkeypatch.setattr(redline_html, "CACHE_LIMIT_BYTES", 1)
    other = DOC.replace("Alt.", "Ganz alt.")
    assert redline_html.render_html_bytes(other, title="T", cache_dir=tmp_path) == \
        redline_html.render_html_whole(other, title="T")
    kept = _cached(tmp_path)
    assert len(kept) == len(first)  # this run's parts stay, also over the limit
    assert len(first - kept) == 1  # the one part only the first run used is gone


def _whole(md: str) -> bytes:
    """The whole render (one pandoc process): the reference."""
    return redline_html.render_html_whole(md, title="T", meta={"version": "v"})


def _in_parts(md: str, tmp_path, passages: dict | None = None) -> tuple[bytes, bytes]:
    """The page converted in parts by pandoc workers as `lip redline` does for small texts
    (cold cache), and again from the cache (warm)."""
    from pipeline.render.workers import pandoc_workers

    with pandoc_workers(2):
        cold = redline_html.render_html_bytes(md, title="T", meta={"version": "v"},
                                              cache_dir=tmp_path, passages=passages)
    warm = redline_html.render_html_bytes(md, title="T", meta={"version": "v"},
                                          cache_dir=tmp_path, passages=passages)
    return cold, warm


def _both(md: str, tmp_path, passages: dict | None = None) -> tuple[bytes, bytes, bytes]:
    """The whole render, and the page converted in parts, cold and warm."""
    return _whole(md), *_in_parts(md, tmp_path, passages)


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
    assert _cached(tmp_path)


@pytest.mark.parametrize("heading", ["# Ziele", "# Ziele [neu]{.ins}",
                                     "# Ziele [alt]{.del}", "# [Ziele](#allgemeines)"])
def test_the_table_of_contents_is_the_whole_renders_with_and_without_marks(heading,
                                                                           tmp_path) -> None:
    """The page frame skips the filter when its headings carry nothing it changes."""
    md = DOC.replace("## 1\n", heading + "\n\n## Unterpunkt\n")  # after the unlisted h1
    whole, cold, _ = _both(md, tmp_path)
    assert cold == whole
    toc = whole.decode().split('<nav id="TOC"', 1)[1].split("</nav>", 1)[0]
    assert "Ziele" in toc and "Unterpunkt" in toc
    assert ("<ins" in toc) == ("{.ins}" in heading) and ("<del" in toc) == ("{.del}" in heading)


def test_a_changed_part_is_converted_again_and_the_rest_comes_from_the_cache(tmp_path) -> None:
    redline_html.render_html_bytes(DOC, title="T", cache_dir=tmp_path)
    before = _cached(tmp_path)
    changed = DOC.replace("Noch eine Fußnote", "Noch eine andere Fußnote")
    out = redline_html.render_html_bytes(changed, title="T", cache_dir=tmp_path)
    after = _cached(tmp_path)
    assert len(after - before) == 1
    assert out == redline_html.render_html_whole(changed, title="T")


def test_two_runs_at_once_share_the_cache(tmp_path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    docs = [DOC, DOC.replace("Alt.", "Ganz alt."), DOC.replace("## 1", "## 2")]
    with ThreadPoolExecutor(3) as pool:
        outs = list(pool.map(lambda md: redline_html.render_html_bytes(
            md, title="T", cache_dir=tmp_path), docs))
    assert outs == [redline_html.render_html_whole(md, title="T") for md in docs]


def test_a_broken_cache_entry_is_converted_again(tmp_path) -> None:
    redline_html.render_html_bytes(DOC, title="T", cache_dir=tmp_path)
    with sqlite3.connect(tmp_path / "redline-html.sqlite") as db:
        db.execute("UPDATE eintraege SET daten = '{kaputt' WHERE schluessel NOT LIKE 'rahmen:%'")
    assert redline_html.render_html_bytes(DOC, title="T", cache_dir=tmp_path) == \
        redline_html.render_html_whole(DOC, title="T")


def test_a_shortcut_link_that_may_name_a_heading_converts_the_whole(tmp_path) -> None:
    md = "## Ziele\n\nSiehe [Ziele].\n\n## Andere\n\nText.\n"
    assert redline_html.split_parts(md) is None
    assert redline_html.render_html_bytes(md, title="T", cache_dir=tmp_path) == \
        redline_html.render_html_whole(md, title="T")


@pytest.mark.parametrize("before, after, cut", [
    ("", "", False), ("x ", "", False), ("[die]", "", False), ("", "[]", False),
    ("!", "", True), ("\\", "", True), ("", "(#andere)", True), ("", "{.x}", True)])
def test_a_label_that_may_name_a_heading_converts_the_whole(tmp_path, before: str, after: str,
                                                              cut: bool) -> None:
    """`[Ziele]`, `[die][Ziele]` and `[Ziele][]` link to the heading (pandoc's
    implicit_header_references), an image, an escaped bracket, an inline link or a span do
    not: only those may be converted in parts, and the page is the same either way."""
    md = f"## Ziele\n\nSiehe {before}[Ziele]{after}.\n\n## Andere\n\nText.\n"
    assert (redline_html.split_parts(md) is not None) == cut
    assert redline_html.render_html_bytes(md, title="T", cache_dir=tmp_path) == \
        redline_html.render_html_whole(md, title="T")


@pytest.mark.parametrize("text", [
    "§ 1 Beginn der Rechtsfähigkeit", "1. Einleitung", "Übersicht – „Teil“ A.b_c",
    "Ärger   mit\u00a0Leerzeichen", "123", "Straße İstanbul", "Abschnitt 2a (weggefallen)",
    "x-y--z", "Ⅻ Römisch ½"])
def test_identifiers_as_pandoc_makes_them(text: str) -> None:
    ast = json.loads(run_pandoc(["-f", REDLINE_READER, "-t", "json"], f"# {text}\n"))
    assert (redline_html.pandoc_identifier(text) or "section") == ast["blocks"][0]["c"][1][0]


@needs_corpus
@pytest.mark.slow
@pytest.mark.parametrize("name,old,new", corpus_pairs() or [("–", "", "")])
def test_every_corpus_pair_converts_in_parts_as_a_whole(name, old, new, tmp_path,
                                                        beside) -> None:
    md, passages, whole = beside.corpus(name, _whole, summary="")
    texts, _ = redline_html.split_parts(md)
    _, from_blocks = redline_html.split_passages(texts, passages)
    assert from_blocks, name  # changed passages really converted from their blocks
    cold, warm = _in_parts(md, tmp_path, passages)
    assert cold == whole.result(), name
    assert warm == whole.result(), name


def test_the_engine_reads_and_writes_a_redline_seen_before_from_the_cache(tmp_path,
                                                                          monkeypatch) -> None:
    from pipeline.render import redline_text

    old = "## A\n\nEins zwei drei.\n\n## B\n\nVier fünf.\n"
    new = "## A\n\nEins zwei vier.\n\n## B\n\nVier fünf sechs.\n"
    plain = compare_markdown(old, new)
    first = compare_markdown(old, new, cache_dir=tmp_path)

    def no_pandoc(*args, **kwargs):
        raise AssertionError("pandoc ran although everything was in the cache")

    monkeypatch.setattr(redline_text, "run_pandoc_side_by_side", no_pandoc)
    monkeypatch.setattr(redline_text, "run_pandoc", no_pandoc)
    second = compare_markdown(old, new, cache_dir=tmp_path)
    assert plain.markdown == first.markdown == second.markdown
    assert plain.stats == first.stats == second.stats


def test_the_engines_damaged_cache_entries_are_read_and_written_again(tmp_path) -> None:
    """Entries changed in the file (their length is not the one stored: left out by the
    cache) or not blocks at all (left out here) cost a conversion, not a wrong redline or
    an internal error."""
    import sqlite3

    old = "## A\n\nEins zwei drei.\n\n## B\n\nVier fünf.\n"
    new = "## A\n\nEins zwei vier.\n\n## B\n\nVier fünf sechs.\n"
    plain = compare_markdown(old, new)
    compare_markdown(old, new, cache_dir=tmp_path)
    with sqlite3.connect(tmp_path / "redline-text.sqlite") as db:
        rows = db.execute("SELECT schluessel, daten FROM eintraege").fetchall()
        for n, (key, data) in enumerate(rows):  # every other one: damaged, the same length
            damaged = "{kaputt" if n % 2 else ("x" * len(data))
            db.execute("UPDATE eintraege SET daten = ? WHERE schluessel = ?", (damaged, key))
    again = compare_markdown(old, new, cache_dir=tmp_path)
    assert again.markdown == plain.markdown and again.stats == plain.stats


@pytest.mark.parametrize("text", [DOC, "---\ntitel: x\n---\n\n# A\n\nText[^1].\n\n[^1]: Fußnote.\n",
                                  "", "Nur ein Satz."])
def test_unchanged_markdown_is_the_redline_of_a_text_with_itself(text: str) -> None:
    from pipeline.redline.engine import unchanged_markdown

    assert unchanged_markdown(text) == compare_markdown(text, text).markdown


# --- parts without the filter, keys by the definitions a part uses, conversion ahead -------

PLAIN_DOC = """# Einleitung & Ziele

Text mit [Verweis](https://example.org) und Fußnote[^a].

## Einleitung & Ziele

> ## Zitat im Block
>
> Zitierter Text.

- ## Überschrift in einer Liste

  Listentext.

### § 1\u00a0Anwendungsbereich

Absatz mit [neu]{.ins} Text.

## Fußnote mit Anker

Noch eine Fußnote[^b].

## Drei  Leerzeichen   hier

Schluss.

## Verweise {#verweise .unnumbered}

Nach [oben](#einleitung-ziele), [ins Leere](#nirgends-hin) und [zurück](#verweise).

## Verweis mit Titel

Nach [oben](#einleitung-ziele "Einleitung").

[^a]: Eine schlichte Fußnote.

[^b]: Siehe [oben](#einleitung-ziele).
"""


def _spy_plain(monkeypatch) -> list[bool]:
    """Whether each part tried without the filter could go without it."""
    seen: list[bool] = []
    real = redline_html._plain_part

    def spy(html, notes):
        part = real(html, notes)
        seen.append(part is not None)
        return part
    monkeypatch.setattr(redline_html, "_plain_part", spy)
    return seen


def test_parts_without_the_filter_give_the_whole_render(tmp_path, monkeypatch) -> None:
    """Headings with entities, no-break spaces and repeated spaces, headings inside a quote
    and a list (not in the contents), a heading with an id and a class, links elsewhere and
    to anchors (in the text and in a note), one without a target: plain; a link with a title
    needs the filter and is converted again with it."""
    seen = _spy_plain(monkeypatch)
    whole, cold, warm = _both(PLAIN_DOC, tmp_path)
    assert cold == whole and warm == whole
    # the part with the titled link is tried without the filter, then converted with it
    assert seen == [True, True, True, True, True, True, False]
    html = whole.decode()
    assert 'ins Leere' in html and 'href="#nirgends-hin"' not in html
    assert '<h2 class="unnumbered" id="verweise">' in html and 'href="#verweise"' in html
    assert 'id="einleitung-ziele-1"' in html and 'href="#einleitung-ziele"' in html
    toc = html.split('<nav id="TOC"', 1)[1].split("</nav>", 1)[0]
    assert "Zitat im Block" not in toc and "Liste" not in toc and "Drei Leerzeichen" in toc
    assert 'Siehe <a href="#einleitung-ziele">oben</a>' in html  # the note's link, fixed


MARKS_DOC = """# Übersicht

::::: {.rl-kapitel autor="Gruppe"}
## Ziele

Absatz [eins]{.ins} und [zwei]{.del}, *betont [drei]{.ins}* und [[innen]{.del} außen]{.ins}.

::: ins
Ein neuer Absatz mit [Marke]{.ins} und Fußnote[^n].
:::

::: del
- ein gestrichener Punkt
:::

::: {.moved .del #verschoben-1-alt nach="verschoben-1" stelle="Maßnahmen & Schritte „neu“"}
Ein verschobener Absatz.
:::

::: vorgaben
**Vorgaben:** [neu]{.ins} bleiben.
:::

::: ins
## Neuer Abschnitt

Neuer Text.
:::

::: del
## Maßnahmen & Schritte

Alter Text.
:::

## Maßnahmen & Schritte

::: {.moved .ins #verschoben-1 von="verschoben-1-alt" stelle="Ziele"}
Ein verschobener Absatz.
:::

Text [x]{.smallcaps} mit „Zeichen“ <!-- kein --> Ende.

[^n]: Die Fußnote mit [gestrichenem]{.del} Wort.
:::::
"""


def test_marks_without_the_filter_give_the_whole_render(tmp_path, monkeypatch) -> None:
    """Spans and blocks inserted, deleted and moved, nested, in a note, beside other divs
    and spans, and blocks that open with a heading (pandoc's <section>; a deleted heading
    keeps its place in the numbering, not its id) are written as the filter writes them;
    only the part with raw HTML goes through the filter."""
    seen = _spy_plain(monkeypatch)
    whole, cold, warm = _both(MARKS_DOC, tmp_path)
    assert cold == whole and warm == whole
    assert seen == [True, True]  # Übersicht, Ziele; the last part has raw HTML: with the filter
    assert 'id="maßnahmen-schritte-1"' in whole.decode()  # the deleted one counts
    html = whole.decode()
    assert '<ins class="rl-block rl-ins rl-moved" id="verschoben-1">' in html
    assert '<span class="visually-hidden">Streichung: </span>gestrichenem</del>' in html
    # a moved passage names the heading it stands under at its other place
    assert 'Verschoben nach <a href="#verschoben-1">Maßnahmen &amp; Schritte „neu“</a>' \
        in html
    assert 'Verschoben von <a href="#verschoben-1-alt">Ziele</a>' in html


HEADING_MARKS_DOC = """# § 67 Stellung [des]{.del}[der]{.ins} Eltern &amp; [Vormünder]{.ins}

Text.

## Unterpunkt [alt]{.del}

- erste Liste

<!-- -->

- zweite Liste

# § 68 [Gestrichen &lt;alt&gt;]{.del}

::: del
## Ganz gestrichen [auch]{.ins}

Alter Text.
:::

# § 67 Stellung desder Eltern & Vormünder
"""


def test_marks_in_headings_and_pandocs_list_separator_go_without_the_filter(
        tmp_path, monkeypatch) -> None:
    """A heading with inserted and deleted words gets the id of all its words (pandoc's
    stringify) and keeps its marks in the contents; the empty comment pandoc's writer puts
    between two lists is no raw HTML the filter would touch."""
    seen = _spy_plain(monkeypatch)
    whole, cold, warm = _both(HEADING_MARKS_DOC, tmp_path)
    assert cold == whole and warm == whole
    assert seen == [True, True, True, True]  # every part without the filter
    html = whole.decode()
    # the marked heading's id is made of all its words: the same heading unmarked is second
    assert 'id="stellung-desder-eltern-vormünder-1"' in html
    toc = html.split('<nav id="TOC"', 1)[1].split("</nav>", 1)[0]
    assert "<ins>" in toc and "<del>" in toc and "Unterpunkt" in toc


def test_a_part_key_names_only_the_definitions_the_part_uses() -> None:
    texts = ["## A\n\nText[^a].", "## B\n\nSiehe [Gesetz].", "## C\n\nOhne alles."]
    defs = ["[^a]: Eins.\n[gesetz]: https://example.org/g\n[^z]: Zett."]
    keys = redline_html.part_keys(texts, defs)
    other_z = redline_html.part_keys(texts, [defs[0].replace("Zett.", "Anders.")])
    assert other_z == keys  # nobody uses [^z]
    other_a = redline_html.part_keys(texts, [defs[0].replace("Eins.", "Zwei.")])
    assert other_a[0] != keys[0] and other_a[1:] == keys[1:]
    other_link = redline_html.part_keys(texts, [defs[0].replace("/g", "/h")])
    assert other_link[1] != keys[1] and other_link[0] == keys[0] and other_link[2] == keys[2]


def test_each_run_reads_only_the_definitions_its_parts_may_use(tmp_path) -> None:
    """A run gets the definitions its parts refer to, as pandoc compares labels (case and
    spaces aside), and those these refer to in turn (a note that cites a link): the page is
    the whole render, and a part's key changes with a definition it uses only so."""
    md = ("# Eins\n\nText[^a] und [Das  Gesetz].\n\n# Zwei\n\nNur Text.\n\n"
          "# Drei\n\nMit [Verweis][v].\n\n"
          "[^a]: Siehe [das gesetz] und [Quelle][q].\n\n[das gesetz]: https://example.org/g\n\n"
          "[q]: https://example.org/q\n\n[v]: https://example.org/v\n\n[^z]: Unbenutzt.\n")
    texts, defs = redline_html.split_parts(md)
    runs = [[(str(k), t)] for k, t in enumerate(texts)]
    used = [[d.split("]:")[0] + "]" for d in redline_html.run_definitions(run, defs)]
            for run in runs]
    assert used == [["[^a]", "[das gesetz]", "[q]"], [], ["[v]"]]
    assert "Unbenutzt" not in redline_html.run_source(runs[0], defs, True)
    whole, cold, warm = _both(md, tmp_path)
    assert cold == whole and warm == whole
    assert 'href="https://example.org/q"' in whole.decode()
    keys = redline_html.part_keys(texts, defs)
    other_q = redline_html.part_keys(texts, [defs[0].replace("/q", "/r")])
    assert other_q[0] != keys[0] and other_q[1:] == keys[1:]


def test_the_pages_own_runs_stay_small(tmp_path, monkeypatch) -> None:
    """The page's own runs hold at most PAGE_RUN_MAX_CHARS (lip is largest then), in as many
    runs as that takes; the page is still the whole render."""
    md = "".join(f"# Teil {k}\n\nDer Teil {k} hat " + "viele Wörter " * 150 + ".\n\n"
                 for k in range(12))
    monkeypatch.setattr(redline_html, "PAGE_RUN_MAX_CHARS", 5_000)
    sizes: list[int] = []
    real = redline_html._convert_runs

    def recording(runs, *rest, **kw):
        sizes.extend(sum(len(t) for _, t in run) for run, _kind in runs)
        return real(runs, *rest, **kw)

    monkeypatch.setattr(redline_html, "_convert_runs", recording)
    page = redline_html.render_html_bytes(md, title="T", meta={"version": "v"},
                                          cache_dir=tmp_path)
    assert len(md) > 20_000 and len(sizes) >= 4 and max(sizes) <= 5_000
    assert page == redline_html.render_html_whole(md, title="T", meta={"version": "v"})


def test_shared_passages_are_converted_ahead_even_when_much_changed(tmp_path,
                                                                   monkeypatch) -> None:
    """NEU's sections that ALT has too are converted while the engine compares, also when
    most sections changed; the page converts only the others, and the result is the whole
    render."""
    from pipeline.commands.redline import build_redline

    old = "".join(f"## Abschnitt {k}\n\nDer Absatz {k} bleibt, wie er ist.\n\n"
                  for k in range(10))
    new = old
    for k in range(6):
        new = new.replace(f"Der Absatz {k} bleibt", f"Der Absatz {k} ändert sich")
    (tmp_path / "alt.md").write_text(old, encoding="utf-8")
    (tmp_path / "neu.md").write_text(new, encoding="utf-8")
    calls: list[list[str]] = []
    real = redline_html._convert

    def spy(items, defs, *rest):
        calls.append([text for _, text in items])
        return real(items, defs, *rest)
    monkeypatch.setattr(redline_html, "_convert", spy)
    read_back: list[str] = []
    real_read, real_page = redline_html._cached_parts, redline_html.render_html_bytes

    def reading(cache, keys):
        read_back.extend(keys)
        return real_read(cache, keys)

    def page_once_ahead_is_done(md, **kwargs):
        kwargs["ahead"].join()  # else the page may look for a part not yet converted
        return real_page(md, **kwargs)
    monkeypatch.setattr(redline_html, "_cached_parts", reading)
    monkeypatch.setattr(redline_html, "render_html_bytes", page_once_ahead_is_done)
    result = build_redline(dateien=(tmp_path / "alt.md", tmp_path / "neu.md"),
                           out_root=tmp_path / "out")
    ahead, page = calls
    assert sorted(int(t.split()[2]) for t in ahead) == [6, 7, 8, 9]
    # the page converts the changed sections: their changed passages (from their blocks) and
    # their headings, which the cut leaves alone
    assert not set(ahead) & set(page)
    assert all("ändert" in t or "\n" not in t for t in page if "Abschnitt" in t)
    assert sum("ändert" in t for t in page) == 6
    page_md = (result.out_dir / "redline.html").read_bytes()
    assert b"Der Absatz 9 bleibt" in page_md and b"<ins>" in page_md
    # the page takes the parts converted ahead from memory, not back from the cache
    assert read_back and not set(redline_html.part_keys(ahead, [])) & set(read_back)


@pytest.mark.parametrize("workers", [True, False])
def test_the_conversion_ahead_runs_short_while_workers_convert(tmp_path, monkeypatch,
                                                               workers: bool) -> None:
    """With pandoc workers (`lip redline`), the conversion ahead goes in runs of at most
    AHEAD_RUN_MAX_CHARS: a run keeps its worker to the end, and the engine's and the page's
    pandocs, which the command waits for, get the next free one. Without workers every run
    is a pandoc of its own, and the runs stay long. The page is the same either way."""
    import threading

    from pipeline.commands.redline import build_redline

    old = "".join(f"## Abschnitt {k}\n\n" + f"Der Absatz {k} bleibt, wie er ist. " * 80 + "\n\n"
                  for k in range(40))
    new = old.replace("Der Absatz 3 bleibt", "Der Absatz 3 ändert sich", 1)
    (tmp_path / "alt.md").write_text(old, encoding="utf-8")
    (tmp_path / "neu.md").write_text(new, encoding="utf-8")
    if not workers:
        monkeypatch.setenv("LIP_PANDOC_WORKERS", "0")
    ahead_runs: list[int] = []
    real = redline_html._convert_runs

    def spy(runs, *rest, **kwargs):
        if threading.current_thread().name == "redline-vorab":
            ahead_runs.extend(sum(len(text) for _, text in run) for run, _ in runs)
        return real(runs, *rest, **kwargs)
    monkeypatch.setattr(redline_html, "_convert_runs", spy)
    result = build_redline(dateien=(tmp_path / "alt.md", tmp_path / "neu.md"),
                           out_root=tmp_path / "out")
    assert sum(ahead_runs) > 100_000  # the 39 sections ALT has as well
    if workers:
        assert len(ahead_runs) >= 4 and max(ahead_runs) <= redline_html.AHEAD_RUN_MAX_CHARS
    else:
        assert len(ahead_runs) == 2 and min(ahead_runs) > redline_html.AHEAD_RUN_MAX_CHARS
    page = (result.out_dir / "redline.html").read_text(encoding="utf-8")
    assert "ändert sich</ins>" in page and page.count("Der Absatz 39 bleibt") == 80


def test_a_redline_runs_no_more_pandocs_at_once_than_there_are_cores(tmp_path,
                                                                     monkeypatch) -> None:
    """The engine, the conversion ahead and the page share one slot per core: more pandocs
    than cores only add memory (four at once took ten years of BGB to 529 MB)."""
    import threading

    from pipeline.commands.redline import build_redline
    from pipeline.render import tools, workers

    old = "".join(f"## Abschnitt {k}\n\n" + f"Der Absatz {k} bleibt, wie er ist. " * 60 + "\n\n"
                  for k in range(40))
    new = old.replace("Der Absatz 3 bleibt", "Der Absatz 3 ändert sich").replace(
        "Der Absatz 30 bleibt", "Der Absatz 30 geht")
    (tmp_path / "alt.md").write_text(old, encoding="utf-8")
    (tmp_path / "neu.md").write_text(new, encoding="utf-8")
    lock = threading.Lock()
    running = [0, 0]  # conversions now, most at once (pandoc processes and workers alike)
    real_init, real_finish = tools.PandocProcess.__init__, tools.PandocProcess.finish
    real_convert = workers.Worker.convert

    def started() -> None:
        with lock:
            running[0] += 1
            running[1] = max(running)

    def ended() -> None:
        with lock:
            running[0] -= 1

    def init(self, *args, **kwargs):
        started()
        real_init(self, *args, **kwargs)

    def finish(self, *args, **kwargs):
        try:
            return real_finish(self, *args, **kwargs)
        finally:
            ended()

    def convert(self, *args, **kwargs):
        started()
        try:
            return real_convert(self, *args, **kwargs)
        finally:
            ended()
    monkeypatch.setattr(tools.PandocProcess, "__init__", init)
    monkeypatch.setattr(tools.PandocProcess, "finish", finish)
    monkeypatch.setattr(workers.Worker, "convert", convert)
    monkeypatch.setattr(redline_html, "cores", lambda: 2)
    monkeypatch.setattr(tools, "cores", lambda: 2)
    result = build_redline(dateien=(tmp_path / "alt.md", tmp_path / "neu.md"),
                           out_root=tmp_path / "out")
    assert running == [0, 2]
    assert b"geht</ins>" in (result.out_dir / "redline.html").read_bytes()


@pytest.mark.parametrize("old, new", [(DOC, DOC.replace("Absatz", "Abschnitt")),
                                      ("---\ntitel: x\n---\n\n# A\n\nText[^1].\n\n[^1]: Fußnote.\n",
                                       "# B\n\nText.\n"), ("", "Nur ein Satz.")])
def test_the_engine_hands_its_split_to_the_conversion_ahead(old: str, new: str) -> None:
    """What the engine hands over once it has split the texts is each text as
    `unchanged_markdown` writes it: the conversion ahead converts the same parts as
    splitting the texts again would give."""
    from pipeline.redline.engine import unchanged_markdown
    from pipeline.render.redline_text import compare_split, split_texts

    seen: list[str] = []
    compare_split(split_texts(old, new), split_seen=lambda o, n: seen.extend([o(), n()]))
    assert seen == [unchanged_markdown(old), unchanged_markdown(new)]


def test_simple_marks_reach_pandoc_as_html_spans_where_they_read_the_same() -> None:
    """pandoc reads `[Text]{.ins}` several times before it takes it for a span: a part's
    simple marks go to it as `<span class="ins">`, not in code, indented lines or tables,
    nor marks with brackets, escapes or HTML in them."""
    text = ("Ein [neuer]{.ins} und [alter]{.del} Satz, [*betont*]{.ins}, "
            "[[innen]{.del} außen]{.ins}, \\[kein]{.ins} und ![kein]{.del}.\n"
            "    [eingerückt]{.ins}\n| [Zelle]{.ins} |\nMit `[Code]{.ins}`.")
    assert redline_html.native_marks(text).split("\n") == [
        'Ein <span class="ins">neuer</span> und <span class="del">alter</span> Satz, '
        '<span class="ins">*betont*</span>, [<span class="del">innen</span> außen]{.ins}, '
        "\\[kein]{.ins} und ![kein]{.del}.",
        "    [eingerückt]{.ins}", "| [Zelle]{.ins} |", "Mit `[Code]{.ins}`."]
    assert redline_html.native_marks("```\n[x]{.ins}\n```") == "```\n[x]{.ins}\n```"
    md = "# Übersicht\n\n" + text + "\n"
    assert redline_html.render_html_bytes(md, title="T") == \
        redline_html.render_html_whole(md, title="T")


def test_changed_passages_are_converted_from_their_blocks_where_they_stand_alone(tmp_path
                                                                                ) -> None:
    """A changed paragraph is converted from its blocks (no pandoc reads its Markdown); a
    changed list item that continues the list before it stays in its part, whose Markdown
    pandoc reads as one list. Either way the page is the whole render."""
    old = ("## A\n\nDer erste Satz bleibt.\n\nDer zweite Satz ändert sich.\n\n"
           "(1) Erster Absatz.\n\n(2) Zweiter Absatz.\n\n## B\n\nSchluss.\n")
    new = ("## A\n\nDer erste Satz bleibt.\n\nDer zweite Satz ändert sich heute.\n\n"
           "(1) Erster Absatz.\n\n(2) Zweiter, neuer Absatz.\n\n## B\n\nSchluss.\n")
    red = compare_markdown(old, new, for_page=True)
    md = "# Übersicht\n\n" + red.markdown
    texts, _ = redline_html.split_parts(md)
    cut, from_blocks = redline_html.split_passages(texts, red.passages)
    alone = [cut[n] for n in from_blocks]
    assert len(red.passages) == 2
    assert len(alone) == 1 and alone[0].startswith("Der zweite Satz ändert") \
        and "heute]{.ins}" in alone[0]
    assert any("(2)" in t and "neuer]{.ins}" in t and "(1)" in t for t in cut)
    whole, cold, warm = _both(md, tmp_path, red.passages)
    assert cold == whole and warm == whole


def test_a_space_that_belongs_to_a_change_is_the_whole_render_from_blocks_and_parts(
        tmp_path) -> None:
    """`angeboten[&#32;und gefördert]{.ins};`: the changed paragraph from its blocks (the
    engine's kept space), a changed list item in its part (`native_marks` makes the mark a
    span), the page from the cache: each is the whole render, the space inside the mark."""
    old = ("## A\n\nPlätze werden angeboten; die Schulen vergeben sie.\n\n"
           "(1) Der Rat beschließt.\n\n(2) Die Verwaltung handelt – im Amt, im Bad.\n\n"
           "## B\n\nSchluss.\n")
    new = ("## A\n\nPlätze werden angeboten und gefördert; die Schulen vergeben sie.\n\n"
           "(1) Der Rat beschließt.\n\n(2) Die Verwaltung handelt.\n\n## B\n\nSchluss.\n")
    red = compare_markdown(old, new, for_page=True)
    assert "angeboten[&#32;und gefördert]{.ins};" in red.markdown
    assert "handelt[&#32;– im Amt, im Bad]{.del}." in red.markdown
    md = "# Übersicht\n\n" + red.markdown
    texts, _ = redline_html.split_parts(md)
    _, from_blocks = redline_html.split_passages(texts, red.passages)
    assert from_blocks  # the paragraph goes from its blocks
    whole, cold, warm = _both(md, tmp_path, red.passages)
    assert cold == whole and warm == whole
    assert "angeboten<ins><span class=\"visually-hidden\">Einfügung: </span> und gefördert" \
           "</ins>;" in whole.decode()


def test_a_passage_across_headings_is_converted_from_its_blocks(tmp_path) -> None:
    """A changed passage that begins before a heading (the last paragraph of „Abschnitt 3“,
    „Abschnitt 4“ and its first paragraph reworded) runs across parts, which are cut before headings: they are joined,
    the passage cut out of them and converted from its blocks; a heading inside a box in
    the passage is no cut. The page is still the whole render."""
    old = ("## Abschnitt 3\n\nDie Stadt berichtet jährlich.\n\n"
           "## Abschnitt 4 Beiräte\n\nDie Beiräte tagen viermal im Jahr.\n\n"
           "Der Rat entscheidet.\n\n## Abschnitt 5\n\nSchluss.\n")
    new = ("## Abschnitt 3\n\nDie Stadt berichtet halbjährlich.\n\n"
           "## Abschnitt 4 Integrationsbeiräte\n\nDie Integrationsbeiräte tagen sechsmal im "
           "Jahr.\n\nDer Rat entscheidet.\n\n## Abschnitt 5\n\nSchluss.\n")
    red = compare_markdown(old, new, for_page=True)
    md = "# Übersicht\n\n" + red.markdown
    texts, _ = redline_html.split_parts(md)
    spanning = [p for p in red.passages if "\n\n## " in p]
    assert spanning and not any(p in t for p in spanning for t in texts)  # across parts
    cut, from_blocks = redline_html.split_passages(texts, red.passages)
    assert [cut[n] for n in from_blocks] == spanning
    assert cut[-1] == "## Abschnitt 5\n\nSchluss." and "Der Rat" in cut[-2]
    whole, cold, warm = _both(md, tmp_path, red.passages)
    assert cold == whole and warm == whole
    boxed = "Vorher.\n\n::: hinweis\n\n## Im Kasten\n\n:::\n\n## Danach"
    assert redline_html._cut_before_headings(boxed) == [
        "Vorher.\n\n::: hinweis\n\n## Im Kasten\n\n:::", "## Danach"]


def test_a_passage_inside_a_code_fence_or_a_div_stays_in_its_part() -> None:
    """A changed passage's text may also stand inside a code fence or a div: only where it
    stands at the top level is it cut out, also after another passage was cut and after
    others that stay in the part (which is read once, not again for every passage)."""
    a, b = "Absatz [eins]{.ins}.", "Absatz [zwei]{.del}."
    text = "\n\n".join(["Vorher.", a, "```", b, "```", "::: hinweis", b, ":::", b,
                        "::: hinweis", "Danach.", ":::"])
    passages = {a: ("[]", "Para", "Para"), b: ("[]", "Para", "Para")}
    out, found = redline_html.split_passages([text], passages)
    assert out == ["Vorher.", a, "\n\n".join(["```", b, "```", "::: hinweis", b, ":::"]), b,
                   "::: hinweis\n\nDanach.\n\n:::"]
    assert sorted(found) == [1, 3]
    fenced = "\n\n".join(["Vorher.", a, "```", b])  # a fence left open: b is inside
    out, found = redline_html.split_passages([fenced], passages)
    assert [out[n] for n in found] == [a]


_ABSAETZE = "\n\n".join(f"({k}) Der Absatz {k} regelt, wer die Stellungnahme schreibt."
                         for k in range(1, 6))
_NUMMERN = "\n\n".join(f"{k}.  die Nummer {k} nennt einen Fall" for k in range(1, 4))


def _rewritten(*numbers: int) -> list[tuple[str, str]]:
    return [(f"Absatz {k} regelt, wer", f"Absatz {k} bestimmt nun, wer genau") for k in numbers]


@pytest.mark.parametrize("case,old,changes,joined", [
    ("changed paragraphs inside a list of numbers: one list, loose",
     f"## § 1 Zweck\n\n{_ABSAETZE}\n\n## § 2 Weiter\n\nText.\n", _rewritten(2, 3, 4), True),
    ("the changed first items, right after the heading",
     f"## § 1 Zweck\n\n{_ABSAETZE}\n", _rewritten(1, 2, 3), True),
    ("the changed last items, the list's end",
     f"## § 1 Zweck\n\n{_ABSAETZE}\n", _rewritten(3, 4, 5), True),
    ("`(1)` and `1.` are two lists: the changed first items of the second stay apart",
     f"## § 1 Zweck\n\n(1) Erlaubt ist, wer\n\n{_NUMMERN}\n\n(2) Sonst nicht.\n",
     [(f"Nummer {k} nennt einen", f"Nummer {k} nennt nun einen ganz anderen") for k in (1, 2)],
     True),
    ("a list of numbers after a changed bullet list: two lists",
     "## A\n\n- eins\n\n- zwei\n\n1.  drei\n\n2.  vier\n", [("zwei", "zwo")], False),
    ("a bullet list beside a changed one: read as Markdown",
     "## A\n\n* eins\n\n* zwei\n\n- drei\n\n* vier\n", [("drei", "drei neu")], False),
    ("a list of letters: read as Markdown",
     "## A\n\n(a) eins\n\n(b) zwei\n\n(c) drei\n", [("zwei", "zwo")], False),
    ("a paragraph indented under the last item (the engine's chunk holds it)",
     f"## § 1 Zweck\n\n{_ABSAETZE}\n\n    Satz unter dem letzten Absatz.\n",
     _rewritten(4, 5), True),
    ("a table between two changed items, its rules its first and last lines",
     "## A\n\n(1) Eins.\n\n(2) Absatz 2 regelt, wer die Stellungnahme schreibt.\n\n"
     "-------  ------\n  12     34\n-------  ------\n\n"
     "(3) Absatz 3 regelt, wer die Stellungnahme schreibt.\n\n(4) Vier.\n",
     _rewritten(2, 3), True),
    ("more text beside the changes than changed: read as Markdown",
     f"## § 1 Zweck\n\n{_ABSAETZE}\n", _rewritten(3), False),
])
def test_a_changed_passage_at_a_lists_edge_is_joined_from_its_blocks_as_pandoc_joins_lists(
        case, old, changes, joined, monkeypatch) -> None:
    """A changed passage whose list joins the list beside it (`(3)` after `(2)`) is not read
    from its Markdown again: only the text beside it is read, and the lists are joined as
    pandoc joins them (`joined_sources`). Where that is unsure, the part is read as
    Markdown. Either way the page is the whole render."""
    new = old
    for before, after in changes:
        new = new.replace(before, after)
    assert new != old
    red = compare_markdown(old, new, for_page=True)
    md = "# Übersicht\n\n" + red.markdown
    made: list[dict] = []
    real = redline_html.joined_sources
    monkeypatch.setattr(redline_html, "joined_sources",
                        lambda *a, **k: made.append(real(*a, **k)) or made[-1])
    from pipeline.render.workers import pandoc_workers

    with pandoc_workers(2):  # as in `lip redline`
        page = redline_html.render_html_bytes(md, title="T", passages=red.passages)
    assert page == redline_html.render_html_whole(md, title="T"), case
    assert any(made) == joined, case


def test_the_page_starts_its_longest_conversion_first(tmp_path, monkeypatch) -> None:
    """Changed paragraphs are converted from their blocks, a changed item of a list of
    letters with the list it continues from its Markdown (lists of numbers are joined from
    their blocks, `joined_sources`), which costs pandoc more: that run starts first,
    although it comes last in the page, so that no core waits for it at the end. The page
    is still the whole render."""
    paragraphs = [f"Der Absatz {k} sagt etwas über die Beiräte und ihre Sitzungen."
                  for k in range(40)]
    items = [f"({chr(96 + k)}) Die Stellungnahme {k} geht an die Lenkungsgruppe und an das "
             f"RTGS, die sie beide lesen, beraten und mit ihren Fragen zurückgeben."
             for k in range(1, 27)]
    old = "## A\n\n" + "\n\n".join(paragraphs) + "\n\n## B\n\n" + "\n\n".join(items) + "\n"
    changed = [p.replace("etwas", "viel") for p in paragraphs]
    new = ("## A\n\n" + "\n\n".join(changed) + "\n\n## B\n\n"
           + "\n\n".join(items).replace("Stellungnahme 13 geht", "Stellungnahme 13 ging")
           + "\n")
    red = compare_markdown(old, new, for_page=True)
    md = "# Übersicht\n\n" + red.markdown
    started: list[list[str]] = []
    real = redline_html._convert_runs

    def spy(runs, *rest):
        started.append([kind for _, kind in runs])
        return real(runs, *rest)
    monkeypatch.setattr(redline_html, "_convert_runs", spy)
    page = redline_html.render_html_bytes(md, title="T", passages=red.passages)
    kinds = started[0]
    assert "blocks" in kinds and len(kinds) > 1  # both ways, in one conversion
    assert kinds[0] != "blocks", kinds
    assert page == redline_html.render_html_whole(md, title="T")


def test_a_changed_passage_is_read_from_its_markdown_when_its_html_needs_the_filter(tmp_path
                                                                                   ) -> None:
    """A changed heading with emphasis needs the filter for its id: converted from its
    Markdown after all, the page is still the whole render."""
    old = "# A\n\nText.\n\n## Ziele *der* Stadt\n\nMehr.\n"
    new = "# A\n\nText.\n\n## Neue Ziele *der* Stadt\n\nMehr.\n"
    red = compare_markdown(old, new, for_page=True)
    texts, _ = redline_html.split_parts(red.markdown)
    assert redline_html.split_passages(texts, red.passages)[1]
    whole, cold, warm = _both(red.markdown, tmp_path, red.passages)
    assert cold == whole and warm == whole


def test_the_commands_page_is_the_whole_render_of_its_markdown(tmp_path, monkeypatch) -> None:
    """`lip redline --dateien` on a plan chapter edited as editors do (a sentence changed, a
    list item added, a paragraph moved, a heading reworded): its page, with the changed
    passages converted from their blocks, is the whole render of the Markdown it writes."""
    from pathlib import Path

    from pipeline.commands.redline import build_redline

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    old = (Path(__file__).parent.parent / "plan" / "11-bildung.md").read_text(encoding="utf-8")
    paragraphs = old.split("\n\n")
    new = "\n\n".join(
        p.replace(" die ", " alle ", 1) if k % 5 == 3 else
        p + "\n- ein neuer Punkt der Liste" if p.startswith("- ") and k % 3 == 0 else
        p.replace("## ", "## Neu: ", 1) if p.startswith("## ") and k % 4 == 1 else p
        for k, p in enumerate(paragraphs))
    (tmp_path / "alt.md").write_text(old, encoding="utf-8")
    (tmp_path / "neu.md").write_text(new, encoding="utf-8")
    cut = redline_views.count_cut_passages(monkeypatch)
    result = build_redline(dateien=(tmp_path / "alt.md", tmp_path / "neu.md"),
                           formats=("html", "md"), out_root=tmp_path / "out")
    assert result.stats.words_added > 5 and cut and cut[0] >= 3
    md = (result.out_dir / "redline.md").read_text(encoding="utf-8")
    page = (result.out_dir / "redline.html").read_bytes()
    assert page == redline_html.render_html_whole(
        md, title="Änderungen: alt.md → neu.md", meta={"version": "neu.md"}, epoch=1767225600)


def test_a_passages_text_inside_a_div_is_not_taken_for_the_passage(tmp_path) -> None:
    """The same Markdown as a changed passage, inside an unchanged box before it, stays in
    its part: cut out there, the box would lose its end."""
    red = compare_markdown("## A\n\nEins zwei.\n", "## A\n\nEins drei.\n",
                           for_page=True)
    (passage,) = red.passages
    md = f"## A\n\n::: hinweis\n\n{passage}\n\n:::\n\n{passage}\n"
    texts, _ = redline_html.split_parts(md)
    cut, from_blocks = redline_html.split_passages(texts, red.passages)
    assert [cut[n] for n in from_blocks] == [passage]
    assert any(t.startswith("## A\n\n::: hinweis") and t.endswith(":::") for t in cut)
    whole, cold, warm = _both(md, tmp_path, red.passages)
    assert cold == whole and warm == whole


def test_the_redline_command_commits_its_cache_behind_and_fully(tmp_path, monkeypatch) -> None:
    """`lip redline` does not wait for the disk at each store: the commits run in a thread
    of their own (`kvcache.writes_behind`), and every one is done when the command returns,
    so that the next run finds the parts."""
    import threading

    from pipeline.commands.redline import build_redline
    from pipeline.render.kvcache import Cache

    old = "".join(f"## Abschnitt {k}\n\nDer Absatz {k} bleibt, wie er ist.\n\n" for k in range(6))
    new = old.replace("Der Absatz 2 bleibt", "Der Absatz 2 ändert sich")
    (tmp_path / "alt.md").write_text(old, encoding="utf-8")
    (tmp_path / "neu.md").write_text(new, encoding="utf-8")
    committed_by: list[str] = []
    real_store = Cache.store

    def store(self, entries):
        committed_by.append(threading.current_thread().name)
        return real_store(self, entries)
    monkeypatch.setattr(Cache, "store", store)
    build_redline(dateien=(tmp_path / "alt.md", tmp_path / "neu.md"), out_root=tmp_path / "out",
                  formats=["html", "pdf", "docx"])
    assert committed_by and set(committed_by) == {"zwischenspeicher"}
    converted: list[str] = []
    monkeypatch.setattr(redline_html, "_convert",
                        lambda items, *a, **k: converted.extend(items) or {})
    build_redline(dateien=(tmp_path / "alt.md", tmp_path / "neu.md"), out_root=tmp_path / "out")
    assert converted == []  # every part of the page came from the cache


# --- lists numbered „(1)“ or „a)“ -----------------------------------------------------------

LISTS_DOC = """## § 1 Absätze

(1) Erster Absatz.

(2) Zweiter Absatz:

    1) eins
    2) zwei

    a) Buchstabe
    b) noch einer

    (iv) römisch
    (v) fünf

(3) Dritter Absatz mit [neuem]{.ins} Wort.

## § 2 Ohne Klammern

1. eins
2. zwei

A) groß
B) noch einer

> (1) Im Zitat.
"""

LIST_CLASSES = ["two-parens-decimal", "one-paren-decimal", "one-paren-lower-alpha",
                "two-parens-lower-roman", "one-paren-upper-alpha", "two-parens-decimal"]


def _list_classes(html: bytes) -> list[str]:
    import re

    return re.findall(r'<div class="((?:one-paren|two-parens)-[a-z-]+)">\s*<ol', html.decode())


def test_lists_numbered_in_parentheses_keep_them_in_every_part(tmp_path) -> None:
    """pandoc's HTML shows „(1)“ as „1.“ and „a)“ as „a.“: each such list goes into a div
    that names its numbers (the page's style writes them), in the whole render, in parts
    with the filter, in parts without it and warm from the cache; a list numbered „1.“
    stays as it is."""
    whole, cold, warm = _both(LISTS_DOC, tmp_path)
    assert cold == whole and warm == whole
    assert sorted(_list_classes(whole)) == sorted(LIST_CLASSES)
    assert '<ol type="1">\n<li>eins</li>' in whole.decode()  # „1.“: no div
    plain = LISTS_DOC.replace("[neuem]{.ins}", "neuem")  # no mark: parts without the filter
    whole, cold, warm = _both(plain, tmp_path / "ohne")
    assert cold == whole and warm == whole
    assert sorted(_list_classes(whole)) == sorted(LIST_CLASSES)


def test_a_changed_list_numbered_in_parentheses_from_its_blocks(tmp_path) -> None:
    """A changed passage the page converts from the engine's blocks (JSON, no filter) gets
    its divs from Python, as the filter gives them to the whole render."""
    old = "## § 1\n\n(1) Erster Absatz.\n\n(2) Zweiter Absatz.\n\n## § 2\n\nText.\n"
    new = "## § 1\n\n(1) Erster Absatz, geändert.\n\n(2) Zweiter Absatz.\n\n" \
          "a) neu\nb) auch neu\n\n## § 2\n\nText.\n"
    red = compare_markdown(old, new, for_page=True)
    md, passages = "::::: {.rl-kapitel autor=\"lip\"}\n" + red.markdown + ":::::\n", red.passages
    texts, _ = redline_html.split_parts(md)
    _, from_blocks = redline_html.split_passages(texts, passages)
    assert any('"OneParen"' in b for b in from_blocks.values())
    whole, cold, warm = _both(md, tmp_path, passages)
    assert cold == whole and warm == whole
    assert _list_classes(whole) == ["two-parens-decimal", "one-paren-lower-alpha"]


def test_the_python_divs_are_the_filters() -> None:
    """`delimited_lists` (for the parts converted without a filter) gives pandoc's JSON
    exactly as filters/list-delimiters.lua does: every style and delimiter, nested, in a
    quote, a definition, a table cell and a footnote."""
    md = ("(1) a\n\n    i) b\n    ii) c\n\n(2) d\n\n#. e\n\n(A) f\n\nI) g\n\n3. h\n\n"
          "> (i) zitat[^n]\n\nBegriff\n:   a) erklärt\n\n"
          "+-----------+\n| Zelle     |\n+===========+\n| (1) x     |\n+-----------+\n\n"
          "[^n]: Fußnote\n\n    (a) in der Note\n")
    plain = json.loads(run_pandoc(["-f", REDLINE_READER, "-t", "json"], md))
    filtered = json.loads(run_pandoc(["-f", REDLINE_READER, "-t", "json", "--lua-filter",
                                      str(redline_html.LIST_FILTER)], md))
    assert plain != filtered
    assert redline_html.delimited_lists(plain) == filtered
    assert json.dumps(filtered).count('"Div"') == 8  # all but „#.“ and „3.“


@pytest.mark.parametrize("where", [
    "Text.\n\n- (1) in einem Listenpunkt\n- (2) noch einer\n",
    "Begriff\n:   a) in einer Definition\n",
    "+---------+---------+\n| Kopf    | Kopf    |\n+=========+=========+\n| x       | (1) y   |\n"
    "+---------+---------+\n",
    "Text[^n].\n\n[^n]: (a) in einer Fußnote\n",
    "1. (i) in einer nummerierten Liste\n",
    "#) ohne Zahl\n#) noch einer\n"])
def test_a_list_numbered_in_parentheses_anywhere_in_a_part_without_marks(where: str,
                                                                           tmp_path) -> None:
    """A part without marks goes without redline-teile.lua, with list-delimiters.lua where
    its Markdown may hold such a list: wherever the list stands, the page is the whole
    render's, div included."""
    md = "## A\n\nErster Teil.\n\n## B\n\n" + where
    whole, cold, warm = _both(md, tmp_path)
    assert cold == whole and warm == whole
    assert _list_classes(whole)


def test_a_passage_opening_with_a_heading_of_its_own_id_is_the_whole_render(tmp_path) -> None:
    """A Maßnahme inserted or struck whole: its passage opens with a heading that carries
    the plan's id (`{#m-6-1-3 .massnahme}`), which pandoc moves onto a <section> when no
    filter runs. The page is still the whole render: the inserted heading keeps its id, the
    struck one loses it, so a number given anew (6.1.1 struck, 6.1.2 renumbered 6.1.1) is
    an id once, not twice."""
    head = "## 6.1 Ausbildung\n\nEinleitung.\n\n"
    one = "#### Maßnahme 6.1.1: Werbung {#m-6-1-1 .massnahme}\n\nDie Stadt wirbt.\n\n"
    two = "#### Maßnahme 6.1.2: Auswahl {#m-6-1-2 .massnahme}\n\nDie Stadt prüft.\n\n"
    new_one = "#### Maßnahme 6.1.1: Auswahl {#m-6-1-1 .massnahme}\n\nDie Stadt prüft.\n\n"
    three = "#### Maßnahme 6.1.3: Paten {#m-6-1-3 .massnahme}\n\nPatenschaften entstehen.\n\n"
    tail = "## 6.2 Schluss\n\nSiehe [Maßnahme 6.1.1](#m-6-1-1).\n"
    for old, new in ((head + one + two + tail, head + new_one + tail),
                     (head + one + tail, head + one + three + tail)):
        red = compare_markdown(old, new, for_page=True)
        md = "# Übersicht\n\n" + red.markdown
        whole, cold, warm = _both(md, tmp_path, red.passages)
        assert cold == whole and warm == whole, md
        html = whole.decode()
        for ident in ("m-6-1-1", "m-6-1-3"):
            assert html.count(f'id="{ident}"') == (ident in new), (ident, md)
