"""Where each chapter stands, read one way for every reader: the Lenkungsgruppe's records
(`review.chapter_state`) and, once the council has decided, its Beschluss with the adopted
Punkte of the Änderungsanträge that changed the chapter. `lip status`, the site and the
documents ask here, so that they never disagree."""

from __future__ import annotations

from pipeline import review
from pipeline.council.antraege import load_antraege
from pipeline.council.beratung import amendments_by_chapter
from pipeline.plan import Plan
from pipeline.plan.fassungen import beschluss_of


def chapter_states(plan: Plan) -> dict[str, review.ChapterState]:
    """{chapter file: its state}, with the council's Beschluss taken into account (pure)."""
    gremien = plan.manifest.gremien if plan.manifest else None
    beschluss = beschluss_of(plan) if plan.manifest is not None else None
    amendments: dict[str, tuple[str, ...]] = {}
    if beschluss is not None:
        antraege, _ = load_antraege(plan)  # unreadable Anträge: `lip check` names them
        amendments = amendments_by_chapter(plan, antraege, beschluss.gremium)
    return {ch.filename: review.chapter_state(ch, gremien, beschluss,
                                              amendments.get(ch.filename, ()))
            for ch in plan.chapters}
