"""A phased plan read from the hard phase to the exit: the report's Timeline section.

A phased solution (docs/solution-file.md#phases) keeps the first phase's plan in the
single-period keys, which every other section reads, and lists each phase's plan in
`phases` and what links them in `transition`; its objective is the whole plan's cost. This
module lays the phases side by side: the force by zone and phase, armament, the hand-over to
local police, who arrives and leaves when, the transition rules and those at their limit,
re-entries and rotations, and the cost of the whole plan phase by phase. It reads the two
documents only, like the rest of the report; a document without a plan (an infeasible phased
scenario lists `phases: []`) gets the scenario's schedule and rules instead.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from pkplanner.report import charts
from pkplanner.report.document import Section
from pkplanner.report.fmt import fmt_int, fmt_money, fmt_pct, plural
from pkplanner.report.view import View
from pkplanner.scenario.phases import DAYS_PER_MONTH
from pkplanner.scenario.resolve import ResolvedScenario
from pkplanner.scenario.schema import Scenario

# the single-period keys a phase repeats (engine/solve.py PHASE_PLAN_KEYS)
PLAN_KEYS = ("zones", "allocations", "contributors", "acceptability", "armament_acceptability",
             "totals", "binding", "flows", "logistics")

# transition rule -> (scenario key, the rule in words); names as in the solver's binding list
# (`transition.<rule>...`) and the rule catalog (rules/catalog.py TRANSITION_RULES)
RULES = (
    ("drawdown", "max_growth", "the force grows no more than this from one phase to the next"),
    ("armament", "armament_may_rise", "a zone deployed in consecutive phases may run heavier "
                                      "armed in the later one"),
    ("lead_changes", "lead_changes_per_zone", "most changes of a zone's lead nation over the "
                                              "plan"),
    ("final_ceiling", "final_ceiling", "most international personnel in the last phase"),
    ("rotation", "rotation_months", "months a unit serves before a unit of its type relieves "
                                    "it"),
    ("reentry", "reentry_cost_per_person", "one-off cost per person of a contributor coming "
                                           "back to a zone it left"),
)


def is_phased(sol: dict[str, Any]) -> bool:
    """The solution is of a phased scenario (it lists `phases`, empty without a plan)."""
    return isinstance(sol.get("phases"), list)


def phases_of(sol: dict[str, Any]) -> list[dict[str, Any]]:
    """The phases' plans in the document, in order ([] without phases or without a plan)."""
    return [p for p in sol.get("phases") or [] if isinstance(p, dict)]


def phase_solution(sol: dict[str, Any], index: int) -> dict[str, Any]:
    """The document with phase `index`'s plan in the single-period keys, so any reader of a
    plan (tables, charts, the workbook) shows that phase. Phase 0 is the document's own."""
    ph = phases_of(sol)[index]
    out = {k: copy.deepcopy(v) for k, v in sol.items() if k not in PLAN_KEYS}
    for k in PLAN_KEYS:
        if k in ph:
            out[k] = copy.deepcopy(ph[k])
    return out


def label(ph: dict[str, Any]) -> str:
    pid = str(ph.get("id", ""))
    name = str(ph.get("name") or "")
    return f"{name} ({pid})" if name and name != pid else pid


def end_day(ph: dict[str, Any]) -> float:
    return float(ph.get("start_day", 0.0)) + float(ph.get("months", 0.0)) * DAYS_PER_MONTH


def fmt_day(x: float) -> str:
    return f"{x:,.0f}"


def personnel(ph: dict[str, Any]) -> int:
    return int((ph.get("totals") or {}).get("personnel", 0))


def cost_per_month(ph: dict[str, Any]) -> float:
    """What a month of the phase costs in the objective: the force, plus moving its
    supplies when logistics prices them (engine/model.py cost_expr)."""
    force = float((ph.get("totals") or {}).get("cost_per_month", 0.0))
    lg = ph.get("logistics")
    return force + (float(lg.get("transport_cost_per_month", 0.0)) if isinstance(lg, dict)
                    else 0.0)


