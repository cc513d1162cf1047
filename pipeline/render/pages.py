"""HTML pages from Jinja2 templates under templates/ (issue 14.6), found by the one locator
`render.templates_dir()`. Autoescaping is on: every value from the plan is escaped, so chapter
text, front matter and review records can never become markup; HTML that is already safe
(pandoc's output through the site filter, or built from escaped parts) comes as `Markup`.
The city can change a page's markup in templates/site/ without touching Python."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from pipeline.dates import german_date_long, iso_date
from pipeline.errors import PipelineError
from pipeline.render import templates_dir
from pipeline.wording import counted

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
    env.filters["counted"] = counted
    return env


class TemplateBroken(PipelineError):
    """A page template cannot be read or filled: named with its line, in German."""

    exit_code = 3


def render(name: str, **values: Any) -> str:
    """The template `name` (relative to templates/, e.g. 'site/page.html') filled in. A
    template the city changed and broke is reported with its file and line, no traceback."""
    try:
        return environment().get_template(name).render(**values)
    except jinja2.TemplateSyntaxError as e:
        where = f"templates/{e.name or name}:{e.lineno or 1}"
        raise TemplateBroken(f"{where}: die Vorlage ist fehlerhaft ('{{{{ … }}}}' für Werte, "
                             f"'{{% … %}}' für Anweisungen; jedes '{{% if %}}'/'{{% for %}}' "
                             f"braucht sein '{{% endif %}}'/'{{% endfor %}}')") from e
    except jinja2.UndefinedError as e:
        line = _template_line(e.__traceback__, name)
        raise TemplateBroken(f"templates/{name}:{line}: die Vorlage verwendet einen Wert, den "
                             f"die Website nicht liefert ({_undefined_name(e)})") from e
    except jinja2.TemplateNotFound as e:
        raise TemplateBroken(f"templates/{e.name}: die Vorlage fehlt") from e


def _template_line(tb: Any, name: str) -> int:
    """The line of the template in a traceback (Jinja2 maps frames to template lines)."""
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _undefined_name(e: jinja2.UndefinedError) -> str:
    found = re.search(r"'([^']+)' is undefined|has no attribute '([^']+)'", str(e))
    return f"'{found.group(1) or found.group(2)}'" if found else "unbekannt"


def placeholders(text: str) -> tuple[set[str], int | None]:
    """The names a template's text uses without defining them (loop variables are defined),
    and the line of its first syntax error (None when it parses). For `lip vorschau`, which
    names a placeholder the site does not fill before it builds."""
    from jinja2 import meta

    try:
        return meta.find_undeclared_variables(environment().parse(text)), None
    except jinja2.TemplateSyntaxError as e:
        return set(re.findall(r"\{\{\s*(\w+)\s*\}\}", text)), e.lineno or 1


def syntax_problems(templates: Path) -> list[tuple[str, int, str]]:
    """Syntax errors in the site's page templates under `templates/site/`, each as (path
    relative to the project, line, German message): all at once, where a build would stop at
    the first (`lip vorschau` shows them in its banner)."""
    env = environment().overlay(loader=jinja2.FileSystemLoader(templates))
    out = []
    for path in sorted((templates / "site").glob("*.html")):
        name = path.relative_to(templates).as_posix()
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as e:
            out.append((f"templates/{name}", e.lineno or 1, f"Syntaxfehler in der Vorlage: {e.message}"))
        except (jinja2.TemplateError, OSError, UnicodeDecodeError) as e:
            out.append((f"templates/{name}", 1, f"Vorlage nicht lesbar: {e}"))
    return out


def is_template_error(e: BaseException) -> bool:
    """Whether `e` is Jinja2's: a template the city edited, not a defect of lip."""
    return isinstance(e, jinja2.TemplateError)
