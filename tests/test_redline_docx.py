"""The redline's Word file converted in cached parts is the whole-document conversion, up to
the numbers pandoc gives bookmarks, footnotes, relationships and lists: heading bookmarks
named across parts, sections ended where pandoc ends them, footnotes, lists and links
carried with their part; warm from the cache as cold; and the whole where parts cannot do."""

from __future__ import annotations

import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
from support import corpus_pairs, needs_corpus

from pipeline.render import redline, redline_docx

DOC = """# Übersicht der Änderungen {.unnumbered .unlisted #uebersicht}

Verglichen: [zum Ziel](#das-ziel) und [extern](https://example.org/a).

::::: {.rl-kapitel autor="lip"}
# Gesetz über sehr lange Überschriften, die mehr als vierzig Zeichen haben

## Allgemeines

Absatz [eins]{.ins} und [zwei]{.del}, Fußnote[^a].

::: {#verschoben-1-alt .moved .del nach="verschoben-1" stelle="Das Ziel"}
Ein Absatz, der weiterwandert & „zitiert“.
:::

::: del
## Gestrichen

Alt.
:::

### Unterabschnitt

1. erstens
2. zweitens

-

## Allgemeines

- a
- b

  weiter

4) vier
5) fünf

#### § 1 Beginn [neu]{.ins}

Noch eine Fußnote[^b] und [^a]; [wieder extern](https://example.org/a).

## Das Ziel

| A | B |
|---|---|
| 1. Fassung | [neu]{.ins} |

::: {#verschoben-1 .moved .ins von="verschoben-1-alt" stelle="Allgemeines"}
Ein Absatz, der weiterwandert & „zitiert“.
:::

1. Liste mit Überschrift

   ## In der Liste

# Zweites Buch

Text [^b].

[^a]: Erste Fußnote.

[^b]: Zweite
    mit Fortsetzung.
:::::
"""

KW = {"title": "Änderungen: A → B", "author": "lip", "date": "2012-01-01T00:00:00Z",
      "epoch": 0, "provenance": {"lip-commit": "abc"}}
_COUNTED = re.compile(r'(\bw:id="|\br:id="rId|\bId="rId)(\d+)"')
_NUMBERED = re.compile(r'(<w:numId w:val="|<w:num w:numId=")(\d+)"')
_IN_ORDER = ("word/document.xml", "word/footnotes.xml", "word/comments.xml",
             "word/_rels/document.xml.rels", "word/_rels/footnotes.xml.rels",
             "word/numbering.xml")


def _normalized(path: Path) -> dict[str, bytes | str]:
    """Every file of the Word file, its counted ids and list numbers numbered in order of
    appearance, the lists no paragraph uses left out (pandoc writes one for an empty list)
    and the abstract lists in order of their ids (their order means nothing to Word)."""
    with zipfile.ZipFile(path) as z:
        files: dict[str, bytes | str] = {n: z.read(n) for n in z.namelist()}
    text = {n: files[n].decode() for n in _IN_ORDER}  # type: ignore[union-attr]
    used = set(re.findall(r'<w:numId w:val="(\d+)"',
                          text["word/document.xml"] + text["word/footnotes.xml"]))
    numbering = re.sub(r'<w:num w:numId="(\d+)">.*?</w:num>',
                       lambda m: m.group(0) if m.group(1) in used else "",
                       text["word/numbering.xml"], flags=re.S)
    wanted = set(re.findall(r'<w:abstractNumId w:val="(\d+)"', numbering))
    abstracts = sorted((int(i), a) for a, i in re.findall(
        r'(<w:abstractNum w:abstractNumId="(\d+)"[ >].*?</w:abstractNum>)', numbering, re.S)
        if i in wanted)
    numbering = re.sub(r'<w:abstractNum w:abstractNumId="\d+"[ >].*?</w:abstractNum>', "",
                       numbering, flags=re.S)
    numbering = numbering.replace("<w:num ", "".join(a for _, a in abstracts) + "<w:num ", 1)
    text["word/numbering.xml"] = numbering
    ids: dict[str, str] = {}
    nums: dict[str, str] = {}

    def new_id(m: re.Match) -> str:
        if m.group(2) == "0":  # the footnotes' separator
            return m.group(0)
        return f'{m.group(1)}{ids.setdefault(m.group(2), str(len(ids)))}"'

    def new_num(m: re.Match) -> str:
        return f'{m.group(1)}{nums.setdefault(m.group(2), str(len(nums)))}"'

    for name in _IN_ORDER:
        files[name] = _NUMBERED.sub(new_num, _COUNTED.sub(new_id, text[name]))
    return files


