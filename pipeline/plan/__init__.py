"""Read and check the plan, pure: the model (Plan, Chapter, Manifest), front matter, body,
schemas and validation. Imports nothing from commands/ and runs no tool."""

from typing import TYPE_CHECKING

MAX_CHAPTER_BYTES = 8 * 1024 * 1024
"""Largest chapter we accept: a 1,000-page plan is ~4 MB in all, 50 MB is a mistake. Here,
not in frontmatter: `lip redline --dateien` uses the limit without the YAML reader."""

if TYPE_CHECKING:
    from pipeline.plan.model import (  # noqa: F401  (the package's public names)
        COMMENTS_DIR,
        MANIFEST_NAME,
        PLAN_DIR,
        Chapter,
        Fassung,
        Manifest,
        Plan,
        PlanFiles,
        UnreadableChapter,
        load_chapter,
        load_plan,
        normalize_text,
        read_folder,
        read_resources,
        require_valid,
        text_hash,
    )

_MODEL_NAMES = frozenset({
    "MANIFEST_NAME",
    "PLAN_DIR",
    "COMMENTS_DIR",
    "Chapter",
    "Fassung",
    "Manifest",
    "Plan",
    "PlanFiles",
    "UnreadableChapter",
    "load_chapter",
    "load_plan",
    "normalize_text",
    "read_folder",
    "read_resources",
    "require_valid",
    "text_hash",
})


def __getattr__(name: str):
    """The model's names, imported on first use: the engine and `lip redline --dateien` use
    only the light modules here (body, nesting) and need not load the YAML reader."""
    if name in _MODEL_NAMES:
        from pipeline.plan import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