def zone_row(ph: dict[str, Any], z: str) -> dict[str, Any] | None:
    return next((r for r in ph.get("zones") or [] if r.get("zone") == z), None)


def contributor_personnel(ph: dict[str, Any]) -> dict[str, int]:
    return {str(c["contributor"]): int(c["personnel"]) for c in ph.get("contributors") or []
            if int(c.get("personnel", 0)) > 0}


@dataclass
class CostLine:
    what: str
    months: float | None
    per_month: float | None
    cost: float


def cost_lines(sol: dict[str, Any], soft: bool = False) -> list[CostLine]:
    """The whole plan's cost term by term: each phase's months x cost per month, the
    re-entries, and what else the objective holds (with `soft` requirements, their
    shortfall penalty), so that the lines add up to the objective value."""
    out = [CostLine(f"phase {label(ph)}", float(ph.get("months", 0.0)), cost_per_month(ph),
                    float(ph.get("months", 0.0)) * cost_per_month(ph))
           for ph in phases_of(sol)]
    reentries = (sol.get("transition") or {}).get("reentries") or []
    back = sum(float(r.get("cost", 0.0)) for r in reentries)
    if reentries or back:
        out.append(CostLine(f"re-entries ({plural(len(reentries), 'contingent')} back)", None,
                            None, back))
    value = (sol.get("objective") or {}).get("value")
    if isinstance(value, int | float):
        rest = float(value) - sum(x.cost for x in out)
        if abs(rest) > 0.5 + 1e-9 * abs(float(value)):
            out.append(CostLine(
                "other terms of the objective: " + (
                    "the shortfall penalty of the soft requirements" if soft else
                    "not in the phases' costs or the re-entries"), None, None, rest))
    return out


def _zone_ids(v: View, phases: list[dict[str, Any]]) -> list[str]:
    ids = [z.id for z in v.sc.zones]
    for ph in phases:
        ids += [str(r["zone"]) for r in ph.get("zones") or [] if r["zone"] not in ids]
    return ids


def _rule_value(key: str, value: Any) -> str:
    if value is None:
        return "no rule"
    if key == "max_growth":
        return "may only shrink (0%)" if value == 0 else f"+{float(value):.1%}"
    if key == "armament_may_rise":
        return "yes" if value else "no"
    if key == "rotation_months":
        return f"{float(value):g} months"
    if key == "reentry_cost_per_person":
        return fmt_money(float(value)) if value else "0 (no cost)"
    return fmt_int(value)


def few(items: list[str], n: int = 6) -> str:
    """The first `n` items, and how many more (a binding list can name every post)."""
    return ", ".join(items[:n]) + (f" and {len(items) - n:,} more" if len(items) > n else "")


def _in_force(key: str, value: Any) -> bool:
    if key == "armament_may_rise":
        return value is False
    if key == "reentry_cost_per_person":
        return bool(value)
    return value is not None


def _lead_changes(phases: list[dict[str, Any]], zones: list[str]) -> tuple[int, str]:
    most, where = 0, ""
    for z in zones:
        leads = [(zone_row(ph, z) or {}).get("lead") for ph in phases]
        n = sum(1 for a, b in pairwise(leads) if a and b and a != b)
        if n > most:
            most, where = n, z
    return most, where


def _rises(v: View, phases: list[dict[str, Any]], zones: list[str]) -> list[str]:
    out = []
    for a, b in pairwise(phases):
        for z in zones:
            ra, rb = zone_row(a, z) or {}, zone_row(b, z) or {}
            if (ra.get("deployed") and rb.get("deployed")
                    and v.rank.get(rb.get("armament") or "", -1)
                    > v.rank.get(ra.get("armament") or "", -1)):
                out.append(f"{z} in {b.get('id')}")
    return out


