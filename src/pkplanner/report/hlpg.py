"""The planning report: a solution read as an HLPG recommendation.

Its body follows the six headings of the OSCE High Level Planning Group's mandate (size and
characteristics of the force, command and control, logistics, allocation of units and
resources, rules of engagement, arrangements with contributing States), then acceptability
to each party, the constraint audit, sensitivity, the verifier's verdict and provenance: the
order in which a planning group argues a force. An infeasible solution shows its conflicting
rules instead, since there is no force to describe.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from pkplanner import __version__
from pkplanner.report import charts, timeline
from pkplanner.report.audit import _audit
from pkplanner.report.document import Block, Report, Section
from pkplanner.report.fmt import (
    field_title,
    fmt_acc,
    fmt_benchmark,
    fmt_gap,
    fmt_hours,
    fmt_int,
    fmt_money,
    fmt_pct,
    fmt_value,
    plural,
)
from pkplanner.report.view import View, qrf_cover
from pkplanner.rules.audit import TOL, PlanView, gamma_of
from pkplanner.scenario.phases import phase_cases
from pkplanner.scenario.resolve import ResolvedScenario
from pkplanner.scenario.schema import Contributor, Hub, Route, Rules
from pkplanner.solution import metrics

HLPG_HEADINGS = (
    "Size and characteristics of the force",
    "Command and control",
    "Logistics",
    "Allocation of units and resources",
    "Rules of engagement",
    "Arrangements with contributing states",
)

# A generic reading of the usual armament levels; the scenario's mandates say what each zone's
# task is. Unknown levels are described by their rank on the scenario's own scale.
LEVEL_MEANING = {
    "civilian": "Unarmed civilian monitors: observe, report and facilitate dialogue. No use of "
                "force; their security rests with the parties.",
    "observer": "Unarmed military observers: observe, verify and liaise. No use of force; they "
                "withdraw when threatened and rely on the parties or on protection elements.",
    "light": "Lightly armed: personal and light crew-served weapons for self-defence and the "
             "protection of monitors, returnees and installations. No enforcement.",
    "armed": "Armed formed units: inter-position between the parties, patrol and control "
             "movement; force may be used in self-defence and in defence of the mandate.",
}


def build_report(rs: ResolvedScenario, solution: dict[str, Any],
                 verdict: list[str] | None) -> Report:
    """Read a solution as an HLPG recommendation (see the module docstring)."""
    if rs.scenario.phases:
        # the single-period sections describe the first phase: read them against the first
        # phase's own scenario (its needs, mandates, ready units), keeping what links phases
        first = phase_cases(rs.scenario)[0].scenario.model_copy(
            update={"phases": rs.scenario.phases, "transition": rs.scenario.transition})
        rs = dataclasses.replace(rs, scenario=first)
    v = View(rs, solution)
    sc = rs.scenario
    status = str(solution.get("status", "unknown"))
    opt = rs.option
    title = f"{sc.title or sc.name}: planning option {opt.id}"
    subtitle = (f"{opt.name} — recommendation for the High Level Planning Group"
                if opt.name else "Recommendation for the High Level Planning Group")
    feasible = status in ("optimal", "feasible") and bool(solution.get("zones"))
    sections: list[Section] = []
    figures: dict[str, Any] = {}
    summary: list[str] = []
    intro = Section("overview", "Overview")
    if sc.description:
        intro.p(sc.description)
    if opt.description:
        intro.p(f"Planning option {opt.id} ({opt.name}): {opt.description}")
    intro.p(f"Status of the plan: {status}" + (
        f" (relative MIP gap {fmt_gap(solution.get('mip_gap'))})" if feasible else "") + ".")
    if status == "feasible":
        intro.p("The solver stopped at a limit: this plan satisfies every rule but is not "
                "proven optimal; the gap above bounds how much better a plan could be.")
    phased = timeline.is_phased(solution)
    phases = timeline.phases_of(solution) if phased else []
    if phased and feasible and phases:
        intro.p(_phased_headline(v, phases))
    sections.append(intro)
    if feasible:
        summary = [
            f"{fmt_int(v.total)} personnel",
            f"{fmt_money(v.cost)} per month",
            f"{len(v.contributors)} contributing states",
            f"{len(v.deployed)} of {len(v.zones)} zones deployed",
        ]
        hlpg = [_size(v, figures, whole_plan=phased), _command(v), _logistics(v, figures),
                _allocation(v), _rules_of_engagement(v), _arrangements(v, figures)]
        for i, s in enumerate(hlpg, start=1):
            s.number = f"{i}."
        single = [*hlpg, _acceptability(v, figures), _audit(v)]
        if phased and phases:
            summary = _phased_summary(solution, phases, summary)
            sections.append(timeline.timeline_section(v, figures))
            note = (f"The first phase of {len(phases)}, {timeline.label(phases[0])}: the "
                    "later phases are in the Timeline section.")
            for s in single:
                s.blocks.insert(0, Block("p", text=note))
        sections += single
    else:
        sections.append(_no_plan(v, status))
        summary = [f"no plan ({status})"]
        if phased:
            sections.append(timeline.timeline_section(v, figures))
    if isinstance(solution.get("companion"), dict):
        sections.append(_robustness(v, solution["companion"]))
    sections.append(_sensitivity(solution))
    sections.append(_verdict(verdict))
    sections.append(_provenance(v))
    return Report(title, subtitle, status, summary, sections, figures)


def _phased_headline(v: View, phases: list[dict[str, Any]]) -> str:
    """What a reader of a phased plan needs before any figure: which phase the sections
    describe, and what the objective counts."""
    months = sum(float(p.get("months", 0.0)) for p in phases)
    value = (v.sol.get("objective") or {}).get("value")
    steps = ", ".join(f"{timeline.label(p)} {float(p.get('months', 0.0)):g} months"
                      for p in phases)
    return (f"A phased plan: {plural(len(phases), 'phase')} over {months:g} months ({steps}). "
            "The numbered sections, the acceptability and the constraint audit (but for its "
            f"transition rows) describe the first phase, {timeline.label(phases[0])}; the "
            "Timeline section follows the force from phase to phase to the exit. The "
            "objective is the whole plan's cost, "
            + (fmt_money(value) if isinstance(value, int | float) else "-")
            + ": each phase's months times its cost per month, plus re-entries.")


def _phased_summary(sol: dict[str, Any], phases: list[dict[str, Any]],
                    first: list[str]) -> list[str]:
    months = sum(float(p.get("months", 0.0)) for p in phases)
    value = (sol.get("objective") or {}).get("value")
    return [f"{plural(len(phases), 'phase')} over {months:g} months",
            (fmt_money(value) if isinstance(value, int | float) else "-")
            + " for the whole plan",
            f"first phase ({phases[0].get('id', '')}): {first[0]}", *first[1:]]


def _size(v: View, figures: dict[str, Any], whole_plan: bool = False) -> Section:
    s = Section("size", HLPG_HEADINGS[0])
    sol = v.sol
    obj = sol.get("objective") or {}
    kind = obj.get("kind", "cost")
    value = obj.get("value")
    value_text = fmt_money(value) if kind == "cost" else fmt_value(value)
    s.p(f"The force numbers {fmt_int(v.total)} personnel from {len(v.contributors)} "
        f"contributing states, deployed in {len(v.deployed)} of {len(v.zones)} zones, at a "
        f"cost of {fmt_money(v.cost)} per month. " + (
            f"Objective: the whole plan's {kind}, over every phase (value {value_text}; "
            "the Timeline section breaks it down)." if whole_plan else
            f"Objective: {kind} (value {value_text})."))
    bm = sol.get("benchmark")
    if isinstance(bm, dict) and isinstance(bm.get("ratio"), int | float):
        s.p(f"Against the benchmark: {fmt_int(v.total)} personnel is {fmt_benchmark(bm)}, "
            f"the force actually deployed (source: {str(bm['source']).rstrip('.')}). "
            + ("Within" if abs(bm["ratio"] - 1) <= bm["tolerance"] else "Outside")
            + f" ±{bm['tolerance']:.0%} of it" + (" (the first phase)." if whole_plan else "."))
    mix: dict[str, list[int]] = {}
    for z in v.deployed:
        row = mix.setdefault(z["mandate"] or "-", [0, 0])
        row[0] += 1
        row[1] += int(z["personnel"])
    s.table(["mandate", "zones", "personnel", "share of force"],
            [[v.mname(k), str(n), fmt_int(p), fmt_pct(p / v.total if v.total else 0.0)]
             for k, (n, p) in mix.items()], numeric=(1, 2, 3), caption="Mandates")
    rows = []
    for z in v.zones:
        zz = v.zone.get(z["zone"])
        required = "required" if zz is None or zz.required else "optional"
        if z.get("deployed"):
            rows.append([v.zlabel(z["zone"]), required, v.mname(z["mandate"]),
                         z["armament"] or "-", fmt_int(z["personnel"]),
                         v.cname(z["lead"]) if z.get("lead") else "-"])
        else:
            rows.append([v.zlabel(z["zone"]), required, "not deployed", "-", "0", "-"])
    s.table(["zone", "required", "mandate", "armament", "personnel", "lead nation"], rows,
            numeric=(4,), caption="Zones")
    figures["personnel"] = charts.chart_personnel_by_zone(v)
    s.chart("personnel", "Personnel by zone, coloured by armament level")
    return s


def _command(v: View) -> Section:
    s = Section("command", HLPG_HEADINGS[1])
    r = v.sc.rules
    parties = [p.id for p in v.sc.parties]
    rules = []
    if r.lead_min_share > 0:
        rules.append(f"provides at least {fmt_pct(r.lead_min_share)} of its zone's personnel")
    if r.lead_min_acceptability > 0:
        rules.append(f"has an acceptability of at least {fmt_acc(r.lead_min_acceptability)} "
                     "to every party in that zone")
    s.p("Each deployed zone has a lead nation that commands the zone's contingents"
        + (": it " + " and ".join(rules) if rules else "") + ". "
        + ("The plan chooses the lead with the allocation." if r.lead_min_share > 0 else
           "The plan chooses the lead among the acceptable contributors present, so that "
           "its changes from phase to phase stay within the transition's "
           "lead_changes_per_zone." if v.sc.transition is not None
           and v.sc.transition.lead_changes_per_zone is not None else
           "The lead is the acceptable contributor with most personnel in the zone "
           "(ties: the lower cost)."))
    rows = []
    for z in v.deployed:
        per = v.zone_personnel(z["zone"])
        lead = z.get("lead")
        lead_p = per.get(lead, 0) if lead else 0
        zp = int(z["personnel"])
        accs = [fmt_acc(v.acc(p, lead, z["zone"])) if lead else "-" for p in parties]
        others = ", ".join(c for c in sorted(per, key=lambda c: -per[c]) if c != lead)
        rows.append([v.zlabel(z["zone"]), f"{v.cname(lead)} ({lead})" if lead else "none",
                     fmt_int(lead_p), fmt_pct(lead_p / zp if zp else 0.0), *accs,
                     others or "-"])
    s.table(["zone", "lead nation", "lead personnel", "lead share of zone",
             *[f"acceptability to {p}" for p in parties], "other contingents"], rows,
            numeric=range(2, 4 + len(parties)))
    if r.working_language:
        s.p(f"Working language: {r.working_language}; in each zone at least "
            f"{fmt_pct(r.language_share)} of personnel come from contributors that use it.")
    return s


def _logistics(v: View, figures: dict[str, Any]) -> Section:
    s = Section("logistics", HLPG_HEADINGS[2])
    sc = v.sc
    r = sc.rules
    dist, paths = v.hub_paths()
    speeds = ", ".join(f"{k} {val:g} km/h" for k, val in sc.network.road_speeds_kmh.items())
    s.p(f"{plural(len(sc.hubs), 'logistic hub')} and {plural(len(sc.routes), 'route')}. "
        f"Travel time on a route is its length at the road's convoy speed ({speeds}), "
        f"lengthened by mine risk (factor {sc.network.mine_risk_factor:g}); closed routes are "
        "not used.")
    lg = v.sol.get("logistics")
    if isinstance(lg, dict):
        s.blocks.extend(_flows(v, lg))
    else:
        s.p("Supply flows over routes are not modelled (the scenario has no `logistics` "
            "block): a hub's load below is the personnel of the deployed zones for which it "
            "is the nearest hub, an indication to set against its capacity.")
    load: dict[str, int] = {}
    served: dict[str, list[str]] = {}
    rows = []
    for z in v.deployed:
        zid = z["zone"]
        path = paths.get(zid)
        hub = path[0] if path else None
        if hub:
            load[hub] = load.get(hub, 0) + int(z["personnel"])
            served.setdefault(hub, []).append(zid)
        rows.append([v.zlabel(zid), hub if hub else "none (unreachable)",
                     fmt_hours(dist.get(zid)),
                     " → ".join(n
                                for n in path) if path else "-",
                     fmt_int(z["personnel"])])
    s.table(["deployed zone", "nearest hub", "travel time", "route", "personnel"], rows,
            numeric=(2, 4), caption="Nearest hub of each deployed zone")
    hrows = []
    for h in sc.hubs:
        cap = h.capacity_personnel
        used = load.get(h.id, 0)
        hrows.append([f"{h.name} ({h.id})" if h.name else h.id,
                      f"{h.location.lat:.3f}, {h.location.lon:.3f}",
                      fmt_int(cap) if cap is not None else "unlimited", fmt_int(used),
                      ("over capacity" if cap is not None and used > cap else "within"),
                      ", ".join(served.get(h.id, [])) or "-"])
    s.table(["hub", "lat, lon", field_title(Hub, "capacity_personnel"), "personnel served",
             "load", "zones served"],
            hrows, numeric=(2, 3), caption="Hubs")
    rrows = []
    speeds_d = sc.network.road_speeds_kmh
    for rt in sc.routes:
        hours = v.route_hours(rt) if rt.road in speeds_d else None
        rrows.append([rt.from_, rt.to, f"{rt.km:g}", rt.road, f"{rt.mine_risk:.2f}",
                      fmt_hours(hours), "closed" if rt.closed else "open"])
    s.table(["from", "to", "km", "road", field_title(Route, "mine_risk"), "travel time",
             "status"], rrows,
            numeric=(2, 4, 5), caption="Routes")
    if r.qrf_hours is not None:
        s.blocks.extend(_qrf(v))
    figures["network"] = charts.chart_network(v)
    s.chart("network", "Zone network over the country borders (Natural Earth 1:10m): zones "
                       "sized by personnel and coloured by armament, hubs as squares, routes "
                       "as lines (dashed: closed)"
            + (", supply flows as orange lines as wide as their tonnage" if v.sol.get("flows")
               else ""))
    return s


def _flows(v: View, lg: dict[str, Any]) -> list[Block]:
    """The supply flows the plan needs (formulation family 16): what each route and hub
    carries against its capacity, the binding ones named."""
    sc = v.sc
    conf = sc.logistics
    out = Section("flows", "")
    tkm = float(lg.get("tonne_km_per_day", 0.0))
    cost = float(lg.get("transport_cost_per_month", 0.0))
    out.p(f"Supplies: {float(lg.get('supply_t_per_person_day', 0.0)):g} t per person a day, "
          f"{float(lg.get('demand_tpd', 0.0)):,.1f} t a day for the whole force, moved from "
          f"the hubs over open routes ({tkm:,.0f} tonne-km a day"
          + (f", {fmt_money(cost)} per month of transport in the objective" if cost else "")
          + "). A route carries its own capacity_tpd, else its road class's "
          + (", ".join(f"{k} {val:,g}" for k, val in conf.road_capacity_tpd.items())
             if conf else "")
          + f" t a day less {conf.mine_risk_capacity_factor if conf else 0:g} x its mine "
          "risk; a hub sends at most its capacity (people) x the supply per person."
          + (f" Source: {conf.source}." if conf and conf.source else ""))
    bound = {b.split(".", 2)[2] for b in v.binding if b.startswith("logistics.route.")}
    rows = [[f["route"], f"{f['from']} → {f['to']}", f"{f['km']:g}",
             f"{float(f['tonnes_per_day']):,.1f}",
             f"{float(f['capacity_tpd']):,.1f}" if f.get("capacity_tpd") is not None
             else "unlimited",
             fmt_pct(f.get("utilisation")) if f.get("utilisation") is not None else "-",
             "binding" if f["route"] in bound else ""]
            for f in v.sol.get("flows") or []]
    if rows:
        out.table(["route", "direction", "km", "t/day", "capacity t/day", "used", ""], rows,
                  numeric=(2, 3, 4, 5), caption="Supply flows by route")
    hub_bound = {b.split(".", 2)[2] for b in v.binding if b.startswith("logistics.hub.")}
    out.table(["hub", "t/day sent", "throughput t/day", "used", ""], [
        [h["hub"], f"{float(h['tonnes_per_day']):,.1f}",
         f"{float(h['capacity_tpd']):,.1f}" if h.get("capacity_tpd") is not None
         else "unlimited",
         fmt_pct(h.get("utilisation")) if h.get("utilisation") is not None else "-",
         "binding" if h["hub"] in hub_bound else ""]
        for h in lg.get("hubs") or []], numeric=(1, 2, 3), caption="Supplies sent by hub")
    return out.blocks


def _qrf(v: View) -> list[Block]:
    """Quick-reaction cover: QRF units stationed within qrf_hours of the zones that need them."""
    s = Section("qrf", "Quick-reaction cover")
    r = v.sc.rules
    hours = float(r.qrf_hours or 0.0)
    kinds = ", ".join(v.uname(u) for u in r.qrf_unit_types) or "none named"
    need = ", ".join(v.mname(k) for k in r.qrf_mandates) or "none"
    s.p(f"Quick-reaction cover: a zone under a mandate of [{need}] must be reached within "
        f"{hours:g} hours by a quick-reaction element ({kinds}) stationed in a zone.")
    rows = []
    for c in qrf_cover(v):
        zone = next(z for z in v.deployed if z["zone"] == c.zone)
        rows.append([v.zlabel(c.zone), v.mname(zone["mandate"]), "yes" if c.needs else "no",
                     f"{c.station} ({plural(c.units, 'unit')})" if c.station
                     else "none", fmt_hours(c.hours),
                     "covered" if c.covered(hours) else "NOT covered" if c.needs else "-"])
    s.table(["zone", "mandate", "needs QRF", "nearest QRF element", "travel time", "cover"],
            rows, numeric=(4,), caption="Quick-reaction cover")
    return s.blocks


def _allocation(v: View) -> Section:
    s = Section("allocation", HLPG_HEADINGS[3])
    s.p(f"{len(v.alloc)} allocations of {int(v.alloc['units'].sum()) if len(v.alloc) else 0} "
        f"units, {fmt_int(v.total)} personnel in all.")
    order = {z["zone"]: i for i, z in enumerate(v.zones)}
    df = v.alloc.assign(_o=v.alloc["zone"].map(order)).sort_values(
        ["_o", "personnel", "contributor", "unit_type"], ascending=[True, False, True, True])
    rows = [[z, f"{v.cname(c)} ({c})", v.uname(u), str(int(n)), fmt_int(p)]
            for z, c, u, n, p in df[["zone", "contributor", "unit_type", "units",
                                     "personnel"]].itertuples(index=False)]
    s.table(["zone", "contributor", "unit type", "units", "personnel"], rows, numeric=(3, 4),
            caption="Zone × contributor × unit type")
    soft_short = "shortfall (soft)" if v.soft else "SHORT"
    req_rows = []
    for z in v.deployed:
        for cap, rq in (z.get("requirements") or {}).items():
            need, got = float(rq["required"]), float(rq["provided"])
            req_rows.append([v.zlabel(z["zone"]), v.mname(z["mandate"]), cap, f"{need:,.6g}",
                             f"{got:,.6g}", f"{got - need:+,.6g}",
                             "binding" if v.is_binding("requirement", z["zone"], cap)
                             or v.is_binding("requirement", "mandate", z["zone"], cap)
                             or abs(got - need) <= TOL * (1 + need) else "met"
                             if got >= need - TOL * (1 + need) else soft_short])
    if req_rows:
        s.table(["zone", "mandate", "capability", "required", "provided", "margin", "status"],
                req_rows, numeric=(3, 4, 5), caption="Requirements met in each zone")
    return s


def _rules_of_engagement(v: View) -> Section:
    s = Section("roe", HLPG_HEADINGS[4])
    r = v.sc.rules
    n = len(v.levels)
    s.p(f"Armament levels of this scenario, from least to most armed: {', '.join(v.levels)}. "
        f"The option allows mandates [{', '.join(v.mname(k) for k in r.mandates or v.mandate)}]"
        f" and armament up to {r.max_armament or v.levels[-1]}. The meaning given to each "
        "level is pkplanner's generic reading; each zone's mandate describes its task.")
    lrows = []
    for i, lv in enumerate(v.levels):
        zs = [z for z in v.deployed if z["armament"] == lv]
        if not zs:
            continue
        units = sorted({v.uname(u) for u in v.alloc[v.alloc["zone"].isin(
            [z["zone"] for z in zs])]["unit_type"]
            if v.unit.get(u) is not None and v.unit[u].armament == lv})
        lrows.append([lv, LEVEL_MEANING.get(lv, f"Armament level {i + 1} of {n}."),
                      ", ".join(z["zone"] for z in zs),
                      fmt_int(sum(int(z["personnel"]) for z in zs)), ", ".join(units) or "-"])
    s.table(["armament level", "what it implies", "zones", "personnel",
             "units at this level"], lrows, numeric=(3,), caption="Armament levels in use")
    zrows = []
    for z in v.deployed:
        k = z["mandate"]
        m = v.mandate.get(k) if k else None
        band = f"{m.min_armament}–{m.max_armament}" if m else "-"
        zrows.append([v.zlabel(z["zone"]), v.mname(k), z["armament"] or "-", band,
                      m.description if m and m.description else "-"])
    s.table(["zone", "mandate", "armament", "mandate's armament band", "the mandate"], zrows,
            caption="Mandate and armament per zone")
    return s


def _arrangements(v: View, figures: dict[str, Any]) -> Section:
    s = Section("arrangements", HLPG_HEADINGS[5])
    r = v.sc.rules
    s.p(f"{plural(len(v.contributors), 'contributing state')}. Each contingent below is what "
        f"the plan asks of the state; no state above {fmt_pct(r.max_share)} of the force"
        + (f", at least {r.min_contingent} personnel from each" if r.min_contingent else "")
        + ".")
    rows = []
    for c in v.contributors:
        cid = c["contributor"]
        mine = v.alloc[v.alloc["contributor"] == cid]
        units = mine.groupby("unit_type")["units"].sum()
        zones = [z["zone"] for z in v.zones if z["zone"] in set(mine["zone"])]
        cc = v.contrib.get(cid)
        rows.append([f"{v.cname(cid)} ({cid})",
                     "; ".join(f"{int(n)} × {v.uname(str(u))}" for u, n in units.items()),
                     fmt_int(c["personnel"]), ", ".join(zones),
                     fmt_pct(c["share"]), fmt_money(c["cost_per_month"]),
                     fmt_money(cc.cost_per_person_month) if cc else "-",
                     fmt_int(cc.max_personnel) if cc else "-"])
    s.table(["contributor", "units", "personnel", "zones", "share", "cost per month",
             field_title(Contributor, "cost_per_person_month"), "offered at most"], rows,
            numeric=(2, 4, 5, 6, 7),
            caption="Contributions")
    figures["shares"] = charts.chart_shares(v)
    s.chart("shares", "Share of the force by contributor, with the max_share cap")
    return s


def _acceptability(v: View, figures: dict[str, Any]) -> Section:
    s = Section("acceptability", "Acceptability to each party")
    r = v.sc.rules
    sol = v.sol
    s.p("Composition acceptability is the personnel-weighted acceptability of the contributors "
        "to the party (zone-specific scores where the scenario sets them); armament "
        "acceptability is the zone-weighted acceptability of the armament levels chosen. "
        "The scores are planning assumptions set in the scenario, not measurements.")
    rows = []
    for p in v.sc.parties:
        a = sol.get("acceptability", {}).get(p.id)
        f = r.acceptability_floor.get(p.id)
        b = sol.get("armament_acceptability", {}).get(p.id)
        g = r.armament_floor.get(p.id)
        rows.append([f"{p.name or p.id} ({p.id})", fmt_acc(a), fmt_acc(f),
                     f"{a - f:+.3f}" if a is not None and f is not None else "-",
                     fmt_acc(b), fmt_acc(g),
                     f"{b - g:+.3f}" if b is not None and g is not None else "-"])
    s.table(["party", "composition", "floor", "margin", "armament",
             field_title(Rules, "armament_floor"), "margin"], rows, numeric=range(1, 7))
    s.bullets(v.sc.acceptability.assumptions)
    worst = _worst_case(v)
    if worst:
        s.p("Worst case of the uncertain scores (ranges in the scenario): up to the robust "
            "budget Γ of a party's scores at their low end at once, taken where they hurt "
            "most (Γ = 0 in the rules: the case of one score wrong is shown). Driven by: the "
            "contributors (armament rows: the levels) whose low scores make that worst case, "
            "with what each takes from the score. Below floor: how often the plan's score "
            "falls below the floor when every uncertain score is drawn uniformly from its "
            "range (1,000 draws, seed 0).")
        s.table(["party", "Γ", "score", "worst case", "floor", "margin", "driven by",
                 "below floor"], worst, numeric=[1, 2, 3, 4, 5, 7])
    figures["acceptability"] = charts.chart_acceptability(v)
    s.chart("acceptability", "Acceptability to each party, with the floors")
    return s


def _worst_case(v: View) -> list[list[str]]:
    """Rows per party with uncertain scores in the plan (composition, then armament):
    nominal and worst-case score under its robust budget (Γ = 0: shown at Γ = 1, what one
    wrong score would do)."""
    r, rows = v.sc.rules, []
    for p in v.sc.parties:
        gamma = gamma_of(r, p.id) or 1.0
        for armament in (False, True):
            losses = v.armament_losses(p.id) if armament else v.score_losses(p.id)
            if losses is None:
                continue
            key = "armament_acceptability" if armament else "acceptability"
            nominal = float(v.sol.get(key, {}).get(p.id, 0.0))
            worst = v.worst_case(p.id, gamma, armament)
            floor = (r.armament_floor if armament else r.acceptability_floor).get(p.id)
            below = (v.below_floor_share(p.id, floor, armament=armament)
                     if floor is not None else None)
            rows.append([f"{p.name or p.id} ({p.id})" + (", armament" if armament else ""),
                         f"{gamma:g}", fmt_acc(nominal), fmt_acc(worst), fmt_acc(floor),
                         f"{worst - floor:+.3f}" if floor is not None else "-",
                         ", ".join(f"{s} (-{x:.3f})" for s, x in
                                   list(losses.items())[:max(1, math.ceil(gamma))]),
                         fmt_pct(below) if below is not None else "-"])
    return rows


def _robustness(v: View, comp: dict[str, Any]) -> Section:
    """The nominal plan (Γ = 0) and the robust plan side by side: what protection against
    wrong scores costs, and what each plan's worst case and Monte Carlo risk are under the
    robust plan's budget."""
    s = Section("robustness", "Nominal and robust plans side by side")
    r = v.sc.rules
    this = {p.id: gamma_of(r, p.id) for p in v.sc.parties}
    other = {str(k): float(x) for k, x in (comp.get("robust_budget") or {}).items()}
    role = comp.get("role")
    nominal, robust = (comp, v.sol) if role == "nominal" else (v.sol, comp)
    budget = this if role == "nominal" else other
    views = [PlanView(v.sc, nominal), PlanView(v.sc, robust)]
    plans = [nominal, robust]
    shown = ", ".join(f"{p} {g:g}" for p, g in budget.items() if g > 0) or "0"
    s.p("Every score written as a range in the scenario is uncertain. The nominal plan takes "
        "each at its value (robust_budget Γ = 0); the robust plan stays above the floors "
        f"with up to Γ of a party's scores at their low end at once (Γ: {shown}). "
        + ("This report's plan is the robust one; the nominal plan was solved beside it with "
           "the same objective and settings." if role == "nominal" else
           "This report's plan is the nominal one (the rules set no robust budget); the "
           "robust plan at Γ = 1 for every party with an uncertain score was solved beside "
           "it with the same objective and settings.")
        + " Worst case: the score with the robust plan's Γ deviations taken where they hurt "
        "each plan most. Below floor: the share of 1,000 uniform draws of the ranges (seed "
        "0) in which the plan's score falls below the floor.")

    def figure(fn: Any) -> list[str]:
        return [str(fn(doc)) if metrics.has_plan(doc) else "-" for doc in plans]

    def largest(doc: dict[str, Any]) -> str:
        top = metrics.largest_share(doc)
        return "-" if top is None else f"{top[0]} {top[1]:.1%}"

    rows = [["status", *[str(doc.get("status", "-")) for doc in plans]],
            ["personnel", *figure(lambda d: fmt_int(metrics.personnel(d)))],
            ["cost per month", *figure(lambda d: fmt_money(metrics.cost_per_month(d)))],
            ["contributors", *figure(metrics.n_contributors)],
            ["largest share", *figure(largest)]]
    for p in v.sc.parties:
        g = budget.get(p.id, 0.0)
        if g <= 0:
            continue
        for armament in (False, True):
            key, floors, what = (("armament_acceptability", r.armament_floor, "armament")
                                 if armament else
                                 ("acceptability", r.acceptability_floor, "composition"))
            losses = [pv.armament_losses(p.id) if armament else pv.score_losses(p.id)
                      for pv in views]
            if all(x is None for x in losses):
                continue
            floor = floors.get(p.id)
            label = f"{p.id} {what}"
            rows.append([f"{label}: score", *figure(lambda d, k=key, q=p.id: fmt_acc(
                float((d.get(k) or {}).get(q, 0.0))))])
            rows.append([f"{label}: worst case at Γ = {g:g}", *[
                fmt_acc(pv.worst_case(p.id, g, armament)) if metrics.has_plan(doc) else "-"
                for doc, pv in zip(plans, views, strict=True)]])
            if floor is not None:
                rows.append([f"{label}: below floor {floor:g}", *[
                    fmt_pct(pv.below_floor_share(p.id, floor, armament=armament) or 0.0)
                    if metrics.has_plan(doc) else "-"
                    for doc, pv in zip(plans, views, strict=True)]])
    s.table(["", "nominal plan (Γ = 0)", "robust plan"], rows, numeric=[1, 2])
    costs = [metrics.cost_per_month(doc) for doc in plans]
    if costs[0] is not None and costs[1] is not None and costs[0] > 0:
        s.p(f"The price of robustness: {fmt_money(costs[1] - costs[0])} per month "
            f"({(costs[1] - costs[0]) / costs[0]:+.1%}) for the robust plan over the "
            "nominal one.")
    if comp.get("note"):
        s.p(f"The {role} plan: {comp.get('status')} ({comp['note']}).")
    if robust.get("status") == "infeasible":
        s.p("No robust plan exists at this Γ: `pkplanner explain` with rules.robust_budget "
            "set names the largest Γ that still has a plan.")
    return s


