"""Counts in what users read, in the form their number asks for: „1 Problem“, „3 Probleme“,
never „Problem(e)“."""


def noun(n: int, one: str, many: str) -> str:
    """The noun (with any words before it) that `n` of something takes: for a figure shown
    apart from its words (the start page's tiles)."""
    return one if n == 1 else many


def counted(n: int, one: str, many: str) -> str:
    """`n` and its noun (with any words before it) in the singular or the plural."""
    return f"{n} {noun(n, one, many)}"
