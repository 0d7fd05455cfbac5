"""Solve a resolved scenario: build, warm-start, run HiGHS, read the plan back.

Objectives: `cost` (one MILP); `acceptability` (max-min over parties by bisection on a
common floor, re-solving one persistent model, then least cost at the best floor);
`coverage` (least weighted shortfall within the budget, then least cost at it).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from typing import Any

import pyomo.environ as pyo
import pyomo.version
from pyomo.core.expr.visitor import identify_variables

from pkplanner import __version__
from pkplanner.engine import highs as hs
from pkplanner.engine.data import ModelData, prepare
from pkplanner.engine.explain import explanation
from pkplanner.engine.heuristic import units_first
from pkplanner.engine.lpstart import lp_guided, portfolio, zone_choices
from pkplanner.engine.model import (
    Built,
    build_model,
    cost_expr,
    family_of,
    shortfall_expr,
    structure,
    update_numbers,
)
from pkplanner.engine.phased import (
    PhasedModel,
    build_phased,
    holdings,
    least_units,
    phase_view,
    phased_structure,
    prepare_phases,
    rotations,
)
from pkplanner.engine.results import (
    Plan,
    ZonePlan,
    allocation_frame,
    party_acceptability,
    solution_document,
)
from pkplanner.rules.catalog import BINDING
from pkplanner.scenario.phases import PhaseCase
from pkplanner.scenario.resolve import ResolvedScenario

HELPER_SUFFIXES = ("_padding", "_min_units", "_link", "_floor", "_balance")


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
    bound: float | None = None      # the best bound HiGHS proved (with or without a plan)
    error: str | None = None        # status "error": what HiGHS said
    nodes: int | None = None        # branch-and-bound nodes of the run that gave the answer
    timings: hs.Timings = field(default_factory=hs.Timings)    # seconds by stage
    phased: PhasedResult | None = None   # a phased scenario: every phase's plan (`plan` is
                                         # the first's) and what links them

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
    if hasattr(m, "flow"):
        plan.flows = {k: max(0.0, float(pyo.value(v) or 0.0)) for k, v in m.flow.items()}
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
    for comp in m.component_objects(pyo.Constraint, active=True, descend_into=False):
        name = comp.local_name
        fam = family_of(name)
        if fam not in BINDING or name.endswith(HELPER_SUFFIXES):
            continue
        suffix = name[len(fam.replace(".", "_")):].strip("_")
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
    """The data and the model of a scenario, and the seconds they took, for callers that
    export the model or drive HiGHS themselves; a re-solve also needs the model's index
    (`model.build_model` returns both)."""
    t0 = time.perf_counter()
    if rs.scenario.phases is not None:      # the phased model, first phase's data
        pm = build_phased(rs.scenario, skip)
        return pm.datas[0], pm.model, time.perf_counter() - t0
    d = prepare(rs.scenario)
    built = _model(d, objective, common_floor, skip)
    return d, built.model, time.perf_counter() - t0


def _model(d: ModelData, objective: str, common_floor: bool = False,
           skip: frozenset[str] = frozenset()) -> Built:
    return build_model(d, "coverage" if objective == "coverage" else "cost", skip=skip,
                       common_floor=common_floor)


def _hand_over(built: Built, settings: hs.SolverSettings,
               timings: hs.Timings) -> hs.PersistentHighs:
    t0 = time.perf_counter()
    solver = hs.PersistentHighs(built.model, settings)
    timings.handover += time.perf_counter() - t0
    return solver


def solve(rs: ResolvedScenario, objective: str | None = None,
          settings: hs.SolverSettings | None = None) -> Outcome:
    settings = settings or hs.SolverSettings()
    objective = objective or rs.scenario.objective
    if rs.scenario.phases is not None:
        return solve_phased(rs, settings)
    t0 = time.perf_counter()
    d = prepare(rs.scenario)
    built = _model(d, objective, common_floor=objective == "acceptability")
    timings = hs.Timings(load=rs.load_seconds, build=time.perf_counter() - t0)
    try:
        solver = _hand_over(built, settings, timings)
        return _run(d, built, solver, objective, settings, t0, timings)
    except hs.SolverError as e:
        return failed(d, objective, str(e), t0, timings)


@dataclass
class PhasedResult:
    """A phased plan: the phases, their data and plans, and what links them."""

    cases: list[PhaseCase]
    datas: list[ModelData]
    plans: list[Plan]
    transition: dict[str, Any]      # the `transition` block of the solution file


def solve_phased(rs: ResolvedScenario, settings: hs.SolverSettings,
                 skip: frozenset[str] = frozenset(), objective: str = "cost") -> Outcome:
    """One MILP over all phases (engine/phased.py), the units-first start placing every
    phase's units at once; the whole plan's cost is the objective."""
    t0 = time.perf_counter()
    pm = build_phased(rs.scenario, skip, objective)
    timings = hs.Timings(load=rs.load_seconds, build=time.perf_counter() - t0)
    try:
        solver = _hand_over(Built(pm.model, pm.builts[0].index), settings, timings)
    except hs.SolverError as e:
        return failed(pm.datas[0], "cost", str(e), t0, timings)
    return _run_phased(pm, solver, objective, settings, t0, timings)


# the units-first start of three phases takes about 4-5 s where a single period's takes
# 1-2 s (benchmarks/results.md): at the default quarter of a 20 s limit it was cut short
# and no plan came at all, so a phased solve lets it use up to 60% of the limit
PHASED_START_SHARE = 0.6


def _run_phased(pm: PhasedModel, solver: hs.PersistentHighs, objective: str,
                settings: hs.SolverSettings, t0: float, timings: hs.Timings,
                previous: bool = False) -> Outcome:
    d0 = pm.datas[0]
    solver.settings = dataclasses.replace(solver.settings, start_share=max(
        solver.settings.start_share, PHASED_START_SHARE))
    try:
        start = units_first(phase_view(pm), d0) if objective == "cost" else None
        stats = solver.run(start=start, previous=previous, time_limit=_left(settings, t0))
    except hs.SolverError as e:
        return failed(d0, "cost", str(e), t0, timings)
    timings.add(stats.timings)
    out = Outcome(stats.status, None, d0, "cost", stats.objective, stats.gap,
                  time.perf_counter() - t0, timings.build, stats.seconds, [],
                  stats.start_objective, stats.seed, bound=stats.bound, nodes=stats.nodes,
                  timings=timings)
    out.racers = settings.racers
    if stats.status in ("optimal", "feasible"):
        t1 = time.perf_counter()
        plans = [read_plan(b.model, d) for b, d in zip(pm.builts, pm.datas, strict=True)]
        out.phased = PhasedResult(pm.cases, pm.datas, plans,
                                  transition_records(pm, plans))
        out.plan = plans[0]
        timings.readback += time.perf_counter() - t1
    return out


def transition_records(pm: PhasedModel, plans: list[Plan]) -> dict[str, Any]:
    """What links the phases in the plan found: re-entries, rotation cohorts, and the
    transition rules at their limit. Re-entries and limits are read from the plans, not
    from the model's helper variables: a plan found within a gap may leave slack in those
    (re-entry people, lead-change counters only bound from below)."""
    ids = pm.ids
    here = []
    for plan, d in zip(plans, pm.datas, strict=True):
        pcz: dict[tuple[str, str], int] = {}
        for c, z, u, n in plan.allocations:
            pcz[c, z] = pcz.get((c, z), 0) + n * d.pers[u]
        here.append(pcz)
    reentries = []
    cost = pm.transition.reentry_cost_per_person
    if cost > 0:
        for i in range(2, len(ids)):
            for (c, z), people in sorted(here[i].items()):
                if people > 0 and not here[i - 1].get((c, z)) and any(
                        here[s].get((c, z)) for s in range(i - 1)):
                    reentries.append({"phase": ids[i], "contributor": c, "zone": z,
                                      "personnel": people, "cost": people * cost})
    cohorts = []
    if pm.transition.rotation_months is not None:
        months = [pc.months for pc in pm.cases]
        posts: dict[tuple[str, str], list[int]] = {}
        for i, plan in enumerate(plans):
            for c, _z, u, n in plan.allocations:
                posts.setdefault((c, u), [0] * len(ids))[i] += n
        for (c, u), per_phase in sorted(posts.items()):
            split = least_units(per_phase, months, pm.transition.rotation_months)
            for (s, t), n in sorted(split.items()):
                cohorts.append({"contributor": c, "unit_type": u, "from": ids[s],
                                "to": ids[t], "posts": n,
                                "units": n * rotations(months, s, t,
                                                       pm.transition.rotation_months)})
    return {"rules": pm.transition.model_dump(mode="json"),
            "reentries": reentries, "rotations": cohorts,
            "binding": transition_binding(pm, plans, here, cohorts)}


def transition_binding(pm: PhasedModel, plans: list[Plan],
                       people: list[dict[tuple[str, str], int]],
                       cohorts: list[dict[str, Any]]) -> list[str]:
    """The transition rules the plan holds with no slack: a phase as large as drawdown
    allows, a zone at the level it had (it may not rise), a zone whose lead changed as often
    as allowed, the last phase at the ceiling, a contributor's rotations taking all it
    holds of a unit type."""
    tr, ids = pm.transition, pm.ids
    size = [sum(p.values()) for p in people]
    out: list[str] = []
    if tr.max_growth is not None:
        out += [f"transition.drawdown.{ids[i]}" for i in range(1, len(ids))
                if size[i] >= (1 + tr.max_growth) * size[i - 1] - 1e-6 * (1 + size[i])]
    zones = [{zp.zone: zp for zp in plan.zones if zp.deployed} for plan in plans]
    if not tr.armament_may_rise:
        out += [f"transition.armament.{ids[i]}.{z}" for i in range(1, len(ids))
                for z, zp in zones[i].items()
                if z in zones[i - 1] and zones[i - 1][z].armament == zp.armament]
    if tr.lead_changes_per_zone is not None:
        for z in pm.datas[0].zones:
            pairs = [(zones[i - 1][z].lead, zones[i][z].lead) for i in range(1, len(ids))
                     if z in zones[i] and z in zones[i - 1]]
            if pairs and sum(a != b for a, b in pairs) >= tr.lead_changes_per_zone:
                out.append(f"transition.lead_changes.{z}")
    if tr.final_ceiling is not None and size[-1] >= tr.final_ceiling:
        out.append("transition.final_ceiling")
    if cohorts:
        held = holdings(pm.cases)
        taken: dict[tuple[str, str], int] = {}
        for r in cohorts:
            key = (r["contributor"], r["unit_type"])
            taken[key] = taken.get(key, 0) + r["units"]
        out += [f"transition.rotation.{c}.{u}" for (c, u), n in sorted(taken.items())
                if n >= held.get((c, u), 0)]
    return out


def failed(d: ModelData, objective: str, message: str, t0: float,
           timings: hs.Timings) -> Outcome:
    """The outcome of a solve HiGHS refused: status "error", no plan, no claim of a search."""
    return Outcome("error", None, d, objective, None, None, time.perf_counter() - t0,
                   timings.build, 0.0, error=f"HiGHS: {message}", timings=timings)


class Reusable:
    """Solve scenarios one after another on one built model while they differ only in
    numbers (`model.numbers`: caps, floors, scores, capacities, threat-driven needs,
    budget, rates): a parameter update and a re-solve on the same HiGHS model instead
    of a rebuild. A scenario with another structure (`model.structure`) is rebuilt, and
    the coverage objective, which adds rows while it solves, always is."""

    def __init__(self, settings: hs.SolverSettings):
        self.settings = settings
        self._state: tuple[tuple[str, str], Built, hs.PersistentHighs] | None = None
        self._phased: tuple[str, PhasedModel, hs.PersistentHighs] | None = None

    def forget(self) -> None:
        """Drop the kept model (after an interrupted solve it may be half-updated)."""
        self._state = None
        self._phased = None

    def _solve_phased(self, rs: ResolvedScenario) -> tuple[Outcome, str]:
        """A phased scenario on the kept phased model when only numbers changed: every
        phase's block updated as a single-period model is (`update_numbers`)."""
        t0 = time.perf_counter()
        self._state = None
        cases, datas = prepare_phases(rs.scenario)
        key = phased_structure(rs.scenario, cases, datas)
        if self._phased is not None and self._phased[0] == key:
            _key, pm, solver = self._phased
            for b, d in zip(pm.builts, datas, strict=True):
                update_numbers(b, d)
            pm.cases, pm.datas = cases, datas
            timings = hs.Timings(build=time.perf_counter() - t0)
            out = _run_phased(pm, solver, "cost", self.settings, t0, timings, previous=True)
            if out.status == "error":
                self.forget()
            return out, "persistent"
        self._phased = None
        pm = build_phased(rs.scenario, prepared=(cases, datas))
        timings = hs.Timings(build=time.perf_counter() - t0)
        try:
            solver = _hand_over(Built(pm.model, pm.builts[0].index), self.settings, timings)
        except hs.SolverError as e:
            return failed(datas[0], "cost", str(e), t0, timings), "rebuild"
        self._phased = (key, pm, solver)
        out = _run_phased(pm, solver, "cost", self.settings, t0, timings)
        if out.status == "error":
            self.forget()
        return out, "rebuild"

    def solve(self, rs: ResolvedScenario, objective: str | None = None
              ) -> tuple[Outcome, str]:
        """The outcome, and "persistent" (re-solved) or "rebuild"."""
        objective = objective or rs.scenario.objective
        if rs.scenario.phases is not None:
            return self._solve_phased(rs)
        self._phased = None
        t0 = time.perf_counter()
        d = prepare(rs.scenario)
        key = (objective, structure(d))
        if self._state is not None and self._state[0] == key:
            _key, built, solver = self._state
            update_numbers(built, d)
            timings = hs.Timings(build=time.perf_counter() - t0)
            try:
                return _run(d, built, solver, objective, self.settings, t0, timings,
                            previous=True), "persistent"
            except hs.SolverError as e:
                self.forget()
                return failed(d, objective, str(e), t0, timings), "persistent"
        self._state = None
        built = _model(d, objective, common_floor=objective == "acceptability")
        timings = hs.Timings(build=time.perf_counter() - t0)
        try:
            solver = _hand_over(built, self.settings, timings)
            if objective != "coverage":
                self._state = (key, built, solver)
            return _run(d, built, solver, objective, self.settings, t0, timings), "rebuild"
        except hs.SolverError as e:
            self.forget()
            return failed(d, objective, str(e), t0, timings), "rebuild"


