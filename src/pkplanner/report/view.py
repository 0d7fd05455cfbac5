"""The scenario and a solution joined, as every part of the report reads them.

Sections, the audit, the charts and the workbook all need the same lookups (names by id,
personnel per zone, the binding list, travel times to hubs); they share one `View` rather
than each re-deriving them from the two documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import pandas as pd

from pkplanner.rules.audit import Cover, PlanView
from pkplanner.scenario.resolve import ResolvedScenario, network
from pkplanner.scenario.schema import Route, Scenario


@dataclass
class View:
    """The scenario and the solution joined: names, lookups and per-zone tables."""

    rs: ResolvedScenario
    sol: dict[str, Any]

    def __post_init__(self) -> None:
        sc = self.sc
        self.zone = {z.id: z for z in sc.zones}
        self.hub = {h.id: h for h in sc.hubs}
        self.contrib = {c.id: c for c in sc.contributors}
        self.unit = {u.id: u for u in sc.unit_types}
        self.mandate = {m.id: m for m in sc.mandates}
        self.party = {p.id: p for p in sc.parties}
        self.levels = list(sc.armament_levels)
        self.rank = {lv: i for i, lv in enumerate(self.levels)}
        self.zones: list[dict[str, Any]] = list(self.sol.get("zones") or [])
        self.deployed = [z for z in self.zones if z.get("deployed")]
        self.alloc = pd.DataFrame(self.sol.get("allocations") or [],
                                  columns=["contributor", "zone", "unit_type", "units",
                                           "personnel"])
        self.contributors: list[dict[str, Any]] = list(self.sol.get("contributors") or [])
        totals = self.sol.get("totals") or {}
        self.total = int(totals.get("personnel", 0))
        self.cost = float(totals.get("cost_per_month", 0.0))
        self.binding: list[str] = list(self.sol.get("binding") or [])
        self.graph = network.build_graph(sc)
        kind = (self.sol.get("objective") or {}).get("kind")
        self.soft = bool(sc.rules.soft_requirements or kind == "coverage")

    @property
    def sc(self) -> Scenario:
        return self.rs.scenario

    def zname(self, z: str) -> str:
        zz = self.zone.get(z)
        return zz.name or z if zz else z

    def zlabel(self, z: str) -> str:
        name = self.zname(z)
        return name if name == z else f"{name} ({z})"

    def cname(self, c: str) -> str:
        cc = self.contrib.get(c)
        return cc.name or c if cc else c

    def uname(self, u: str) -> str:
        uu = self.unit.get(u)
        return uu.name or u if uu else u

    def mname(self, k: str | None) -> str:
        if k is None:
            return "-"
        mm = self.mandate.get(k)
        return mm.name or k if mm else k

    def pname(self, p: str) -> str:
        pp = self.party.get(p)
        return pp.name or p if pp else p

    def acc(self, p: str, c: str, z: str | None = None) -> float:
        a = self.sc.acceptability
        if z is not None and c in a.zones.get(z, {}).get(p, {}):
            return a.zones[z][p][c]
        return a.contributors.get(p, {}).get(c, a.default)

    def zone_personnel(self, z: str) -> dict[str, int]:
        here = self.alloc[self.alloc["zone"] == z]
        per = here.groupby("contributor")["personnel"].sum()
        return {str(c): int(n) for c, n in per.items()}

    def is_binding(self, family: str, *idx: str) -> bool:
        key = ".".join((family, *idx))
        return any(b == key or b.startswith(key + ".") for b in self.binding)

    def hub_paths(self) -> tuple[dict[str, float], dict[str, list[str]]]:
        hubs = [h for h in self.hub if h in self.graph]
        if not hubs:
            return {}, {}
        dist, paths = nx.multi_source_dijkstra(self.graph, set(hubs), weight="hours")
        return ({str(k): float(v) for k, v in dist.items()},
                {str(k): [str(n) for n in v] for k, v in paths.items()})

    def route_hours(self, rt: Route) -> float:
        sc = self.sc
        return network.route_hours(rt.km, rt.road, rt.mine_risk, sc.network.road_speeds_kmh,
                                   sc.network.mine_risk_factor)


def qrf_cover(v: View) -> list[Cover]:
    """The audit's quick-reaction cover (rules/audit.py), for the logistics section."""
    return PlanView(v.sc, v.sol).qrf_cover()
