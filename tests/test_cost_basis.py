"""The cost basis (issue 12): the mission budget pays one rate for all, national costs are a
separate, labelled field a scenario may minimise instead, and equal-cost plans are told
apart by acceptability, never by names."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pkplanner.engine.highs import SolverSettings
from pkplanner.engine.solve import document, solve
from pkplanner.scenario.resolve import load_resolved
from pkplanner.verify.check import verify
from tests.test_model_optimum import tiny

ROOT = Path(__file__).resolve().parents[1]
POOL = ROOT / "scenarios" / "base" / "osce_pool.yaml"
UN_RATE = 1428      # GA res. 72/285, USD per person per month from 1 July 2018


def one_rate(**over: Any) -> dict[str, Any]:
    """tiny() with one rate for all: AAA is liked by AZ only, BBB by both, CCC by AM only;
    any two observer teams' worth of people costs the same whoever sends them."""
    doc = tiny(**over)
    for c, (az, am, national) in zip(doc["contributors"], ((0.9, 0.3, 3000), (0.6, 0.6, 9000),
                                                          (0.2, 0.9, 2000)), strict=True):
        c["cost_per_person_month"] = UN_RATE
        c["national_cost_per_person_month"] = national
        c["units"] = {"obs": 10}
        doc["acceptability"]["contributors"]["AZ"][c["id"]] = az
        doc["acceptability"]["contributors"]["AM"][c["id"]] = am
    return doc


def solved(doc: dict[str, Any], tmp_path: Path, *sets: str) -> tuple[Any, dict[str, Any]]:
    p = tmp_path / f"{doc['name']}.yaml"
    p.write_text(yaml.safe_dump(doc))
    rs = load_resolved(p, None, list(sets))
    out = solve(rs, settings=SolverSettings(time_limit=30, gap=0.0))
    assert out.status == "optimal"
    return rs, document(rs, out)


def people(sol: dict[str, Any]) -> dict[str, int]:
    return {c["contributor"]: c["personnel"] for c in sol["contributors"]}


def test_the_pool_pays_every_contributor_the_un_rate_and_keeps_national_costs_apart() -> None:
    pool = yaml.safe_load(POOL.read_text())["contributors"]
    assert {c["cost_per_person_month"] for c in pool} == {UN_RATE}
    # national costs: the UN rate times one factor per income group, no spread by name
    assert {c["national_cost_per_person_month"] for c in pool} == {
        round(UN_RATE * f) for f in (6.0, 2.5, 1.5, 1.1)}
    assert all("assumption" in c["source"] for c in pool)


def test_the_pool_is_what_build_pool_writes(tmp_path: Path) -> None:
    """The pool is generated: the script run on the CSV gives the file byte for byte."""
    before = POOL.read_bytes()
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_pool.py")], check=True,
                   capture_output=True)
    assert POOL.read_bytes() == before


def test_equal_cost_plans_go_to_the_one_the_least_satisfied_party_accepts_most(
        tmp_path: Path) -> None:
    """40 km needs 4 teams (16 people) at one rate: every split costs 22,848. BBB, whom both
    parties score 0.6, gives each party 0.6; any team from AAA or CCC lowers one party."""
    _, sol = solved(one_rate(), tmp_path)
    assert people(sol) == {"BBB": 16}
    assert sol["objective"]["value"] == sol["totals"]["cost_per_month"] == 16 * UN_RATE
    assert sol["mip_gap"] == 0.0


def test_names_do_not_decide(tmp_path: Path) -> None:
    """The same case with the ids swapped (BBB's scores now under AAA): the plan follows the
    scores, not the names or the order of the file."""
    doc = one_rate()
    acc = doc["acceptability"]["contributors"]
    for party in ("AZ", "AM"):
        acc[party]["AAA"], acc[party]["BBB"] = acc[party]["BBB"], acc[party]["AAA"]
    doc["contributors"].reverse()
    _, sol = solved(doc, tmp_path)
    assert people(sol) == {"AAA": 16}


def test_the_tie_break_never_buys_acceptability_with_cost(tmp_path: Path) -> None:
    """BBB a dollar dearer: the cheaper plan wins although both parties like BBB best."""
    doc = one_rate()
    doc["contributors"][1]["cost_per_person_month"] = UN_RATE + 1
    _, sol = solved(doc, tmp_path)
    assert "BBB" not in people(sol)
    assert sol["totals"]["cost_per_month"] == 16 * UN_RATE


def test_national_basis_minimises_the_states_costs_and_the_verifier_checks_it(
        tmp_path: Path) -> None:
    """cost_basis national: CCC's people cost their state least (2,000), so CCC sends all;
    the mission still pays 1,428 each, and the objective is the national cost."""
    rs, sol = solved(one_rate(), tmp_path, "rules.cost_basis=national")
    assert people(sol) == {"CCC": 16}
    assert sol["totals"]["cost_per_month"] == 16 * UN_RATE
    assert sol["totals"]["national_cost_per_month"] == pytest.approx(16 * 2000)
    assert sol["objective"]["value"] == pytest.approx(16 * 2000)
    assert verify(rs, sol) == []
    wrong = copy.deepcopy(sol)
    wrong["objective"]["value"] = sol["totals"]["cost_per_month"]    # the mission cost
    assert [v.family for v in verify(rs, wrong)] == ["totals"]
    wrong = copy.deepcopy(sol)
    wrong["totals"]["national_cost_per_month"] += 1
    assert "totals" in {v.family for v in verify(rs, wrong)}


def test_the_budget_caps_the_mission_cost_whatever_the_basis(tmp_path: Path) -> None:
    """A budget of 16 people at the UN rate holds under the national basis (the national
    cost, 32,000, is far above it): the budget is the mission's."""
    _, sol = solved(one_rate(), tmp_path, "rules.cost_basis=national",
                    f"rules.budget_per_month={16 * UN_RATE}")
    assert sol["totals"]["cost_per_month"] == 16 * UN_RATE


def test_national_basis_without_national_costs_is_one_input_error(tmp_path: Path) -> None:
    doc = one_rate()
    del doc["contributors"][2]["national_cost_per_person_month"]
    p = tmp_path / "tiny.yaml"
    p.write_text(yaml.safe_dump(doc))
    run = subprocess.run([sys.executable, "-m", "pkplanner", "solve", str(p), "--set",
                          "rules.cost_basis=national", "--out", str(tmp_path / "out")],
                         capture_output=True, text=True)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert lines == [f"error: {p}: rules.cost_basis: national: no "
                     "national_cost_per_person_month for CCC (1 of 3 contributors); give it or "
                     "use cost_basis mission"], run.stderr


@pytest.mark.parametrize("value", ["budget", "NATIONAL"])
def test_an_unknown_basis_is_refused(tmp_path: Path, value: str) -> None:
    p = tmp_path / "tiny.yaml"
    p.write_text(yaml.safe_dump(one_rate()))
    run = subprocess.run([sys.executable, "-m", "pkplanner", "validate", str(p), "--set",
                          f"rules.cost_basis={value}"], capture_output=True, text=True)
    assert run.returncode == 2
    assert "cost_basis" in run.stderr and "Traceback" not in run.stderr