def _run(d: ModelData, built: Built, solver: hs.PersistentHighs, objective: str,
         settings: hs.SolverSettings, t0: float, timings: hs.Timings,
         previous: bool = False) -> Outcome:
    """`previous`: a re-solve after a parameter change starts from the last plan.
    `timings` holds the stages before the first run; each run adds its own."""
    m = built.model
    if objective == "acceptability":
        out = _solve_acceptability(d, m, solver, settings, t0, timings)
        out.racers = settings.racers
        return out
    # the limit bounds the whole solve: the build and hand-over count against it
    stats = solver.run(start=starts(m, d), previous=previous, time_limit=_left(settings, t0))
    timings.add(stats.timings)
    start = stats.start_objective
    iterations: list[dict[str, Any]] = []
    if objective == "coverage" and stats.objective is not None:
        best = stats.objective
        iterations.append({"stage": "coverage", "shortfall": best, "status": stats.status})
        m.coverage_level = pyo.Constraint(expr=shortfall_expr(built, d)
                                          <= best * (1 + 1e-6) + 1e-6)
        m.objective.deactivate()
        m.cost_objective = pyo.Objective(expr=cost_expr(built, d), sense=pyo.minimize)
        left = _left(settings, t0)
        stats2 = solver.run(time_limit=max(0.05, left) if left is not None else None)
        timings.add(stats2.timings)
        if stats2.objective is not None:
            stats = hs.RunStats(_worst(stats.status, stats2.status), best, stats.bound,
                                stats.gap, stats.seconds + stats2.seconds, stats.nodes,
                                stats.seed)
    out = _outcome(m, d, objective, stats, t0, timings, iterations, start)
    out.racers = settings.racers
    return out


