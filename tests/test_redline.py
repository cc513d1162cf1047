"""Redline core: Black-style cases in tests/data/redline, plus targeted checks.

Regenerate the expected sections with: LIP_UPDATE_GOLDEN=1 pytest tests/test_redline.py
(the test then still fails once, so that a person reviews the diff).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from support.redline_views import split_words, views

from pipeline import redline
from pipeline.render import redline_text

CASES = sorted((Path(__file__).parent / "data" / "redline").glob("*.md"))


def read_case(path: Path) -> tuple[str, str, str]:
    text = path.read_text(encoding="utf-8")
    _, rest = text.split("<!-- old -->\n", 1)
    old, rest = rest.split("<!-- new -->\n", 1)
    new, expected = rest.split("<!-- expected -->\n", 1)
    return old, new, expected


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case(case: Path) -> None:
    """The redline Markdown of each case matches its expected section and both readings."""
    old, new, expected = read_case(case)
    red = redline_text.compare_markdown(old, new)
    accepted, rejected = views(red.markdown)
    assert accepted == redline_text.markdown_words(new)
    assert rejected == redline_text.markdown_words(old)
    assert split_words(red.markdown) == []
    if os.environ.get("LIP_UPDATE_GOLDEN") and red.markdown != expected:
        case.write_text(f"<!-- old -->\n{old}<!-- new -->\n{new}<!-- expected -->\n"
                        f"{red.markdown}", encoding="utf-8")
        pytest.fail(f"{case.name} neu geschrieben; bitte den Unterschied prüfen")
    assert red.markdown == expected


def test_moved_paragraph_is_not_counted_as_added_or_removed() -> None:
    old, new, _ = read_case(Path(__file__).parent / "data" / "redline" / "verschoben.md")
    red = redline_text.compare_markdown(old, new)
    assert red.stats.blocks_moved == 1
    assert red.stats.words_added == red.stats.words_removed == 0
    assert red.stats.words_moved > 0


def test_measures_by_id() -> None:
    old, new, _ = read_case(Path(__file__).parent / "data" / "redline" /
                            "massnahme-verschoben.md")
    red = redline_text.compare_markdown(old, new)
    assert red.stats.measures_moved == ["1.1.1"]
    assert red.stats.measures_changed == ["1.1.2"]
    added = redline_text.compare_markdown(old, old + "\n#### Maßnahme 1.1.3: Neu\n\nText.\n")
    assert added.stats.measures_added == ["1.1.3"]
    removed = redline_text.compare_markdown(old + "\n#### Maßnahme 1.1.3: Neu\n\nText.\n", old)
    assert removed.stats.measures_removed == ["1.1.3"]


def test_a_number_given_anew_names_the_maßnahme_struck_and_the_one_renumbered() -> None:
    """6.1.1 struck and 6.1.2 renumbered 6.1.1: the struck one is 6.1.1, and the one that
    now carries its number was 6.1.2 (by its text), not „6.1.2 gestrichen, 6.1.1 geändert“.
    Two Maßnahmen that swap numbers are both renumbered, none struck."""
    one = "#### Maßnahme 6.1.1: Werbung\n\nDie Stadt wirbt an Schulen.\n\n"
    two = "#### Maßnahme 6.1.2: Auswahl\n\nDie Stadt prüft ihre Verfahren.\n\n"
    head, tail = "## 6.1 Ausbildung\n\n", "## 6.2 Schluss\n\nEnde.\n"
    renumbered = redline_text.compare_markdown(head + one + two + tail,
                                               head + two.replace("6.1.2", "6.1.1") + tail)
    s = renumbered.stats
    assert (s.measures_added, s.measures_removed, s.measures_changed) == (
        [], ["6.1.1"], ["6.1.1 (bisher 6.1.2)"])
    swapped = redline_text.compare_markdown(
        head + one + two + tail,
        head + two.replace("6.1.2", "6.1.1") + one.replace("6.1.1", "6.1.2") + tail)
    s = swapped.stats
    assert (s.measures_added, s.measures_removed) == ([], [])
    assert s.measures_changed == ["6.1.1 (bisher 6.1.2)", "6.1.2 (bisher 6.1.1)"]
    edited = redline_text.compare_markdown(head + one + two + tail,
                                           head + one + two.replace("prüft", "misst") + tail)
    assert edited.stats.measures_changed == ["6.1.2"] and not edited.stats.measures_removed


def test_identical_inputs_give_no_changes() -> None:
    text = read_case(Path(__file__).parent / "data" / "redline" / "tabelle.md")[1]
    red = redline_text.compare_markdown(text, text)
    assert not red.stats.changed
    assert "{.ins}" not in red.markdown and "{.del}" not in red.markdown
    assert redline_text.markdown_words(red.markdown) == redline_text.markdown_words(text)


def test_rewrapped_lines_are_no_change() -> None:
    old = "Ein langer Satz, der über\nzwei Zeilen geht.\n"
    new = "Ein langer Satz,\nder über zwei Zeilen geht.\n"
    red = redline_text.compare_markdown(old, new)
    assert not red.stats.changed


def test_no_timeout_and_no_fallback_on_a_long_paragraph() -> None:
    """A 20,000-word paragraph with scattered edits is diffed word by word, never coarsely."""
    words = [f"wort{i % 997}" for i in range(20_000)]
    edited = list(words)
    for i in range(100, 20_000, 2_000):
        edited[i] = "GEÄNDERT"
    red = redline_text.compare_markdown(" ".join(words), " ".join(edited))
    assert red.stats.words_added == red.stats.words_removed == 10
    assert red.stats.fallbacks == []


def test_gender_star_is_a_letter() -> None:
    red = redline_text.compare_markdown("Bürger*innen und Expert*innen beraten.",
                                   "Bürger*innen und Expert*innen entscheiden.")
    assert "Bürger\\*innen und Expert\\*innen [beraten]{.del}[entscheiden]{.ins}" \
        in red.markdown


def test_compare_text_ops_rebuild_both_sides() -> None:
    ops = redline.compare_text("Die Stadt fördert Kitas.", "Die Landeshauptstadt fördert Kitas!")
    assert all(isinstance(op, redline.Op) for op in ops)
    assert redline.old_side(ops) == "Die Stadt fördert Kitas."
    assert redline.new_side(ops) == "Die Landeshauptstadt fördert Kitas!"


@pytest.mark.parametrize(("old", "new", "marked", "counts"), [
    ("Plätze werden vorrangig angeboten; die Schulen vergeben sie.",
     "Plätze werden vorrangig angeboten und gefördert; die Schulen vergeben sie.",
     "angeboten[&#32;und gefördert]{.ins}; die", (2, 0)),
    ("Wir begegnen ihr – im Amt, im Bad. Eine Verwaltung.",
     "Wir begegnen ihr. Eine Verwaltung.",
     "ihr[&#32;– im Amt, im Bad]{.del}. Eine", (0, 4)),
    ("Siehe den Text.", "Siehe den Text [hier](https://example.org).",
     "Text[&#32;[hier](https://example.org)]{.ins}.", (1, 0)),
    ("Die Stadt fördert **Sprachkurse**.", "Die Stadt fördert **Sprachkurse und Lotsen**.",
     "**Sprachkurse[&#32;und Lotsen]{.ins}**.", (2, 0)),
    ("Siehe [die Maßnahme](#m-1).", "Siehe [die Maßnahme hier](#m-1).",
     "[die Maßnahme[&#32;hier]{.ins}](#m-1).", (1, 0)),
])
def test_a_change_before_punctuation_marks_only_its_own_words(old, new, marked, counts) -> None:
    """The space before an inserted or deleted clause belongs to the change; pandoc drops a
    plain space at a span's edge, so it is written `&#32;`. Before, the word in front of the
    change was struck and inserted again, and counted twice."""
    red = redline_text.compare_markdown(old + "\n", new + "\n")
    assert marked in red.markdown
    assert (red.stats.words_added, red.stats.words_removed) == counts
    accepted, rejected = views(red.markdown)
    assert accepted == redline_text.markdown_words(new)
    assert rejected == redline_text.markdown_words(old)


def test_context_changes_keeps_headings_above_changes() -> None:
    old = "# A\n\nEins.\n\n## B\n\nZwei.\n\n## C\n\nDrei.\n"
    new = "# A\n\nEins.\n\n## B\n\nZwei.\n\n## C\n\nDrei neu.\n"
    red = redline_text.compare_markdown(old, new, context="changes")
    assert "# A" in red.markdown and "## C" in red.markdown
    assert "Zwei." not in red.markdown and "## B" not in red.markdown
    assert "Drei[&#32;neu]{.ins}." in red.markdown  # the space is inserted with the word


def test_context_changes_marks_each_omission_where_the_text_was_left_out() -> None:
    """The text left out before a change stands above the heading of the changed Maßnahme
    (it belongs to the one before): so does its mark; the rest after the change has one
    too."""
    old = ("## 6.1 Ausbildung\n\n### Maßnahmen\n\n#### Maßnahme 6.1.1: Werben\n\nDie Stadt "
           "wirbt.\n\n#### Maßnahme 6.1.2: Prüfen\n\nEine externe Begleitung prüft.\n\n"
           "Federführung\n:   Fachbereich Personal\n")
    new = old.replace("Eine externe", "Eine unabhängige")
    red = redline_text.compare_markdown(old, new, context="changes")
    blocks = red.markdown.strip().split("\n\n")
    assert blocks == ["## 6.1 Ausbildung", "### Maßnahmen", "[…]{.auslassung}",
                      "#### Maßnahme 6.1.2: Prüfen",
                      "Eine [externe]{.del}[unabhängige]{.ins} Begleitung prüft.",
                      "[…]{.auslassung}"]


def test_unrelated_long_texts_fall_back_and_say_so() -> None:
    """No shared block at all in a long text: replaced whole, quickly, with a note."""
    old = "\n\n".join(f"Alter Absatz {i} mit Text." for i in range(1_100))
    new = "\n\n".join(f"Neuer Abschnitt {i} anders." for i in range(1_100))
    red = redline_text.compare_markdown(old, new)
    assert any("ohne gemeinsamen Anker" in f for f in red.stats.fallbacks)
    accepted, rejected = views(red.markdown)
    assert accepted == redline_text.markdown_words(new)
    assert rejected == redline_text.markdown_words(old)


def test_repeated_text_still_aligns_block_by_block() -> None:
    """A document that repeats itself (the same law three times) has no unique block to anchor
    on; the aligner must pair the repeats in order instead of replacing everything."""
    law = "\n\n".join(f"§ {i} Absatz {i} regelt die Zuständigkeit der Stelle Nummer {i}."
                      for i in range(1, 800))
    old = "\n\n".join([law, law, law])
    new = old.replace("Stelle Nummer 400.", "Stelle Nummer 400 und ihrer Vertretung.", 1)
    red = redline_text.compare_markdown(old, new)
    assert red.stats.fallbacks == []
    assert (red.stats.words_added, red.stats.words_removed) == (3, 0)  # "400[ und ihrer Vertretung]"


def test_batches_give_the_redline_of_one_batch(monkeypatch) -> None:
    """Changed passages compared a few at a time (the next batch parsed meanwhile) give the
    same redline as all at once: marks, moved passages, counts; notes keep labels of their
    own, so that accepting gives NEU and rejecting ALT word for word."""
    sections = [f"## § {n} Abschnitt {n}\n\nDer Absatz {n} bleibt, wie er ist, Wort für Wort.\n"
                for n in range(1, 13)]
    moved = "Dieser lange Absatz wandert unverändert von vorn nach hinten durch das Gesetz.\n"
    old = "\n".join([moved, *sections])
    new_sections = list(sections)
    for n in (1, 4, 7, 10):
        new_sections[n] = new_sections[n].replace("bleibt, wie er ist", "ändert sich ein wenig")
    new_sections[5] += "\nEin neuer Satz mit Fußnote[^neu].\n\n[^neu]: Die neue Fußnote.\n"
    new = "\n".join([*new_sections, moved])
    whole = redline_text.compare_markdown(old, new)
    monkeypatch.setattr(redline.engine, "BATCH_CHARS", 150)
    parses: list[int] = []
    real_parse = redline_text.parse_chunks
    monkeypatch.setattr(redline_text, "parse_chunks", lambda sides, slots=None: parses.append(
        len(sides[1][0])) or real_parse(sides, slots))
    batched = redline_text.compare_markdown(old, new)
    assert len(parses) > 2  # really in batches
    assert batched.stats == whole.stats
    assert batched.stats.words_moved > 0 and batched.stats.words_added > 0
    accepted, rejected = views(batched.markdown)
    assert accepted == redline_text.markdown_words(new)
    assert rejected == redline_text.markdown_words(old)
    labels = re.compile(r"\[\^[^\]]+\]")
    assert labels.sub("", batched.markdown) == labels.sub("", whole.markdown)


def test_block_keys_tell_contents_apart_and_encode_each_block_once(monkeypatch) -> None:
    """Keys of blocks, list items, lists, quotes and divs are equal exactly when their
    contents are (re-wrapped lines alike), and a list's items and their blocks are encoded
    once, not again at each level the differ asks at."""
    import json

    from pipeline.redline import engine

    blocks = redline_text.parse_markdown(
        "- eins zwei\n- drei\n\n  > vier\n\n- eins\n  zwei\n\n"
        "1. eins zwei\n2. drei\n\n> - eins zwei\n\n::: {.x}\neins zwei\n:::\n\n"
        "::: {.y}\neins zwei\n:::\n\neins zwei\n\n- eins zwei\n- drei\n")
    items = [item for b in blocks if b["t"] == "BulletList" for item in b["c"]]
    nodes = blocks + items + [block for item in items for block in item]

    def content(node) -> str:
        return json.dumps(node).replace(json.dumps({"t": "SoftBreak"}),
                                        json.dumps({"t": "Space"}))

    encoded: list = []
    real = engine._encode
    monkeypatch.setattr(engine, "_encode", lambda node: encoded.append(node) or real(node))
    keys = engine._Keys()
    first = [keys(n) for n in nodes]
    leaves = [n for n in encoded if isinstance(n, dict) and "t" in n]
    fresh = [engine._Keys()(n) for n in nodes]
    assert first == fresh
    for a, ka in zip(nodes, first, strict=True):
        for b, kb in zip(nodes, first, strict=True):
            if type(a) is type(b):
                assert (ka == kb) == (content(a) == content(b)), (a, b)
    assert len(leaves) == len({id(n) for n in leaves}), "a block encoded twice"


def test_words_run_together_give_the_engine_the_same_markdown() -> None:
    """The engine writes its Markdown from JSON with each line's words run together: pandoc
    writes the same text, escapes included (a list marker that opens a paragraph, a list
    item or a table cell; after a line break pandoc escapes none), and reads it back the
    same."""
    import json

    md = ("2\\. der Richtlinie 97/7/EG und *so* weiter.\n\nErste Zeile\\\n3\\. nach dem Umbruch\n\n"
          "- 4\\. im [5\\. markiert]{.ins} Punkt\n- zwei [Wörter]{.del} hier\n\n"
          "| A | B |\n|---|---|\n| 1\\. Zelle | x |\n")
    blocks = redline_text.parse_markdown(md)
    plain, compact = (json.dumps(b, ensure_ascii=False)
                      for b in (blocks, redline_text.compact_words(blocks)))
    assert compact.count('"Space"') < plain.count('"Space"') / 2
    written, from_compact = redline_text.render_markdown([plain, compact])
    assert from_compact == written
    assert "2\\. der" in written and "4\\. im" in written and "1\\. Zelle" in written
    assert redline_text.parse_markdown(from_compact) == blocks


def test_a_word_counts_when_it_has_a_letter_or_digit() -> None:
    """Words are what split() keeps; those with a letter or digit in them count (a dash, an
    ellipsis or underscores alone do not), across scripts and number forms."""
    from pipeline.redline import engine

    text = "Satz – mit … a_b __ ½ Ⅻ ⁴ 1.2 «» x\u00a0y\u2003z § 3a ___"
    node = [{"t": "Para", "c": [{"t": "Str", "c": text}]}]
    expected = [w for w in text.split() if any(c.isalnum() for c in w)]
    assert engine._word_count(node) == len(expected) == 11


def test_lists_that_open_on_one_line_down_to_an_empty_item_stay_lists() -> None:
    """pandoc's writer puts lists that open one inside the other down to an empty item on one
    line, `- - -`, and its reader takes that for a horizontal rule: the BtMG's substance
    tables (an empty cell is `*    *   -`) got 81 rules in their redline that neither version
    has. The engine's Markdown keeps them lists: at any depth, after other items, inside a
    numbered item and in a changed passage as well as in an inserted one."""
    tables = ("*    *   -\n\n    *   Acetyldihydrocodein\n\n"
              "*    *   Acetylmethadol\n\n    *   -\n\n"
              "- Eintrag\n- *   *   *   -\n\n"
              "1.  *   *   *   -\n")
    new = f"Vorbemerkung zur Anlage.\n\n{tables}\nSchlussbemerkung.\n"
    for old in ("Vorbemerkung zur Anlage.\n\nSchlussbemerkung.\n",
                new.replace("Acetylmethadol", "Acetylmethadon").replace("Eintrag", "Posten")):
        red = redline_text.compare_markdown(old, new)
        blocks = redline_text.parse_markdown(red.markdown)
        assert '"HorizontalRule"' not in json.dumps(blocks), red.markdown
        assert redline_text.APART not in red.markdown
        separator = {"t": "RawBlock", "c": ["html", "<!-- -->"]}  # the writer's, between lists
        assert [b for b in redline.resolve_blocks(blocks, accept=True) if b != separator] \
            == redline_text.parse_markdown(new), red.markdown


def _column_widths(blocks: list) -> list[list[int]]:
    """Each table's column widths, in whole per cent as the page shows them."""
    widths = []
    for block in blocks:
        if block["t"] == "Table":
            widths.append([round(100 * spec[1]["c"]) if spec[1]["t"] == "ColWidth" else 0
                           for spec in block["c"][2]])
    return widths


