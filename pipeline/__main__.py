"""Allow `python -m pipeline` (the same as the `lip` command)."""

from pipeline.cli import run

run()
