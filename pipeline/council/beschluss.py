"""The Beschluss: which Punkte a body adopted, and the text they make (pure).

Adopted Punkte are applied in a defined order (Antrag number, then Punkt number) to the text
as it stands now; a Punkt whose target changed since the Fassung it refers to, or two adopted
Punkte on the same text, stop the Beschluss with a reason instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.council.antraege import (
    Abstimmung,
    Antrag,
    Punkt,
    chapter_of,
    counts_problem,
    decided_by,
    locate,
    punkt_span,
    punkte_conflict,
    target_text,
    too_many_votes,
)
from pipeline.diagnostics import Report
from pipeline.plan import Plan, frontmatter
from pipeline.plan.fassungen import Stimmen, beschluesse
from pipeline.wording import number_order, punkte_text


@dataclass(frozen=True)
class Adopted:
    antrag: Antrag
    punkt: Punkt

    @property
    def label(self) -> str:
        return f"Antrag {self.antrag.nummer}, Punkt {self.punkt.nr}"


def open_points(antraege: list[Antrag], gremium: str) -> list[str]:
    """The Punkte without a final result in `gremium`, one phrase per Antrag: 'Antrag 1,
    Punkte 1–4', 'Antrag 2, Punkt 3 (vertagt)'."""
    out = []
    for a in sorted(antraege, key=lambda a: number_order(a.nummer)):
        waiting, postponed = [], []
        for p in a.punkte:
            vote = a.outcome(p.nr, gremium)
            if vote is None or vote.ergebnis == "vertagt":
                withdrawn = any(v.ergebnis == "zurückgezogen" and p.nr in v.punkte for v in a.abstimmungen)
                if not withdrawn:
                    (postponed if vote else waiting).append(p.nr)
        if waiting:
            out.append(f"Antrag {a.nummer}, {punkte_text(waiting)}")
        if postponed:
            out.append(f"Antrag {a.nummer}, {punkte_text(postponed)} (vertagt)")
    return out


def last_vote(antraege: list[Antrag], gremium: str) -> tuple[Antrag, Abstimmung] | None:
    """The latest vote of `gremium` on any of `antraege` (a Beschluss cannot predate it)."""
    votes = [(v.datum, a, v) for a in antraege for v in a.abstimmungen if v.gremium == gremium]
    if not votes:
        return None
    _, a, v = max(votes, key=lambda t: t[0])
    return a, v


def adopted(antraege: list[Antrag], gremium: str) -> list[Adopted]:
    """Every Punkt whose last vote in `gremium` adopted it, in the order they are applied."""
    out = [Adopted(a, p) for a in antraege for p in a.punkte
           if (v := a.outcome(p.nr, gremium)) is not None and v.ergebnis == "angenommen"]
    return sorted(out, key=lambda x: (number_order(x.antrag.nummer), x.punkt.nr))


