"""The independent verifier: real solutions pass, and each family catches a tampered one.

Solutions come from the solver (`solve` + `solve.document`, exactly what `pkplanner solve`
writes). A tampered solution changes one number or entry of a copy; where a family only
bites with a rule switched on, the scenario is resolved with a `--set` variant instead.
"""

from __future__ import annotations

import ast
import copy
import json
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from pkplanner.engine.highs import SolverSettings
from pkplanner.engine.solve import document, solve
from pkplanner.errors import InputError
from pkplanner.scenario.resolve import ResolvedScenario, load_resolved
from pkplanner.solution.io import load_solution
from pkplanner.solution.io import set_literal as _set_literal
from pkplanner.verify.check import Violation, verify, verify_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = ROOT / "scenarios" / "examples"
EXAMPLES = sorted(p.name for p in EXAMPLES_DIR.glob("*.yaml"))
TWO = str(EXAMPLES_DIR / "two_zones.yaml")
VETO = str(EXAMPLES_DIR / "three_zones_veto.yaml")
LANG = str(EXAMPLES_DIR / "language_lead.yaml")
REFERENCE = [str(ROOT / "scenarios" / "karabakh_kcg_2014.yaml"),
             str(ROOT / "scenarios" / "karabakh_2020.yaml")]

Doc = dict[str, Any]


@cache
def _solved(path: str, option: str | None, sets: tuple[str, ...],
            objective: str | None) -> tuple[ResolvedScenario, str]:
    rs = load_resolved(path, option, list(sets))
    # the tamper tests edit the plan the examples' headers work out by hand: two_zones has
    # two optimal plans, and an exact cold solve returns that one (the units-first start
    # lands on the other); the reference scenarios to 1%
    example = Path(path).parent == EXAMPLES_DIR
    outcome = solve(rs, objective, SolverSettings(time_limit=60, gap=0.0 if example else 0.01,
                                                  warm_start=not example))
    return rs, json.dumps(document(rs, outcome))


def solved(path: str, option: str | None = None, sets: tuple[str, ...] = (),
           objective: str | None = None) -> tuple[ResolvedScenario, Doc]:
    """(resolved scenario, a fresh copy of its solution document); solved once per session."""
    rs, text = _solved(path, option, sets, objective)
    doc: Doc = json.loads(text)
    return rs, doc


def variant(path: str, *sets: str) -> ResolvedScenario:
    return load_resolved(path, None, list(sets))


def fams(violations: list[Violation]) -> set[str]:
    return {v.family for v in violations}


def alloc(doc: Doc, contributor: str, zone: str, unit: str | None = None) -> dict[str, Any]:
    rows = [a for a in doc["allocations"] if a["contributor"] == contributor
            and a["zone"] == zone and (unit is None or a["unit_type"] == unit)]
    assert len(rows) == 1, rows
    row: dict[str, Any] = rows[0]
    return row


def zone(doc: Doc, zid: str) -> dict[str, Any]:
    z: dict[str, Any] = next(z for z in doc["zones"] if z["zone"] == zid)
    return z


def tampered(path: str, edit: Callable[[Doc], object]) -> tuple[ResolvedScenario, Doc]:
    rs, doc = solved(path)
    edit(doc)
    return rs, doc


# --------------------------------------------------------------------------- real solutions


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_solutions_pass(name: str) -> None:
    rs, doc = solved(str(EXAMPLES_DIR / name))
    assert doc["status"] in ("optimal", "feasible")
    assert verify(rs, doc) == []


@pytest.mark.slow
@pytest.mark.parametrize("path", REFERENCE, ids=lambda p: Path(p).stem)
def test_reference_option_c_passes(path: str) -> None:
    rs, doc = solved(path, "C")
    assert doc["status"] in ("optimal", "feasible")
    assert [str(v) for v in verify(rs, doc)] == []


@pytest.mark.parametrize("objective", ["acceptability", "coverage"])
def test_other_objectives_pass(objective: str) -> None:
    rs, doc = solved(TWO, None, (), objective)
    assert doc["objective"]["kind"] == objective
    assert verify(rs, doc) == []


