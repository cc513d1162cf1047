"""HTML pages from Jinja2 templates under templates/ (issue 14.6), found by the one locator
`render.templates_dir()`. Autoescaping is on: every value from the plan is escaped, so chapter
text, front matter and review records can never become markup; HTML that is already safe
(pandoc's output through the site filter, or built from escaped parts) comes as `Markup`.
The city can change a page's markup in templates/site/ without touching Python."""

from __future__ import annotations

import functools
from typing import Any

import jinja2
from markupsafe import Markup, escape

from pipeline.dates import german_date_long, iso_date
from pipeline.render import templates_dir

__all__ = ["Markup", "escape", "render", "time_tag"]


def time_tag(value: Any) -> Markup:
    """A date for people (8. Juni 2020) with its ISO form for machines; '–' when missing."""
    iso = iso_date(value)
    if not iso:
        return Markup("–")
    return Markup('<time datetime="{}">{}</time>').format(iso, german_date_long(value))


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir()), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["time"] = time_tag
    env.filters["long_date"] = german_date_long
    return env


def render(name: str, **values: Any) -> str:
    """The template `name` (relative to templates/, e.g. 'site/page.html') filled in."""
    return environment().get_template(name).render(**values)
