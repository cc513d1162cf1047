"""German words in what users read and type: counts in the form their number asks for („1
Problem“, „3 Probleme“, never „Problem(e)“), and names made into keys („Integrationsbeiräte“ →
„integrationsbeiraete“) the one way every command makes them."""

import re
import unicodedata

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def noun(n: int, one: str, many: str) -> str:
    """The noun (with any words before it) that `n` of something takes: for a figure shown
    apart from its words (the start page's tiles)."""
    return one if n == 1 else many


def counted(n: int, one: str, many: str) -> str:
    """`n` and its noun (with any words before it) in the singular or the plural."""
    return f"{n} {noun(n, one, many)}"


def ascii_folded(text: str) -> str:
    """`text` in lower case as German writes it without umlauts, other accents dropped:
    „Beiräte“ → „beiraete“, „Straße“ → „strasse“, „René“ → „rene“. Typed names compare
    equal however they were typed, and keys (branches, tags, ids) stay plain ASCII."""
    text = text.casefold().translate(_UMLAUTS)  # casefold: „ß“ → „ss“, „Ä“ → „ä“
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def slug(text: str, fallback: str) -> str:
    """`text` as a key of letters, digits and hyphens („3. Fassung“ → „3-fassung“), or
    `fallback` where nothing is left of it."""
    return re.sub(r"[^a-z0-9]+", "-", ascii_folded(text)).strip("-") or fallback



_FEMININE_ENDINGS = ("versammlung", "gruppe", "konferenz", "vertretung", "kommission",
                     "beauftragte")
_PLURAL_ENDINGS = ("räte", "gruppen")
_MASCULINE_ENDINGS = ("ausschuss", "rat", "tisch", "beirat", "vorstand")


def by_body(name: str) -> str:
    """Who did something, with the article German asks for after „von“: „von der
    Ratsversammlung“, „vom Internationalen Ausschuss“, „von den Integrationsbeiräten“,
    „vom Runden Tisch für …“. Adjectives before the body's noun are declined; what follows
    the noun („für …“, „(RTGS)“, „Mitte“) stays as written."""
    words = name.split()
    ends = _PLURAL_ENDINGS + _FEMININE_ENDINGS + _MASCULINE_ENDINGS
    head = next((i for i, w in enumerate(words) if w.casefold().endswith(ends)), len(words) - 1)
    if head < 0:
        return f"von {name}"
    noun = words[head].casefold()
    if noun.endswith(_PLURAL_ENDINGS):
        article, suffix = "von den", "" if noun.endswith("n") else "n"
    elif noun.endswith(_FEMININE_ENDINGS):
        # a noun made of an adjective is declined too: „der Gleichstellungsbeauftragten“
        article, suffix = "von der", "n" if noun.endswith("beauftragte") else ""
    else:
        article, suffix = "vom", ""
    out = [re.sub(r"(er|e)$", "en", w) if i < head else w for i, w in enumerate(words)]
    out[head] += suffix
    return f"{article} {' '.join(out)}"


UNCOMMITTED = "nicht committet"
"""The one word for changes in the working tree that no commit holds yet (the README's
five steps say „committen“): „mit nicht committeten Änderungen“."""


def describe_origin(commit: str | None, changed: bool) -> str:
    """Where a build's plan came from, as `lip build`, `lip verify` and the site say it:
    'Commit 9b35d9e517, mit nicht committeten Änderungen'."""
    if commit is None:
        return "nicht aus einem Git-Repository"
    return f"Commit {commit[:10]}" + (", mit nicht committeten Änderungen" if changed else "")
