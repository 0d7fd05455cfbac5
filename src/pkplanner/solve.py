"""Solve a resolved scenario: build, warm-start, run HiGHS, read the plan back.

Objectives: `cost` (one MILP); `acceptability` (max-min over parties by bisection on a
common floor, re-solving one persistent model, then least cost at the best floor);
`coverage` (least weighted shortfall within the budget, then least cost at it).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import pyomo.environ as pyo
from pyomo.core.expr.visitor import identify_variables

from pkplanner import __version__
from pkplanner import highs as hs
from pkplanner.data import ModelData, prepare
from pkplanner.explain import explain
from pkplanner.model import (
    build_model,
    cost_expr,
    family_of,
    shortfall_expr,
    structure,
    update_numbers,
)
from pkplanner.results import (
    Plan,
    ZonePlan,
    allocation_frame,
    party_acceptability,
    solution_document,
)
from pkplanner.scenario import ResolvedScenario

BINDING_FAMILIES = {
    "requirement", "capacity", "min_contingent", "dominance.max_share",
    "dominance.max_share_zone", "dominance.group_caps", "dominance.min_contributors",
    "acceptability", "armament_acceptability", "language", "size", "budget",
}
HELPER_SUFFIXES = ("_padding", "_min_units", "_link", "_floor")


@dataclass
class Outcome:
    status: str
    plan: Plan | None
    data: ModelData
    objective: str
    objective_value: float | None
    gap: float | None
    seconds: float
    build_seconds: float
    solver_seconds: float
    iterations: list[dict[str, Any]] = field(default_factory=list)
    start_objective: float | None = None
    seed: int | None = None         # HiGHS seed of the run that produced the plan
    racers: int = 1

    @property
    def feasible(self) -> bool:
        return self.plan is not None


def read_plan(m: pyo.ConcreteModel, d: ModelData) -> Plan:
    alloc = [(c, z, u, round(pyo.value(v)))
             for (c, u, z), v in m.x.items() if round(pyo.value(v) or 0) > 0]
    zones = []
    for z in d.zones:
        deployed = round(pyo.value(m.delta[z])) == 1
        mandate = next((k for k in d.zone_mandates[z] if round(pyo.value(m.mu[z, k])) == 1),
                       None) if deployed else None
        level = next((lv for lv in d.zone_levels[z] if round(pyo.value(m.alpha[z, lv])) == 1),
                     None) if deployed else None
        zones.append(ZonePlan(z, deployed, mandate, level, None))
    plan = Plan(zones, alloc)
    choose_leads(m, d, plan)
    plan.binding = binding_rules(m)
    return plan


def choose_leads(m: pyo.ConcreteModel, d: ModelData, plan: Plan) -> None:
    """Read the lead nation, or pick it: the acceptable contributor with most people there."""
    df = allocation_frame(plan, d)
    for zp in plan.zones:
        if not zp.deployed:
            continue
        if hasattr(m, "lam"):
            zp.lead = next((c for (c, z), v in m.lam.items()
                            if z == zp.zone and round(pyo.value(v)) == 1), None)
            continue
        here = df[df["zone"] == zp.zone].groupby("contributor")["personnel"].sum()
        ok = [(-p, d.rate[c], c) for c, p in here.items() if d.lead_ok[c, zp.zone] and p > 0]
        zp.lead = min(ok)[2] if ok else None


def binding_rules(m: pyo.ConcreteModel, tol: float = 1e-6) -> list[str]:
    out = []
    for comp in m.component_objects(pyo.Constraint, active=True):
        fam = family_of(comp.name)
        if fam not in BINDING_FAMILIES or comp.name.endswith(HELPER_SUFFIXES):
            continue
        suffix = comp.name[len(fam.replace(".", "_")):].strip("_")
        for idx, con in comp.items():
            if all(abs(v.value or 0.0) < 1e-9 for v in identify_variables(con.body)):
                continue        # 0 <= 0: a rule about someone not taking part
            body = pyo.value(con.body)
            slack = min(body - pyo.value(con.lower) if con.has_lb() else math.inf,
                        pyo.value(con.upper) - body if con.has_ub() else math.inf)
            scale = 1.0 + abs(pyo.value(con.upper) if con.has_ub() else pyo.value(con.lower))
            if slack <= tol * scale:
                parts = [fam] + ([suffix] if suffix else [])
                if idx is not None:
                    parts += [str(i) for i in (idx if isinstance(idx, tuple) else (idx,))]
                out.append(".".join(parts))
    return out


def build(rs: ResolvedScenario, objective: str, common_floor: bool = False,
          skip: frozenset[str] = frozenset()) -> tuple[ModelData, pyo.ConcreteModel, float]:
    t0 = time.perf_counter()
    d = prepare(rs.scenario)
    m = _model(d, objective, common_floor, skip)
    return d, m, time.perf_counter() - t0


def _model(d: ModelData, objective: str, common_floor: bool = False,
           skip: frozenset[str] = frozenset()) -> pyo.ConcreteModel:
    return build_model(d, "coverage" if objective == "coverage" else "cost", skip=skip,
                       common_floor=common_floor)


def solve(rs: ResolvedScenario, objective: str | None = None,
          settings: hs.SolverSettings | None = None) -> Outcome:
    settings = settings or hs.SolverSettings()
    objective = objective or rs.scenario.objective
    t0 = time.perf_counter()
    d, m, build_s = build(rs, objective, common_floor=objective == "acceptability")
    solver = hs.PersistentHighs(m, settings)
    return _run(d, m, solver, objective, settings, t0, build_s)


class Reusable:
    """Solve scenarios one after another on one built model while they differ only in
    numbers (`model.numbers`: caps, floors, scores, capacities, threat-driven needs,
    budget, rates): a parameter update and a re-solve on the same HiGHS model instead
    of a rebuild. A scenario with another structure (`model.structure`) is rebuilt, and
    the coverage objective, which adds rows while it solves, always is."""

    def __init__(self, settings: hs.SolverSettings):
        self.settings = settings
        self._state: tuple[tuple[str, str], pyo.ConcreteModel, hs.PersistentHighs] | None \
            = None

    def forget(self) -> None:
        """Drop the kept model (after an interrupted solve it may be half-updated)."""
        self._state = None

    def solve(self, rs: ResolvedScenario, objective: str | None = None
              ) -> tuple[Outcome, str]:
        """The outcome, and "persistent" (re-solved) or "rebuild"."""
        objective = objective or rs.scenario.objective
        t0 = time.perf_counter()
        d = prepare(rs.scenario)
        key = (objective, structure(d))
        if self._state is not None and self._state[0] == key:
            _key, m, solver = self._state
            update_numbers(m, d)
            return _run(d, m, solver, objective, self.settings, t0,
                        time.perf_counter() - t0, previous=True), "persistent"
        self._state = None
        m = _model(d, objective, common_floor=objective == "acceptability")
        build_s = time.perf_counter() - t0
        solver = hs.PersistentHighs(m, self.settings)
        if objective != "coverage":
            self._state = (key, m, solver)
        return _run(d, m, solver, objective, self.settings, t0, build_s), "rebuild"


def _run(d: ModelData, m: pyo.ConcreteModel, solver: hs.PersistentHighs, objective: str,
         settings: hs.SolverSettings, t0: float, build_s: float,
         previous: bool = False) -> Outcome:
    """`previous`: a re-solve after a parameter change starts from the last plan."""
    if objective == "acceptability":
        out = _solve_acceptability(d, m, solver, settings, t0, build_s)
        out.racers = settings.racers
        return out
    stats = solver.run(start=True, previous=previous)
    start = stats.start_objective
    iterations: list[dict[str, Any]] = []
    if objective == "coverage" and stats.objective is not None:
        best = stats.objective
        iterations.append({"stage": "coverage", "shortfall": best, "status": stats.status})
        m.coverage_level = pyo.Constraint(expr=shortfall_expr(m, d) <= best * (1 + 1e-6) + 1e-6)
        m.objective.deactivate()
        m.cost_objective = pyo.Objective(expr=cost_expr(m, d), sense=pyo.minimize)
        stats2 = solver.run()
        if stats2.objective is not None:
            stats = hs.RunStats(_worst(stats.status, stats2.status), best, stats.bound,
                                stats.gap, stats.seconds + stats2.seconds, stats.nodes,
                                stats.seed)
    out = _outcome(m, d, objective, stats, t0, build_s, iterations, start)
    out.racers = settings.racers
    return out


def _worst(a: str, b: str) -> str:
    order = ["optimal", "feasible", "no_solution", "infeasible"]
    return max(a, b, key=order.index)


def _outcome(m: pyo.ConcreteModel, d: ModelData, objective: str, stats: hs.RunStats,
             t0: float, build_s: float, iterations: list[dict[str, Any]],
             start: float | None) -> Outcome:
    plan = read_plan(m, d) if stats.status in ("optimal", "feasible") else None
    return Outcome(stats.status, plan, d, objective, stats.objective, stats.gap,
                   time.perf_counter() - t0, build_s, stats.seconds, iterations, start,
                   stats.seed)


def _solve_acceptability(d: ModelData, m: pyo.ConcreteModel, solver: hs.PersistentHighs,
                         settings: hs.SolverSettings, t0: float, build_s: float,
                         tol: float = 1e-3) -> Outcome:
    floors = {p: d.rules.acceptability_floor.get(p, 0.0) for p in d.parties}

    def set_floor(theta: float) -> None:
        for p in d.parties:
            m.theta[p] = max(floors[p], theta)

    def achieved() -> float:
        plan = read_plan(m, d)
        return min(party_acceptability(allocation_frame(plan, d), d).values())

    iterations: list[dict[str, Any]] = []
    set_floor(0.0)
    stats = solver.run(gap=1.0)
    iterations.append({"floor": 0.0, "status": stats.status})
    if stats.objective is None:
        return _outcome(m, d, "acceptability", stats, t0, build_s, iterations, None)
    lo = achieved()
    hi = min(max(d.acc_in_zone(p, c, z) for c, _u, z in d.eligible) for p in d.parties)
    proven = True
    while hi - lo > tol and len(iterations) < 40:
        mid = (lo + hi) / 2
        set_floor(mid)
        st = solver.run(gap=1.0)
        iterations.append({"floor": mid, "status": st.status})
        if st.objective is not None:
            lo = max(mid, achieved())
        else:
            proven = proven and st.status == "infeasible"
            hi = mid
    set_floor(lo - 1e-9)
    final = solver.run(start=True)
    iterations.append({"floor": lo, "status": final.status, "stage": "least cost",
                       "bracket": [lo, hi]})
    if final.objective is None:
        return _outcome(m, d, "acceptability", final, t0, build_s, iterations, None)
    outcome = _outcome(m, d, "acceptability", final, t0, build_s, iterations, None)
    if not proven and outcome.status == "optimal":
        outcome.status = "feasible"
    outcome.objective_value = min(party_acceptability(
        allocation_frame(outcome.plan, d), d).values()) if outcome.plan else None
    return outcome


def document(rs: ResolvedScenario, outcome: Outcome, threads: int = 1) -> dict[str, Any]:
    """The solution file (contracts.md §3) of an outcome; an infeasible one is explained."""
    conflicts = []
    if outcome.status == "infeasible":
        conflicts = [c.as_dict() for c in explain(rs, known_infeasible=True)]
    return solution_document(
        rs, outcome.data, outcome.plan, objective=outcome.objective,
        objective_value=outcome.objective_value, status=outcome.status, gap=outcome.gap,
        solver={"name": "highs", "version": hs.version(), "seconds": round(outcome.seconds, 3),
                "solve_seconds": round(outcome.solver_seconds, 3),
                "build_seconds": round(outcome.build_seconds, 3), "threads": threads,
                "seed": outcome.seed, "racers": outcome.racers,
                "start_objective": outcome.start_objective, "pkplanner": __version__},
        conflicts=conflicts,
        extra={"iterations": outcome.iterations} if outcome.iterations else None,
    )