def _no_plan(v: View, status: str) -> Section:
    sol = v.sol
    conflicts = sol.get("conflicts") or []
    if status == "infeasible":
        s = Section("conflicts", "Conflicting rules: no force satisfies these rules together")
        if conflicts:
            s.p("No force satisfies every rule of this planning option. The rules below "
                "conflict together. \"Alone\" says whether dropping that rule alone, with "
                "every other rule in force, was checked to restore a plan; each relaxation "
                "listed was checked the same way (applied alone, it gives a plan).")
            s.table(["rule", "detail", "alone", "relaxation"],
                    [[str(c.get("rule", "")), str(c.get("detail", "")),
                      {True: "restores a plan", False: "not enough alone"}.get(
                          c.get("alone"), "-"),
                      str(c.get("relaxation") or "-")] for c in conflicts])
        else:
            s.p("No force satisfies every rule of this planning option; the conflicting rules "
                "were not computed.")
    elif status == "error":
        s = Section("conflicts", "Solver error")
        said = str((sol.get("solver") or {}).get("error") or "no message")
        s.p(f"The solver failed before it could search ({said}); nothing is known about "
            "whether a plan exists. This is not a property of the scenario: check the "
            "installation with `pkplanner doctor`.")
    else:
        s = Section("conflicts", "No plan")
        bound = (sol.get("solver") or {}).get("bound")
        s.p(f"The solver found no plan (status {status}) within its limits; infeasibility "
            "was not proven, so no conflict is reported. Allow more time or relax a rule."
            + (f" The best bound proved on the objective is {bound:,.6g}."
               if isinstance(bound, (int, float)) else ""))
    return s


