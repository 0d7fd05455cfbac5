"""Necessary conditions of a plan, checked from the scenario's tables before any MILP.

The deletion filter in explain.py runs a feasibility MILP per rule group, which takes
minutes on a large scenario. Most infeasible cases a planner meets break a condition that
the tables show directly: a floor above the best score any eligible contributor has, a
capability that the contributors eligible in a zone cannot supply, a budget below the
least cost of any force meeting the other rules. Each finding here is a proof (a
necessary condition of every plan is violated) and names the rule groups its bound
depends on, so they conflict together even with every other rule dropped. Nothing here
claims that relaxing one of them restores a plan: explain.py tests that with a MILP.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import pyomo.environ as pyo

from pkplanner.engine import highs as hs
from pkplanner.engine.data import ModelData, prepare, rounded_requirement
from pkplanner.engine.heuristic import units_first
from pkplanner.engine.model import build_model, x_upper
from pkplanner.scenario.resolve import ResolvedScenario

MAX_ENTITY_GROUPS = 15      # name rules entity by entity only up to this many entities
EPS = 1e-9


@dataclass(frozen=True)
class Proof:
    """A violated necessary condition: `groups` conflict together whatever else holds."""

    groups: tuple[str, ...]                     # rule groups the bound depends on
    facts: dict[str, str] = field(default_factory=dict)     # group -> the numbers, in words
    best: dict[str, float] = field(default_factory=dict)    # group -> the value its bound
                                                            # still allows (the relaxation
                                                            # to test first)


class _Tables:
    """Eligibility with and without each veto or exclusion, so a bound can tell which of
    them it depends on (dropping one of those raises the bound)."""

    def __init__(self, rs: ResolvedScenario):
        self.d = prepare(rs.scenario)
        self.labels = sorted(self.d.removed_by_veto)
        self.unvetoed = prepare(rs.scenario, ignore=frozenset(self.labels)).eligible

    def eligible(self, labels: Iterable[str] | None = None) -> list[tuple[str, str, str]]:
        """Who may deploy where with only `labels` in force (None: all of them)."""
        if labels is None:
            return self.d.eligible
        removed = {pair for label in labels for pair in self.d.removed_by_veto[label]}
        return [t for t in self.unvetoed if (t[0], t[2]) not in removed]

    def involved(self, broken: Callable[[list[tuple[str, str, str]]], bool]) -> list[str]:
        """Vetoes and exclusions that keep the condition broken when every other one is
        dropped: a deletion filter on the bound, so the proof holds with only these."""
        kept = list(self.labels)
        for label in self.labels:
            trial = [x for x in kept if x != label]
            if broken(self.eligible(trial)):
                kept = trial
        return kept

    def capacity_groups(self, suppliers: Iterable[str]) -> list[str]:
        names = sorted(set(suppliers))
        if len(names) > MAX_ENTITY_GROUPS:
            return ["capacity"]
        return [f"capacity.{c}" for c in names]


def supply(d: ModelData, eligible: list[tuple[str, str, str]], zones: set[str],
           capability: str, mandate: str | None = None) -> dict[str, float]:
    """Most of `capability` each contributor can put into `zones` together: its units
    there at their offered number (avail and max_personnel, as the model bounds them), and
    no more than max_personnel times its best capability per person. With `mandate`, only
    the units that count toward the capability under it (Mandate.eligible)."""
    units: dict[str, set[str]] = {}
    for c, u, z in eligible:
        if z in zones and d.cap.get((u, capability), 0.0) > 0 and (
                mandate is None or d.counts_toward(mandate, capability, u)):
            units.setdefault(c, set()).add(u)
    out = {}
    for c, us in units.items():
        by_units = sum(d.cap[u, capability] * x_upper(d, c, u) for u in us)
        by_people = d.maxpers[c] * max(d.cap[u, capability] / d.pers[u] for u in us)
        out[c] = min(by_units, by_people)
    return out


def least_need(d: ModelData, z: str, capability: str) -> float:
    """What zone z needs of a capability whichever allowed mandate it takes (exactly as the
    model rounds it)."""
    return min((rounded_requirement(d, z, k, capability) for k in d.zone_mandates[z]),
               default=0.0)


def proofs(rs: ResolvedScenario) -> list[Proof]:
    """Every necessary condition the scenario's tables violate (empty: none is)."""
    t = _Tables(rs)
    d = t.d
    required = [z for z in d.zones if d.required[z]]
    out = zone_proofs(t, required)
    if out:
        return out      # a zone nobody may staff: every other bound would only repeat it
    if not d.rules.soft_requirements:
        out += capability_proofs(t, required)
    out += floor_proofs(t, required)
    out += contributor_proofs(t)
    return out


