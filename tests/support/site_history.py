"""A small plan in a real git repository with a review history, for the site tests.

History (fixed dates, fixed author):
  A  2020-06-01  the plan as in tests/data/plans/site/plan           (Fassung "1. Fassung")
  B  2020-06-10  Bildung submitted (by eg-bildung, as `lip vorlegen` writes it) and returned
                 with Vorgaben V1, V2; Haltung accepted (its Vorlage names the Lenkungsgruppe,
                 as older records do)
  C  2020-07-01  Bildung revised (a sentence changed, a paragraph deleted, a Maßnahme added),
                 V1 erledigt, Einschätzung of the Integrationsbeiräte   (Fassung "2. Fassung")
  D  2020-07-02  lip.yaml names the two Fassungen
Chapter 12-soziales.md carries raw HTML and a javascript: link (it fails `lip check`).
"""

from __future__ import annotations

from pathlib import Path

import git

from pipeline import plan as plan_mod
from pipeline.commands import site
from support import copy_plan
from support.repos import commit_all

SITE_EDITOR = git.Actor("Test Redaktion", "redaktion@example.org")
EMPTY_REVIEW = "review:\n  vorlagen: []\n  entscheidungen: []\n  stellungnahmen: []\n"


def _commit(repo: git.Repo, message: str, date: str) -> str:
    return commit_all(repo, message, f"{date}T10:00:00", SITE_EDITOR)


def _hash(path: Path) -> str:
    raw = path.read_bytes()
    return plan_mod.load_chapter(path.name, raw).text_sha256


def _set_review(path: Path, review_yaml: str) -> None:
    text = path.read_text(encoding="utf-8")
    start = text.index("review:\n")
    end = text.index("---", start)
    path.write_text(text[:start] + review_yaml + text[end:], encoding="utf-8")


def make_repo(root: Path) -> tuple[Path, dict[str, str]]:
    """Create the repository under `root`; return (plan folder, {'A': sha, …})."""
    repo_dir = root / "repo"
    plan_dir = repo_dir / "plan"
    copy_plan("site", repo_dir)
    repo = git.Repo.init(repo_dir)
    shas = {"A": _commit(repo, "Entwurf", "2020-06-01")}

    bildung = plan_dir / "11-bildung.md"
    haltung = plan_dir / "01-haltung.md"
    b_hash, h_hash = _hash(bildung), _hash(haltung)
    a = shas["A"]
    bildung_review = f"""review:
  vorlagen:
    - datum: 2020-06-05
      gremium: eg-bildung
      stand: {{commit: {a}, text_sha256: {b_hash}}}
  entscheidungen:
    - datum: 2020-06-10
      gremium: lenkungsgruppe
      ergebnis: zurückgespielt
      stand: {{commit: {a}, text_sha256: {b_hash}}}
      sitzung: 4. Sitzung der Lenkungsgruppe
      vorgaben:
        - id: V1
          text: Übergang Kita–Grundschule stärker betonen
        - id: V2
          text: "Kennzahlen nach Geschlecht auswerten <script>alert('vorgabe')</script>"
  stellungnahmen: []
"""
    _set_review(bildung, bildung_review)
    _set_review(haltung, f"""review:
  vorlagen:
    - datum: 2020-06-05
      gremium: lenkungsgruppe
      stand: {{commit: {a}, text_sha256: {h_hash}}}
  entscheidungen:
    - datum: 2020-06-10
      gremium: lenkungsgruppe
      ergebnis: angenommen
      stand: {{commit: {a}, text_sha256: {h_hash}}}
  stellungnahmen: []
""")
    shas["B"] = _commit(repo, "Lenkungsgruppe: Bildung zurückgespielt, Haltung angenommen",
                        "2020-06-10")

    text = bildung.read_text(encoding="utf-8")
    text = text.replace("Die Stadt setzt an den Übergängen an.",
                        "Die Stadt setzt besonders am Übergang von der Kita in die Grundschule an.")
    text = text.replace("Die Volkshochschule bietet Sprachkurse mit Kinderbetreuung an.\n\n", "")
    text += """
#### Maßnahme 1.2.2: Elternkurse in Grundschulen

Grundschulen bieten Elternkurse zum Schulsystem an.

Federführung
:   Volkshochschule Hannover

Beteiligte
:   Fachbereich Schule

Zielgruppe
:   Eltern von Grundschulkindern

Zeitraum
:   2022–2024

Kennzahl
:   Zahl der Elternkurse
"""
    bildung.write_text(text, encoding="utf-8")
    new_hash = _hash(bildung)
    review = bildung_review.replace(
        "          text: Übergang Kita–Grundschule stärker betonen\n",
        "          text: Übergang Kita–Grundschule stärker betonen\n"
        "          erledigt: {datum: 2020-06-30, vermerk: Einleitung ergänzt}\n")
    review = review.replace("  stellungnahmen: []\n", f"""  stellungnahmen:
    - datum: 2020-06-08
      gremium: integrationsbeiraete
      art: Einschätzung
      stand: {{commit: {a}, text_sha256: {b_hash}}}
      text: "Die Delegiertenkonferenz begrüßt den Entwurf. <img src=x onerror=alert(7)>"
""")
    _set_review(bildung, review)
    del new_hash
    shas["C"] = _commit(repo, "Bildung überarbeitet", "2020-07-01")

    manifest = plan_dir / "lip.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("fassungen: []\n", f"""fassungen:
  - name: 1. Fassung
    datum: 2020-06-01
    rev: {shas['A']}
    beschreibung: Entwurf für die Lenkungsgruppe
  - name: 2. Fassung
    datum: 2020-07-01
    rev: {shas['C']}
    beschreibung: Überarbeitung nach den Vorgaben
"""), encoding="utf-8")
    shas["D"] = _commit(repo, "Fassungen benannt", "2020-07-02")
    return plan_dir, shas


def build(root: Path) -> tuple[site.SiteResult, dict[str, str]]:
    """Make the repository and build its site into `root`/repo/build/site."""
    plan_dir, shas = make_repo(root)
    result = site.site_for_plan_dir(plan_dir, plan_dir.parent / "build" / "site",
                                    require_valid=False)
    return result, shas
