"""Read and check the plan, pure: the model (Plan, Chapter, Manifest), front matter, body,
schemas and validation. Imports nothing from commands/ and runs no tool."""

from pipeline.plan.model import (  # noqa: F401  (the package's public names)
    MANIFEST_NAME,
    PLAN_DIR,
    Chapter,
    Fassung,
    Manifest,
    Plan,
    PlanFiles,
    load_chapter,
    load_plan,
    normalize_text,
    read_folder,
    read_resources,
    require_valid,
    text_hash,
)
