"""`lip verlauf` as reviewers read it (issue 15 item 6), in a real repository: text changes in
commit order, each record pointing at the commit whose text it is about, no developer commit
message shown as a Textänderung."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import git
from support.repos import commit_all, edit

from pipeline.commands import record
from pipeline.commands import timeline as timeline_cmd

DAY = "2020-03-02T{}:00:00 +0100"


def test_same_day_text_changes_in_commit_order(mini: Path) -> None:
    repo = git.Repo(mini)
    path = mini / "plan" / "11-bildung.md"
    for n, hour in enumerate(("09", "11", "10")):  # the clock may disagree with the order
        with path.open("a", encoding="utf-8") as f:
            f.write(f"\nAbsatz {n}.\n")
        commit_all(repo, f"Bildung: Absatz {n} ergänzt", date=DAY.format(hour))
    _, entries = timeline_cmd.timeline(mini / "plan", "bildung")
    texts = [e.text for e in entries if e.art == "Textänderung"]
    assert texts[-3:] == ["Bildung: Absatz 0 ergänzt", "Bildung: Absatz 1 ergänzt",
                          "Bildung: Absatz 2 ergänzt"]


def test_a_vorlage_points_at_the_commit_whose_text_it_submitted(mini: Path) -> None:
    repo = git.Repo(mini)
    path = mini / "plan" / "11-bildung.md"
    edit(path, "Erwachsene.", "Erwachsene und Familien.")
    text_commit = commit_all(repo, "Bildung: Familien ergänzt", date=DAY.format("09"))
    edit(path, "etappe:", "etappe: ")  # a front-matter-only commit on top
    commit_all(repo, "Bildung: Kopf formatiert", date=DAY.format("10"))
    record.submit(mini / "plan", "bildung", datum=dt.date(2020, 3, 3))
    head = repo.head.commit.hexsha
    _, entries = timeline_cmd.timeline(mini / "plan", "bildung")
    vorlage = next(e for e in entries if e.art == "Vorlage")
    assert vorlage.commit == text_commit
    assert vorlage.commit != head
    arts = [e.text for e in entries if e.art == "Textänderung"]
    assert "Bildung: Kopf formatiert" not in arts  # no text change: not listed
    assert "Bildung: Familien ergänzt" in arts


def test_developer_commits_are_not_shown_to_reviewers_in_english(mini: Path) -> None:
    repo = git.Repo(mini)
    path = mini / "plan" / "11-bildung.md"
    edit(path, "Erwachsene.", "Erwachsene und Familien.")
    (mini / "tool.py").write_text("print('x')\n", encoding="utf-8")
    sha = commit_all(repo, "Shipped plan: fixtures and the new reader", date=DAY.format("09"))
    _, entries = timeline_cmd.timeline(mini / "plan", "bildung")
    change = next(e for e in entries if e.commit == sha)
    assert change.art == "Textänderung" and change.text == timeline_cmd.PROGRAM_CHANGE
    assert all("Shipped" not in e.text and "Shipped" not in " ".join(e.details)
               for e in entries)
