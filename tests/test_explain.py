"""Explanations of infeasible scenarios whose conflict is known by construction.

Every claim an explanation makes is re-checked here with a solve of its own: a relaxation
applied alone (parsed as the app parses it) gives a plan, `alone` is what dropping that
rule alone gives, and the rules listed conflict with every other rule dropped.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from pkplanner.cli import print_conflicts
from pkplanner.engine import highs as hs
from pkplanner.engine import precheck
from pkplanner.engine.data import prepare
from pkplanner.engine.explain import (
    SUGGESTIONS,
    Explainer,
    Explanation,
    explain,
    explanation,
    without,
)
from pkplanner.engine.model import build_model
from pkplanner.rules.catalog import least_rules
from pkplanner.rules.edits import RuleEdit, VetoDrop, edit_from_dict, sentence
from pkplanner.scenario.resolve import ResolvedScenario, load_resolved
from pkplanner.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
TWO_ZONES = ROOT / "scenarios/examples/two_zones.yaml"
KCG = ROOT / "scenarios/karabakh_kcg_2014.yaml"


def vetoes_doc() -> dict[str, Any]:
    """One zone needing 300 armed presence. TUR and RUS could each provide it; SWE and FIN
    together offer only one 150-person company. AM vetoes TUR, AZ vetoes RUS."""
    def contributor(cid: str, cost: int, companies: int) -> dict[str, Any]:
        return {"id": cid, "cost_per_person_month": cost, "max_personnel": 5000,
                "groups": ["osce"], "units": {"infantry_company": companies}}
    return {
        "schema_version": 1, "name": "vetoes",
        "parties": [{"id": "AZ"}, {"id": "AM"}],
        "armament_levels": ["civilian", "observer", "light", "armed"],
        "threat_multipliers": {1: 1.0, 2: 1.25, 3: 1.5, 4: 1.75, 5: 2.0},
        "unit_types": [{"id": "infantry_company", "personnel": 150, "armament": "armed",
                        "capabilities": {"presence": 150}}],
        "mandates": [{"id": "interposition", "min_armament": "armed", "max_armament": "armed",
                      "requirements": {"presence": {"base": 300}}}],
        "zones": [{"id": "centre", "location": {"lat": 40, "lon": 46.5}}],
        "hubs": [{"id": "hub", "location": {"lat": 40.15, "lon": 46.5}}],
        "routes": [{"from": "hub", "to": "centre", "km": 20}],
        "contributors": [contributor("TUR", 2000, 4), contributor("RUS", 2100, 4),
                         contributor("SWE", 6000, 1), contributor("FIN", 6500, 0)],
        "acceptability": {"default": 0.5},
        "vetoes": [{"party": "AM", "contributor": "TUR"}, {"party": "AZ", "contributor": "RUS"}],
        "rules": {},
        "planning_options": [{"id": "C", "mandates": ["interposition"]}],
        "planning_option": "C",
    }


def write(tmp_path: Path, doc: dict[str, Any], name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(doc))
    return p


def test_two_vetoes_and_short_capacity(tmp_path: Path) -> None:
    rs = load_resolved(write(tmp_path, vetoes_doc()))
    conflicts = {c.rule: c for c in explain(rs)}
    assert "veto AM->TUR" in conflicts
    assert "veto AZ->RUS" in conflicts
    assert "capacity.SWE" in conflicts
    assert conflicts["veto AM->TUR"].relaxation == "drop AM's veto on TUR"
    assert conflicts["veto AZ->RUS"].relaxation == "drop AZ's veto on RUS"
    assert conflicts["veto AM->TUR"].edit == VetoDrop("AM", "TUR", None, ())
    assert conflicts["veto AM->TUR"].as_dict()["edit"] == {
        "kind": "veto", "party": "AM", "contributor": "TUR", "group": None, "zones": []}
    assert "TUR" in conflicts["veto AM->TUR"].detail


def test_solve_exits_3_and_writes_conflicts(tmp_path: Path) -> None:
    path = write(tmp_path, vetoes_doc())
    res = subprocess.run([sys.executable, "-m", "pkplanner", "solve", str(path), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert res.returncode == 3, res.stdout + res.stderr
    assert "veto AM->TUR" in res.stdout and "drop AM's veto on TUR" in res.stdout
    doc = json.loads((tmp_path / "out" / "solution.json").read_text())
    assert doc["status"] == "infeasible"
    rules = {c["rule"] for c in doc["conflicts"]}
    assert {"veto AM->TUR", "veto AZ->RUS"} <= rules
    # a change tested carries its edit; written advice (SWE's capacity) has none
    assert all(set(c) == {"rule", "detail", "relaxation", "alone"} | (
        set() if c["relaxation"] in SUGGESTIONS else {"edit"}) for c in doc["conflicts"])
    by_rule = {c["rule"]: c for c in doc["conflicts"]}
    assert edit_from_dict(by_rule["veto AZ->RUS"]["edit"]) == VetoDrop("AZ", "RUS", None, ())
    assert all(c["alone"] is True for c in doc["conflicts"])
    assert "dropping any one" not in res.stdout


def test_floor_relaxation_is_the_best_reachable_floor(tmp_path: Path) -> None:
    """AM scores TUR 0, RUS 0.9, SWE 0.6; nobody above half the force. The best AM score is
    RUS + SWE one company each: 0.75, so a floor of 0.8 must come down to 0.75."""
    doc = vetoes_doc()
    doc["vetoes"] = []
    doc["acceptability"]["contributors"] = {"AM": {"TUR": 0.0, "RUS": 0.9, "SWE": 0.6}}
    doc["rules"] = {"acceptability_floor": {"AM": 0.8}, "max_share": 0.5}
    rs = load_resolved(write(tmp_path, doc))
    conflicts = {c.rule: c for c in explain(rs)}
    assert "acceptability.AM" in conflicts
    assert conflicts["acceptability.AM"].relaxation == "lower AM's floor to 0.75"
    assert conflicts["acceptability.AM"].edit == RuleEdit("acceptability_floor", {"AM": 0.75})


def test_max_share_relaxation(tmp_path: Path) -> None:
    """Only TUR and RUS offer companies: two contributors cannot stay below 0.4 each."""
    doc = vetoes_doc()
    doc["vetoes"] = []
    doc["contributors"] = [c for c in doc["contributors"] if c["id"] in ("TUR", "RUS")]
    doc["rules"] = {"max_share": 0.4}
    rs = load_resolved(write(tmp_path, doc))
    conflicts = explain(rs)
    assert [c.rule for c in conflicts] == ["dominance.max_share"]
    assert conflicts[0].relaxation == "raise max_share to 0.50"
    assert conflicts[0].as_dict()["edit"] == {"kind": "rule", "key": "max_share", "value": 0.5}


def test_feasible_scenario_has_no_conflicts(tmp_path: Path) -> None:
    doc = vetoes_doc()
    doc["vetoes"] = []
    assert explain(load_resolved(write(tmp_path, doc))) == []


def test_feasible_scenario_explain_command(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "pkplanner", "explain",
                          "scenarios/examples/two_zones.yaml"], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert res.returncode == 0
    assert "no conflicting rules" in res.stdout


# --------------------------------------------------------------------------- checking claims


def has_plan(sc: Scenario, labels: frozenset[str] = frozenset(),
             skip: frozenset[str] = frozenset()) -> bool:
    m = build_model(prepare(sc, ignore=labels), "feasibility", skip=skip).model
    st = hs.PersistentHighs(m, hs.SolverSettings(time_limit=120, gap=1.0,
                                                 warm_start=False)).run()
    assert st.status in ("optimal", "feasible", "infeasible"), st.status
    return st.status != "infeasible"


def plan_without(rs: ResolvedScenario, dropped: set[str]) -> bool:
    return has_plan(*without(rs, dropped))


def applied(rs: ResolvedScenario, edit: RuleEdit | VetoDrop) -> Scenario:
    """The scenario with one relaxation applied the way the app applies it: the edit as
    solution.json carries it, read back."""
    sc = rs.scenario
    edit = edit_from_dict(json.loads(json.dumps(edit.as_dict())))
    if isinstance(edit, RuleEdit):
        return sc.model_copy(update={"rules": sc.rules.model_copy(
            update={edit.key: edit.value})})
    kept = [v for v in sc.vetoes if not (
        v.party == edit.party and v.contributor == edit.contributor
        and v.group == edit.group and tuple(v.zones or ()) == edit.zones)]
    assert len(kept) == len(sc.vetoes) - 1, edit
    return sc.model_copy(update={"vetoes": kept})


def others(rs: ResolvedScenario, listed: set[str]) -> set[str]:
    """Every rule group not listed (a family partly listed contributes its other entities)."""
    out: set[str] = set()
    for fam, entities in Explainer(rs).families().items():
        if fam in listed:
            continue
        if any(e in listed for e in entities):
            out |= {e for e in entities if e not in listed}
        else:
            out.add(fam)
    return out


def check_claims(rs: ResolvedScenario, ex: Explanation) -> None:
    """Every claim, re-solved: relaxations alone give a plan; `alone` is right; the listed
    rules conflict with every other rule dropped (not for a budget or personnel_max: their
    bound is the least cost or head count under all the other rules); nothing is relaxed
    that is not enough alone."""
    listed = {c.rule for c in ex.conflicts}
    if ex.conflicts and not listed & {"structure", *least_rules()}:
        assert not plan_without(rs, others(rs, listed)), listed
    for c in ex.conflicts:
        if c.alone is not None:
            assert plan_without(rs, {c.rule}) is c.alone, c
        if c.relaxation:
            assert c.alone is True, c
        if c.relaxation in SUGGESTIONS or not c.relaxation:
            assert c.edit is None, c        # written advice, or nothing: no change to apply
            continue
        assert c.edit is not None, c
        assert c.relaxation == sentence(c.edit, rs.scenario.rules.model_dump(mode="json")), c
        assert has_plan(applied(rs, c.edit)), c


def explained(rs: ResolvedScenario, **kwargs: Any) -> Explanation:
    ex = explanation(rs, **kwargs)
    check_claims(rs, ex)
    return ex


def east_west_doc(third: bool) -> dict[str, Any]:
    """Two required zones of 300 presence; nobody may hold more than half a zone. AM vetoes
    TUR in east, AZ vetoes RUS in west. With SWE's one company (`third`) both zones need
    it; without SWE each zone has a single eligible contributor."""
    doc = vetoes_doc()
    doc["zones"] = [{"id": "east", "location": {"lat": 40, "lon": 46.5}, "required": True},
                    {"id": "west", "location": {"lat": 40, "lon": 46.25}, "required": True}]
    doc["routes"] = [{"from": "hub", "to": "east", "km": 20},
                     {"from": "hub", "to": "west", "km": 30}]
    doc["vetoes"] = [{"party": "AM", "contributor": "TUR", "zones": ["east"]},
                     {"party": "AZ", "contributor": "RUS", "zones": ["west"]}]
    doc["rules"] = {"max_share_zone": 0.5}
    if not third:
        doc["contributors"] = [c for c in doc["contributors"] if c["id"] in ("TUR", "RUS")]
    return doc


def floor_doc(floors: dict[str, float]) -> dict[str, Any]:
    """No vetoes; everybody scores 0.5 but RUS, whom AM scores 0.7."""
    doc = vetoes_doc()
    doc["vetoes"] = []
    doc["acceptability"]["contributors"] = {"AM": {"RUS": 0.7}}
    doc["rules"] = {"acceptability_floor": floors}
    return doc


# --------------------------------------------------------------------------- prechecks


def test_budget_is_proven_without_a_search() -> None:
    """Below the least cost of any force meeting the other rules: the budget alone is the
    conflict, and its relaxation is that least cost (632,000, formulation.md)."""
    rs = load_resolved(TWO_ZONES, None, ["rules.budget_per_month=100000"])
    t0 = time.monotonic()
    ex = explained(rs, deadline=time.monotonic() + 60)
    assert time.monotonic() - t0 < 10
    assert ex.complete
    assert [c.rule for c in ex.conflicts] == ["budget"]
    budget = ex.conflicts[0]
    assert budget.relaxation == "raise budget_per_month to 632,000"
    assert budget.alone is True
    assert "632,000" in budget.detail
    assert budget.edit == RuleEdit("budget_per_month", 632000.0)
    assert has_plan(applied(rs, budget.edit))
    assert not has_plan(applied(rs, RuleEdit("budget_per_month", 631999.0)))
    assert budget.as_dict()["alone"] is True
    assert budget.as_dict()["edit"] == {"kind": "rule", "key": "budget_per_month",
                                        "value": 632000.0}


def test_floor_above_every_score_is_proven_by_the_precheck(tmp_path: Path) -> None:
    rs = load_resolved(write(tmp_path, floor_doc({"AM": 0.8})))
    [proof] = precheck.proofs(rs)
    assert proof.groups == ("acceptability.AM",) and proof.best == {"acceptability.AM": 0.7}
    ex = explained(rs)
    assert [(c.rule, c.relaxation, c.alone) for c in ex.conflicts] == [
        ("acceptability.AM", "lower AM's floor to 0.70", True)]
    assert ex.tests <= 2            # dropping it alone, then the floor the bound allows
    assert "0.7" in ex.conflicts[0].detail


def test_capability_nobody_eligible_offers_is_proven_by_the_precheck(tmp_path: Path) -> None:
    rs = load_resolved(write(tmp_path, vetoes_doc()))
    [proof] = precheck.proofs(rs)
    assert proof.groups == ("veto AM->TUR", "veto AZ->RUS", "requirement.centre",
                            "capacity.SWE")
    assert "at most 150" in proof.facts["requirement.centre"]


def test_two_floors_conflict_only_together(tmp_path: Path) -> None:
    """Both floors are out of reach: dropping either alone leaves the other."""
    path = write(tmp_path, floor_doc({"AM": 0.8, "AZ": 0.8}))
    rs = load_resolved(path)
    ex = explained(rs)
    assert {c.rule: c.alone for c in ex.conflicts} == {"acceptability.AM": False,
                                                        "acceptability.AZ": False}
    assert all(c.relaxation == "" for c in ex.conflicts)
    assert "dropping all of them together restores a plan" in ex.note
    res = subprocess.run([sys.executable, "-m", "pkplanner", "explain", str(path),
                          "--time-limit", "60"], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert res.returncode == 3, res.stdout + res.stderr
    assert "dropping this rule alone does not restore a plan" in res.stdout
    assert "These rules conflict together" in res.stdout
    assert "restores a plan):" not in res.stdout and "dropping any one" not in res.stdout


def test_size_and_count_limits_are_solved_for_directly(tmp_path: Path) -> None:
    """personnel_max below the least head count (316, formulation.md): one MILP gives the
    smallest that works. min_contributors 4 with FIN offering nothing and SWE unable to
    send a 200-person contingent: 2 can take part, or 3 with a contingent floor of 150."""
    rs = load_resolved(TWO_ZONES, None, ["rules.personnel_max=100"])
    ex = explained(rs)
    assert [(c.rule, c.relaxation, c.alone) for c in ex.conflicts] == [
        ("size.max", "raise personnel_max to 316", True)]
    doc = {**vetoes_doc(), "vetoes": [], "rules": {"min_contributors": 4, "min_contingent": 200}}
    rs = load_resolved(write(tmp_path, doc))
    ex = explained(rs)
    relax = {c.rule: (c.relaxation, c.alone) for c in ex.conflicts}
    assert relax["dominance.min_contributors"] == ("lower min_contributors to 2", True)
    assert relax["min_contingent"] == ("", False)       # FIN offers nothing: 3 at most


# --------------------------------------------------------------------------- the filter


def test_alone_is_checked_both_ways(tmp_path: Path) -> None:
    """Without SWE each zone has one eligible contributor: the filter keeps AZ's veto and
    the zone share cap. Raising the cap fixes both zones; dropping the veto fixes west only."""
    rs = load_resolved(write(tmp_path, east_west_doc(third=False)))
    assert precheck.proofs(rs) == []
    ex = explained(rs)
    got = {c.rule: (c.alone, c.relaxation) for c in ex.conflicts}
    assert got == {"veto AZ->RUS in west": (False, ""),
                   "dominance.max_share_zone": (True, "raise max_share_zone to 1.00")}


def test_each_rule_of_one_conflict_is_enough_alone(tmp_path: Path) -> None:
    """With SWE's single company both zones need it: any one of the vetoes, SWE's capacity
    or the cap, dropped alone, restores a plan."""
    rs = load_resolved(write(tmp_path, east_west_doc(third=True)))
    assert precheck.proofs(rs) == []
    ex = explained(rs)
    assert all(c.alone is True for c in ex.conflicts)
    relax = {c.rule: c.relaxation for c in ex.conflicts}
    assert relax["veto AM->TUR in east"] == "drop AM's veto on TUR in east"
    assert relax["veto AZ->RUS in west"] == "drop AZ's veto on RUS in west"
    assert "capacity.SWE" in relax


CASES: dict[str, tuple[Any, list[str]]] = {
    "vetoes": (vetoes_doc, []),
    "floor": (lambda: floor_doc({"AM": 0.8}), []),
    "east_west": (lambda: east_west_doc(True), []),
    "east_west_two": (lambda: east_west_doc(False), []),
    "max_share": (lambda: {**vetoes_doc(), "vetoes": [], "rules": {"max_share": 0.4},
                           "contributors": vetoes_doc()["contributors"][:2]}, []),
    "reachable_floor": (lambda: {**floor_doc({"AM": 0.8}), "acceptability": {
        "default": 0.5, "contributors": {"AM": {"TUR": 0.0, "RUS": 0.9, "SWE": 0.6}}},
        "rules": {"acceptability_floor": {"AM": 0.8}, "max_share": 0.5}}, []),
    "min_contributors": (lambda: {**vetoes_doc(), "vetoes": [],
                                  "rules": {"min_contributors": 4, "min_contingent": 200}},
                         []),
    "two_zones_max_share": (None, ["rules.max_share=0.3"]),
    "two_zones_personnel_max": (None, ["rules.personnel_max=100"]),
    "two_zones_budget": (None, ["rules.budget_per_month=100000"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_claim_is_checked(tmp_path: Path, case: str) -> None:
    make, sets = CASES[case]
    rs = load_resolved(write(tmp_path, make()) if make else TWO_ZONES, None, sets)
    ex = explained(rs)              # check_claims re-solves every claim
    assert ex.complete and ex.conflicts
    assert any(c.alone for c in ex.conflicts)


# --------------------------------------------------------------------------- deadline


@pytest.mark.slow
@pytest.mark.parametrize("seconds", [-1.0, 0.5])
def test_deadline_stops_promptly_and_claims_nothing_unchecked(seconds: float) -> None:
    """max_share=0.03 on karabakh_kcg_2014 C needs the filter: dozens of MILPs."""
    rs = load_resolved(KCG, "C", ["rules.max_share=0.03"])
    t0 = time.monotonic()
    ex = explanation(rs, deadline=t0 + seconds)
    assert time.monotonic() - t0 < 10
    assert not ex.complete
    assert "time limit" in ex.note
    check_claims(rs, ex)


def test_incomplete_explanation_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    print_conflicts([{"rule": "size.max", "detail": "personnel at most 1000",
                      "relaxation": "", "alone": True}], complete=False)
    out = capsys.readouterr().out
    assert "dropping this rule alone restores a plan" in out
    assert "the rules shown so far conflict; the search stopped at the time limit" in out


@pytest.mark.parametrize("value", ["0", "-5"])
def test_explain_rejects_a_time_limit_that_is_not_positive(value: str) -> None:
    res = subprocess.run([sys.executable, "-m", "pkplanner", "explain", str(TWO_ZONES),
                          f"--time-limit={value}"], capture_output=True, text=True, cwd=ROOT,
                         timeout=60)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "error: --time-limit: must be more than 0 seconds" in res.stderr
