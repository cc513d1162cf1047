"""German words in what users read and type: counts in the form their number asks for („1
Problem“, „3 Probleme“, never „Problem(e)“), lists of numbers („Punkte 1–4“) and their order
(„2“ < „2a“ < „10“), a body's name with its article („der Internationale Ausschuss“), and
names made into keys („Integrationsbeiräte“ → „integrationsbeiraete“) the one way every
command makes them."""

import re
import unicodedata
from typing import Any

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def noun(n: int, one: str, many: str) -> str:
    """The noun (with any words before it) that `n` of something takes: for a figure shown
    apart from its words (the start page's tiles)."""
    return one if n == 1 else many


def counted(n: int, one: str, many: str) -> str:
    """`n` and its noun (with any words before it) in the singular or the plural."""
    return f"{n} {noun(n, one, many)}"


def tally(einstimmig: bool, dafuer: int | None, dagegen: int | None,
          enthaltungen: int | None) -> str:
    """'8 dafür – 2 dagegen – 1 Enthaltung' or 'einstimmig', as council minutes write a vote
    ('' without counts): for a vote on an Antrag and for the Beschluss alike."""
    if einstimmig:
        return "einstimmig"
    if dafuer is None:
        return ""
    parts = [f"{dafuer} dafür", f"{dagegen or 0} dagegen"]
    if enthaltungen:
        parts.append(counted(enthaltungen, "Enthaltung", "Enthaltungen"))
    return " – ".join(parts)


_VOTE_SEPARATOR = re.compile(r"\s*[,;]\s*|\s+[–—-]\s+|\s+und\s+")
_VOTE_COUNT = re.compile(r"(\d+)\s+(dafür|ja|ja-stimmen?|dagegen|nein|nein-stimmen?|gegenstimmen?"
                         r"|enthaltung|enthaltungen)", re.I)


def vote_text(recorded: str) -> str:
    """A vote recorded as free text (the Lenkungsgruppe's `abstimmung`) as `tally` writes the
    council's: „20 dafür, 1 dagegen“ → „20 dafür – 1 dagegen“, „19 dafür, 2 Enthaltungen“ →
    „19 dafür – 0 dagegen – 2 Enthaltungen“, „Einstimmig“ → „einstimmig“. Text that is no
    plain count of votes („mehrheitlich“, „einstimmig bei 2 Enthaltungen“) stays as recorded:
    one writing of a vote in the terminal, on the site and in the documents."""
    text = " ".join(str(recorded).split())
    if text.casefold() == "einstimmig":
        return tally(True, None, None, None)
    counts: dict[str, int] = {}
    for part in _VOTE_SEPARATOR.split(text):
        m = _VOTE_COUNT.fullmatch(part)
        if m is None:
            return text
        word = m.group(2).casefold()
        key = ("dafuer" if word in ("dafür", "ja") or word.startswith("ja-") else
               "enthaltungen" if word.startswith("enthaltung") else "dagegen")
        if key in counts:
            return text
        counts[key] = int(m.group(1))
    if "dafuer" not in counts:
        return text
    return tally(False, counts["dafuer"], counts.get("dagegen"), counts.get("enthaltungen"))


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


def numbers_text(numbers) -> str:
    """'3', '1 und 2', '3, 4, 6 und 7', '1–4', '1, 3–5 und 7': sorted, a run of three or more
    as a range, as council minutes write the Punkte of an Antrag ('' for none)."""
    nums = sorted(set(numbers))
    if not nums:
        return ""
    runs: list[list[int]] = []
    for n in nums:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts: list[str] = []
    for run in runs:
        parts += [f"{run[0]}–{run[-1]}"] if len(run) >= 3 else [str(n) for n in run]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} und {parts[-1]}"


_NUMBER_PARTS = re.compile(r"\d+|[^\W\d_]+")


def number_order(number: str) -> tuple:
    """Sort key that puts the numbers of Anträge, Ziele and Maßnahmen in their natural order,
    the one order of every list of them: „2“ < „2a“ < „10“, „6.1.2“ < „6.1.10“; „6.1.1
    (bisher 6.1.2)“ by its own number. Digits compare as numbers and before letters; dots,
    dashes and blanks only separate."""
    parts = _NUMBER_PARTS.findall(number.split("(", 1)[0])
    return tuple((0, int(p), "") if p.isdecimal() else (1, 0, p.casefold()) for p in parts), number


def punkte_text(numbers) -> str:
    """'Punkt 3', 'Punkte 1 und 2', 'Punkte 1–4': the Punkte of an Antrag in one phrase."""
    nums = sorted(set(numbers))
    return f"Punkt{'e' if len(nums) > 1 else ''} {numbers_text(nums)}"


# The grammatical gender of a body's name, by its last noun (the part before a bracket):
# enough for the bodies of plan/lip.yaml; a name not listed keeps no article.
_GENDER = (("ausschuss", "m"), ("tisch", "m"), ("rat", "m"), ("vorstand", "m"),
           ("räte", "pl"), ("gruppen", "pl"), ("versammlung", "f"), ("gruppe", "f"),
           ("beauftragte", "f"), ("öffentlichkeit", "f"), ("konferenz", "f"), ("vertretung", "f"),
           ("kommission", "f"))
_ARTICLES = {("m", "nom"): "der", ("f", "nom"): "die", ("pl", "nom"): "die",
             ("m", "dat"): "dem", ("f", "dat"): "der", ("pl", "dat"): "den",
             ("m", "gen"): "des", ("f", "gen"): "der", ("pl", "gen"): "der"}