def _whole(md: str, tmp_path: Path, **kw) -> dict:
    """The whole-document conversion (one pandoc process), its changes numbered: the
    reference."""
    args = {**KW, **kw}
    whole = redline.render_docx_whole(md, tmp_path / "ganz.docx", **args)
    redline._unique_change_ids(whole, args["title"], "v")
    return _normalized(whole)


def _whole_of_corpus_pair(md: str) -> dict:
    """`_whole` in a folder of its own (made beside the test: support/beside.py)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return _whole(md, Path(folder))


def _both(md: str, tmp_path: Path, **kw) -> tuple[dict, dict, dict]:
    return (_whole(md, tmp_path, **kw), *_in_parts(md, tmp_path, **kw))


def _in_parts(md: str, tmp_path: Path, **kw) -> tuple[dict, dict]:
    """The Word file converted in parts, cold and warm from the cache."""
    args = {**KW, **kw}
    out = []
    for name in ("kalt", "warm"):
        data = redline_docx.docx_bytes(md, cache_dir=tmp_path / "cache", **args)
        assert data is not None, "converted whole"
        (tmp_path / f"{name}.docx").write_bytes(data)
        redline._unique_change_ids(tmp_path / f"{name}.docx", args["title"], "v")
        out.append(_normalized(tmp_path / f"{name}.docx"))
    return out[0], out[1]


def test_the_parts_give_the_whole_documents_word_file(tmp_path) -> None:
    assert redline_docx.split_parts(DOC) is not None
    whole, cold, warm = _both(DOC, tmp_path)
    assert cold == whole
    assert warm == whole
    doc = whole["word/document.xml"]
    assert 'w:name="allgemeines-1"' in doc and 'w:anchor="das-ziel"' in doc
    assert 'w:name="X' in doc  # the long heading's bookmark: pandoc's hashed name
    assert doc.count("<w:bookmarkEnd ") == doc.count("<w:bookmarkStart ")
    assert doc.count("<w:footnoteReference ") == 4
    assert "<w:ins " in doc and "<w:del " in doc
    # a moved passage's comment names its other place, from the part that holds it
    comments = re.findall(r'<w:comment w:id="(\d+)".*?<w:t[^>]*>([^<]*)</w:t>',
                          whole["word/comments.xml"], re.S)
    assert [text for _, text in comments] == ["Verschoben nach Das Ziel",
                                             "Verschoben von Allgemeines"]
    assert [i for i, _ in comments] == re.findall(r'<w:commentRangeStart w:id="(\d+)"', doc)


@pytest.mark.parametrize("ways", [1, 8])
def test_parts_without_changes_go_without_the_filter_and_give_the_same(ways, tmp_path,
                                                                        monkeypatch) -> None:
    """Runs of unchanged parts get only their headings' placeholders (a small filter); with
    more runs than cores, unchanged and changed parts go in runs of their own."""
    monkeypatch.setattr(redline_docx, "part_runs", lambda items: [[i] for i in items])
    monkeypatch.setattr(redline_docx, "cores", lambda: ways)
    filters: list[str] = []
    real = redline_docx.run_pandoc_pool

    def spying(jobs, *args, **kwargs):
        filters.extend(Path(a[a.index("--lua-filter") + 1]).name for a, *_ in jobs)
        return real(jobs, *args, **kwargs)

    monkeypatch.setattr(redline_docx, "run_pandoc_pool", spying)
    whole, cold, _ = _both(DOC, tmp_path)
    assert cold == whole
    assert {"redline-docx-schlicht.lua", "redline-docx-teile.lua"} <= set(filters)
    if ways == 1:  # the unchanged parts' runs first
        plain = filters.count("redline-docx-schlicht.lua")
        assert set(filters[:plain]) == {"redline-docx-schlicht.lua"}


def test_a_run_of_changed_and_unchanged_parts_skips_the_words_of_the_plain_ones(
        tmp_path, monkeypatch) -> None:
    """In a run with the filter, the parts without brackets, `<` or fenced divs are named to
    it (`redline-schlicht`), whose top-down passes then skip their words: the same file."""
    monkeypatch.setattr(redline_docx, "part_runs", lambda items: [list(items)])
    flags: list[str] = []
    real = redline_docx.run_pandoc_pool

    def spying(jobs, *args, **kwargs):
        flags.extend(a[a.index("-M", a.index("--lua-filter")) + 3] for a, *_ in jobs
                     if "redline-docx-teile.lua" in a[a.index("--lua-filter") + 1]
                     and not a[-1].endswith("rahmen.docx"))  # the frame (no parts)
        return real(jobs, *args, **kwargs)

    monkeypatch.setattr(redline_docx, "run_pandoc_pool", spying)
    whole, cold, _ = _both(DOC, tmp_path)
    assert cold == whole
    assert len(flags) == 1 and flags[0].startswith("redline-schlicht=")
    assert {"s", "-"} <= set(flags[0].removeprefix("redline-schlicht="))


def test_a_changed_part_is_converted_again_and_the_rest_comes_from_the_cache(tmp_path,
                                                                             monkeypatch) -> None:
    redline_docx.docx_bytes(DOC, cache_dir=tmp_path, **KW)
    converted: list[list[str]] = []
    real = redline_docx._convert

    def counting(items, *args, **kwargs):
        converted.append([text for _, text in items])
        return real(items, *args, **kwargs)

    monkeypatch.setattr(redline_docx, "_convert", counting)
    changed = DOC.replace("Text [^b].", "Anderer Text [^b].")
    data = redline_docx.docx_bytes(changed, cache_dir=tmp_path, **KW)
    assert len(converted) == 1 and len(converted[0]) == 1
    assert converted[0][0].startswith("# Zweites Buch")
    (tmp_path / "teile.docx").write_bytes(data)
    whole = redline.render_docx_whole(changed, tmp_path / "ganz.docx", **KW)
    for docx in (tmp_path / "teile.docx", whole):
        redline._unique_change_ids(docx, KW["title"], "v")  # pandoc's change ids repeat
    assert _normalized(tmp_path / "teile.docx") == _normalized(whole)


def test_the_parts_word_file_is_finished_as_it_is_put_together(tmp_path) -> None:
    """Tracking whole paragraphs, numbering the changes and filling the header while the
    archive is written gives the bytes of finishing the written file afterwards (which read
    and compressed the whole archive a second time)."""
    data = redline_docx.docx_bytes(DOC, cache_dir=tmp_path, **KW)
    assert data is not None
    (tmp_path / "danach.docx").write_bytes(data)
    redline._unique_change_ids(tmp_path / "danach.docx", KW["title"], "v")
    finished = redline_docx.docx_bytes(DOC, cache_dir=tmp_path, **KW,
                                       finish=redline.change_finisher(KW["title"], "v"))
    assert finished == (tmp_path / "danach.docx").read_bytes()
    (tmp_path / "dabei.docx").write_bytes(finished)
    with zipfile.ZipFile(tmp_path / "dabei.docx") as z:
        assert b'w:id="10000"' in z.read("word/document.xml")  # numbered by lip


def test_damaged_cache_entries_are_made_again(tmp_path) -> None:
    first = redline_docx.docx_bytes(DOC, cache_dir=tmp_path, **KW)
    with sqlite3.connect(tmp_path / "redline-docx.sqlite") as db:
        db.execute("UPDATE eintraege SET daten = '{\"body\": 1}' "
                   "WHERE schluessel NOT LIKE 'rahmen:%'")
        db.execute("UPDATE eintraege SET daten = 'kein zip' WHERE schluessel LIKE 'rahmen:%'")
    assert redline_docx.docx_bytes(DOC, cache_dir=tmp_path, **KW) == first


def test_the_frame_is_made_after_the_parts_on_the_first_pandoc_free(tmp_path, monkeypatch
                                                                     ) -> None:
    """Made beside the parts, the frame took a worker first and the larger part waited."""
    pools = []

    def recording_pool(jobs, *args, **kwargs):
        pools.append([job[0] for job in jobs])
        return run_pandoc_pool(jobs, *args, **kwargs)

    run_pandoc_pool = redline_docx.run_pandoc_pool
    monkeypatch.setattr(redline_docx, "run_pandoc_pool", recording_pool)
    data = redline_docx.docx_bytes(DOC, cache_dir=tmp_path, **KW)
    assert data is not None
    [jobs] = pools
    titled = [n for n, args in enumerate(jobs) if f"title={KW['title']}" in args]
    assert titled == [len(jobs) - 1] and len(jobs) > 1


def test_cached_parts_with_a_frame_to_make_give_the_same_file(tmp_path) -> None:
    first = redline_docx.docx_bytes(DOC, cache_dir=tmp_path, **KW)
    with sqlite3.connect(tmp_path / "redline-docx.sqlite") as db:
        assert db.execute("DELETE FROM eintraege WHERE schluessel LIKE 'rahmen:%'").rowcount == 1
    assert redline_docx.docx_bytes(DOC, cache_dir=tmp_path, **KW) == first


@pytest.mark.parametrize("why,md", [
    ("a link whose target is in no part: the filter makes it text",
     DOC.replace("[zum Ziel](#das-ziel)", "[ins Leere](#nirgends)")),
    ("a chapter's own author: the parts do not know their chapter",
     DOC.replace('autor="lip"', 'autor="Expert*innengruppe Bildung"')),
    ("example lists are numbered through the document", DOC + "\n(@) eins\n"),
])
def test_what_parts_cannot_do_is_converted_whole(why, md, tmp_path) -> None:
    assert redline_docx.docx_bytes(md, cache_dir=tmp_path, **KW) is None, why
    out = redline.render_docx(md, tmp_path / "r.docx", cache_dir=tmp_path, version="v", **KW)
    whole = redline.render_docx_whole(md, tmp_path / "ganz.docx", **KW)
    redline._unique_change_ids(whole, KW["title"], "v")
    assert out.read_bytes() == whole.read_bytes()


def test_the_word_file_of_a_redline_is_tracked_from_parts(tmp_path) -> None:
    """`render_docx` puts the parts together and then tracks whole paragraphs and numbers
    the changes, as for the whole document."""
    out = redline.render_docx(DOC, tmp_path / "r.docx", cache_dir=tmp_path, version="v", **KW)
    whole = redline.render_docx_whole(DOC, tmp_path / "ganz.docx", **KW)
    redline._unique_change_ids(whole, KW["title"], "v")
    assert _normalized(out) == _normalized(whole)
    doc = _normalized(out)["word/document.xml"]
    change_ids = re.findall(r'<w:(?:ins|del) w:id="(\d+)"', doc)
    assert len(change_ids) == len(set(change_ids)) > 4


@needs_corpus
@pytest.mark.slow
@pytest.mark.parametrize("name,old,new", corpus_pairs() or [("–", "", "")])
def test_every_corpus_pair_gives_the_whole_word_file_from_parts(name, old, new,
                                                                  tmp_path, beside) -> None:
    md, _, whole = beside.corpus(name, _whole_of_corpus_pair, summary="# Übersicht\n\n")
    cold, warm = _in_parts(md, tmp_path)
    assert cold == whole.result(), name
    assert warm == whole.result(), name


def test_ids_are_renumbered_where_they_begin_a_word_only() -> None:
    """pandoc's counted ids (`w:id`, `r:id="rId…"`, `Id="rId…"`) continue through the parts;
    an attribute that merely ends in such a name (`w:styleId`, `xw:id`) keeps its value, at
    the start of a text too."""
    frame = redline_docx._Frame("", "", {"word/numbering.xml": "",
                                         "word/a.xml": '<x w:id="20" xw:id="90" />'})
    counter = redline_docx._Counter(frame)
    assert counter.next_id == 21  # 90 is no id of pandoc's counter
    text = ('w:id="3" <w:bookmarkStart w:id="3" w:name="x" /><w:s xw:id="3" w:styleId="rId4" '
            '/><w:hyperlink r:id="rId7"><Relationship Id="rId7" Target="t" />')
    (out,) = counter.renumber([text], set())
    assert out == ('w:id="21" <w:bookmarkStart w:id="21" w:name="x" /><w:s xw:id="3" '
                   'w:styleId="rId4" /><w:hyperlink r:id="rId22"><Relationship Id="rId22" '
                   'Target="t" />')


def test_a_paragraph_without_a_change_is_left_as_it_is() -> None:
    plain = b'<w:p><w:pPr><w:pStyle w:val="Text" /></w:pPr><w:r><w:t>Text</w:t></w:r></w:p>'
    assert redline._track_paragraph_mark(plain) is plain
    inserted = (b'<w:p><w:ins w:id="5" w:author="lip" w:date="2026-01-01T00:00:00Z"><w:r>'
                b'<w:t>Neu</w:t></w:r></w:ins></w:p>')
    assert b'<w:pPr><w:rPr><w:ins w:id="0" w:author="lip"' in \
        redline._track_paragraph_mark(inserted)
