"""Counts in what users read, in the form their number asks for: „1 Problem“, „3 Probleme“,
never „Problem(e)“."""


def counted(n: int, one: str, many: str) -> str:
    """`n` and its noun (with any words before it) in the singular or the plural."""
    return f"{n} {one if n == 1 else many}"