# The portfolio of starts: (name, share of the start's budget). The units-first start finds
# the optimum of the reference scenarios in 1-3 s and fails on the hard generated class
# (its big-unit MIP runs out of time and the small units then cannot be placed); the
# LP-guided start is the other way round (no plan in 10 s on karabakh_kcg_2014 C). Units-
# first goes first with the whole budget it had alone: cut to 0.5 or 0.7 of it, it was
# cut short under load on the reference scenarios (kcg C 28.8 s instead of 4.6 s). The
# LP-guided start runs only when it found nothing, with what units-first left (about half
# the budget when it fails on the hard class): with half a budget more on top, a
# units-first start that failed only because the machine was overloaded (karabakh_2020 C
# at a load average of 10-14) handed HiGHS a weak LP-guided plan late (19% gap at 60 s),
# so the starts together never take longer than units-first alone could. Measured:
# benchmarks/anytime.md.
PORTFOLIO: tuple[tuple[str, float], ...] = (("units_first", 1.0), ("lp_guided", 0.0))


def starts(m: pyo.ConcreteModel, d: ModelData) -> hs.StartBuilder:
    """The portfolio of starts of a single-period model."""
    builders = {"units_first": lambda: units_first(m, d),
                "lp_guided": lambda: lp_guided(zone_choices([m]))}
    return portfolio([(name, builders[name](), share) for name, share in PORTFOLIO])


