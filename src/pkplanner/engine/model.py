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
from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo

from pkplanner.engine.data import ModelData, rounded_requirement
from pkplanner.rules.catalog import FAMILIES

log = logging.getLogger(__name__)

Objective = str  # "cost" | "coverage" | "feasibility"


def shortfall_penalty(d: ModelData) -> float:
    """Cost per unit of unmet requirement in soft mode: dearer than any person-month."""
    return 100.0 * max(d.rate.values(), default=1.0)


@dataclass(frozen=True)
class ModelIndex:
    """What the families share besides the data: the eligible triples grouped the ways
    the rows sum them, which rules the explanation switched off, and whether needs may
    go short. Built once, before any component, and passed to every `add_<family>`, so a
    family's inputs are its arguments rather than attributes hung on the Pyomo model,
    and mypy sees them. It depends on the model's structure only (`structure`), which is
    what lets a model updated by `update_numbers` keep the index it was built with."""

    skip: frozenset[str]                        # families or 'family.entity' rows left out
    soft: bool                                  # shortfall variables instead of hard needs
    active_c: list[str]                         # contributors with an eligible unit (y, P_c)
    by_cz: dict[tuple[str, str], list[str]]     # (c, z) -> unit types
    by_z: dict[str, list[tuple[str, str]]]      # z -> (c, u); every zone, maybe empty
    by_c: dict[str, list[tuple[str, str]]]      # c -> (u, z)
    by_cu: dict[tuple[str, str], list[str]]     # (c, u) -> zones
    zr: list[tuple[str, str]]                   # (zone, capability) some mandate needs
    explicit_lead: bool = False                 # lead binaries even where an aggregate row
                                                # would do (phases count lead changes)

    def on(self, family: str, *entity: str) -> bool:
        """Is this family (or this family's row for one entity, e.g. 'acceptability.AM')
        on? The explanation switches rules off one at a time through `skip`."""
        if family in self.skip:
            return False
        return not entity or ".".join((family, *entity)) not in self.skip


def model_index(d: ModelData, objective: Objective = "cost",
                skip: frozenset[str] = frozenset(), explicit_lead: bool = False) -> ModelIndex:
    by_cz: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_z: dict[str, list[tuple[str, str]]] = {z: [] for z in d.zones}
    by_c: dict[str, list[tuple[str, str]]] = defaultdict(list)
    by_cu: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c, u, z in d.eligible:
        by_cz[c, z].append(u)
        by_z[z].append((c, u))
        by_c[c].append((u, z))
        by_cu[c, u].append(z)
    caps = sorted({cap for (_z, _k, cap) in d.req})
    zr = [(z, r) for z in d.zones for r in caps
          if any((z, k, r) in d.req for k in d.zone_mandates[z])]
    return ModelIndex(skip=skip, soft=d.rules.soft_requirements or objective == "coverage",
                      active_c=sorted(by_c), by_cz=dict(by_cz), by_z=by_z, by_c=dict(by_c),
                      by_cu=dict(by_cu), zr=zr, explicit_lead=explicit_lead)


@dataclass(frozen=True)
class Built:
    """A model and the index it was built on: updating its numbers (`update_numbers`) and
    the objective's expressions (`cost_expr`, `shortfall_expr`) need both."""

    model: pyo.ConcreteModel
    index: ModelIndex


def build_model(d: ModelData, objective: Objective = "cost",
                skip: frozenset[str] = frozenset(), common_floor: bool = False,
                into: pyo.Block | None = None, explicit_lead: bool = False) -> Built:
    """Build the MILP. `skip` drops whole families (used by the explanation);
    `common_floor` adds a mutable floor on every party's acceptability (acceptability
    objective, Pareto fronts). `into`: build on this block (one phase of a phased model,
    engine/phased.py) instead of a new model."""
    m = pyo.ConcreteModel(name="pkplanner") if into is None else into
    ix = model_index(d, objective, skip, explicit_lead)
    steps = [
        add_variables, add_numbers,
        add_one_mandate, add_one_armament, add_mandate_armament, add_unit_armament,
        add_requirement, add_capacity, add_min_contingent, add_min_contingent_zone,
        add_max_zones, add_dominance, add_acceptability, add_zone_acceptability,
        add_low_acceptability, add_armament_acceptability,
        add_robust_acceptability, add_language,
        add_lead_nation, add_size, add_budget, add_qrf, add_logistics,
    ]
    for step in steps:
        t0 = time.perf_counter()
        if step is add_acceptability:
            add_acceptability(m, d, ix, common_floor)
        elif step is add_robust_acceptability:
            add_robust_acceptability(m, d, ix, common_floor)
        else:
            step(m, d, ix)  # type: ignore[operator]
        log.debug("%s: %.3fs", step.__name__, time.perf_counter() - t0)
    built = Built(m, ix)
    set_objective(built, d, objective)
    return built


# ----------------------------------------------------------------------------- variables


