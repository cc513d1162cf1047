"""The first code of the `lip` command: settings for a short-lived process, then the CLI.

It runs before anything heavy is imported, so that the settings apply to the imports too.
"""

import gc


def run() -> None:
    # A `lip` command creates many objects while it imports and parses the plan, and keeps
    # most of them: Python's cycle collector would walk them again and again. Collecting the
    # youngest objects every 100,000 allocations instead of every 700 saves ~10 ms per call;
    # objects freed by reference counting (nearly all) go as before.
    gc.set_threshold(100_000, 50, 50)
    import sys

    if next((a for a in sys.argv[1:] if not a.startswith("-")), None) in ("redline", "site"):
        # their pandoc workers start (and warm up) on the other core while Python imports lip
        from pipeline.render.tools import cores
        from pipeline.render.workers import start_early

        start_early(cores())
    from pipeline.cli import run as cli_run

    cli_run()