def test_a_changed_table_keeps_its_column_widths() -> None:
    """A pipe table with long rows has column widths (from its dashes). pandoc writes such a
    table as a grid table whose columns are as wide as their longest line: read back, the
    plan's table of Controlling-Status was 28/71 % wide instead of 50/50. The engine writes
    it as a pipe table. A table only a grid table can hold (a list in a cell) stays a grid
    table, not HTML (its widths follow the marked text, which is longer)."""
    row = "| in Bearbeitung | Die Umsetzung läuft; der Bericht nennt den erreichten Stand der Kennzahl. |"
    new = ("Vorher.\n\n| Status | Bedeutung |\n|---|---|\n| erfüllt | Das Ziel ist erreicht. |\n"
           f"{row}\n\n: Status der Maßnahmen\n\nDanach.\n\n"
           "+-----------+----------------------+\n| Status    | Bedeutung            |\n"
           "+===========+======================+\n| offen     | - erstens            |\n"
           "|           | - zweitens           |\n+-----------+----------------------+\n")
    old = new.replace("erreicht", "noch nicht erreicht").replace("zweitens", "drittens")
    red = redline_text.compare_markdown(old, new)
    accepted = [b for b in redline.resolve_blocks(redline_text.parse_markdown(red.markdown),
                                                   accept=True) if b["t"] == "Table"]
    wanted = [b for b in redline_text.parse_markdown(new) if b["t"] == "Table"]
    assert _column_widths(wanted) == [[50, 50], [17, 32]]
    assert _column_widths(accepted)[0] == [50, 50]
    assert redline.ast_words(accepted) == redline.ast_words(wanted)
    assert "+===" in red.markdown and "<table" not in red.markdown
    cell = accepted[1]["c"][4][0][3][0][1][1][4]
    assert [b["t"] for b in cell] == ["BulletList"]


