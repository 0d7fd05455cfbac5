"""The phased MILP (models/formulation.md, family 17): one block per phase, linked.

Each phase is a single-period scenario (scenario/phases.py), and its block is built by the
single-period builder unchanged (`build_model(into=...)`), so every family, cut and helper
row holds per phase with no second copy of any rule. What links the phases is added here:
drawdown, armament that may not rise, lead-nation changes, the final ceiling, rotation
(units that relieve a post held longer than `rotation_months`) and the re-entry cost. The
objective is the whole plan's cost: each phase's cost per month times its months, plus
re-entry costs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

import highspy
import numpy as np
import pyomo.environ as pyo

from pkplanner.engine.data import ModelData, prepare
from pkplanner.engine.model import (
    Built,
    build_model,
    cost_expr,
    pers_cz,
    shortfall_expr,
    structure,
    tie_expr,
    x_upper,
)
from pkplanner.scenario.phases import PhaseCase, phase_cases
from pkplanner.scenario.schema import Scenario, Transition

TRANSITION = "transition"       # the family's name (rules/catalog.py)


@dataclass
class PhasedModel:
    model: pyo.ConcreteModel
    cases: list[PhaseCase]
    datas: list[ModelData]
    builts: list[Built]
    transition: Transition
    cohorts: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=dict)
    # (contributor, unit) -> (start phase, phase) pairs of its rotation cohorts

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.cases]


def rotations(months: list[float], start: int, end: int, every: float | None) -> int:
    """Units one post takes when held from phase `start` through phase `end` (0-based,
    inclusive): one, and one more for each further rotation of `every` months."""
    if end < start:
        return 0
    held = sum(months[start:end + 1])
    return 1 if every is None else max(1, math.ceil(held / every - 1e-9))


def prepare_phases(sc: Scenario) -> tuple[list[PhaseCase], list[ModelData]]:
    cases = phase_cases(sc)
    return cases, [prepare(c.scenario) for c in cases]


def phased_structure(sc: Scenario, cases: list[PhaseCase], datas: list[ModelData]) -> str:
    """What the phased model's rows depend on beyond the blocks' numbers: each block's
    structure (model.structure), the phases' months and the transition block, and the
    numbers the transition rows hold as constants (holdings for rotation, the offers that
    size the re-entry rows' big-M). Two scenarios with the same key differ only in numbers
    that `update_numbers` loads into the blocks (solve.Reusable)."""
    tr = sc.transition or Transition()
    constants = [sorted(d.avail.items()) + sorted(d.maxpers.items()) for d in datas] if (
        tr.rotation_months is not None or tr.reentry_cost_per_person > 0) else []
    return repr(([structure(d) for d in datas], [c.months for c in cases],
                 tr.model_dump(mode="json"), constants))


def build_phased(sc: Scenario, skip: frozenset[str] = frozenset(),
                 objective: str = "cost",
                 prepared: tuple[list[PhaseCase], list[ModelData]] | None = None
                 ) -> PhasedModel:
    """The phased model. `skip` names transition rows to leave out ("transition.drawdown",
    ...), as the explanation drops one rule at a time; objective "feasibility" for a zero
    objective. `prepared`: the phases and their data, when the caller has them."""
    cases, datas = prepared or prepare_phases(sc)
    tr = sc.transition or Transition()
    m = pyo.ConcreteModel(name="pkplanner_phased")
    ids = [c.id for c in cases]
    m.phase = pyo.Block(ids)
    explicit = tr.lead_changes_per_zone is not None and f"{TRANSITION}.lead_changes" not in skip
    builts = []
    for case, d in zip(cases, datas, strict=True):
        b = build_model(d, "coverage" if objective == "coverage" else "cost",
                        into=m.phase[case.id], explicit_lead=explicit)
        b.model.objective.deactivate()
        builts.append(b)
    pm = PhasedModel(m, cases, datas, builts, tr)

    def on(rule: str) -> bool:
        return f"{TRANSITION}.{rule}" not in skip and TRANSITION not in skip

    if tr.max_growth is not None and on("drawdown"):
        add_drawdown(pm)
    if not tr.armament_may_rise and on("armament"):
        add_armament_trend(pm)
    if explicit:
        add_lead_changes(pm)
    if tr.final_ceiling is not None and on("final_ceiling"):
        m.transition_final_ceiling = pyo.Constraint(
            expr=tr.final_ceiling >= m.phase[ids[-1]].N)
    if tr.rotation_months is not None and on("rotation"):
        add_rotation(pm)
    reentry = add_reentry(pm) if tr.reentry_cost_per_person > 0 and len(ids) >= 3 else 0
    months = [c.months for c in cases]
    total = sum(mo * (cost_expr(b, d) + tie_expr(b))
                for mo, b, d in zip(months, builts, datas, strict=True))
    if builts[0].index.soft:
        total = total + sum(mo * b.model.n_shortfall_penalty * shortfall_expr(b, d)
                            for mo, b, d in zip(months, builts, datas, strict=True))
    expr = 0 * m.phase[ids[0]].N if objective == "feasibility" else total + reentry
    m.objective = pyo.Objective(expr=expr, sense=pyo.minimize)
    return pm


def add_drawdown(pm: PhasedModel) -> None:
    m, ids, g = pm.model, pm.ids, pm.transition.max_growth or 0.0
    m.transition_drawdown = pyo.Constraint(ids[1:], rule=lambda _m, t: (
        1.0 + g) * _m.phase[ids[ids.index(t) - 1]].N >= _m.phase[t].N)


def add_armament_trend(pm: PhasedModel) -> None:
    """A zone deployed in two consecutive phases runs no heavier in the later one."""
    m = pm.model
    rows = []
    for i in range(1, len(pm.ids)):
        d0, d1 = pm.datas[i - 1], pm.datas[i]
        rows += [(pm.ids[i], z) for z in d1.zones if d0.zone_levels[z] and d1.zone_levels[z]]

    def rule(_m: Any, t: str, z: str) -> Any:
        i = pm.ids.index(t)
        d0, d1 = pm.datas[i - 1], pm.datas[i]
        now, before = _m.phase[t], _m.phase[pm.ids[i - 1]]
        top = max(d0.level_rank.values())
        return (sum(d1.level_rank[lv] * now.alpha[z, lv] for lv in d1.zone_levels[z])
                <= sum(d0.level_rank[lv] * before.alpha[z, lv] for lv in d0.zone_levels[z])
                + top * (1 - before.delta[z]))
    m.transition_armament = pyo.Constraint(rows, rule=rule)


def add_lead_changes(pm: PhasedModel) -> None:
    """A change is a zone deployed in two consecutive phases under another lead nation."""
    m, ids = pm.model, pm.ids
    limit = pm.transition.lead_changes_per_zone or 0
    zones = [z for z in pm.datas[0].zones]
    tz = [(t, z) for t in ids[1:] for z in zones]
    m.transition_lead_change = pyo.Var(tz, bounds=(0, 1))

    def lam(t: str, c: str, z: str) -> Any:
        b = m.phase[t]
        return b.lam[c, z] if hasattr(b, "lam") and (c, z) in b.lam else 0

    rows = [(t, z, c) for t, z in tz
            for c in pm.datas[ids.index(t)].contributors
            if hasattr(m.phase[t], "lam") and (c, z) in m.phase[t].lam]
    m.transition_lead_changes_link = pyo.Constraint(rows, rule=lambda _m, t, z, c: (
        _m.transition_lead_change[t, z] >= lam(t, c, z) - lam(ids[ids.index(t) - 1], c, z)
        - (1 - _m.phase[ids[ids.index(t) - 1]].delta[z])))
    m.transition_lead_changes = pyo.Constraint(zones, rule=lambda _m, z: sum(
        _m.transition_lead_change[t, z] for t in ids[1:]) <= limit)


def add_rotation(pm: PhasedModel) -> None:
    """Cohorts: w[c,u,s,t] posts of type u that c took up in phase s and still holds in t.
    A post held from s through t has taken rotations(s, t) units, so the units a cohort
    takes in t are rotations(s, t) - rotations(s, t-1) per post; the holdings bound the
    sum. Posts in a cohort only end (w non-increasing in t): a post left and taken up
    again is a new cohort, which never takes fewer units (ceil is subadditive).

    w may be fractional. Written as posts ending in each phase, e[s,t] = w[s,t] -
    w[s,t+1] >= 0, the rows say that the spans [s, t] cover each phase's posts exactly: an
    interval matrix, totally unimodular, so for whole posts the least units any split
    takes is reached by a whole split (`least_units` finds it for the file)."""
    m, ids = pm.model, pm.ids
    months = [c.months for c in pm.cases]
    every = pm.transition.rotation_months
    n = len(ids)
    deployed: dict[tuple[str, str], dict[int, list[Any]]] = defaultdict(dict)
    for i, b in enumerate(pm.builts):
        for (c, u), zs in b.index.by_cu.items():
            deployed[c, u][i] = [b.model.x[c, u, z] for z in zs]
    held = holdings(pm.cases)
    keys = sorted(deployed)
    cohort = [(c, u, s, t) for c, u in keys for s in range(n) for t in range(s, n)
              if all(i in deployed[c, u] for i in range(s, t + 1))]
    pm.cohorts = defaultdict(list)
    for c, u, s, t in cohort:
        pm.cohorts[c, u].append((s, t))
    # continuous: for whole posts per phase, the least units a split into cohorts takes is
    # reached by whole cohorts (`least_units`), so whole w would add branching, not rigour
    m.transition_rotation_w = pyo.Var(cohort, domain=pyo.NonNegativeReals)
    w = m.transition_rotation_w
    m.transition_rotation_balance = pyo.Constraint(
        [(c, u, i) for c, u in keys for i in deployed[c, u]],
        rule=lambda _m, c, u, i: sum(w[c, u, s, i] for s in range(i + 1)
                                     if (c, u, s, i) in w) == sum(deployed[c, u][i]))
    m.transition_rotation_link = pyo.Constraint(
        [k for k in cohort if k[3] > k[2]],
        rule=lambda _m, c, u, s, t: w[c, u, s, t] <= w[c, u, s, t - 1])

    def taken(c: str, u: str) -> Any:
        return sum((rotations(months, s, t, every) - rotations(months, s, t - 1, every))
                   * w[c, u, s, t] for s, t in pm.cohorts[c, u])
    m.transition_rotation = pyo.Constraint(
        [k for k in keys if k in held],
        rule=lambda _m, c, u: taken(c, u) <= held[c, u])


def holdings(cases: list[PhaseCase]) -> dict[tuple[str, str], int]:
    """(contributor, unit type) -> units it holds for the whole plan: a phase offers all
    of them, or none while the type is not yet ready."""
    out: dict[tuple[str, str], int] = {}
    for pc in cases:
        for con in pc.scenario.contributors:
            for u, k in con.units.items():
                out[con.id, u] = max(out.get((con.id, u), 0), k)
    return out


def add_reentry(pm: PhasedModel) -> Any:
    """Presence binaries where a return is possible, and E[c,z,t] >= the people c brings
    back to z in phase t after an absence in t-1 following presence in an earlier phase."""
    m = pm.model
    b_of = [b.model for b in pm.builts]

    def big(i: int, c: str, z: str) -> float:
        d = pm.datas[i]
        return float(sum(d.pers[u] * x_upper(d, c, u)
                         for u in pm.builts[i].index.by_cz.get((c, z), [])))

    here = [(i, c, z) for i, b in enumerate(pm.builts) for (c, z) in b.index.by_cz]
    present = set(here)
    back = [(i, c, z) for i, c, z in here if i >= 2
            and any((s, c, z) in present for s in range(i - 1))]
    need = {(s, c, z) for i, c, z in back for s in range(i)
            if (s, c, z) in present}
    m.transition_present = pyo.Var(sorted(need), domain=pyo.Binary)
    v = m.transition_present
    m.transition_present_link = pyo.Constraint(sorted(need), rule=lambda _m, i, c, z: (
        pers_cz(b_of[i], pm.datas[i], pm.builts[i].index, c, z) <= big(i, c, z) * v[i, c, z]))
    m.transition_present_floor = pyo.Constraint(sorted(need), rule=lambda _m, i, c, z: (
        v[i, c, z] <= sum(b_of[i].x[c, u, z] for u in pm.builts[i].index.by_cz[c, z])))
    m.transition_reentry = pyo.Var(back, domain=pyo.NonNegativeReals)
    rows = [(i, c, z, s) for i, c, z in back for s in range(i - 1) if (s, c, z) in need]

    def rule(_m: Any, i: int, c: str, z: str, s: int) -> Any:
        gone = v[i - 1, c, z] if (i - 1, c, z) in v else 0  # noqa: SIM401 (a Pyomo Var)
        return _m.transition_reentry[i, c, z] >= (
            pers_cz(b_of[i], pm.datas[i], pm.builts[i].index, c, z)
            - big(i, c, z) * (1 - v[s, c, z]) - big(i, c, z) * gone)
    m.transition_reentry_link = pyo.Constraint(rows, rule=rule)
    return pm.transition.reentry_cost_per_person * sum(m.transition_reentry[k] for k in back)


def phase_view(pm: PhasedModel) -> pyo.ConcreteModel:
    """Every phase's x, y and P_c under one roof, keyed as the start heuristic reads a
    single model (x by (c, u, z) triples, y and P_c by one key), so the units-first start
    places the units of all phases at once."""
    class _Items:
        def __init__(self, pairs: list[tuple[Any, Any]]):
            self._pairs = pairs

        def items(self) -> list[tuple[Any, Any]]:
            return self._pairs

    class _View:
        pass

    view = _View()
    blocks = [b.model for b in pm.builts]
    view.x = _Items([(k, v) for b in blocks for k, v in b.x.items()])  # type: ignore[attr-defined]
    view.y = {(i, c): b.y[c] for i, b in enumerate(blocks) for c in b.y}  # type: ignore[attr-defined]
    view.P_c = {(i, c): b.P_c[c] for i, b in enumerate(blocks)  # type: ignore[attr-defined]
                for c in b.P_c}
    return cast(pyo.ConcreteModel, view)


def least_units(posts: list[int], months: list[float], every: float | None
                ) -> dict[tuple[int, int], int]:
    """The split of a contributor's posts of one unit type (posts[i] in phase i) into spans
    of consecutive phases that takes the fewest units: {(first, last): posts}. A small LP
    whose vertex is whole (interval rows are totally unimodular), solved by HiGHS's
    simplex; the model's own cohorts may be fractional or split at random when the
    holdings do not bind."""
    n = len(posts)
    spans = [(s, t) for s in range(n) for t in range(s, n)
             if all(posts[i] > 0 for i in range(s, t + 1))]
    if not spans:
        return {}
    lp = highspy.HighsLp()
    lp.num_col_ = len(spans)
    lp.num_row_ = n
    lp.col_cost_ = np.array([rotations(months, s, t, every) for s, t in spans], dtype=float)
    lp.col_lower_ = np.zeros(len(spans))
    lp.col_upper_ = np.full(len(spans), highspy.kHighsInf)
    lp.row_lower_ = np.array(posts, dtype=float)
    lp.row_upper_ = np.array(posts, dtype=float)
    starts: list[int] = []
    index: list[int] = []
    for s, t in spans:
        starts.append(len(index))
        index += list(range(s, t + 1))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array([*starts, len(index)], dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.ones(len(index))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", "simplex")
    h.passModel(lp)
    h.run()
    values = h.getSolution().col_value
    return {span: round(v) for span, v in zip(spans, values, strict=True) if round(v) > 0}