def test_rule_variants_solved_pass() -> None:
    """Solutions of variants with the optional rules switched on pass too."""
    for path, sets in [
        (TWO, ("rules.min_contributors_zone=2", "rules.max_share_zone=0.8",
               "rules.min_contingent=8")),
        (TWO, ("rules.qrf_hours=1", "rules.qrf_unit_types=[infantry_company]",
               "rules.qrf_mandates=[monitoring]", "rules.armament_floor.AZ=0.5")),
        (TWO, ("acceptability.zones.north.AM.CCC=0.2", "rules.group_caps.eu=0.5")),
        (LANG, ("rules.lead_min_share=0",)),
        (VETO, ("rules.exclude_groups=[bloc]",)),
    ]:
        rs, doc = solved(path, None, sets)
        assert doc["status"] in ("optimal", "feasible"), (path, sets)
        assert verify(rs, doc) == [], (path, sets)


def test_infeasible_solution_is_checked_for_emptiness() -> None:
    rs, doc = solved(TWO, None, ("rules.personnel_max=100",))
    assert doc["status"] == "infeasible" and doc["conflicts"]
    assert verify(rs, doc) == []
    bad = copy.deepcopy(doc)
    bad["allocations"] = [{"contributor": "AAA", "zone": "north",
                           "unit_type": "observer_team", "units": 1, "personnel": 4}]
    assert fams(verify(rs, bad)) == {"status"}
    bad = copy.deepcopy(doc)
    bad["conflicts"] = []
    assert fams(verify(rs, bad)) == {"status"}


# --------------------------------------------------------------------------- families 1-5


def test_one_mandate() -> None:
    rs, doc = tampered(TWO, lambda d: zone(d, "north").update(mandate="interposition"))
    assert "one_mandate" in fams(verify(rs, doc))
    rs, doc = tampered(TWO, lambda d: zone(d, "north").update(mandate=None))
    assert "one_mandate" in fams(verify(rs, doc))
    # allowed by the zone, not by the option's rules
    _, doc = solved(TWO)
    assert "one_mandate" in fams(verify(variant(TWO, "rules.mandates=[interposition]"), doc))


def test_one_armament() -> None:
    rs, doc = tampered(TWO, lambda d: zone(d, "north").update(armament=None))
    assert "one_armament" in fams(verify(rs, doc))
    _, doc = solved(TWO)
    found = verify(variant(TWO, "zones.north.max_armament=civilian"), doc)
    assert "one_armament" in fams(found)
    found = verify(variant(TWO, "rules.max_armament=light"), doc)
    assert "one_armament" in fams(found)      # south is armed


def test_mandate_armament() -> None:
    rs, doc = tampered(TWO, lambda d: zone(d, "north").update(armament="light"))
    assert fams(verify(rs, doc)) == {"mandate_armament"}


def test_unit_armament() -> None:
    rs, doc = tampered(TWO, lambda d: zone(d, "north").update(armament="civilian"))
    found = verify(rs, doc)
    assert "unit_armament" in fams(found)
    assert any("observer_team" in str(v) and "civilian" in str(v) for v in found)
    # units left in a zone that is not deployed
    rs = variant(TWO, "zones.north.required=false")
    _, doc = solved(TWO)
    zone(doc, "north").update(deployed=False, mandate=None, armament=None, lead=None,
                              requirements={})
    assert "unit_armament" in fams(verify(rs, doc))


def test_required_zone() -> None:
    def drop_south(d: Doc) -> None:
        zone(d, "south").update(deployed=False, mandate=None, armament=None, lead=None)
        d["allocations"] = [a for a in d["allocations"] if a["zone"] != "south"]

    rs, doc = tampered(TWO, drop_south)
    assert "required_zone" in fams(verify(rs, doc))


def test_requirement() -> None:
    def drop(d: Doc) -> None:
        d["allocations"].remove(alloc(d, "BBB", "south"))

    rs, doc = tampered(TWO, drop)
    found = verify(rs, doc)
    assert "requirement" in fams(found)
    assert any(str(v) == "requirement: south presence: 150 < 300 (interposition)"
               for v in found)
    # a deployed zone with nobody in it
    rs, doc = tampered(TWO, lambda d: d.update(allocations=[
        a for a in d["allocations"] if a["zone"] != "north"]))
    assert "requirement" in fams(verify(rs, doc))