class BeschlussConflict(Exception):
    """Adopted Punkte that cannot all be applied; `reasons` says which and why."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("; ".join(reasons))


def replacement(punkt: Punkt, current: list[str]) -> list[str]:
    """The lines of a target after `punkt` alone (also shown in the Antrag's Synopse)."""
    if punkt.art == "streichen":
        return []
    if punkt.art == "ersetzen":
        return punkt.wortlaut.strip("\n").split("\n")
    if punkt.art == "einfügen nach":
        return [*current, "", *punkt.wortlaut.strip("\n").split("\n")]
    text = "\n".join(current).replace(punkt.alt, punkt.neu or "", 1)
    return text.split("\n")


def passage_replacement(punkt: Punkt, passage: str) -> str:
    """The text of a cited passage (a Punkt with `zeilen`) after `punkt` alone."""
    if punkt.art == "streichen":
        return ""
    wortlaut = (punkt.wortlaut or "").strip("\n")
    if punkt.art == "ersetzen":
        return wortlaut
    if punkt.art == "einfügen nach":
        block = "\n\n" in wortlaut or wortlaut.lstrip().startswith(("#", "- ", "* ", "|"))
        return passage + ("\n\n" if block else " ") + wortlaut
    return passage.replace(punkt.alt or "", punkt.neu or "", 1) if punkt.alt else passage


def _splice(text: str, old: str, new: str) -> str:
    """`text` with its one `old` replaced by `new`; a struck passage takes its surrounding
    space along, and a struck paragraph leaves one blank line, not two."""
    at = text.index(old)
    before, after = text[:at], text[at + len(old):]
    if new:
        return before + new + after
    before, after = before.rstrip(" "), after.lstrip(" ")
    ends, starts = len(before) - len(before.rstrip("\n")), len(after) - len(after.lstrip("\n"))
    if ends and starts:
        before, after = before.rstrip("\n") + "\n" * min(max(ends, starts), 2), after.lstrip("\n")
    elif before and after and not ends and not starts and not after.startswith((".", ",", ";", ":")):
        before += " "
    if not before.strip():
        return after.lstrip("\n")
    return before + after


def apply_adopted(now: Plan, base: dict[str, Plan | None], points: list[Adopted]) -> dict[str, str]:
    """The new bodies of every chapter the adopted Punkte change: {chapter filename: body}.

    `base` maps each Antrag's Fassung to the plan at that Fassung; a target must read there as
    it reads now (for 'ändern': its old wording must still be there), so that what the council
    voted on is what changes."""
    reasons: list[str] = []
    for i, x in enumerate(points):
        for y in points[i + 1:]:
            p, q = x.punkt, y.punkt
            if punkte_conflict(now, p, q):
                reasons.append(f"{x.label} und {y.label} ändern beide {q.subject}")
    edits: dict[str, list[tuple[int, int, Adopted]]] = {}
    passages: dict[str, dict[str, list[Adopted]]] = {}
    for x in points:
        if x.punkt.zeilen is not None:
            p = x.punkt
            if p.stelle is None or punkt_span(now, p) is None:
                reasons.append(f"{x.label}: der Text von {p.zeilen} der Fassung „{x.antrag.fassung}“ "
                               f"steht so nicht mehr im Text; bitte den Punkt an den jetzigen Text anpassen")
            elif p.art == "ändern" and (not p.alt or p.alt not in p.stelle.text):
                reasons.append(f"{x.label}: der Wortlaut {p.alt!r} steht nicht in {p.zeilen}")
            else:
                passages.setdefault(p.stelle.chapter, {}).setdefault(p.stelle.text, []).append(x)
            continue
        target = x.punkt.target
        chapter = chapter_of(now, target) if target else None
        if chapter is None:
            reasons.append(f"{x.label}: {target} gibt es im jetzigen Text nicht mehr")
            continue
        then = base.get(x.antrag.fassung)
        before = target_text(then, target) if then is not None else None
        current = target_text(now, target)
        if x.punkt.art == "ändern":
            if x.punkt.alt not in current:
                reasons.append(f"{x.label}: der Wortlaut {x.punkt.alt!r} steht nicht mehr in {target}")
                continue
        elif before is not None and before != current:
            reasons.append(f"{x.label}: {target} wurde seit der Fassung „{x.antrag.fassung}“ geändert; "
                           f"bitte den Punkt an den jetzigen Text anpassen")
            continue
        start, end = locate(chapter, target)
        edits.setdefault(chapter.filename, []).append((start, end, x))
    if reasons:
        raise BeschlussConflict(reasons)
    out: dict[str, str] = {}
    for chapter in now.chapters:
        todo = edits.get(chapter.filename, [])
        cited = passages.get(chapter.filename, {})
        if not todo and not cited:
            continue
        lines = chapter.text.body.split("\n")
        spans: dict[tuple[int, int], list[Adopted]] = {}
        for start, end, x in todo:  # several 'ändern' on one target change the same lines
            spans.setdefault((start, end), []).append(x)
        for (start, end), group in sorted(spans.items(), reverse=True):
            block = lines[start:end]
            for x in group:
                block = replacement(x.punkt, block)
            lines[start:end] = block
            while not block and 0 < start < len(lines) and not lines[start].strip() \
                    and not lines[start - 1].strip():
                del lines[start]  # a struck block leaves one blank line, not two
        text = "\n".join(lines)
        for passage, group in cited.items():  # after the numbered parts: they never overlap
            block = passage
            for x in group:
                block = passage_replacement(x.punkt, block)
            text = _splice(text, passage, block)
        out[chapter.filename] = text
    return out



def beschluss_counts_problem(plan: Plan, gremium: str, stimmen: Stimmen) -> str | None:
    """Why the counts of a Beschluss cannot be: a Beschluss adopts the Drucksache, so its
    counts must make an Annahme (`counts_problem`, the rule for every vote), and no more votes
    than `gremium` has seats (`too_many_votes`). The one rule for `lip beschluss` and
    `lip check`."""
    s = stimmen
    return (counts_problem("angenommen", s.dafuer, s.dagegen, s.einstimmig)
            or too_many_votes(plan, gremium, s.dafuer, s.dagegen, s.enthaltungen))


def check_beschluesse(plan: Plan, antraege: list[Antrag], report: Report) -> None:
    """Every recorded Beschluss follows the last vote of its body on the Anträge it decided,
    and its counts, if recorded, make an Annahme within the body's seats (the rules
    `lip beschluss` applies before it records one)."""
    for b in beschluesse(plan):
        if (problem := beschluss_counts_problem(plan, b.gremium, b.stimmen)) is not None:
            report.add(plan.manifest.path,
                       frontmatter.line_of(plan.manifest.data, ("fassungen", b.index, "beschluss"), 1),
                       f"fassungen[{b.index}].beschluss", problem)
        # an Antrag filed after the Beschluss is not what it decided (check_antraege warns)
        decided = [a for a in antraege if decided_by(plan, a) == b and not (a.datum and a.datum > b.datum)]
        latest = last_vote(decided, b.gremium)
        if latest is not None and latest[1].datum > b.datum:
            a, v = latest
            report.add(plan.manifest.path,
                       frontmatter.line_of(plan.manifest.data, ("fassungen", b.index, "beschluss", "datum"), 1),
                       f"fassungen[{b.index}].beschluss.datum",
                       f"Beschluss am {b.datum:%d.%m.%Y} liegt vor der Abstimmung vom "
                       f"{v.datum:%d.%m.%Y} ({a.label}, {punkte_text(v.punkte)}), über die er "
                       f"entscheidet")
