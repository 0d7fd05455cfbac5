"""A plan as plain data, and the solution file (docs/solution-file.md) built from it.

Everything here reads the plan and the scenario, never a live model, so reports, the
app and batch stores all get the same numbers from the same place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    if plan is None:
        doc.update(extra or {})
        return doc
    alloc = allocation_frame(plan, d)
    total = int(alloc["personnel"].sum())
    by_zone = alloc.groupby("zone")["personnel"].sum()
    for zp in plan.zones:
        reqs: dict[str, dict[str, float]] = {}
        if zp.deployed and zp.mandate:
            here = alloc[alloc["zone"] == zp.zone]
            for (z, k, r) in d.req:
                if z == zp.zone and k == zp.mandate:
                    provided = sum(d.cap.get((u, r), 0.0) * n for u, n in
                                   zip(here["unit_type"], here["units"], strict=True))
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
    doc.update(extra or {})
    return doc
