"""The starts of the portfolio (engine/heuristic.py, engine/lpstart.py): each gives a plan
of the full model, which the independent verifier accepts, at the cost it reports; the
portfolio runs them as a fallback chain."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pytest

from pkplanner.engine import highs as hs
from pkplanner.engine.data import ModelData, prepare
from pkplanner.engine.heuristic import units_first
from pkplanner.engine.lpstart import lp_guided, portfolio, zone_choices
from pkplanner.engine.model import build_model
from pkplanner.engine.results import solution_document
from pkplanner.engine.solve import read_plan
from pkplanner.scenario.resolve import ResolvedScenario, load_resolved
from pkplanner.verify.check import verify

ROOT = Path(__file__).resolve().parents[1]
Builder = Callable[[Any, ModelData], hs.StartBuilder]
STARTS: dict[str, Builder] = {
    "units_first": units_first,
    "lp_guided": lambda m, _d: lp_guided(zone_choices([m])),
}


def hard_instance(tmp_path: Path, zones: int, contributors: int, seed: int = 1) -> Path:
    """A small instance of the benchmark's hard class (benchmarks/generate.py)."""
    spec = importlib.util.spec_from_file_location("bench_generate",
                                                  ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    sys.modules["bench_generate"] = gen
    spec.loader.exec_module(gen)
    doc = gen.generate(zones, contributors, seed, profile="hard")
    return Path(gen.write(doc, tmp_path / f"{doc['name']}.yaml"))


def start_document(rs: ResolvedScenario, make: Builder) -> tuple[float, dict[str, Any]]:
    """The start's plan alone, as a solution document (no HiGHS run after it)."""
    d = prepare(rs.scenario)
    built = build_model(d, "cost")
    solver = hs.PersistentHighs(built.model, hs.SolverSettings())
    got = make(built.model, d)(solver.column, solver.highs.getLp(), 0, 60.0, 1e-2,
                               hs.Race(), 1)
    assert got is not None, "the start found no plan"
    objective, values = got
    solver._load(values)
    plan = read_plan(built.model, d)
    doc = solution_document(rs, d, plan, objective="cost", objective_value=objective,
                            status="feasible", gap=None, solver={})
    return objective, doc


CASES = [("scenarios/examples/three_zones_veto.yaml", None),
         ("scenarios/karabakh_2020.yaml", "C")]


@pytest.mark.parametrize("start", sorted(STARTS))
@pytest.mark.parametrize(("path", "option"), CASES)
def test_start_plan_passes_the_verifier(start: str, path: str, option: str | None) -> None:
    rs = load_resolved(ROOT / path, option)
    objective, doc = start_document(rs, STARTS[start])
    assert [str(v) for v in verify(rs, doc)] == []
    assert doc["totals"]["cost_per_month"] == pytest.approx(objective, rel=1e-9)


@pytest.mark.parametrize("start", sorted(STARTS))
def test_start_plan_on_a_hard_instance_passes_the_verifier(start: str,
                                                           tmp_path: Path) -> None:
    rs = load_resolved(hard_instance(tmp_path, 6, 28))
    objective, doc = start_document(rs, STARTS[start])
    assert [str(v) for v in verify(rs, doc)] == []
    assert doc["totals"]["cost_per_month"] == pytest.approx(objective, rel=1e-9)


def test_lp_guided_follows_the_lp_mandates() -> None:
    """Every deployed zone gets the mandate the LP relaxation weighs most (that is what
    the start fixes before its MIP), unless that MIP had to free the armament only."""
    rs = load_resolved(ROOT / "scenarios/karabakh_2020.yaml", "C")
    d = prepare(rs.scenario)
    built = build_model(d, "cost")
    solver = hs.PersistentHighs(built.model, hs.SolverSettings())
    lp = solver.highs.getLp()
    relax = highspy.Highs()
    relax.setOptionValue("output_flag", False)
    relax.passModel(lp)
    n = lp.num_col_
    relax.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.zeros(n, dtype=np.uint8))
    relax.run()
    lp_values = np.array(relax.getSolution().col_value)
    got = lp_guided(zone_choices([built.model]))(solver.column, lp, 0, 60.0, 1e-2,
                                                  hs.Race(), 1)
    assert got is not None
    _obj, values = got
    m = built.model
    for z in d.zones:
        cols = {k: solver.column(m.mu[z, k]) for k in d.zone_mandates[z]
                if not m.mu[z, k].fixed}
        if not cols or sum(lp_values[c] for c in cols.values()) < 0.5:
            continue
        lp_choice = max(cols, key=lambda k: lp_values[cols[k]])
        assert round(values[cols[lp_choice]]) == 1, z


def _fake(name: str, result: tuple[float, np.ndarray] | None,
          calls: list[tuple[str, float]]) -> hs.StartBuilder:
    def build(column: hs.Column, lp: highspy.HighsLp, seed: int, budget: float, gap: float,
              race: hs.Race, threads: int) -> tuple[float, np.ndarray] | None:
        calls.append((name, budget))
        return result

    return build


def test_portfolio_falls_back_and_stops_at_the_first_plan() -> None:
    calls: list[tuple[str, float]] = []
    plan = (5.0, np.ones(2))
    chain = portfolio([("a", _fake("a", None, calls), 0.5), ("b", _fake("b", plan, calls), 0.3),
                       ("c", _fake("c", (1.0, np.zeros(2)), calls), 0.2)])
    got = chain(lambda _v: None, highspy.HighsLp(), 0, 10.0, 1e-2, hs.Race(), 1)
    assert got is plan
    assert [name for name, _ in calls] == ["a", "b"]
    # a's budget is its share; b gets its own share plus what a left unused
    assert calls[0][1] == pytest.approx(5.0)
    assert 7.9 < calls[1][1] <= 8.0
    calls.clear()       # shares above 1 in all: the fallback adds to the budget
    chain = portfolio([("a", _fake("a", None, calls), 1.0), ("b", _fake("b", plan, calls), 0.5)])
    assert chain(lambda _v: None, highspy.HighsLp(), 0, 10.0, 1e-2, hs.Race(), 1) is plan
    assert calls[0][1] == pytest.approx(10.0) and 14.9 < calls[1][1] <= 15.0


def test_portfolio_stops_when_the_race_is_over() -> None:
    calls: list[tuple[str, float]] = []
    race = hs.Race()
    race.finish()
    chain = portfolio([("a", _fake("a", (1.0, np.zeros(1)), calls), 1.0)])
    assert chain(lambda _v: None, highspy.HighsLp(), 0, 10.0, 1e-2, race, 1) is None
    assert calls == []
