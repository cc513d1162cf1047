"""Which Fassung a text is: the label a build prints must be true (pure).

A named Fassung records the SHA-256 of every chapter's text (`texte`, written by
`lip fassung` and `lip beschluss`). A plan whose chapters read exactly so *is* that Fassung;
a plan that differs from every named Fassung is an Arbeitsstand, never labelled with a
Fassung's name. Entries without `texte` (named by hand) cannot be compared: then the
manifest's own `fassung:` label stands, unless it names such an entry.
"""

from __future__ import annotations

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
