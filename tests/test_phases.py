"""Phased plans (formulation family 17) against optima computed by hand.

Every case is the one-zone `tiny` scenario of test_model_optimum (40 km to watch; AAA's
observer teams, 4 people and 10 km each, at 1,000 a person-month; BBB's at 1,500 and its
light patrols, 10 people and 20 km; CCC's teams at 3,000) split into phases. The optimum
of each case is worked out in its docstring, and every plan passes the verifier.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from pkplanner.engine.highs import SolverSettings
from pkplanner.engine.solve import document, solve
from pkplanner.errors import InputError
from pkplanner.scenario.resolve import load_resolved
from pkplanner.verify.check import verify
from tests.test_model_optimum import tiny

SETTINGS = SolverSettings(time_limit=60, gap=0.0)


def phased(phases: list[dict[str, Any]], transition: dict[str, Any] | None = None,
           **over: Any) -> dict[str, Any]:
    doc = tiny(**over)
    doc["phases"] = phases
    if transition is not None:
        doc["transition"] = transition
    return doc


def run(doc: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    p = tmp_path / "phased.yaml"
    p.write_text(yaml.safe_dump(doc))
    rs = load_resolved(p)
    out = solve(rs, None, SETTINGS)
    sol = document(rs, out)
    assert verify(rs, sol) == [], verify(rs, sol)
    return json.loads(json.dumps(sol))


def people(sol: dict[str, Any], phase: int, contributor: str | None = None) -> int:
    return sum(a["personnel"] for a in sol["phases"][phase]["allocations"]
               if contributor in (None, a["contributor"]))


def test_two_phases_without_links_are_two_plans(tmp_path: Path) -> None:
    """Half the need in the second phase: 4 of AAA's teams (16 people) for 6 months, then 2
    (8 people) for 12: 6 x 16,000 + 12 x 8,000 = 192,000. The single-period keys hold the
    first phase."""
    sol = run(phased([{"id": "hard", "months": 6},
                      {"id": "soft", "months": 12, "requirement_factor": {"default": 0.5}}]),
              tmp_path)
    assert sol["status"] == "optimal"
    assert sol["objective"]["value"] == pytest.approx(192_000)
    assert [people(sol, 0), people(sol, 1)] == [16, 8]
    assert sol["allocations"] == sol["phases"][0]["allocations"]
    assert [p["start_day"] for p in sol["phases"]] == [0, pytest.approx(182.5)]


def test_drawdown_binds(tmp_path: Path) -> None:
    """The need doubles in the second phase, but the force may not grow (max_growth 0): the
    first phase must already hold 16 people. 6 x 16,000 + 12 x 16,000 = 288,000 against
    6 x 8,000 + 12 x 16,000 = 240,000 without the rule."""
    phases = [{"id": "hard", "months": 6, "requirement_factor": {"default": 0.5}},
              {"id": "soft", "months": 12}]
    free = run(phased(phases), tmp_path)
    assert free["objective"]["value"] == pytest.approx(240_000)
    sol = run(phased(phases, {"max_growth": 0.0}), tmp_path)
    assert sol["objective"]["value"] == pytest.approx(288_000)
    assert [people(sol, 0), people(sol, 1)] == [16, 16]
    assert "transition.drawdown.soft" in sol["transition"]["binding"]


def police_case(local: int) -> dict[str, Any]:
    doc = phased([{"id": "hard", "months": 6},
                  {"id": "handover", "months": 12, "local_police": {"z1": local}}])
    doc["unit_types"].append({"id": "fpu", "personnel": 20, "armament": "light",
                              "capabilities": {"policing": 20}})
    doc["mandates"][0]["requirements"]["policing"] = {"base": 20}
    doc["contributors"].append({"id": "DDD", "cost_per_person_month": 2000,
                                "max_personnel": 100, "groups": ["osce"],
                                "units": {"fpu": 2}})
    return doc


def test_local_police_remove_a_contributor_in_the_last_phase(tmp_path: Path) -> None:
    """The zone needs 20 police officers. In the hard phase only DDD's formed police unit (20
    people at 2,000) gives them; in the hand-over 20 local officers do, and DDD leaves:
    6 x (16,000 + 40,000) + 12 x 16,000 = 528,000. With 10 local officers the unit stays:
    18 x 56,000 = 1,008,000."""
    sol = run(police_case(20), tmp_path)
    assert sol["objective"]["value"] == pytest.approx(528_000)
    assert people(sol, 0, "DDD") == 20 and people(sol, 1, "DDD") == 0
    assert sol["phases"][1]["local_police"] == {"z1": 20}
    half = run(police_case(10), tmp_path)
    assert half["objective"]["value"] == pytest.approx(1_008_000)
    assert people(half, 1, "DDD") == 20


def reentry_case(cost: float) -> dict[str, Any]:
    """Three phases; nothing to do in the 2-month lull but be there (a deployed zone holds at
    least one unit), which CCC's one-person liaison does for 3,000 a month and one of AAA's
    teams for 4,000."""
    doc = phased([{"id": "one", "months": 6},
                  {"id": "lull", "months": 2, "requirement_factor": {"default": 0.0}},
                  {"id": "two", "months": 6}],
                 {"reentry_cost_per_person": cost})
    doc["unit_types"].append({"id": "liaison", "personnel": 1, "armament": "civilian"})
    doc["contributors"][2]["units"]["liaison"] = 1
    return doc


def test_reentry_cost_keeps_a_contributor_in_place(tmp_path: Path) -> None:
    """Free to leave and come back, AAA hands the lull to CCC's liaison: 96,000 + 2 x 3,000
    + 96,000 = 198,000. At 5,000 a person AAA's 16 returning people would cost 80,000, so
    AAA keeps a team in place (2 x 4,000): 200,000, no re-entry; BBB instead of AAA in the
    last phase would cost 6 x 24,000 = 144,000 against 96,000."""
    sol = run(reentry_case(5000), tmp_path)
    assert sol["objective"]["value"] == pytest.approx(200_000)
    assert people(sol, 1, "AAA") == 4 and people(sol, 1) == 4
    assert sol["transition"]["reentries"] == []
    free = run(reentry_case(0), tmp_path)
    assert free["objective"]["value"] == pytest.approx(198_000)
    assert people(free, 1, "AAA") == 0 and people(free, 1, "CCC") == 1


def test_a_reentry_is_priced_when_it_pays(tmp_path: Path) -> None:
    """At 100 a person the return (1,600) and the liaison (6,000) cost less than a team kept
    in place (8,000): 198,000 + 1,600, and the return is listed."""
    sol = run(reentry_case(100), tmp_path)
    assert sol["objective"]["value"] == pytest.approx(199_600)
    assert sol["transition"]["reentries"] == [
        {"phase": "two", "contributor": "AAA", "zone": "z1", "personnel": 16, "cost": 1600.0}]


def test_readiness_forces_a_dearer_contributor_into_the_first_phase(tmp_path: Path) -> None:
    """AAA's teams are ready on day 60; the first phase lasts 2 months (day 0 to 60.8). BBB's
    teams hold the first phase (16 people at 1,500: 2 x 24,000), AAA's the second (6 x
    16,000): 144,000. Ready on day 90, AAA misses the second phase too: 8 x 24,000."""
    doc = phased([{"id": "first", "months": 2}, {"id": "second", "months": 6}])
    doc["contributors"][0]["readiness_days"] = {"obs": 60}
    sol = run(doc, tmp_path)
    assert sol["objective"]["value"] == pytest.approx(144_000)
    assert people(sol, 0, "BBB") == 16 and people(sol, 1, "AAA") == 16
    doc["contributors"][0]["readiness_days"] = {"obs": 90}
    late = run(doc, tmp_path)
    assert late["objective"]["value"] == pytest.approx(8 * 24_000)


def test_rotation_exhausts_a_small_contributors_holdings(tmp_path: Path) -> None:
    """Two 6-month phases, rotation every 6 months: each post held in both phases takes 2 of
    AAA's 6 teams, so AAA fills 6 of the 8 posts and BBB the other 2 (4 people each at
    1,500 for 6 months): 6 x 4 x 1,000 x 6 + 2 x 4 x 1,500 x 6 = 216,000. Rotation every
    12 months: one unit per post, 192,000."""
    phases = [{"id": "first", "months": 6}, {"id": "second", "months": 6}]
    sol = run(phased(phases, {"rotation_months": 6}), tmp_path)
    assert sol["objective"]["value"] == pytest.approx(216_000)
    assert people(sol, 0, "AAA") + people(sol, 1, "AAA") == 24
    taken = sum(r["units"] for r in sol["transition"]["rotations"] if r["contributor"] == "AAA")
    assert taken == 6
    long = run(phased(phases, {"rotation_months": 12}), tmp_path)
    assert long["objective"]["value"] == pytest.approx(192_000)


def test_final_ceiling_and_hand_over(tmp_path: Path) -> None:
    """Handing the zone over in the last phase leaves no force: final_ceiling 0 holds, and
    the rules that need a force (min_contributors) do not apply to none."""
    doc = phased([{"id": "hard", "months": 6},
                  {"id": "exit", "months": 6, "handed_over": ["z1"]}],
                 {"final_ceiling": 0, "max_growth": 0.0}, rules__min_contributors=1)
    sol = run(doc, tmp_path)
    assert sol["objective"]["value"] == pytest.approx(96_000)
    assert people(sol, 1) == 0 and sol["phases"][1]["handed_over"] == ["z1"]


def test_verifier_catches_broken_transitions(tmp_path: Path) -> None:
    phases = [{"id": "hard", "months": 6, "requirement_factor": {"default": 0.5}},
              {"id": "soft", "months": 12}]
    doc = phased(phases, {"max_growth": 0.0})
    sol = run(doc, tmp_path)
    p = tmp_path / "phased.yaml"
    rs = load_resolved(p)
    broken = copy.deepcopy(sol)
    broken["phases"][0]["allocations"][0].update(units=2, personnel=8)
    broken["allocations"] = broken["phases"][0]["allocations"]
    fams = {v.family for v in verify(rs, broken)}
    assert "transition" in fams
    broken = copy.deepcopy(sol)
    broken["objective"]["value"] += 1
    assert {v.family for v in verify(rs, broken)} == {"totals"}


@pytest.mark.parametrize(("edit", "field", "says"), [
    (lambda d: d["phases"][0].update(months=0), "phases.hard.months", "greater than 0"),
    (lambda d: d["phases"][0].update(requirement_factor={"default": -1}),
     "phases.hard.requirement_factor.default", "greater than or equal to 0"),
    (lambda d: d["phases"][0].update(mandates=["nope"]), "phases.hard.mandates",
     "unknown mandate 'nope'"),
    (lambda d: d["phases"][0].update(returnees={"nowhere": 5}), "phases.hard.returnees.nowhere",
     "unknown zone 'nowhere'"),
    (lambda d: d.update(transition={"max_growth": 0, "final_ceiling": 500},
                        rules={**d["rules"], "personnel_max": 100}),
     "transition.final_ceiling", "can never bind"),
    (lambda d: d.pop("phases"), "transition", "no `phases`"),
])
def test_bad_phase_input_is_one_line(tmp_path: Path, edit: Any, field: str, says: str) -> None:
    doc = phased([{"id": "hard", "months": 6}], {"max_growth": 0.0})
    edit(doc)
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError) as e:
        load_resolved(p)
    text = str(e.value)
    assert field in text and says in text, text
    assert "\n" not in text.strip() or len(e.value.problems) == 1


def test_without_phases_nothing_changes(tmp_path: Path) -> None:
    """No phase keys in the document of a scenario without phases."""
    p = tmp_path / "tiny.yaml"
    p.write_text(yaml.safe_dump(tiny()))
    rs = load_resolved(p)
    sol = document(rs, solve(rs, None, SETTINGS))
    assert "phases" not in sol and "transition" not in sol
    assert "phases" not in rs.to_document() and "readiness_days" not in json.dumps(
        rs.to_document())


ROOT = Path(__file__).resolve().parents[1]
TWO_PHASES = ROOT / "scenarios" / "examples" / "two_phases.yaml"


def test_worked_example_optimum() -> None:
    """scenarios/examples/two_phases.yaml works its optimum out by hand: 4,176,000."""
    rs = load_resolved(TWO_PHASES)
    sol = document(rs, solve(rs, None, SETTINGS))
    assert sol["status"] == "optimal" and verify(rs, sol) == []
    assert sol["objective"]["value"] == pytest.approx(4_176_000)
    assert [p["totals"]["personnel"] for p in sol["phases"]] == [316, 16]


def test_transition_conflict_is_explained() -> None:
    """16 people must stay in the north, over a final ceiling of 10: every phase has a plan
    alone, and the explanation names the ceiling, tested alone."""
    rs = load_resolved(TWO_PHASES, None, ["transition.final_ceiling=10"])
    sol = document(rs, solve(rs, None, SETTINGS))
    assert sol["status"] == "infeasible"
    assert [(c["rule"], c["alone"]) for c in sol["conflicts"]] == [
        ("transition.final_ceiling", True)]
    assert "raise transition.final_ceiling" in sol["conflicts"][0]["relaxation"]
    assert verify(rs, sol) == []


def test_a_phase_without_a_plan_is_explained_as_itself() -> None:
    """In the transition only light arms are allowed, but the south's interposition needs
    armed infantry: the phase alone has no plan, and its conflict is named with it."""
    rs = load_resolved(TWO_PHASES, None, ["phases.transition.handed_over=[]",
                                          "phases.transition.max_armament=light"])
    sol = document(rs, solve(rs, None, SETTINGS))
    assert sol["status"] == "infeasible"
    assert sol["conflicts"], sol["explanation"]
    assert all(c["detail"].startswith("in phase transition:") for c in sol["conflicts"])
    assert "phase transition has no plan on its own" in sol["explanation"]["note"]


def test_readiness_of_the_unit_type_unless_the_contributor_says(tmp_path: Path) -> None:
    """The observer type ready on day 60 for everyone, but CCC pledged its teams at once (and
    BBB's patrols are withdrawn): CCC's teams (3,000) hold the 2-month first phase
    (2 x 48,000), AAA's the second (6 x 16,000): 192,000."""
    doc = phased([{"id": "first", "months": 2}, {"id": "second", "months": 6}])
    doc["contributors"][1]["units"]["patrol"] = 0
    doc["unit_types"][0]["readiness_days"] = 60
    doc["contributors"][2]["readiness_days"] = {"obs": 0}
    sol = run(doc, tmp_path)
    assert sol["objective"]["value"] == pytest.approx(192_000)
    assert people(sol, 0, "CCC") == 16 and people(sol, 1, "AAA") == 16


def test_report_reads_the_first_phase_against_its_own_needs(tmp_path: Path) -> None:
    """The first phase needs half the line watched: the report's constraint audit checks
    its 16 people against that phase's need (20 km), not the scenario's 40 km."""
    from pkplanner.report import write_report
    phases = [{"id": "hard", "months": 6, "requirement_factor": {"default": 0.5}},
              {"id": "soft", "months": 12}]
    doc = phased(phases)
    sol = run(doc, tmp_path)
    rs = load_resolved(tmp_path / "phased.yaml")
    write_report(tmp_path / "out", rs, sol, [])
    text = (tmp_path / "out" / "report.md").read_text()
    assert "VIOLATED" not in text and "Timeline" in text
    assert "| z1 | watch | observation_km | 20 | 20 | +0 | binding |" in text


def test_a_phased_re_solve_updates_the_kept_model() -> None:
    """Numbers only (a share cap, a cost): every phase's block is updated and re-solved,
    with the plan a fresh build gives; a transition rule changed: rebuilt."""
    from pkplanner.engine.solve import Reusable
    reuse = Reusable(SETTINGS)
    first, mode = reuse.solve(load_resolved(TWO_PHASES))
    assert mode == "rebuild" and first.objective_value == pytest.approx(4_176_000)
    for sets in (["rules.max_share=0.7"], ["contributors.BBB.cost_per_person_month=2000"]):
        rs = load_resolved(TWO_PHASES, None, sets)
        again, mode = reuse.solve(rs)
        fresh = solve(rs, None, SETTINGS)
        assert mode == "persistent"
        assert again.status == fresh.status == "optimal"
        assert again.objective_value == pytest.approx(fresh.objective_value)
        assert verify(rs, document(rs, again)) == []
    assert again.objective_value < 4_176_000       # BBB's people cheaper: the plan moved
    rs = load_resolved(TWO_PHASES, None, ["transition.final_ceiling=40"])
    _out, mode = reuse.solve(rs)
    assert mode == "rebuild"


def test_phases_merge_by_id_under_extends(tmp_path: Path) -> None:
    """A variant that shortens one phase of a phased base keeps the base's other phases."""
    p = tmp_path / "variant.yaml"
    p.write_text(f"schema_version: 1\nextends: {TWO_PHASES}\nname: variant\n"
                 "phases: [{id: hard, months: 3}]\n")
    sc = load_resolved(p).scenario
    assert sc.phases is not None
    assert [(ph.id, ph.months) for ph in sc.phases] == [("hard", 3), ("transition", 12)]
    assert sc.phases[1].handed_over == ["south"]


def test_verifier_counts_every_unit_type_of_a_contributor_in_a_zone(tmp_path: Path) -> None:
    """BBB sends an observer team and a patrol to z1 (14 people): the last phase's ceiling
    of 10 is broken, whichever type the verifier reads first (it once kept only one)."""
    doc = phased([{"id": "hard", "months": 6}, {"id": "exit", "months": 6}],
                 {"final_ceiling": 100})
    sol = run(doc, tmp_path)
    last = sol["phases"][1]
    last["allocations"] = [
        {"contributor": "BBB", "zone": "z1", "unit_type": "patrol", "units": 1, "personnel": 10},
        {"contributor": "BBB", "zone": "z1", "unit_type": "obs", "units": 1, "personnel": 4}]
    doc["transition"]["final_ceiling"] = 10
    p = tmp_path / "ceiling.yaml"
    p.write_text(yaml.safe_dump(doc))
    found = [str(v) for v in verify(load_resolved(p), sol) if v.family == "transition"]
    assert any("14 personnel > final_ceiling 10" in f for f in found), found
