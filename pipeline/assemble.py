"""Turn chapters into the Markdown pandoc reads: generated headings, anchors, escaped stars."""

from __future__ import annotations

from pipeline.body import anchor, protect_gender_star
from pipeline.plan import Chapter, Plan


def chapter_heading(chapter: Chapter) -> str:
    """The level-1 heading every chapter gets from its front matter."""
    return f"# {chapter.number} {chapter.title} {{#{chapter.anchor}}}"


def chapter_markdown(chapter: Chapter) -> str:
    """Return the chapter body ready for pandoc, with its heading and all generated anchors.

    Sections get `{#abschnitt-1-2}`, Maßnahmen `{#m-1-2-3 .massnahme}` and Ziele an empty
    span `[]{#z-1-2-1}`, so that links like `bildung.html#m-1-2-3` work in every format.
    """
    lines = chapter.text.body.replace("\r\n", "\n").split("\n")
    first = chapter.text.body_first_line
    for section in chapter.body.sections:
        i = section.line - first
        if "{" not in lines[i]:
            lines[i] = f"{lines[i].rstrip()} {{#{section.anchor}}}"
    for measure in chapter.body.measures:
        i = measure.line - first
        if "{" not in lines[i]:
            lines[i] = f"{lines[i].rstrip()} {{#{anchor('m', measure.id)} .massnahme}}"
    for goal in chapter.body.goals:
        i = goal.line - first
        marker = lines[i].find("**Ziel")
        if marker >= 0:
            lines[i] = f"{lines[i][:marker]}[]{{#{goal.anchor}}}{lines[i][marker:]}"
    body = protect_gender_star("\n".join(lines).strip("\n"))
    return f"{chapter_heading(chapter)}\n\n{body}\n"


def plan_markdown(plan: Plan) -> str:
    """All chapters in manifest order as one Markdown document (no metadata block)."""
    return "\n".join(chapter_markdown(ch) for ch in plan.chapters)
