"""The zone network: graph building, travel times, QRF reach, centrality, hub cover."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pkplanner.scenario import network as N
from pkplanner.scenario.schema import Scenario

SPEEDS = {"motorway": 80.0, "primary": 60.0, "secondary": 40.0, "track": 20.0}


def node(nid: str, lat: float = 40.0, lon: float = 46.0) -> dict[str, Any]:
    return {"id": nid, "location": {"lat": lat, "lon": lon}}


def route(a: str, b: str, km: float, road: str = "primary", mine_risk: float = 0.0,
          closed: bool = False) -> dict[str, Any]:
    return {"from": a, "to": b, "km": km, "road": road, "mine_risk": mine_risk, "closed": closed}


@pytest.fixture
def make_scenario(two_zones_doc: dict[str, Any]) -> Any:
    """make_scenario(zones, hubs, routes, factor=2.0): two_zones with another network."""

    def make(zones: list[str], hubs: list[str], routes: list[dict[str, Any]],
             factor: float = 2.0) -> Scenario:
        doc = copy.deepcopy(two_zones_doc)
        doc["zones"] = [node(z) for z in zones]
        doc["hubs"] = [node(h) for h in hubs]
        doc["routes"] = routes
        doc["network"] = {"road_speeds_kmh": dict(SPEEDS), "mine_risk_factor": factor}
        return Scenario.model_validate(doc)

    return make


# --------------------------------------------------------------------------- route_hours


@pytest.mark.parametrize(("km", "road", "risk", "factor", "hours"), [
    (60, "primary", 0.0, 2.0, 1.0),
    (60, "primary", 0.5, 2.0, 2.0),         # 1 h * (1 + 2 * 0.5)
    (30, "track", 0.25, 2.0, 2.25),         # 1.5 h * 1.5
    (80, "motorway", 1.0, 0.0, 1.0),        # factor 0: mines do not slow
    (40, "secondary", 1.0, 3.0, 4.0),       # 1 h * (1 + 3)
])
def test_route_hours_formula(km: float, road: str, risk: float, factor: float,
                             hours: float) -> None:
    assert N.route_hours(km, road, risk, SPEEDS, factor) == pytest.approx(hours)
    assert N.route_hours(km, road, risk, SPEEDS, factor) == pytest.approx(
        km / SPEEDS[road] * (1 + factor * risk))


# --------------------------------------------------------------------------- build_graph


def test_build_graph_nodes_and_edges(make_scenario: Any) -> None:
    sc = make_scenario(["a", "b"], ["h"], [route("h", "a", 60), route("a", "b", 30, "track")])
    g = N.build_graph(sc)
    assert set(g.nodes) == {"a", "b", "h"}
    assert g.nodes["h"]["kind"] == "hub" and g.nodes["a"]["kind"] == "zone"
    assert g.nodes["a"]["lat"] == 40.0
    assert g.edges["a", "h"]["hours"] == pytest.approx(1.0)   # undirected
    assert g.edges["b", "a"]["hours"] == pytest.approx(1.5)
    assert g.edges["a", "b"]["km"] == 30 and g.edges["a", "b"]["road"] == "track"


def test_closed_routes_excluded(make_scenario: Any) -> None:
    sc = make_scenario(["a", "b"], ["h"], [route("h", "a", 60),
                                           route("a", "b", 30, closed=True)])
    g = N.build_graph(sc)
    assert g.has_edge("h", "a")
    assert not g.has_edge("a", "b")
    assert "b" in g.nodes  # the zone stays, unconnected


@pytest.mark.parametrize("faster_first", [True, False])
def test_parallel_routes_keep_the_faster(make_scenario: Any, faster_first: bool) -> None:
    fast = route("a", "b", 60, "primary")                    # 1 h
    slow = route("b", "a", 60, "track")                      # 3 h, written the other way
    mined = route("a", "b", 30, "primary", mine_risk=1.0)     # 0.5 h * 3 = 1.5 h
    routes = [fast, slow, mined] if faster_first else [mined, slow, fast]
    g = N.build_graph(make_scenario(["a", "b"], [], routes))
    assert g.number_of_edges() == 1
    assert g.edges["a", "b"]["hours"] == pytest.approx(1.0)
    assert g.edges["a", "b"]["road"] == "primary" and g.edges["a", "b"]["km"] == 60


def test_closed_parallel_route_does_not_shadow_open_one(make_scenario: Any) -> None:
    g = N.build_graph(make_scenario(["a", "b"], [], [route("a", "b", 10, closed=True),
                                                     route("a", "b", 60, "track")]))
    assert g.edges["a", "b"]["hours"] == pytest.approx(3.0)


def test_mine_risk_factor_from_scenario(make_scenario: Any) -> None:
    g = N.build_graph(make_scenario(["a", "b"], [], [route("a", "b", 60, mine_risk=0.5)],
                                    factor=4.0))
    assert g.edges["a", "b"]["hours"] == pytest.approx(3.0)  # 1 h * (1 + 4 * 0.5)


# --------------------------------------------------------------------------- travel times

# h --1h-- a --2h-- b --1h-- c        and a track h--b of 40 km (2 h):
#  h-a: 60 km primary            = 1 h
#  a-b: 120 km primary           = 2 h
#  h-b: 40 km track              = 2 h
#  b-c: 30 km primary, risk 0.5  = 0.5 h * (1 + 2*0.5) = 1 h
FOUR = [route("h", "a", 60), route("a", "b", 120), route("h", "b", 40, "track"),
        route("b", "c", 30, mine_risk=0.5)]
EXPECTED = {
    "h": {"h": 0, "a": 1, "b": 2, "c": 3},
    "a": {"a": 0, "h": 1, "b": 2, "c": 3},
    "b": {"b": 0, "a": 2, "h": 2, "c": 1},
    "c": {"c": 0, "b": 1, "a": 3, "h": 3},
}


def test_travel_times_by_hand(make_scenario: Any) -> None:
    times = N.travel_times(N.build_graph(make_scenario(["a", "b", "c"], ["h"], FOUR)))
    assert set(times) == set(EXPECTED)
    for src, row in EXPECTED.items():
        assert set(times[src]) == set(row), src
        for dst, hours in row.items():
            assert times[src][dst] == pytest.approx(hours), (src, dst)


def test_travel_times_disconnected(make_scenario: Any) -> None:
    times = N.travel_times(N.build_graph(make_scenario(["a", "b", "z"], [],
                                                       [route("a", "b", 60)])))
    assert "z" not in times["a"]
    assert times["z"] == {"z": 0}


def test_reachable_pairs_threshold(make_scenario: Any) -> None:
    times = N.travel_times(N.build_graph(make_scenario(["a", "b", "c"], ["h"], FOUR)))
    zones = ["a", "b", "c"]
    within_2 = N.reachable_pairs(times, zones, 2.0)
    assert within_2 == {("a", "a"), ("b", "b"), ("c", "c"), ("a", "b"), ("b", "a"),
                        ("b", "c"), ("c", "b")}
    assert all("h" not in pair for pair in within_2)  # hubs are not zones
    assert N.reachable_pairs(times, zones, 0.0) == {("a", "a"), ("b", "b"), ("c", "c")}
    assert N.reachable_pairs(times, zones, 3.0) == {(x, y) for x in zones for y in zones}
    assert N.reachable_pairs(times, zones, 0.99) == {("a", "a"), ("b", "b"), ("c", "c")}
    assert N.reachable_pairs(times, zones, 1.0) == {
        ("a", "a"), ("b", "b"), ("c", "c"), ("b", "c"), ("c", "b")}


def test_reachable_pairs_unknown_zone() -> None:
    assert N.reachable_pairs({}, ["x"], 5.0) == set()


# --------------------------------------------------------------------------- centrality


def test_centrality_bridge_node_highest(make_scenario: Any) -> None:
    # two triangles joined only through m: every path between the two sides crosses m
    routes = [route("a1", "a2", 60), route("a2", "a3", 60), route("a1", "a3", 60),
              route("b1", "b2", 60), route("b2", "b3", 60), route("b1", "b3", 60),
              route("a1", "m", 60), route("m", "b1", 60)]
    c = N.centrality(N.build_graph(make_scenario(
        ["a1", "a2", "a3", "m", "b1", "b2", "b3"], [], routes)))
    assert max(c, key=c.__getitem__) == "m"
    assert c["m"] > c["a1"] > c["a2"]
    assert c["a2"] == pytest.approx(0.0) and c["b3"] == pytest.approx(0.0)
    assert all(0.0 <= v <= 1.0 for v in c.values())  # normalized


def test_centrality_uses_travel_time(make_scenario: Any) -> None:
    # a-b direct is slow (track, 3 h); a-x-b is fast (2 x 0.5 h): x lies on the shortest path
    routes = [route("a", "b", 60, "track"), route("a", "x", 30), route("x", "b", 30),
              route("b", "y", 30)]
    c = N.centrality(N.build_graph(make_scenario(["a", "b", "x", "y"], [], routes)))
    assert c["x"] > 0.0


def test_centrality_path_middle(make_scenario: Any) -> None:
    c = N.centrality(N.build_graph(make_scenario(["a", "b", "c"], [],
                                                 [route("a", "b", 10), route("b", "c", 10)])))
    assert c == pytest.approx({"a": 0.0, "b": 1.0, "c": 0.0})


def test_centrality_small_graph(make_scenario: Any) -> None:
    c = N.centrality(N.build_graph(make_scenario(["a", "b"], [], [route("a", "b", 10)])))
    assert c == {"a": 0.0, "b": 0.0}


# --------------------------------------------------------------------------- hub cover


def test_hub_cover_nearest_hub(make_scenario: Any) -> None:
    # h1 -1h- a -2h- b -1h- h2 ; z unconnected
    routes = [route("h1", "a", 60), route("a", "b", 120), route("b", "h2", 60)]
    g = N.build_graph(make_scenario(["a", "b", "z"], ["h1", "h2"], routes))
    cover = {c.zone: c for c in N.hub_cover(g, ["a", "b", "z"], ["h1", "h2"])}
    assert (cover["a"].hub, cover["a"].hours) == ("h1", pytest.approx(1.0))
    assert (cover["b"].hub, cover["b"].hours) == ("h2", pytest.approx(1.0))
    assert (cover["z"].hub, cover["z"].hours) == (None, None)
    assert [c.zone for c in N.hub_cover(g, ["z", "a"], ["h1", "h2"])] == ["z", "a"]
    assert N.unreachable_from_hubs(g, ["a", "b", "z"], ["h1", "h2"]) == ["z"]


def test_hub_cover_through_zones(make_scenario: Any) -> None:
    g = N.build_graph(make_scenario(["a", "b", "c"], ["h"], FOUR))
    cover = {c.zone: c for c in N.hub_cover(g, ["a", "b", "c"], ["h"])}
    assert cover["c"].hub == "h" and cover["c"].hours == pytest.approx(3.0)
    assert N.unreachable_from_hubs(g, ["a", "b", "c"], ["h"]) == []


def test_hub_cover_closed_route_cuts_zone_off(make_scenario: Any) -> None:
    g = N.build_graph(make_scenario(["a", "b"], ["h"], [route("h", "a", 60),
                                                        route("a", "b", 60, closed=True)]))
    assert N.unreachable_from_hubs(g, ["a", "b"], ["h"]) == ["b"]


def test_hub_cover_without_hubs(make_scenario: Any) -> None:
    g = N.build_graph(make_scenario(["a", "b"], [], [route("a", "b", 60)]))
    assert N.hub_cover(g, ["a", "b"], []) == [N.HubCover("a", None, None),
                                              N.HubCover("b", None, None)]
    assert N.unreachable_from_hubs(g, ["a", "b"], []) == ["a", "b"]


def test_two_zones_network(two_zones_doc: dict[str, Any]) -> None:
    sc = Scenario.model_validate(two_zones_doc)
    g = N.build_graph(sc)
    times = N.travel_times(g)
    assert times["hub"]["north"] == pytest.approx(0.5)   # 30 km primary
    assert times["hub"]["south"] == pytest.approx(1.5)   # + 60 km primary
    assert N.unreachable_from_hubs(g, ["north", "south"], ["hub"]) == []
    assert N.centrality(g)["north"] == pytest.approx(1.0)
