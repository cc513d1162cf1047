"""How pandoc reads plan Markdown: one reader configuration for every product.

The build, the redline and the site read the same chapter; reading it with different pandoc
extensions made the same text come out differently (curly quotes on the site, straight ones
in the PDF). This module imports nothing, so the redline engine and the site can use it too.
"""

PLAN_READER = ("markdown-raw_html-raw_tex-raw_attribute-native_divs-native_spans-citations"
               "-smart-tex_math_dollars")
"""Plan Markdown: no raw HTML/TeX (silently dropped in typst; an HTML `<div>` or `<span>`
stays text, it never becomes an element), no `@` citations, no raw blocks written by
editors. `smart` is off: the plan already uses „…“ and –. `$` is a dollar sign, not TeX
math: a formula has no alternative text, and PDF/UA refuses the PDF („5 $ bis 10 $“ would
otherwise become one)."""

REDLINE_READER = PLAN_READER.replace("-raw_html", "")
"""The plan reader, plus raw HTML for the one piece of it the redline's own Markdown carries:
the `<!-- -->` pandoc's writer puts between two lists. The redline engine reads plan text and
its own output with it (plan text with raw HTML fails `lip check` before)."""

REDLINE_CHUNK_READER = REDLINE_READER + "-auto_identifiers"
"""Changed chunks as the engine reads them: only the ids the author wrote (pandoc would
number automatic ones within the chunk, not the document)."""

REDLINE_GRID_WRITER = "markdown-smart-simple_tables-multiline_tables"
"""The engine's Markdown: – and „…“ as they are (not -- and "..."); pipe or grid tables only
(simple and multiline tables are indented and blank-line separated, which a list before
them swallows). For passages with a table only a grid table can hold (a list in a cell, a
span, no header row)."""

REDLINE_WRITER = REDLINE_GRID_WRITER + "-grid_tables"
"""The engine's Markdown for every other passage: its tables as pipe tables. pandoc writes
a table with column widths as a grid table where it may, and without line wrapping a grid
table's columns are as wide as their longest line: read back, the plan's table of
Controlling-Status came out 28/71 % wide instead of 50/50. A pipe table's dashes keep the
widths."""