def add_variables(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    active_c, by_z, by_c = ix.active_c, ix.by_z, ix.by_c
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

def numbers(ix: ModelIndex, d: ModelData) -> dict[str, Any]:
    """Values of the model's mutable parameters for the numbers in `d`."""
    r = d.rules
    cs = ix.active_c
    xub = {k: x_upper(d, k[0], k[1]) for k in d.eligible}
    max_cap = {cap: max((v for (_u, cc), v in d.cap.items() if cc == cap), default=0.0)
               for (_z, _k, cap) in d.req}
    lead_big = {z: sum(d.pers[u] * xub[c, u, z] for c, u in ix.by_z[z]) for z in d.zones}
    if r.personnel_max is not None:
        lead_big = {z: min(v, r.personnel_max) for z, v in lead_big.items()}
    return {
        "max_share": r.max_share, "max_share_zone": r.max_share_zone,
        "min_contributors": r.min_contributors, "language_share": r.language_share,
        "lead_min_share": r.lead_min_share, "personnel_min": r.personnel_min,
        "personnel_max": r.personnel_max if r.personnel_max is not None else 0.0,
        "budget_per_month": r.budget_per_month if r.budget_per_month is not None else 0.0,
        "shortfall_penalty": shortfall_penalty(d),
        "rate": {c: d.rate[c] for c in cs},
        "maxpers": {c: d.maxpers[c] for c in cs},
        "avail": {k: d.avail[k] for k in ix.by_cu},
        "xub": xub,
        "lead_big": lead_big,
        "need": {k: rounded_requirement(d, *k) for k in d.req},
        "need_units": {(z, k, cap): math.ceil(v / max_cap[cap] - 1e-9)
                       for (z, k, cap), v in d.req.items() if max_cap[cap] > 0},
        "acc": {(p, c): d.acc[p, c] for p in d.parties for c in cs},
        "acc_delta": {(p, c, z): v - d.acc[p, c] for (p, c, z), v in d.acc_zone.items()
                      if c in ix.by_c},
        "group_cap": {g: v for g, v in r.group_caps.items() if v < 1.0},
        "gamma": {p: d.gamma.get(p, 0.0) for p in d.parties},
        "acc_dev": {(p, c): v for (p, c), v in d.acc_dev.items() if c in ix.by_c},
        "armament_floor": {p: f for p, f in r.armament_floor.items() if f > 0},
        "zone_floor": {(z, k): n for z, row in zone_floors(ix, d).items()
                       for k, n in row.items()},
    }


def add_numbers(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    for name, value in numbers(ix, d).items():
        if isinstance(value, dict):
            setattr(m, f"n_{name}", pyo.Param(list(value), initialize=value, mutable=True,
                                                within=pyo.Reals))
        else:
            setattr(m, f"n_{name}", pyo.Param(initialize=value, mutable=True,
                                                within=pyo.Reals))


def update_numbers(built: Built, d: ModelData) -> None:
    """Load the numbers of `d` into a model built for the same structure."""
    m = built.model
    for name, value in numbers(built.index, d).items():
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


def structure(d: ModelData) -> str:
    """Everything the model's rows and columns depend on apart from `numbers`: two
    scenarios with the same structure differ only in parameter values, so a re-solve
    (solve.Reusable) may load the numbers of one into the model built for the other.

    A hand-kept list, checked rather than derived: tests/test_model_structure.py perturbs
    every field of ModelData and of its rules, one at a time, and fails when a model
    updated with the perturbed numbers differs from a fresh build while this key stayed
    the same. A key recorded from what the builder reads would be complete by
    construction, but reads come at the wrong grain: the builder reads `req` to know which
    rows exist while its values are numbers, and `avail` only to choose the form of the
    padding cut, so a recorder would either rebuild on every number or need the same
    hand-kept exceptions; and a proxy on every read would slow every build. The test
    checks the property that matters (updated model == rebuilt model), also for fields
    added later, since it enumerates them."""
    r = d.rules
    rules = r.model_dump(mode="json")
    for name in ("max_share", "max_share_zone", "min_contributors", "language_share",
                 "lead_min_share", "personnel_min", "personnel_max", "budget_per_month",
                 "robust_budget"):
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
        d.zones, d.required, d.weight, d.levels, d.level_rank, d.mandates, d.units, d.pers,
        d.unit_rank,
        sorted(d.cap.items()), d.contributors, {c: sorted(v) for c, v in d.langs.items()},
        {c: sorted(v) for c, v in d.groups.items()}, d.parties, d.zone_levels,
        d.zone_mandates, d.mandate_band, sorted(k for k, v in d.req.items() if v > 0),
        d.eligible, sorted(d.removed_by_veto), sorted(d.acc_zone), sorted(d.armacc.items()),
        sorted(d.lead_ok.items()), sorted(d.reach), sorted(d.central.items()),
        sorted(d.avail), enough, rules, flags,
        sorted(p for p, g in d.gamma.items() if g > 0), sorted(d.acc_dev),
        sorted(d.armacc_dev.items()),
        d.supply, sorted(d.routes.items()), sorted(d.hub_cap.items()), d.hubs, d.transit,
        d.tkm_month, sorted((k, sorted(v)) for k, v in d.counts.items()),
        {p: low_pairs(d, p) for p in d.parties},
    ]
    return repr(parts)


def pers_cz(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex, c: str, z: str) -> Any:
    return sum(d.pers[u] * m.x[c, u, z] for u in ix.by_cz.get((c, z), []))


# ----------------------------------------------------------------------------- families 1-4


def add_one_mandate(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    m.one_mandate = pyo.Constraint(d.zones, rule=lambda _m, z: sum(
        _m.mu[z, k] for k in d.zone_mandates[z]) == _m.delta[z])


def add_one_armament(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    m.one_armament = pyo.Constraint(d.zones, rule=lambda _m, z: sum(
        _m.alpha[z, lv] for lv in d.zone_levels[z]) == _m.delta[z])


def add_mandate_armament(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    def rule(_m: Any, z: str, k: str) -> Any:
        lo, hi = d.mandate_band[k]
        levels = [lv for lv in d.zone_levels[z] if lo <= d.level_rank[lv] <= hi]
        if len(levels) == len(d.zone_levels[z]):
            return pyo.Constraint.Skip
        return _m.mu[z, k] <= sum(_m.alpha[z, lv] for lv in levels)
    m.mandate_armament = pyo.Constraint(list(m.mu.keys()), rule=rule)


def add_unit_armament(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    def rule(_m: Any, c: str, u: str, z: str) -> Any:
        ok = [lv for lv in d.zone_levels[z] if d.level_rank[lv] >= d.unit_rank[u]]
        if len(ok) == len(d.zone_levels[z]) and d.required[z]:
            return pyo.Constraint.Skip      # every level the zone may take admits the unit
        return _m.x[c, u, z] <= _m.n_xub[c, u, z] * sum(_m.alpha[z, lv] for lv in ok)
    m.unit_armament = pyo.Constraint(d.eligible, rule=rule)


# ----------------------------------------------------------------------------- families 5-7


def add_requirement(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    caps = sorted({cap for (_z, _k, cap) in d.req})
    zr = ix.zr
    if ix.soft:
        m.shortfall = pyo.Var(zr, domain=pyo.NonNegativeReals)
    max_cap = {r: max((v for (u, cap), v in d.cap.items() if cap == r), default=0.0)
               for r in caps}

    def provided(_m: Any, z: str, r: str) -> Any:
        return sum(d.cap.get((u, r), 0.0) * _m.x[c, u, z] for c, u in ix.by_z[z]
                   if d.cap.get((u, r), 0.0) > 0)

    def need(_m: Any, z: str, r: str) -> Any:
        return sum(_m.n_need[z, k, r] * _m.mu[z, k] for k in d.zone_mandates[z]
                   if (z, k, r) in d.req)

    def rule(_m: Any, z: str, r: str) -> Any:
        if not ix.on("requirement", z):
            return pyo.Constraint.Skip
        lhs = provided(_m, z, r) + (_m.shortfall[z, r] if ix.soft else 0)
        return lhs >= need(_m, z, r)

    if ix.on("requirement"):
        m.requirement = pyo.Constraint(zr, rule=rule)

        def min_units(_m: Any, z: str, r: str) -> Any:
            if ix.soft or max_cap[r] <= 0 or not ix.on("requirement", z):
                return pyo.Constraint.Skip
            units = [(c, u) for c, u in ix.by_z[z] if d.cap.get((u, r), 0.0) > 0]
            rhs = sum(_m.n_need_units[z, k, r] * _m.mu[z, k]
                      for k in d.zone_mandates[z] if (z, k, r) in d.req)
            return sum(_m.x[c, u, z] for c, u in units) >= rhs
        m.requirement_min_units = pyo.Constraint(zr, rule=min_units)
        add_requirement_mandate(m, d, ix, max_cap)
    # structural: a deployed zone has somebody in it. This row also enforces
    # min_contributors_zone = 1 exactly, without presence binaries.
    m.deployed_presence = pyo.Constraint(d.zones, rule=lambda _m, z: sum(
        _m.x[c, u, z] for c, u in ix.by_z[z]) >= _m.delta[z])


def add_requirement_mandate(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex,
                            max_cap: dict[str, float]) -> None:
    """A mandate that lets only some units count toward a capability (Mandate.eligible)
    gets a row of its own over those units, active when the zone takes the mandate. The
    row over every unit stays: it is implied, and a model without such mandates is the
    one it always was."""
    zrk = [(z, r, k) for z, r in ix.zr for k in d.zone_mandates[z]
           if (z, k, r) in d.req and (k, r) in d.counts and ix.on("requirement", z)]
    if not zrk:
        return

    def units(z: str, r: str, k: str) -> list[tuple[str, str]]:
        return [(c, u) for c, u in ix.by_z[z]
                if d.cap.get((u, r), 0.0) > 0 and d.counts_toward(k, r, u)]

    m.requirement_mandate = pyo.Constraint(zrk, rule=lambda _m, z, r, k: sum(
        d.cap[u, r] * _m.x[c, u, z] for c, u in units(z, r, k))
        + (_m.shortfall[z, r] if ix.soft else 0) >= _m.n_need[z, k, r] * _m.mu[z, k])
    if ix.soft:
        return
    m.requirement_mandate_min_units = pyo.Constraint(
        [t for t in zrk if max_cap[t[1]] > 0], rule=lambda _m, z, r, k: sum(
            _m.x[c, u, z] for c, u in units(z, r, k)) >= _m.n_need_units[z, k, r] * _m.mu[z, k])


def add_capacity(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    limited = [c for c in ix.active_c if ix.on("capacity", c)]
    free = [c for c in ix.active_c if c not in limited]
    if free:        # capacity dropped (explanation): lift the bounds, keep x -> y linked
        big = {}
        for c in free:
            for u, z in ix.by_c[c]:
                m.x[c, u, z].setub(1000)
            big[c] = sum(m.x[c, u, z].ub for u, z in ix.by_c[c])
        m.capacity_link = pyo.Constraint(free, rule=lambda _m, c: sum(
            _m.x[c, u, z] for u, z in ix.by_c[c]) <= big[c] * _m.y[c])
    cu = sorted(k for k in ix.by_cu if k[0] in limited)
    m.capacity_units = pyo.Constraint(cu, rule=lambda _m, c, u: sum(
        _m.x[c, u, z] for z in ix.by_cu[c, u]) <= _m.n_avail[c, u] * _m.y[c])
    m.capacity_personnel = pyo.Constraint(limited, rule=lambda _m, c:
                                          _m.P_c[c] <= _m.n_maxpers[c] * _m.y[c])
    # taking part means sending someone
    m.participation = pyo.Constraint(ix.active_c, rule=lambda _m, c: _m.y[c] <= sum(
        _m.x[c, u, z] for u, z in ix.by_c[c]))


def add_min_contingent(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    floor = d.rules.min_contingent
    if floor <= 0 or not ix.on("min_contingent"):
        return
    m.min_contingent = pyo.Constraint(ix.active_c, rule=lambda _m, c:
                                      _m.P_c[c] >= floor * _m.y[c])

    def padding(_m: Any, c: str) -> Any:
        """Taking part needs one unit of at least `floor` people, or enough small ones."""
        owned = {u for (cc, u) in ix.by_cu if cc == c}
        small = [u for u in owned if d.pers[u] < floor]
        big = [u for u in owned if d.pers[u] >= floor]
        n_big = sum(_m.x[c, u, z] for u, z in ix.by_c[c] if u in big)
        if not small:
            return n_big >= _m.y[c] if big else pyo.Constraint.Skip
        need = math.ceil(floor / max(d.pers[u] for u in small))
        if sum(d.avail[c, u] for u in small) >= need:
            n_small = sum(_m.x[c, u, z] for u, z in ix.by_c[c] if u in small)
            return n_small + need * n_big >= need * _m.y[c]
        return n_big >= _m.y[c] if big else _m.y[c] <= 0
    m.min_contingent_padding = pyo.Constraint(ix.active_c, rule=padding)


# ----------------------------------------------------------------------------- families 9-12


def add_dominance(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    r = d.rules
    cs = ix.active_c
    if r.max_share < 1.0 and ix.on("dominance.max_share"):
        m.dominance_max_share = pyo.Constraint(cs, rule=lambda _m, c:
                                               _m.P_c[c] <= _m.n_max_share * _m.N)
    if r.max_share_zone < 1.0 and ix.on("dominance.max_share_zone"):
        m.dominance_max_share_zone = pyo.Constraint(sorted(ix.by_cz), rule=lambda _m, c, z:
                                                    pers_cz(_m, d, ix, c, z)
                                                    <= _m.n_max_share_zone * _m.P_z[z])
        add_zone_floor(m, d, ix)
    caps = {g: s for g, s in r.group_caps.items() if s < 1.0
            and ix.on("dominance.group_caps", g)}
    if caps and ix.on("dominance.group_caps"):
        m.dominance_group_caps = pyo.Constraint(sorted(caps), rule=lambda _m, g: sum(
            _m.P_c[c] for c in cs if g in d.groups[c]) <= _m.n_group_cap[g] * _m.N)
    if r.min_contributors > 0 and ix.on("dominance.min_contributors"):
        m.dominance_min_contributors = pyo.Constraint(
            expr=sum(m.y[c] for c in cs) >= m.n_min_contributors)
    if r.min_contributors_zone >= 2 and ix.on("dominance.min_contributors_zone"):
        cz = presence(m, ix)
        m.dominance_min_contributors_zone = pyo.Constraint(d.zones, rule=lambda _m, z: sum(
            _m.v[c, zz] for c, zz in cz if zz == z) >= r.min_contributors_zone * _m.delta[z])


def presence(m: pyo.ConcreteModel, ix: ModelIndex, upper: bool = False
             ) -> list[tuple[str, str]]:
    """The presence binaries v[c,z], made once for the families that count presence:
    `presence_link` (v <= units there) lets v be 1 only where c has units; with `upper`,
    `presence_upper` (units there <= their bound x v) makes v 1 wherever c has units, so v
    is exactly "c is present in z". Returns the (c, z) pairs v is indexed by."""
    cz = sorted(ix.by_cz)
    if not hasattr(m, "v"):
        m.v = pyo.Var(cz, domain=pyo.Binary)
        m.presence_link = pyo.Constraint(cz, rule=lambda _m, c, z: _m.v[c, z] <= sum(
            _m.x[c, u, z] for u in ix.by_cz[c, z]))
    if upper and not hasattr(m, "presence_upper"):
        cuz = [(c, u, z) for c, z in cz for u in ix.by_cz[c, z]]
        m.presence_upper = pyo.Constraint(cuz, rule=lambda _m, c, u, z:
                                          _m.x[c, u, z] <= _m.n_xub[c, u, z] * _m.v[c, z])
    return cz


def add_min_contingent_zone(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    """A contributor present in a zone has at least min_contingent_zone people there. The
    padding cut is min_contingent's, per zone: present with only units below the floor,
    c needs enough of them; the LP would otherwise spread v thin and never see the floor."""
    floor = d.rules.min_contingent_zone
    if floor <= 0 or not ix.on("min_contingent_zone"):
        return
    cz = presence(m, ix, upper=True)
    m.min_contingent_zone = pyo.Constraint(cz, rule=lambda _m, c, z:
                                           pers_cz(_m, d, ix, c, z) >= floor * _m.v[c, z])

    def padding(_m: Any, c: str, z: str) -> Any:
        small = [u for u in ix.by_cz[c, z] if d.pers[u] < floor]
        big = [u for u in ix.by_cz[c, z] if d.pers[u] >= floor]
        n_big = sum(_m.x[c, u, z] for u in big)
        if not small:
            return n_big >= _m.v[c, z] if big else _m.v[c, z] <= 0
        need = math.ceil(floor / max(d.pers[u] for u in small))
        n_small = sum(_m.x[c, u, z] for u in small)
        return n_small + need * n_big >= need * _m.v[c, z]
    m.min_contingent_zone_padding = pyo.Constraint(cz, rule=padding)


def add_max_zones(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    """A contributor is present in at most max_zones_per_contributor zones."""
    most = d.rules.max_zones_per_contributor
    if most is None or not ix.on("max_zones_per_contributor"):
        return
    cz = presence(m, ix, upper=True)
    zones_of: dict[str, list[str]] = defaultdict(list)
    for c, z in cz:
        zones_of[c].append(z)
    limited = [c for c in ix.active_c if len(zones_of[c]) > most]
    m.max_zones_per_contributor = pyo.Constraint(limited, rule=lambda _m, c: sum(
        _m.v[c, z] for z in zones_of[c]) <= most * _m.y[c])


def add_acceptability(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex,
                      common_floor: bool) -> None:
    floors = {p: d.rules.acceptability_floor.get(p, 0.0) for p in d.parties}
    m.theta = pyo.Param(d.parties, initialize=floors, mutable=True, within=pyo.Reals)
    parties = [p for p in d.parties if (floors[p] > 0 or common_floor)
               and ix.on("acceptability", p)]
    if not parties or not ix.on("acceptability"):
        return

    def rule(_m: Any, p: str) -> Any:
        base = sum(_m.n_acc[p, c] * _m.P_c[c] for c in ix.active_c)
        extra = sum(_m.n_acc_delta[p, c, z] * pers_cz(_m, d, ix, c, z)
                    for (pp, c, z) in d.acc_zone
                    if pp == p and (c, z) in ix.by_cz)
        return base + extra >= _m.theta[p] * _m.N
    m.acceptability = pyo.Constraint(parties, rule=rule)


def add_zone_acceptability(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    """In every zone, the force there is acceptable on average to each party with a zone
    floor: sum_c acc[p,c,z] P[c,z] >= floor P_z[z] (zone overrides apply; uncertain scores
    at their value). An empty zone meets it (0 >= 0)."""
    floors = {p: f for p, f in d.rules.zone_acceptability_floor.items()
              if f > 0 and p in d.parties and ix.on("zone_acceptability", p)}
    if not floors or not ix.on("zone_acceptability"):
        return
    over = {(p, c, z) for (p, c, z) in d.acc_zone if (c, z) in ix.by_cz}

    def score(_m: Any, p: str, c: str, z: str) -> Any:
        return _m.n_acc[p, c] + (_m.n_acc_delta[p, c, z] if (p, c, z) in over else 0)

    pz = [(p, z) for p in sorted(floors) for z in d.zones if ix.by_z[z]]
    m.zone_acceptability = pyo.Constraint(pz, rule=lambda _m, p, z: sum(
        score(_m, p, c, z) * pers_cz(_m, d, ix, c, z)
        for c in ix.active_c if (c, z) in ix.by_cz) >= floors[p] * _m.P_z[z])


def low_pairs(d: ModelData, party: str) -> list[tuple[str, str]]:
    """(contributor, zone) pairs the party scores below low_acceptability_threshold there
    (zone overrides apply; uncertain scores at their value)."""
    t = d.rules.low_acceptability_threshold
    return [(c, z) for c, _u, z in d.eligible if d.acc_in_zone(party, c, z) < t]


def add_low_acceptability(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    """For each party, the people of contributors it scores below the threshold hold at
    most low_acceptability_max_share of the force together."""
    r = d.rules
    if r.low_acceptability_threshold <= 0 or r.low_acceptability_max_share >= 1 \
            or not ix.on("low_acceptability"):
        return
    low = {p: sorted(set(low_pairs(d, p))) for p in d.parties
           if ix.on("low_acceptability", p)}
    low = {p: v for p, v in low.items() if v}
    if not low:
        return
    m.low_acceptability = pyo.Constraint(sorted(low), rule=lambda _m, p: sum(
        pers_cz(_m, d, ix, c, z) for c, z in low[p]) <= r.low_acceptability_max_share * _m.N)


def zone_floors(ix: ModelIndex, d: ModelData) -> dict[str, dict[str, int]]:
    """Smallest zone size each mandate forces through the zone share cap: a needed
    capability needs one whole unit, and whoever sends it holds at most max_share_zone
    of the zone, so P_z >= (lightest unit providing it) / max_share_zone. The LP splits
    that unit between contributors and never sees it (on karabakh_2020 C this was the
    whole root gap: 4.6% without the row, 0.2% with it; benchmarks/results.md)."""
    share = d.rules.max_share_zone
    out: dict[str, dict[str, int]] = {}
    for z in d.zones:
        if not ix.on("requirement", z) or not ix.by_z[z]:
            continue
        step = math.gcd(*(d.pers[u] for _c, u in ix.by_z[z]))   # P_z moves in these steps
        floors: dict[str, int] = {}
        for k in d.zone_mandates[z]:
            lightest = [min((d.pers[u] for _c, u in ix.by_z[z] if d.cap.get((u, r), 0.0) > 0
                             and d.counts_toward(k, r, u)), default=0)
                        for (zz, kk, r), v in d.req.items() if zz == z and kk == k and v > 0]
            size = max(lightest, default=0) / share
            if size > 0:
                floors[k] = step * math.ceil(size / step - 1e-9)
        if floors:
            out[z] = floors
    return out


def add_zone_floor(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    if ix.soft or not ix.on("requirement"):
        return      # a shortfall may replace the unit, so the floor would not be valid
    floors: dict[str, list[str]] = defaultdict(list)     # computed once, in `numbers`
    for z, k in m.n_zone_floor:
        floors[z].append(k)
    m.dominance_max_share_zone_floor = pyo.Constraint(sorted(floors), rule=lambda _m, z:
                                                      _m.P_z[z] >= sum(
        _m.n_zone_floor[z, k] * _m.mu[z, k] for k in floors[z]))


def add_armament_acceptability(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    floors = {p: f for p, f in d.rules.armament_floor.items()
              if f > 0 and ix.on("armament_acceptability", p)}
    if not floors or not ix.on("armament_acceptability"):
        return
    w = d.weight
    m.armament_acceptability = pyo.Constraint(sorted(floors), rule=lambda _m, p: sum(
        w[z] * d.armacc[p, lv] * _m.alpha[z, lv] for z, lv in _m.alpha)
        >= _m.n_armament_floor[p] * sum(w[z] * _m.delta[z] for z in d.zones))


def robust_parties(d: ModelData, ix: ModelIndex, common_floor: bool = False,
                   armament: bool = False) -> list[str]:
    """Parties whose floor must hold in the worst case: a floor (or the common floor of the
    acceptability objective), a robust budget, and a score with a spread that matters."""
    floors = d.rules.armament_floor if armament else d.rules.acceptability_floor
    dev = ({p for p, _lv in d.armacc_dev} if armament
           else {p for p, c in d.acc_dev if c in ix.by_c})
    family = "robust_acceptability"
    return [p for p in d.parties
            if (floors.get(p, 0.0) > 0 or (common_floor and not armament))
            and d.gamma.get(p, 0.0) > 0 and p in dev and ix.on(family, p)
            and ix.on(family)]


def add_robust_acceptability(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex,
                             common_floor: bool) -> None:
    """Bertsimas-Sim (2004): the floor holds when any Γ_p of the party's uncertain scores
    sit at their low end. The worst case max over such sets is a small LP; its dual turns
    the rule into linear rows: zeta_p (the price of one more score at its low end) and
    q[p,c] (what a contributor's deviation adds above that price)."""
    parties = robust_parties(d, ix, common_floor)
    if parties:
        devs = [(p, c) for p in parties for c in ix.active_c if (p, c) in d.acc_dev]
        m.zeta = pyo.Var(parties, domain=pyo.NonNegativeReals)
        m.q = pyo.Var(devs, domain=pyo.NonNegativeReals)
        overridden = defaultdict(list)      # zones where a party's exact zone score applies
        for (p, c, z) in d.acc_zone:
            if (c, z) in ix.by_cz:
                overridden[p, c].append(z)

        def rule(_m: Any, p: str) -> Any:
            base = sum(_m.n_acc[p, c] * _m.P_c[c] for c in ix.active_c)
            extra = sum(_m.n_acc_delta[p, c, z] * pers_cz(_m, d, ix, c, z)
                        for (pp, c, z) in d.acc_zone
                        if pp == p and (c, z) in ix.by_cz)
            worst = _m.n_gamma[p] * _m.zeta[p] + sum(_m.q[pp, c] for pp, c in devs if pp == p)
            return base + extra - worst >= _m.theta[p] * _m.N
        m.robust_acceptability = pyo.Constraint(parties, rule=rule)
        m.robust_acceptability_link = pyo.Constraint(devs, rule=lambda _m, p, c: _m.zeta[p]
                                                     + _m.q[p, c] >= _m.n_acc_dev[p, c] * (
            _m.P_c[c] - sum(pers_cz(_m, d, ix, c, z) for z in overridden[p, c])))
    arm = robust_parties(d, ix, armament=True)
    if arm:
        w = d.weight
        lv_dev = [(p, lv) for p in arm for lv in d.levels if (p, lv) in d.armacc_dev]
        m.eta = pyo.Var(arm, domain=pyo.NonNegativeReals)
        m.r = pyo.Var(lv_dev, domain=pyo.NonNegativeReals)
        m.robust_acceptability_armament = pyo.Constraint(arm, rule=lambda _m, p: sum(
            w[z] * d.armacc[p, lv] * _m.alpha[z, lv] for z, lv in _m.alpha)
            - _m.n_gamma[p] * _m.eta[p] - sum(_m.r[pp, lv] for pp, lv in lv_dev if pp == p)
            >= _m.n_armament_floor[p] * sum(w[z] * _m.delta[z] for z in d.zones))
        m.robust_acceptability_armament_link = pyo.Constraint(
            lv_dev, rule=lambda _m, p, lv: _m.eta[p] + _m.r[p, lv] >= d.armacc_dev[p, lv] * sum(
                w[z] * _m.alpha[z, ll] for z, ll in _m.alpha if ll == lv))


def add_language(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    lang = d.rules.working_language
    if lang is None or not ix.on("language"):
        return
    others = {c for c in ix.active_c if lang not in d.langs[c]}
    zones = [z for z in d.zones if ix.on("language", z)]
    m.language = pyo.Constraint(zones, rule=lambda _m, z: sum(
        d.pers[u] * _m.x[c, u, z] for c, u in ix.by_z[z] if c in others)
        <= (1.0 - _m.n_language_share) * _m.P_z[z])


# ----------------------------------------------------------------------------- families 13-15


def add_lead_nation(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    if not ix.on("lead_nation"):
        return
    r = d.rules
    zones = [z for z in d.zones if ix.on("lead_nation", z)]
    cands = {z: [c for c in ix.active_c if (c, z) in ix.by_cz and d.lead_ok[c, z]]
             for z in zones}
    if r.lead_min_share <= 0 and not ix.explicit_lead:
        if r.lead_min_acceptability <= 0:
            return      # whoever is present can lead: deployed_presence suffices
        # any acceptable contributor present can lead: one aggregate row per zone
        m.lead_nation = pyo.Constraint(zones, rule=lambda _m, z: sum(
            _m.x[c, u, z] for c in cands[z] for u in ix.by_cz[c, z]) >= _m.delta[z])
        return
    cz = [(c, z) for z in zones for c in cands[z]]
    m.lam = pyo.Var(cz, domain=pyo.Binary)
    m.lead_nation = pyo.Constraint(zones, rule=lambda _m, z: sum(
        _m.lam[c, z] for c in cands[z]) == _m.delta[z])
    m.lead_nation_present = pyo.Constraint(cz, rule=lambda _m, c, z: _m.lam[c, z] <= sum(
        _m.x[c, u, z] for u in ix.by_cz[c, z]))
    if r.lead_min_share > 0:
        m.lead_nation_share = pyo.Constraint(cz, rule=lambda _m, c, z: pers_cz(
            _m, d, ix, c, z) >= _m.n_lead_min_share * (
            _m.P_z[z] - _m.n_lead_big[z] * (1 - _m.lam[c, z])))


def add_size(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    r = d.rules
    if not ix.on("size"):
        return
    if r.personnel_min > 0 and ix.on("size", "min"):
        m.size_min = pyo.Constraint(expr=m.n_personnel_min <= m.N)
    if r.personnel_max is not None and ix.on("size", "max"):
        m.size_max = pyo.Constraint(expr=m.n_personnel_max >= m.N)


def add_budget(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    b = d.rules.budget_per_month
    if b is None or not ix.on("budget"):
        return
    m.budget = pyo.Constraint(expr=sum(m.n_rate[c] * m.P_c[c] for c in ix.active_c)
                              <= m.n_budget_per_month)


def add_qrf(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    r = d.rules
    if r.qrf_hours is None or not r.qrf_mandates or not ix.on("qrf"):
        return
    qrf_units = set(r.qrf_unit_types)
    zk = [(z, k) for z, k in m.mu if k in r.qrf_mandates and ix.on("qrf", z)]

    def rule(_m: Any, z: str, k: str) -> Any:
        near = [zz for zz in d.zones if (zz, z) in d.reach]
        units = [(c, u, zz) for zz in near for c, u in ix.by_z[zz] if u in qrf_units]
        if not units:
            return _m.mu[z, k] <= 0
        return sum(_m.x[c, u, zz] for c, u, zz in units) >= _m.mu[z, k]
    m.qrf = pyo.Constraint(zk, rule=rule)


def arcs(d: ModelData) -> list[tuple[str, str, str]]:
    """(route, from, to): both directions of every open route."""
    return [arc for r, (a, b, _km, _cap) in d.routes.items() for arc in ((r, a, b), (r, b, a))]


def add_logistics(m: pyo.ConcreteModel, d: ModelData, ix: ModelIndex) -> None:
    """Family 16: supplies leave the hubs and reach every zone in proportion to its
    personnel, over open routes within their capacities; a hub sends at most its
    throughput. Flows are continuous: the rows make a min-cost flow under the allocation."""
    if d.supply <= 0 or not ix.on("logistics"):
        return
    arc = arcs(d)
    m.flow = pyo.Var(arc, domain=pyo.NonNegativeReals)
    into: dict[str, list[tuple[str, str, str]]] = {}
    out: dict[str, list[tuple[str, str, str]]] = {}
    for r, a, b in arc:
        out.setdefault(a, []).append((r, a, b))
        into.setdefault(b, []).append((r, a, b))

    def net_in(_m: Any, n: str) -> Any:
        return (sum(_m.flow[k] for k in into.get(n, []))
                - sum(_m.flow[k] for k in out.get(n, [])))

    linked = set(into) | set(out)
    m.logistics_balance = pyo.Constraint(
        d.zones + [h for h in d.transit if h in linked], rule=lambda _m, n: (
            net_in(_m, n) == (d.supply * _m.P_z[n] if n in _m.P_z else 0)))
    capped = [r for r, (_a, _b, _km, cap) in d.routes.items()
              if math.isfinite(cap) and ix.on("logistics", "route", r)]
    m.logistics_route = pyo.Constraint(capped, rule=lambda _m, r: (
        _m.flow[r, d.routes[r][0], d.routes[r][1]] + _m.flow[r, d.routes[r][1], d.routes[r][0]]
        <= d.routes[r][3]))
    hubs = [h for h in d.hubs if h in d.hub_cap and h in linked
            and ix.on("logistics", "hub", h)]
    m.logistics_hub = pyo.Constraint(hubs, rule=lambda _m, h: -net_in(_m, h) <= d.hub_cap[h])


# ----------------------------------------------------------------------------- objective


def cost_expr(built: Built, d: ModelData | None = None) -> Any:
    """Cost per month: the force, plus moving its supplies when logistics prices them."""
    m = built.model
    force = sum(m.n_rate[c] * m.P_c[c] for c in built.index.active_c)
    if d is None or d.tkm_month <= 0 or not hasattr(m, "flow"):
        return force
    return force + d.tkm_month * sum(d.routes[r][2] * m.flow[r, a, b] for r, a, b in m.flow)


def shortfall_expr(built: Built, d: ModelData) -> Any:
    m, ix = built.model, built.index
    if not ix.soft:
        return 0
    return sum(d.weight[z] * (1 + d.central[z]) * m.shortfall[z, r] for z, r in ix.zr)


def set_objective(built: Built, d: ModelData, objective: Objective) -> None:
    m = built.model
    if objective == "coverage":
        expr = shortfall_expr(built, d)
    elif objective == "feasibility":
        expr = 0 * m.N
    else:
        expr = cost_expr(built, d)
        if built.index.soft:
            expr = expr + m.n_shortfall_penalty * shortfall_expr(built, d)
    m.objective = pyo.Objective(expr=expr, sense=pyo.minimize)


def constraint_families(m: pyo.ConcreteModel) -> dict[str, list[str]]:
    """Pyomo components present, grouped by family name (for reports and audits)."""
    out: dict[str, list[str]] = {}
    for comp in m.component_objects(pyo.Constraint, active=True):
        fam = family_of(comp.local_name)
        if fam is not None:
            out.setdefault(fam, []).append(comp.local_name)
    return out


def family_of(component: str) -> str | None:
    """Family of a Pyomo component: the longest family name it starts with."""
    best = None
    for f in FAMILIES:
        if (component == f.component or component.startswith(f.component + "_")) and (
                best is None or len(f.component) > len(best.component)):
            best = f
    return best.name if best else None