def _in_the_plan(v: View, rule: str, sol: dict[str, Any], phases: list[dict[str, Any]],
                 zones: list[str]) -> str:
    """What the plan does against one transition rule, read from the phases."""
    tr = sol.get("transition") or {}
    n = [personnel(ph) for ph in phases]
    if not phases:
        return "-"
    if rule == "drawdown":
        if len(n) < 2:
            return "one phase"
        steps = [((b - a) / a if a else (math.inf if b else 0.0), pa, pb)
                 for a, b, pa, pb in zip(n, n[1:], phases, phases[1:], strict=False)]
        g, pa, pb = max(steps, key=lambda s: s[0])
        what = "from none" if math.isinf(g) else f"{g:+.1%}"
        return f"largest change {what} ({pa.get('id')} → {pb.get('id')})"
    if rule == "armament":
        rises = _rises(v, phases, zones)
        return ("no zone runs heavier armed" if not rises
                else "heavier: " + ", ".join(rises))
    if rule == "lead_changes":
        most, where = _lead_changes(phases, zones)
        return (f"most changes in one zone: {most}" + (f" ({where})" if where else ""))
    if rule == "final_ceiling":
        return f"{fmt_int(n[-1])} personnel in {phases[-1].get('id')}"
    if rule == "rotation":
        rot = tr.get("rotations") or []
        posts = sum(int(r.get("posts", 0)) for r in rot)
        units = sum(int(r.get("units", 0)) for r in rot)
        return f"{plural(posts, 'post')} held, {plural(units, 'unit')} taken"
    if rule == "reentry":
        back = tr.get("reentries") or []
        return (f"{len(back):,} re-entr{'y' if len(back) == 1 else 'ies'}, "
                f"{fmt_int(sum(int(r.get('personnel', 0)) for r in back))} personnel")
    return "-"


def _rules_table(s: Section, v: View, sol: dict[str, Any], phases: list[dict[str, Any]],
                 zones: list[str]) -> None:
    s.subheading("Transition rules")
    tr = sol.get("transition") or {}
    rules = tr.get("rules")
    if not isinstance(rules, dict):
        rules = v.sc.transition.model_dump(mode="json") if v.sc.transition else {}
    bound = [str(b) for b in tr.get("binding") or []]
    rows = []
    for rule, key, meaning in RULES:
        value = rules.get(key)
        on = _in_force(key, value)
        hits = [b for b in bound if b == f"transition.{rule}"
                or b.startswith(f"transition.{rule}.")
                or b.startswith(f"transition.{rule}_")]
        if hits:
            what = [w for w in (h.removeprefix(f"transition.{rule}").lstrip("._")
                                for h in hits) if w]
            status = "at its limit" + (f" ({few(what)})" if what else "")
        elif not on:
            status = "not in force"
        elif not phases:
            status = "in force"
        else:
            status = {"drawdown": "slack", "lead_changes": "slack", "final_ceiling": "slack",
                      "armament": "holds"}.get(rule, "in force")
        rows.append([key, meaning, _rule_value(key, value),
                     _in_the_plan(v, rule, sol, phases, zones) if on else "-", status])
    s.table(["rule", "meaning", "setting", "in the plan", "status"], rows)
    if rules.get("source"):
        s.p(f"Source of the transition rules: {str(rules['source']).rstrip('.')}.")
    if bound:
        counts: dict[str, int] = {}
        for b in bound:
            rule = b.split(".")[1] if b.count(".") else b
            counts[rule] = counts.get(rule, 0) + 1
        s.p(f"At their limit in the solver's report: {plural(len(bound), 'transition row')} ("
            + ", ".join(f"{k} {n}" for k, n in counts.items()) + "); the solution file lists "
            "them under transition.binding.")
    elif phases:
        s.p("No transition rule is at its limit in the solver's report.")


def _schedule(sc: Scenario) -> list[dict[str, Any]]:
    """The scenario's phases as the solution lists them, without plans (for no plan)."""
    out, start, handed = [], 0.0, set()
    for ph in sc.phases or []:
        handed |= set(ph.handed_over)
        police = {z.id: z.local_police for z in sc.zones if z.local_police}
        police.update(ph.local_police)
        out.append({"id": ph.id, "name": ph.name, "months": ph.months, "start_day": start,
                    "handed_over": [z.id for z in sc.zones if z.id in handed],
                    "local_police": {z: n for z, n in police.items() if n}})
        start += ph.months * DAYS_PER_MONTH
    return out


