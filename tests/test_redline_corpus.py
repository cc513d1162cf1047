"""Real law versions from ../shared/corpus: no crash, the guarantees hold, and the marked words
stay close to the true edit."""

from __future__ import annotations

import json

import pytest
from support import CORPUS, corpus_pairs, needs_corpus
from support.redline_seed import seed_edits
from support.redline_views import blocks_of, split_words, views

from pipeline.redline import resolve_blocks
from pipeline.render import redline_text

pytestmark = needs_corpus

MEDIUM_PAIRS = ["jgg-2012", "btmg-2012"]


def pairs() -> dict[str, tuple[str, str]]:
    return {name: (old, new) for name, old, new in corpus_pairs()}


@pytest.mark.slow
@pytest.mark.parametrize("name", MEDIUM_PAIRS)
def test_corpus_pair_keeps_the_guarantees(name: str) -> None:
    old_name, new_name = pairs()[name]
    old = (CORPUS / old_name).read_text(encoding="utf-8")
    new = (CORPUS / new_name).read_text(encoding="utf-8")
    red = redline_text.compare_markdown(old, new)
    assert red.stats.changed
    accepted, rejected = views(red.markdown)
    assert accepted == redline_text.markdown_words(new)
    assert rejected == redline_text.markdown_words(old)
    assert split_words(red.markdown) == []
    assert red.stats.fallbacks == []
    # no horizontal rule that neither version has (the BtMG's empty table cells, `- - -`)
    blocks = blocks_of(red.markdown)
    for accept, text in ((True, new), (False, old)):
        assert json.dumps(resolve_blocks(blocks, accept)).count('"HorizontalRule"') == \
            json.dumps(redline_text.parse_markdown(text)).count('"HorizontalRule"')


@pytest.mark.slow
def test_seeded_edits_are_marked_closely() -> None:
    """30 seeded edits in a real law: marked words ≤ 1.2 × the truly edited words."""
    old = (CORPUS / "jgg@64c86e43.md").read_text(encoding="utf-8")
    seeded = seed_edits(old, 30, seed=7)
    red = redline_text.compare_markdown(old, seeded.text)
    marked = red.stats.words_added + red.stats.words_removed
    assert seeded.edited_words > 50
    assert marked <= 1.2 * seeded.edited_words, (marked, seeded.edited_words)
    assert marked >= 0.8 * seeded.edited_words, (marked, seeded.edited_words)
    assert red.stats.blocks_moved == 1
    accepted, rejected = views(red.markdown)
    assert accepted == redline_text.markdown_words(seeded.text)
    assert rejected == redline_text.markdown_words(old)
