"""DIR/batch_report.html: what a batch found, in one self-contained page.

Sections: runs by kind and status; Pareto fronts (cost against the smallest party
acceptability); how personnel, cost and the smallest acceptability move along each
swept grid parameter; Monte Carlo: how often each contributor is selected in each
zone, which contributors form the robust core (selected in at least 90% of the
feasible samples) and which are contingent, and the spread of cost and
acceptability. The page is a report of pkplanner.report's document model, so it shares
the planning report's template, escaping and tables, and works offline the same way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.colors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pkplanner.files import write_atomic
from pkplanner.report.document import Report, Section
from pkplanner.report.fmt import esc

if TYPE_CHECKING:
    from pkplanner.batch.plan import Plan
    from pkplanner.batch.spec import BatchSpec
    from pkplanner.batch.store import Store

CORE, RARE = 0.9, 0.1           # selection frequency: robust core / contingent / rare
MAX_GROUPS = 12                 # Monte Carlo groups and fronts drawn in detail
FEASIBLE = ("optimal", "feasible")
DASHES = ("solid", "dash", "dot", "dashdot")
MARGIN = {"l": 60, "r": 20, "t": 50, "b": 50}


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return "" if pd.isna(v) else (f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3f}")
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _table(s: Section, df: pd.DataFrame) -> None:
    """A stored frame as a report table: numbers right-aligned, missing values empty."""
    rows = [list(r) for r in df.itertuples(index=False)]
    numeric = {i for r in rows for i, v in enumerate(r) if isinstance(v, int | float)}
    s.table([str(c) for c in df.columns], [[_cell(v) for v in r] for r in rows], numeric)


def _chart(s: Section, figures: dict[str, Any], fig: Any, height: int = 450) -> None:
    fig.update_layout(height=height, margin=MARGIN)
    key = str(len(figures))
    figures[key] = fig
    s.chart(key, "")


def _label(row: Any, grid: bool = True) -> str:
    parts = [str(row.scenario), f"option {row.option}"]
    if getattr(row, "objective", None) is not None:
        parts.append(str(row.objective))
    if grid and row.grid not in (None, "{}"):
        parts.append(", ".join(f"{k}={v}" for k, v in json.loads(row.grid).items()))
    return " · ".join(parts)


def write_report(path: Path, spec: BatchSpec, plan: Plan, store: Store, keys: list[str]) -> None:
    runs = store.frame("runs", keys)
    allocations = store.frame("allocations", keys)
    write_atomic(path, build_report(spec, plan, runs, allocations).html())


def build_report(spec: BatchSpec, plan: Plan, runs: pd.DataFrame,
                 allocations: pd.DataFrame) -> Report:
    figures: dict[str, Any] = {}
    sections = [_overview(runs, plan), _pareto(runs, figures), _sweeps(spec, runs, figures),
                _monte_carlo(runs, allocations, figures), _errors(runs)]
    return Report(f"Batch {spec.name}", spec.description, "batch", [],
                  [s for s in sections if s is not None], figures)


def _overview(runs: pd.DataFrame, plan: Plan) -> Section:
    s = Section("runs", "Runs")
    if runs.empty:
        s.p("No run is stored yet.")
        return s
    counts = runs.pivot_table(index="kind", columns="status", values="run_key",
                              aggfunc="count", fill_value=0).reset_index()
    counts.columns.name = None
    _table(s, counts)
    s.p(f"{len(runs)} runs, {runs['seconds'].sum():.1f} s of solving in total "
        f"(median {runs['seconds'].median():.2f} s per run).")
    notes = [f.note for f in plan.fronts if f.state == "skipped"] + plan.notes
    for n in notes:
        s.p(n)
    return s


def _pareto(runs: pd.DataFrame, figures: dict[str, Any]) -> Section | None:
    front = runs[runs["kind"] == "pareto"]
    if front.empty:
        return None
    s = Section("pareto", "Pareto fronts: cost against the smallest party acceptability")
    axis = front["pareto_axis"].iloc[0]
    s.p({"acceptability_floor":
         "Each point is a least-cost plan with a common floor on every party's "
         "acceptability (ε-constraint), the floor spread from 0 to the highest smallest "
         "acceptability any plan reaches.",
         "robust_budget":
         "Each point is a least-cost plan whose floors hold when up to Γ of each party's "
         "uncertain scores sit at their low end (rules.robust_budget), Γ spread from 0 to "
         "the most uncertain scores a party has: the price of robustness (the floor/budget "
         "column is Γ)."}.get(axis,
        "Each point is the most acceptable plan within a budget, the budget spread from "
        "the least cost to the cost of the most acceptable plan."))
    fig = go.Figure()
    rows = []
    groups = list(front.groupby(["scenario", "option", "grid"], sort=True, dropna=False))
    for _key, g in groups[:MAX_GROUPS]:
        g = g.sort_values("pareto_point")
        ok = g[g["status"].isin(FEASIBLE)]
        name = _label(g.iloc[0], grid=True).replace(" · cost", "").replace(
            " · acceptability", "")
        fig.add_trace(go.Scatter(
            x=ok["min_acceptability"], y=ok["cost_per_month"], mode="lines+markers", name=name,
            customdata=ok[["pareto_value", "personnel"]].to_numpy(),
            hovertemplate=("floor/budget %{customdata[0]:,.4g}<br>min acceptability %{x:.3f}"
                           "<br>cost %{y:,.0f}/month<br>personnel %{customdata[1]:,}"
                           "<extra></extra>")))
        rows.append({"front": name, "points": len(g), "feasible": len(ok),
                     "cost from": ok["cost_per_month"].min() if len(ok) else None,
                     "cost to": ok["cost_per_month"].max() if len(ok) else None,
                     "min acceptability from": ok["min_acceptability"].min() if len(ok) else None,
                     "to": ok["min_acceptability"].max() if len(ok) else None})
    fig.update_layout(xaxis_title="smallest party acceptability",
                      yaxis_title="cost per month", legend={"orientation": "h", "y": -0.2})
    _chart(s, figures, fig, 500)
    _table(s, pd.DataFrame(rows))
    if len(groups) > MAX_GROUPS:
        s.p(f"{len(groups) - MAX_GROUPS} more fronts are in the results store.")
    return s


def _grid_value(grid_json: str, key: str) -> Any:
    v = json.loads(grid_json).get(key)
    return v if isinstance(v, int | float) and not isinstance(v, bool) else json.dumps(v)


def _sweeps(spec: BatchSpec, runs: pd.DataFrame, figures: dict[str, Any]) -> Section | None:
    grid = runs[(runs["kind"] == "grid") & runs["sample"].isna()]
    params = [k for k, vals in spec.grid.items() if len(vals) > 1]
    if grid.empty or not params:
        return None
    s = Section("sweeps", "Sweeps: how the recommended force moves along each grid parameter")
    s.p("Mean over the other grid parameters of the feasible runs; the bars span their "
        "minimum and maximum. Hover for the number of feasible runs.")
    metrics = [("personnel", "personnel"), ("cost_per_month", "cost per month"),
               ("min_acceptability", "smallest party acceptability")]
    for key in params:
        df = grid.assign(x=[_grid_value(g, key) for g in grid["grid"]])
        fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                            subplot_titles=[m[1] for m in metrics])
        scenarios = sorted(df["scenario"].unique())
        objectives = sorted(df["objective"].dropna().unique())
        for name, g in df.groupby(["scenario", "option", "objective"], sort=True):
            # colour by scenario, dash by objective: coinciding lines stay visible
            colour = _color(scenarios.index(name[0]))
            dash = DASHES[objectives.index(name[2]) % len(DASHES)]
            ok = g[g["status"].isin(FEASIBLE)]
            n_all = g.groupby("x").size()
            label = " · ".join(str(v) for v in name)
            for r, (col, _title) in enumerate(metrics, start=1):
                agg = ok.groupby("x")[col].agg(["mean", "min", "max"]).reindex(n_all.index)
                feas = ok.groupby("x").size().reindex(n_all.index, fill_value=0)
                fig.add_trace(go.Scatter(
                    x=list(agg.index), y=agg["mean"], mode="lines+markers", name=label,
                    legendgroup=label, showlegend=r == 1,
                    line={"color": colour, "dash": dash}, marker={"color": colour},
                    error_y={"type": "data", "symmetric": False,
                             "array": (agg["max"] - agg["mean"]).fillna(0),
                             "arrayminus": (agg["mean"] - agg["min"]).fillna(0)},
                    customdata=list(zip(feas, n_all, strict=True)),
                    hovertemplate=("%{x}: %{y:,.4g}<br>feasible %{customdata[0]} of "
                                   "%{customdata[1]}<extra>" + esc(label) + "</extra>")),
                    row=r, col=1)
        fig.update_xaxes(title_text=key, row=3, col=1)
        fig.update_layout(title=key, legend={"orientation": "h", "y": -0.12})
        _chart(s, figures, fig, 720)
    return s


def _color(i: int) -> str:
    palette = plotly.colors.qualitative.Plotly
    return str(palette[i % len(palette)])


def _monte_carlo(runs: pd.DataFrame, allocations: pd.DataFrame,
                 figures: dict[str, Any]) -> Section | None:
    mc = runs[runs["kind"] == "monte_carlo"]
    if mc.empty:
        return None
    s = Section("monte-carlo", "Monte Carlo: how robust is the composition")
    s.p(f"Robust core: contributors selected in at least {CORE:.0%} of the feasible "
        f"samples; contingent: between {RARE:.0%} and {CORE:.0%}; rare: below. "
        "The nominal plan is the run without sampled changes.")
    nominal = runs[(runs["kind"] != "monte_carlo") & runs["sample"].isna()
                   & (runs["kind"] != "pareto")]
    groups = list(mc.groupby(["scenario", "option", "objective", "grid"], sort=True,
                             dropna=False))
    for (scenario, option, objective, grid), g in groups[:MAX_GROUPS]:
        s.subheading(_label(g.iloc[0]))
        ok = g[g["status"].isin(FEASIBLE)]
        others = [f"{n} {st}" for st, n in g["status"].value_counts().items()
                  if st not in FEASIBLE]
        s.p(f"{len(g)} samples: " + ", ".join([f"{len(ok)} feasible", *others]) + ".")
        nom = nominal[(nominal["scenario"] == scenario) & (nominal["option"] == option)
                      & (nominal["objective"] == objective) & (nominal["grid"] == grid)]
        if ok.empty:
            continue
        a = allocations[allocations["run_key"].isin(ok["run_key"]) & (allocations["units"] > 0)]
        by_cz = a.groupby(["contributor", "zone"])["run_key"].nunique() / len(ok)
        by_c = a.groupby("contributor")["run_key"].nunique() / len(ok)
        people = a.groupby(["contributor", "run_key"])["personnel"].sum().groupby(
            "contributor").mean()
        contributors = list(by_c.sort_values(ascending=False).index)
        zones = sorted(a["zone"].unique())
        z = [[float(by_cz.get((c, zz), 0.0)) for zz in zones] + [float(by_c[c])]
             for c in contributors]
        fig = go.Figure(go.Heatmap(
            z=z, x=[*zones, "any zone"], y=contributors, zmin=0, zmax=1,
            colorscale="Blues", text=[[f"{v:.0%}" for v in row] for row in z],
            texttemplate="%{text}", hovertemplate="%{y} in %{x}: %{text}<extra></extra>",
            colorbar={"title": "selected"}))
        fig.update_layout(title="Selection frequency (share of feasible samples)",
                          yaxis={"autorange": "reversed"})
        _chart(s, figures, fig, max(300, 60 + 30 * len(contributors)))
        nom_sel: set[str] = set()
        if not nom.empty:
            nom_sel = set(allocations[allocations["run_key"] == nom["run_key"].iloc[0]]
                          ["contributor"])
        core = pd.DataFrame([{
            "contributor": c, "selected": f"{by_c[c]:.0%}",
            "class": "core" if by_c[c] >= CORE else "contingent" if by_c[c] >= RARE else "rare",
            "mean personnel when selected": round(float(people[c])),
            "in the nominal plan": ("yes" if c in nom_sel else "no") if not nom.empty else "",
        } for c in contributors])
        _table(s, core)
        fig2 = make_subplots(rows=1, cols=2, subplot_titles=["cost per month",
                                                             "smallest party acceptability"])
        for col, (metric, _t) in enumerate([("cost_per_month", ""), ("min_acceptability", "")],
                                           start=1):
            fig2.add_trace(go.Box(y=ok[metric], name="samples", boxpoints="all", jitter=0.4,
                                  showlegend=False), row=1, col=col)
            if not nom.empty and pd.notna(nom[metric].iloc[0]):
                fig2.add_trace(go.Scatter(x=["samples"], y=[nom[metric].iloc[0]],
                                          mode="markers", name="nominal", showlegend=col == 1,
                                          marker={"symbol": "diamond", "size": 12,
                                                  "color": "black"}), row=1, col=col)
        fig2.update_layout(title="Spread across samples")
        _chart(s, figures, fig2, 420)
        stats = ok[["cost_per_month", "min_acceptability", "personnel"]].describe(
            percentiles=[0.05, 0.5, 0.95]).T.reset_index().rename(columns={"index": "metric"})
        _table(s, stats[["metric", "mean", "std", "min", "5%", "50%", "95%", "max"]])
    if len(groups) > MAX_GROUPS:
        s.p(f"{len(groups) - MAX_GROUPS} more Monte Carlo groups are in the results store.")
    return s


def _errors(runs: pd.DataFrame) -> Section | None:
    bad = runs[runs["status"] == "error"]
    if bad.empty:
        return None
    s = Section("errors", f"Runs that failed ({len(bad)})")
    shown = bad[["scenario", "option", "objective", "overrides", "sample", "error"]].head(100)
    _table(s, shown.astype(object).where(shown.notna(), None))
    if len(bad) > 100:
        s.p(f"{len(bad) - 100} more in the results store.")
    return s
