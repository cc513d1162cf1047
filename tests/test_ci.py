"""CI on the city's git host (issue 19): ci/gitlab-ci.yml run for real with gitlab-ci-local
(from npm, shell executor) against a scratch repository with a feature branch, and the shared
script ci/lip-ci.sh as GitHub Actions calls it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT, SHIPPED_PLAN
from support.repos import commit_all, edit, init_repo

from pipeline.commands import ci
from pipeline.diagnostics import Diagnostic, Severity

LIP = Path(sys.executable).with_name("lip")
GCL = shutil.which("gitlab-ci-local") or str(ROOT / "build" / "gcl" / "node_modules" / ".bin"
                                               / "gitlab-ci-local")
BILDUNG = "plan/11-bildung.md"
NEW_MEASURE = """
#### Maßnahme 1.5.3: Kurse am Wochenende anbieten

Die VHS bietet Sprachkurse auch samstags an.

Federführung
:   VHS Hannover

Beteiligte
:   Träger von Integrations- und Sprachkursen

Zielgruppe
:   Berufstätige Zugewanderte

Zeitraum
:   2022–2023

Kennzahl
:   Zahl der Kursplätze am Wochenende
"""


def _gitlab_ci_local_works() -> bool:
    if not Path(GCL).exists() or shutil.which("node") is None:
        return False
    try:
        return subprocess.run([GCL, "--version"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


needs_gcl = pytest.mark.skipif(
    not _gitlab_ci_local_works(),
    reason="gitlab-ci-local fehlt oder läuft nicht (make setup installiert es mit npm nach "
           "build/gcl; Node.js nötig)")


@pytest.fixture
def city(tmp_path: Path) -> Path:
    """A city's repository: the shipped plan and ci/ on main (pushed to an 'origin'), then a
    feature branch that changes Bildung: a sentence, a Maßnahme's title, a new Maßnahme."""
    root = tmp_path / "stadt"
    shutil.copytree(SHIPPED_PLAN, root / "plan")
    shutil.copytree(ROOT / "ci", root / "ci")
    (root / ".gitignore").write_text("build/\npublic/\n.gitlab-ci-local/\n", encoding="utf-8")
    (root / ".gitlab-ci.yml").write_text("include:\n  - local: ci/gitlab-ci.yml\n", encoding="utf-8")
    repo = init_repo(root, "Plan übernommen")
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(root), str(origin)], check=True)
    repo.git.remote("add", "origin", str(origin))
    repo.git.fetch("-q", "origin")
    repo.git.checkout("-q", "-b", "bildung-ueberarbeiten")
    chapter = root / BILDUNG
    edit(chapter, "Die Zuständigkeiten im Bildungsbereich", "Die Zuständigkeiten im gesamten Bildungsbereich")
    edit(chapter, "#### Maßnahme 1.5.2: Trägerübergreifende Kursberatung einrichten",
         "#### Maßnahme 1.5.2: Trägerübergreifende Kursberatung aufbauen")
    chapter.write_text(chapter.read_text(encoding="utf-8") + NEW_MEASURE, encoding="utf-8")
    commit_all(repo, "Bildung überarbeitet")
    return root


def _break_yaml(root: Path) -> None:
    import git

    edit(root / BILDUNG, "\ntitel: Bildung\n", "\ntitel Bildung\n")
    commit_all(git.Repo(root), "Kopf kaputt")


def _gitlab(root: Path, job: str, *variables: str) -> subprocess.CompletedProcess:
    args = [GCL, "--force-shell-executor", "--no-color", "--variable", f"LIP={LIP}",
            "--ignore-predefined-vars", "CI_PIPELINE_SOURCE"]
    for v in variables:
        args += ["--variable", v]
    return subprocess.run([*args, job], cwd=root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "GITHUB_ACTIONS": ""})


