"""Changed words: counted once, by the redline's word diff, and said once in German.

`lip status`, the redline (terminal, summary table, DOCX/PDF), the site and `lip check`
show these figures; they agree because they all come from here.
"""

from __future__ import annotations

from typing import Any

from pipeline.redline.engine import redline_chapter
from pipeline.wording import counted


def word_changes(old: Any, new: Any, *, pandoc: Any) -> tuple[int, int, int]:
    """(words inserted, words deleted, passages moved) between two versions of a chapter
    (`plan.Chapter`, either may be None): exactly what the redline a reviewer reads counts.
    `pandoc`: render.redline_text.PANDOC."""
    stats = redline_chapter(old, new, pandoc=pandoc).stats
    return stats.words_added, stats.words_removed, stats.blocks_moved


def words(n: int) -> str:
    """'1 Wort', '14 Wörter'."""
    return counted(n, "Wort", "Wörter")


def passages(n: int) -> str:
    """'1 Passage', '3 Passagen'."""
    return counted(n, "Passage", "Passagen")


def format_word_changes(added: int, removed: int, moved: int = 0) -> str:
    """'14 Wörter eingefügt, 1 Wort gestrichen', and ', 1 Passage verschoben' when passages
    moved: a chapter changed only by a move read „0 Wörter eingefügt, 0 Wörter gestrichen“."""
    text = f"{words(added)} eingefügt, {words(removed)} gestrichen"
    return text + (f", {passages(moved)} verschoben" if moved else "")