def _sensitivity(sol: dict[str, Any]) -> Section:
    s = Section("sensitivity", "Sensitivity")
    recs = sol.get("sensitivity")
    if recs is None:
        s.p("Sensitivity was not computed for this solution.")
        return s
    if not recs:
        s.p("Sensitivity was computed: no binding rule has a relaxation step (binding "
            "requirements and capacities are the scenario's data, not rules to relax).")
        return s
    obj = sol.get("objective") or {}
    base = obj.get("value")
    s.p("Each binding rule relaxed by one step and the plan re-solved with every other rule in "
        f"force: how the objective ({obj.get('kind', '-')}) moves. A MILP has no dual prices; "
        "these are re-solves.")
    rows = []
    for x in recs:
        change = x.get("objective_change")
        rel = (f" ({change / base:+.1%})" if isinstance(change, int | float)
               and isinstance(base, int | float) and base else "")
        rows.append([str(x.get("rule", "")), str(x.get("parameter") or "-"),
                     fmt_value(x.get("from")), fmt_value(x.get("to")),
                     (f"{change:+,.6g}" if isinstance(change, int | float) else "-") + rel,
                     str(x.get("status") or "-"), str(x.get("note") or "")])
    s.table(["rule", "parameter", "from", "to", "objective change", "re-solve", "note"], rows,
            numeric=(2, 3, 4))
    return s


