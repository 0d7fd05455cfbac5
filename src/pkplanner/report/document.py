"""A report as data (sections of paragraphs, lists, tables and charts) and its two renderings.

Every report pkplanner writes, the planning report, the comparison of options and the batch
report, is built as a `Report` and rendered here, so there is one page template, one table
renderer and one escaping rule for each output format.

Every string put into a Report is data: the HTML template escapes it (autoescape), and the
Markdown renderer escapes table cells and text. Only the plotly chart fragments are marked
safe; their labels and hover texts are escaped by the caller (`fmt.esc`) before they reach
plotly. The HTML page is self-contained: plotly.js is embedded once, with the first chart.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

import jinja2
from markupsafe import Markup

TEMPLATES = "pkplanner.report.templates"     # a package: templates ship as package data


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)     # right-aligned columns
    caption: str = ""


@dataclass
class Block:
    kind: str                                 # "p" | "list" | "table" | "chart" | "heading"
    text: str = ""                            # paragraph, sub-heading or a chart's caption
    items: list[str] = field(default_factory=list)
    table: Table | None = None
    chart: str = ""                           # key into Report.figures


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    number: str = ""

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title

    def p(self, text: str) -> None:
        self.blocks.append(Block("p", text=text))

    def subheading(self, text: str) -> None:
        self.blocks.append(Block("heading", text=text))

    def bullets(self, items: Iterable[str]) -> None:
        items = list(items)
        if items:
            self.blocks.append(Block("list", items=items))

    def table(self, columns: list[str], rows: list[list[str]], numeric: Iterable[int] = (),
              caption: str = "") -> None:
        self.blocks.append(Block("table", table=Table(columns, rows, set(numeric), caption)))

    def chart(self, key: str, caption: str) -> None:
        self.blocks.append(Block("chart", text=caption, chart=key))


@dataclass
class Report:
    """A report as data: sections of paragraphs, lists, tables and charts (plotly figures)."""

    title: str
    subtitle: str
    status: str
    summary: list[str]
    sections: list[Section]
    figures: dict[str, Any] = field(default_factory=dict)

    def section(self, title: str) -> Section | None:
        return next((s for s in self.sections if s.title == title), None)

    def markdown(self) -> str:
        return _md_env().get_template("document.md.j2").render(doc=self)

    def html(self) -> str:
        return _html_env().get_template("document.html.j2").render(
            doc=self, figures=_figure_html(self.sections, self.figures))


# --------------------------------------------------------------------------- Markdown escaping


_MD_ESCAPES = (("\\", "\\\\"), ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("[", "\\["),
               ("]", "\\]"), ("`", "\\`"))


def _md_escape(value: object) -> str:
    s = str(value)
    for a, b in _MD_ESCAPES:
        s = s.replace(a, b)
    return s


def md_text(value: object) -> str:
    """Escape inline text for Markdown: no raw HTML, links or code spans; one line."""
    return " ".join(_md_escape(value).split())


def md_para(value: object) -> str:
    """md_text, and no heading, list, quote or rule marker where a paragraph starts."""
    s = md_text(value)
    m = re.match(r"(\d+)([.)])", s)
    if m:
        return f"{m.group(1)}\\{m.group(2)}{s[m.end():]}"
    return "\\" + s if s[:1] in ("#", "-", "+", "*", "=", "_") else s


def md_cell(value: object) -> str:
    """Escape a Markdown table cell: pipes, angle brackets, brackets, backslashes; newlines
    become <br>."""
    s = _md_escape(value).replace("|", "\\|").replace("\r\n", "\n").replace("\r", "\n")
    return "<br>".join(part.strip() for part in s.split("\n"))


# --------------------------------------------------------------------------- templates


def _template_source(name: str) -> str | None:
    # importlib.resources, not a path beside this file: it finds the templates in a wheel,
    # an editable install or a zip alike
    path = files(TEMPLATES).joinpath(name)
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _environment(autoescape: bool, keep_trailing_newline: bool) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FunctionLoader(_template_source),
                              autoescape=autoescape, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=keep_trailing_newline)


@functools.cache
def _md_env() -> jinja2.Environment:
    env = _environment(autoescape=False, keep_trailing_newline=True)
    env.filters["mdcell"] = md_cell
    env.filters["mdtext"] = md_text
    env.filters["mdpara"] = md_para
    return env


@functools.cache
def _html_env() -> jinja2.Environment:
    return _environment(autoescape=True, keep_trailing_newline=False)


def _figure_html(sections: list[Section], figures: dict[str, Any]) -> dict[str, Markup]:
    """HTML of each chart in document order: plotly.js is embedded with the first one only."""
    out: dict[str, Markup] = {}
    first = True
    for s in sections:
        for b in s.blocks:
            if b.kind != "chart" or b.chart in out:
                continue
            fig = figures[b.chart]
            height = fig.layout.height or 450
            out[b.chart] = Markup(fig.to_html(
                full_html=False, include_plotlyjs=first, include_mathjax=False,
                div_id=f"chart-{b.chart}", default_height=f"{height}px", default_width="100%",
                config={"displaylogo": False, "responsive": True}))
            first = False
    return out
