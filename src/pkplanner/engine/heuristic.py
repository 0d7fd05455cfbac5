"""A fast starting plan for HiGHS: place the big units first, then the small ones.

Measured on the reference scenarios (benchmarks/results.md): once the zone-floor cut
closes the root gap, HiGHS proves the bound at the root in under a second but takes
5-15 s to find a plan near it. With the small units (fewer people than the minimum
contingent: observer, monitor teams, platoons) made continuous, the MIP that places
the big units reaches the LP bound itself; with the big units then fixed, placing the
small ones as integers takes a fraction of a second. Both run on the contributors the
LP relaxation uses (all of them again if that is too narrow). The plan is handed to the
full model as a start, so HiGHS only has to prove it (or improve it).
It works on copies of the HiGHS model the full solve uses, so nothing is rebuilt.

pkplanner.engine.highs never imports this module: the solve binds the start to its model and
data (`units_first`) and hands it to `PersistentHighs.run`, which only deals in columns.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import highspy
import numpy as np
import pyomo.environ as pyo

from pkplanner.engine.highs import Column, StartBuilder, check, configure, quiet_highs, run_checked

if TYPE_CHECKING:
    from pkplanner.engine.data import ModelData
    from pkplanner.engine.highs import Race

log = logging.getLogger(__name__)


def units_first(model: pyo.ConcreteModel, d: ModelData) -> StartBuilder:
    """The units-first start of `model` (built from, or last updated with, `d`), in the
    shape PersistentHighs.run takes (which times it: `Timings.start`)."""

    def build(column: Column, lp: highspy.HighsLp, seed: int, budget: float, gap: float,
              race: Race, threads: int) -> tuple[float, np.ndarray] | None:
        return units_first_start(model, d, column, lp, seed, budget, gap, race, threads)

    return build


def small_unit_columns(model: pyo.ConcreteModel, d: ModelData,
                       column: Column) -> tuple[list[int], list[int]]:
    """Columns of x for small units (below the minimum contingent) and for big ones."""
    threshold = d.rules.min_contingent if d.rules.min_contingent > 0 else 30
    small: list[int] = []
    big: list[int] = []
    for (_c, u, _z), var in model.x.items():
        col = column(var)
        if col is not None and not var.fixed:
            (small if d.pers[u] < threshold else big).append(col)
    return small, big


def units_first_start(model: pyo.ConcreteModel, d: ModelData,
                      column: Column, lp: highspy.HighsLp, seed: int,
                      budget: float, gap: float, race: Race, threads: int = 1
                      ) -> tuple[float, np.ndarray] | None:
    """(objective, column values) of a plan, or None if none was found in `budget`."""
    t0 = time.perf_counter()
    small, big = small_unit_columns(model, d, column)
    if not small or not big or budget <= 0.2:
        return None
    work, idx, integrality = relaxed_copy(lp, seed, threads)
    n = len(idx)
    # only the contributors the LP relaxation uses: the big-unit MIP is then several times
    # faster and still reaches the LP bound (karabakh_2020 C: 0.7-1.4 s against 2-8 s)
    unused = run_within(work, race, 0.2 * budget, threads) and _unused_contributors(
        model, column, np.array(work.getSolution().col_value))
    relaxed = integrality.copy()
    relaxed[small] = 0
    relaxed[presence_columns(model, column)] = 0    # with the small units: see below
    check(work, work.changeColsIntegrality(n, idx, relaxed), "changeColsIntegrality")
    configure(work, {"mip_rel_gap": max(gap, 1e-2)})
    if unused:
        work.changeColsBounds(len(unused), np.array(unused, dtype=np.int32),
                              np.zeros(len(unused)), np.zeros(len(unused)))
        # the whole big-unit share of the budget: when this MIP runs out of time, the one
        # over all contributors is larger and would not finish in what is left either
        # (karabakh_kcg_2014 C under the composition rules found a plan in 5-6 s here, and
        # none when cut at half the budget and retried with everyone)
        if not run_within(work, race, 0.7 * budget - (time.perf_counter() - t0), threads):
            if work.getModelStatus() != highspy.HighsModelStatus.kInfeasible:
                return None
            work.changeColsBounds(len(unused), np.array(unused, dtype=np.int32),  # too narrow:
                                  np.zeros(len(unused)), np.ones(len(unused)))    # everyone
            unused = []
    if not unused and not run_within(work, race, 0.7 * budget - (time.perf_counter() - t0),
                               threads):
        return None
    placed = np.round(np.array(work.getSolution().col_value)[big])
    work.changeColsBounds(len(big), np.array(big, dtype=np.int32), placed, placed)
    check(work, work.changeColsIntegrality(n, idx, integrality), "changeColsIntegrality")
    configure(work, {"mip_rel_gap": gap})
    if not run_within(work, race, budget - (time.perf_counter() - t0), threads):
        return None
    obj = float(work.getInfo().objective_function_value)
    log.debug("units-first start %.6g in %.2fs", obj, time.perf_counter() - t0)
    return obj, np.array(work.getSolution().col_value)


def presence_columns(model: pyo.ConcreteModel, column: Column) -> list[int]:
    """Columns of the presence binaries v[c,z] (min_contingent_zone,
    max_zones_per_contributor): relaxed with the small units while the big ones are placed,
    since whether a contributor is present in a zone with small units alone is decided
    with those units. Kept binary, the first MIP carried every presence choice and found no
    plan in its time on karabakh_kcg_2014 C."""
    if not hasattr(model, "v"):
        return []
    return [col for var in model.v.values() if (col := column(var)) is not None
            and not var.fixed]


def _unused_contributors(model: pyo.ConcreteModel, column: Column,
                         relaxed: np.ndarray) -> list[int]:
    """Columns of y[c] for the contributors without personnel in the LP solution (y is
    indexed by the contributors with an eligible unit, in the builder's order)."""
    out = []
    for c in model.y:
        y, pc = column(model.y[c]), column(model.P_c[c])
        if y is not None and pc is not None and relaxed[pc] < 1e-6 and not model.y[c].fixed:
            out.append(y)
    return out


def relaxed_copy(lp: highspy.HighsLp, seed: int, threads: int
                 ) -> tuple[highspy.Highs, np.ndarray, np.ndarray]:
    """A quiet, interruptible copy of `lp` with every column continuous (both starts begin
    from the LP relaxation), with the column indices and the integrality that restore it."""
    n = lp.num_col_
    idx = np.arange(n, dtype=np.int32)
    integrality = np.array(lp.integrality_, dtype=np.uint8)
    work = quiet_highs(lp, seed, threads)
    work.HandleUserInterrupt = True
    check(work, work.changeColsIntegrality(n, idx, np.zeros(n, dtype=np.uint8)),
          "changeColsIntegrality")
    return work, idx, integrality


def run_within(work: highspy.Highs, race: Race, seconds: float, threads: int) -> bool:
    """Run `work` within `seconds` unless the race is over; did it find a plan? (Both starts
    run their sub-MIPs this way: units-first here, the LP-guided one in lpstart.)"""
    if seconds <= 0.05 or not race.enter(work):
        return False
    try:
        configure(work, {"time_limit": float(seconds)})
        run_checked(work, threads)
    finally:
        race.leave(work)
    return bool(work.getInfo().primal_solution_status == 2)
