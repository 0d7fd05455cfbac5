"""The zone network: zones and hubs joined by routes, with travel times.

Pure functions over a networkx graph. The model never sees the graph, only the
numbers derived here (reachability within the QRF time, centrality, hub cover),
so the MILP stays small and the network can be checked on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx

from pkplanner.scenario.schema import Scenario


@dataclass(frozen=True)
class HubCover:
    """Nearest hub of a zone by travel time (None when no hub reaches it)."""

    zone: str
    hub: str | None
    hours: float | None


EARTH_RADIUS_KM = 6371.0088     # mean radius (IUGG): haversine distances within 0.5% of
                                # the ellipsoid's, the tolerance the route check allows


def straight_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine): no road between two points is shorter."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def route_hours(km: float, road: str, mine_risk: float, speeds: dict[str, float],
                mine_risk_factor: float) -> float:
    """Hours to drive a route: mined roads are driven slowly and with escorts."""
    return km / speeds[road] * (1.0 + mine_risk_factor * mine_risk)


def build_graph(sc: Scenario) -> nx.Graph:
    g = nx.Graph()
    for z in sc.zones:
        g.add_node(z.id, kind="zone", lat=z.location.lat, lon=z.location.lon, name=z.name)
    for h in sc.hubs:
        g.add_node(h.id, kind="hub", lat=h.location.lat, lon=h.location.lon, name=h.name)
    speeds = sc.network.road_speeds_kmh
    for r in sc.routes:
        if r.closed or r.road not in speeds:
            continue
        hours = route_hours(r.km, r.road, r.mine_risk, speeds, sc.network.mine_risk_factor)
        # parallel routes: keep the faster one
        if g.has_edge(r.from_, r.to) and g.edges[r.from_, r.to]["hours"] <= hours:
            continue
        g.add_edge(r.from_, r.to, km=r.km, road=r.road, mine_risk=r.mine_risk, hours=hours)
    return g


def travel_times(g: nx.Graph) -> dict[str, dict[str, float]]:
    """Shortest travel time in hours between every pair of connected nodes."""
    return {src: dict(d) for src, d in nx.all_pairs_dijkstra_path_length(g, weight="hours")}


def reachable_pairs(times: dict[str, dict[str, float]], zones: list[str],
                    hours: float) -> set[tuple[str, str]]:
    """(from_zone, to_zone) pairs a QRF stationed in from_zone reaches within `hours`."""
    zs = set(zones)
    return {(a, b) for a in zones for b, t in times.get(a, {}).items() if b in zs and t <= hours}


def centrality(g: nx.Graph) -> dict[str, float]:
    """Betweenness by travel time: zones on many shortest paths matter for the whole plan."""
    if g.number_of_nodes() < 3:
        return {n: 0.0 for n in g.nodes}
    return dict(nx.betweenness_centrality(g, weight="hours", normalized=True))


def hub_cover(g: nx.Graph, zones: list[str], hubs: list[str]) -> list[HubCover]:
    if not hubs:
        return [HubCover(z, None, None) for z in zones]
    dist, paths = nx.multi_source_dijkstra(g, set(hubs), weight="hours")
    out = []
    for z in zones:
        if z in dist:
            out.append(HubCover(z, paths[z][0], float(dist[z])))
        else:
            out.append(HubCover(z, None, None))
    return out


def unreachable_from_hubs(g: nx.Graph, zones: list[str], hubs: list[str]) -> list[str]:
    return [c.zone for c in hub_cover(g, zones, hubs) if c.hub is None]
