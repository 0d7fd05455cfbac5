"""The MILP against optima computed independently (by hand and by brute force)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from pkplanner.engine.results import solution_document
from pkplanner.engine.solve import solve
from pkplanner.scenario.resolve import load_resolved
from pkplanner.verify.check import verify
from tests import bruteforce

LEVELS = ["civilian", "observer", "light", "armed"]
RULES: dict[str, Any] = {
    "max_share": 1.0, "max_share_zone": 1.0, "min_contributors": 0, "min_contributors_zone": 1,
    "min_contingent": 0, "acceptability_floor": {},
}


def tiny(**over: Any) -> dict[str, Any]:
    """One zone watched by 3 contributors offering observer teams (4 people, 10 km) and
    light patrols (10 people, 20 km). Need: 40 km of observation."""
    doc: dict[str, Any] = {
        "schema_version": 1, "name": "tiny",
        "parties": [{"id": "AZ"}, {"id": "AM"}],
        "armament_levels": LEVELS,
        "threat_multipliers": {1: 1.0, 2: 1.25, 3: 1.5, 4: 1.75, 5: 2.0},
        "unit_types": [
            {"id": "obs", "personnel": 4, "armament": "observer",
             "capabilities": {"observation_km": 10}},
            {"id": "patrol", "personnel": 10, "armament": "light",
             "capabilities": {"observation_km": 20}},
        ],
        "mandates": [
            {"id": "watch", "min_armament": "civilian", "max_armament": "light",
             "requirements": {"observation_km": {"per_line_km": 1.0}}},
        ],
        "zones": [{"id": "z1", "location": {"lat": 40, "lon": 46}, "line_km": 40, "threat": 1}],
        "hubs": [{"id": "hub", "location": {"lat": 40.05, "lon": 46.05}}],
        "routes": [{"from": "hub", "to": "z1", "km": 10}],
        "contributors": [
            {"id": "AAA", "cost_per_person_month": 1000, "max_personnel": 100,
             "groups": ["osce"], "units": {"obs": 6, "patrol": 0}},
            {"id": "BBB", "cost_per_person_month": 1500, "max_personnel": 100,
             "groups": ["osce"], "units": {"obs": 6, "patrol": 3}},
            {"id": "CCC", "cost_per_person_month": 3000, "max_personnel": 100,
             "groups": ["osce", "csto"], "units": {"obs": 6}},
        ],
        "acceptability": {"default": 0.5,
                          "contributors": {"AZ": {"AAA": 0.5, "BBB": 0.8, "CCC": 0.1},
                                           "AM": {"AAA": 0.3, "BBB": 0.4, "CCC": 0.9}}},
        "vetoes": [],
        "rules": dict(RULES),
        "planning_options": [{"id": "X", "mandates": ["watch"], "max_armament": "armed"}],
        "planning_option": "X",
        "objective": "cost",
    }
    for path, value in over.items():
        node = doc
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    return doc


def run(doc: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    p = tmp_path / f"{doc['name']}.yaml"
    p.write_text(yaml.safe_dump(doc))
    rs = load_resolved(p)
    out = solve(rs)
    doc = solution_document(rs, out.data, out.plan, objective="cost",
                            objective_value=out.objective_value, status=out.status,
                            gap=out.gap, solver={},
                            conflicts=[{"rule": "-", "detail": "-", "relaxation": ""}]
                            if out.status == "infeasible" else None)
    assert [str(v) for v in verify(rs, doc)] == []      # every solve is checked independently
    return doc


def alloc_of(sol: dict[str, Any]) -> dict[tuple[str, str, str], int]:
    return {(a["contributor"], a["unit_type"], a["zone"]): a["units"]
            for a in sol["allocations"]}


def assert_matches_bruteforce(doc: dict[str, Any], sol: dict[str, Any]) -> float:
    best, plans = bruteforce.solve(copy.deepcopy(doc))
    assert sol["status"] == "optimal"
    assert sol["totals"]["cost_per_month"] == pytest.approx(best)
    assert sol["objective"]["value"] == pytest.approx(best)
    assert alloc_of(sol) in [p["alloc"] for p in plans]
    return best


def test_two_zones_worked_example(tmp_path: Path) -> None:
    """The optimum written in shared/examples/two_zones.yaml: 632,000 with 316 people."""
    src = Path(__file__).resolve().parents[1] / "scenarios" / "examples" / "two_zones.yaml"
    doc = yaml.safe_load(src.read_text())
    sol = run(doc, tmp_path)
    assert sol["status"] == "optimal"
    assert sol["objective"]["value"] == pytest.approx(632_000)
    assert sol["totals"]["personnel"] == 316
    assert sol["acceptability"]["AM"] >= 0.55
    # the header lists two optimal allocations; ours must be one of them
    alloc = alloc_of(sol)
    assert alloc[("AAA", "infantry_company", "south")] == 1
    assert alloc[("BBB", "infantry_company", "south")] == 1
    assert sum(n for (c, u, z), n in alloc.items() if u == "observer_team") == 4


def test_baseline_is_cheapest_contributor(tmp_path: Path) -> None:
    # 40 km needs 4 observer teams; AAA is cheapest: 16 people * 1000
    doc = tiny()
    sol = run(doc, tmp_path)
    assert assert_matches_bruteforce(doc, sol) == 16_000
    assert alloc_of(sol) == {("AAA", "obs", "z1"): 4}


def test_veto_changes_the_optimum(tmp_path: Path) -> None:
    doc = tiny(vetoes=[{"party": "AM", "contributor": "AAA"}])
    sol = run(doc, tmp_path)
    # BBB next: two light patrols (20 people) cost 30,000 vs 4 teams (16 people) 24,000
    assert assert_matches_bruteforce(doc, sol) == 24_000
    assert alloc_of(sol) == {("BBB", "obs", "z1"): 4}
    assert "AAA" not in {a["contributor"] for a in sol["allocations"]}


def test_dominance_cap_binds(tmp_path: Path) -> None:
    doc = tiny(rules__max_share=0.5)
    sol = run(doc, tmp_path)
    # 4 teams split 2 AAA + 2 BBB: 8*1000 + 8*1500
    assert assert_matches_bruteforce(doc, sol) == 20_000
    assert alloc_of(sol) == {("AAA", "obs", "z1"): 2, ("BBB", "obs", "z1"): 2}
    assert "dominance.max_share.AAA" in sol["binding"]


def test_armament_compatibility_forces_a_level(tmp_path: Path) -> None:
    # only light patrols are offered cheaply enough: the zone must run at 'light'
    doc = tiny()
    doc["contributors"] = [
        {"id": "AAA", "cost_per_person_month": 1000, "max_personnel": 100,
         "units": {"patrol": 3}},
        {"id": "CCC", "cost_per_person_month": 3000, "max_personnel": 100,
         "units": {"obs": 6}},
    ]
    doc["acceptability"]["contributors"] = {}
    sol = run(doc, tmp_path)
    assert assert_matches_bruteforce(doc, sol) == 20_000
    assert sol["zones"][0]["armament"] == "light"
    # the same plan is impossible when the zone tolerates only observers
    doc["zones"][0]["max_armament"] = "observer"
    sol = run(doc, tmp_path)
    assert assert_matches_bruteforce(doc, sol) == 48_000
    assert sol["zones"][0]["armament"] == "observer"


def test_acceptability_floor_forces_a_costlier_contributor(tmp_path: Path) -> None:
    doc = tiny(rules__acceptability_floor={"AM": 0.6})
    sol = run(doc, tmp_path)
    # AM scores AAA 0.3, BBB 0.4, CCC 0.9: a team mix reaching 0.6 on 16 people
    best = assert_matches_bruteforce(doc, sol)
    assert best > 16_000
    assert "CCC" in {a["contributor"] for a in sol["allocations"]}
    assert sol["acceptability"]["AM"] >= 0.6 - 1e-9


def test_min_contingent_and_min_contributors(tmp_path: Path) -> None:
    doc = tiny(rules__min_contingent=8, rules__min_contributors=2)
    sol = run(doc, tmp_path)
    assert_matches_bruteforce(doc, sol)
    assert sol["totals"]["contributors"] >= 2
    assert all(c["personnel"] >= 8 for c in sol["contributors"])


def test_exclusion_group(tmp_path: Path) -> None:
    doc = tiny(rules__acceptability_floor={"AM": 0.6})
    doc["planning_options"][0]["rules"] = {"exclude_groups": ["csto"]}
    sol = run(doc, tmp_path)
    # without CCC nobody lifts AM to 0.6: infeasible
    assert sol["status"] == "infeasible"
    assert bruteforce.solve(copy.deepcopy(doc))[0] == float("inf")


@pytest.mark.parametrize("threat,expected", [(1, 16_000), (3, 24_000)])
def test_threat_multiplier_scales_requirement(tmp_path: Path, threat: int, expected: int
                                              ) -> None:
    doc = tiny()
    doc["zones"][0]["threat"] = threat
    sol = run(doc, tmp_path)
    assert assert_matches_bruteforce(doc, sol) == expected


@pytest.mark.parametrize("line_km,threat,expected", [
    (40, 1, 24_000),     # the floor 60 over the line's 40: 6 of AAA's teams
    (80, 1, 36_000),     # the line's 80 over the floor, not 60 + 80: 6 of AAA, 2 of BBB
    (40, 3, 42_000),     # the floor scaled by the threat: 1.5 x 60 = 90 km, 6 AAA + 3 BBB
])
def test_requirement_floor_is_a_floor_not_a_term(tmp_path: Path, line_km: int, threat: int,
                                                 expected: int) -> None:
    """`min` bounds the sum of the terms from below and is never added to it: the model,
    the verifier (inside run) and the brute force agree on the hand-computed optimum."""
    doc = tiny()
    doc["mandates"][0]["requirements"]["observation_km"]["min"] = 60
    doc["zones"][0].update(line_km=line_km, threat=threat)
    sol = run(doc, tmp_path)
    assert assert_matches_bruteforce(doc, sol) == expected


def test_verifier_rejects_a_plan_below_the_floor(tmp_path: Path) -> None:
    """The plan that meets the line's 40 km but not the floor's 60 is rejected by the
    verifier, which restates the floor on its own."""
    doc = tiny()
    sol = run(doc, tmp_path)                    # 4 teams, 40 km: right without a floor
    doc["mandates"][0]["requirements"]["observation_km"]["min"] = 60
    p = tmp_path / "floored.yaml"
    p.write_text(yaml.safe_dump(doc))
    found = [str(v) for v in verify(load_resolved(p), sol)]
    assert any(v.startswith("requirement: z1 observation_km: 40 < 60") for v in found), found


def test_zone_share_cap(tmp_path: Path) -> None:
    doc = tiny(rules__max_share_zone=0.5)
    sol = run(doc, tmp_path)
    assert_matches_bruteforce(doc, sol)
    for a in sol["allocations"]:
        assert a["personnel"] <= 0.5 * sol["zones"][0]["personnel"]


def test_concurrent_solves_in_threads(two_zones_path: Path) -> None:
    """App sessions solve in threads of one process: solves must not trample each other."""
    from concurrent.futures import ThreadPoolExecutor

    def one(_: int) -> float | None:
        return solve(load_resolved(two_zones_path)).objective_value

    with ThreadPoolExecutor(max_workers=4) as pool:
        values = list(pool.map(one, range(8)))
    assert values == [pytest.approx(632_000)] * 8


def police_case(share: float) -> dict[str, Any]:
    """tiny() plus a policing need only a 14-person police unit meets, under a zone cap:
    the LP may split that unit between contributors, a plan may not."""
    doc = tiny(rules__max_share_zone=share)
    doc["unit_types"].append({"id": "police", "personnel": 14, "armament": "light",
                              "capabilities": {"policing": 14}})
    doc["mandates"][0]["requirements"]["policing"] = {"base": 5}
    doc["contributors"][1]["units"]["police"] = 1
    doc["contributors"][2]["units"]["police"] = 1
    return doc


@pytest.mark.parametrize("share", [0.5, 0.6, 0.75])
def test_a_whole_unit_sets_the_zone_floor(tmp_path: Path, share: float) -> None:
    """The zone-floor cut (formulation.md §9) keeps every optimum: brute force agrees, and
    the zone holds at least the police unit divided by the zone share cap."""
    doc = police_case(share)
    sol = run(doc, tmp_path)
    assert_matches_bruteforce(doc, sol)
    assert sol["zones"][0]["personnel"] >= 14 / share


def test_zone_floor_value_is_the_lightest_unit_over_the_cap(tmp_path: Path) -> None:
    from pkplanner.engine.data import prepare
    from pkplanner.engine.model import build_model, zone_floors

    p = tmp_path / "police.yaml"
    p.write_text(yaml.safe_dump(police_case(0.6)))
    d = prepare(load_resolved(p).scenario)
    built = build_model(d)
    # observation: lightest unit 4 people -> 4/0.6 = 6.7; policing: 14/0.6 = 23.3;
    # unit sizes 4, 10, 14 move the zone in steps of 2 -> 24
    assert zone_floors(built.index, d) == {"z1": {"watch": 24}}
    assert list(built.model.dominance_max_share_zone_floor) == ["z1"]
    p.write_text(yaml.safe_dump(police_case(1.0)))        # no zone cap: no floor row
    d = prepare(load_resolved(p).scenario)
    assert not hasattr(build_model(d).model, "dominance_max_share_zone_floor")


# --------------------------------------------------------------------------- issue 12 rules
# Each optimum below is worked out by hand in the docstring and checked by brute force.


def test_eligible_units_only_count_toward_a_capability(tmp_path: Path) -> None:
    """Under a mandate whose observation counts only from light units, observer teams make
    no line: 40 km takes BBB's two light patrols, 20 people x 1,500 = 30,000 (16,000 with
    every unit counting). A list naming the unit type itself works the same way."""
    doc = tiny()
    doc["mandates"][0]["eligible"] = {"observation_km": ["light"]}
    sol = run(doc, tmp_path)
    assert assert_matches_bruteforce(doc, sol) == 30_000
    assert alloc_of(sol) == {("BBB", "patrol", "z1"): 2}
    assert sol["zones"][0]["armament"] == "light"
    assert sol["zones"][0]["requirements"]["observation_km"] == {"required": 40.0,
                                                                  "provided": 40.0}
    doc["mandates"][0]["eligible"] = {"observation_km": ["obs"]}
    assert assert_matches_bruteforce(doc, run(doc, tmp_path)) == 16_000


def test_an_observer_team_beside_the_line_provides_nothing_the_verifier_counts(
        tmp_path: Path) -> None:
    """A plan that meets the line with observer teams where only light units count is
    rejected by the independent check, with the rule it breaks."""
    doc = tiny()
    sol = run(doc, tmp_path)                            # 4 observer teams of AAA
    doc["mandates"][0]["eligible"] = {"observation_km": ["light"]}
    p = tmp_path / "eligible.yaml"
    p.write_text(yaml.safe_dump(doc))
    found = [str(v) for v in verify(load_resolved(p), sol)]
    assert any(v.startswith("requirement: z1 observation_km: 0 < 40") for v in found), found


def test_min_contingent_zone(tmp_path: Path) -> None:
    """max_share 0.5 with two contributors means equal contingents; at least 12 people each
    in the zone: AAA 3 teams + BBB 3 teams (60 km >= 40), 12 x 1,000 + 12 x 1,500 = 30,000
    (20,000 with 2 + 2 teams of 8 people)."""
    doc = tiny(rules__max_share=0.5, rules__min_contingent_zone=12)
    sol = run(doc, tmp_path)
    assert assert_matches_bruteforce(doc, sol) == 30_000
    assert alloc_of(sol) == {("AAA", "obs", "z1"): 3, ("BBB", "obs", "z1"): 3}
    assert any(b.startswith("min_contingent_zone.") for b in sol["binding"])


def two_zone_tiny(**rules: Any) -> dict[str, Any]:
    """tiny() plus a second zone with 20 km of line, without CCC (so brute force stays
    quick). Every unit counting, the cheapest plan is AAA's: 4 teams in z1, 2 in z2,
    24 people, 24,000."""
    doc = tiny()
    doc["zones"].append({"id": "z2", "location": {"lat": 40.1, "lon": 46.1}, "line_km": 20,
                         "threat": 1})
    doc["routes"].append({"from": "hub", "to": "z2", "km": 10})
    doc["contributors"] = doc["contributors"][:2]
    for row in doc["acceptability"]["contributors"].values():
        row.pop("CCC")
    doc["rules"].update(rules)
    return doc


def test_two_zone_baseline(tmp_path: Path) -> None:
    doc = two_zone_tiny()
    sol = run(doc, tmp_path)
    assert assert_matches_bruteforce(doc, sol) == 24_000


def test_max_zones_per_contributor(tmp_path: Path) -> None:
    """One zone each: AAA takes z1 (4 teams, 16,000) and BBB z2 (2 teams, 8 people x 1,500
    = 12,000): 28,000; AAA in z2 and BBB in z1 would cost 8,000 + 24,000."""
    doc = two_zone_tiny(max_zones_per_contributor=1)
    sol = run(doc, tmp_path)
    assert assert_matches_bruteforce(doc, sol) == 28_000
    assert alloc_of(sol) == {("AAA", "obs", "z1"): 4, ("BBB", "obs", "z2"): 2}


def test_zone_floor_where_the_force_floor_is_met_on_average(tmp_path: Path) -> None:
    """AM scores AAA 0.3 (0.5 in z2, an override), BBB 0.4. The force-wide floor 0.35 is met
    by AAA alone (24,000; average (8 x 0.5 + 16 x 0.3) / 24 = 0.367) while z1's force
    scores 0.3. The zone floor 0.35 needs BBB >= AAA in z1: 2 + 2 teams there (8,000 +
    12,000) and AAA's 2 teams in z2 (8,000): 28,000."""
    over = {"z2": {"AM": {"AAA": 0.5}}}
    doc = two_zone_tiny(acceptability_floor={"AM": 0.35})
    doc["acceptability"]["zones"] = over
    sol = run(doc, tmp_path)
    assert assert_matches_bruteforce(doc, sol) == 24_000
    doc = two_zone_tiny(zone_acceptability_floor={"AM": 0.35})
    doc["acceptability"]["zones"] = over
    sol = run(doc, tmp_path)
    assert assert_matches_bruteforce(doc, sol) == 28_000
    assert alloc_of(sol) == {("AAA", "obs", "z1"): 2, ("BBB", "obs", "z1"): 2,
                             ("AAA", "obs", "z2"): 2}
    assert {b for b in sol["binding"] if b.startswith("zone_acceptability")} == {
        "zone_acceptability.AM.z1"}


def test_low_acceptability_share(tmp_path: Path) -> None:
    """AM scores AAA 0.3, below the threshold 0.35: AAA may hold a quarter of the force.
    One AAA team and three BBB teams (4 of 16 people): 4,000 + 18,000 = 22,000; the next
    best, one team each and a BBB patrol (4 of 18), costs 25,000."""
    doc = tiny(rules__low_acceptability_threshold=0.35, rules__low_acceptability_max_share=0.25)
    sol = run(doc, tmp_path)
    assert assert_matches_bruteforce(doc, sol) == 22_000
    assert alloc_of(sol) == {("AAA", "obs", "z1"): 1, ("BBB", "obs", "z1"): 3}
    assert "low_acceptability.AM" in sol["binding"]
    # a zone override above the threshold takes AAA out of the cap there
    doc["acceptability"]["zones"] = {"z1": {"AM": {"AAA": 0.35}}}
    assert assert_matches_bruteforce(doc, run(doc, tmp_path)) == 16_000