def _worst(a: str, b: str) -> str:
    order = ["optimal", "feasible", "no_solution", "infeasible", "error"]
    return max(a, b, key=order.index)


def _outcome(m: pyo.ConcreteModel, d: ModelData, objective: str, stats: hs.RunStats,
             t0: float, timings: hs.Timings, iterations: list[dict[str, Any]],
             start: float | None) -> Outcome:
    plan = _read(m, d, timings) if stats.status in ("optimal", "feasible") else None
    return Outcome(stats.status, plan, d, objective, stats.objective, stats.gap,
                   time.perf_counter() - t0, timings.build, stats.seconds, iterations, start,
                   stats.seed, bound=stats.bound, nodes=stats.nodes, timings=timings)


def _read(m: pyo.ConcreteModel, d: ModelData, timings: hs.Timings) -> Plan:
    t0 = time.perf_counter()
    plan = read_plan(m, d)
    timings.readback += time.perf_counter() - t0
    return plan


def _left(settings: hs.SolverSettings, t0: float, share: float = 1.0) -> float | None:
    """What is left of the solve's time limit (counted from t0), times `share`."""
    if settings.time_limit is None:
        return None
    return max(0.0, settings.time_limit - (time.perf_counter() - t0)) * share


def _solve_acceptability(d: ModelData, m: pyo.ConcreteModel, solver: hs.PersistentHighs,
                         settings: hs.SolverSettings, t0: float, timings: hs.Timings,
                         tol: float = 1e-3) -> Outcome:
    """Bisection on a common floor, then least cost at the best floor, all within the one
    time limit: the bisection may use 70% of what is left, the least-cost solve the rest.
    When time runs out the best floor found so far stands (status feasible, its bracket in
    `iterations`), with the plan that reached it."""
    floors = {p: d.rules.acceptability_floor.get(p, 0.0) for p in d.parties}

    def set_floor(theta: float) -> None:
        for p in d.parties:
            m.theta[p] = max(floors[p], theta)

    def achieved(plan: Plan) -> float:
        return min(party_acceptability(allocation_frame(plan, d), d).values())

    iterations: list[dict[str, Any]] = []
    set_floor(0.0)
    stats = solver.run(gap=1.0, time_limit=_left(settings, t0))
    timings.add(stats.timings)
    iterations.append({"floor": 0.0, "status": stats.status})
    if stats.objective is None:
        return _outcome(m, d, "acceptability", stats, t0, timings, iterations, None)
    best = _read(m, d, timings)
    lo = achieved(best)
    hi = min(max(d.acc_in_zone(p, c, z) for c, _u, z in d.eligible) for p in d.parties)
    ceiling = hi                # proven: no plan reaches above it (a timed-out test proves nothing)
    proven, stopped = True, False
    phase = _left(settings, t0, 0.7)
    phase_end = None if phase is None else time.perf_counter() + phase
    while hi - lo > tol and len(iterations) < 40:
        limit = None if phase_end is None else phase_end - time.perf_counter()
        if limit is not None and limit < 0.05:
            proven, stopped = False, True
            break
        mid = (lo + hi) / 2
        set_floor(mid)
        st = solver.run(gap=1.0, time_limit=limit)
        timings.add(st.timings)
        iterations.append({"floor": mid, "status": st.status})
        if st.objective is not None:
            best = _read(m, d, timings)
            lo = max(mid, achieved(best))
        else:
            proven = proven and st.status == "infeasible"
            ceiling = mid if st.status == "infeasible" else ceiling
            hi = mid
    set_floor(lo - 1e-9)
    left = _left(settings, t0)
    final = (solver.run(start=units_first(m, d), time_limit=left)
             if left is None or left >= 0.05 else None)
    if final is not None:
        timings.add(final.timings)
    iterations.append({"floor": lo, "status": final.status if final else "not run",
                       "stage": "least cost", "bracket": [lo, ceiling],
                       **({"stopped": "time limit"} if stopped or final is None else {})})
    if final is None or final.objective is None:
        # no time (or no plan) for the least-cost step: the plan that reached the best floor
        spent = time.perf_counter() - t0
        return Outcome("feasible", best, d, "acceptability", lo, None, spent, timings.build,
                       spent - timings.build, iterations, None, stats.seed, bound=ceiling,
                       timings=timings)
    outcome = _outcome(m, d, "acceptability", final, t0, timings, iterations, None)
    if not proven and outcome.status == "optimal":
        outcome.status = "feasible"
    outcome.objective_value = achieved(outcome.plan) if outcome.plan else None
    return outcome