def test_requirement_is_rounded_up_when_capabilities_are_whole() -> None:
    # north: 40.5 km of line -> 40.5 observation_km, rounded up to 41 (units give 10 each)
    rs = variant(TWO, "zones.north.line_km=40.5")
    _, doc = solved(TWO)
    found = [str(v) for v in verify(rs, doc) if v.family == "requirement"]
    assert found == ["requirement: north observation_km: 40 < 41 (monitoring)"]
    # threat multiplier: threat 2 -> 1.25 x 300 = 375 presence in south
    found = [str(v) for v in verify(variant(TWO, "zones.south.threat=2"), doc)
             if v.family == "requirement"]
    assert found == ["requirement: south presence: 300 < 375 (interposition)"]


def test_soft_requirements_allow_shortfall() -> None:
    rs = variant(TWO, "rules.soft_requirements=true")
    _, doc = solved(TWO)
    doc["allocations"].remove(alloc(doc, "BBB", "south"))
    assert "requirement" not in fams(verify(rs, doc))


# --------------------------------------------------------------------------- families 6-8


def test_capacity() -> None:
    rs, doc = tampered(TWO, lambda d: alloc(d, "AAA", "north").update(units=11, personnel=44))
    found = verify(rs, doc)
    assert "capacity" in fams(found)
    assert any(str(v) == "capacity: AAA observer_team: 11 units > 10 offered" for v in found)
    _, doc = solved(TWO)
    sent = next(c["personnel"] for c in doc["contributors"] if c["contributor"] == "AAA")
    over = f"contributors.AAA.max_personnel={sent - 1}"
    assert "capacity" in fams(verify(variant(TWO, over), doc))
    assert "capacity" not in fams(verify(variant(TWO, f"contributors.AAA.max_personnel={sent}"),
                                         doc))


def test_min_contingent() -> None:
    _, doc = solved(TWO)
    found = verify(variant(TWO, "rules.min_contingent=10"), doc)
    assert [str(v) for v in found] == ["min_contingent: CCC: 4 personnel < 10"]
    assert verify(variant(TWO, "rules.min_contingent=4"), doc) == []


def test_veto() -> None:
    # Azerbaijan vetoes the group 'bloc' (BBB, CCC) in centre only; Armenia vetoes AAA
    rs, doc = tampered(VETO, lambda d: alloc(d, "DDD", "centre").update(contributor="CCC"))
    found = verify(rs, doc)
    assert "veto" in fams(found)
    assert any("AZ vetoes CCC (group bloc) in centre" in str(v) for v in found)
    rs, doc = tampered(VETO, lambda d: alloc(d, "BBB", "west").update(contributor="AAA"))
    assert "veto" in fams(verify(rs, doc))
    # the group veto is limited to centre: CCC in east is fine
    rs, doc = tampered(VETO, lambda d: alloc(d, "BBB", "east").update(contributor="CCC"))
    assert "veto" not in fams(verify(rs, doc))
    # exclusions
    _, doc = solved(TWO)
    found = verify(variant(TWO, "rules.exclude_groups=[csto]"), doc)
    assert fams(found) == {"veto"}


# --------------------------------------------------------------------------- family 9


def test_max_share() -> None:
    def concentrate(d: Doc) -> None:
        alloc(d, "AAA", "south").update(units=2, personnel=300)
        d["allocations"].remove(alloc(d, "BBB", "south"))

    rs, doc = tampered(TWO, concentrate)
    found = verify(rs, doc)
    assert "dominance.max_share" in fams(found)
    assert "dominance.max_share: AAA 98.7% > 60.0% (312 of 316)" in [str(v) for v in found]
    _, doc = solved(TWO)
    assert fams(verify(variant(TWO, "rules.max_share=0.5"), doc)) == {"dominance.max_share"}
    # 162/316 = 0.51266: a cap exactly there holds (non-strict)
    assert verify(variant(TWO, f"rules.max_share={162 / 316!r}"), doc) == []