def test_chunks_begin_after_blank_lines_at_the_top_level_only() -> None:
    """A chunk begins at a line with text after a blank line, outside fences and divs and
    not indented; blank is what `str.strip` sees (a no-break space too), and a chunk keeps
    its inner blank lines as they were."""
    text = ("\r\n \u00a0\n# Titel {#t}\n\nAbsatz eins\nzweite Zeile  \n \t\n"
            "```\ncode\n\nnoch code\n```\n\n::: box\nim Kasten\n\ndarin\n:::\n\n"
            "Begriff\n\n: Erklärung\n\n    eingerückt\n\n[^1]: Fußnote\n\n"
            "####### sieben\n\n## Maßnahme 2.1: Kurs\n\t\n")
    chunks, defs = redline.split_chunks(text)
    assert [c.text for c in chunks] == [
        "# Titel {#t}", "Absatz eins\nzweite Zeile  ",
        "```\ncode\n\nnoch code\n```", "::: box\nim Kasten\n\ndarin\n:::",
        "Begriff\n\n: Erklärung\n\n    eingerückt", "####### sieben",
        "## Maßnahme 2.1: Kurs"]
    assert defs == ["[^1]: Fußnote"]
    assert [c.heading for c in chunks] == [1, 0, 0, 0, 0, 0, 2]
    assert chunks[-1].measure == "2.1"
    assert redline.split_chunks(" \n\u00a0\n") == ([], [])


def test_a_changed_footnote_is_shown_counted_and_named_by_the_maßnahme_citing_it() -> None:
    """A footnote's definition stands apart from the paragraph citing it: a changed footnote
    left that paragraph as it was, so the redline showed 'unverändert' (or, in a chapter,
    the new footnote without a mark) and named the Maßnahme the definition stood beneath."""
    old, new, _ = read_case(Path(__file__).parent / "data" / "redline" / "fussnote-geaendert.md")
    red = redline_text.compare_markdown(old, new)
    assert (red.stats.words_added, red.stats.words_removed) == (1, 1)
    assert red.stats.measures_changed == ["1.1.1"]
    same = redline_text.compare_markdown(old, old.replace("[^q]: ", "[^q]:  "))
    assert not same.stats.changed
