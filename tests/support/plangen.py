"""Generate valid plans of any size from the minimal fixture (tests and benchmarks).

`generate_plan(dest, fields=6, sections=4, measures=3, paragraphs=3)` writes dest/plan with
`fields` Handlungsfeld chapters; the text is varied German prose, so hyphenation, quotes and
tables get exercised. About 370 words make one PDF page.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

MINIMAL = Path(__file__).resolve().parents[1] / "data" / "plans" / "minimal" / "plan"

WORDS = ("Integration Teilhabe Stadtgesellschaft Einwanderungsstadt Beratung Sprachförderung "
         "Migrant*innenselbstorganisationen Stadtteil Bildungsübergänge Qualifizierung "
         "Beschäftigungsförderung Antidiskriminierung Gleichberechtigung Nachbarschaft Verwaltung "
         "Familienzentren Integrationsbeiräte Lenkungsgruppe Anerkennung Berufsabschlüsse "
         "Elternarbeit Mehrsprachigkeit Zusammenarbeit Wohnungsmarkt Ehrenamt Kulturangebote "
         "Gesundheitsversorgung Ausbildungsplätze Kindertagesstätten Schulsozialarbeit").split()
FILLER = "und die der mit für in den von zu auf im ist werden sowie als durch".split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS if i % 2 else FILLER) for i in range(rng.randint(9, 16))]
    words[0] = words[0].capitalize()
    if rng.random() < 0.15:
        words.insert(3, "„" + rng.choice(WORDS) + "“")
    return " ".join(words) + "."


def _paragraph(rng: random.Random, n: int = 5) -> str:
    return " ".join(_sentence(rng) for _ in range(n))


def chapter_text(number: str, title: str, sections: int, measures: int, paragraphs: int,
                 rng: random.Random) -> str:
    out = ["---", f"id: {'bildung' if number == '1' else 'feld-' + number}", f'nummer: "{number}"', f"titel: {title}",
           "teil: Handlungsfeld", "etappe: Ziel- und Maßnahmenkatalog",
           "expertinnengruppe: eg-bildung", "federfuehrung: Dez. IV",
           "fachberatung: OE 50.6 – Bereich Migration und Integration",
           "gleichstellungsrelevant: true", "review:", "  vorlagen: []",
           "  entscheidungen: []", "  stellungnahmen: []", "---", "", _paragraph(rng), ""]
    for s in range(1, sections + 1):
        sec = f"{number}.{s}"
        out += [f"## {sec} Unterthema {sec}", "", "### Ausgangslage", ""]
        out += [p for _ in range(paragraphs) for p in (_paragraph(rng), "")]
        out += ["### Ziele", "", f"- **Ziel {sec}.1:** {_sentence(rng)}", "",
                "### Maßnahmen", ""]
        for k in range(1, measures + 1):
            out += [f"#### Maßnahme {sec}.{k}: Maßnahme {sec}.{k} zur {rng.choice(WORDS)}", "",
                    _paragraph(rng, 3), ""]
            for term, value in (("Federführung", "Fachbereich " + rng.choice(WORDS)),
                                ("Beteiligte", ", ".join(rng.sample(WORDS, 3))),
                                ("Zielgruppe", "Menschen mit " + rng.choice(WORDS)),
                                ("Zeitraum", f"{2021 + k % 3}–{2024 + k % 3}"),
                                ("Kennzahl", f"Zahl der Angebote zur {rng.choice(WORDS)}")):
                out += [term, f":   {value}", ""]
    return "\n".join(out)


def generate_plan(dest: Path, *, fields: int = 2, sections: int = 3, measures: int = 2,
                  paragraphs: int = 2, seed: int = 1) -> Path:
    """Write a valid plan into dest/plan and return that folder."""
    rng = random.Random(seed)
    plan_dir = dest / "plan"
    shutil.copytree(MINIMAL, plan_dir)
    names = []
    for f in range(1, fields + 1):
        name = f"1{f}-feld-{f}.md" if f > 1 else "11-bildung.md"
        text = chapter_text(str(f), f"Handlungsfeld {f}", sections, measures, paragraphs, rng)
        (plan_dir / name).write_text(text + "\n", encoding="utf-8")
        names.append(name)
    manifest = (plan_dir / "lip.yaml").read_text(encoding="utf-8")
    manifest = manifest.replace("      - 11-bildung.md\n", "".join(f"      - {n}\n" for n in names))
    (plan_dir / "lip.yaml").write_text(manifest, encoding="utf-8")
    return plan_dir