def test_max_share_zone() -> None:
    _, doc = solved(TWO)
    found = verify(variant(TWO, "rules.max_share_zone=0.5"), doc)
    assert [str(v) for v in found] == [
        "dominance.max_share_zone: AAA in north 75.0% > 50.0% (12 of 16)"]


def test_group_caps() -> None:
    _, doc = solved(TWO)
    found = verify(variant(TWO, "rules.group_caps.eu=0.3"), doc)
    assert fams(found) == {"dominance.group_caps"}
    assert verify(variant(TWO, "rules.group_caps.eu=0.5"), doc) == []


def test_min_contributors() -> None:
    _, doc = solved(TWO)
    assert fams(verify(variant(TWO, "rules.min_contributors=4"), doc)) == {
        "dominance.min_contributors"}
    # a contributor listed with zero units does not count
    rs, doc = tampered(TWO, lambda d: alloc(d, "CCC", "north").update(units=0, personnel=0))
    assert "dominance.min_contributors" in fams(
        verify(variant(TWO, "rules.min_contributors=3"), doc))
    assert "dominance.min_contributors" not in fams(verify(rs, doc))


def test_min_contributors_zone() -> None:
    _, doc = solved(TWO)
    found = verify(variant(TWO, "rules.min_contributors_zone=3"), doc)
    assert fams(found) == {"dominance.min_contributors_zone"}
    assert len(found) == 2


# --------------------------------------------------------------------------- families 10-12


def test_acceptability() -> None:
    rs, doc = tampered(TWO, lambda d: alloc(d, "CCC", "north").update(contributor="BBB"))
    found = verify(rs, doc)
    assert "acceptability" in fams(found)
    assert any(str(v).startswith("acceptability: AM: 0.5487 < floor 0.5500") for v in found)
    # zone overrides count: CCC worth 0 to Armenia in north
    _, doc = solved(TWO)
    assert "acceptability" in fams(verify(variant(TWO, "acceptability.zones.north.AM.CCC=0"),
                                          doc))


def test_armament_acceptability() -> None:
    _, doc = solved(TWO)
    found = verify(variant(TWO, "rules.armament_floor.AZ=0.6"), doc)
    assert [str(v) for v in found] == ["armament_acceptability: AZ: 0.5000 < floor 0.6000"]
    # weighted: (1*0.5 + 1*0.1) / 2 = 0.3 holds a floor of 0.3 exactly, not 0.31
    sets = ("acceptability.armament.AZ.armed=0.1",)
    assert "armament_acceptability" not in fams(
        verify(variant(TWO, *sets, "rules.armament_floor.AZ=0.3"), doc))
    assert "armament_acceptability" in fams(
        verify(variant(TWO, *sets, "rules.armament_floor.AZ=0.31"), doc))
    # zone weights: south weighs 3 -> (0.5 + 3*0.1)/4 = 0.2
    assert "armament_acceptability" in fams(
        verify(variant(TWO, *sets, "zones.south.weight=3", "rules.armament_floor.AZ=0.25"),
               doc))


def test_language() -> None:
    rs, doc = tampered(LANG, lambda d: alloc(d, "ENG", "north").update(units=8, personnel=160))
    found = verify(rs, doc)
    assert "language" in fams(found)
    assert any(str(v).startswith("language: north: non-ru speakers (ENG) hold 57.1% > 50.0%")
               for v in found)


# --------------------------------------------------------------------------- families 13-15


