"""The review process as a state machine, declared once; pure (no I/O, no git).

A chapter's review state is never stored: it is folded from the append-only records in its
front matter (`review.vorlagen`, `review.entscheidungen`, `review.stellungnahmen`) and the hash
of its current text. The same fold validates the records (`lip check`) and guards every
recording command (`lip vorlegen`, `lip entscheiden`, …), so the rules live in one place.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any

from pipeline.dates import german_date
from pipeline.errors import PipelineError
from pipeline.plan.fassungen import Beschluss, beschluss_of
from pipeline.review.records import (
    Entscheidung,
    Record,
    Records,
    Stellungnahme,
    Vorgabe,
    Vorlage,
    read_records,
    stand_of,
)

DECIDING_BODY = "lenkungsgruppe"
"""Gremium whose decisions move a chapter forward."""
GENDER_BODY = "gleichstellungsbeauftragte"
"""Gremium whose statement is required before a gleichstellungsrelevant chapter is accepted."""
EXPECTED_STATEMENTS = ("integrationsbeiraete", "rtgs")
"""Gremien that comment on every submitted draft (DOMAIN.md: 'in parallel each draft goes to')."""


class ReviewStatus(enum.Enum):
    """Where a chapter stands in the review by the Lenkungsgruppe."""

    ENTWURF = "entwurf"
    """Being written by the Expert*innengruppe; never submitted."""
    VORGELEGT = "vorgelegt"
    """Submitted to the Lenkungsgruppe; waiting for its decision."""
    ZURUECKGESPIELT = "zurückgespielt"
    """Returned with Vorgaben; the text is still the version that was returned."""
    UEBERARBEITET = "überarbeitet"
    """Returned, and the text has changed since: ready to be submitted again."""
    ANGENOMMEN = "angenommen"
    """Accepted by the Lenkungsgruppe (check `changed_since_decision` for staleness)."""

    @property
    def label(self) -> str:
        """The German word shown to users."""
        return _LABELS[self]

    def is_decided(self) -> bool:
        return self in (ReviewStatus.ZURUECKGESPIELT, ReviewStatus.UEBERARBEITET,
                        ReviewStatus.ANGENOMMEN)


_LABELS = {
    ReviewStatus.ENTWURF: "Entwurf",
    ReviewStatus.VORGELEGT: "vorgelegt",
    ReviewStatus.ZURUECKGESPIELT: "zurückgespielt",
    ReviewStatus.UEBERARBEITET: "überarbeitet",
    ReviewStatus.ANGENOMMEN: "angenommen",
}


class Step(enum.Enum):
    """A recorded step of the review; each is one command and one kind of record."""

    VORLEGEN = "vorlegen"
    """The Expert*innengruppe submits a version to the Lenkungsgruppe."""
    ANNEHMEN = "annehmen"
    """The Lenkungsgruppe accepts the submitted version."""
    ZURUECKSPIELEN = "zurückspielen"
    """The Lenkungsgruppe returns the submitted version with Vorgaben."""
    STELLUNGNAHME = "stellungnahme"
    """A consulted body comments on a submitted version."""
    VORGABE_ERLEDIGT = "vorgabe-erledigt"
    """The Expert*innengruppe notes how it addressed a Vorgabe."""

    @property
    def label(self) -> str:
        return {
            Step.VORLEGEN: "Vorlegen",
            Step.ANNEHMEN: "Annehmen",
            Step.ZURUECKSPIELEN: "Zurückspielen",
            Step.STELLUNGNAHME: "Stellungnahme festhalten",
            Step.VORGABE_ERLEDIGT: "Vorgabe als erledigt vermerken",
        }[self]


S, T = ReviewStatus, Step
_ANY_SUBMITTED = (S.VORGELEGT, S.ZURUECKGESPIELT, S.UEBERARBEITET, S.ANGENOMMEN)

TRANSITIONS: dict[Step, dict[ReviewStatus, ReviewStatus | None]] = {
    T.VORLEGEN: {S.ENTWURF: S.VORGELEGT, S.UEBERARBEITET: S.VORGELEGT, S.ANGENOMMEN: S.VORGELEGT,
                 S.VORGELEGT: S.VORGELEGT},
    T.ANNEHMEN: {S.VORGELEGT: S.ANGENOMMEN},
    T.ZURUECKSPIELEN: {S.VORGELEGT: S.ZURUECKGESPIELT},
    T.STELLUNGNAHME: {s: None for s in _ANY_SUBMITTED},
    T.VORGABE_ERLEDIGT: {S.ZURUECKGESPIELT: None, S.UEBERARBEITET: None},
}
"""Allowed steps: step → {state it may start from: state it leads to (None = unchanged)}.
Every pair missing here is refused with the reason in REFUSALS."""

_DECIDE_AGAIN = ("die neue Fassung zuerst vorlegen: lip vorlegen {kap}")
REFUSALS: dict[tuple[Step, ReviewStatus], tuple[str, str]] = {
    (T.VORLEGEN, S.ZURUECKGESPIELT): (
        "der Text ist seit der Rückgabe am {entscheidung} unverändert",
        "den Text nach den Vorgaben überarbeiten, committen und dann erneut vorlegen"),
    (T.ANNEHMEN, S.ENTWURF): (
        "das Kapitel wurde der Lenkungsgruppe nie vorgelegt",
        "erst vorlegen: lip vorlegen {kap}"),
    (T.ZURUECKSPIELEN, S.ENTWURF): (
        "das Kapitel wurde der Lenkungsgruppe nie vorgelegt",
        "erst vorlegen: lip vorlegen {kap}"),
    (T.ANNEHMEN, S.ZURUECKGESPIELT): (
        "über die letzte Vorlage wurde am {entscheidung} bereits entschieden (zurückgespielt)",
        "die überarbeitete Fassung zuerst vorlegen: lip vorlegen {kap}"),
    (T.ZURUECKSPIELEN, S.ZURUECKGESPIELT): (
        "über die letzte Vorlage wurde am {entscheidung} bereits entschieden (zurückgespielt)",
        "die überarbeitete Fassung zuerst vorlegen: lip vorlegen {kap}"),
    (T.ANNEHMEN, S.UEBERARBEITET): (
        "die überarbeitete Fassung wurde noch nicht vorgelegt; über die letzte Vorlage wurde "
        "am {entscheidung} bereits entschieden",
        "die überarbeitete Fassung zuerst vorlegen: lip vorlegen {kap}"),
    (T.ZURUECKSPIELEN, S.UEBERARBEITET): (
        "die überarbeitete Fassung wurde noch nicht vorgelegt; über die letzte Vorlage wurde "
        "am {entscheidung} bereits entschieden",
        "die überarbeitete Fassung zuerst vorlegen: lip vorlegen {kap}"),
    (T.ANNEHMEN, S.ANGENOMMEN): (
        "das Kapitel wurde am {entscheidung} bereits angenommen und seitdem nicht erneut vorgelegt",
        "nach einer Textänderung " + _DECIDE_AGAIN),
    (T.ZURUECKSPIELEN, S.ANGENOMMEN): (
        "das Kapitel wurde am {entscheidung} angenommen und seitdem nicht erneut vorgelegt",
        "nach einer Textänderung " + _DECIDE_AGAIN),
    (T.STELLUNGNAHME, S.ENTWURF): (
        "das Kapitel wurde noch nicht vorgelegt; Stellungnahmen beziehen sich auf eine "
        "vorgelegte Fassung",
        "erst vorlegen: lip vorlegen {kap}"),
    (T.VORGABE_ERLEDIGT, S.ENTWURF): (
        "das Kapitel wurde nie zurückgespielt, es gibt keine Vorgaben",
        "Vorgaben entstehen nur durch lip entscheiden {kap} --zurueckgespielt"),
    (T.VORGABE_ERLEDIGT, S.VORGELEGT): (
        "das Kapitel liegt der Lenkungsgruppe bereits wieder vor",
        "Vorgaben vor der erneuten Vorlage als erledigt vermerken; jetzt die Entscheidung "
        "abwarten"),
    (T.VORGABE_ERLEDIGT, S.ANGENOMMEN): (
        "das Kapitel ist angenommen; es gibt keine offenen Vorgaben",
        "nichts zu tun"),
}


class ReviewStateError(PipelineError):
    """A review step that the state machine refuses: says why and what to do instead."""

    def __init__(self, chapter: str, current: ReviewStatus, step: Step, reason: str, hint: str,
                 where: tuple[str, int] | None = None):
        self.chapter, self.current, self.step = chapter, current, step
        self.reason, self.hint, self.where = reason, hint, where
        super().__init__(f"Kapitel {chapter} (Stand: {current.label}): {step.label} nicht "
                         f"möglich – {reason}. Stattdessen: {hint}.")

    @property
    def short(self) -> str:
        """Reason and hint without the chapter prefix (for located diagnostics)."""
        return f"{self.reason}; stattdessen: {self.hint}"


# --- records ------------------------------------------------------------------------------------


def step_of(record: Record) -> Step:
    """The step a record stands for."""
    if isinstance(record, Vorlage):
        return Step.VORLEGEN
    if isinstance(record, Stellungnahme):
        return Step.STELLUNGNAHME
    if isinstance(record, Entscheidung):
        return Step.ANNEHMEN if record.accepted else Step.ZURUECKSPIELEN
    return Step.VORGABE_ERLEDIGT


# --- the fold -----------------------------------------------------------------------------------


@dataclass
class Fold:
    """The state after some records: what the next step is checked against."""

    chapter: str
    gender_relevant: bool
    status: ReviewStatus = ReviewStatus.ENTWURF
    last_submission: Vorlage | None = None
    last_decision: Entscheidung | None = None
    submitted_hashes: dict[str, dt.date] = field(default_factory=dict)
    """Text hash of every submitted version → date it was first submitted."""
    statements: list[Stellungnahme] = field(default_factory=list)
    last_date: dt.date | None = None
    all_statements: tuple[Stellungnahme, ...] = ()
    """Every statement of the chapter, also those dated later than the step being checked
    (to say why an acceptance misses one that is recorded)."""

    def effective(self, text_sha256: str | None) -> ReviewStatus:
        """The status once the text with `text_sha256` is taken into account."""
        if (self.status is ReviewStatus.ZURUECKGESPIELT and text_sha256
                and text_sha256 != self.last_decision.stand.text_sha256):
            return ReviewStatus.UEBERARBEITET
        return self.status

    def context(self, kap: str) -> dict[str, str]:
        return {
            "kap": kap,
            "vorlage": german_date(self.last_submission.datum if self.last_submission else None),
            "entscheidung": german_date(self.last_decision.datum if self.last_decision else None),
        }

    def refuse(self, step: Step, reason: str, hint: str, kap: str,
               status: ReviewStatus | None = None) -> ReviewStateError:
        ctx = self.context(kap)
        return ReviewStateError(self.chapter, status or self.status, step,
                                reason.format(**ctx), hint.format(**ctx))


def open_vorgaben_of(decision: Entscheidung | None) -> list[Vorgabe]:
    """Vorgaben of a return that are not yet marked erledigt."""
    return decision.open_vorgaben if decision is not None else []




def check_step(fold: Fold, step: Step, record: Record, *, kap: str) -> ReviewStatus:
    """Return the state after `record` (a step of kind `step`), or raise ReviewStateError.

    `kap` is how the chapter is named in hints (e.g. 'bildung'). The record is not stored.
    """
    datum = record.datum
    text_sha = record.stand.text_sha256
    status = fold.effective(text_sha if step is Step.VORLEGEN else None)
    if step is Step.VORGABE_ERLEDIGT:
        status = fold.status
    allowed = TRANSITIONS[step]
    if status not in allowed:
        reason, hint = REFUSALS[(step, status)]
        raise fold.refuse(step, reason, hint, kap, status)
    # Statements often arrive on paper and are recorded late: they only must not predate the
    # submission of the version they are about (checked below).
    if (step is not Step.STELLUNGNAHME and datum is not None and fold.last_date is not None
            and datum < fold.last_date):
        raise fold.refuse(step, f"das Datum {german_date(datum)} liegt vor dem letzten Eintrag "
                          f"vom {german_date(fold.last_date)}",
                          "Einträge in zeitlicher Reihenfolge festhalten; das Datum prüfen "
                          "(--datum TT.MM.JJJJ)", kap, status)
    sub_commit, sub_sha = stand_of(fold.last_submission)
    if step is Step.VORLEGEN:
        # A group that changed its text after submitting may submit the new version: the
        # Lenkungsgruppe receives every draft (DOMAIN.md) and decides on the last one; the
        # Gremien then comment on that one. The same text twice is no new Vorlage.
        if status is ReviewStatus.VORGELEGT and text_sha == sub_sha:
            raise fold.refuse(step, "das Kapitel liegt der Lenkungsgruppe in genau diesem Text "
                              "seit {vorlage} vor",
                              "nichts zu tun: die Lenkungsgruppe entscheidet über diese Fassung; "
                              "nach einer Textänderung (committen) die neue Fassung erneut "
                              "vorlegen: lip vorlegen {kap}", kap, status)
        if status is ReviewStatus.ANGENOMMEN and text_sha == stand_of(fold.last_decision).text_sha256:
            raise fold.refuse(step, "das Kapitel wurde am {entscheidung} in genau diesem Text "
                              "angenommen", "nichts zu tun; erst nach einer Textänderung erneut "
                              "vorlegen", kap, status)
        if status is ReviewStatus.UEBERARBEITET:
            missing = open_vorgaben_of(fold.last_decision)
            if missing:
                ids = ", ".join(v.id for v in missing)
                first = missing[0].id
                raise fold.refuse(step, f"die Vorgaben {ids} der Lenkungsgruppe vom "
                                  "{entscheidung} sind noch nicht als erledigt vermerkt",
                                  "für jede festhalten, wie die Expert*innengruppe sie umgesetzt "
                                  f"hat: lip vorgabe-erledigt {{kap}} {first} --vermerk \"…\"",
                                  kap, status)
    elif step in (Step.ANNEHMEN, Step.ZURUECKSPIELEN):
        commit = record.stand.commit
        if text_sha != sub_sha:
            raise fold.refuse(step, f"entschieden werden kann nur über die vorgelegte Fassung "
                              f"(Stand {sub_commit[:10]} vom {{vorlage}}); die Fassung "
                              f"{commit[:10] or '(ohne Commit)'} hat einen anderen Text",
                              f"über die vorgelegte Fassung mit --commit {sub_commit[:10]} "
                              f"entscheiden oder die neue Fassung zuerst vorlegen: "
                              f"lip vorlegen {{kap}}", kap, status)
        if step is Step.ZURUECKSPIELEN and not (
                isinstance(record, Entscheidung) and any(v.text for v in record.vorgaben)):
            raise fold.refuse(step, "zurückspielen ohne Vorgaben geht nicht: die "
                              "Expert*innengruppe muss wissen, was sie überarbeiten soll",
                              "mindestens eine Vorgabe angeben: --vorgabe \"…\"", kap, status)
        if step is Step.ANNEHMEN and fold.gender_relevant and not any(
                s.gremium == GENDER_BODY and s.stand.text_sha256 == sub_sha
                and (datum is None or s.datum <= datum) for s in fold.statements):
            later = sorted(s.datum for s in (*fold.statements, *fold.all_statements)
                           if s.gremium == GENDER_BODY and s.stand.text_sha256 == sub_sha
                           and datum is not None and s.datum > datum)
            if later:
                raise fold.refuse(step, "die Stellungnahme der Gleichstellungsbeauftragten zur "
                                  "vorgelegten Fassung vom {vorlage} ist vom "
                                  f"{german_date(later[0])}, also nach dem Datum dieser "
                                  f"Entscheidung ({german_date(datum)}); angenommen werden kann "
                                  "erst, wenn sie vorliegt",
                                  "das Datum prüfen: die Entscheidung mit dem richtigen --datum "
                                  "festhalten, oder ist die Stellungnahme falsch datiert, ihr "
                                  "Datum im Kopf des Kapitels richtigstellen und mit lip "
                                  "berichtigen {kap} --grund \"…\" festhalten", kap, status)
            raise fold.refuse(step, "das Kapitel ist gleichstellungsrelevant, aber zur vorgelegten "
                              "Fassung vom {vorlage} liegt keine Stellungnahme der "
                              "Gleichstellungsbeauftragten vor",
                              "erst die Stellungnahme festhalten: lip stellungnahme {kap} "
                              "--gremium gleichstellungsbeauftragte --text \"…\" (oder das "
                              "Kapitel mit Vorgaben zurückspielen)", kap, status)
    elif step is Step.STELLUNGNAHME:
        commit = record.stand.commit
        if text_sha not in fold.submitted_hashes:
            raise fold.refuse(step, f"Stellungnahmen beziehen sich auf eine vorgelegte Fassung; "
                              f"die Fassung {commit[:10] or '(ohne Commit)'} wurde nie vorgelegt",
                              f"die vorgelegte Fassung mit --commit {sub_commit[:10]} angeben",
                              kap, status)
        since = fold.submitted_hashes[text_sha]
        if datum is not None and datum < since:
            raise fold.refuse(step, f"das Datum {german_date(datum)} liegt vor der Vorlage dieser "
                              f"Fassung am {german_date(since)}",
                              "das Datum prüfen (--datum TT.MM.JJJJ)", kap, status)
        if isinstance(record, Stellungnahme):
            same = next((s for s in fold.statements if _same_statement(s, record)), None)
            if same is not None:
                raise fold.refuse(step, f"diese {same.art or 'Stellungnahme'} (Gremium "
                                  f"{same.gremium}, {german_date(same.datum)}, gleicher Wortlaut, "
                                  f"gleiche Fassung) ist bereits festgehalten",
                                  "nichts zu tun. War der erste Eintrag falsch (Datum, Wortlaut), "
                                  "ihn im Kopf des Kapitels richtigstellen und mit lip "
                                  "berichtigen {kap} --grund \"…\" festhalten", kap, status)
    target = allowed[status]
    return status if target is None else target


def _same_statement(a: Stellungnahme, b: Stellungnahme) -> bool:
    """Two records of one statement: same body, day, wording (or file) and version."""
    return (a.gremium, a.datum, a.text.strip(), a.datei, a.stand.text_sha256) == \
        (b.gremium, b.datum, b.text.strip(), b.datei, b.stand.text_sha256)


def submission_on(records: Records, datum: dt.date) -> Vorlage | None:
    """The Vorlage that lay before the Lenkungsgruppe on `datum`: the last one submitted on
    or before it (a statement dated then is about that version); None before the first."""
    earlier = [v for v in records.vorlagen if v.datum <= datum]
    return max(earlier, key=lambda v: (v.datum, v.index)) if earlier else None


def apply_step(fold: Fold, step: Step, record: Record, status: ReviewStatus) -> None:
    """Record an accepted step in `fold` (after check_step said yes, or to keep replaying)."""
    datum = record.datum
    if step is not Step.STELLUNGNAHME:
        fold.last_date = max(fold.last_date, datum) if fold.last_date else datum
    if isinstance(record, Vorlage):
        fold.last_submission = record
        fold.submitted_hashes.setdefault(record.stand.text_sha256, datum)
    elif isinstance(record, Entscheidung):
        fold.last_decision = record
    elif isinstance(record, Stellungnahme):
        fold.statements.append(record)
    if status is not ReviewStatus.UEBERARBEITET:
        fold.status = status
    else:
        fold.status = ReviewStatus.ZURUECKGESPIELT


_LIST_STEP = {"vorlagen": Step.VORLEGEN, "stellungnahmen": Step.STELLUNGNAHME,
              "entscheidungen": Step.ANNEHMEN}
"""The step a list records (for an entry that cannot be read; its result is unknown)."""

_TARGET = {
    Step.VORLEGEN: ReviewStatus.VORGELEGT,
    Step.ANNEHMEN: ReviewStatus.ANGENOMMEN,
    Step.ZURUECKSPIELEN: ReviewStatus.ZURUECKGESPIELT,
}


def replay(review: Any, *, chapter: str, kap: str, gender_relevant: bool
           ) -> tuple[Fold, list[ReviewStateError]]:
    """Fold every record in time order; collect (not raise) the steps the rules refuse."""
    fold = Fold(chapter, gender_relevant)
    records = read_records(review)
    fold.all_statements = records.stellungnahmen
    problems: list[ReviewStateError] = []
    for bad in records.problems:
        problems.append(ReviewStateError(chapter, fold.status, _LIST_STEP[bad.list_name],
                                         bad.message, "den Eintrag im Kopf richtigstellen und "
                                         f"mit lip berichtigen {kap} --grund \"…\" festhalten",
                                         (bad.list_name, bad.index)))
    for record in records.in_time_order():
        step = step_of(record)
        try:
            status = check_step(fold, step, record, kap=kap)
        except ReviewStateError as e:
            e.where = (record.list_name, record.index)
            problems.append(e)
            status = _TARGET.get(step, fold.status)
        apply_step(fold, step, record, status)
    return fold, problems


# --- the state of one chapter --------------------------------------------------------------------


@dataclass
class ChapterState:
    """Everything status, build and site need to know about one chapter's review."""

    status: ReviewStatus
    etappe: str
    last_submission: Vorlage | None
    last_decision: Entscheidung | None
    open_vorgaben: list[Vorgabe]
    missing_statements: list[str]
    """Gremium keys whose statement is due and missing (`statements_due`)."""
    changed_since_decision: bool
    changed_since_submission: bool
    decided_commit: str | None
    decided_text_sha256: str | None
    statements: list[Stellungnahme]
    problems: list[ReviewStateError]
    """Records the rules refuse (shown by `lip check`)."""
    beschluss: Beschluss | None = None
    """The council's Beschluss, when the chapter's text is exactly the text it adopted: then
    the Beschluss is the last decision on it, and the chapter is final."""
    amended_by_council: bool = False
    """Beschlossen on a text other than the one the Lenkungsgruppe accepted: the adopted
    Punkte of Änderungsanträge changed it (`amendments` names them)."""
    amendments: tuple[str, ...] = ()
    """The adopted Punkte that changed the chapter: 'Änderungsantrag 1, Punkte 1 und 2'."""

    @property
    def beschlossen(self) -> bool:
        return self.beschluss is not None

    @property
    def beschluss_detail(self) -> str:
        """What follows „beschlossen“: '(Ratsversammlung, 25.02.2021)', and ', durch
        Änderungsanträge geändert' when the adopted Punkte changed the text ('' before the
        Beschluss)."""
        if self.beschluss is None:
            return ""
        b = self.beschluss
        return (f"({b.gremium_name}, {german_date(b.datum)})"
                + (", durch Änderungsanträge geändert" if self.amended_by_council else ""))

    @property
    def amendment_note(self) -> str:
        """'geändert durch Änderungsantrag 1, Punkte 1 und 2; Änderungsantrag 2, Punkt 1'
        ('' when the council adopted the text as the Lenkungsgruppe accepted it)."""
        if not self.amended_by_council:
            return ""
        if not self.amendments:
            return "geändert durch angenommene Änderungsanträge"
        return "geändert durch " + "; ".join(self.amendments)

    @property
    def label(self) -> str:
        """German one-liner: 'angenommen am 12.03.2020, seitdem geändert'; after the
        council's Beschluss 'beschlossen (Ratsversammlung, 25.02.2021)', with the
        Änderungsanträge as the cause of any change (`amendment_note` names them)."""
        if self.beschluss is not None:
            return f"beschlossen {self.beschluss_detail}"
        text = self.status.label
        if self.status is ReviewStatus.VORGELEGT and self.last_submission:
            text += f" am {german_date(self.last_submission.datum)}"
            if self.changed_since_submission:
                text += ", seitdem geändert"
        elif self.status.is_decided() and self.last_decision:
            text = f"{self.last_decision.ergebnis} am {german_date(self.last_decision.datum)}"
            if self.status is ReviewStatus.UEBERARBEITET:
                text += ", seitdem überarbeitet"
            elif self.changed_since_decision:
                text += ", seitdem geändert"
        return text

    @property
    def is_final(self) -> bool:
        """Accepted on exactly the current text, or that text adopted by the council: the
        chapter may go into the final Fassung."""
        if self.beschluss is not None:
            return True
        return self.status is ReviewStatus.ANGENOMMEN and not self.changed_since_decision