def timeline_section(v: View, figures: dict[str, Any]) -> Section:
    """The Timeline section of a phased solution (see the module docstring)."""
    s = Section("timeline", "Timeline")
    sol = v.sol
    phases = phases_of(sol)
    planned = bool(phases) and sol.get("status") in ("optimal", "feasible")
    shown = phases if planned else _schedule(v.sc)
    zones = _zone_ids(v, shown)
    months = sum(float(ph.get("months", 0.0)) for ph in shown)
    if not planned:
        s.p(f"The scenario plans the force in {plural(len(shown), 'phase')} over "
            f"{months:g} months; no plan was found (status {sol.get('status', 'unknown')}), "
            "so below are the phases and the transition rules as the scenario sets them.")
        _phase_table(s, shown, planned=False)
        _handover(s, v, shown, zones)
        _rules_table(s, v, sol, [], zones)
        return s
    first = phases[0]
    s.p(f"The plan runs in {plural(len(phases), 'phase')} over {months:g} months, from "
        f"{label(first)} to {label(phases[-1])}: the plan chooses the allocations, mandates, "
        "armament and lead nations of each phase, and the transition rules link consecutive "
        "phases. The other sections describe the first phase, "
        f"{label(first)}; this one follows the force from phase to phase. Days count from "
        f"the first day of the deployment, a month as 365/12 = {DAYS_PER_MONTH:.2f} days.")
    _phase_table(s, phases, planned=True)
    _personnel_table(s, v, phases, zones)
    figures["timeline"] = charts.chart_timeline(v, phases, by="zone")
    s.chart("timeline", "Personnel by phase, stacked by zone; each bar spans its phase's days")
    _armament_table(s, v, phases, zones)
    _handover(s, v, phases, zones)
    _arrivals(s, v, phases)
    _rules_table(s, v, sol, phases, zones)
    _reentries_rotations(s, v, sol)
    _costs(s, sol, v.soft)
    return s


def _phase_table(s: Section, phases: list[dict[str, Any]], planned: bool) -> None:
    rows = []
    for ph in phases:
        row = [str(ph.get("id", "")), str(ph.get("name") or "-"),
               f"{float(ph.get('months', 0.0)):g}", fmt_day(float(ph.get("start_day", 0.0))),
               fmt_day(end_day(ph)), ", ".join(ph.get("handed_over") or []) or "-"]
        if planned:
            deployed = sum(1 for z in ph.get("zones") or [] if z.get("deployed"))
            row += [str(deployed), fmt_int(personnel(ph)),
                    str(len(contributor_personnel(ph))), fmt_money(cost_per_month(ph))]
        rows.append(row)
    cols = ["phase", "name", "months", "start day", "end day", "zones handed over"]
    numeric: list[int] = [2, 3, 4]
    if planned:
        cols += ["zones deployed", "personnel", "contributors", "cost per month"]
        numeric += [6, 7, 8, 9]
    total_months = sum(float(ph.get("months", 0.0)) for ph in phases)
    rows.append(["whole plan", "-", f"{total_months:g}", fmt_day(0.0),
                 fmt_day(max([end_day(ph) for ph in phases] + [0.0])), "-"]
                + (["-", "-", "-", "-"] if planned else []))
    s.table(cols, rows, numeric=numeric, caption="Phases")


def _personnel_table(s: Section, v: View, phases: list[dict[str, Any]],
                     zones: list[str]) -> None:
    rows = []
    for z in zones:
        cells = []
        for ph in phases:
            r = zone_row(ph, z)
            if z in (ph.get("handed_over") or []):
                cells.append("handed over")
            elif r and r.get("deployed"):
                cells.append(fmt_int(r.get("personnel", 0)))
            else:
                cells.append("-")
        rows.append([v.zlabel(z), *cells])
    rows.append(["all zones", *[fmt_int(personnel(ph)) for ph in phases]])
    s.table(["zone", *[f"{ph.get('id')}: {float(ph.get('months', 0.0)):g} months from day "
                       f"{fmt_day(float(ph.get('start_day', 0.0)))}" for ph in phases]],
            rows, numeric=range(1, len(phases) + 1),
            caption="Personnel by zone and phase ('-': not deployed)")


