"""Dates as users read them: one format per purpose, defined once.

`german_date` (12.03.2020) is for tables, the terminal and messages; `german_date_long`
(8. Juni 2020) for running text on the site. Both read what front matter holds: ruamel gives
dates, JSON and hand-written values give strings.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember")


def as_date(value: Any) -> dt.date | None:
    """A date from front matter (date, datetime or ISO text); None when it is none."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def german_date(value: Any) -> str:
    """'12.03.2020' (tables, terminal, messages); anything else (2020-13-45) as written."""
    d = as_date(value)
    return d.strftime("%d.%m.%Y") if d else str(value or "")


def german_date_long(value: Any) -> str:
    """'8. Juni 2020' (running text); anything else (an impossible 2020-13-45) as written."""
    d = as_date(value)
    return f"{d.day}. {MONTHS[d.month - 1]} {d.year}" if d else str(value or "")


def iso_date(value: Any) -> str:
    """'2020-06-08' for machine-readable places (`<time datetime>`, JSON); '' when missing."""
    d = as_date(value)
    return d.isoformat() if d else (str(value) if value not in (None, "") else "")


def future_date_problem(value: Any, today: dt.date | None = None) -> str | None:
    """Why `value` cannot be recorded when it lies after `today` (German, for messages), or None.

    The one rule for dates in the future: the recording commands refuse them and `lip check`
    reports them, because a record states what has already happened (a Vorlage, a
    Stellungnahme, a decision, a Fassung, a vote, a Beschluss). Unreadable values are someone else's problem (None).
    """
    today = today or dt.date.today()
    d = as_date(value)
    if d is None or d <= today:
        return None
    return (f"das Datum {german_date(d)} liegt in der Zukunft (heute ist der "
            f"{german_date(today)}); festgehalten wird nur, was schon geschehen ist – "
            f"Tippfehler im Datum?")


def future_date_refusal(value: Any, *, option: str = "--datum",
                        nothing_done: str = "nichts wurde festgehalten",
                        today: dt.date | None = None) -> str | None:
    """The whole message with which a command refuses a date after today
    (`future_date_problem`), naming the option, the way to write a date and that nothing was
    done; None when the date may stand. One wording for the review's and the council's
    commands."""
    problem = future_date_problem(value, today)
    if problem is None:
        return None
    return (f"{option} {german_date(value)}: {problem} Bitte das Datum prüfen ({option} "
            f"TT.MM.JJJJ); {nothing_done}.")
