"""Allow `python -m pipeline` (the same as the `lip` command)."""

from pipeline.entry import run

run()
