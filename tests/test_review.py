"""The review state machine (pure): transitions, replay of records, staleness, lip check."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import review
from pipeline.commands.plan_report import plan_report
from pipeline.diagnostics import Report
from pipeline.plan import load_chapter, load_plan, read_folder, text_hash
from pipeline.review import ReviewStatus as S
from pipeline.review import Step as T

PLAN = Path(__file__).parent / "data" / "plans" / "review-mini" / "plan"
SOURCE = (PLAN / "11-bildung.md").read_text(encoding="utf-8")
EMPTY_REVIEW = "review:\n  vorlagen: []\n  entscheidungen: []\n  stellungnahmen: []\n"
BODY_SHA = load_chapter("11-bildung.md", SOURCE.encode()).text_sha256
OTHER = hashlib.sha256(b"other").hexdigest()
C1, C2 = "a" * 40, "b" * 40


def chapter(review_yaml: str, body_suffix: str = ""):
    text = SOURCE.replace(EMPTY_REVIEW, review_yaml) + body_suffix
    return load_chapter("11-bildung.md", text.encode("utf-8"))


def stand(commit=C1, sha=BODY_SHA):
    return f"stand: {{commit: {commit}, text_sha256: {sha}}}"


def test_every_pair_is_allowed_or_explained():
    for step in T:
        for status in S:
            assert (status in review.TRANSITIONS[step]) != ((step, status) in review.REFUSALS), \
                (step, status)


def test_labels_are_german():
    assert [s.label for s in S] == ["Entwurf", "vorgelegt", "zurückgespielt", "überarbeitet",
                                    "angenommen"]


def test_fresh_chapter_is_a_draft():
    state = review.chapter_state(chapter(EMPTY_REVIEW))
    assert state.status is S.ENTWURF and state.label == "Entwurf"
    assert state.last_decision is None and state.missing_statements == []
    assert not state.changed_since_decision and state.decided_commit is None


def test_returned_then_edited_is_ueberarbeitet():
    yaml = (f"review:\n  vorlagen:\n    - {{datum: 2020-10-01, gremium: eg-bildung, {stand()}}}\n"
            f"  entscheidungen:\n    - {{datum: 2020-10-05, gremium: lenkungsgruppe, ergebnis: "
            f"zurückgespielt, {stand()}, vorgaben: [{{id: V1, text: Mehr Eltern}}]}}\n"
            f"  stellungnahmen: []\n")
    returned = review.chapter_state(chapter(yaml))
    assert returned.status is S.ZURUECKGESPIELT
    assert returned.label == "zurückgespielt am 05.10.2020"
    assert [v.id for v in returned.open_vorgaben] == ["V1"]
    edited = review.chapter_state(chapter(yaml, "\nNeuer Absatz.\n"))
    assert edited.status is S.UEBERARBEITET
    assert edited.label == "zurückgespielt am 05.10.2020, seitdem überarbeitet"
    assert edited.changed_since_decision and edited.decided_commit == C1


IMPOSSIBLE = [
    ("decision before any submission",
     f"  vorlagen: []\n  entscheidungen:\n    - {{datum: 2020-10-05, gremium: lenkungsgruppe, "
     f"ergebnis: angenommen, {stand()}}}\n  stellungnahmen: []\n",
     "review.entscheidungen[0]",
     "das Kapitel wurde der Lenkungsgruppe nie vorgelegt; stattdessen: erst vorlegen: "
     "lip vorlegen bildung"),
    ("decision pins a version never submitted",
     f"  vorlagen:\n    - {{datum: 2020-10-01, gremium: eg-bildung, {stand()}}}\n"
     f"  entscheidungen:\n    - {{datum: 2020-10-05, gremium: lenkungsgruppe, ergebnis: "
     f"zurückgespielt, {stand(C2, OTHER)}, vorgaben: [{{id: V1, text: x}}]}}\n"
     f"  stellungnahmen: []\n",
     "review.entscheidungen[0]",
     f"entschieden werden kann nur über die vorgelegte Fassung (Stand {C1[:10]} vom "
     f"01.10.2020); die Fassung {C2[:10]} hat einen anderen Text; stattdessen: über die "
     f"vorgelegte Fassung mit --commit {C1[:10]} entscheiden oder die neue Fassung zuerst "
     f"vorlegen: lip vorlegen bildung"),
    ("accepted without the Gleichstellungsbeauftragte",
     f"  vorlagen:\n    - {{datum: 2020-10-01, gremium: eg-bildung, {stand()}}}\n"
     f"  entscheidungen:\n    - {{datum: 2020-10-05, gremium: lenkungsgruppe, ergebnis: "
     f"angenommen, {stand()}}}\n  stellungnahmen:\n    - {{datum: 2020-10-02, gremium: rtgs, "
     f"{stand()}, text: Gut.}}\n",
     "review.entscheidungen[0]",
     "das Kapitel ist gleichstellungsrelevant, aber zur vorgelegten Fassung vom 01.10.2020 liegt "
     "keine Stellungnahme der Gleichstellungsbeauftragten vor; stattdessen: erst die "
     "Stellungnahme festhalten: lip stellungnahme bildung --gremium gleichstellungsbeauftragte "
     "--text \"…\" (oder das Kapitel mit Vorgaben zurückspielen)"),
    ("submissions out of order",
     f"  vorlagen:\n    - {{datum: 2020-10-09, gremium: eg-bildung, {stand()}}}\n"
     f"    - {{datum: 2020-10-01, gremium: eg-bildung, {stand(C2, OTHER)}}}\n"
     f"  entscheidungen: []\n  stellungnahmen: []\n",
     "review.vorlagen[1]",
     "Eintrag vom 01.10.2020 steht nach einem Eintrag vom 09.10.2020; die Liste wird nur "
     "angefügt und ist zeitlich geordnet; stattdessen: den Eintrag im Kopf richtigstellen und "
     "mit lip berichtigen bildung --grund \"…\" festhalten"),
    ("statement on a version never submitted",
     f"  vorlagen:\n    - {{datum: 2020-10-01, gremium: eg-bildung, {stand()}}}\n"
     f"  entscheidungen: []\n  stellungnahmen:\n    - {{datum: 2020-10-02, gremium: rtgs, "
     f"{stand(C2, OTHER)}, text: Gut.}}\n",
     "review.stellungnahmen[0]",
     f"Stellungnahmen beziehen sich auf eine vorgelegte Fassung; die Fassung {C2[:10]} wurde "
     f"nie vorgelegt; stattdessen: die vorgelegte Fassung mit --commit {C1[:10]} angeben"),
]


@pytest.mark.parametrize("name,records,field,message", IMPOSSIBLE, ids=[c[0] for c in IMPOSSIBLE])
def test_lip_check_replays_the_records(tmp_path, name, records, field, message):
    files = read_folder(PLAN)
    files["11-bildung.md"] = SOURCE.replace(EMPTY_REVIEW, "review:\n" + records).encode()
    report = plan_report(load_plan(files))
    found = [d for d in report.errors if d.field.startswith("review")]
    assert (field, message) in [(d.field, d.message) for d in found]
    assert all(d.field.startswith("review.") for d in found)
    diag = next(d for d in found if d.field == field)
    list_name, index = field[len("review."):-3], int(field[-2])
    lines = files["11-bildung.md"].decode().split("\n")
    start = lines.index(f"  {list_name}:") + 1
    assert diag.line == start + 1 + index  # 1-based: the record's own line


def test_check_final_names_stale_and_undecided_chapters():
    accepted = (f"review:\n  vorlagen:\n    - {{datum: 2020-10-01, gremium: eg-bildung, "
                f"{stand()}}}\n  entscheidungen:\n    - {{datum: 2020-10-05, gremium: "
                f"lenkungsgruppe, ergebnis: angenommen, {stand()}}}\n  stellungnahmen:\n"
                f"    - {{datum: 2020-10-02, gremium: gleichstellungsbeauftragte, {stand()}, "
                f"text: Gut.}}\n")
    files = read_folder(PLAN)
    files["11-bildung.md"] = SOURCE.replace(EMPTY_REVIEW, accepted).encode()
    plan = load_plan(files)
    assert review.chapter_state(plan.chapter("bildung")).is_final
    report = Report()
    review.check_final(plan, report)
    assert [(d.path, d.message) for d in report.errors] == [
        ("plan/01-haltung.md", "für die endgültige Fassung muss das Kapitel von der "
                               "Lenkungsgruppe angenommen sein; Stand: Entwurf")]
    files["11-bildung.md"] += b"\nNachtrag nach der Annahme.\n"
    report = Report()
    review.check_final(load_plan(files), report)
    assert report.errors[-1].message.startswith("der Text wurde nach der Annahme am "
                                                "05.10.2020 geändert")


def test_recording_is_not_part_of_the_hash():
    with_records = chapter(f"review:\n  vorlagen:\n    - {{datum: 2020-10-01, gremium: "
                           f"eg-bildung, {stand()}}}\n  entscheidungen: []\n"
                           f"  stellungnahmen: []\n")
    assert with_records.text_sha256 == BODY_SHA == text_hash(with_records.text.body)


# --- property: what the guard lets through, the replay accepts ------------------------------

STEPS = st.lists(st.tuples(st.sampled_from(list(T)), st.booleans(), st.integers(0, 3)),
                 max_size=14)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(STEPS, st.booleans())
def test_guard_and_replay_agree(steps, gender):
    """Apply random steps through check_step; the records it accepted replay without problems."""
    fold = review.Fold("1 Bildung", gender)
    records = {"vorlagen": [], "entscheidungen": [], "stellungnahmen": []}
    day = dt.date(2020, 1, 1)
    text = BODY_SHA
    for n, (step, flag, extra) in enumerate(steps):
        day += dt.timedelta(days=1 + extra)
        if flag and step is T.VORLEGEN:  # the group edits before submitting
            text = hashlib.sha256(f"v{n}".encode()).hexdigest()
        if step is T.STELLUNGNAHME:
            sub = tuple(review.stand_of(fold.last_submission))
            rec = {"datum": day, "gremium": "gleichstellungsbeauftragte" if flag else "rtgs",
                   "stand": {"commit": sub[0] or C1, "text_sha256": sub[1] or text},
                   "text": "x"}
        elif step in (T.ANNEHMEN, T.ZURUECKSPIELEN):
            sub = tuple(review.stand_of(fold.last_submission))
            rec = {"datum": day, "gremium": "lenkungsgruppe",
                   "ergebnis": "angenommen" if step is T.ANNEHMEN else "zurückgespielt",
                   "stand": {"commit": sub[0] or C1, "text_sha256": sub[1] or text},
                   "vorgaben": [{"id": f"V{n}", "text": "x"}] if flag else []}
        elif step is T.VORGABE_ERLEDIGT:
            rec = None
        else:
            rec = {"datum": day, "gremium": "eg-bildung",
                   "stand": {"commit": f"{n:040x}", "text_sha256": text}}
        name = {T.VORLEGEN: "vorlagen", T.STELLUNGNAHME: "stellungnahmen"}.get(
            step, "entscheidungen")
        typed = (review.Record(datum=day, stand=review.Stand(C1, text)) if rec is None
                 else review.read_record(name, rec))
        try:
            status = review.check_step(fold, step, typed, kap="bildung")
        except review.ReviewStateError as e:
            assert e.reason and e.hint and str(e).startswith("Kapitel 1 Bildung (Stand: ")
            continue
        if step is T.VORGABE_ERLEDIGT:
            for v in review.open_vorgaben_of(fold.last_decision):
                v.raw["erledigt"] = {"datum": day, "vermerk": "erledigt"}
            fold.last_decision = review.read_record("entscheidungen", fold.last_decision.raw)
            continue
        review.apply_step(fold, step, typed, status)
        records[name].append(rec)
    replayed, problems = review.replay(records, chapter="1 Bildung", kap="bildung",
                                       gender_relevant=gender)
    assert problems == []
    assert replayed.status is fold.status


def test_a_restored_entry_binds_past_the_commit_that_changed_it_but_a_copy_does_not():
    """The way back the message gives (the file of the newest commit that still holds the
    entry) passes: the commit that had changed it binds nothing for that entry. Turning a
    later entry into a copy of an earlier one is still reported."""
    from pipeline.review.append_only import Version, tampered

    def decision(day: int, ergebnis: str) -> dict:
        return {"datum": dt.date(2020, 3, day), "gremium": "lenkungsgruppe", "ergebnis": ergebnis}

    e, f = decision(1, "zurückgespielt"), decision(9, "angenommen")
    changed = decision(1, "angenommen")
    history = [Version("a" * 40, "", {"entscheidungen": [e]}),
               Version("b" * 40, "", {"entscheidungen": [e, f]}),
               Version("c" * 40, "", {"entscheidungen": [changed, f]})]  # past the hook
    [found] = tampered({"entscheidungen": [changed, f]}, history)
    assert (found.commit, found.restore) == ("a" * 40, "b" * 40)  # git checkout bbbbbbbbbb -- …
    assert tampered({"entscheidungen": [e, f]}, history) == []
    [copy] = tampered({"entscheidungen": [e, e]}, history[:2])
    assert (copy.entry["ergebnis"], copy.after["ergebnis"]) == ("angenommen", "zurückgespielt")


def test_a_tampered_entry_names_its_gremium_as_lip_yaml_does(minimal_plan):
    """Walk-through item 10: „Eintrag (01.10.2020, integrationsbeiraete)“ named the key."""
    from pipeline.review.append_only import Version, tampered

    plan = load_plan(minimal_plan)
    entry = {"datum": dt.date(2020, 10, 1), "gremium": "integrationsbeiraete", "text": "…"}
    found = tampered({}, [Version("a" * 40, "", {"stellungnahmen": [entry]})])
    message = found[0].message("plan/11-bildung.md", "bildung", plan.manifest.gremium_name)
    assert message.startswith("Eintrag (01.10.2020, Integrationsbeiräte (Delegiertenkonferenz)) "
                              "aus Commit aaaaaaaaaa wurde entfernt")


def test_a_tampered_entry_names_only_the_field_edited_not_the_vorgaben_done_since():
    """Walk: a hand-edited Abstimmung of a decision whose Vorgaben were marked done after it was
    committed read „(Vorgaben geändert; Abstimmung geändert)“, and the line was the entry's:
    the allowed `erledigt` notes are no change, so only the Abstimmung is named, on its line,
    with the vote as recorded and as it is now (a Berichtigung keeps both in its record)."""
    from pipeline.review.append_only import Version, tampered

    vorgabe = {"id": "V1", "text": "Eltern einbeziehen."}
    entry = {"datum": dt.date(2020, 10, 8), "gremium": "lenkungsgruppe",
             "ergebnis": "zurückgespielt", "vorgaben": [vorgabe], "abstimmung": "einstimmig"}
    done = {**entry, "vorgaben": [{**vorgabe, "erledigt": {"datum": dt.date(2020, 10, 20),
                                                           "vermerk": "Ziel 1.1.3"}}]}
    history = [Version("a" * 40, "", {"entscheidungen": [entry]}),
               Version("b" * 40, "", {"entscheidungen": [done]})]
    [found] = tampered({"entscheidungen": [{**done, "abstimmung": "12 dafür"}]}, history)
    assert found.field == "review.entscheidungen[0].abstimmung"
    message = found.message("plan/11-bildung.md", "bildung")
    assert "wurde nachträglich geändert (Abstimmung „einstimmig“ → „12 dafür“);" in message
    assert "git checkout bbbbbbbbbb -- plan/11-bildung.md" in message