MR = ("CI_PIPELINE_SOURCE=merge_request_event", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main")


# --- the formats, without a repository ------------------------------------------------------


def test_code_quality_entries_are_located_and_fingerprints_unique() -> None:
    d = Diagnostic("plan/11-bildung.md", 5, "kopf", "YAML-Syntaxfehler")
    w = Diagnostic("plan/lip.yaml", None, "x", "unbekannt", Severity.WARNING)
    entries = ci.code_quality([d, d, w], prefix="docs/plan")
    assert [e["location"] for e in entries] == [
        {"path": "docs/plan/11-bildung.md", "lines": {"begin": 5}},
        {"path": "docs/plan/11-bildung.md", "lines": {"begin": 5}},
        {"path": "docs/plan/lip.yaml", "lines": {"begin": 1}}]
    assert [e["severity"] for e in entries] == ["major", "major", "minor"]
    assert len({e["fingerprint"] for e in entries}) == 3


def test_github_annotations_escape_what_would_end_the_command() -> None:
    d = Diagnostic("plan/a,b.md", 3, "titel", "50% fehlt:\nzweite Zeile")
    (line,) = ci.github_annotations([d])
    assert line == ("::error file=plan/a%2Cb.md,line=3,title=lip check%3A titel::"
                    "50%25 fehlt:%0Azweite Zeile")


# --- GitLab, run by gitlab-ci-local ---------------------------------------------------------


@pytest.mark.slow
@needs_gcl
def test_gitlab_merge_request_job(city: Path) -> None:
    run = _gitlab(city, "lip-merge-request", *MR)
    assert run.returncode == 0, run.stdout + run.stderr
    art = city / ".gitlab-ci-local" / "artifacts" / "lip-merge-request" / "build" / "ci"
    assert json.loads((art / "gl-code-quality-report.json").read_text(encoding="utf-8")) == []
    assert (art / "dokumente" / "LIP-2.0.pdf").read_bytes().startswith(b"%PDF")
    assert (art / "site" / "bildung.html").is_file()
    (redline,) = (art / "redline").iterdir()
    assert {p.name for p in redline.iterdir()} >= {"redline.html", "redline.pdf", "synopse.html",
                                                   "synopse.pdf"}
    html = (redline / "redline.html").read_text(encoding="utf-8")
    assert "gesamten" in html and "Kurse am Wochenende" in html
    assert "4 Demokratie" not in html and "1 Bildung" in html      # only the changed chapter
    summary = (art / "zusammenfassung.md").read_text(encoding="utf-8")
    assert "| 1 Bildung | +" in summary
    assert "| 1.5.3 | – | 1.5.2 |" in summary
    assert "Maßnahmen: 1 neu, 0 gestrichen, 1 geändert." in summary
    assert "Plan ist in Ordnung." in summary
    assert "> ## LIP: Prüfung des Merge-Requests" in run.stdout + run.stderr   # in the job log


@pytest.mark.slow
@needs_gcl
def test_gitlab_merge_request_with_a_yaml_error_fails_with_located_report(city: Path) -> None:
    _break_yaml(city)
    run = _gitlab(city, "lip-merge-request", *MR)
    assert run.returncode != 0
    art = city / ".gitlab-ci-local" / "artifacts" / "lip-merge-request" / "build" / "ci"
    (entry,) = json.loads((art / "gl-code-quality-report.json").read_text(encoding="utf-8"))
    assert entry["location"] == {"path": BILDUNG, "lines": {"begin": 5}}
    assert entry["severity"] == "major" and "Doppelpunkt" in entry["description"]
    assert entry["fingerprint"]
    assert (art / "site" / "index.html").is_file()          # what could be built
    summary = (art / "zusammenfassung.md").read_text(encoding="utf-8")
    assert "Davon neu: 1." in summary
    assert "`plan/11-bildung.md:5` kopf: YAML-Syntaxfehler" in summary
    assert "| 1 Bildung | nicht lesbar" in summary
    assert "Beschlussdrucksache (PDF): nicht erstellt" in summary


@pytest.mark.slow
@needs_gcl
def test_gitlab_pages_job_on_the_default_branch(city: Path) -> None:
    import git

    git.Repo(city).git.checkout("-q", "main")
    assert "lip-merge-request" not in _gitlab(city, "--list").stdout   # not on a push to main
    run = _gitlab(city, "pages")
    assert run.returncode == 0, run.stdout + run.stderr
    public = city / ".gitlab-ci-local" / "artifacts" / "pages" / "public"
    assert (public / "index.html").is_file() and (public / "bildung.html").is_file()
    assert (public / "downloads" / "LIP-2.0.pdf").is_file()
    assert 'href="downloads/LIP-2.0.pdf"' in (public / "index.html").read_text(encoding="utf-8")


# --- GitHub: the shared script as the workflow calls it -------------------------------------


def _github(root: Path, summary: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "LIP": str(LIP), "GITHUB_ACTIONS": "true",
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_BASE_REF": "main"}
    return subprocess.run([str(root / "ci" / "lip-ci.sh"), "merge-request", "main"], cwd=root,
                          capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.slow
def test_github_script_writes_annotations_and_the_job_summary(city: Path) -> None:
    _break_yaml(city)
    summary = city.parent / "step-summary.md"
    summary.write_text("vorher\n", encoding="utf-8")
    run = _github(city, summary)
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        "::error file=plan/11-bildung.md,line=5,title=lip check%3A kopf::YAML-Syntaxfehler: nach "
        "dem Schlüssel fehlt der Doppelpunkt, z. B. 'titel: Bildung'"]
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("vorher\n## LIP: Prüfung des Merge-Requests")   # appended
    assert "### Neue Probleme" in text


def test_ci_workflows_call_the_one_script() -> None:
    gitlab = (ROOT / "ci" / "gitlab-ci.yml").read_text(encoding="utf-8")
    github = (ROOT / "ci" / "github-workflow.yml").read_text(encoding="utf-8")
    for text in (gitlab, github):
        assert "ci/lip-ci.sh merge-request" in text and "ci/lip-ci.sh seite public" in text
    assert "codequality: build/ci/gl-code-quality-report.json" in gitlab
    assert "actions/upload-pages-artifact" in github
