"""Sensitivity: each binding rule relaxed one step, re-solved."""

from __future__ import annotations

from pathlib import Path

import pytest

from pkplanner.engine.highs import SolverSettings
from pkplanner.engine.sensitivity import sensitivity
from pkplanner.engine.solve import document, solve
from pkplanner.scenario.resolve import load_resolved
from pkplanner.verify.check import verify

EXACT = SolverSettings(time_limit=30, gap=0.0)


def cost(path: Path, *sets: str) -> float:
    rs = load_resolved(path, None, list(sets))
    out = solve(rs, None, EXACT)
    assert out.objective_value is not None
    assert [str(v) for v in verify(rs, document(rs, out))] == []
    return out.objective_value


def test_binding_max_share_relaxed_one_step(two_zones_path: Path) -> None:
    sets = ["rules.max_share=0.5", "rules.acceptability_floor.AM=0.6"]
    rs = load_resolved(two_zones_path, None, sets)
    doc = document(rs, solve(rs, None, EXACT))
    assert "dominance.max_share.AAA" in doc["binding"]
    [rec] = [r for r in sensitivity(rs, doc, settings=EXACT) if r["rule"] ==
             "dominance.max_share"]
    assert (rec["from"], rec["to"]) == (0.5, 0.55)
    expected = cost(two_zones_path, "rules.max_share=0.55",
                    "rules.acceptability_floor.AM=0.6") - cost(two_zones_path, *sets)
    assert rec["objective_change"] == pytest.approx(expected)
    assert rec["objective_change"] < 0


def test_binding_floor_relaxed_one_step(two_zones_path: Path) -> None:
    rs = load_resolved(two_zones_path, None, ["rules.acceptability_floor.AM=0.5525316455696202"])
    doc = document(rs, solve(rs, None, EXACT))
    assert "acceptability.AM" in doc["binding"]
    [rec] = [r for r in sensitivity(rs, doc, settings=EXACT) if r["rule"] == "acceptability.AM"]
    assert rec["to"] == pytest.approx(0.5025, abs=1e-4)
    assert rec["objective_change"] <= 0
