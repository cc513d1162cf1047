"""Which Fassung a text is: the label a build prints must be true (pure).

A named Fassung records the SHA-256 of every chapter's text (`texte`, written by
`lip fassung` and `lip beschluss`). A plan whose chapters read exactly so *is* that Fassung;
a plan that differs from every named Fassung is an Arbeitsstand, never labelled with a
Fassung's name. Entries without `texte` (named by hand) cannot be compared: then the
manifest's own `fassung:` label stands, unless it names such an entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ARBEITSSTAND = "Arbeitsstand"


def chapter_texts(plan: Any) -> dict[str, str]:
    """{chapter file: SHA-256 of its text}: what a Fassung's `texte` records."""
    return {ch.filename: ch.text_sha256 for ch in plan.chapters}


def entries(plan: Any) -> list[dict]:
    raw = plan.manifest.get("fassungen") if plan.manifest else None
    return [f for f in raw or [] if isinstance(f, dict)] if isinstance(raw, list) else []


def matching(plan: Any) -> dict | None:
    """The last named Fassung whose recorded texts are exactly this plan's, if any."""
    texts = chapter_texts(plan)
    for entry in reversed(entries(plan)):
        recorded = entry.get("texte")
        if isinstance(recorded, dict) and {str(k): str(v) for k, v in recorded.items()} == texts:
            return entry
    return None


def label(plan: Any) -> str:
    """The Fassung a build of `plan` is labelled with."""
    found = matching(plan)
    if found is not None:
        return str(found.get("name", ""))
    declared = str(plan.manifest.get("fassung", "")) if plan.manifest else ""
    compared = [e for e in entries(plan) if isinstance(e.get("texte"), dict)]
    if compared:
        return f"{ARBEITSSTAND} nach der Fassung „{compared[-1].get('name')}“"
    named = {str(e.get("name")) for e in entries(plan)}
    if declared and declared in named:
        return declared  # named by hand, without texts: nothing to compare against
    return declared or ARBEITSSTAND


def record_fassung(plan: Any, commit: str, text_sha256: str = "", filename: str = "",
                   datum: Any = None, full: Callable[[str], str] = str) -> dict | None:
    """The named Fassung whose text a review record judged: the Fassung that is its commit,
    else one whose recorded text of `filename` is the record's text, named by the record's
    day (a record of May does not name December's Fassung); the last listed if several.
    `full` turns a Fassung's `rev` into a full commit id where git can tell (a tag, a short id).
    One rule for the Beratungsverlauf in the council's documents and on the site."""
    from pipeline.dates import as_date

    listed = list(reversed(entries(plan)))
    if commit:
        for entry in listed:
            rev = full(str(entry.get("rev") or ""))
            if rev and (rev.startswith(commit) or commit.startswith(rev)):
                return entry
    when = as_date(datum)
    if text_sha256:
        for entry in listed:
            texts, named = entry.get("texte"), as_date(entry.get("datum"))
            if isinstance(texts, dict) and str(texts.get(filename, "")) == text_sha256 \
                    and (when is None or named is None or named <= when):
                return entry
    return None


def version_label(entry: dict | None, commit_date: Any = None, *, submitted: Any = None,
                  long: bool = False) -> str:
    """How a reader is told which text a record judged: „1. Fassung vom 12.03.2020“ (long:
    „… vom 12. März 2020“), else „Vorlage vom …“ (the day that text was submitted), else
    „Textstand vom …“ (the day it was committed), else Arbeitsstand. Commit ids never: they
    belong in the provenance."""
    from pipeline.dates import german_date, german_date_long

    day = german_date_long if long else german_date
    if entry is not None:
        when = day(entry.get("datum")) if entry.get("datum") else ""
        return f"{entry.get('name')} vom {when}" if when else str(entry.get("name"))
    if submitted is not None:
        return f"Vorlage vom {day(submitted)}"
    if commit_date is not None:
        return f"Textstand vom {day(commit_date)}"
    return ARBEITSSTAND
