"""Re-solving one built model for scenarios that differ only in numbers (solve.Reusable)
gives the same answers as building each from scratch."""

from __future__ import annotations

from pathlib import Path

import pytest

from pkplanner.engine import highs as hs
from pkplanner.engine.solve import Reusable, document, solve
from pkplanner.scenario.resolve import load_resolved
from pkplanner.verify.check import verify

EXACT = hs.SolverSettings(time_limit=60, gap=0.0)

# numbers only: each is a parameter update on the model built for the first run
NUMERIC = [
    [],
    ["rules.max_share=0.5"],
    ["rules.max_share=0.3", "rules.max_share_zone=0.7"],
    ["acceptability.contributors.AZ.UKR=0.9", "acceptability.contributors.AM.UKR=0.6"],
    ["rules.acceptability_floor.AM=0.55"],
    ["contributors.UKR.max_personnel=150", "contributors.MNG.cost_per_person_month=9000"],
    ["zones.shusha.threat=3", "zones.loc_north.threat=1"],
    ["rules.personnel_max=240"],
    [],
]


@pytest.fixture(scope="module")
def reference(repo_root: Path) -> Path:
    return repo_root / "scenarios/karabakh_2020.yaml"


def test_numeric_changes_re_solve_the_same_model(reference: Path) -> None:
    reuse = Reusable(EXACT)
    modes = []
    for over in NUMERIC:
        rs = load_resolved(reference, "A", over)
        fresh = solve(rs, "cost", EXACT)
        again, mode = reuse.solve(load_resolved(reference, "A", over), "cost")
        modes.append(mode)
        assert again.status == fresh.status, over
        if fresh.objective_value is not None:
            assert again.objective_value == pytest.approx(fresh.objective_value), over
            assert [str(v) for v in verify(rs, document(rs, again))] == [], over
    assert modes == ["rebuild"] + ["persistent"] * (len(NUMERIC) - 1)


def test_a_structural_change_rebuilds(reference: Path) -> None:
    reuse = Reusable(EXACT)
    runs = [([], "rebuild"), (["rules.max_share=0.4"], "persistent"),
            (["vetoes=[]"], "rebuild"),                          # eligibility changes
            (["vetoes=[]", "rules.max_share=0.6"], "persistent"),
            (["vetoes=[]", "rules.max_share=1.0"], "rebuild"),   # the cap row goes away
            (["rules.group_caps.csto=0.3"], "rebuild"),         # a new cap row
            (["rules.group_caps.csto=0.2"], "persistent"),
            (["rules.min_contingent=40"], "rebuild")]            # padding cut changes
    for over, expected in runs:
        rs = load_resolved(reference, "A", over)
        out, mode = reuse.solve(rs, "cost")
        assert mode == expected, over
        assert out.objective_value == pytest.approx(solve(rs, "cost", EXACT).objective_value)


def test_acceptability_objective_reuses_and_coverage_rebuilds(reference: Path) -> None:
    reuse = Reusable(hs.SolverSettings(time_limit=60, gap=1e-6))
    _first, m1 = reuse.solve(load_resolved(reference, "A"), "acceptability")
    second, m2 = reuse.solve(load_resolved(reference, "A", ["rules.max_share=0.5"]),
                             "acceptability")
    assert (m1, m2) == ("rebuild", "persistent")
    fresh = solve(load_resolved(reference, "A", ["rules.max_share=0.5"]), "acceptability",
                  hs.SolverSettings(time_limit=60, gap=1e-6))
    assert second.objective_value == pytest.approx(fresh.objective_value, abs=2e-3)
    modes = [reuse.solve(load_resolved(reference, "A"), "coverage")[1] for _ in range(2)]
    assert modes == ["rebuild", "rebuild"]