def test_lead_nation() -> None:
    # ENG is present in north but holds 40% < 60%
    rs, doc = tampered(LANG, lambda d: zone(d, "north").update(lead="ENG"))
    found = verify(rs, doc)
    assert fams(found) == {"lead_nation"}
    assert str(found[0]) == "lead_nation: north: lead ENG holds 40.0% < 60.0% (80 of 200)"
    # KKK is absent
    rs, doc = tampered(LANG, lambda d: zone(d, "south").update(lead="KKK"))
    assert fams(verify(rs, doc)) == {"lead_nation"}
    rs, doc = tampered(LANG, lambda d: zone(d, "south").update(lead=None))
    assert fams(verify(rs, doc)) == {"lead_nation"}
    # acceptability of the lead (no share rule): ENG at 0.6 may lead, at 0.3 not
    _, doc = solved(LANG)
    zone(doc, "north")["lead"] = "ENG"
    assert verify(variant(LANG, "rules.lead_min_share=0"), doc) == []
    found = verify(variant(LANG, "rules.lead_min_share=0",
                           "acceptability.contributors.AZ.ENG=0.3"), doc)
    assert "lead_nation" in fams(found)
    assert any("lead ENG acceptability to AZ 0.300 < 0.400" in str(v) for v in found)
    # zone overrides count for the lead too
    _, doc = solved(LANG)
    assert "lead_nation" in fams(verify(variant(LANG, "acceptability.zones.south.AM.BIL=0.1"),
                                        doc))


def test_size() -> None:
    _, doc = solved(TWO)
    assert fams(verify(variant(TWO, "rules.personnel_max=300"), doc)) == {"size"}
    assert fams(verify(variant(TWO, "rules.personnel_min=400"), doc)) == {"size"}
    assert verify(variant(TWO, "rules.personnel_max=316", "rules.personnel_min=316"), doc) == []


def test_budget() -> None:
    _, doc = solved(TWO)
    found = verify(variant(TWO, "rules.budget_per_month=600000"), doc)
    assert [str(v) for v in found] == ["budget: 632,000 per month > budget 600,000"]
    assert verify(variant(TWO, "rules.budget_per_month=632000"), doc) == []


QRF = ("rules.qrf_unit_types=[infantry_company]", "rules.qrf_mandates=[monitoring]")


def test_qrf_travel_time() -> None:
    # the company in south is 60 km of primary road (60 km/h) from north: 1 h
    _, doc = solved(TWO)
    found = verify(variant(TWO, *QRF, "rules.qrf_hours=0.5"), doc)
    assert [str(v) for v in found] == [
        "qrf: north (monitoring): no unit of infantry_company within 0.5 h (nearest at 1.00 h)"]
    assert verify(variant(TWO, *QRF, "rules.qrf_hours=1"), doc) == []     # non-strict
    # no qrf unit types at all
    assert "qrf" in fams(verify(variant(TWO, "rules.qrf_mandates=[monitoring]",
                                        "rules.qrf_hours=5"), doc))


def test_qrf_same_zone_counts() -> None:
    sets = ("rules.qrf_unit_types=[observer_team]", "rules.qrf_mandates=[interposition]",
            "rules.qrf_hours=0")
    rs = variant(TWO, *sets)
    _, doc = solved(TWO)
    assert "qrf" in fams(verify(rs, doc))
    doc["allocations"].append({"contributor": "BBB", "zone": "south",
                               "unit_type": "observer_team", "units": 1, "personnel": 4})
    assert "qrf" not in fams(verify(rs, doc))


def test_qrf_mines_hubs_and_closed_routes(tmp_path: Path) -> None:
    data = yaml.safe_load(Path(TWO).read_text(encoding="utf-8"))
    data["routes"][1]["mine_risk"] = 0.5             # north-south: 1 h x (1 + 2*0.5) = 2 h
    data["routes"].append({"from": "hub", "to": "south", "km": 80, "road": "motorway",
                           "closed": True})         # hub-north 0.5 h + 1 h, but closed
    path = tmp_path / "two_zones_mined.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    _, doc = solved(TWO)

    def check(hours: float) -> set[str]:
        return fams(verify(load_resolved(path, None, [*QRF, f"rules.qrf_hours={hours}"]), doc))

    assert check(2.0) == set()
    assert check(1.9) == {"qrf"}
    data["routes"][2]["closed"] = False              # open: through the hub in 1.5 h
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert check(1.5) == set()
    assert check(1.4) == {"qrf"}


# --------------------------------------------------------------------------- reported numbers


