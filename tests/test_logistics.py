"""Logistics flows (formulation family 16) against optima worked by hand, and the
verifier's flow checks.

The tiny case: one zone needing 40 km of observation, one hub 10 km away. AAA offers light
patrols (10 people, 20 km) at 500 a person-month, BBB observer teams (4 people, 10 km) at
1,500. Without logistics two AAA patrols are cheapest: 20 people, 10,000. Each person needs
0.1 t a day, so a route (or hub) that carries 1.8 t a day sustains at most 18 people: two
patrols no longer fit, four BBB teams (16 people) cost 24,000, and one patrol with two
teams (18 people, 40 km) costs 5,000 + 12,000 = 17,000, the optimum. At 1.0 t a day (10
people) no mix reaches 40 km: infeasible, and the route is the conflict.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from pkplanner.engine.explain import explanation
from pkplanner.errors import InputError
from pkplanner.scenario.resolve import load_resolved
from pkplanner.verify.check import verify
from tests.test_model_optimum import alloc_of, run, tiny


def case(route_cap: float | None = None, hub_people: int | None = None,
         **logistics: Any) -> dict[str, Any]:
    doc = tiny()
    doc["contributors"] = [
        {"id": "AAA", "cost_per_person_month": 500, "max_personnel": 100,
         "units": {"patrol": 3}},
        {"id": "BBB", "cost_per_person_month": 1500, "max_personnel": 100,
         "units": {"obs": 6}},
    ]
    doc["acceptability"] = {"default": 0.5}
    doc["logistics"] = {"supply_t_per_person_day": 0.1, **logistics}
    if route_cap is not None:
        doc["routes"][0]["capacity_tpd"] = route_cap
    if hub_people is not None:
        doc["hubs"][0]["capacity_personnel"] = hub_people
    return doc


def test_without_a_limit_the_flow_carries_the_cheapest_force(tmp_path: Path) -> None:
    sol = run(case(), tmp_path)
    assert sol["objective"]["value"] == pytest.approx(10_000)
    assert sol["flows"] == [{"route": "hub-z1", "from": "hub", "to": "z1", "km": 10.0,
                             "tonnes_per_day": 2.0, "capacity_tpd": 1500.0,
                             "utilisation": pytest.approx(2.0 / 1500, abs=1e-6)}]
    assert sol["logistics"]["demand_tpd"] == pytest.approx(2.0)
    assert sol["logistics"]["transport_cost_per_month"] == 0


def test_no_logistics_block_no_flows(tmp_path: Path) -> None:
    doc = case()
    del doc["logistics"]
    sol = run(doc, tmp_path)
    assert "flows" not in sol and "logistics" not in sol
    assert sol["objective"]["value"] == pytest.approx(10_000)


def test_a_route_capacity_forces_a_dearer_mix(tmp_path: Path) -> None:
    sol = run(case(route_cap=1.8), tmp_path)
    assert sol["objective"]["value"] == pytest.approx(17_000)
    assert alloc_of(sol) == {("AAA", "patrol", "z1"): 1, ("BBB", "obs", "z1"): 2}
    assert sol["flows"][0]["tonnes_per_day"] == pytest.approx(1.8)
    assert "logistics.route.hub-z1" in sol["binding"]


def test_a_hub_throughput_binds_the_same_way(tmp_path: Path) -> None:
    sol = run(case(hub_people=18), tmp_path)
    assert sol["objective"]["value"] == pytest.approx(17_000)
    assert "logistics.hub.hub" in sol["binding"]
    assert sol["logistics"]["hubs"] == [{"hub": "hub", "tonnes_per_day": pytest.approx(1.8),
                                         "capacity_tpd": pytest.approx(1.8),
                                         "utilisation": pytest.approx(1.0)}]


def test_mined_roads_carry_less(tmp_path: Path) -> None:
    """A primary road carries 20 t a day in this case; at mine risk 0.5 with factor 0.9 it
    carries 20 x (1 - 0.45) = 11 t; at factor 1 and risk 0.91, 1.8 t: the dearer mix."""
    doc = case(road_capacity_tpd={"primary": 20, "secondary": 5, "track": 1, "motorway": 40},
               mine_risk_capacity_factor=1.0)
    doc["routes"][0]["mine_risk"] = 0.91
    sol = run(doc, tmp_path)
    assert sol["flows"][0]["capacity_tpd"] == pytest.approx(1.8)
    assert sol["objective"]["value"] == pytest.approx(17_000)


def test_priced_transport_takes_the_near_hub_first(tmp_path: Path) -> None:
    """A second hub 50 km away; the near hub sustains 10 people (1 t). At 1 per tonne-km the
    two patrols take 1 t from the near hub (10 tkm) and 1 t from the far one (50 tkm) a day:
    60 x 365/12 = 1,825 a month on top of 10,000. One patrol and two teams (18 people, 17,000
    + (10 + 0.8 x 50) x 365/12) cost more."""
    doc = case(hub_people=10, cost_per_tonne_km=1.0)
    doc["hubs"].append({"id": "far", "location": {"lat": 40.3, "lon": 46.3}})
    doc["routes"].append({"from": "far", "to": "z1", "km": 50})
    sol = run(doc, tmp_path)
    transport = 60 * 365 / 12
    assert sol["objective"]["value"] == pytest.approx(10_000 + transport)
    assert sol["logistics"]["transport_cost_per_month"] == pytest.approx(transport)
    assert sol["totals"]["cost_per_month"] == pytest.approx(10_000)
    assert {f["route"]: f["tonnes_per_day"] for f in sol["flows"]} == {
        "hub-z1": pytest.approx(1.0), "far-z1": pytest.approx(1.0)}


def test_free_transport_is_reported_along_the_shortest_way(tmp_path: Path) -> None:
    """Two ways from the hub to z2: direct (80 km) or through z1 (10 + 10 km). With free
    transport the model may route either; the file reports the short way."""
    doc = case()
    doc["zones"].append({"id": "z2", "location": {"lat": 40.06, "lon": 46.03}, "line_km": 40,
                         "threat": 1})
    doc["routes"] += [{"from": "z1", "to": "z2", "km": 10},
                      {"id": "long_way", "from": "hub", "to": "z2", "km": 80}]
    sol = run(doc, tmp_path)
    people = {z["zone"]: z["personnel"] for z in sol["zones"]}
    flows = {f["route"]: (f["from"], f["to"], f["tonnes_per_day"]) for f in sol["flows"]}
    assert flows == {"hub-z1": ("hub", "z1", pytest.approx(0.1 * (people["z1"] + people["z2"]))),
                     "z1-z2": ("z1", "z2", pytest.approx(0.1 * people["z2"]))}


def test_an_unreachable_optional_zone_is_not_deployed(tmp_path: Path) -> None:
    """z2 (optional, weight for coverage only) has a route, but it is closed: with logistics
    on nothing can sustain a force there, so it stays empty."""
    doc = case()
    doc["zones"].append({"id": "z2", "location": {"lat": 40.06, "lon": 46.03}, "line_km": 40,
                         "threat": 1, "required": False})
    doc["routes"].append({"from": "z1", "to": "z2", "km": 10, "closed": True})
    sol = run(doc, tmp_path)
    assert not any(a["zone"] == "z2" for a in sol["allocations"])


def test_a_closed_route_to_a_required_zone_is_a_one_line_error(tmp_path: Path) -> None:
    doc = case()
    doc["routes"][0]["closed"] = True
    p = tmp_path / "closed.yaml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError) as e:
        load_resolved(p)
    assert str(e.value).splitlines() == [
        f"error: {p}: zones.z1: required zone that no hub can reach over open routes"]


def test_explain_names_the_route(tmp_path: Path) -> None:
    p = tmp_path / "tight.yaml"
    p.write_text(yaml.safe_dump(case(route_cap=1.0)))
    ex = explanation(load_resolved(p), time_limit=20)
    by_rule = {c.rule: c for c in ex.conflicts}
    assert "logistics.route.hub-z1" in by_rule, [c.rule for c in ex.conflicts]
    c = by_rule["logistics.route.hub-z1"]
    assert c.alone is True and "capacity_tpd" in c.relaxation
    assert c.detail == "the capacity of route hub-z1"


@pytest.mark.parametrize(("problem", "doc_edit"), [
    ("road class 'track' has no capacity in logistics.road_capacity_tpd",
     lambda d: (d["routes"][0].update(road="track"),
                d["logistics"].update(road_capacity_tpd={"primary": 10}))),
    ("logistics.supply_t_per_person_day: ", lambda d: d["logistics"].update(
        supply_t_per_person_day=0)),
    ("routes.hub-z1: two routes named 'hub-z1' (give parallel routes an `id` each)",
     lambda d: d["routes"].append(dict(d["routes"][0]))),
])
def test_bad_logistics_input_is_one_line(tmp_path: Path, problem: str, doc_edit: Any) -> None:
    doc = case()
    doc_edit(doc)
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError) as e:
        load_resolved(p)
    lines = str(e.value).splitlines()
    assert len(lines) == 1 and problem in lines[0], lines


# --------------------------------------------------------------------------- the verifier


def tampered(tmp_path: Path, edit: Any, **kw: Any) -> list[str]:
    doc = case(**kw)
    sol = run(doc, tmp_path)
    p = tmp_path / "t.yaml"
    p.write_text(yaml.safe_dump(doc))
    bad = copy.deepcopy(sol)
    edit(bad)
    return [str(v) for v in verify(load_resolved(p), bad)]


def test_the_verifier_sees_a_missing_flow(tmp_path: Path) -> None:
    found = tampered(tmp_path, lambda s: s.update(flows=[]))
    assert found == ["logistics: zone z1 receives 0.000 t/day net, needs 2.000 (20 people "
                     "x 0.1)"]


@pytest.mark.parametrize(("limit", "found_line"), [
    ({"route_cap": 1.8}, "logistics: route hub-z1 carries 2.000 t/day > capacity 1.800"),
    ({"hub_people": 18},
     "logistics: hub hub sends 2.000 t/day > its throughput 1.800 (18 people)"),
])
def test_the_verifier_sees_a_route_or_hub_over_its_limit(tmp_path: Path, limit: dict[str, Any],
                                                         found_line: str) -> None:
    """The plan made under the limit, tampered back to the cheapest force (two patrols,
    2 t a day) with its flow: the verifier names the route or hub."""
    def edit(s: dict[str, Any]) -> None:
        s["allocations"] = [{"contributor": "AAA", "zone": "z1", "unit_type": "patrol",
                             "units": 2, "personnel": 20}]
        s["flows"][0]["tonnes_per_day"] = 2.0
    assert found_line in tampered(tmp_path, edit, **limit)


def test_the_verifier_sees_a_flow_on_a_closed_or_unknown_route(tmp_path: Path) -> None:
    found = tampered(tmp_path, lambda s: s["flows"][0].update(route="nowhere"))
    assert "schema: flows[0]: unknown route or tonnes_per_day not >= 0" in found
    found = tampered(tmp_path, lambda s: s["flows"][0].update(**{"from": "z1", "to": "hub"}))
    assert any(f.startswith("logistics: zone z1 receives -2.000") for f in found)


def test_the_verifier_prices_transport(tmp_path: Path) -> None:
    found = tampered(tmp_path, lambda s: s["objective"].update(value=10_000),
                     cost_per_tonne_km=1.0)
    assert found == [f"totals: objective value 10000 != cost {10_000 + 20 * 365 / 12:g} "
                     f"(force 10000 + transport {20 * 365 / 12:g})"]


def test_a_staging_hub_only_passes_supplies_on(tmp_path: Path) -> None:
    """A hub that is no supply entry (entry false) sits between the entry and the zone: the
    supplies pass through it, it keeps and sends nothing of its own; if it were the only
    hub, no entry would reach the zone."""
    doc = case()
    doc["hubs"].append({"id": "stage", "location": {"lat": 40.02, "lon": 46.02},
                        "entry": False, "capacity_personnel": 1})
    doc["routes"] = [{"from": "hub", "to": "stage", "km": 5}, {"from": "stage", "to": "z1",
                                                               "km": 5}]
    sol = run(doc, tmp_path)
    assert {f["route"]: f["tonnes_per_day"] for f in sol["flows"]} == {
        "hub-stage": pytest.approx(2.0), "stage-z1": pytest.approx(2.0)}
    assert [h["hub"] for h in sol["logistics"]["hubs"]] == ["hub"]
    doc["hubs"] = [doc["hubs"][1]]
    doc["routes"] = [doc["routes"][1]]
    p = tmp_path / "no_entry.yaml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError) as e:
        load_resolved(p)
    assert "zones.z1: required zone that no hub can reach over open routes (with " \
           "logistics on only hubs with entry: true supply the area)" in str(e.value)


def test_the_lachin_corridor_closed(tmp_path: Path) -> None:
    """karabakh_2020 with logistics on: the corridor road from Goris carries the supplies of
    the zones behind it; closed, they come from Barda across the contact line (the force
    stays: those routes have room), and with the Barda roads closed too no supply entry
    reaches the area, which the loader says zone by zone."""
    from pkplanner.engine.highs import SolverSettings
    from pkplanner.pipeline import solve_checked

    def flows(*sets: str) -> tuple[dict[str, float], float]:
        rs = load_resolved("karabakh_2020", None, ["logistics={}", *sets])
        done = solve_checked(rs, None, SolverSettings(gap=1e-3))
        assert done.doc["status"] == "optimal" and done.verdict == []
        return ({f["route"]: f["tonnes_per_day"] for f in done.doc["flows"]},
                float(done.doc["totals"]["personnel"]))

    open_, _ = flows()
    assert open_["goris-lachin_corridor"] > 100
    closed, people = flows("routes.goris-lachin_corridor.closed=true")
    assert "goris-lachin_corridor" not in closed
    # every supply of the force (0.1 t a person a day) enters by the two Barda roads
    assert closed["barda-loc_north"] + closed["barda-loc_east"] == pytest.approx(
        0.1 * people, rel=1e-3)
    with pytest.raises(InputError) as e:
        load_resolved("karabakh_2020", None, [
            "logistics={}", "routes.goris-lachin_corridor.closed=true",
            "routes.barda-loc_north.closed=true", "routes.barda-loc_east.closed=true"])
    assert "zones.lachin_corridor: required zone that no hub can reach" in str(e.value)


def test_the_report_shows_the_flows_and_the_full_route(tmp_path: Path) -> None:
    from pkplanner.report import build_report
    doc = case(route_cap=1.8)
    sol = run(doc, tmp_path)
    p = tmp_path / "r.yaml"
    p.write_text(yaml.safe_dump(doc))
    report = build_report(load_resolved(p), sol, [])
    md = report.markdown()
    assert "| hub-z1 | hub → z1 | 10 | 1.8 | 1.8 | 100.0% | binding |" in md
    assert "| logistics | supplies from the hubs reach every deployed zone within route and " \
           "hub capacities | 1.8 t/day delivered; fullest: route hub-z1 1.8 of 1.8 t/day |" in md
    names = [t.name for t in report.figures["network"].data]
    assert "supply flow (width: t/day)" in names


def test_a_season_closes_its_routes(tmp_path: Path) -> None:
    """A pass closed in winter: with network.season winter the route is closed in the
    resolved scenario (for travel and supplies alike) and the supplies take the long way;
    in any other season, or none, it is open."""
    doc = case()
    doc["hubs"].append({"id": "far", "location": {"lat": 40.3, "lon": 46.3}})
    doc["routes"][0]["closed_in"] = ["winter"]
    doc["routes"].append({"from": "far", "to": "z1", "km": 50})
    sol = run(doc, tmp_path)
    assert [f["route"] for f in sol["flows"]] == ["hub-z1"]
    doc["network"] = {"season": "winter"}
    sol = run(doc, tmp_path)
    assert [f["route"] for f in sol["flows"]] == ["far-z1"]
    rs = load_resolved("karabakh_kcg_2014", None, ["network.season=winter"])
    closed = {r.name for r in rs.scenario.routes if r.closed}
    assert closed == {"nk_north-kelbajar", "vardenis-kelbajar"}
    assert not any(r.closed for r in load_resolved("karabakh_kcg_2014").scenario.routes)


def test_a_season_that_cuts_a_required_zone_says_so(tmp_path: Path) -> None:
    doc = case()
    doc["routes"][0]["closed_in"] = ["winter"]
    doc["network"] = {"season": "winter"}
    p = tmp_path / "winter.yaml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError) as e:
        load_resolved(p)
    assert str(e.value).splitlines() == [
        f"error: {p}: zones.z1: required zone that no hub can reach over open routes "
        "(network.season winter closes hub-z1)"]