def expected_statements(gender_relevant: bool, gremien: Any = None) -> list[str]:
    """Gremien that should comment on every submitted version of such a chapter."""
    keys = list(EXPECTED_STATEMENTS) + ([GENDER_BODY] if gender_relevant else [])
    if isinstance(gremien, dict) and gremien:
        keys = [k for k in keys if k in gremien]
    return keys


def statements_due(fold: Fold, status: ReviewStatus, gremien: Any = None) -> list[str]:
    """Gremium keys whose Stellungnahme is due and not yet recorded – the one rule behind
    `lip status`, the site's start page and the chapter pages.

    Statements are due while a version lies before the Lenkungsgruppe (vorgelegt): from every
    Gremium in `expected_statements` (the Gleichstellungsbeauftragte only for a
    gleichstellungsrelevant chapter; only Gremien the manifest knows), on exactly the submitted
    text. Once the Lenkungsgruppe has decided, nothing is due any more until the next Vorlage.
    """
    if status is not ReviewStatus.VORGELEGT or fold.last_submission is None:
        return []
    submitted = fold.last_submission.stand.text_sha256
    have = {s.gremium for s in fold.statements if s.stand.text_sha256 == submitted}
    return [k for k in expected_statements(fold.gender_relevant, gremien) if k not in have]


