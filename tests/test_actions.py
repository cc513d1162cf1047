"""Review use cases against real git repositories: the whole cycle and every refusal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import git
import pytest
from support.repos import commit_all, edit, snapshot

from pipeline import review
from pipeline.commands import check as check_cmd
from pipeline.commands import record
from pipeline.commands import status as status_cmd
from pipeline.commands.plan_report import plan_report
from pipeline.errors import PipelineError
from pipeline.plan import load_chapter, load_plan
from pipeline.plan.frontmatter import new_mapping

D = dt.date


def state(root, key="bildung"):
    plan = load_plan(root / "plan")
    return review.chapter_state(plan.chapter(key), plan.manifest.gremien)


def head_subject(root) -> str:
    return git.Repo(root).head.commit.message.splitlines()[0]


def split_file(path):
    raw = path.read_bytes()
    ch = load_chapter(path.name, raw)
    return ch


def test_whole_cycle(mini):
    plan = mini / "plan"
    path = plan / "11-bildung.md"
    repo = git.Repo(mini)
    before = split_file(path)
    n0 = len(list(repo.iter_commits()))

    r = record.submit(plan, "bildung", datum=D(2020, 10, 5))
    assert head_subject(mini) == "Expert*innengruppe Bildung: Kapitel 1 Bildung der " \
                                 "Lenkungsgruppe vorgelegt"
    assert r.commit == repo.head.commit.hexsha
    assert state(mini).status is review.ReviewStatus.VORGELEGT
    assert state(mini).missing_statements == ["integrationsbeiraete", "rtgs",
                                               "gleichstellungsbeauftragte"]

    record.decide(plan, "bildung", accepted=False, datum=D(2020, 10, 20),
                   vorgaben=["Eltern stärker einbeziehen", "Kennzahl konkretisieren"],
                   sitzung="3. Sitzung der Lenkungsgruppe", abstimmung="17 dafür, 3 dagegen")
    assert head_subject(mini) == "Lenkungsgruppe: Kapitel 1 Bildung zurückgespielt mit 2 Vorgaben"
    s = state(mini)
    assert s.status is review.ReviewStatus.ZURUECKGESPIELT
    assert [v.id for v in s.open_vorgaben] == ["V1", "V2"]
    assert s.last_decision.commit == s.last_submission.commit

    record.add_statement(plan, "bildung", gremium="rtgs", text="Der RTGS regt an, "
                          "Elternlots*innen zu beteiligen.", datum=D(2020, 10, 14))
    assert head_subject(mini) == ("Runder Tisch für Gleichberechtigung und gegen Rassismus "
                                  "(RTGS): Stellungnahme zu Kapitel 1 Bildung")
    # Every recording keeps the text hash and the rest of the front matter.
    after = split_file(path)
    assert after.text_sha256 == before.text_sha256
    assert after.text.body == before.text.body
    head_yaml = before.text.yaml_text.split("review:")[0]
    assert after.text.yaml_text.startswith(head_yaml)

    edit(path, "für Kinder, Jugendliche und Erwachsene.",
         "für Kinder, Jugendliche, Eltern und Erwachsene.")
    commit_all(repo, "Bildung: Eltern einbezogen (V1)")
    assert state(mini).status is review.ReviewStatus.UEBERARBEITET

    with pytest.raises(review.ReviewStateError) as e:
        record.submit(plan, "bildung", datum=D(2020, 11, 2))
    assert str(e.value) == (
        "Kapitel 1 Bildung (Stand: überarbeitet): Vorlegen nicht möglich – die Vorgaben V1, V2 "
        "der Lenkungsgruppe vom 20.10.2020 sind noch nicht als erledigt vermerkt. Stattdessen: "
        "für jede festhalten, wie die Expert*innengruppe sie umgesetzt hat: lip vorgabe-erledigt "
        "bildung V1 --vermerk \"…\".")

    record.vorgabe_done(plan, "bildung", "V1", vermerk="Eltern in der Einleitung genannt",
                         datum=D(2020, 11, 1))
    assert head_subject(mini) == "Expert*innengruppe Bildung: Vorgabe V1 zu Kapitel 1 Bildung " \
                                 "erledigt"
    record.vorgabe_done(plan, "bildung", "v2", vermerk="Kennzahl präzisiert",
                         datum=D(2020, 11, 1))
    assert state(mini).open_vorgaben == []
    record.submit(plan, "bildung", datum=D(2020, 11, 2), vermerk="überarbeitet")
    assert head_subject(mini).endswith("Kapitel 1 Bildung erneut der Lenkungsgruppe vorgelegt")
    assert state(mini).status is review.ReviewStatus.VORGELEGT

    for gremium in ("integrationsbeiraete", "gleichstellungsbeauftragte"):
        record.add_statement(plan, "bildung", gremium=gremium, text="Einverstanden.",
                              datum=D(2020, 11, 10))
    assert state(mini).missing_statements == ["rtgs"]  # RTGS spoke on the first version only
    record.decide(plan, "bildung", accepted=True, datum=D(2020, 11, 18))
    s = state(mini)
    assert s.status is review.ReviewStatus.ANGENOMMEN and s.is_final
    assert s.label == "angenommen am 18.11.2020"

    # Edit after acceptance: stale, check --final fails, status counts the words.
    edit(path, "Kita-Träger, Familienzentren", "Kita-Träger, Familienzentren, Elternvereine")
    commit_all(repo, "Bildung: Beteiligte ergänzt")
    s = state(mini)
    assert s.status is review.ReviewStatus.ANGENOMMEN and s.changed_since_decision
    assert not s.is_final
    report = check_cmd.check(plan, final=True)
    assert [d.message for d in report.errors] == [
        "für die endgültige Fassung muss das Kapitel von der Lenkungsgruppe angenommen sein; "
        "Stand: Entwurf",
        "der Text wurde nach der Annahme am 18.11.2020 geändert; die Annahme deckt die jetzige "
        "Fassung nicht. Erneut vorlegen (lip vorlegen bildung) und annehmen lassen"]
    row = next(r for r in status_cmd.status(plan).rows if r.id == "bildung")
    assert row.stand == "angenommen am 18.11.2020, seitdem geändert: 1 Wort eingefügt, " \
                        "0 Wörter gestrichen"
    # "Familienzentren" became "Familienzentren, Elternvereine": the redline marks one word
    assert (row.woerter_hinzu, row.woerter_entfernt) == (1, 0)

    # Re-accept: submit the new version, statement, accept.
    record.submit(plan, "bildung", datum=D(2020, 12, 1))
    record.add_statement(plan, "bildung", gremium="gleichstellungsbeauftragte",
                          text="Keine Einwände.", datum=D(2020, 12, 2))
    record.decide(plan, "bildung", accepted=True, datum=D(2020, 12, 3))
    assert state(mini).is_final
    assert len(list(repo.iter_commits())) == n0 + 14
    assert repo.git.status("--porcelain") == ""
    assert not plan_report(load_plan(plan)).errors
    assert split_file(path).text.body != before.text.body


def submitted(root, gender_statement=False):
    plan = root / "plan"
    record.submit(plan, "bildung", datum=D(2020, 10, 5))
    if gender_statement:
        record.add_statement(plan, "bildung", gremium="gleichstellungsbeauftragte",
                              text="Einverstanden.", datum=D(2020, 10, 6))


REFUSALS = [
    ("accept never submitted", lambda p: None,
     lambda p: record.decide(p, "bildung", accepted=True, datum=D(2020, 10, 1)),
     "Kapitel 1 Bildung (Stand: Entwurf): Annehmen nicht möglich – das Kapitel wurde der "
     "Lenkungsgruppe nie vorgelegt. Stattdessen: erst vorlegen: lip vorlegen bildung."),
    ("return without Vorgaben", submitted,
     lambda p: record.decide(p, "bildung", accepted=False, datum=D(2020, 10, 7)),
     "Kapitel 1 Bildung (Stand: vorgelegt): Zurückspielen nicht möglich – zurückspielen ohne "
     "Vorgaben geht nicht: die Expert*innengruppe muss wissen, was sie überarbeiten soll. "
     "Stattdessen: mindestens eine Vorgabe angeben: --vorgabe \"…\"."),
    ("accept gender-relevant without statement", submitted,
     lambda p: record.decide(p, "bildung", accepted=True, datum=D(2020, 10, 7)),
     "Kapitel 1 Bildung (Stand: vorgelegt): Annehmen nicht möglich – das Kapitel ist "
     "gleichstellungsrelevant, aber zur vorgelegten Fassung vom 05.10.2020 liegt keine "
     "Stellungnahme der Gleichstellungsbeauftragten vor. Stattdessen: erst die Stellungnahme "
     "festhalten: lip stellungnahme bildung --gremium gleichstellungsbeauftragte --text \"…\" "
     "(oder das Kapitel mit Vorgaben zurückspielen)."),
    ("submit twice", submitted,
     lambda p: record.submit(p, "bildung", datum=D(2020, 10, 7)),
     "Kapitel 1 Bildung (Stand: vorgelegt): Vorlegen nicht möglich – das Kapitel liegt der "
     "Lenkungsgruppe in genau diesem Text seit 05.10.2020 vor. Stattdessen: nichts zu tun: die "
     "Lenkungsgruppe entscheidet über diese Fassung; nach einer Textänderung (committen) die "
     "neue Fassung erneut vorlegen: lip vorlegen bildung."),
    ("statement on a draft", lambda p: None,
     lambda p: record.add_statement(p, "bildung", gremium="rtgs", text="x",
                                     datum=D(2020, 10, 7)),
     "Kapitel 1 Bildung (Stand: Entwurf): Stellungnahme festhalten nicht möglich – das Kapitel "
     "wurde noch nicht vorgelegt; Stellungnahmen beziehen sich auf eine vorgelegte Fassung. "
     "Stattdessen: erst vorlegen: lip vorlegen bildung."),
    ("date before the last record", submitted,
     lambda p: record.add_statement(p, "bildung", gremium="rtgs", text="x",
                                     datum=D(2020, 9, 1)),
     "Kapitel 1 Bildung (Stand: vorgelegt): Stellungnahme festhalten nicht möglich – das Datum "
     "01.09.2020 liegt vor der Vorlage dieser Fassung am 05.10.2020. Stattdessen: das Datum "
     "prüfen (--datum TT.MM.JJJJ)."),
    ("decision dated before the submission", submitted,
     lambda p: record.decide(p, "bildung", accepted=False, vorgaben=["x"],
                              datum=D(2020, 9, 1)),
     "Kapitel 1 Bildung (Stand: vorgelegt): Zurückspielen nicht möglich – das Datum "
     "01.09.2020 liegt vor dem letzten Eintrag vom 05.10.2020. Stattdessen: Einträge in "
     "zeitlicher Reihenfolge festhalten; das Datum prüfen (--datum TT.MM.JJJJ)."),
    ("Vorgabe erledigt without a return", submitted,
     lambda p: record.vorgabe_done(p, "bildung", "V1", vermerk="x", datum=D(2020, 10, 7)),
     "Kapitel 1 Bildung (Stand: vorgelegt): Vorgabe als erledigt vermerken nicht möglich – das "
     "Kapitel liegt der Lenkungsgruppe bereits wieder vor. Stattdessen: Vorgaben vor der "
     "erneuten Vorlage als erledigt vermerken; jetzt die Entscheidung abwarten."),
    ("unknown body", submitted,
     lambda p: record.add_statement(p, "bildung", gremium="lenkungsgruppe", text="x"),
     "'lenkungsgruppe' ist kein Gremium, das Stellung nimmt (Rolle 'nimmt Stellung' in "
     "plan/lip.yaml); möglich: gleichstellungsbeauftragte, integrationsbeiraete, rtgs"),
    ("Vorgaben with acceptance", submitted,
     lambda p: record.decide(p, "bildung", accepted=True, vorgaben=["x"]),
     "Vorgaben gehören zu einer Rückgabe: --vorgabe nur zusammen mit --zurueckgespielt angeben"),
    ("unknown chapter", lambda p: None,
     lambda p: record.submit(p, "kultur"),
     "Kapitel 'kultur' nicht gefunden; vorhanden: haltung, bildung"),
]


@pytest.mark.parametrize("name,prepare,step,message", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_steps_change_nothing(mini, name, prepare, step, message):
    plan = mini / "plan"
    prepare(mini)
    before = snapshot(mini)
    with pytest.raises(PipelineError) as e:
        step(plan)
    assert str(e.value) == message
    assert snapshot(mini) == before


def test_decision_on_other_version_is_refused(mini):
    plan = mini / "plan"
    repo = git.Repo(mini)
    submitted(mini, gender_statement=True)
    sub = state(mini).last_submission.commit
    edit(plan / "11-bildung.md", "wichtigste Schlüssel", "zentrale Schlüssel")
    commit_all(repo, "Bildung: Einleitung umformuliert")
    before = snapshot(mini)
    with pytest.raises(review.ReviewStateError) as e:
        record.decide(plan, "bildung", accepted=True, datum=D(2020, 10, 8))
    assert str(e.value) == (
        f"Kapitel 1 Bildung (Stand: vorgelegt): Annehmen nicht möglich – entschieden werden kann "
        f"nur über die vorgelegte Fassung (Stand {sub[:10]} vom 05.10.2020); die Fassung "
        f"{repo.head.commit.hexsha[:10]} hat einen anderen Text. Stattdessen: über die vorgelegte "
        f"Fassung mit --commit {sub[:10]} entscheiden oder die neue Fassung zuerst vorlegen: "
        f"lip vorlegen bildung.")
    assert snapshot(mini) == before
    # Naming the submitted version works and pins it.
    record.decide(plan, "bildung", accepted=True, datum=D(2020, 10, 8), commit=sub[:10])
    s = state(mini)
    assert s.decided_commit == sub and s.changed_since_decision


def test_uncommitted_edits_refused_unless_commit_given(mini):
    plan = mini / "plan"
    path = plan / "11-bildung.md"
    repo = git.Repo(mini)
    edit(path, "wichtigste Schlüssel", "zentrale Schlüssel")
    before = snapshot(mini)
    with pytest.raises(record.UncommittedEdits) as e:
        record.submit(plan, "bildung", datum=D(2020, 10, 5))
    assert str(e.value) == (
        "plan/11-bildung.md hat Änderungen, die noch nicht committet sind. Ein Eintrag im "
        "Beratungsverlauf muss eine committete Fassung festhalten. Erst committen (git commit "
        "plan/11-bildung.md) oder mit --commit SHA die gemeinte Fassung angeben.")
    assert snapshot(mini) == before
    head = repo.head.commit.hexsha
    record.submit(plan, "bildung", datum=D(2020, 10, 5), commit="HEAD")
    # The commit holds only the record; the editor's edit stays in the working tree.
    committed = repo.git.show("HEAD:plan/11-bildung.md")
    assert "wichtigste Schlüssel" in committed and "datum: 2020-10-05" in committed
    assert "zentrale Schlüssel" in path.read_text(encoding="utf-8")
    assert "datum: 2020-10-05" in path.read_text(encoding="utf-8")
    assert repo.git.status("--porcelain") == " M plan/11-bildung.md"
    assert state(mini).last_submission.commit == head


def test_statement_file_beside_chapter(mini, tmp_path):
    plan = mini / "plan"
    submitted(mini)
    src = tmp_path / "einschaetzung.md"
    src.write_text("Die Delegiertenkonferenz begrüßt den Entwurf.\n", encoding="utf-8")
    record.add_statement(plan, "bildung", gremium="integrationsbeiraete", datei=src,
                          datum=D(2020, 10, 9))
    rel = "stellungnahmen/11-bildung-integrationsbeiraete-2020-10-09.md"
    assert (plan / rel).read_bytes() == src.read_bytes()
    repo = git.Repo(mini)
    assert sorted(repo.head.commit.stats.files) == ["plan/11-bildung.md", f"plan/{rel}"]
    assert state(mini).statements[-1].datei == rel
    assert state(mini).statements[-1].art == "Einschätzung"
    assert not plan_report(load_plan(plan)).errors


def test_other_staged_work_is_not_committed(mini):
    plan = mini / "plan"
    repo = git.Repo(mini)
    edit(plan / "01-haltung.md", "Einwanderungsstadt.", "moderne Einwanderungsstadt.")
    repo.git.add("plan/01-haltung.md")
    record.submit(plan, "bildung", datum=D(2020, 10, 5))
    assert list(repo.head.commit.stats.files) == ["plan/11-bildung.md"]
    assert repo.git.status("--porcelain") == "M  plan/01-haltung.md"


def test_statement_with_uncommitted_edits_needs_commit(mini):
    plan = mini / "plan"
    submitted(mini)
    sub = state(mini).last_submission.commit
    edit(plan / "11-bildung.md", "wichtigste Schlüssel", "zentrale Schlüssel")
    before = snapshot(mini)
    with pytest.raises(record.UncommittedEdits):
        record.add_statement(plan, "bildung", gremium="rtgs", text="x", datum=D(2020, 10, 9))
    assert snapshot(mini) == before
    record.add_statement(plan, "bildung", gremium="rtgs", text="x", datum=D(2020, 10, 9),
                          commit=sub)
    assert "wichtigste Schlüssel" in git.Repo(mini).git.show("HEAD:plan/11-bildung.md")
    assert state(mini).statements[-1].commit == sub


SHIPPED = sorted((Path(__file__).parent.parent / "plan").glob("[0-9]*.md"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_recording_keeps_shipped_chapters_byte_identical(path):
    """Writing a record touches only the review block: same body, same hash, same head."""
    raw = path.read_bytes()
    before = load_chapter(path.name, raw)
    entry = new_mapping(datum=D(2020, 2, 3), gremium="eg-grundlagen",
                        stand=record._stand(("c" * 40, before.text_sha256)))
    new = record._rewrite(raw, path.name, lambda meta: record._block_seq(
        record._review_map(meta), "vorlagen").append(entry))
    after = load_chapter(path.name, new)
    assert after.text_sha256 == before.text_sha256 and after.text.body == before.text.body
    head = raw.decode("utf-8").split("\nreview:")[0]
    assert new.decode("utf-8").startswith(head + "\nreview:\n  vorlagen:\n")
    assert frontmatter_plain(after)["review"]["vorlagen"][-1] == frontmatter_plain(
        load_chapter("x.md", b"---\n" + _yaml(entry) + b"---\n"))


def _yaml(record) -> bytes:
    from pipeline.plan import frontmatter

    return frontmatter.dump(record, "").encode("utf-8")


def frontmatter_plain(chapter):
    from pipeline.plan import frontmatter

    return frontmatter.to_plain(chapter.meta)


def test_a_changed_text_can_be_submitted_again_while_it_lies_before_the_lenkungsgruppe(mini):
    """Walk-editor item 6: the Expert*innengruppe changed its text after submitting. `lip
    status` (text and JSON) says what changed since the Vorlage, with the redline's counts;
    the group may submit the new version (a new Vorlage pinning the new text), and the
    Gremien's statements are then due on that one; the decision is about it too."""
    plan = mini / "plan"
    path = plan / "11-bildung.md"
    record.submit(plan, "bildung", datum=D(2020, 10, 5))
    pinned = state(mini).last_submission.commit
    edit(path, "Familienzentren", "Familienzentren, Elternvereine")
    commit_all(git.Repo(mini), "Bildung: Elternvereine ergänzt")
    s = state(mini)
    assert s.status is review.ReviewStatus.VORGELEGT and s.changed_since_submission
    row = next(r for r in status_cmd.status(plan).rows if r.id == "bildung")
    assert row.stand == "vorgelegt am 05.10.2020, seitdem geändert: 1 Wort eingefügt, " \
                        "0 Wörter gestrichen"
    assert row.geaendert_seit == {"eintrag": "Vorlage", "datum": "2020-10-05",
                                  "commit": pinned, "woerter_hinzu": 1,
                                  "woerter_entfernt": 0, "verschoben": 0,
                                  "woerter": "1 Wort eingefügt, 0 Wörter gestrichen"}
    record.submit(plan, "bildung", datum=D(2020, 10, 9))
    s = state(mini)
    assert s.status is review.ReviewStatus.VORGELEGT and not s.changed_since_submission
    assert s.last_submission.datum == D(2020, 10, 9)
    assert s.missing_statements == ["integrationsbeiraete", "rtgs", "gleichstellungsbeauftragte"]
    row = next(r for r in status_cmd.status(plan).rows if r.id == "bildung")
    assert row.stand == "vorgelegt am 09.10.2020" and row.geaendert_seit is None
    assert not plan_report(load_plan(plan)).errors
