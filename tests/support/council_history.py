"""A plan at the council stage in a real git repository, for the site tests (issue 18.7).

The 'rat' fixture plan, named "Verwaltungsentwurf"; two Änderungsanträge (Grüne: three
Punkte; SPD: one), voted on in the Internationaler Ausschuss and the Ratsversammlung, then the
Beschluss with its vote (52 dafür – 10 dagegen – 3 Enthaltungen). Fixed dates and identity
(the caller sets the fixed_git_dates fixture)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import git

from pipeline.commands import council
from support import copy_plan
from support.repos import commit_all, init_repo

D = dt.date

ANTRAG_GRUENE = """\
---
nummer: "1"
titel: Änderungsantrag zu Handlungsfeld Bildung
antragsteller:
  art: Fraktion
  name: Fraktion Bündnis 90/Die Grünen
datum: 2021-01-05
fassung: Verwaltungsentwurf
gremium: internationaler-ausschuss
punkte:
  - nr: 1
    art: ändern
    massnahme: "1.1.1"
    alt: "für Kinder und Eltern"
    neu: "für Kinder, Eltern und Großeltern"
  - nr: 2
    art: einfügen nach
    ziel: "1.1.1"
    wortlaut: "- **Ziel 1.1.2:** Eltern kennen die Bildungsangebote ihres Stadtteils."
  - nr: 3
    art: streichen
    massnahme: "1.1.2"
---

Begründung: Großeltern begleiten viele Kinder im Alltag.
"""

ANTRAG_SPD = """\
---
nummer: "2"
titel: Änderungsantrag zur Elternbegleitung
antragsteller:
  art: Fraktion
  name: SPD-Fraktion
datum: 2021-01-06
fassung: Verwaltungsentwurf
gremium: internationaler-ausschuss
punkte:
  - nr: 1
    art: ersetzen
    massnahme: "1.1.2"
    wortlaut: |-
      #### Maßnahme 1.1.2: Elternlotsinnen und Elternlotsen

      Elternlots*innen begleiten Familien beim Übergang in die Grundschule.

      Federführung
      :   Fachbereich Schule

      Beteiligte
      :   Grundschulen

      Zielgruppe
      :   Eltern

      Zeitraum
      :   ab 2021

      Kennzahl
      :   Zahl der begleiteten Familien
---

Begründung: Lotsinnen und Lotsen erreichen mehr Familien.
"""


ANTRAEGE = {
    # the Begründung with Markdown and a script the site must show as text, never run
    "1-gruene.md": ANTRAG_GRUENE.replace(
        "Begründung: Großeltern begleiten viele Kinder im Alltag.",
        "Großeltern begleiten *viele* Kinder im Alltag. <script>alert('antrag')</script>"),
    "2-spd.md": """\
---
nummer: "2"
titel: Änderungsantrag zur Sprachbildung
antragsteller:
  art: Fraktion
  name: SPD-Fraktion
datum: 2021-01-06
fassung: Verwaltungsentwurf
gremium: internationaler-ausschuss
punkte:
  - nr: 1
    art: ändern
    massnahme: "1.1.2"
    alt: "beim Wechsel von der Kita"
    neu: "mehrsprachig beim Wechsel von der Kita"
---

Mehrsprachigkeit ist eine Stärke.
""",
}


def make_repo(root: Path) -> Path:
    """Build the repository under `root`; return its plan folder."""
    repo_root = copy_plan("rat", root / "repo").parent
    (repo_root / ".gitignore").write_text("build/\n", encoding="utf-8")
    init_repo(repo_root)
    plan_dir = repo_root / "plan"
    council.name_fassung(plan_dir, "Verwaltungsentwurf", final=True, datum=D(2020, 12, 8))
    (plan_dir / "antraege").mkdir()
    for name, text in ANTRAEGE.items():
        (plan_dir / "antraege" / name).write_text(text, encoding="utf-8")
    commit_all(git.Repo(repo_root), "Änderungsanträge eingegangen")
    ia, rv = "internationaler-ausschuss", "ratsversammlung"
    council.vote(plan_dir, "1", gremium=ia, datum=D(2021, 1, 14), punkte=[1, 2], dafuer=8,
                 dagegen=3, sitzung="12. Sitzung")
    council.vote(plan_dir, "1", gremium=ia, datum=D(2021, 1, 14), punkte=[3], abgelehnt=True,
                 dafuer=2, dagegen=9)
    council.vote(plan_dir, "2", gremium=ia, datum=D(2021, 1, 14), einstimmig=True)
    council.vote(plan_dir, "1", gremium=rv, datum=D(2021, 1, 28), punkte=[1, 2], einstimmig=True)
    council.vote(plan_dir, "1", gremium=rv, datum=D(2021, 1, 28), punkte=[3], abgelehnt=True)
    council.vote(plan_dir, "2", gremium=rv, datum=D(2021, 1, 28), einstimmig=True)
    council.beschluss(plan_dir, gremium=rv, datum=D(2021, 1, 28), dafuer=52, dagegen=10,
                      enthaltungen=3)
    return plan_dir