def chapter_state(chapter: Any, gremien: Any = None, beschluss: Beschluss | None = None,
                  amendments: tuple[str, ...] = ()) -> ChapterState:
    """Fold the chapter's review records against its current text (pure; never raises).

    `chapter` is a `plan.Chapter`; `gremien` (the manifest's) limits the expected statements
    to bodies the plan knows. `beschluss` is the council's Beschluss on the plan
    (`plan.fassungen.beschluss_of`) and `amendments` the adopted Punkte that act on this
    chapter: a text the council adopted is shown as beschlossen, its changes since the
    Lenkungsgruppe's acceptance as the council's, never as unapproved. The one rule behind
    `lip status`, the site and the documents (`commands.stand.chapter_states`; `lip build`
    passes them to the Beratungsverlauf).
    """
    gender = chapter.get("gleichstellungsrelevant") is True
    fold, problems = replay(chapter.review, chapter=display_name(chapter), kap=chapter.id,
                            gender_relevant=gender)
    current = chapter.text_sha256
    status = fold.effective(current)
    decision = fold.last_decision
    decided_commit, decided_sha = stand_of(decision)
    _, submitted_sha = stand_of(fold.last_submission)
    missing = statements_due(fold, status, gremien)
    pending = status is ReviewStatus.VORGELEGT
    adopted = beschluss if beschluss is not None and \
        beschluss.covers(chapter.filename, current) else None
    changed = bool(decision) and decided_sha != current
    return ChapterState(
        status=status,
        etappe=str(chapter.get("etappe", "")),
        last_submission=fold.last_submission,
        last_decision=decision,
        open_vorgaben=open_vorgaben_of(decision) if not pending else [],
        missing_statements=missing,
        # the council's Beschluss is the last decision on an adopted text
        changed_since_decision=changed and adopted is None,
        changed_since_submission=bool(fold.last_submission) and submitted_sha != current,
        decided_commit=decided_commit or None,
        decided_text_sha256=decided_sha or None,
        statements=fold.statements,
        problems=problems,
        beschluss=adopted,
        amended_by_council=adopted is not None and changed,
        amendments=tuple(amendments) if adopted is not None and changed else (),
    )