def zone_proofs(t: _Tables, required: list[str]) -> list[Proof]:
    d = t.d
    out = []
    for z in required:
        if not d.zone_mandates[z]:
            out.append(Proof(("structure",), {"structure": (
                f"zone {z} is required, but no mandate allowed there fits its armament "
                "limits and the option's mandates")}))
            continue

        def empty(e: list[tuple[str, str, str]], z: str = z) -> bool:
            return not any(zz == z for _c, _u, zz in e)
        if not empty(t.eligible()):
            continue
        labels = t.involved(empty)
        fact = f"zone {z} is required and no contributor's units may deploy there"
        if labels:
            out.append(Proof(tuple(labels), {g: fact for g in labels}))
        else:
            out.append(Proof(("structure",), {"structure": fact + " (armament limits)"}))
    return out


def capability_proofs(t: _Tables, required: list[str]) -> list[Proof]:
    d = t.d
    out = []
    for cap in sorted({r for (_z, _k, r) in d.req}):
        needs = {z: least_need(d, z, cap) for z in required}
        needs = {z: v for z, v in needs.items() if v > EPS}
        short = []
        for z, need in needs.items():
            # short under every mandate the zone may take, each counting its own units
            def short_in(e: list[tuple[str, str, str]], z: str = z, cap: str = cap) -> bool:
                return all(sum(supply(d, e, {z}, cap, k).values())
                           < rounded_requirement(d, z, k, cap) - 1e-6
                           for k in d.zone_mandates[z])
            if short_in(t.eligible()):
                short.append(z)
                labels = t.involved(short_in)
                offers = supply(d, t.eligible(labels), {z}, cap)
                groups = [*labels, f"requirement.{z}", *t.capacity_groups(offers)]
                if any((k, cap) in d.counts for k in d.zone_mandates[z]):
                    fact = "; ".join(
                        f"under {k} it needs {rounded_requirement(d, z, k, cap):,.6g} {cap} "
                        f"and the units eligible there that count toward it give at most "
                        f"{sum(supply(d, t.eligible(), {z}, cap, k).values()):,.6g}"
                        for k in d.zone_mandates[z])
                else:
                    have = sum(supply(d, t.eligible(), {z}, cap).values())
                    fact = (f"it needs at least {need:,.6g} {cap}; the contributors eligible "
                            f"there can give at most {have:,.6g}")
                out.append(Proof(tuple(groups), {f"requirement.{z}": fact}))
        zones = set(needs)
        if short or len(zones) < 2:
            continue

        need_all = sum(needs.values())

        def short_all(e: list[tuple[str, str, str]], zones: set[str] = zones,
                      cap: str = cap, need_all: float = need_all) -> bool:
            return sum(supply(d, e, zones, cap).values()) < need_all - 1e-6
        if short_all(t.eligible()):
            have_all = sum(supply(d, t.eligible(), zones, cap).values())
            reqs = [f"requirement.{z}" for z in sorted(zones)]
            fact = (f"the required zones {', '.join(sorted(zones))} need at least "
                    f"{need_all:,.6g} {cap} together; the eligible contributors can give at "
                    f"most {have_all:,.6g}")
            labels = t.involved(short_all)
            groups = [*labels, *reqs,
                      *t.capacity_groups(supply(d, t.eligible(labels), zones, cap))]
            out.append(Proof(tuple(groups), {g: fact for g in reqs}))
    return out


