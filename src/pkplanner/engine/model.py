"""The force composition MILP (models/formulation.md), built with Pyomo.

`build_model` reads like the table of contents of formulation.md: variables, then one
function per constraint family, each adding components named after the family.
Engineering choices (all exact, measured in benchmarks/):
- x is created only for eligible (contributor, unit, zone) triples: vetoes and
  exclusions are filters, not rows;
- personnel aggregates P[c], P[z], N are variables, so share and acceptability rows
  have a handful of nonzeros instead of one per allocation;
- presence and lead-nation binaries are replaced by one aggregate row per zone
  whenever the rules allow it (min_contributors_zone <= 1, lead_min_share == 0);
- participation y[c] is linked per unit type (sum_z x <= avail * y), requirements are
  rounded up when capabilities are integral, and three valid cuts (padding per
  contributor, minimum units per zone, the zone size a whole unit forces under the zone
  share cap) tighten the LP bound.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from typing import Any

import pyomo.environ as pyo

from pkplanner.engine.data import ModelData, rounded_requirement
from pkplanner.rules.families import FAMILIES

log = logging.getLogger(__name__)

Objective = str  # "cost" | "coverage" | "feasibility"


def shortfall_penalty(d: ModelData) -> float:
    """Cost per unit of unmet requirement in soft mode: dearer than any person-month."""
    return 100.0 * max(d.rate.values(), default=1.0)


def build_model(d: ModelData, objective: Objective = "cost",
                skip: frozenset[str] = frozenset(), common_floor: bool = False
                ) -> pyo.ConcreteModel:
    """Build the MILP. `skip` drops whole families (used by the explanation);
    `common_floor` adds a mutable floor on every party's acceptability (acceptability
    objective, Pareto fronts)."""
    m = pyo.ConcreteModel(name="pkplanner")
    m._data = d
    m._skip = skip
    m._soft = d.rules.soft_requirements or objective == "coverage"
    steps = [
        add_variables, add_numbers,
        add_one_mandate, add_one_armament, add_mandate_armament, add_unit_armament,
        add_requirement, add_capacity, add_min_contingent,
        add_dominance, add_acceptability, add_armament_acceptability, add_language,
        add_lead_nation, add_size, add_budget, add_qrf,
    ]
    for step in steps:
        t0 = time.perf_counter()
        if step is add_acceptability:
            add_acceptability(m, d, common_floor)
        else:
            step(m, d)  # type: ignore[operator]
        log.debug("%s: %.3fs", step.__name__, time.perf_counter() - t0)
    set_objective(m, d, objective)
    return m


def on(m: pyo.ConcreteModel, family: str, *entity: str) -> bool:
    """Is this family (or this family's row for one entity, e.g. 'acceptability.AM') on?
    The explanation switches rules off one at a time through `skip`."""
    if family in m._skip:
        return False
    return not entity or ".".join((family, *entity)) not in m._skip


# ----------------------------------------------------------------------------- variables


def add_variables(m: pyo.ConcreteModel, d: ModelData) -> None:
    by_cz: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_z: dict[str, list[tuple[str, str]]] = defaultdict(list)
    by_c: dict[str, list[tuple[str, str]]] = defaultdict(list)
    by_cu: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c, u, z in d.eligible:
        by_cz[c, z].append(u)
        by_z[z].append((c, u))
        by_c[c].append((u, z))
        by_cu[c, u].append(z)
    m._by_cz, m._by_z, m._by_c, m._by_cu = by_cz, by_z, by_c, by_cu
    active_c = sorted(by_c)
    m._active_c = active_c

    m.x = pyo.Var(d.eligible, domain=pyo.NonNegativeIntegers,
                  bounds=lambda _m, c, u, z: (0, x_upper(d, c, u)))
    m.delta = pyo.Var(d.zones, domain=pyo.Binary)
    for z in d.zones:
        if d.required[z]:
            m.delta[z].fix(1)
        elif not d.zone_mandates[z]:
            m.delta[z].fix(0)
    zk = [(z, k) for z in d.zones for k in d.zone_mandates[z]]
    zl = [(z, lv) for z in d.zones for lv in d.zone_levels[z]]
    m.mu = pyo.Var(zk, domain=pyo.Binary)
    m.alpha = pyo.Var(zl, domain=pyo.Binary)
    m.y = pyo.Var(active_c, domain=pyo.Binary)
    m.P_c = pyo.Var(active_c, domain=pyo.NonNegativeReals)
    m.P_z = pyo.Var(d.zones, domain=pyo.NonNegativeReals)
    m.N = pyo.Var(domain=pyo.NonNegativeReals)

    m.def_P_c = pyo.Constraint(active_c, rule=lambda _m, c: _m.P_c[c] == sum(
        d.pers[u] * _m.x[c, u, z] for u, z in by_c[c]))
    m.def_P_z = pyo.Constraint(d.zones, rule=lambda _m, z: _m.P_z[z] == sum(
        d.pers[u] * _m.x[c, u, z] for c, u in by_z[z]))
    m.def_N = pyo.Constraint(expr=sum(m.P_c[c] for c in active_c) == m.N)


def x_upper(d: ModelData, c: str, u: str) -> int:
    return min(d.avail[c, u], d.maxpers[c] // d.pers[u])


# ----------------------------------------------------------------------------- numbers
# Every number a sweep or a Monte Carlo sample may change is a mutable Param, so a run
# that differs from the last only in these numbers is a parameter update and a re-solve
# on the same HiGHS model (solve.Reusable). What else the model depends on is its
# structure (`structure`): when that differs, the model is rebuilt.

SCALARS = ("max_share", "max_share_zone", "min_contributors", "language_share",
           "lead_min_share", "personnel_min", "personnel_max", "budget")


def numbers(m: pyo.ConcreteModel, d: ModelData) -> dict[str, Any]:
    """Values of the model's mutable parameters for the numbers in `d`."""
    r = d.rules
    cs = m._active_c
    xub = {k: x_upper(d, k[0], k[1]) for k in d.eligible}
    max_cap = {cap: max((v for (_u, cc), v in d.cap.items() if cc == cap), default=0.0)
               for (_z, _k, cap) in d.req}
    lead_big = {z: sum(d.pers[u] * xub[c, u, z] for c, u in m._by_z[z]) for z in d.zones}
    if r.personnel_max is not None:
        lead_big = {z: min(v, r.personnel_max) for z, v in lead_big.items()}
    return {
        "max_share": r.max_share, "max_share_zone": r.max_share_zone,
        "min_contributors": r.min_contributors, "language_share": r.language_share,
        "lead_min_share": r.lead_min_share, "personnel_min": r.personnel_min,
        "personnel_max": r.personnel_max if r.personnel_max is not None else 0.0,
        "budget": r.budget_per_month if r.budget_per_month is not None else 0.0,
        "rate": {c: d.rate[c] for c in cs},
        "maxpers": {c: d.maxpers[c] for c in cs},
        "avail": {k: d.avail[k] for k in m._by_cu},
        "xub": xub,
        "lead_big": lead_big,
        "need": {k: rounded_requirement(d, *k) for k in d.req},
        "need_units": {(z, k, cap): math.ceil(v / max_cap[cap] - 1e-9)
                       for (z, k, cap), v in d.req.items() if max_cap[cap] > 0},
        "acc": {(p, c): d.acc[p, c] for p in d.parties for c in cs},
        "acc_delta": {(p, c, z): v - d.acc[p, c] for (p, c, z), v in d.acc_zone.items()
                      if c in m._by_c},
        "group_cap": dict(r.group_caps),
        "armament_floor": {p: f for p, f in r.armament_floor.items()},
        "zone_floor": {(z, k): n for z, row in zone_floors(m, d).items()
                       for k, n in row.items()},
    }


def add_numbers(m: pyo.ConcreteModel, d: ModelData) -> None:
    for name, value in numbers(m, d).items():
        if isinstance(value, dict):
            setattr(m, f"n_{name}", pyo.Param(list(value), initialize=value, mutable=True,
                                                within=pyo.Reals))
        else:
            setattr(m, f"n_{name}", pyo.Param(initialize=value, mutable=True,
                                                within=pyo.Reals))


def update_numbers(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Load the numbers of `d` into a model built for the same structure."""
    for name, value in numbers(m, d).items():
        param = getattr(m, f"n_{name}")
        if isinstance(value, dict):
            for key, v in value.items():
                param[key] = v
        else:
            param.set_value(value)
    for (c, u, _z), var in m.x.items():
        var.setub(x_upper(d, c, u))
    if hasattr(m, "theta"):
        for p in d.parties:
            m.theta[p] = d.rules.acceptability_floor.get(p, 0.0)
    m._data = d


def structure(d: ModelData) -> str:
    """Everything the model's rows and columns depend on apart from `numbers`: two
    scenarios with the same structure differ only in parameter values."""
    r = d.rules
    rules = r.model_dump(mode="json")
    for name in ("max_share", "max_share_zone", "min_contributors", "language_share",
                 "lead_min_share", "personnel_min", "personnel_max", "budget_per_month"):
        rules.pop(name)
    rules["group_caps"] = sorted(g for g, v in r.group_caps.items() if v < 1.0)
    rules["acceptability_floor"] = sorted(p for p, v in r.acceptability_floor.items() if v > 0)
    rules["armament_floor"] = sorted(p for p, v in r.armament_floor.items() if v > 0)
    flags = [r.max_share < 1.0, r.max_share_zone < 1.0, r.min_contributors > 0,
             r.lead_min_share > 0, r.personnel_min > 0, r.personnel_max is None,
             r.budget_per_month is None]
    small = {c: [u for (cc, u) in d.avail if cc == c and d.pers[u] < r.min_contingent]
             for c in d.contributors}
    enough = {c: sum(d.avail[c, u] for u in us)
              >= math.ceil(r.min_contingent / max(d.pers[u] for u in us))
              for c, us in small.items() if us}      # which form the padding cut takes
    parts = [
        d.zones, d.required, d.weight, d.levels, d.mandates, d.units, d.pers, d.unit_rank,
        sorted(d.cap.items()), d.contributors, {c: sorted(v) for c, v in d.langs.items()},
        {c: sorted(v) for c, v in d.groups.items()}, d.parties, d.zone_levels,
        d.zone_mandates, d.mandate_band, sorted(k for k, v in d.req.items() if v > 0),
        d.eligible, sorted(d.removed_by_veto), sorted(d.acc_zone), sorted(d.armacc.items()),
        sorted(d.lead_ok.items()), sorted(d.reach), sorted(d.central.items()),
        sorted(d.avail), enough, rules, flags,
    ]
    return repr(parts)


def pers_cz(m: pyo.ConcreteModel, d: ModelData, c: str, z: str) -> Any:
    return sum(d.pers[u] * m.x[c, u, z] for u in m._by_cz.get((c, z), []))


# ----------------------------------------------------------------------------- families 1-4


def add_one_mandate(m: pyo.ConcreteModel, d: ModelData) -> None:
    m.one_mandate = pyo.Constraint(d.zones, rule=lambda _m, z: sum(
        _m.mu[z, k] for k in d.zone_mandates[z]) == _m.delta[z])


def add_one_armament(m: pyo.ConcreteModel, d: ModelData) -> None:
    m.one_armament = pyo.Constraint(d.zones, rule=lambda _m, z: sum(
        _m.alpha[z, lv] for lv in d.zone_levels[z]) == _m.delta[z])


def add_mandate_armament(m: pyo.ConcreteModel, d: ModelData) -> None:
    def rule(_m: Any, z: str, k: str) -> Any:
        lo, hi = d.mandate_band[k]
        levels = [lv for lv in d.zone_levels[z] if lo <= d.level_rank[lv] <= hi]
        if len(levels) == len(d.zone_levels[z]):
            return pyo.Constraint.Skip
        return _m.mu[z, k] <= sum(_m.alpha[z, lv] for lv in levels)
    m.mandate_armament = pyo.Constraint(list(m.mu.keys()), rule=rule)


def add_unit_armament(m: pyo.ConcreteModel, d: ModelData) -> None:
    def rule(_m: Any, c: str, u: str, z: str) -> Any:
        ok = [lv for lv in d.zone_levels[z] if d.level_rank[lv] >= d.unit_rank[u]]
        if len(ok) == len(d.zone_levels[z]) and d.required[z]:
            return pyo.Constraint.Skip      # every level the zone may take admits the unit
        return _m.x[c, u, z] <= _m.n_xub[c, u, z] * sum(_m.alpha[z, lv] for lv in ok)
    m.unit_armament = pyo.Constraint(d.eligible, rule=rule)


# ----------------------------------------------------------------------------- families 5-7


def add_requirement(m: pyo.ConcreteModel, d: ModelData) -> None:
    caps = sorted({cap for (_z, _k, cap) in d.req})
    zr = [(z, r) for z in d.zones for r in caps
          if any((z, k, r) in d.req for k in d.zone_mandates[z])]
    m._zr = zr
    if m._soft:
        m.shortfall = pyo.Var(zr, domain=pyo.NonNegativeReals)
    max_cap = {r: max((v for (u, cap), v in d.cap.items() if cap == r), default=0.0)
               for r in caps}

    def provided(_m: Any, z: str, r: str) -> Any:
        return sum(d.cap.get((u, r), 0.0) * _m.x[c, u, z] for c, u in _m._by_z[z]
                   if d.cap.get((u, r), 0.0) > 0)

    def need(_m: Any, z: str, r: str) -> Any:
        return sum(_m.n_need[z, k, r] * _m.mu[z, k] for k in d.zone_mandates[z]
                   if (z, k, r) in d.req)

    def rule(_m: Any, z: str, r: str) -> Any:
        if not on(_m, "requirement", z):
            return pyo.Constraint.Skip
        lhs = provided(_m, z, r) + (_m.shortfall[z, r] if _m._soft else 0)
        return lhs >= need(_m, z, r)

    if on(m, "requirement"):
        m.requirement = pyo.Constraint(zr, rule=rule)

        def min_units(_m: Any, z: str, r: str) -> Any:
            if _m._soft or max_cap[r] <= 0 or not on(_m, "requirement", z):
                return pyo.Constraint.Skip
            units = [(c, u) for c, u in _m._by_z[z] if d.cap.get((u, r), 0.0) > 0]
            rhs = sum(_m.n_need_units[z, k, r] * _m.mu[z, k]
                      for k in d.zone_mandates[z] if (z, k, r) in d.req)
            return sum(_m.x[c, u, z] for c, u in units) >= rhs
        m.requirement_min_units = pyo.Constraint(zr, rule=min_units)
    # structural: a deployed zone has somebody in it. This row also enforces
    # min_contributors_zone = 1 exactly, without presence binaries.
    m.deployed_presence = pyo.Constraint(d.zones, rule=lambda _m, z: sum(
        _m.x[c, u, z] for c, u in _m._by_z[z]) >= _m.delta[z])


def add_capacity(m: pyo.ConcreteModel, d: ModelData) -> None:
    limited = [c for c in m._active_c if on(m, "capacity", c)]
    free = [c for c in m._active_c if c not in limited]
    if free:        # capacity dropped (explanation): lift the bounds, keep x -> y linked
        big = {}
        for c in free:
            for u, z in m._by_c[c]:
                m.x[c, u, z].setub(1000)
            big[c] = sum(m.x[c, u, z].ub for u, z in m._by_c[c])
        m.capacity_link = pyo.Constraint(free, rule=lambda _m, c: sum(
            _m.x[c, u, z] for u, z in _m._by_c[c]) <= big[c] * _m.y[c])
    cu = sorted(k for k in m._by_cu if k[0] in limited)
    m.capacity_units = pyo.Constraint(cu, rule=lambda _m, c, u: sum(
        _m.x[c, u, z] for z in _m._by_cu[c, u]) <= _m.n_avail[c, u] * _m.y[c])
    m.capacity_personnel = pyo.Constraint(limited, rule=lambda _m, c:
                                          _m.P_c[c] <= _m.n_maxpers[c] * _m.y[c])
    # taking part means sending someone
    m.participation = pyo.Constraint(m._active_c, rule=lambda _m, c: _m.y[c] <= sum(
        _m.x[c, u, z] for u, z in _m._by_c[c]))


def add_min_contingent(m: pyo.ConcreteModel, d: ModelData) -> None:
    floor = d.rules.min_contingent
    if floor <= 0 or not on(m, "min_contingent"):
        return
    m.min_contingent = pyo.Constraint(m._active_c, rule=lambda _m, c:
                                      _m.P_c[c] >= floor * _m.y[c])

    def padding(_m: Any, c: str) -> Any:
        """Taking part needs one unit of at least `floor` people, or enough small ones."""
        owned = {u for (cc, u) in _m._by_cu if cc == c}
        small = [u for u in owned if d.pers[u] < floor]
        big = [u for u in owned if d.pers[u] >= floor]
        n_big = sum(_m.x[c, u, z] for u, z in _m._by_c[c] if u in big)
        if not small:
            return n_big >= _m.y[c] if big else pyo.Constraint.Skip
        need = math.ceil(floor / max(d.pers[u] for u in small))
        if sum(d.avail[c, u] for u in small) >= need:
            n_small = sum(_m.x[c, u, z] for u, z in _m._by_c[c] if u in small)
            return n_small + need * n_big >= need * _m.y[c]
        return n_big >= _m.y[c] if big else _m.y[c] <= 0
    m.min_contingent_padding = pyo.Constraint(m._active_c, rule=padding)


# ----------------------------------------------------------------------------- families 9-12


def add_dominance(m: pyo.ConcreteModel, d: ModelData) -> None:
    r = d.rules
    cs = m._active_c
    if r.max_share < 1.0 and on(m, "dominance.max_share"):
        m.dominance_max_share = pyo.Constraint(cs, rule=lambda _m, c:
                                               _m.P_c[c] <= _m.n_max_share * _m.N)
    if r.max_share_zone < 1.0 and on(m, "dominance.max_share_zone"):
        m.dominance_max_share_zone = pyo.Constraint(sorted(m._by_cz), rule=lambda _m, c, z:
                                                    pers_cz(_m, d, c, z)
                                                    <= _m.n_max_share_zone * _m.P_z[z])
        add_zone_floor(m, d)
    caps = {g: s for g, s in r.group_caps.items() if s < 1.0
            and on(m, "dominance.group_caps", g)}
    if caps and on(m, "dominance.group_caps"):
        m.dominance_group_caps = pyo.Constraint(sorted(caps), rule=lambda _m, g: sum(
            _m.P_c[c] for c in cs if g in d.groups[c]) <= _m.n_group_cap[g] * _m.N)
    if r.min_contributors > 0 and on(m, "dominance.min_contributors"):
        m.dominance_min_contributors = pyo.Constraint(
            expr=sum(m.y[c] for c in cs) >= m.n_min_contributors)
    if r.min_contributors_zone >= 2 and on(m, "dominance.min_contributors_zone"):
        cz = sorted(m._by_cz)
        m.v = pyo.Var(cz, domain=pyo.Binary)
        m.presence_link = pyo.Constraint(cz, rule=lambda _m, c, z: _m.v[c, z] <= sum(
            _m.x[c, u, z] for u in _m._by_cz[c, z]))
        m.dominance_min_contributors_zone = pyo.Constraint(d.zones, rule=lambda _m, z: sum(
            _m.v[c, zz] for c, zz in cz if zz == z) >= r.min_contributors_zone * _m.delta[z])


def add_acceptability(m: pyo.ConcreteModel, d: ModelData, common_floor: bool) -> None:
    floors = {p: d.rules.acceptability_floor.get(p, 0.0) for p in d.parties}
    m.theta = pyo.Param(d.parties, initialize=floors, mutable=True, within=pyo.Reals)
    parties = [p for p in d.parties if (floors[p] > 0 or common_floor)
               and on(m, "acceptability", p)]
    if not parties or not on(m, "acceptability"):
        return

    def rule(_m: Any, p: str) -> Any:
        base = sum(_m.n_acc[p, c] * _m.P_c[c] for c in _m._active_c)
        extra = sum(_m.n_acc_delta[p, c, z] * pers_cz(_m, d, c, z)
                    for (pp, c, z) in d.acc_zone
                    if pp == p and (c, z) in _m._by_cz)
        return base + extra >= _m.theta[p] * _m.N
    m.acceptability = pyo.Constraint(parties, rule=rule)


def zone_floors(m: pyo.ConcreteModel, d: ModelData) -> dict[str, dict[str, int]]:
    """Smallest zone size each mandate forces through the zone share cap: a needed
    capability needs one whole unit, and whoever sends it holds at most max_share_zone
    of the zone, so P_z >= (lightest unit providing it) / max_share_zone. The LP splits
    that unit between contributors and never sees it (on karabakh_2020 C this was the
    whole root gap: 4.6% without the row, 0.2% with it; benchmarks/results.md)."""
    share = d.rules.max_share_zone
    out: dict[str, dict[str, int]] = {}
    for z in d.zones:
        if not on(m, "requirement", z) or not m._by_z[z]:
            continue
        step = math.gcd(*(d.pers[u] for _c, u in m._by_z[z]))   # P_z moves in these steps
        floors: dict[str, int] = {}
        for k in d.zone_mandates[z]:
            lightest = [min((d.pers[u] for _c, u in m._by_z[z] if d.cap.get((u, r), 0.0) > 0),
                            default=0) for (zz, kk, r), v in d.req.items()
                        if zz == z and kk == k and v > 0]
            size = max(lightest, default=0) / share
            if size > 0:
                floors[k] = step * math.ceil(size / step - 1e-9)
        if floors:
            out[z] = floors
    return out


def add_zone_floor(m: pyo.ConcreteModel, d: ModelData) -> None:
    if m._soft or not on(m, "requirement"):
        return      # a shortfall may replace the unit, so the floor would not be valid
    floors: dict[str, list[str]] = defaultdict(list)     # computed once, in `numbers`
    for z, k in m.n_zone_floor:
        floors[z].append(k)
    m.dominance_max_share_zone_floor = pyo.Constraint(sorted(floors), rule=lambda _m, z:
                                                      _m.P_z[z] >= sum(
        _m.n_zone_floor[z, k] * _m.mu[z, k] for k in floors[z]))


def add_armament_acceptability(m: pyo.ConcreteModel, d: ModelData) -> None:
    floors = {p: f for p, f in d.rules.armament_floor.items()
              if f > 0 and on(m, "armament_acceptability", p)}
    if not floors or not on(m, "armament_acceptability"):
        return
    w = d.weight
    m.armament_acceptability = pyo.Constraint(sorted(floors), rule=lambda _m, p: sum(
        w[z] * d.armacc[p, lv] * _m.alpha[z, lv] for z, lv in _m.alpha)
        >= _m.n_armament_floor[p] * sum(w[z] * _m.delta[z] for z in d.zones))


def add_language(m: pyo.ConcreteModel, d: ModelData) -> None:
    lang = d.rules.working_language
    if lang is None or not on(m, "language"):
        return
    others = {c for c in m._active_c if lang not in d.langs[c]}
    zones = [z for z in d.zones if on(m, "language", z)]
    m.language = pyo.Constraint(zones, rule=lambda _m, z: sum(
        d.pers[u] * _m.x[c, u, z] for c, u in _m._by_z[z] if c in others)
        <= (1.0 - _m.n_language_share) * _m.P_z[z])


# ----------------------------------------------------------------------------- families 13-15


def add_lead_nation(m: pyo.ConcreteModel, d: ModelData) -> None:
    if not on(m, "lead_nation"):
        return
    r = d.rules
    zones = [z for z in d.zones if on(m, "lead_nation", z)]
    cands = {z: [c for c in m._active_c if (c, z) in m._by_cz and d.lead_ok[c, z]]
             for z in zones}
    if r.lead_min_share <= 0:
        if r.lead_min_acceptability <= 0:
            return      # whoever is present can lead: deployed_presence suffices
        # any acceptable contributor present can lead: one aggregate row per zone
        m.lead_nation = pyo.Constraint(zones, rule=lambda _m, z: sum(
            _m.x[c, u, z] for c in cands[z] for u in _m._by_cz[c, z]) >= _m.delta[z])
        return
    cz = [(c, z) for z in zones for c in cands[z]]
    m.lam = pyo.Var(cz, domain=pyo.Binary)
    m.lead_nation = pyo.Constraint(zones, rule=lambda _m, z: sum(
        _m.lam[c, z] for c in cands[z]) == _m.delta[z])
    m.lead_nation_present = pyo.Constraint(cz, rule=lambda _m, c, z: _m.lam[c, z] <= sum(
        _m.x[c, u, z] for u in _m._by_cz[c, z]))
    m.lead_nation_share = pyo.Constraint(cz, rule=lambda _m, c, z: pers_cz(_m, d, c, z)
                                         >= _m.n_lead_min_share * (
        _m.P_z[z] - _m.n_lead_big[z] * (1 - _m.lam[c, z])))


def add_size(m: pyo.ConcreteModel, d: ModelData) -> None:
    r = d.rules
    if not on(m, "size"):
        return
    if r.personnel_min > 0 and on(m, "size", "min"):
        m.size_min = pyo.Constraint(expr=m.n_personnel_min <= m.N)
    if r.personnel_max is not None and on(m, "size", "max"):
        m.size_max = pyo.Constraint(expr=m.n_personnel_max >= m.N)


def add_budget(m: pyo.ConcreteModel, d: ModelData) -> None:
    b = d.rules.budget_per_month
    if b is None or not on(m, "budget"):
        return
    m.budget = pyo.Constraint(expr=sum(m.n_rate[c] * m.P_c[c] for c in m._active_c)
                              <= m.n_budget)


def add_qrf(m: pyo.ConcreteModel, d: ModelData) -> None:
    r = d.rules
    if r.qrf_hours is None or not r.qrf_mandates or not on(m, "qrf"):
        return
    qrf_units = set(r.qrf_unit_types)
    zk = [(z, k) for z, k in m.mu if k in r.qrf_mandates and on(m, "qrf", z)]

    def rule(_m: Any, z: str, k: str) -> Any:
        near = [zz for zz in d.zones if (zz, z) in d.reach]
        units = [(c, u, zz) for zz in near for c, u in _m._by_z[zz] if u in qrf_units]
        if not units:
            return _m.mu[z, k] <= 0
        return sum(_m.x[c, u, zz] for c, u, zz in units) >= _m.mu[z, k]
    m.qrf = pyo.Constraint(zk, rule=rule)


# ----------------------------------------------------------------------------- objective


def cost_expr(m: pyo.ConcreteModel, d: ModelData) -> Any:
    return sum(m.n_rate[c] * m.P_c[c] for c in m._active_c)


def shortfall_expr(m: pyo.ConcreteModel, d: ModelData) -> Any:
    if not m._soft:
        return 0
    return sum(d.weight[z] * (1 + d.central[z]) * m.shortfall[z, r] for z, r in m._zr)


def set_objective(m: pyo.ConcreteModel, d: ModelData, objective: Objective) -> None:
    if objective == "coverage":
        expr = shortfall_expr(m, d)
    elif objective == "feasibility":
        expr = 0 * m.N
    else:
        expr = cost_expr(m, d) + shortfall_penalty(d) * shortfall_expr(m, d)
    m.objective = pyo.Objective(expr=expr, sense=pyo.minimize)


def constraint_families(m: pyo.ConcreteModel) -> dict[str, list[str]]:
    """Pyomo components present, grouped by family name (for reports and audits)."""
    out: dict[str, list[str]] = {}
    for comp in m.component_objects(pyo.Constraint, active=True):
        fam = family_of(comp.name)
        if fam is not None:
            out.setdefault(fam, []).append(comp.name)
    return out


def family_of(component: str) -> str | None:
    """Family of a Pyomo component: the longest family name it starts with."""
    best = None
    for f in FAMILIES:
        if (component == f.component or component.startswith(f.component + "_")) and (
                best is None or len(f.component) > len(best.component)):
            best = f
    return best.name if best else None