def display_name(chapter: Any) -> str:
    """'1 Bildung' / 'A Haltung der Stadt' – how messages name a chapter."""
    number = chapter.number
    return f"{number} {chapter.title}" if number else chapter.title


def next_vorgabe_ids(count: int) -> list[str]:
    """Ids for the Vorgaben of a new decision: V1, V2, …"""
    return [f"V{i}" for i in range(1, count + 1)]


def check_final(plan: Any, report: Any) -> None:
    """Add an error for every chapter not accepted on exactly its current text.

    This is the rule for the final Fassung (`lip check --final`, and `lip build` marks the
    document ENTWURF when it fails): the Lenkungsgruppe's last decision is `angenommen` and
    pins the text the chapter has now.
    """
    gremien = plan.manifest.gremien if plan.manifest else None
    beschluss = beschluss_of(plan)
    for chapter in plan.chapters:
        state = chapter_state(chapter, gremien, beschluss)
        if state.is_final:
            continue
        if state.status is ReviewStatus.ANGENOMMEN:
            report.add(chapter.path,
                       chapter.line_of("review", "entscheidungen", state.last_decision.index),
                       "review",
                       f"der Text wurde nach der Annahme am "
                       f"{german_date(state.last_decision.datum)} geändert; die "
                       f"Annahme deckt die jetzige Fassung nicht. Erneut vorlegen "
                       f"(lip vorlegen {chapter.id}) und annehmen lassen")
        else:
            report.add(chapter.path, chapter.line_of("review"), "review",
                       f"für die endgültige Fassung muss das Kapitel von der Lenkungsgruppe "
                       f"angenommen sein; Stand: {state.label}")
