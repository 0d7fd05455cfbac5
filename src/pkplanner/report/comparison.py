"""Planning options side by side: one column per option, so a planning group sees what each
choice of mandate, armament and caps costs in personnel, money and acceptability."""

from __future__ import annotations

import json
from typing import Any

from pkplanner import __version__
from pkplanner.report import charts
from pkplanner.report.charts import Row, profile
from pkplanner.report.document import Report, Section
from pkplanner.report.fmt import fmt_acc, fmt_benchmark, fmt_gap, fmt_int, fmt_money
from pkplanner.solution import metrics

KNOWN_LEVELS = ("civilian", "observer", "light", "armed")


def build_comparison(rows: list[Row], title: str | None = None) -> Report:
    """Planning options side by side: one column per option."""
    names = sorted({str((sol.get("scenario") or {}).get("name", "")) for _, _, sol in rows})
    title = title or f"{', '.join(n for n in names if n) or 'Scenario'}: planning options"
    parties: list[str] = []
    levels: list[str] = [lv for lv in KNOWN_LEVELS]
    for _, _, sol in rows:
        for key in ("acceptability", "armament_acceptability"):
            parties += [p for p in sol.get(key) or {} if p not in parties]
        for p in (sol.get("rules") or {}).get("acceptability_floor", {}):
            if p not in parties:
                parties.append(p)
        levels += [lv for lv in profile(sol) if lv not in levels]
    used = [lv for lv in levels if any(lv in profile(sol) for _, _, sol in rows)]

    def cell(sol: dict[str, Any], fn: Any) -> str:
        return str(fn(sol)) if metrics.has_plan(sol) else "-"

    def status(sol: dict[str, Any]) -> str:
        st = str(sol.get("status", "?"))
        conf = sol.get("conflicts") or []
        if conf:
            st += ": " + "; ".join(f"{c.get('rule', '')} ({c.get('detail', '')})"
                                   for c in conf)
        return st

    def largest(sol: dict[str, Any]) -> str:
        top = metrics.largest_share(sol)
        return "-" if top is None else f"{top[0]} {top[1]:.1%}"

    bench = next((f"{b['name']}, {fmt_int(b['personnel'])}" for _, _, sol in rows
                  if isinstance(b := sol.get("benchmark"), dict)), "")
    figures_of: list[tuple[str, Any]] = [
        ("personnel", lambda s: fmt_int(metrics.personnel(s))),
        *([(f"against the benchmark ({bench})",
            lambda s: fmt_benchmark(metrics.benchmark(s), short=True))] if bench else []),
        ("cost per month", lambda s: fmt_money(metrics.cost_per_month(s))),
        ("contributors", lambda s: str(metrics.n_contributors(s))),
        ("largest share", largest),
    ]
    for p in parties:
        figures_of.append((f"acceptability {p}",
                           lambda s, p=p: fmt_acc((metrics.acceptability(s) or {}).get(p))))
    for p in parties:
        figures_of.append((f"armament acceptability {p}", lambda s, p=p: fmt_acc(
            (metrics.armament_acceptability(s) or {}).get(p))))
    figures_of.append(("armament profile", lambda s: ", ".join(
        f"{lv} {n:,}" for lv, n in sorted(profile(s).items(),
                                          key=lambda t: levels.index(t[0]))) or "-"))
    figures_of.append(("zones deployed", lambda s: (
        f"{metrics.zones_deployed(s)} of {len(s['zones'])}")))
    figures_of.append(("mandates", lambda s: ", ".join(metrics.mandates(s) or [])))
    headers = ["", *[f"{oid}: {name}" if name else oid for oid, name, _ in rows]]
    table_rows = [["status", *[status(sol) for _, _, sol in rows]]]
    table_rows += [[label, *[cell(sol, fn) for _, _, sol in rows]] for label, fn in figures_of]
    table_rows.append(["gap / seconds", *[
        f"{fmt_gap(metrics.gap(sol))} / {(sol.get('solver') or {}).get('seconds', 0):.1f} s"
        for _, _, sol in rows]])
    s = Section("options", "Planning options side by side")
    s.p("Each column is one planning option of the scenario, solved on its own. '-' marks a "
        "figure an option without a plan does not have; the status line of an infeasible "
        "option names the rules that conflict.")
    s.table(headers, table_rows)
    figures: dict[str, Any] = {}
    feasible = [(oid, name, sol) for oid, name, sol in rows if metrics.has_plan(sol)]
    if feasible:
        figures["comparison_acceptability"] = charts.chart_comparison_acceptability(
            feasible, parties)
        s.chart("comparison_acceptability", "Acceptability per party and option")
        figures["comparison_profile"] = charts.chart_comparison_profile(feasible, used)
        s.chart("comparison_profile", "Personnel per armament level and option")
    conflicts = [(oid, sol.get("conflicts") or []) for oid, _, sol in rows]
    conf_rows = [[oid, str(c.get("rule", "")), str(c.get("detail", "")),
                  str(c.get("relaxation") or "-")] for oid, cs in conflicts for c in cs]
    sections = [s]
    if conf_rows:
        c = Section("conflicts", "Conflicting rules of infeasible options")
        c.table(["option", "rule", "detail", "relaxation"], conf_rows)
        sections.append(c)
    prov = Section("provenance", "Provenance")
    prov.table(["option", "scenario sha256", "status", "overrides"], [
        [oid, str((sol.get("scenario") or {}).get("sha256", "-")), str(sol.get("status")),
         ", ".join(f"{k}={json.dumps(val)}" for k, val in (sol.get("overrides") or {}).items())
         or "none"] for oid, _, sol in rows])
    prov.p(f"Report by pkplanner {__version__}.")
    sections.append(prov)
    return Report(title, "Comparison of planning options", "comparison",
                  [f"{len(rows)} options", f"{len(feasible)} with a plan"], sections, figures)
