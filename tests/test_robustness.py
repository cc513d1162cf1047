"""Editors' mistakes never end in a traceback: any value in any front matter of the shipped
plan replaced by text, a number, a list, a mapping, nothing or an impossible date.

`lip check` must report such a plan; `lip status`, the site (`--trotz-fehlern`) and the
assembler read it anyway. Before this test, a list as `gremium` of a statement crashed
`lip status`, and a decision dated in month 13 crashed the site.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import SHIPPED_PLAN

from pipeline import review
from pipeline.assemble import assemble
from pipeline.commands import site, site_data
from pipeline.commands.build import is_final
from pipeline.commands.plan_report import plan_report
from pipeline.errors import PipelineError
from pipeline.history import PlanHistory
from pipeline.plan import load_plan, read_folder

FILES = read_folder(SHIPPED_PLAN)
VALUES = ["1", "-1", "1.5", "true", "null", "", "[]", "{}", "[a, b]", "{a: 1}", '"x"',
          "2020-13-45", "'2020-01-01'", "2030-01-01", "'  '"]
_KEY_LINE = re.compile(rb"^(\s*(?:- )?)([\w-]+):(?: .*)?$")


def _value_lines() -> list[tuple[str, int]]:
    """(file, line index) of every `key: value` line in a front matter or the manifest."""
    out = []
    for name, data in sorted(FILES.items()):
        if data is None or not name.endswith((".md", ".yaml")) or "/" in name:
            continue
        lines = data.split(b"\n")
        end = len(lines) if name.endswith(".yaml") else lines.index(b"---", 1)
        out.extend((name, i) for i in range(end) if _KEY_LINE.match(lines[i]))
    return out


LINES = _value_lines()


def _mutated(where: tuple[str, int], value: str) -> dict[str, bytes | None]:
    name, i = where
    lines = FILES[name].split(b"\n")
    m = _KEY_LINE.match(lines[i])
    lines[i] = m.group(1) + m.group(2) + b": " + value.encode()
    return {**FILES, name: b"\n".join(lines)}


def test_there_is_something_to_mutate() -> None:
    assert len(LINES) > 300 and {name for name, _ in LINES} >= {"lip.yaml", "11-bildung.md"}


@settings(max_examples=250, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(LINES), st.sampled_from(VALUES))
def test_a_wrong_value_anywhere_is_reported_never_a_crash(where, value) -> None:
    try:
        plan = load_plan(_mutated(where, value))
    except PipelineError:
        return  # e.g. a manifest that is no mapping: a German message, which is fine
    report = plan_report(plan)
    gremien = plan.manifest.gremien if plan.manifest else {}
    versions = site_data.VersionNames(plan, PlanHistory(None))  # a plan outside git
    for chapter in plan.chapters:
        assert review.chapter_state(chapter, gremien).label  # what `lip status` shows
        assert site.timeline(chapter, plan, versions).startswith(("<ol", "<p"))  # the site's history
        assert site_data.state_view(chapter, plan.manifest).label  # the site's status badge
    try:
        assemble(plan, draft=not is_final(plan))
    except Exception:  # `lip build` then shows the check's problems instead
        assert report.errors, "the assembler failed on a plan that 'lip check' accepts"