def _armament_table(s: Section, v: View, phases: list[dict[str, Any]],
                    zones: list[str]) -> None:
    rows = []
    for z in zones:
        cells, before = [], None
        for ph in phases:
            r = zone_row(ph, z) or {}
            if z in (ph.get("handed_over") or []):
                cells.append("handed over")
                before = None
            elif r.get("deployed"):
                lv = str(r.get("armament") or "-")
                up = before is not None and v.rank.get(lv, -1) > v.rank.get(before, -1)
                cells.append(f"{lv} ({v.mname(r.get('mandate'))})" + (" ↑" if up else ""))
                before = lv
            else:
                cells.append("-")
                before = None
        rows.append([v.zlabel(z), *cells])
    s.table(["zone", *[str(ph.get("id")) for ph in phases]], rows,
            caption="Armament level (mandate) by zone and phase; ↑: heavier than in the "
                    "phase before")


def _handover(s: Section, v: View, phases: list[dict[str, Any]], zones: list[str]) -> None:
    s.subheading("Hand-over")
    police_zones = [z for z in zones if any((ph.get("local_police") or {}).get(z)
                                            or z in (ph.get("handed_over") or [])
                                            for ph in phases)]
    if not police_zones:
        s.p("No zone is handed over to local authorities and no local police are counted "
            "in any phase.")
        return
    s.p("Local police officers count toward a zone's policing requirement in the phase; a "
        "zone handed over is left to local authorities from that phase on.")
    rows = []
    for z in police_zones:
        cells = []
        for ph in phases:
            n = int((ph.get("local_police") or {}).get(z, 0) or 0)
            gone = z in (ph.get("handed_over") or [])
            cells.append(("handed over" + (f", {fmt_int(n)} police" if n else ""))
                         if gone else fmt_int(n) if n else "-")
        rows.append([v.zlabel(z), *cells])
    s.table(["zone", *[str(ph.get("id")) for ph in phases]], rows,
            numeric=range(1, len(phases) + 1),
            caption="Local police officers by zone and phase")
    hrows, before = [], set()
    for ph in phases:
        now = [z for z in ph.get("handed_over") or []]
        new = [z for z in now if z not in before]
        before |= set(now)
        hrows.append([str(ph.get("id")), ", ".join(new) or "-",
                      str(len(now))])
    s.table(["phase", "zones handed over in this phase", "handed over so far"], hrows,
            numeric=(2,), caption="Zones handed over")


def _arrivals(s: Section, v: View, phases: list[dict[str, Any]]) -> None:
    s.subheading("Who arrives when")
    rows = []
    seen: set[str] = set()
    prev: dict[str, int] = {}
    for ph in phases:
        now = contributor_personnel(ph)
        new = [c for c in now if c not in seen]
        back = [c for c in now if c in seen and c not in prev]
        gone = [c for c in prev if c not in now]
        rows.append([str(ph.get("id")),
                     "; ".join(f"{v.cname(c)} ({c}) {fmt_int(now[c])}" for c in new) or "-",
                     "; ".join(f"{v.cname(c)} ({c}) {fmt_int(now[c])}" for c in back) or "-",
                     "; ".join(f"{v.cname(c)} ({c}) {fmt_int(prev[c])}" for c in gone) or "-",
                     str(len(now))])
        seen |= set(now)
        prev = now
    s.table(["phase", "first present (personnel)", "back after an absence (personnel)",
             "left since the phase before (personnel then)", "contributors present"], rows,
            numeric=(4,), caption="Contributors arriving and leaving")