def document(rs: ResolvedScenario, outcome: Outcome, threads: int = 1,
             deadline: float | None = None, explain: bool = True) -> dict[str, Any]:
    """The solution file (docs/solution-file.md) of an outcome; an infeasible one is explained
    (by `deadline`, a time.monotonic(), when one is given), unless `explain` is False (batch
    sweeps, where an explanation per infeasible point would cost more than the sweep)."""
    conflicts: list[dict[str, Any]] = []
    extra: dict[str, Any] = {"iterations": outcome.iterations} if outcome.iterations else {}
    if outcome.status == "infeasible" and explain:
        ex = explanation(rs, deadline=deadline, known_infeasible=True)
        conflicts = [c.as_dict() for c in ex.conflicts]
        extra["explanation"] = {"complete": ex.complete, "note": ex.note,
                                "tests": ex.tests, "seconds": round(ex.seconds, 3)}
    elif outcome.status == "infeasible":
        extra["explanation"] = {"complete": False, "note": "not explained (batch run; "
                                "`pkplanner explain` gives the conflicting rules)",
                                "tests": 0, "seconds": 0.0}
    solver = {"name": "highs", "version": hs.version(), "seconds": round(outcome.seconds, 3),
              "solve_seconds": round(outcome.solver_seconds, 3),
              "build_seconds": round(outcome.build_seconds, 3), "threads": threads,
              "seed": outcome.seed, "racers": outcome.racers,
              "start_objective": outcome.start_objective, "pkplanner": __version__,
              "pyomo": str(pyomo.version.version),
              "bound": outcome.bound,
              **({"error": outcome.error} if outcome.error else {})}
    doc = solution_document(
        rs, outcome.data, outcome.plan, objective=outcome.objective,
        objective_value=outcome.objective_value, status=outcome.status, gap=outcome.gap,
        solver=solver, conflicts=conflicts, extra=extra or None)
    if rs.scenario.phases is not None:
        add_phases(rs, doc, outcome.phased)
    return doc


