"""`make demo`: the whole LIP 2.0 story, played with `lip` in a scratch repository.

From a clone of this repository (so the plan's history is there): the last drafts are
returned with Vorgaben, revised and accepted; the Verwaltungsentwurf is named as a Fassung;
a corrected date goes to the council as Ergänzung E1; two Fraktionen file Änderungsanträge
with several Punkte (one of them in conflict with the other Antrag); the Internationaler
Ausschuss and the Ratsversammlung vote point by point; the Ratsversammlung adopts the plan;
then the council PDF, the OParl export and the review site are built and checked. Every step
is a real `lip` call as a user would type it; the script stops at the first one that fails.

    python tests/demo.py [ORDNER] [--stand COMMIT]     (default: build/demo, HEAD)

It starts from the committed plan as lip ships it. Where an editor has since committed chapter
changes, a step may rightly be refused (a decision on a text that changed since it was
submitted); --stand plays the story on an earlier commit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ANTRAG_GRUENE = """\
---
# yaml-language-server: $schema=../../pipeline/plan/schemas/antrag.schema.json
nummer: "1"
titel: Änderungsantrag zum Handlungsfeld Bildung
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
    alt: "und die Zusammenarbeit mit Eltern."
    neu: "und die Zusammenarbeit mit Eltern und Großeltern."
  - nr: 2
    art: einfügen nach
    ziel: "1.1.3"
    wortlaut: >-
      - **Ziel 1.1.4:** Kitas in Stadtteilen mit vielen neu zugewanderten Familien
      erhalten zusätzliche Stunden für Sprachbildung.
  - nr: 3
    art: streichen
    massnahme: "1.1.3"
---

Großeltern begleiten in vielen zugewanderten Familien die Kinder im Alltag und sollen deshalb
ausdrücklich genannt werden. Stadtteile mit vielen neu zugewanderten Familien brauchen mehr
Stunden für Sprachbildung. Die Familienzentren sind bereits im Programm der Region verankert;
eine eigene Maßnahme ist deshalb entbehrlich.
"""

ANTRAG_SPD = """\
---
# yaml-language-server: $schema=../../pipeline/plan/schemas/antrag.schema.json
nummer: "2"
titel: Änderungsantrag zu den Familienzentren
antragsteller:
  art: Fraktion
  name: SPD-Fraktion
datum: 2021-01-07
fassung: Verwaltungsentwurf
gremium: internationaler-ausschuss
punkte:
  - nr: 1
    art: ändern
    massnahme: "1.1.3"
    alt: "Familienzentren als Orte der Elternbildung stärken"
    neu: "Familienzentren als Orte der Elternbildung und Beratung stärken"
  - nr: 2
    art: ändern
    massnahme: "1.3.1"
    alt: "Schulplatzvergabe"
    neu: "Schulplatzvergabe innerhalb von vier Wochen"
---