def floor_proofs(t: _Tables, required: list[str]) -> list[Proof]:
    """A force's acceptability to a party is its personnel-weighted average score
    (results.party_acceptability), so it never exceeds the best score of anyone who may
    deploy; the armament score is a zone-weighted average of the levels chosen. Both
    bounds bind only when some zone must be deployed (an empty force meets any floor)."""
    d = t.d
    r = d.rules
    out: list[Proof] = []
    if not required:
        return out
    for p, floor in sorted(r.acceptability_floor.items()):
        if floor <= 0:
            continue

        def best(e: list[tuple[str, str, str]], p: str = p) -> float:
            return max((d.acc_in_zone(p, c, z) for c, _u, z in e), default=0.0)

        def below(e: list[tuple[str, str, str]], floor: float = floor) -> bool:
            return best(e) < floor - EPS
        top = best(t.eligible())
        if below(t.eligible()):
            who = next(e for e in t.eligible() if d.acc_in_zone(p, e[0], e[2]) == top)
            g = f"acceptability.{p}"
            out.append(Proof((*t.involved(below), g), {g: (
                f"the best score {p} gives any contributor that may deploy is {top:.4g} "
                f"({who[0]} in {who[2]}), and the force's score is an average")},
                {g: top}))
    weighted = [z for z in d.zones if d.zone_mandates[z] and d.weight[z] > 0]
    if not weighted or not any(d.weight[z] > 0 for z in required):
        return out
    for p, floor in sorted(r.armament_floor.items()):
        if floor <= 0:
            continue
        top = max((d.armacc[p, lv] for z in weighted for lv in d.zone_levels[z]), default=1.0)
        if top < floor - EPS:
            g = f"armament_acceptability.{p}"
            out.append(Proof((g,), {g: (
                f"the best score {p} gives any armament level a zone may take is {top:.4g}, "
                "and the force's score is an average over its zones")}, {g: top}))
    return out


def sendable(d: ModelData, eligible: list[tuple[str, str, str]]) -> dict[str, int]:
    """Most people each contributor can send, as the model bounds them (x_upper units of
    each type it may deploy somewhere, max_personnel in all)."""
    units: dict[str, set[str]] = {}
    for c, u, _z in eligible:
        units.setdefault(c, set()).add(u)
    return {c: min(d.maxpers[c], sum(d.pers[u] * x_upper(d, c, u) for u in us))
            for c, us in units.items()}


def contributor_proofs(t: _Tables) -> list[Proof]:
    """min_contributors against the contributors who can take part at all: eligible
    somewhere and able to send min_contingent people. The relaxations to try first follow
    from the same count: that many contributors, and the largest contingent floor that
    still lets min_contributors of them take part."""
    d = t.d
    need, floor = d.rules.min_contributors, d.rules.min_contingent

    def able(e: list[tuple[str, str, str]]) -> list[int]:
        return sorted((v for v in sendable(d, e).values() if v >= max(floor, 1)),
                      reverse=True)

    def too_few(e: list[tuple[str, str, str]]) -> bool:
        return len(able(e)) < need
    if need <= 0 or not too_few(t.eligible()):
        return []
    labels = t.involved(too_few)
    sends = sendable(d, t.eligible(labels))
    count = len(able(t.eligible(labels)))
    g = "dominance.min_contributors"
    facts = {g: f"at most {count} contributors can take part (eligible somewhere"
                + (f" and able to send {floor} people)" if floor > 0 else ")")}
    best: dict[str, float] = {g: count}
    groups = list(labels)
    if floor > 0 and any(v < floor for v in sends.values()):
        groups.append("min_contingent")
        by_size = sorted(sends.values(), reverse=True)
        if len(by_size) >= need:
            best["min_contingent"] = by_size[need - 1]
    groups += t.capacity_groups(c for c in d.contributors if sends.get(c, 0) < max(floor, 1))
    groups.append(g)
    return [Proof(tuple(groups), facts, best)]


