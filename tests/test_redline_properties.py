"""Guarantees of the redline, proven on generated documents (Hypothesis).

Accepting every change gives NEU and rejecting every change gives ALT, word for word; identical
inputs give no change; no change starts or ends inside a word; the result is deterministic.
In CI (env CI set) the examples are derandomised so failures reproduce.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.redline_views import split_words, views

from pipeline import redline
from pipeline.render import redline_text

EXAMPLES = int(os.environ.get("REDLINE_EXAMPLES", "60"))
settings.register_profile("redline", max_examples=EXAMPLES, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("redline-ci", parent=settings.get_profile("redline"),
                          derandomize=True)
PROFILE = "redline-ci" if os.environ.get("CI") else "redline"

VOCAB = ["Stadt", "Hannover", "Bürger*innen", "Teilhabe", "Maßnahme", "Straße", "über",
         "Öffentlichkeit", "2020", "1.2.3", "z.B.", "Kita-Träger", "„Wir“", "(Ausnahme)", "–",
         "ÄÖÜ", "Expert*innengruppe", "50 %", "§ 3", "Integrationsbeiräte", "und", "die"]
word = st.one_of(st.sampled_from(VOCAB),
                 st.text(alphabet="abcdeäöüßÄÖÜxyz", min_size=1, max_size=9))
tail = st.sampled_from(["", "", "", ",", ".", ";", ":", "!", "?"])
space = st.sampled_from([" ", " ", " ", "  ", "\n"])


@st.composite
def sentence(draw, min_size: int = 1, max_size: int = 10) -> list[str]:
    words = draw(st.lists(st.tuples(word, tail), min_size=min_size, max_size=max_size))
    out = []
    for w, t in words:
        style = draw(st.sampled_from(["", "", "", "", "*", "**"]))
        out.append(f"{style}{w}{style}{t}" if style and w[0].isalnum() and w[-1].isalnum()
                   else f"{w}{t}")
    return out


def join(words: list[str], draw) -> str:
    text = ""
    for i, w in enumerate(words):
        text += (draw(space) if i else "") + w
    return text.strip() or "leer"


@st.composite
def block(draw) -> tuple[str, object]:
    kind = draw(st.sampled_from(["para", "para", "para", "heading", "list", "table"]))
    if kind == "heading":
        return ("heading", (draw(st.integers(2, 4)), draw(sentence(1, 5))))
    if kind == "list":
        return ("list", draw(st.lists(sentence(1, 6), min_size=1, max_size=4)))
    if kind == "table":
        rows = draw(st.lists(st.tuples(sentence(1, 3), sentence(1, 3)), min_size=1, max_size=3))
        return ("table", rows)
    return ("para", draw(sentence()))


def render(blocks: list, draw) -> str:
    out = []
    for kind, data in blocks:
        if kind == "heading":
            level, words = data
            out.append("#" * level + " " + " ".join(words).replace("\n", " "))
        elif kind == "list":
            out.append("\n".join("- " + " ".join(item) for item in data))
        elif kind == "table":
            rows = [f"| {' '.join(a)} | {' '.join(b)} |" for a, b in data]
            out.append("\n".join(["| Spalte A | Spalte B |", "|---|---|", *rows]))
        else:
            out.append(join(data, draw))
    return "\n\n".join(out) + "\n"


@st.composite
def edited(draw, words: list[str]) -> list[str]:
    words = list(words)
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["replace", "insert", "delete"]))
        if op == "insert" or not words:
            words.insert(draw(st.integers(0, len(words))), draw(word))
        elif op == "replace":
            words[draw(st.integers(0, len(words) - 1))] = draw(word) + draw(tail)
        elif len(words) > 1:
            del words[draw(st.integers(0, len(words) - 1))]
    return words


@st.composite
def versions(draw) -> tuple[str, str]:
    """Two versions of a document: NEU is ALT with edits, insertions, deletions and moves."""
    old = draw(st.lists(block(), min_size=1, max_size=6))
    new = []
    for kind, data in old:
        action = draw(st.sampled_from(["keep", "keep", "edit", "edit", "delete", "insert"]))
        if action == "delete":
            continue
        if action == "insert":
            new.append(draw(block()))
        if action == "edit":
            if kind == "para":
                data = draw(edited(data))
            elif kind == "heading":
                data = (data[0], draw(edited(data[1])) or ["x"])
            elif kind == "list":
                data = [draw(edited(item)) or ["x"] for item in data]
                if draw(st.booleans()):
                    data.insert(draw(st.integers(0, len(data))), draw(sentence(1, 4)))
            elif kind == "table":
                data = [(draw(edited(a)) or ["x"], b) for a, b in data]
        new.append((kind, data))
    if len(new) > 2 and draw(st.booleans()):
        new.append(new.pop(draw(st.integers(0, len(new) - 2))))  # a move
    return render(old, draw), render(new, draw)


@settings(settings.get_profile(PROFILE))
@given(versions())
def test_accept_gives_new_and_reject_gives_old(pair: tuple[str, str]) -> None:
    old, new = pair
    red = redline_text.compare_markdown(old, new)
    accepted, rejected = views(red.markdown)
    assert accepted == redline_text.markdown_words(new)
    assert rejected == redline_text.markdown_words(old)
    assert split_words(red.markdown) == []


@settings(settings.get_profile(PROFILE), max_examples=10)
@given(versions())
def test_identical_inputs_have_no_changes(pair: tuple[str, str]) -> None:
    old, _ = pair
    red = redline_text.compare_markdown(old, old)
    assert not red.stats.changed
    assert ".ins}" not in red.markdown and ".del}" not in red.markdown


@settings(settings.get_profile(PROFILE), max_examples=8)
@given(versions())
def test_deterministic(pair: tuple[str, str]) -> None:
    old, new = pair
    assert redline_text.compare_markdown(old, new).markdown == \
        redline_text.compare_markdown(old, new).markdown


@settings(settings.get_profile(PROFILE), max_examples=12)
@given(versions())
def test_the_page_and_the_pdf_converted_in_parts_are_the_whole_documents(
        pair: tuple[str, str]) -> None:
    """The redline's page and the typst of its PDF, put together from parts converted one by
    one (one pandoc per core), are byte for byte one conversion of the whole, the page also
    with its changed passages converted from their blocks; headings of levels 2–4 in any
    order test the PDF's consecutive levels across parts."""
    from pipeline.render import redline_html, redline_typst

    old, new = pair
    red = redline_text.compare_markdown(old, new, for_page=True)
    md = "# Übersicht\n\n" + red.markdown
    meta = {"version": "v"}
    assert redline_typst.typst_source(md, title="T", meta=meta) == \
        redline_typst.typst_whole(md, title="T", meta=meta)
    whole = redline_html.render_html_whole(md, title="T", meta=meta)
    assert redline_html.render_html_bytes(md, title="T", meta=meta) == whole
    # and with the changed passages converted from their blocks
    assert redline_html.render_html_bytes(md, title="T", meta=meta,
                                          passages=red.passages) == whole