def _verdict(verdict: list[str] | None) -> Section:
    s = Section("verdict", "Verifier verdict")
    if verdict is None:
        s.p("The independent verifier was not run on this solution.")
    elif not verdict:
        s.p("The independent verifier recomputed the plan from the scenario: all constraint "
            "families hold.")
    else:
        s.p("The independent verifier found problems:")
        s.bullets(verdict)
    return s


def _provenance(v: View) -> Section:
    s = Section("provenance", "Provenance")
    sol = v.sol
    sc = v.sc
    solver = sol.get("solver") or {}
    scen = sol.get("scenario") or {}
    overrides = sol.get("overrides") or {}
    rows = [
        ["scenario", str(scen.get("name", sc.name))],
        ["scenario title", sc.title or "-"],
        ["scenario path", str(scen.get("path", v.rs.path))],
        ["scenario sha256", str(scen.get("sha256", "-"))],
        ["planning option", f"{v.rs.option.id} ({v.rs.option.name})"],
        ["overrides (--set)", ", ".join(f"{k}={json.dumps(val)}" for k, val in
                                        overrides.items()) or "none"],
        ["objective", str((sol.get("objective") or {}).get("kind", "-"))],
        ["status", str(sol.get("status", "-"))],
        ["relative MIP gap", fmt_gap(sol.get("mip_gap"))],
        ["solve seconds", fmt_value(solver.get("seconds"))],
        ["solver", f"{solver.get('name', 'highs')} (HiGHS {solver.get('version', '?')}), "
                   f"{solver.get('threads', '?')} thread(s)"],
        ["solved with pkplanner", str(solver.get("pkplanner", "-"))],
        ["report by pkplanner", __version__],
        ["Pyomo", str(solver.get("pyomo", "not recorded"))],
    ]
    s.table(["item", "value"], rows)
    if scen.get("sha256") and scen.get("sha256") != v.rs.sha256:
        s.p(f"Warning: the scenario read for this report (sha256 {v.rs.sha256}) is not the "
            "one the solution was computed from; the file has changed since the solve.")
    rules = sol.get("rules") or sc.rules.model_dump(mode="json")
    s.table(["rule", "effective value"], [[k, fmt_value(val)] for k, val in rules.items()],
            caption="Effective rules (scenario < option < --set)")
    if sc.sources:
        s.p("Sources of the scenario:")
        s.bullets(sc.sources)
    return s
