"""The solution-level figures (pkplanner.solution.metrics) on a hand-made solution document."""

from __future__ import annotations

from typing import Any

import pytest

from pkplanner.solution import metrics


def doc_with_plan() -> dict[str, Any]:
    return {
        "status": "optimal",
        "mip_gap": 0.0005,
        "zones": [
            {"zone": "N", "deployed": True, "mandate": "observe", "armament": "observer",
             "personnel": 40, "lead": "AAA"},
            {"zone": "S", "deployed": True, "mandate": "separate", "armament": "armed",
             "personnel": 120, "lead": "BBB"},
            {"zone": "E", "deployed": False, "mandate": None, "armament": None,
             "personnel": 0, "lead": None},
            {"zone": "W", "deployed": True, "mandate": "observe", "armament": "observer",
             "personnel": 40, "lead": "AAA"},
        ],
        "contributors": [
            {"contributor": "BBB", "personnel": 120, "share": 0.6, "cost_per_month": 360000.0},
            {"contributor": "AAA", "personnel": 80, "share": 0.4, "cost_per_month": 160000.0},
        ],
        "acceptability": {"P1": 0.7, "P2": 0.45, "P3": 0.45},
        "armament_acceptability": {"P1": 0.5, "P2": 1},
        "totals": {"personnel": 200, "cost_per_month": 520000.0, "contributors": 2},
        "conflicts": [],
    }


def doc_without_plan() -> dict[str, Any]:
    return {
        "status": "infeasible",
        "mip_gap": None,
        "zones": [],
        "contributors": [],
        "acceptability": {},
        "armament_acceptability": {},
        "totals": {"personnel": 0, "cost_per_month": 0.0, "contributors": 0},
        "conflicts": [{"rule": "dominance.max_share", "detail": "..."}],
    }


def test_each_figure_of_a_plan() -> None:
    doc = doc_with_plan()
    assert metrics.has_plan(doc) is True
    assert metrics.personnel(doc) == 200
    assert metrics.cost_per_month(doc) == 520000.0
    assert metrics.n_contributors(doc) == 2
    assert metrics.largest_share(doc) == ("BBB", 0.6)
    assert metrics.acceptability(doc) == {"P1": 0.7, "P2": 0.45, "P3": 0.45}
    arm = metrics.armament_acceptability(doc)
    assert arm == {"P1": 0.5, "P2": 1.0}
    assert arm is not None and isinstance(arm["P2"], float)
    assert metrics.least_acceptability(doc) == ("P2", 0.45)      # the first on a tie
    profile = metrics.armament_profile(doc)
    assert profile == {"observer": 80, "armed": 120}
    assert profile is not None and list(profile) == ["observer", "armed"]   # zone order
    assert metrics.zones_deployed(doc) == 3
    assert metrics.mandates(doc) == ["observe", "separate"]
    assert metrics.gap(doc) == 0.0005


def test_largest_share_is_the_largest_not_the_first() -> None:
    doc = doc_with_plan()
    doc["contributors"].reverse()
    assert metrics.largest_share(doc) == ("BBB", 0.6)


def test_a_plan_needs_a_solved_status_and_zones() -> None:
    doc = doc_with_plan()
    assert metrics.has_plan(doc | {"status": "feasible"})
    assert not metrics.has_plan(doc | {"status": "no_solution"})
    assert not metrics.has_plan(doc | {"zones": []})
    assert metrics.least_acceptability(doc | {"acceptability": {}}) is None
    assert metrics.largest_share(doc | {"contributors": []}) is None


@pytest.mark.parametrize("fn", [
    metrics.personnel, metrics.cost_per_month, metrics.n_contributors, metrics.largest_share,
    metrics.acceptability, metrics.armament_acceptability, metrics.least_acceptability,
    metrics.armament_profile, metrics.zones_deployed, metrics.mandates,
])
def test_no_plan_no_figure(fn: Any) -> None:
    assert fn(doc_without_plan()) is None


def test_without_a_plan() -> None:
    doc = doc_without_plan()
    assert metrics.has_plan(doc) is False
    assert metrics.gap(doc) is None                   # the gap does not need a plan
    assert metrics.gap(doc | {"mip_gap": 0.25}) == 0.25
