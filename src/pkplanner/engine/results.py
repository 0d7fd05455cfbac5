"""A plan as plain data, and the solution file (docs/solution-file.md) built from it.

Everything here reads the plan and the scenario, never a live model, so reports, the
app and batch stores all get the same numbers from the same place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pandas as pd

from pkplanner.engine.data import ModelData, rounded_requirement
from pkplanner.scenario.resolve import ResolvedScenario


@dataclass
class ZonePlan:
    zone: str
    deployed: bool
    mandate: str | None
    armament: str | None
    lead: str | None


@dataclass
class Plan:
    zones: list[ZonePlan]
    allocations: list[tuple[str, str, str, int]]    # contributor, zone, unit type, units
    binding: list[str] = field(default_factory=list)
    flows: dict[tuple[str, str, str], float] = field(default_factory=dict)
    # (route, from, to) -> tonnes a day, as the model left them (logistics on)


def allocation_frame(plan: Plan, d: ModelData) -> pd.DataFrame:
    df = pd.DataFrame(plan.allocations, columns=["contributor", "zone", "unit_type", "units"])
    df["personnel"] = [d.pers[u] * n for u, n in zip(df["unit_type"], df["units"], strict=True)]
    return df.sort_values(["zone", "contributor", "unit_type"]).reset_index(drop=True)


def party_acceptability(alloc: pd.DataFrame, d: ModelData) -> dict[str, float]:
    total = float(alloc["personnel"].sum())
    out = {}
    for p in d.parties:
        if total <= 0:
            out[p] = 0.0
            continue
        score = sum(d.acc_in_zone(p, c, z) * n for c, z, n in
                    zip(alloc["contributor"], alloc["zone"], alloc["personnel"], strict=True))
        out[p] = score / total
    return out


def armament_acceptability(plan: Plan, d: ModelData) -> dict[str, float]:
    deployed = [(zp.zone, zp.armament) for zp in plan.zones if zp.deployed and zp.armament]
    wsum = sum(d.weight[z] for z, _ in deployed)
    return {p: (sum(d.weight[z] * d.armacc[p, lv] for z, lv in deployed) / wsum
                if wsum > 0 else 0.0) for p in d.parties}


def solution_document(rs: ResolvedScenario, d: ModelData, plan: Plan | None, *,
                      objective: str, objective_value: float | None, status: str,
                      gap: float | None, solver: dict[str, Any],
                      conflicts: list[dict[str, str]] | None = None,
                      extra: dict[str, Any] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": 1,
        "scenario": {"name": rs.scenario.name, "sha256": rs.sha256, "path": rs.path},
        "option": rs.option.id,
        "objective": {"kind": objective, "value": objective_value},
        "status": status,
        "mip_gap": gap,
        "rules": rs.scenario.rules.model_dump(mode="json"),
        "overrides": rs.overrides,
        "zones": [],
        "allocations": [],
        "contributors": [],
        "acceptability": {},
        "armament_acceptability": {},
        "totals": {"personnel": 0, "cost_per_month": 0.0, "contributors": 0},
        "binding": [],
        "conflicts": conflicts or [],
        "solver": solver,
    }
    bm = rs.scenario.benchmark
    if bm is not None:
        doc["benchmark"] = {"name": bm.name, "personnel": bm.personnel, "year": bm.year,
                            "source": bm.source, "tolerance": bm.tolerance, "ratio": None}
    if plan is None:
        doc.update(extra or {})
        return doc
    alloc = allocation_frame(plan, d)
    total = int(alloc["personnel"].sum())
    if bm is not None:
        doc["benchmark"]["ratio"] = round(total / bm.personnel, 4)
    by_zone = alloc.groupby("zone")["personnel"].sum()
    for zp in plan.zones:
        reqs: dict[str, dict[str, float]] = {}
        if zp.deployed and zp.mandate:
            here = alloc[alloc["zone"] == zp.zone]
            for (z, k, r) in d.req:
                if z == zp.zone and k == zp.mandate:
                    provided = sum(d.cap.get((u, r), 0.0) * n for u, n in
                                   zip(here["unit_type"], here["units"], strict=True)
                                   if d.counts_toward(k, r, u))
                    reqs[r] = {"required": round(rounded_requirement(d, z, k, r), 6),
                               "provided": round(provided, 6)}
        doc["zones"].append({
            "zone": zp.zone, "deployed": zp.deployed, "mandate": zp.mandate,
            "armament": zp.armament, "personnel": int(by_zone.get(zp.zone, 0)),
            "lead": zp.lead, "requirements": reqs,
        })
    doc["allocations"] = [
        {"contributor": c, "zone": z, "unit_type": u, "units": int(n), "personnel": int(p)}
        for c, z, u, n, p in alloc[["contributor", "zone", "unit_type", "units",
                                    "personnel"]].itertuples(index=False)
    ]
    per_c = alloc.groupby("contributor")["personnel"].sum().sort_values(ascending=False)
    doc["contributors"] = [
        {"contributor": c, "personnel": int(p), "share": (p / total) if total else 0.0,
         "cost_per_month": float(d.rate[c] * p)}
        for c, p in per_c.items() if p > 0
    ]
    doc["acceptability"] = party_acceptability(alloc, d)
    doc["armament_acceptability"] = armament_acceptability(plan, d)
    doc["totals"] = {
        "personnel": total,
        "cost_per_month": float(sum(x["cost_per_month"] for x in doc["contributors"])),
        "contributors": len(doc["contributors"]),
    }
    doc["binding"] = plan.binding
    if d.supply > 0:
        doc.update(logistics_records(d, {str(z): int(p) for z, p in by_zone.items()},
                                     plan.flows))
        # the routes and hubs at their limit in the flows reported, not in the solver's own
        # routing (with free transport one of many): the binding list, the flow table and
        # the map then agree
        def full(rec: dict[str, Any]) -> bool:
            cap = rec["capacity_tpd"]
            return cap is not None and rec["tonnes_per_day"] >= cap - 1e-6 * (1 + cap)
        at_limit = ([f"logistics.route.{f['route']}" for f in doc["flows"] if full(f)]
                    + [f"logistics.hub.{h['hub']}" for h in doc["logistics"]["hubs"]
                       if full(h)])
        doc["binding"] = [b for b in plan.binding if not b.startswith("logistics.")] + at_limit
    doc.update(extra or {})
    return doc


def logistics_records(d: ModelData, personnel: dict[str, int],
                      raw: dict[tuple[str, str, str], float]) -> dict[str, Any]:
    """`flows` (one record per route that carries supplies, in its net direction) and the
    `logistics` block (hubs, demand, transport cost). When transport is free the model's
    flows are one of many equally good routings, so they are replaced by the routing with
    the fewest tonne-km within the same capacities (networkx min-cost flow, in kilograms):
    the map then shows supplies taking the short way. When it is priced the model's flows
    are the cost-optimal ones and are kept."""
    demand = {z: d.supply * personnel.get(z, 0) for z in d.zones}
    flows = raw if d.tkm_month > 0 else (shortest_routing(d, demand) or raw)
    net: dict[str, float] = {}
    for (r, a, _b), t in flows.items():
        net[r] = net.get(r, 0.0) + (t if a == d.routes[r][0] else -t)
    records: list[dict[str, Any]] = []
    for r, (a, b, km, cap) in d.routes.items():
        t = net.get(r, 0.0)
        if abs(t) <= 1e-7:
            continue
        src, dst = (a, b) if t > 0 else (b, a)
        records.append({"route": r, "from": src, "to": dst, "km": km,
                        "tonnes_per_day": round(abs(t), 6),
                        "capacity_tpd": round(cap, 6) if math.isfinite(cap) else None,
                        "utilisation": round(abs(t) / cap, 6)
                        if math.isfinite(cap) and cap > 0 else None})
    sent: dict[str, float] = {}
    for rec in records:
        for end, sign in ((rec["from"], 1.0), (rec["to"], -1.0)):
            if end in d.hubs:
                sent[end] = sent.get(end, 0.0) + sign * rec["tonnes_per_day"]
    hubs = [{"hub": h, "tonnes_per_day": round(max(0.0, sent.get(h, 0.0)), 6),
             "capacity_tpd": round(d.hub_cap[h], 6) if h in d.hub_cap else None,
             "utilisation": round(max(0.0, sent.get(h, 0.0)) / d.hub_cap[h], 6)
             if d.hub_cap.get(h) else None} for h in d.hubs]
    tkm = sum(rec["km"] * rec["tonnes_per_day"] for rec in records)
    return {"flows": records, "logistics": {
        "supply_t_per_person_day": d.supply,
        "demand_tpd": round(sum(demand.values()), 6),
        "tonne_km_per_day": round(tkm, 6),
        "transport_cost_per_month": round(d.tkm_month * tkm, 6),
        "hubs": hubs}}


def shortest_routing(d: ModelData, demand: dict[str, float]
                     ) -> dict[tuple[str, str, str], float] | None:
    """The least tonne-km flow meeting `demand` within route and hub capacities, or None
    when kilogram rounding makes a tight case infeasible (the model's flows are kept).
    Each direction of a route is an arc through a node of its own, so parallel routes stay
    apart; with positive lengths no route carries flow both ways, so a direction may take
    the route's whole capacity."""
    g = nx.DiGraph()
    source = ("source",)
    kg = {z: math.ceil(demand[z] * 1000 - 1e-6) for z in d.zones}
    g.add_node(source, demand=-sum(kg.values()))
    for z in d.zones:
        g.add_node(z, demand=kg[z])
    for h in d.transit:
        g.add_node(h, demand=0)
    for h in d.hubs:
        g.add_node(h, demand=0)
        cap = d.hub_cap.get(h)
        g.add_edge(source, h, weight=0,
                   **({"capacity": math.floor(cap * 1000 + 1e-6)} if cap is not None else {}))
    for r, (a, b, km, cap) in d.routes.items():
        for u, v in ((a, b), (b, a)):
            mid = ("arc", r, u)
            g.add_edge(u, mid, weight=max(1, round(km * 1000)),
                       **({"capacity": math.floor(cap * 1000 + 1e-6)}
                          if math.isfinite(cap) else {}))
            g.add_edge(mid, v, weight=0)
    try:
        flow = nx.min_cost_flow(g)
    except (nx.NetworkXUnfeasible, nx.NetworkXUnbounded):
        return None
    return {(r, u, v): flow[u][("arc", r, u)] / 1000.0
            for r, (a, b, _km, _cap) in d.routes.items() for u, v in ((a, b), (b, a))}
