"""A fast starting plan for HiGHS: the two-phase start of performance.md.

Solve the LP relaxation, fix each zone's mandate to the one the LP leans to, solve the
much smaller restricted MIP briefly, and hand that plan to the full model. It works on
a copy of the HiGHS model the full solve will use, so nothing is rebuilt.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

import highspy
import numpy as np

from pkplanner.highs import PersistentHighs

log = logging.getLogger(__name__)


def two_phase_start(solver: PersistentHighs, time_limit: float = 5.0) -> float | None:
    """Set a starting solution on `solver`; return its objective, or None if none found."""
    t0 = time.perf_counter()
    m = solver.model
    lp = solver.highs.getLp()
    n = lp.num_col_
    if n == 0:
        return None
    work = highspy.Highs()
    work.setOptionValue("output_flag", False)
    work.setOptionValue("random_seed", solver.settings.seed)
    work.passModel(lp)
    integrality = np.array(lp.integrality_, dtype=np.int32) if len(lp.integrality_) else None
    idx = np.arange(n, dtype=np.int32)
    work.changeColsIntegrality(n, idx, np.zeros(n, dtype=np.uint8))
    work.setOptionValue("time_limit", float(time_limit))
    work.run()
    if work.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    relaxed = np.array(work.getSolution().col_value)

    by_zone: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for (z, _k), var in m.mu.items():
        col = solver.column(var)
        if col is not None:
            by_zone[z].append((col, relaxed[col]))
    lower = np.array(lp.col_lower_, dtype=float)
    upper = np.array(lp.col_upper_, dtype=float)
    for cols in by_zone.values():
        if len(cols) < 2 or max(v for _, v in cols) < 1e-6:
            continue
        best = max(cols, key=lambda cv: cv[1])[0]
        for col, _ in cols:
            if col != best:
                upper[col] = 0.0
    if integrality is not None:
        work.changeColsIntegrality(n, idx, integrality.astype(np.uint8))
    work.changeColsBounds(n, idx, lower, upper)
    work.setOptionValue("time_limit", max(0.5, float(time_limit) - (time.perf_counter() - t0)))
    work.setOptionValue("mip_rel_gap", 0.01)
    work.run()
    info = work.getInfo()
    if info.primal_solution_status != 2:
        log.debug("two-phase start found no plan")
        return None
    solver.set_start(np.array(work.getSolution().col_value))
    log.debug("two-phase start %.3g in %.2fs", info.objective_function_value,
              time.perf_counter() - t0)
    return float(info.objective_function_value)