@settings(settings.get_profile(PROFILE), max_examples=60)
@given(st.text(alphabet="ab äöü.,\n-–*", max_size=40), st.text(alphabet="ab äöü.,\n-–*",
                                                                 max_size=40))
def test_word_ops_rebuild_both_sides(old: str, new: str) -> None:
    """The word diff itself (no pandoc): its ops rebuild both texts and never split a word."""
    ops = redline.compare_text(old, new)
    assert redline.old_side(ops) == old
    assert redline.new_side(ops) == new
    pos = 0
    for a, b in zip(ops, ops[1:], strict=False):
        pos += len(a.text)
        if a.kind != "equal" and b.kind != "equal":
            continue
        if a.tokens and b.tokens:
            assert not (a.tokens[-1][-1].isalnum() and b.tokens[0][0].isalnum())


KEYS = st.lists(st.sampled_from(["die", "Stadt", " ", ",", "Hannover", "und", "2020", "§",
                                 *(f"w{k}" for k in range(12))]), max_size=120)


@settings(settings.get_profile(PROFILE), max_examples=max(EXAMPLES, 300))
@given(KEYS, KEYS, st.booleans())
def test_the_word_diff_in_cpp_gives_the_runs_of_the_python_port(a, b, semantic) -> None:
    """The engine takes diff-match-patch's C++ port where it is installed and the Python port
    elsewhere: the redline must not depend on the machine."""
    from pipeline.redline import engine

    if engine.fast_diff is None:
        import pytest

        pytest.skip("fast_diff_match_patch is not installed here (the Python port is used)")
    cmap = engine._CharMap()
    ta, tb = cmap.encode(a), cmap.encode(b)
    assert engine._counts_in_cpp(ta, tb, semantic) == engine._counts_in_python(ta, tb, semantic)
    assert engine.diff_counts is engine._counts_in_cpp
