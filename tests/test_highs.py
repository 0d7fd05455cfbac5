"""The HiGHS wrapper: racing seeds, the units-first start, honest statuses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pkplanner import highs as hs
from pkplanner.scenario import load_resolved
from pkplanner.solve import build, solve
from tests.test_explain import vetoes_doc, write

EXACT = {"time_limit": 60.0, "gap": 0.0}


@pytest.fixture(scope="module")
def three_zones(repo_root: Path) -> Path:
    return repo_root / "scenarios/examples/three_zones_veto.yaml"


def test_racers_agree_with_one_seed(three_zones: Path) -> None:
    one = solve(load_resolved(three_zones), "cost", hs.SolverSettings(**EXACT))
    two = solve(load_resolved(three_zones), "cost", hs.SolverSettings(**EXACT, racers=2))
    assert one.status == two.status == "optimal"
    assert two.objective_value == pytest.approx(one.objective_value)
    assert two.seed in (0, 1) and two.racers == 2


def test_racers_prove_infeasibility(tmp_path: Path) -> None:
    rs = load_resolved(write(tmp_path, vetoes_doc()))
    out = solve(rs, "cost", hs.SolverSettings(**EXACT, racers=2))
    assert out.status == "infeasible" and out.plan is None


def test_units_first_start_is_used_and_kept(three_zones: Path) -> None:
    """The start plan reaches HiGHS (it used to be dropped by Pyomo's re-push of bounds)
    and the final plan is no dearer than the start."""
    on = solve(load_resolved(three_zones), "cost", hs.SolverSettings(**EXACT,
                                                                      warm_start=True))
    off = solve(load_resolved(three_zones), "cost", hs.SolverSettings(**EXACT,
                                                                       warm_start=False))
    assert on.start_objective is not None
    assert on.objective_value <= on.start_objective + 1e-6
    assert on.objective_value == pytest.approx(off.objective_value)
    assert off.start_objective is None


def test_parameter_changes_reach_highs(three_zones: Path) -> None:
    """Changing a mutable parameter between runs is pushed to HiGHS (sync), and the
    solution then loaded back satisfies the new floor."""
    rs = load_resolved(three_zones)
    d, m, _ = build(rs, "cost", common_floor=True)
    solver = hs.PersistentHighs(m, hs.SolverSettings(**EXACT))
    base = solver.run()
    for p in d.parties:
        m.theta[p] = 0.99
    tight = solver.run()
    assert base.status == "optimal"
    assert tight.status in ("infeasible", "optimal")
    if tight.status == "optimal":
        assert tight.objective >= base.objective - 1e-6


def _result(status: str, obj: float | None, bound: float | None, seed: int) -> hs._Result:
    values = None if obj is None else np.zeros(1)
    return hs._Result(status, obj, bound, values, 0, seed)


def test_combine_takes_a_proof_first() -> None:
    r = hs.combine([_result("feasible", 90.0, 80.0, 0), _result("optimal", 100.0, 100.0, 1)],
                   1e-3)
    assert (r.status, r.objective, r.seed) == ("optimal", 100.0, 1)
    r = hs.combine([_result("no_solution", None, None, 0), _result("infeasible", None, None, 1)],
                   1e-3)
    assert r.status == "infeasible"


def test_combine_merges_plans_and_bounds_honestly() -> None:
    """Two time-limited racers: best plan of one, best bound of the other; optimal only if
    that pair meets the gap target."""
    a, b = _result("feasible", 105.0, 90.0, 0), _result("feasible", 110.0, 100.0, 1)
    r = hs.combine([a, b], 1e-3)
    assert (r.status, r.objective, r.bound, r.seed) == ("feasible", 105.0, 100.0, 0)
    r = hs.combine([a, b], 0.05)
    assert r.status == "optimal"
    r = hs.combine([_result("no_solution", None, 50.0, 0)], 1e-3)
    assert (r.status, r.objective, r.bound) == ("no_solution", None, 50.0)
