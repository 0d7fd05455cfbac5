"""The scenario and a solution joined, as every part of the report reads them.

Sections, the audit, the charts and the workbook all need the same lookups (names by id,
personnel per zone, the binding list, travel times to hubs); they share one `View` rather
than each re-deriving them from the two documents.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import pandas as pd

from pkplanner.rules.audit import Cover, PlanView
from pkplanner.scenario.resolve import ResolvedScenario, network
from pkplanner.scenario.schema import Route, Scenario


class View(PlanView):
    """The scenario and the solution joined: the audit's lookups (PlanView) and the report's
    own (names, hubs, the allocation table, the zone graph)."""

    def __init__(self, rs: ResolvedScenario, sol: dict[str, Any]):
        super().__init__(rs.scenario, sol)
        sc: Scenario = rs.scenario
        self.rs = rs
        self.hub = {h.id: h for h in sc.hubs}
        self.zones: list[dict[str, Any]] = list(sol.get("zones") or [])
        self.alloc = pd.DataFrame(sol.get("allocations") or [],
                                  columns=["contributor", "zone", "unit_type", "units",
                                           "personnel"])
        self.contributors: list[dict[str, Any]] = list(sol.get("contributors") or [])
        self.graph = network.build_graph(sc)

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
