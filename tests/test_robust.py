"""Robust acceptability (rules.robust_budget, Bertsimas-Sim): uncertain scores in the
scenario, the robust rows, and their independent checks.

The tiny case: one zone needing 4 observer teams; AZ scores AAA (the cheapest) [0.3, 0.7],
BBB 0.8, CCC 0.1, and AZ's floor is 0.5. Nominally four AAA teams meet it at 0.5 exactly
(16,000). With Γ = 1 AAA may sit at 0.3, so BBB must add enough: with x AAA and y BBB
teams, 0.3x + 0.8y >= 0.5(x + y) needs y >= 2x/3, and the cheapest is x = y = 2 (20,000).
With Γ = 0.5 half of AAA's spread counts: x = 3, y = 1 scores 0.575 - 0.5*0.2*12/16 = 0.5,
exactly the floor (18,000).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from pkplanner.errors import InputError
from pkplanner.rules.audit import PlanView, worst_loss
from pkplanner.rules.catalog import CATALOG
from pkplanner.scenario.resolve import load_resolved
from pkplanner.verify.check import verify
from tests import bruteforce
from tests.test_model_optimum import alloc_of, assert_matches_bruteforce, run, tiny


def robust(gamma: Any, **over: Any) -> dict[str, Any]:
    doc = tiny(rules__acceptability_floor={"AZ": 0.5}, **over)
    doc["acceptability"]["contributors"]["AZ"]["AAA"] = [0.3, 0.7]
    doc["rules"]["robust_budget"] = gamma
    return doc


def test_gamma_zero_is_the_nominal_optimum(tmp_path: Path) -> None:
    sol = run(robust(0), tmp_path)
    assert assert_matches_bruteforce(robust(0), sol) == 16_000
    assert alloc_of(sol) == {("AAA", "obs", "z1"): 4}


def test_robust_optimum_differs_and_matches_brute_force(tmp_path: Path) -> None:
    doc = robust(1)
    sol = run(doc, tmp_path)
    assert assert_matches_bruteforce(doc, sol) == 20_000
    assert alloc_of(sol) == {("AAA", "obs", "z1"): 2, ("BBB", "obs", "z1"): 2}


def test_per_party_budget_and_fractional_gamma(tmp_path: Path) -> None:
    sol = run(robust({"AZ": 0.5}), tmp_path)
    assert sol["objective"]["value"] == pytest.approx(18_000)
    assert alloc_of(sol) == {("AAA", "obs", "z1"): 3, ("BBB", "obs", "z1"): 1}
    assert "robust_acceptability.AZ" in sol["binding"]      # its worst case is the floor
    # a budget for a party without uncertain scores changes nothing
    sol = run(robust({"AM": 3}), tmp_path)
    assert sol["objective"]["value"] == pytest.approx(16_000)


def test_the_verifier_checks_the_worst_case(tmp_path: Path) -> None:
    nominal = run(robust(0), tmp_path)          # four AAA teams: 0.5 nominally
    p = tmp_path / "robust.yaml"
    p.write_text(yaml.safe_dump(robust(1)))
    rs = load_resolved(p)
    found = [str(v) for v in verify(rs, nominal)]
    assert found == ["robust_acceptability: AZ: worst case 0.3000 < floor 0.5000 with "
                     "robust_budget 1"]
    rows = CATALOG["robust_acceptability"].audit(PlanView(rs.scenario, nominal))  # type: ignore[misc]
    assert [(r.rule, r.value, r.status) for r in rows] == [
        ("robust_budget.AZ", "0.300", "VIOLATED")]


def test_worst_loss_takes_the_largest_and_a_fraction_of_the_next() -> None:
    assert worst_loss([0.1, 0.3, 0.2], 0) == 0
    assert worst_loss([0.1, 0.3, 0.2], 1) == pytest.approx(0.3)
    assert worst_loss([0.1, 0.3, 0.2], 1.5) == pytest.approx(0.4)
    assert worst_loss([0.1, 0.3, 0.2], 7) == pytest.approx(0.6)


@pytest.mark.parametrize(("score", "problem"), [
    ([0.5, 0.2], "range [0.5, 0.2] must satisfy 0 <= low <= high <= 1"),
    ([0.2, 1.2], "range [0.2, 1.2] must satisfy 0 <= low <= high <= 1"),
    ([0.2], "a range is [low, high], two numbers"),
    ({"value": 0.9, "spread": 0.2}, "value 0.9 ± spread 0.2 must stay within 0..1"),
    ({"value": 0.5}, "an uncertain score is {value, spread}"),
])
def test_bad_ranges_are_one_line_errors(tmp_path: Path, score: Any, problem: str) -> None:
    doc = robust(1)
    doc["acceptability"]["contributors"]["AZ"]["AAA"] = score
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError) as e:
        load_resolved(p)
    lines = str(e.value).splitlines()
    assert len(lines) == 1 and str(p) in lines[0] and problem in lines[0], lines


def test_brute_force_sees_the_ranges() -> None:
    """The oracle itself: with Γ = 1 four AAA teams fail, so its optimum moves."""
    assert bruteforce.solve(copy.deepcopy(robust(0)))[0] == 16_000
    assert bruteforce.solve(copy.deepcopy(robust(1)))[0] == 20_000


def test_explain_names_robustness_and_the_largest_budget_with_a_plan(tmp_path: Path) -> None:
    """BBB's score is uncertain too ([0.6, 1.0]) and AZ's floor is 0.75: only BBB alone meets
    it (0.8), and its worst case 0.8 - 0.2Γ meets it up to Γ = 0.25; on the search's grid of
    0.1 the largest budget with a plan is 0.2."""
    from pkplanner.engine.explain import explanation
    doc = robust(1)
    doc["rules"]["acceptability_floor"] = {"AZ": 0.75}
    doc["acceptability"]["contributors"]["AZ"]["BBB"] = [0.6, 1.0]
    p = tmp_path / "tight.yaml"
    p.write_text(yaml.safe_dump(doc))
    ex = explanation(load_resolved(p), time_limit=20)
    by_rule = {c.rule: c for c in ex.conflicts}
    assert "robust_acceptability.AZ" in by_rule, [c.rule for c in ex.conflicts]
    c = by_rule["robust_acceptability.AZ"]
    assert c.alone is True
    assert c.relaxation == "lower AZ's robust_budget to 0.20"
    assert c.edit is not None and c.edit.as_dict()["value"] == {"AZ": 0.2, "AM": 1}


def test_report_shows_the_worst_case_its_drivers_and_the_monte_carlo_view(
        tmp_path: Path) -> None:
    """The nominal plan (four Alphaland teams, AZ at 0.5 exactly) falls to 0.3 when
    Alphaland's score is at its low end and sits below the floor in about half of the draws
    (the score is uniform around the floor); the robust plan never does (its worst case is
    0.55)."""
    from pkplanner.report import build_report
    nominal, robust_plan = run(robust(0), tmp_path), run(robust(1), tmp_path)
    p = tmp_path / "robust.yaml"
    p.write_text(yaml.safe_dump(robust(1)))
    rs = load_resolved(p)
    view = PlanView(rs.scenario, nominal)
    assert view.worst_acceptability("AZ", 1) == pytest.approx(0.3)
    assert list(view.score_losses("AZ") or {}) == ["AAA"]
    assert 0.45 < (view.below_floor_share("AZ", 0.5) or 0) < 0.55
    assert PlanView(rs.scenario, robust_plan).below_floor_share("AZ", 0.5) == 0.0
    md = build_report(rs, robust_plan, []).markdown()
    assert "| AZ (AZ) | 1 | 0.650 | 0.550 | 0.500 | +0.050 | AAA (-0.100) | 0.0% |" in md


def test_armament_worst_case_and_monte_carlo(tmp_path: Path) -> None:
    """AZ's score of the observer level is [0.2, 0.6] (value 0.4) with a floor of 0.3. The
    nominal plan runs the zone at observer (AZ scores light 0.1): its worst case is 0.2, and
    a uniform draw of the score falls below 0.3 a quarter of the time. The robust plan runs
    the zone at a level AZ scores exactly (armed, 0.5 by default), so no uncertain level
    touches it and the report has no armament row for it; the verifier checks both (run()
    verifies)."""
    from pkplanner.report import build_report
    doc = robust(1)
    doc["acceptability"]["armament"] = {"AZ": {"observer": [0.2, 0.6], "light": 0.1}}
    doc["rules"]["armament_floor"] = {"AZ": 0.3}
    robust_plan = run(doc, tmp_path)
    nominal_doc = copy.deepcopy(doc)
    nominal_doc["rules"]["robust_budget"] = 0
    nominal = run(nominal_doc, tmp_path)
    p = tmp_path / "arm.yaml"
    p.write_text(yaml.safe_dump(doc))
    rs = load_resolved(p)
    assert [z["armament"] for z in nominal["zones"]] == ["observer"]
    assert [z["armament"] for z in robust_plan["zones"]] != ["observer"]
    view = PlanView(rs.scenario, nominal)
    assert view.armament_losses("AZ") == {"observer": pytest.approx(0.2)}
    assert view.worst_armament("AZ", 1) == pytest.approx(0.2)
    assert 0.2 < (view.below_floor_share("AZ", 0.3, armament=True) or 0) < 0.3
    assert PlanView(rs.scenario, robust_plan).worst_armament("AZ", 1) is None
    assert "AZ (AZ), armament" not in build_report(rs, robust_plan, []).markdown()
    md = build_report(rs, nominal, []).markdown()
    assert "| AZ (AZ), armament | 1 | 0.400 | 0.200 | 0.300 | -0.100 | observer (-0.200) |" \
        in md


# --------------------------------------------------------------------------- the companion


def checked(doc: dict[str, Any], tmp_path: Path, **kw: Any) -> Any:
    from pkplanner.engine.highs import SolverSettings
    from pkplanner.pipeline import solve_checked
    p = tmp_path / f"{doc['name']}.yaml"
    p.write_text(yaml.safe_dump(doc))
    return solve_checked(load_resolved(p), None, SolverSettings(gap=0), with_companion=True,
                         **kw)


def test_the_nominal_plan_gets_a_robust_companion_at_gamma_one(tmp_path: Path) -> None:
    """Γ = 0 in the rules: the companion is the robust plan at Γ = 1 for the parties with
    uncertain scores (AZ; AM has none), 20,000 against the nominal 16,000, checked by the
    verifier, and the report prices it (4,000 per month, +25%)."""
    from pkplanner.report import build_report
    from pkplanner.solution.schema import SolutionFile
    done = checked(robust(0), tmp_path)
    comp = done.doc["companion"]
    assert (comp["role"], comp["robust_budget"], comp["status"]) == (
        "robust", {"AZ": 1.0, "AM": 0.0}, "optimal")
    assert done.doc["objective"]["value"] == pytest.approx(16_000)
    assert comp["objective"]["value"] == pytest.approx(20_000)
    assert {(a["contributor"], a["units"]) for a in comp["allocations"]} == {("AAA", 2),
                                                                            ("BBB", 2)}
    assert done.verdict == []
    SolutionFile.model_validate(done.doc)
    md = build_report(done.rs, done.doc, done.verdict).markdown()
    assert "## Nominal and robust plans side by side" in md
    assert "| cost per month | 16,000 | 20,000 |" in md
    assert "| AZ composition: worst case at Γ = 1 | 0.300 | 0.550 |" in md
    assert "| AZ composition: below floor 0.5 | " in md and " | 0.0% |" in md
    assert "The price of robustness: 4,000 per month (+25.0%)" in md


def test_the_robust_plan_gets_a_nominal_companion(tmp_path: Path) -> None:
    done = checked(robust(1), tmp_path)
    comp = done.doc["companion"]
    assert (comp["role"], comp["robust_budget"]) == ("nominal", {"AZ": 0.0, "AM": 0.0})
    assert comp["objective"]["value"] == pytest.approx(16_000)
    assert done.doc["objective"]["value"] == pytest.approx(20_000)
    assert done.verdict == []


def test_no_range_no_companion(tmp_path: Path) -> None:
    assert "companion" not in checked(tiny(), tmp_path).doc


def test_a_companion_past_the_deadline_is_recorded_not_run(tmp_path: Path) -> None:
    import time

    from pkplanner.report import build_report
    done = checked(robust(0), tmp_path, deadline=time.monotonic() - 1)
    comp = done.doc["companion"]
    assert comp["status"] == "not run" and "time limit" in comp["note"]
    assert done.verdict == []
    md = build_report(done.rs, done.doc, []).markdown()
    assert "| cost per month | 16,000 | - |" in md
    assert "The robust plan: not run (the time limit was reached" in md


def test_the_verifier_checks_the_companion(tmp_path: Path) -> None:
    """A companion is a plan of its own: a team taken away breaks its requirement, the
    nominal allocation passed off as the robust one breaks the worst case, and a budget on
    the wrong side of the rules' is named."""
    done = checked(robust(0), tmp_path)
    rs, doc = done.rs, done.doc

    def found(comp: dict[str, Any]) -> list[str]:
        return [str(v) for v in verify(rs, {**doc, "companion": comp})]

    short = copy.deepcopy(doc["companion"])
    short["allocations"] = [a for a in short["allocations"] if a["contributor"] == "AAA"]
    assert any(v.startswith("requirement: companion (robust): ") for v in found(short))
    swapped = copy.deepcopy(doc["companion"])
    for k in ("allocations", "zones", "contributors", "acceptability", "totals", "objective"):
        swapped[k] = copy.deepcopy(doc[k])
    assert "robust_acceptability: companion (robust): AZ: worst case 0.3000 < floor 0.5000 " \
           "with robust_budget 1" in found(swapped)
    wrong = {**doc["companion"], "robust_budget": {"AZ": 0.0, "AM": 0.0}}
    assert found(wrong)[0] == ("companion: a robust companion (some Γ > 0) stands beside a "
                               "plan made with robust_budget 0")


@pytest.mark.parametrize(("gamma", "problem"), [
    (-1, "rules.robust_budget: a number >= 0 for every party"),
    ({"AZ": "x"}, "rules.robust_budget: a number >= 0 for every party"),
    ([1], "rules.robust_budget: a number >= 0 for every party"),
    (True, "rules.robust_budget: yes/no (true/false) value where a number is expected"),
])
def test_a_bad_robust_budget_is_one_line(tmp_path: Path, gamma: Any, problem: str) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(robust(gamma)))
    with pytest.raises(InputError) as e:
        load_resolved(p)
    lines = str(e.value).splitlines()
    assert len(lines) == 1 and problem in lines[0], lines


def test_the_verifier_reads_every_plan_key_the_companion_carries() -> None:
    """The verifier restates the companion's plan keys on purpose; they stay the schema's."""
    from pkplanner.solution.schema import COMPANION_PLAN_KEYS
    from pkplanner.verify.check import COMPANION_KEYS
    assert set(COMPANION_KEYS) == set(COMPANION_PLAN_KEYS)