Die Familienzentren sind für viele Eltern die erste Anlaufstelle auch für Beratung. Neu
zugewanderte Jugendliche sollen spätestens vier Wochen nach der Anmeldung einen Schulplatz haben.
"""


class StepFailed(RuntimeError):
    pass


def main(out: Path, *, quiet: bool = False, stand: str = "HEAD") -> dict[str, Path]:
    """Play the story in `out/repo`; return {what: where} for every output it names."""
    out = out.resolve()  # its commands run inside out/repo: `make demo` passes build/demo
    if out.exists():
        shutil.rmtree(out)
    repo = out / "repo"
    # A clone keeps the plan's history: the commits its review entries and Fassungen pin.
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(repo)], check=True,
                   capture_output=True)
    env = {**os.environ, "GIT_AUTHOR_NAME": "Sekretariat OE 50.6",
           "GIT_AUTHOR_EMAIL": "lip@hannover.example", "GIT_COMMITTER_NAME": "Sekretariat OE 50.6",
           "GIT_COMMITTER_EMAIL": "lip@hannover.example", "NO_COLOR": "1"}
    env.pop("GIT_INDEX_FILE", None)

    def run(*args: str, date: str | None = None) -> str:
        stamp = {"GIT_AUTHOR_DATE": f"{date}T12:00:00+01:00",
                 "GIT_COMMITTER_DATE": f"{date}T12:00:00+01:00"} if date else {}
        proc = subprocess.run(args, cwd=repo, env={**env, **stamp}, capture_output=True, text=True)
        if proc.returncode != 0:
            raise StepFailed(f"{' '.join(args)}\n{proc.stdout}{proc.stderr}")
        if not quiet:
            print(f"$ {' '.join(a if ' ' not in a else repr(a) for a in args)}")
            for line in (proc.stderr + proc.stdout).strip().splitlines()[:6]:
                print(f"  {line}")
        return proc.stdout

    def lip(*args: str, date: str | None = None) -> str:
        # -P: the clone's own copy of the code must not shadow the lip being demonstrated
        return run(sys.executable, "-P", "-m", "pipeline", *args, date=date)

    def git(*args: str, date: str | None = None) -> str:
        return run("git", *args, date=date)

    def edit(file: str, old: str, new: str, message: str, date: str) -> None:
        path = repo / "plan" / file
        text = path.read_text(encoding="utf-8")
        if old not in text:
            raise StepFailed(f"{file}: {old!r} nicht gefunden")
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        git("commit", "-qam", message, date=date)

    git("checkout", "-q", "-b", "demo", stand)

    # The Lenkungsgruppe's last meetings: returns with Vorgaben, revisions, acceptances.
    for gremium, art in (("integrationsbeiraete", "Einschätzung"), ("rtgs", "Stellungnahme"),
                         ("gleichstellungsbeauftragte", "Stellungnahme")):
        lip("stellungnahme", "bildung", "--gremium", gremium, "--datum", "2020-10-29", "--text",
            f"{art} zur überarbeiteten Fassung: einverstanden.", date="2020-10-29")
    for gremium in ("integrationsbeiraete", "rtgs"):
        lip("stellungnahme", "stadtleben-kultur", "--gremium", gremium, "--datum", "2020-10-29", "--text",
            "Wir tragen den Entwurf mit.", date="2020-10-29")
    lip("entscheiden", "bildung", "demokratie", "stadtleben-kultur", "--angenommen", "--datum",
        "2020-11-05", "--sitzung", "7. Sitzung der Lenkungsgruppe", date="2020-11-05")
    lip("vorlegen", "wirtschaft", "--datum", "2020-11-06", "--vermerk", "redaktionell überarbeitet",
        date="2020-11-06")
    lip("vorlegen", "verwaltung", "--datum", "2020-11-06", date="2020-11-06")
    lip("entscheiden", "verwaltung", "--zurueckgespielt", "--datum", "2020-11-12", "--vorgabe",
        "Die Kennzahlen der Personalgewinnung nach Geschlecht auswerten.", date="2020-11-12")
    edit("16-verwaltung.md", "\nKennzahl\n:   ", "\nKennzahl\n:   nach Geschlecht ausgewertet: ",
         "Verwaltung: Kennzahl nach Geschlecht (V1)", "2020-11-16")
    lip("vorgabe-erledigt", "verwaltung", "V1", "--vermerk", "Kennzahl wird nach Geschlecht ausgewertet",
        "--datum", "2020-11-16", date="2020-11-16")
    lip("vorlegen", "verwaltung", "--datum", "2020-11-17", date="2020-11-17")
    for gremium in ("integrationsbeiraete", "rtgs", "gleichstellungsbeauftragte"):
        lip("stellungnahme", "wirtschaft", "verwaltung", "--gremium", gremium, "--datum",
            "2020-11-19", "--text", "Keine Einwände.", date="2020-11-19")
    lip("entscheiden", "wirtschaft", "verwaltung", "--angenommen", "--datum", "2020-11-26",
        "--sitzung", "8. Sitzung der Lenkungsgruppe", date="2020-11-26")
    lip("check", "--final")

    # The Verwaltungsentwurf goes to the council.
    lip("fassung", "Verwaltungsentwurf", "--final", "--datum", "2020-12-08", "--beschreibung",
        "an den Internationalen Ausschuss", date="2020-12-08")
    # After submission the Verwaltung corrects a date: Lenkungsgruppe again, then Ergänzung E1.
    edit("15-wirtschaft.md", "Zeitraum\n:   2021–2024", "Zeitraum\n:   2021–2025",
         "Wirtschaft: Laufzeit der Maßnahme bis 2025 (Haushaltsplanung)", "2020-12-15")
    lip("vorlegen", "wirtschaft", "--datum", "2020-12-15", "--vermerk", "Laufzeit angepasst",
        date="2020-12-15")
    for gremium in ("integrationsbeiraete", "rtgs", "gleichstellungsbeauftragte"):
        lip("stellungnahme", "wirtschaft", "--gremium", gremium, "--datum", "2020-12-16",
            "--text", "Keine Einwände.", date="2020-12-16")
    lip("entscheiden", "wirtschaft", "--angenommen", "--datum", "2020-12-17", "--sitzung",
        "9. Sitzung der Lenkungsgruppe", date="2020-12-17")
    rat_docs = out / "rat"
    lip("ergaenzung", "--fassung", "Verwaltungsentwurf", "--ausgabe", str(rat_docs), date="2020-12-17")

    antraege = repo / "plan" / "antraege"
    antraege.mkdir()
    (antraege / "1-gruene.md").write_text(ANTRAG_GRUENE, encoding="utf-8")
    git("add", "plan/antraege/1-gruene.md")
    git("commit", "-qm", "Änderungsantrag 1 der Fraktion Bündnis 90/Die Grünen", date="2021-01-05")
    (antraege / "2-spd.md").write_text(ANTRAG_SPD, encoding="utf-8")
    git("add", "plan/antraege/2-spd.md")
    git("commit", "-qm", "Änderungsantrag 2 der SPD-Fraktion", date="2021-01-07")
    lip("check")  # warns: Punkt 3 of Antrag 1 and Punkt 1 of Antrag 2 change Maßnahme 1.1.3

    ia = ("--gremium", "internationaler-ausschuss", "--datum", "2021-01-14",
          "--sitzung", "12. Sitzung des Internationalen Ausschusses")
    lip("abstimmung", "1", *ia, "--punkte", "1,2", "--dafuer", "8", "--dagegen", "3", date="2021-01-14")
    lip("abstimmung", "1", *ia, "--punkte", "3", "--dafuer", "2", "--dagegen", "8",
        "--enthaltungen", "1", date="2021-01-14")
    lip("abstimmung", "2", *ia, "--einstimmig", date="2021-01-14")
    rat = ("--gremium", "ratsversammlung", "--datum", "2021-01-28", "--sitzung", "Ratsversammlung am 28.01.2021")
    lip("abstimmung", "1", *rat, "--punkte", "1,2", "--dafuer", "40", "--dagegen", "22",
        "--enthaltungen", "2", date="2021-01-28")
    lip("abstimmung", "1", *rat, "--punkte", "3", "--abgelehnt", date="2021-01-28")
    lip("abstimmung", "2", *rat, "--einstimmig", date="2021-01-28")
    lip("antrag", "pdf", "--ausgabe", str(rat_docs))
    lip("beschlussuebersicht", "--gremium", "internationaler-ausschuss", "--datum", "2021-01-14",
        "--ausgabe", str(rat_docs))
    lip("beschluss", "--gremium", "ratsversammlung", "--datum", "2021-01-28", "--dafuer", "52",
        "--dagegen", "10", "--enthaltungen", "3", date="2021-01-28")
    lip("check", "--final")
    lip("beschlussuebersicht", "--gremium", "ratsversammlung", "--datum", "2021-01-28",
        "--ausgabe", str(rat_docs))

    build = out / "build"
    lip("build", "--output", str(build))
    lip("verify", str(build / "LIP-2.0.pdf"))
    shutil.copytree(rat_docs, build / "rat")
    lip("oparl", "--basis-url", "https://ratsinfo.hannover.example/oparl", "--ausgabe",
        str(out / "oparl"), "--pdf-ordner", str(build))
    lip("site", "--ausgabe", str(out / "site"))
    outputs = {
        "Repository mit der ganzen Geschichte": repo,
        "Drucksache der beschlossenen Fassung (PDF)": build / "LIP-2.0.pdf",
        "Drucksache (HTML)": build / "LIP-2.0.html",
        "Drucksache (Word)": build / "LIP-2.0.docx",
        "Ergänzung 2718/2020 E1 (PDF)": rat_docs / "ergaenzung-e1.pdf",
        "Änderungsantrag 1 (PDF)": rat_docs / "antrag-1.pdf",
        "Änderungsantrag 2 (PDF)": rat_docs / "antrag-2.pdf",
        "Beschlussübersicht Internationaler Ausschuss (PDF)":
            rat_docs / "beschlussuebersicht-internationaler-ausschuss-2021-01-14.pdf",
        "Beschlussübersicht Ratsversammlung (PDF)":
            rat_docs / "beschlussuebersicht-ratsversammlung-2021-01-28.pdf",
        "OParl-Export": out / "oparl",
        "Website für die Beteiligten": out / "site" / "index.html",
    }
    missing = [f"{k}: {v}" for k, v in outputs.items() if not v.exists()]
    if missing:
        raise StepFailed("Ausgaben fehlen: " + "; ".join(missing))
    return outputs


def _plan_commits(stand: str) -> str:
    """The last commits that changed plan/ up to `stand`: where to start instead."""
    proc = subprocess.run(["git", "log", "-3", "--format=  %h %as %<(70,trunc)%s", stand, "--", "plan"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    return proc.stdout.rstrip()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Die ganze Geschichte des LIP 2.0 mit lip "
                                     "in einem Übungs-Repository durchspielen.")
    parser.add_argument("ordner", nargs="?", type=Path, default=ROOT / "build" / "demo")
    parser.add_argument("--stand", default="HEAD", help="Commit, auf dem die Geschichte "
                        "beginnt (Standard: HEAD)")
    options = parser.parse_args()
    try:
        where = main(options.ordner, stand=options.stand)
    except StepFailed as e:
        print(f"Demo abgebrochen:\n{e}\n\nDie Demo spielt die Geschichte auf dem committeten "
              f"Plan ({options.stand}). Wurden Kapitel seit der Auslieferung geändert, kann lip "
              f"einen Schritt zu Recht ablehnen. Mit --stand COMMIT beginnt sie auf einem "
              f"früheren Stand; die letzten Änderungen an plan/:\n{_plan_commits(options.stand)}",
              file=sys.stderr)
        raise SystemExit(1) from None
    print("\nDie Demo ist durchgelaufen. Ausgaben:")
    for what, path in where.items():
        print(f"  {what}: {path}")