PHASE_PLAN_KEYS = ("zones", "allocations", "contributors", "acceptability",
                   "armament_acceptability", "totals", "binding", "flows", "logistics")


def add_phases(rs: ResolvedScenario, doc: dict[str, Any], phased: PhasedResult | None
               ) -> None:
    """A phased solution file: the first phase's plan in the single-period keys (what every
    reader of a plan shows), each phase's plan in `phases`, what links them in `transition`,
    and the whole plan's cost as the objective (docs/solution-file.md#phases)."""
    if phased is None:
        doc["phases"] = []
        return
    doc["phases"] = []
    for case, d, plan in zip(phased.cases, phased.datas, phased.plans, strict=True):
        one = solution_document(rs, d, plan, objective="cost", objective_value=None,
                                status=doc["status"], gap=None, solver={})
        doc["phases"].append({
            "id": case.id, "name": case.name, "months": case.months,
            "start_day": round(case.start_day, 3), "handed_over": list(case.handed_over),
            "local_police": {z.id: z.local_police for z in case.scenario.zones
                             if z.local_police},
            **{k: one[k] for k in PHASE_PLAN_KEYS if k in one}})
    doc["transition"] = phased.transition
    # the whole plan's cost as the file states it (each phase's cost and transport, and the
    # re-entries), which a plan found within a gap may undercut HiGHS's own figure by
    value = sum(p["months"] * (p["totals"]["cost_per_month"] + float(
        (p.get("logistics") or {}).get("transport_cost_per_month", 0.0)))
        for p in doc["phases"]) + sum(r["cost"] for r in phased.transition["reentries"])
    if not rs.scenario.rules.soft_requirements:
        doc["objective"]["value"] = value
        bound = doc["solver"].get("bound")
        if doc["mip_gap"] is not None and bound is not None:
            doc["mip_gap"] = hs.relative_gap(value, bound)
