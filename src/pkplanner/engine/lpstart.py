"""The LP-guided (two-phase) start, and the portfolio of starts the solve hands HiGHS.

shared/design/performance.md: on instances where many contributors offer only small teams
and the pool is stretched thin, the units-first start (engine/heuristic.py) finds nothing
and HiGHS alone needs 10-20 s for a first plan, but the LP relaxation already knows each
zone's mandate and armament well. Fixing each zone's mandate and armament to the LP's
choice leaves a MIP without the zone-level decisions, which HiGHS solves in a second or
two; its plan is a plan of the full model (only variables were fixed, no row was
changed), and HiGHS takes it as its start. Measured: benchmarks/results.md.

The start is a heuristic: the model of record and its optimum do not change, a start only
lets HiGHS find plans sooner. Like the units-first start it works on copies of the HiGHS
model the full solve uses (columns, not families), bound to the model's variables by the
caller; `portfolio` runs several starts within one budget and hands over the best plan.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np

from pkplanner.engine.heuristic import relaxed_copy, run_within
from pkplanner.engine.highs import Column, StartBuilder, check, configure

if TYPE_CHECKING:
    from pkplanner.engine.highs import Race

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ZoneChoice:
    """One zone's exclusive choices: its mandate binaries and its armament binaries (each
    group sums to the zone's deployment binary)."""

    mandates: tuple[Any, ...]
    levels: tuple[Any, ...]


def zone_choices(models: Sequence[Any]) -> list[ZoneChoice]:
    """The mandate and armament binaries of every zone of `models` (a single model, or
    every phase's block of a phased one): mu[z, k] and alpha[z, lv]."""
    out = []
    for m in models:
        by_zone: dict[Any, tuple[list[Any], list[Any]]] = {}
        for (z, _k), var in m.mu.items():
            by_zone.setdefault(z, ([], []))[0].append(var)
        for (z, _lv), var in m.alpha.items():
            by_zone.setdefault(z, ([], []))[1].append(var)
        out += [ZoneChoice(tuple(mu), tuple(al)) for mu, al in by_zone.values()]
    return out


def lp_guided(choices: list[ZoneChoice]) -> StartBuilder:
    """The two-phase start over these zone choices, in the shape PersistentHighs.run takes."""

    def build(column: Column, lp: highspy.HighsLp, seed: int, budget: float, gap: float,
              race: Race, threads: int) -> tuple[float, np.ndarray] | None:
        return lp_guided_start(choices, column, lp, seed, budget, gap, race, threads)

    return build


def lp_guided_start(choices: list[ZoneChoice], column: Column, lp: highspy.HighsLp,
                    seed: int, budget: float, gap: float, race: Race, threads: int = 1
                    ) -> tuple[float, np.ndarray] | None:
    """(objective, column values) of a plan, or None if none was found in `budget`.

    1. The LP relaxation. 2. In each zone the LP deploys (its mandates sum to one half or
    more), the mandate and the armament level with the largest LP value are fixed to 1 and
    the others to 0; a zone the LP leaves out is left free. 3. The restricted MIP. If it
    has no plan, the armament is freed and it runs again (the LP's level is the more
    fragile choice: acceptability floors and the mandate's band interact with it)."""
    t0 = time.perf_counter()
    groups = [(_columns(ch.mandates, column), _columns(ch.levels, column)) for ch in choices]
    if not any(mu for mu, _al in groups) or budget <= 0.2:
        return None
    work, idx, integrality = relaxed_copy(lp, seed, threads)
    n = len(idx)
    if not run_within(work, race, 0.3 * budget, threads):
        return None
    relaxed = np.array(work.getSolution().col_value)
    fix_mu: list[tuple[int, float]] = []
    fix_al: list[tuple[int, float]] = []
    for mu, al in groups:
        if not mu or sum(relaxed[c] for c in mu) < 0.5:
            continue
        best = max(mu, key=lambda c: relaxed[c])
        fix_mu += [(c, 1.0 if c == best else 0.0) for c in mu]
        if al:
            lv = max(al, key=lambda c: relaxed[c])
            fix_al += [(c, 1.0 if c == lv else 0.0) for c in al]
    check(work, work.changeColsIntegrality(n, idx, integrality), "changeColsIntegrality")
    # a 1% gap in the restricted MIP: a tighter one only delays the hand-over (the full
    # model's tree improves the plan anyway); 5% and more heuristic effort measured no faster
    configure(work, {"mip_rel_gap": max(gap, 1e-2)})
    lower, upper = np.array(lp.col_lower_), np.array(lp.col_upper_)
    # also fixing every integer column the LP leaves at zero made the restricted MIP slower,
    # not faster (no plan in 10 s on two of three hard seeds): measured, not kept
    for fixes in (fix_mu + fix_al, fix_mu):
        if fixes:
            cols = np.array([c for c, _v in fixes], dtype=np.int32)
            vals = np.array([v for _c, v in fixes])
            work.changeColsBounds(n, idx, lower, upper)
            work.changeColsBounds(len(cols), cols, vals, vals)
        left = budget - (time.perf_counter() - t0)
        if run_within(work, race, left, threads):
            obj = float(work.getInfo().objective_function_value)
            log.debug("LP-guided start %.6g in %.2fs", obj, time.perf_counter() - t0)
            return obj, np.array(work.getSolution().col_value)
        if work.getModelStatus() != highspy.HighsModelStatus.kInfeasible:
            return None         # out of time, not out of plans: a looser try would be slower
    return None


def _columns(variables: Sequence[Any], column: Column) -> list[int]:
    """The HiGHS columns of the variables that are not fixed."""
    cols = [column(v) for v in variables if not v.fixed]
    return [c for c in cols if c is not None]


def portfolio(starts: Sequence[tuple[str, StartBuilder, float]]) -> StartBuilder:
    """Several starts as a fallback chain: each runs only when the ones before it found
    no plan, with its share of the budget plus what they left unused. (Running the next
    start after a success measured slower on the reference scenarios, where units-first
    already gives the optimum: benchmarks/results.md.) `starts`: (name, builder, share);
    shares may sum to more than 1, so that a fallback adds time to a first start that
    keeps the whole budget it had alone."""

    def build(column: Column, lp: highspy.HighsLp, seed: int, budget: float, gap: float,
              race: Race, threads: int) -> tuple[float, np.ndarray] | None:
        t0 = time.perf_counter()
        given = 0.0
        for name, start, share in starts:
            given += share * budget
            left = given - (time.perf_counter() - t0)
            if left <= 0.2 or race.done.is_set():
                continue
            t1 = time.perf_counter()
            plan = start(column, lp, seed, left, gap, race, threads)
            log.debug("start %s: %s in %.2fs", name,
                      "none" if plan is None else f"{plan[0]:.6g}", time.perf_counter() - t1)
            if plan is not None:
                return plan
        return None

    return build