@pytest.mark.parametrize("edit", [
    lambda d: d["totals"].update(personnel=317),
    lambda d: d["totals"].update(cost_per_month=632001.0),
    lambda d: d["totals"].update(contributors=2),
    lambda d: alloc(d, "AAA", "north").update(personnel=13),
    lambda d: zone(d, "south").update(personnel=299),
    lambda d: d["contributors"][0].update(share=0.4),
    lambda d: d["contributors"][1].update(personnel=149),
    lambda d: d["contributors"][2].update(cost_per_month=1.0),
    lambda d: d["contributors"].pop(),
    lambda d: d["acceptability"].update(AM=0.56),
    lambda d: d["armament_acceptability"].update(AZ=0.7),
    lambda d: zone(d, "south")["requirements"]["presence"].update(provided=450.0),
    lambda d: zone(d, "north")["requirements"]["observation_km"].update(required=30.0),
    lambda d: zone(d, "north")["requirements"].clear(),
    lambda d: d["objective"].update(value=1.0),
], ids=["total-personnel", "total-cost", "total-contributors", "alloc-personnel",
        "zone-personnel", "share", "contrib-personnel", "contrib-cost", "contrib-missing",
        "acceptability", "armament-acceptability", "provided", "required", "req-missing",
        "objective"])
def test_totals(edit: Callable[[Doc], object]) -> None:
    rs, doc = tampered(TWO, edit)
    assert fams(verify(rs, doc)) == {"totals"}


# --------------------------------------------------------------------------- broken files


@pytest.mark.parametrize("edit", [
    lambda d: alloc(d, "AAA", "north").update(contributor="ZZZ"),
    lambda d: alloc(d, "AAA", "north").update(zone="nowhere"),
    lambda d: alloc(d, "AAA", "north").update(unit_type="tank_battalion"),
    lambda d: alloc(d, "AAA", "north").update(units=1.5),
    lambda d: alloc(d, "AAA", "north").update(units="3"),
    lambda d: alloc(d, "AAA", "north").update(units=-1),
    lambda d: alloc(d, "AAA", "north").update(units=True),
    lambda d: d["zones"].pop(),
    lambda d: zone(d, "north").update(zone="atlantis"),
    lambda d: zone(d, "north").update(mandate="peace_enforcement"),
    lambda d: zone(d, "north").update(lead="ZZZ"),
    lambda d: d.update(allocations={"AAA": 3}),
    lambda d: d.update(status="solved"),
], ids=["contributor", "zone", "unit-type", "units-float", "units-str", "units-negative",
        "units-bool", "zone-missing", "zone-unknown", "mandate-unknown", "lead-unknown",
        "allocations-not-list", "status"])
def test_schema(edit: Callable[[Doc], object]) -> None:
    rs, doc = tampered(TWO, edit)
    assert "schema" in fams(verify(rs, doc))


GARBAGE: list[Any] = [None, 3, "x", [], {}, [None], [{"zone": None}], {"AZ": "high"},
                      [{"contributor": 1, "zone": [], "unit_type": {}, "units": None}]]


def test_never_raises_on_broken_files() -> None:
    """The CLI verifies every plan it writes: a broken entry is a violation, not a crash."""
    rs, base = solved(LANG)
    paths: list[tuple[Any, ...]] = [(k,) for k in base]
    paths += [("zones", 0, k) for k in base["zones"][0]]
    paths += [("allocations", 0, k) for k in base["allocations"][0]]
    paths += [("contributors", 0, k) for k in base["contributors"][0]]
    paths += [("zones", 0, "requirements", "presence")]
    for path in paths:
        for junk in GARBAGE:
            doc = copy.deepcopy(base)
            node: Any = doc
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = junk
            assert isinstance(verify(rs, doc), list), (path, junk)


def test_not_an_object() -> None:
    rs, _ = solved(TWO)
    assert fams(verify(rs, [])) == {"schema"}  # type: ignore[arg-type]


def test_violation_is_one_line() -> None:
    v = Violation("dominance.max_share", "RUS 41.2% > 34.0%\n(second line)")
    assert str(v) == "dominance.max_share: RUS 41.2% > 34.0%\\n(second line)"