def _reentries_rotations(s: Section, v: View, sol: dict[str, Any]) -> None:
    tr = sol.get("transition") or {}
    back = tr.get("reentries") or []
    if back:
        s.table(["phase", "contributor", "zone", "personnel", "cost"],
                [[str(r.get("phase", "")), f"{v.cname(str(r.get('contributor')))} "
                  f"({r.get('contributor')})", v.zlabel(str(r.get("zone"))),
                  fmt_int(r.get("personnel", 0)), fmt_money(float(r.get("cost", 0.0)))]
                 for r in back], numeric=(3, 4),
                caption="Re-entries: contributors back in a zone they left")
    rot = tr.get("rotations") or []
    if rot:
        every = (tr.get("rules") or {}).get("rotation_months")
        posts = sum(int(r.get("posts", 0)) for r in rot)
        units = sum(int(r.get("units", 0)) for r in rot)
        s.p("Rotation: a post is a contributor's unit of one type held over consecutive "
            "phases" + (f"; held longer than {float(every):g} months, it takes another unit "
                        "of the type from the contributor's holdings for each relief"
                        if every else "")
            + f". {plural(len(rot), 'cohort')} of posts in all, {plural(posts, 'post')} taking "
            f"{plural(units, 'unit')}, {fmt_int(units - posts)} of them reliefs; below by "
            "contributor (solution.json lists every cohort under transition.rotations).")
        by: dict[str, list[dict[str, Any]]] = {}
        for r in rot:
            by.setdefault(str(r.get("contributor")), []).append(r)
        rows = []
        for c, rs in by.items():
            p_ = sum(int(r.get("posts", 0)) for r in rs)
            u_ = sum(int(r.get("units", 0)) for r in rs)
            relief: dict[str, int] = {}
            for r in rs:
                extra = int(r.get("units", 0)) - int(r.get("posts", 0))
                if extra > 0:
                    u = v.uname(str(r.get("unit_type")))
                    relief[u] = relief.get(u, 0) + extra
            rows.append([f"{v.cname(c)} ({c})", str(len(rs)), fmt_int(p_), fmt_int(u_),
                         fmt_int(u_ - p_),
                         "; ".join(f"{n} × {u}" for u, n in relief.items()) or "-"])
        s.table(["contributor", "cohorts", "posts", "units", "reliefs", "relief units"], rows,
                numeric=(1, 2, 3, 4), caption="Rotations by contributor")


def _costs(s: Section, sol: dict[str, Any], soft: bool) -> None:
    s.subheading("Cost of the whole plan")
    obj = sol.get("objective") or {}
    value = obj.get("value")
    lines = cost_lines(sol, soft)
    total = sum(x.cost for x in lines)
    s.p("The objective is the whole plan's cost: each phase's months times its cost per "
        "month (the force, and moving its supplies where logistics prices them), plus the "
        "one-off cost of re-entries.")
    rows = [[x.what, f"{x.months:g}" if x.months is not None else "-",
             fmt_money(x.per_month) if x.per_month is not None else "-", fmt_money(x.cost),
             fmt_pct(x.cost / total) if total else "-"] for x in lines]
    rows.append(["whole plan (objective)", f"{sum(x.months or 0.0 for x in lines):g}", "-",
                 fmt_money(float(value)) if isinstance(value, int | float) else "-",
                 fmt_pct(1.0) if total else "-"])
    s.table(["", "months", "cost per month", "cost", "share of the plan"], rows,
            numeric=(1, 2, 3, 4), caption="Cost by phase")


def plan_figures(rs: ResolvedScenario, sol: dict[str, Any]) -> dict[str, Any]:
    """The plan's charts as the report draws them (personnel by zone, the zone network,
    contributor shares, acceptability), for any one-period plan: the app draws a phase's
    with `phase_solution`."""
    v = View(rs, sol)
    return {"personnel": charts.chart_personnel_by_zone(v), "network": charts.chart_network(v),
            "shares": charts.chart_shares(v), "acceptability": charts.chart_acceptability(v)}


def timeline_figure(rs: ResolvedScenario, sol: dict[str, Any], by: str = "zone") -> Any:
    """Personnel by phase, stacked by zone or by contributor (the report's timeline chart)."""
    return charts.chart_timeline(View(rs, sol), phases_of(sol), by=by)