class Least:
    """The least monthly cost or head count of a force meeting every other rule: the
    smallest value of the rule (`rule`, a rules key whose catalog relaxation is `least`,
    with `measure` "cost" or "head count") that works.

    The rule's row stays in the model at a value no force can reach (every contributor at
    max_personnel), so one HiGHS instance gives the LP bound (the cheap proof), the MILP
    optimum and the check of the value printed, which starts from the optimal plan and so
    costs one node instead of a search. One MILP replaces a bisection of a dozen hard
    feasibility tests (personnel_max on karabakh_kcg_2014 C: 11 s against over 40 s).
    The rule's value is the model's mutable parameter `n_<rule>`. Solver calls raise
    hs.DeadlinePassed and hs.SolverError as PersistentHighs does."""

    def __init__(self, rs: ResolvedScenario, settings: hs.SolverSettings, rule: str,
                 measure: str = "cost"):
        d = prepare(rs.scenario)
        if measure == "cost":
            ceiling: float = float(sum(d.rate[c] * d.maxpers[c] for c in d.contributors)) + 1
        else:
            ceiling = sum(d.maxpers.values()) + 1
        rules = rs.scenario.rules.model_copy(update={rule: ceiling})
        d = prepare(rs.scenario.model_copy(update={"rules": rules}))
        self.data = d
        self.model = build_model(d, "cost" if measure == "cost" else "feasibility").model
        if measure != "cost":
            self.model.objective.deactivate()
            self.model.least_personnel = pyo.Objective(expr=self.model.N, sense=pyo.minimize)
        self.param = getattr(self.model, f"n_{rule}")
        self.solver = hs.PersistentHighs(self.model, settings)
        self._least: hs.RunStats | None = None

    def lower_bound(self) -> float | None:
        """The LP relaxation's least value; None when even the LP has no plan (then the
        other rules conflict without this one) or did not finish."""
        st = self.solver.run(extra={"solve_relaxation": True})
        return st.objective if st.status == "optimal" else None

    @property
    def solved(self) -> hs.RunStats | None:
        return self._least

    def least(self) -> hs.RunStats:
        """The least value, in two runs: to a 0.01% gap from the units-first start (seconds
        on karabakh_kcg_2014 C), then, only if the whole-number value is still in doubt,
        to a zero gap from that plan. One zero-gap run from the start alone took 2 s or
        hit a 20 s limit depending on the start the heuristic found in its time share."""
        if self._least is not None:
            return self._least
        st = self.solver.run(gap=1e-4, start=units_first(self.model, self.data),
                             extra={"solve_relaxation": False})
        if st.objective is not None and not exact(st):
            try:
                more = self.solver.run(gap=0.0, previous=True, time_limit=min(
                    10.0, self.solver.settings.time_limit or 10.0),
                    extra={"solve_relaxation": False})
            except hs.DeadlinePassed:
                more = None     # the first answer stands; the next solver call stops
            if more is not None and more.objective is not None:
                bounds = [b for b in (st.bound, more.bound) if b is not None]
                status = more.status if more.objective <= st.objective else st.status
                st = replace(st, status=status, objective=min(st.objective, more.objective),
                             bound=max(bounds) if bounds else None,
                             seconds=st.seconds + more.seconds)
        self._least = st
        return st

    def holds(self, value: float) -> bool | None:
        """Does a plan exist with the rule at `value`? Offered the least plan as the start,
        so HiGHS confirms it rather than searches (gap 1: any plan will do)."""
        self.param.set_value(value)
        st = self.solver.run(gap=1.0, previous=True, extra={"solve_relaxation": False})
        if st.status in ("optimal", "feasible"):
            return True
        return False if st.status == "infeasible" else None


def exact(st: hs.RunStats) -> bool:
    """Is the whole number `least` found proven to be the smallest that works?"""
    if st.objective is None or st.bound is None:
        return False
    return math.ceil(st.bound - 1e-6) >= whole_number(st.objective)


def whole_number(value: float) -> int:
    """A cost HiGHS reports as 632000.0000004 is 632,000; anything further off rounds up
    (the caller tests the number it prints either way). Head counts are whole already."""
    near = round(value)
    return int(near) if abs(value - near) <= 1e-6 * max(1.0, abs(value)) else math.ceil(value)