def with_article(name: str, case: str = "nom", *, capital: bool = False) -> str:
    """A body's name with its definite article, in the nominative ('nom': „der Internationale
    Ausschuss“, „die Ratsversammlung“), the dative ('dat': „dem Internationalen Ausschuss“,
    „den Stadtbezirksräten 01–13“) or the genitive ('gen': „des Internationalen
    Ausschusses“), the words before its noun declined to match; `name` as it is where its
    noun is not known."""
    words = name.split(" ")
    endings = sorted(_GENDER, key=lambda e: -len(e[0]))
    found = next(((i, g) for i, word in enumerate(words) for ending, g in endings
                  if word.casefold().endswith(ending)), None)
    if found is None:
        return name
    at, gender = found
    weak = "e" if (gender, case) in (("m", "nom"), ("f", "nom"), ("f", "dat")) else "en"
    for i in range(at):  # adjectives before the noun: „Internationaler“ → „Internationale“
        if words[i][:1].isupper() and words[i].endswith("er"):
            words[i] = words[i][:-2] + weak
    if case == "dat" and (gender == "pl" and not words[at].endswith(("n", "s"))
                          or words[at].endswith("beauftragte")):
        words[at] += "n"
    if case == "gen" and words[at].endswith("beauftragte"):
        words[at] += "n"
    elif case == "gen" and gender == "m":  # „des Ausschusses“, „des Runden Tisches“, „des Rats“
        words[at] += "es" if words[at].endswith(("s", "ß", "x", "z", "sch")) else "s"
    article = _ARTICLES[(gender, case)]
    return f"{article.capitalize() if capital else article} {' '.join(words)}"


def by_body(name: str) -> str:
    """Who did something, with the article German asks for after „von“: „von der
    Ratsversammlung“, „vom Internationalen Ausschuss“, „von den Integrationsbeiräten“,
    „vom Runden Tisch für …“ (`with_article` in the dative)."""
    named = with_article(name, "dat")
    return "vom " + named[4:] if named.startswith("dem ") else f"von {named}"


def of_body(name: str) -> str:
    """Whose something is, in the genitive: „der Ratsversammlung“, „des Internationalen
    Ausschusses“; „des Gremiums …“ for a name whose noun is not known."""
    named = with_article(name, "gen")
    return f"des Gremiums {name}" if named == name else named


def in_body(name: str) -> str:
    """Where something was done, with the article after „in“: „in der Ratsversammlung“,
    „im Internationalen Ausschuss“; „im Gremium …“ for a name whose noun is not known."""
    named = with_article(name, "dat")
    if named == name:
        return f"im Gremium {name}"
    return "im " + named[4:] if named.startswith("dem ") else f"in {named}"


UNCOMMITTED = "nicht committet"
"""The one word for changes in the working tree that no commit holds yet (the README's
five steps say „committen“): „mit nicht committeten Änderungen“."""


def short_hash(value: object) -> str:
    """A hash as a person reads it: a commit's 40 hex digits as its first 10 (as every message
    of lip names a commit), a SHA-256 of a text or of files as its first 12; anything else as
    it is. Machines (--json, the build manifest) keep the full value."""
    text = str(value)
    if re.fullmatch(r"[0-9a-f]{40}", text):
        return text[:10]
    return text[:12] if re.fullmatch(r"[0-9a-f]{64}", text) else text


def describe_origin(commit: str | None, changed: bool) -> str:
    """Where a build's plan came from, as `lip build`, `lip verify` and the site say it:
    'Commit 9b35d9e517, mit nicht committeten Änderungen'."""
    if commit is None:
        return "nicht aus einem Git-Repository"
    return f"Commit {commit[:10]}" + (", mit nicht committeten Änderungen" if changed else "")


def _ids(one: str, many: str, ids: list[str]) -> str:
    """„neues Ziel: 1.1.4“, „geänderte Maßnahmen: 1.1.1, 1.1.2“; '' when there are none."""
    return f"{one if len(ids) == 1 else many}: {', '.join(ids)}" if ids else ""


def goal_changes(old: Any, new: Any) -> tuple[list[str], list[str], list[str]]:
    """(inserted, struck, changed) Ziele between two versions of a chapter (a
    `plan.Chapter` or None), by number."""
    before = {g.number: " ".join(g.text.split()) for g in old.body.goals} if old else {}
    after = {g.number: " ".join(g.text.split()) for g in new.body.goals} if new else {}
    ordered = lambda ids: sorted(ids, key=number_order)  # noqa: E731
    return (ordered(set(after) - set(before)), ordered(set(before) - set(after)),
            ordered(k for k in set(before) & set(after) if before[k] != after[k]))


def numbered_changes(stats: Any, old: Any = None, new: Any = None) -> list[str]:
    """The Ziele and Maßnahmen inserted, struck, changed or moved, by number, as the site's
    pages and the summary of `lip redline` name them („geändertes Ziel: 1.1.3“); `stats` a
    redline's, `old`/`new` the chapter's two versions (Ziele only with them)."""
    added, removed, changed = goal_changes(old, new) if old or new else ([], [], [])
    parts = [_ids("neues Ziel", "neue Ziele", added),
             _ids("gestrichenes Ziel", "gestrichene Ziele", removed),
             _ids("geändertes Ziel", "geänderte Ziele", changed),
             _ids("neue Maßnahme", "neue Maßnahmen", list(stats.measures_added)),
             _ids("geänderte Maßnahme", "geänderte Maßnahmen", list(stats.measures_changed)),
             _ids("gestrichene Maßnahme", "gestrichene Maßnahmen", list(stats.measures_removed)),
             _ids("verschobene Maßnahme", "verschobene Maßnahmen",
                  list(getattr(stats, "measures_moved", [])))]
    return [p for p in parts if p]
