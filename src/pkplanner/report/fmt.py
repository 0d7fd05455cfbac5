"""How numbers read in every report: one formatter per kind of figure, so a share, a cost or
an acceptability is written the same way in each section, table and option compared."""

from __future__ import annotations

import html
import json

from pydantic import BaseModel

from pkplanner.rules.audit import fmt_money, fmt_pp  # noqa: F401  (one home: the audit's)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def fmt_int(n: float | int | None) -> str:
    return "-" if n is None else f"{round(n):,}"


def fmt_pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def fmt_acc(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def fmt_hours(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f} h"


def fmt_value(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.6g}" if abs(v) < 1e6 else f"{v:,.0f}"
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def fmt_gap(gap: float | None) -> str:
    return "n/a" if gap is None else f"{gap:.4%}"


def fmt_benchmark(bm: dict[str, object] | None, short: bool = False) -> str:
    """A plan's size against the force actually deployed (the solution's `benchmark`);
    `short` leaves out which force it was (a table's row label says)."""
    if not bm:
        return "-"
    year = f", {bm['year']}" if bm.get("year") else ""
    ratio = bm.get("ratio")
    head = f"×{ratio:.2f} of " if isinstance(ratio, int | float) else ""
    text = f"{head}{fmt_int(bm['personnel'])}"  # type: ignore[arg-type]
    return text if short else f"{text} ({bm['name']}{year})"


def esc(s: object) -> str:
    """For plotly labels and hover text: plotly renders a subset of HTML in them, and the
    page template cannot reach inside a figure's JSON to escape scenario strings there."""
    return html.escape(str(s), quote=True)


def field_title(model: type[BaseModel], name: str) -> str:
    """A scenario field's label as the schema words it, so a column head and the app's
    editor name the field alike (the field's name where the schema gives no title)."""
    return model.model_fields[name].title or name