# --------------------------------------------------------------------------- files


def write(tmp_path: Path, doc: Doc, name: str = "solution.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


SETS = ("rules.max_share=0.7", "acceptability.contributors.AM.CCC=0.95",
        "zones.north.threat=2")


def test_verify_file(tmp_path: Path) -> None:
    _, doc = solved(TWO, None, SETS)
    assert doc["overrides"] and doc["scenario"]["path"] == TWO
    path = write(tmp_path, doc)
    assert verify_file(None, path) == []
    assert verify_file(TWO, str(path)) == []
    # a tampered plan is caught through the file as well
    alloc(doc, "AAA", "north")["units"] += 100
    assert "capacity" in fams(verify_file(None, write(tmp_path, doc)))


def test_verify_file_rules_and_provenance(tmp_path: Path) -> None:
    _, doc = solved(TWO, None, SETS)
    bad = copy.deepcopy(doc)
    bad["rules"]["max_share"] = 0.9
    found = verify_file(None, write(tmp_path, bad))
    assert [str(v) for v in found] == ["rules: max_share is 0.9 in the solution, 0.7 resolved"]
    bad = copy.deepcopy(doc)
    bad["scenario"]["sha256"] = "0" * 64
    assert fams(verify_file(None, write(tmp_path, bad))) == {"provenance"}
    # the overrides are part of the provenance: dropping one changes the rules and the hash
    bad = copy.deepcopy(doc)
    del bad["overrides"]["rules.max_share"]
    assert {"rules", "provenance"} <= fams(verify_file(None, write(tmp_path, bad)))
    # the file named instead of the solution's own: same bytes pass, edited bytes do not
    _, doc = solved(TWO)
    path = write(tmp_path, doc)
    copy_of = tmp_path / "copy.yaml"
    copy_of.write_bytes(Path(TWO).read_bytes())
    assert verify_file(copy_of, path) == []
    copy_of.write_bytes(Path(TWO).read_bytes() + b"# edited\n")
    assert fams(verify_file(copy_of, path)) == {"provenance"}


def test_verify_file_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"status": "optimal",', encoding="utf-8")
    with pytest.raises(InputError) as e:
        verify_file(TWO, path)
    message = str(e.value)
    assert "\n" not in message and str(path) in message and "not valid JSON" in message
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError, match="JSON object"):
        load_solution(path)
    with pytest.raises(InputError, match="file not found"):
        load_solution(tmp_path / "missing.json")


def test_set_literal_round_trips_through_the_hash() -> None:
    for value in [1e-05, 0.7, 3, "bloc", ["csto"], {"AZ": 0.5}, None, True]:
        text = _set_literal(value)
        assert yaml.safe_load(text) == value
    plain = load_resolved(TWO, None, ["rules.max_share=0.00001"])
    again = load_resolved(TWO, None, [f"rules.max_share={_set_literal(1e-05)}"])
    assert plain.sha256 == again.sha256


def test_independent_of_the_model_builder() -> None:
    """No Pyomo or solver behind the verifier, and no import of the builder's modules
    (pkplanner.scenario.resolve, the shared loader, uses pkplanner.scenario.network for its
    own checks)."""
    code = ("import sys, pkplanner.verify.check; print(sorted(m for m in sys.modules if "
            "m.split('.')[0] in ('pyomo', 'highspy') or m in ('pkplanner.engine.data', "
            "'pkplanner.engine.model', 'pkplanner.engine.solve', 'pkplanner.engine.results', "
            "'pkplanner.engine.heuristic', 'pkplanner.engine.highs')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]", out.stdout
    tree = ast.parse((ROOT / "src" / "pkplanner" / "verify" / "check.py")
        .read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported <= {"__future__", "json", "math", "itertools", "collections", "dataclasses",
                        "pathlib",
                        "typing", "networkx", "yaml", "pkplanner.errors",
                        "pkplanner.scenario.resolve", "pkplanner.scenario.schema",
                        "pkplanner.scenario.phases",     # a phase as the loader derives it
                        "pkplanner.solution.io"}, imported   # files and the loader only
