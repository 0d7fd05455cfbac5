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


def test_armament_worst_case_row(tmp_path: Path) -> None:
    """AZ's score of the observer level is [0.2, 0.6] with a floor of 0.3: the robust plan
    runs the zone at a level AZ scores exactly (0.5 by default), so its armament worst case
    is its value, and the verifier and the report agree."""
    from pkplanner.report import build_report
    doc = robust(1)
    doc["acceptability"]["armament"] = {"AZ": {"observer": [0.2, 0.6]}}
    doc["rules"]["armament_floor"] = {"AZ": 0.3}
    sol = run(doc, tmp_path)                        # run() verifies the worst case too
    p = tmp_path / "arm.yaml"
    p.write_text(yaml.safe_dump(doc))
    rs = load_resolved(p)
    assert [z["armament"] for z in sol["zones"]] != ["observer"]
    assert "| AZ (AZ), armament | 1 | 0.500 | 0.500 | 0.300 | +0.200 | - | - |" in \
        build_report(rs, sol, []).markdown()


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
