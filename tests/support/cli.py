"""`lip` called in-process, as a test sees it: exit code, standard output, standard error."""

from __future__ import annotations

from pipeline.cli import main


def lip_in_process(args: list[str], capsys) -> tuple[int, str, str]:
    """Run `lip ARGS` through the real entry point (no subprocess) and collect its output."""
    try:
        main(args)
        code = 0
    except SystemExit as e:
        code = e.code or 0
    out, err = capsys.readouterr()
    return code, out, err
