"""HiGHS through Pyomo's persistent v2 interface (`pyomo.contrib.solver` "highs").

One wrapper so the rest of pkplanner never touches the interface's quirks: it does
not raise on infeasible or time-limited runs, it reports incumbent, bound and gap
honestly (a time-limited plan is never "optimal"), and it gives the warm start access
to the underlying highspy model (columns in Pyomo's order) without rebuilding.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs


@dataclass
class SolverSettings:
    time_limit: float | None = 60.0
    gap: float = 1e-4
    threads: int = 1
    seed: int = 0
    warm_start: bool = False    # measured in benchmarks/results.md: the two-phase start
                                # delayed the first plan on every instance; opt in only
    highs_options: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunStats:
    status: str                    # optimal | feasible | infeasible | no_solution
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    nodes: int | None = None


# Pyomo's HiGHS interface redirects the process's stdout/stderr file descriptors while it
# loads and solves a model, so two solves in one process (app sessions, threads) must not
# overlap. Re-entrant: a solve may build helper models while holding it.
SOLVER_LOCK = threading.RLock()


def version() -> str:
    return f"{highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}." \
           f"{highspy.HIGHS_VERSION_PATCH}"


def relative_gap(obj: float | None, bound: float | None) -> float | None:
    if obj is None or bound is None:
        return None
    if abs(obj - bound) <= 1e-9:
        return 0.0
    return abs(obj - bound) / max(abs(obj), 1e-10)


class PersistentHighs:
    """A HiGHS instance holding one Pyomo model; re-solve after mutable-param changes."""

    def __init__(self, model: pyo.ConcreteModel, settings: SolverSettings):
        self.model = model
        self.settings = settings
        self.opt = Highs()
        with SOLVER_LOCK:
            self.opt.set_instance(model)

    @property
    def highs(self) -> highspy.Highs:
        return self.opt._solver_model

    def column(self, var: Any) -> int | None:
        return self.opt._pyomo_var_to_solver_var_map.get(id(var))

    def run(self, time_limit: float | None = None, gap: float | None = None,
            extra: dict[str, Any] | None = None) -> RunStats:
        s = self.settings
        options = {"random_seed": s.seed, "output_flag": False, **s.highs_options,
                   **(extra or {})}
        t0 = time.perf_counter()
        with SOLVER_LOCK:
            res = self._solve(time_limit, gap, options)
        seconds = time.perf_counter() - t0
        return self._stats(res, seconds)

    def _solve(self, time_limit: float | None, gap: float | None,
               options: dict[str, Any]) -> Any:
        s = self.settings
        res = self.opt.solve(
            self.model,
            time_limit=time_limit if time_limit is not None else s.time_limit,
            rel_gap=gap if gap is not None else s.gap,
            threads=s.threads,
            solver_options=options,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
        )
        if res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible):
            res.solution_loader.load_vars()
        return res

    def _stats(self, res: Any, seconds: float) -> RunStats:
        term = res.termination_condition
        has_sol = res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
        if term == TerminationCondition.convergenceCriteriaSatisfied and has_sol:
            status = "optimal"
        elif term in (TerminationCondition.provenInfeasible,
                      TerminationCondition.infeasibleOrUnbounded):
            status = "infeasible"
        elif has_sol:
            status = "feasible"
        else:
            status = "no_solution"
        obj = res.incumbent_objective if has_sol else None
        bound = res.objective_bound
        nodes = getattr(res.extra_info, "mip_node_count", None)
        return RunStats(status, obj, bound, relative_gap(obj, bound), seconds, nodes)

    def set_start(self, values: np.ndarray) -> None:
        sol = highspy.HighsSolution()
        sol.col_value = list(values)
        sol.value_valid = True
        self.highs.setSolution(sol)
