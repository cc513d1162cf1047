"""The council's steps as lines of the Beratungsverlauf (pure): every vote on an
Änderungsantrag and every Beschluss, in the same shape as the Lenkungsgruppe's entries, so
that the Drucksache's annex and the site show one history."""

from __future__ import annotations

import datetime as dt

from pipeline.council.antraege import load_antraege
from pipeline.plan import Plan
from pipeline.wording import punkte_text


def council_entries(plan: Plan) -> list[dict[str, str]]:
    """{datum (a date), kapitel, gremium, art, ergebnis, fassung} for each vote and Beschluss."""
    if plan.manifest is None:
        return []
    name = plan.manifest.gremium_name
    out = []
    antraege, _ = load_antraege(plan)
    for a in antraege:
        for v in a.abstimmungen:
            out.append({"datum": v.datum,
                        "kapitel": f"Änderungsantrag {a.nummer} ({a.antragsteller}), {punkte_text(v.punkte)}",
                        "gremium": name(v.gremium), "art": "Abstimmung",
                        "ergebnis": v.ergebnis + (f" ({v.tally})" if v.tally else ""),
                        "fassung": a.fassung})
    for f in plan.manifest.get("fassungen") or []:
        b = f.get("beschluss") if isinstance(f, dict) else None
        if isinstance(b, dict) and b.get("datum"):
            d = b["datum"]
            out.append({"datum": d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)),
                        "kapitel": "gesamter Plan", "gremium": name(str(b.get("gremium", ""))),
                        "art": "Beschluss", "ergebnis": "beschlossen",
                        "fassung": str(f.get("name", ""))})
    return out
