"""Independent check of a solution file against its scenario (`pkplanner verify`).

Everything is recomputed here from the resolved scenario and the solution's allocations,
in plain Python and networkx: requirements (threat multiplier, mandate coefficients,
rounded up when every unit's value of the capability is a whole number), allowed
mandates and armament levels, vetoes and exclusions, shares, acceptability (zone
overrides), lead nations and QRF travel times. Nothing is taken from the model builder
(no Pyomo, no solver, no pkplanner.engine.data/model/solve/results/network), so a bug there
cannot hide itself here. The scenario is read through the shared schema
(`pkplanner.scenario.resolve`).

Family names are those of models/formulation.md (`pkplanner.rules.catalog`), plus
`required_zone` (a required zone left undeployed), `totals` (a reported number that
does not follow from the allocations), `schema` (a structurally broken solution file),
`status` (an infeasible or unsolved file that still carries a plan or no conflicts),
and, from `verify_file` only, `rules` and `provenance`.

Every bound is non-strict; shares, floors and other real-valued bounds are compared
with a relative tolerance of 1e-6, whole numbers (units, personnel, counts) exactly.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from pkplanner.errors import one_line
from pkplanner.scenario.phases import phase_cases
from pkplanner.scenario.resolve import ResolvedScenario
from pkplanner.scenario.schema import Scenario
from pkplanner.solution.io import load_solution, resolved_from_solution

REL_TOL = 1e-6
FEASIBLE = ("optimal", "feasible")
STATUSES = ("optimal", "feasible", "infeasible", "no_solution", "error")
REQ_TERMS = (("base", None, 1.0), ("per_line_km", "line_km", 1.0),
             ("per_1000_pop", "population", 1000.0),
             ("per_1000_returnees", "returnees", 1000.0), ("per_km2", "area_km2", 1.0),
             ("per_1000_mines", "mines", 1000.0))


@dataclass(frozen=True)
class Violation:
    """One rule a solution breaks: the family name and a one-line detail with numbers."""

    family: str
    detail: str

    def __str__(self) -> str:
        return one_line(f"{self.family}: {self.detail}")


# --------------------------------------------------------------------------- numbers


def _slack(bound: float) -> float:
    return REL_TOL * max(1.0, abs(bound))


def _le(a: float, b: float) -> bool:
    """a <= b, non-strict, with the relative tolerance."""
    return a <= b + _slack(b)


def _ge(a: float, b: float) -> bool:
    return a >= b - _slack(b)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= REL_TOL * max(1.0, abs(a), abs(b))


def _pct(x: float) -> str:
    return f"{100.0 * x:.1f}%"


def _num(x: Any) -> float | None:
    """A JSON number as float; None for anything else (bool, str, null, NaN)."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def _int(x: Any) -> int | None:
    if isinstance(x, bool):
        return None
    return x if isinstance(x, int) else None     # 2.0 is not an integer in the file format


def _largest_loss(losses: list[float], gamma: float) -> float:
    """The largest total of `losses` when Γ of them may be taken, the last one in part:
    by enumerating the vertices of {0 <= u <= 1, sum u <= Γ} (all but one coordinate whole)
    for a few losses, by sorting for many."""
    n, whole, frac = len(losses), int(gamma), gamma - int(gamma)
    if whole >= n:
        return sum(losses)
    if n > 12:
        ranked = sorted(losses, reverse=True)
        return sum(ranked[:whole]) + frac * ranked[whole]
    best = 0.0
    for chosen in itertools.combinations(range(n), whole):
        rest = [losses[j] for j in range(n) if j not in chosen]
        best = max(best, sum(losses[i] for i in chosen) + frac * max(rest, default=0.0))
    return best


def requirement_need(sc: Scenario, zone_id: str, mandate_id: str) -> dict[str, float]:
    """Capability -> requirement of a mandate in a zone, rounded up where it is exact to.

    `thr(threat) * max(min, base + per_line_km*line_km + per_1000_pop*pop/1000 + ...)`
    (`min` a floor on the sum, not a term of it); rounded up
    when every unit type that has the capability has it in whole numbers (then the
    provided amount is integral, so rounding changes nothing about feasibility).
    Capabilities with a zero requirement are left out. The zone's local police officers
    count toward `policing`, one each.
    """
    zone = next(z for z in sc.zones if z.id == zone_id)
    mandate = next(m for m in sc.mandates if m.id == mandate_id)
    mult = sc.threat_multipliers[zone.threat]
    out: dict[str, float] = {}
    for cap, rule in mandate.requirements.items():
        raw = 0.0
        for coef, attr, scale in REQ_TERMS:
            value = 1.0 if attr is None else float(getattr(zone, attr)) / scale
            raw += float(getattr(rule, coef)) * value
        need = mult * max(float(rule.min), raw) - (zone.local_police if cap == "policing" else 0)
        if need <= 0:
            continue
        values = [v for u in sc.unit_types for k, v in u.capabilities.items()
                  if k == cap and v > 0]
        if values and all(float(v).is_integer() for v in values):
            need = float(math.ceil(need - 1e-9))
        out[cap] = need
    return out


def travel_graph(sc: Scenario) -> nx.Graph:
    """Zones and hubs joined by open routes; edge weight = hours to drive the route."""
    g = nx.Graph()
    g.add_nodes_from(z.id for z in sc.zones)
    g.add_nodes_from(h.id for h in sc.hubs)
    speeds = sc.network.road_speeds_kmh
    factor = sc.network.mine_risk_factor
    for r in sc.routes:
        if r.closed or r.road not in speeds:
            continue
        hours = r.km / speeds[r.road] * (1.0 + factor * r.mine_risk)
        if not g.has_edge(r.from_, r.to) or g.edges[r.from_, r.to]["hours"] > hours:
            g.add_edge(r.from_, r.to, hours=hours)
    return g


# --------------------------------------------------------------------------- the check


class _Check:
    def __init__(self, sc: Scenario, sol: dict[str, Any]):
        self.sc = sc
        self.sol = sol
        self.out: list[Violation] = []
        self.r = sc.rules
        self.levels = list(sc.armament_levels)
        self.rank = {lv: i for i, lv in enumerate(self.levels)}
        self.units = {u.id: u for u in sc.unit_types}
        self.mandates = {m.id: m for m in sc.mandates}
        self.contribs = {c.id: c for c in sc.contributors}
        self.zones = {z.id: z for z in sc.zones}
        self.parties = [p.id for p in sc.parties]
        # read from the file
        self.zrep: dict[str, dict[str, Any]] = {}
        self.x: dict[tuple[str, str, str], int] = defaultdict(int)   # (c, u, z) -> units
        self.alloc_rows: list[dict[str, Any]] = []
        self.transport = 0.0        # cost of moving supplies a month (logistics priced)

    def bad(self, family: str, detail: str) -> None:
        self.out.append(Violation(family, detail))

    # ------------------------------------------------------------------ structure

    def read(self) -> None:
        """Parse zones and allocations; broken entries are reported and left out."""
        sol = self.sol
        zones = sol.get("zones")
        allocs = sol.get("allocations")
        if not isinstance(zones, list):
            self.bad("schema", "'zones' is missing or not a list")
            zones = []
        if not isinstance(allocs, list):
            self.bad("schema", "'allocations' is missing or not a list")
            allocs = []
        for i, z in enumerate(zones):
            zid = z.get("zone") if isinstance(z, dict) else None
            if not isinstance(zid, str) or zid not in self.zones:
                self.bad("schema", f"zones[{i}]: unknown zone {zid!r}")
                continue
            if zid in self.zrep:
                self.bad("schema", f"zone {zid} is listed twice")
                continue
            if not isinstance(z.get("deployed"), bool):
                self.bad("schema", f"zone {zid}: 'deployed' is not true/false")
            self.zrep[zid] = z
        for zid in self.zones:
            if zid not in self.zrep:
                self.bad("schema", f"zone {zid} of the scenario is missing from 'zones'")
        seen: set[tuple[str, str, str]] = set()
        for i, a in enumerate(allocs):
            if not isinstance(a, dict):
                self.bad("schema", f"allocations[{i}] is not a mapping")
                continue
            c, z, u, n = a.get("contributor"), a.get("zone"), a.get("unit_type"), a.get("units")
            where = f"allocations[{i}] ({c} {u} in {z})"
            ok = True
            if not isinstance(c, str) or c not in self.contribs:
                self.bad("schema", f"{where}: unknown contributor {c!r}")
                ok = False
            if not isinstance(z, str) or z not in self.zones:
                self.bad("schema", f"{where}: unknown zone {z!r}")
                ok = False
            if not isinstance(u, str) or u not in self.units:
                self.bad("schema", f"{where}: unknown unit type {u!r}")
                ok = False
            units = _int(n)
            if units is None or units < 0:
                self.bad("schema", f"{where}: units {n!r} is not a whole number >= 0")
                ok = False
            if not ok:
                continue
            assert isinstance(c, str) and isinstance(z, str) and isinstance(u, str)
            assert units is not None
            if (c, u, z) in seen:
                self.bad("schema", f"{where}: listed twice (counted together)")
            seen.add((c, u, z))
            self.x[c, u, z] += units
            self.alloc_rows.append(a)

    def deployed(self, zid: str) -> bool:
        return self.zrep.get(zid, {}).get("deployed") is True

    # ------------------------------------------------------------------ aggregates

    def aggregate(self) -> None:
        self.P_cz: dict[tuple[str, str], int] = defaultdict(int)
        self.P_c: dict[str, int] = defaultdict(int)
        self.P_z: dict[str, int] = defaultdict(int)
        for (c, u, z), n in self.x.items():
            p = n * self.units[u].personnel
            self.P_cz[c, z] += p
            self.P_c[c] += p
            self.P_z[z] += p
        self.N = sum(self.P_c.values())
        self.active = sorted(c for c, p in self.P_c.items() if p > 0)
        self.cost = sum(self.contribs[c].cost_per_person_month * self.P_c[c]
                        for c in self.active)

    def acc(self, p: str, c: str, z: str | None = None) -> float:
        a = self.sc.acceptability
        if z is not None:
            over = a.zones.get(z, {}).get(p, {})
            if c in over:
                return over[c]
        return a.contributors.get(p, {}).get(c, a.default)

    def armacc(self, p: str, level: str) -> float:
        a = self.sc.acceptability
        return a.armament.get(p, {}).get(level, a.default)

    def zone_band(self, zid: str) -> tuple[int, int]:
        z = self.zones[zid]
        lo = self.rank[z.min_armament] if z.min_armament else 0
        hi = self.rank[z.max_armament] if z.max_armament else len(self.levels) - 1
        if self.r.max_armament:
            hi = min(hi, self.rank[self.r.max_armament])
        return lo, hi

    def mandate_band(self, k: str) -> tuple[int, int]:
        m = self.mandates[k]
        return self.rank[m.min_armament], self.rank[m.max_armament]

    def zone_mandate(self, zid: str) -> str | None:
        k = self.zrep.get(zid, {}).get("mandate")
        return k if isinstance(k, str) and k in self.mandates else None

    def zone_level(self, zid: str) -> str | None:
        lv = self.zrep.get(zid, {}).get("armament")
        return lv if isinstance(lv, str) and lv in self.rank else None

    # ------------------------------------------------------------------ families 1-5

    def structure(self) -> None:
        for zid, z in self.zones.items():
            rep = self.zrep.get(zid, {})
            k, lv = rep.get("mandate"), rep.get("armament")
            if not self.deployed(zid):
                if z.required:
                    self.bad("required_zone", f"{zid} is required but not deployed")
                if k is not None:
                    self.bad("one_mandate", f"{zid} is not deployed but has mandate {k}")
                if lv is not None:
                    self.bad("one_armament", f"{zid} is not deployed but has armament {lv}")
                for (c, u, zz), n in self.x.items():
                    if zz == zid and n > 0:
                        self.bad("unit_armament", f"{c} {n} x {u} in {zid}, "
                                 "which is not deployed")
                continue
            lo, hi = self.zone_band(zid)
            # 1 one_mandate
            if k is None:
                self.bad("one_mandate", f"{zid} is deployed without a mandate")
            elif not isinstance(k, str) or k not in self.mandates:
                self.bad("schema", f"zone {zid}: unknown mandate {k!r}")
            else:
                why = []
                if z.allowed_mandates is not None and k not in z.allowed_mandates:
                    why.append(f"zone allows {', '.join(z.allowed_mandates) or 'none'}")
                if self.r.mandates is not None and k not in self.r.mandates:
                    why.append(f"rules.mandates {', '.join(self.r.mandates) or 'none'}")
                mlo, mhi = self.mandate_band(k)
                if max(lo, mlo) > min(hi, mhi):
                    why.append(f"its band {self.levels[mlo]}..{self.levels[mhi]} misses the "
                               f"zone's {self._span(lo, hi)}")
                if why:
                    self.bad("one_mandate", f"{zid}: mandate {k} is not allowed ({'; '.join(why)})")
            # 2 one_armament
            if lv is None:
                self.bad("one_armament", f"{zid} is deployed without an armament level")
            elif not isinstance(lv, str) or lv not in self.rank:
                self.bad("schema", f"zone {zid}: unknown armament level {lv!r}")
            elif not lo <= self.rank[lv] <= hi:
                self.bad("one_armament", f"{zid}: armament {lv} outside the allowed "
                         f"{self._span(lo, hi)}")
            # 3 mandate_armament
            mk, mlv = self.zone_mandate(zid), self.zone_level(zid)
            if mk is not None and mlv is not None:
                mlo, mhi = self.mandate_band(mk)
                if not mlo <= self.rank[mlv] <= mhi:
                    self.bad("mandate_armament", f"{zid}: armament {mlv} outside mandate {mk}'s "
                             f"band {self._span(mlo, mhi)}")
            # 4 unit_armament
            if mlv is not None:
                for (c, u, zz), n in sorted(self.x.items()):
                    ua = self.units[u].armament
                    if zz == zid and n > 0 and self.rank[ua] > self.rank[mlv]:
                        self.bad("unit_armament", f"{c} {n} x {u} ({ua}) in {zid} armed {mlv}")

    def _span(self, lo: int, hi: int) -> str:
        if lo > hi:
            return "(no level)"
        return f"{self.levels[lo]}..{self.levels[hi]}"

    def requirements(self, soft: bool) -> None:
        for zid in self.zones:
            if not self.deployed(zid):
                continue
            if self.P_z[zid] <= 0:
                self.bad("requirement", f"{zid} is deployed with nobody in it")
            k = self.zone_mandate(zid)
            if k is None or soft:
                continue
            for cap, need in requirement_need(self.sc, zid, k).items():
                got = self.provided(zid, cap)
                if not _ge(got, need):
                    only = self.mandates[k].eligible.get(cap)
                    self.bad("requirement", f"{zid} {cap}: {got:g} < {need:g} ({k}"
                             + (f"; counting only {', '.join(only)}" if only is not None
                                else "") + ")")

    def provided(self, zid: str, cap: str) -> float:
        """What the units in the zone provide of a capability, counting under the zone's
        mandate only the unit types and armament levels its `eligible` lists for it."""
        k = self.zone_mandate(zid)
        only = self.mandates[k].eligible.get(cap) if k is not None else None
        return sum(self.units[u].capabilities.get(cap, 0.0) * n
                   for (_c, u, z), n in self.x.items() if z == zid and (
                       only is None or u in only or self.units[u].armament in only))

    # ------------------------------------------------------------------ families 6-8

    def capacity(self) -> None:
        used: dict[tuple[str, str], int] = defaultdict(int)
        for (c, u, _z), n in self.x.items():
            used[c, u] += n
        for (c, u), n in sorted(used.items()):
            avail = self.contribs[c].units.get(u, 0)
            if n > avail:
                self.bad("capacity", f"{c} {u}: {n} units > {avail} offered")
        for c in self.active:
            cap = self.contribs[c].max_personnel
            if self.P_c[c] > cap:
                self.bad("capacity", f"{c}: {self.P_c[c]} personnel > max_personnel {cap}")

    def min_contingent(self) -> None:
        floor = self.r.min_contingent
        for c in self.active:
            if self.P_c[c] < floor:
                self.bad("min_contingent", f"{c}: {self.P_c[c]} personnel < {floor}")

    def contingents_in_zones(self) -> None:
        """No fragments: a contributor present in a zone has min_contingent_zone people
        there, and is present in at most max_zones_per_contributor zones."""
        floor, most = self.r.min_contingent_zone, self.r.max_zones_per_contributor
        zones_of: dict[str, list[str]] = defaultdict(list)
        for (c, z), p in sorted(self.P_cz.items()):
            if p <= 0:
                continue
            zones_of[c].append(z)
            if p < floor:
                self.bad("min_contingent_zone", f"{c} in {z}: {p} personnel < {floor}")
        if most is not None:
            for c, zs in sorted(zones_of.items()):
                if len(zs) > most:
                    self.bad("max_zones_per_contributor", f"{c} is in {len(zs)} zones "
                             f"({', '.join(zs)}) > {most}")

    def veto(self) -> None:
        present = sorted((c, z) for (c, z), p in self.P_cz.items() if p > 0)
        excluded = set(self.r.exclude_groups)
        for c, z in present:
            hit = sorted(excluded & set(self.contribs[c].groups))
            if hit:
                self.bad("veto", f"{c} in {z}: group {', '.join(hit)} is excluded "
                         "(rules.exclude_groups)")
        for v in self.sc.vetoes:
            for c, z in present:
                groups = self.contribs[c].groups
                if v.contributor is not None and v.contributor != c:
                    continue
                if v.group is not None and v.group not in groups:
                    continue
                if v.zones is not None and z not in v.zones:
                    continue
                target = c if v.contributor is not None else f"{c} (group {v.group})"
                self.bad("veto", f"{v.party} vetoes {target} in {z}, but it has "
                         f"{self.P_cz[c, z]} personnel there")

    # ------------------------------------------------------------------ family 9

    def dominance(self) -> None:
        r, n_tot = self.r, self.N
        for c in self.active:
            if not _le(self.P_c[c], r.max_share * n_tot):
                self.bad("dominance.max_share", f"{c} {_pct(self.P_c[c] / n_tot)} > "
                         f"{_pct(r.max_share)} ({self.P_c[c]} of {n_tot})")
        for (c, z), p in sorted(self.P_cz.items()):
            if p > 0 and not _le(p, r.max_share_zone * self.P_z[z]):
                self.bad("dominance.max_share_zone", f"{c} in {z} {_pct(p / self.P_z[z])} > "
                         f"{_pct(r.max_share_zone)} ({p} of {self.P_z[z]})")
        for g, cap in sorted(r.group_caps.items()):
            members = [c for c in self.active if g in self.contribs[c].groups]
            pg = sum(self.P_c[c] for c in members)
            if pg > 0 and not _le(pg, cap * n_tot):
                self.bad("dominance.group_caps", f"group {g} ({', '.join(members)}) "
                         f"{_pct(pg / n_tot)} > {_pct(cap)} ({pg} of {n_tot})")
        if len(self.active) < r.min_contributors:
            self.bad("dominance.min_contributors", f"{len(self.active)} contributors with "
                     f"personnel < {r.min_contributors}")
        for zid in self.zones:
            if not self.deployed(zid):
                continue
            here = [c for (c, z), p in self.P_cz.items() if z == zid and p > 0]
            if len(here) < r.min_contributors_zone:
                self.bad("dominance.min_contributors_zone", f"{zid}: {len(here)} contributors "
                         f"< {r.min_contributors_zone}")

    # ------------------------------------------------------------------ families 10-12

    def party_acceptability(self) -> dict[str, float]:
        out = {}
        for p in self.parties:
            if self.N <= 0:
                out[p] = 0.0
                continue
            score = sum(self.acc(p, c, z) * pp for (c, z), pp in self.P_cz.items())
            out[p] = score / self.N
        return out

    def armament_acceptability(self) -> dict[str, float]:
        deployed = [(z, self.zone_level(z)) for z in self.zones if self.deployed(z)]
        wsum = sum(self.zones[z].weight for z, lv in deployed if lv is not None)
        out = {}
        for p in self.parties:
            s = sum(self.zones[z].weight * self.armacc(p, lv) for z, lv in deployed
                    if lv is not None)
            out[p] = s / wsum if wsum > 0 else 0.0
        return out

    def acceptability(self) -> None:
        # personnel-weighted: sum acc*P >= theta*N holds trivially when N = 0
        acc = self.party_acceptability()
        for p, floor in sorted(self.r.acceptability_floor.items()):
            if self.N > 0 and p in acc and not _ge(acc[p], floor):
                self.bad("acceptability", f"{p}: {acc[p]:.4f} < floor {floor:.4f}")
        # armament: sum_z w[z]*armacc[p, l_z] >= phi_p * sum_z w[z] over deployed zones
        deployed = [z for z in self.zones if self.deployed(z)]
        wsum = sum(self.zones[z].weight for z in deployed)
        for p, floor in sorted(self.r.armament_floor.items()):
            s = sum(self.zones[z].weight * self.armacc(p, lv) for z in deployed
                    if (lv := self.zone_level(z)) is not None)
            if wsum > 0 and not _ge(s, floor * wsum):
                self.bad("armament_acceptability", f"{p}: {s / wsum:.4f} < floor {floor:.4f}")

    def zone_acceptability(self) -> None:
        """In each zone with people: sum_c acc[p,c,z] P[c,z] >= floor_p P[z], the scores
        as written (zone overrides apply; an uncertain score at its value)."""
        for p, floor in sorted(self.r.zone_acceptability_floor.items()):
            if p not in self.parties:
                continue
            for zid in self.zones:
                if self.P_z[zid] <= 0:
                    continue
                score = sum(self.acc(p, c, z) * pp for (c, z), pp in self.P_cz.items()
                            if z == zid)
                if not _ge(score, floor * self.P_z[zid]):
                    self.bad("zone_acceptability", f"{p} in {zid}: "
                             f"{score / self.P_z[zid]:.4f} < zone floor {floor:.4f}")

    def low_acceptability(self) -> None:
        """For each party, the people posted where it scores their contributor below the
        threshold hold at most the share allowed of the whole force."""
        t, cap = self.r.low_acceptability_threshold, self.r.low_acceptability_max_share
        if self.N <= 0:
            return
        for p in self.parties:
            low = {(c, z): pp for (c, z), pp in self.P_cz.items()
                   if pp > 0 and self.acc(p, c, z) < t}
            held = sum(low.values())
            if held > 0 and not _le(held, cap * self.N):
                who = sorted({c for c, _z in low})
                self.bad("low_acceptability", f"{p}: contributors scored below {t:g} "
                         f"({', '.join(who)}) hold {_pct(held / self.N)} > {_pct(cap)} "
                         f"({held} of {self.N})")

    def robust_acceptability(self) -> None:
        """Each party's floors in the worst case of its robust budget Γ: at most Γ of its
        uncertain scores at their low end (value - spread), the rest at their value."""
        g = self.r.robust_budget
        acc = self.party_acceptability()
        spread = self.sc.acceptability.contributor_spread
        for p, floor in sorted(self.r.acceptability_floor.items()):
            gamma = float(g if isinstance(g, int | float) else g.get(p, 0.0))
            if gamma <= 0 or floor <= 0 or self.N <= 0 or p not in acc:
                continue
            exact = {(c, z) for z, by_p in self.sc.acceptability.zones.items()
                     for c in by_p.get(p, {})}
            loss: dict[str, float] = {}
            for (c, z), pp in self.P_cz.items():
                s = spread.get(p, {}).get(c, 0.0)
                if s > 0 and (c, z) not in exact:
                    loss[c] = loss.get(c, 0.0) + s * pp / self.N
            worst = acc[p] - _largest_loss(list(loss.values()), gamma)
            if not _ge(worst, floor):
                self.bad("robust_acceptability", f"{p}: worst case {worst:.4f} < floor "
                         f"{floor:.4f} with robust_budget {gamma:g}")
        arm_spread = self.sc.acceptability.armament_spread
        deployed = [(z, lv) for z in self.zones if self.deployed(z)
                    and (lv := self.zone_level(z)) is not None]
        wsum = sum(self.zones[z].weight for z, _lv in deployed)
        arm = self.armament_acceptability()
        for p, floor in sorted(self.r.armament_floor.items()):
            gamma = float(g if isinstance(g, int | float) else g.get(p, 0.0))
            if gamma <= 0 or floor <= 0 or wsum <= 0:
                continue
            by_level: dict[str, float] = {}
            for z, lv in deployed:
                s = arm_spread.get(p, {}).get(lv, 0.0)
                if s > 0:
                    by_level[lv] = by_level.get(lv, 0.0) + s * self.zones[z].weight / wsum
            worst = arm[p] - _largest_loss(list(by_level.values()), gamma)
            if not _ge(worst, floor):
                self.bad("robust_acceptability", f"{p}: worst-case armament score "
                         f"{worst:.4f} < floor {floor:.4f} with robust_budget {gamma:g}")

    def language(self) -> None:
        lang = self.r.working_language
        if lang is None:
            return
        limit = 1.0 - self.r.language_share
        for zid in self.zones:
            others = sorted(c for (c, z), p in self.P_cz.items()
                            if z == zid and p > 0 and lang not in self.contribs[c].languages)
            held = sum(self.P_cz[c, zid] for c in others)
            if held > 0 and not _le(held, limit * self.P_z[zid]):
                self.bad("language", f"{zid}: non-{lang} speakers ({', '.join(others)}) hold "
                         f"{_pct(held / self.P_z[zid])} > {_pct(limit)} "
                         f"({held} of {self.P_z[zid]})")

    # ------------------------------------------------------------------ families 13-15

    def lead_nation(self) -> None:
        r = self.r
        for zid in self.zones:
            lead = self.zrep.get(zid, {}).get("lead")
            if not self.deployed(zid):
                if lead is not None:
                    self.bad("lead_nation", f"{zid} is not deployed but has lead {lead}")
                continue
            if lead is None:
                self.bad("lead_nation", f"{zid} is deployed without a lead nation")
                continue
            if not isinstance(lead, str) or lead not in self.contribs:
                self.bad("schema", f"zone {zid}: unknown lead {lead!r}")
                continue
            here = self.P_cz.get((lead, zid), 0)
            if here <= 0:
                self.bad("lead_nation", f"{zid}: lead {lead} has no personnel there")
                continue
            for p in self.parties:
                a = self.acc(p, lead, zid)
                if not _ge(a, r.lead_min_acceptability):
                    self.bad("lead_nation", f"{zid}: lead {lead} acceptability to {p} "
                             f"{a:.3f} < {r.lead_min_acceptability:.3f}")
            if not _ge(here, r.lead_min_share * self.P_z[zid]):
                self.bad("lead_nation", f"{zid}: lead {lead} holds {_pct(here / self.P_z[zid])}"
                         f" < {_pct(r.lead_min_share)} ({here} of {self.P_z[zid]})")

    def size_budget(self) -> None:
        r = self.r
        if r.personnel_min > self.N:
            self.bad("size", f"{self.N} personnel < personnel_min {r.personnel_min}")
        if r.personnel_max is not None and r.personnel_max < self.N:
            self.bad("size", f"{self.N} personnel > personnel_max {r.personnel_max}")
        if r.budget_per_month is not None and not _le(self.cost, r.budget_per_month):
            self.bad("budget", f"{self.cost:,.0f} per month > budget "
                     f"{r.budget_per_month:,.0f}")

    def qrf(self) -> None:
        r = self.r
        if r.qrf_hours is None or not r.qrf_mandates:
            return
        need = [z for z in self.zones if self.deployed(z)
                and self.zone_mandate(z) in r.qrf_mandates]
        if not need:
            return
        qrf_types = set(r.qrf_unit_types)
        holders = {z for (_c, u, z), n in self.x.items() if n > 0 and u in qrf_types}
        g = travel_graph(self.sc)
        for zid in need:
            times = nx.single_source_dijkstra_path_length(g, zid, weight="hours")
            near = {z: t for z, t in times.items() if z in holders}
            best = min(near.values(), default=math.inf)
            if not best <= r.qrf_hours + _slack(r.qrf_hours):
                what = (f"nearest at {best:.2f} h" if math.isfinite(best)
                        else "none can reach it")
                self.bad("qrf", f"{zid} ({self.zone_mandate(zid)}): no unit of "
                         f"{', '.join(sorted(qrf_types)) or '(no qrf unit types)'} within "
                         f"{r.qrf_hours:g} h ({what})")

    # ------------------------------------------------------------------ reported numbers

    def logistics(self) -> None:
        """Family 16 restated from the flows: each route listed is open and joins the ends
        given, carries no more than its capacity (its own, else its road class's less what
        its mine risk takes), every zone receives supply_t_per_person_day x its personnel
        net, and every hub sends no more than capacity_personnel x that."""
        lg = self.sc.logistics
        flows = self.sol.get("flows")
        if lg is None:
            if flows:
                self.bad("logistics", "flows are listed but the scenario has no logistics")
            return
        if flows is None:
            flows = []          # no supplies listed: every zone with people is short
        if not isinstance(flows, list):
            self.bad("schema", "'flows' is not a list")
            return
        routes = {r.name: r for r in self.sc.routes}
        carried: dict[str, float] = defaultdict(float)
        net: dict[str, float] = defaultdict(float)       # node -> tonnes a day in, net
        for i, f in enumerate(flows):
            name = f.get("route") if isinstance(f, dict) else None
            r = routes.get(name) if isinstance(name, str) else None
            t = _num(f.get("tonnes_per_day")) if isinstance(f, dict) else None
            if r is None or t is None or t < 0:
                self.bad("schema", f"flows[{i}]: unknown route or tonnes_per_day not >= 0")
                continue
            a, b = f.get("from"), f.get("to")
            if {a, b} != {r.from_, r.to} or a == b:
                self.bad("schema", f"flows[{i}]: route {name} joins {r.from_} and {r.to}, "
                         f"not {a} -> {b}")
                continue
            if r.closed and t > 0:
                self.bad("logistics", f"route {name} is closed but carries {t:.3f} t/day")
            carried[r.name] += t
            net[str(b)] += t
            net[str(a)] -= t
        for name, t in sorted(carried.items()):
            r = routes[name]
            cap = (float(r.capacity_tpd) if r.capacity_tpd is not None else
                   lg.road_capacity_tpd.get(r.road, 0.0)
                   * (1.0 - lg.mine_risk_capacity_factor * r.mine_risk))
            if t > cap + 1e-4 + _slack(cap):
                self.bad("logistics", f"route {name} carries {t:.3f} t/day > capacity "
                         f"{cap:.3f}")
        for z in self.zones:
            need = lg.supply_t_per_person_day * self.P_z[z]
            if abs(net[z] - need) > 1e-4 + _slack(need):
                self.bad("logistics", f"zone {z} receives {net[z]:.3f} t/day net, needs "
                         f"{need:.3f} ({self.P_z[z]} people x {lg.supply_t_per_person_day:g})")
        for h in self.sc.hubs:
            if not h.entry and abs(net[h.id]) > 1e-4:
                self.bad("logistics", f"hub {h.id} is no supply entry but "
                         f"{'sends' if net[h.id] < 0 else 'keeps'} {abs(net[h.id]):.3f} t/day")
            if h.capacity_personnel is None or not h.entry:
                continue
            cap = h.capacity_personnel * lg.supply_t_per_person_day
            if -net[h.id] > cap + 1e-4 + _slack(cap):
                self.bad("logistics", f"hub {h.id} sends {-net[h.id]:.3f} t/day > its "
                         f"throughput {cap:.3f} ({h.capacity_personnel} people)")
        self.transport = sum(
            routes[n].km * t for n, t in carried.items()) * lg.cost_per_tonne_km * 365 / 12

    def totals(self) -> None:
        units = self.units
        for a in self.alloc_rows:
            u, n, p = a["unit_type"], a["units"], a.get("personnel")
            if _int(p) != n * units[u].personnel:
                self.bad("totals", f"allocation {a['contributor']} {u} in {a['zone']}: "
                         f"personnel {p!r} != {n} x {units[u].personnel}")
        for zid, rep in self.zrep.items():
            p = rep.get("personnel")
            if _int(p) != self.P_z[zid]:
                self.bad("totals", f"zone {zid}: personnel {p!r} != {self.P_z[zid]} allocated")
            self.reported_requirements(zid, rep)
        self.reported_contributors()
        t = self.sol.get("totals")
        if not isinstance(t, dict):
            self.bad("schema", "'totals' is missing or not a mapping")
        else:
            if _int(t.get("personnel")) != self.N:
                self.bad("totals", f"totals.personnel {t.get('personnel')!r} != {self.N}")
            if _int(t.get("contributors")) != len(self.active):
                self.bad("totals", f"totals.contributors {t.get('contributors')!r} != "
                         f"{len(self.active)}")
            cost = _num(t.get("cost_per_month"))
            if cost is None or not _close(cost, self.cost):
                self.bad("totals", f"totals.cost_per_month {t.get('cost_per_month')!r} != "
                         f"{self.cost:g}")
        self.reported_scores("acceptability", self.party_acceptability())
        self.reported_scores("armament_acceptability", self.armament_acceptability())
        self.reported_objective()

    def reported_requirements(self, zid: str, rep: dict[str, Any]) -> None:
        reqs = rep.get("requirements") or {}
        if not isinstance(reqs, dict):
            self.bad("schema", f"zone {zid}: 'requirements' is not a mapping")
            return
        k = self.zone_mandate(zid)
        needs = requirement_need(self.sc, zid, k) if k and self.deployed(zid) else {}
        for cap, entry in reqs.items():
            if cap not in needs:
                self.bad("totals", f"zone {zid}: requirement {cap} reported, but "
                         f"{'mandate ' + k if k else 'the zone'} has none")
                continue
            req = _num(entry.get("required")) if isinstance(entry, dict) else None
            got = _num(entry.get("provided")) if isinstance(entry, dict) else None
            if req is None or not _close(req, needs[cap]):
                self.bad("totals", f"zone {zid} {cap}: required {req!r} reported, "
                         f"{needs[cap]:g} recomputed")
            real = self.provided(zid, cap)
            if got is None or not _close(got, real):
                self.bad("totals", f"zone {zid} {cap}: provided {got!r} reported, "
                         f"{real:g} allocated")
        for cap, need in needs.items():
            if cap not in reqs and need > 0:
                self.bad("totals", f"zone {zid}: requirement {cap} ({need:g}) not reported")

    def reported_contributors(self) -> None:
        rows = self.sol.get("contributors")
        if not isinstance(rows, list):
            self.bad("schema", "'contributors' is missing or not a list")
            return
        seen: set[str] = set()
        for row in rows:
            c = row.get("contributor") if isinstance(row, dict) else None
            if not isinstance(c, str) or c not in self.contribs:
                self.bad("schema", f"contributors: unknown contributor {c!r}")
                continue
            assert isinstance(row, dict)
            if c in seen:
                self.bad("schema", f"contributors: {c} listed twice")
                continue
            seen.add(c)
            p = self.P_c.get(c, 0)
            if _int(row.get("personnel")) != p:
                self.bad("totals", f"contributor {c}: personnel {row.get('personnel')!r} != "
                         f"{p} allocated")
            share = _num(row.get("share"))
            real = p / self.N if self.N else 0.0
            if share is None or not _close(share, real):
                self.bad("totals", f"contributor {c}: share {row.get('share')!r} != {real:.6f}")
            cost = _num(row.get("cost_per_month"))
            real_cost = self.contribs[c].cost_per_person_month * p
            if cost is None or not _close(cost, real_cost):
                self.bad("totals", f"contributor {c}: cost_per_month "
                         f"{row.get('cost_per_month')!r} != {real_cost:g}")
        for c in self.active:
            if c not in seen:
                self.bad("totals", f"contributor {c} has {self.P_c[c]} personnel but is "
                         "not listed in 'contributors'")

    def reported_scores(self, key: str, real: dict[str, float]) -> None:
        rep = self.sol.get(key)
        if not isinstance(rep, dict):
            self.bad("schema", f"'{key}' is missing or not a mapping")
            return
        for p, v in real.items():
            got = _num(rep.get(p))
            if got is None or not _close(got, v):
                self.bad("totals", f"{key}.{p} {rep.get(p)!r} reported, {v:.6f} recomputed")
        for p in rep:
            if p not in real:
                self.bad("schema", f"{key}: unknown party {p!r}")

    def reported_objective(self) -> None:
        obj = self.sol.get("objective")
        if not isinstance(obj, dict):
            return
        value = _num(obj.get("value"))
        if value is None:
            return
        kind = obj.get("kind")
        cost = self.cost + self.transport
        if kind == "cost" and not self.r.soft_requirements and not _close(value, cost):
            self.bad("totals", f"objective value {value:g} != cost {cost:g}"
                     + (f" (force {self.cost:g} + transport {self.transport:g})"
                        if self.transport else ""))
        if kind == "acceptability" and self.N > 0:
            low = min(self.party_acceptability().values(), default=0.0)
            if not _close(value, low):
                self.bad("totals", f"objective value {value:.6f} != least acceptability "
                         f"{low:.6f}")


def verify(resolved_scenario: ResolvedScenario | Scenario,
           solution: dict[str, Any]) -> list[Violation]:
    """Every rule the solution breaks, recomputed from the scenario and its allocations.

    `resolved_scenario` carries the effective rules (a planning option and `--set`
    overrides applied). Returns an empty list for a correct solution.
    """
    sc = (resolved_scenario.scenario if isinstance(resolved_scenario, ResolvedScenario)
          else resolved_scenario)
    if not isinstance(solution, dict):
        return [Violation("schema", "a solution is a JSON object")]
    chk = _Check(sc, solution)
    status = solution.get("status")
    if status not in STATUSES:
        chk.bad("schema", f"unknown status {status!r} (expected {', '.join(STATUSES)})")
        return chk.out
    if status not in FEASIBLE:
        allocs = solution.get("allocations")
        if allocs:
            n = len(allocs) if isinstance(allocs, list) else "some"
            chk.bad("status", f"status {status} but {n} allocations are listed")
        explained = solution.get("explanation")
        unfinished = isinstance(explained, dict) and explained.get("complete") is False
        if status == "infeasible" and not solution.get("conflicts") and not unfinished:
            # an explanation cut short by the time limit (or not asked for) may name none
            chk.bad("status", "infeasible but no conflicting rules are named")
        return chk.out
    if sc.phases is not None:
        return _phases(sc, solution) + _companion(sc, solution) + _benchmark(sc, solution)
    if "phases" in solution:
        chk.bad("schema", "'phases' in the solution of a scenario without phases")
    chk.read()
    chk.aggregate()
    objective = solution.get("objective")
    kind = objective.get("kind") if isinstance(objective, dict) else None
    soft = sc.rules.soft_requirements or kind == "coverage"
    chk.structure()
    chk.requirements(soft)
    chk.capacity()
    chk.min_contingent()
    chk.contingents_in_zones()
    chk.veto()
    chk.dominance()
    chk.acceptability()
    chk.zone_acceptability()
    chk.low_acceptability()
    chk.robust_acceptability()
    chk.language()
    chk.lead_nation()
    chk.size_budget()
    chk.qrf()
    chk.logistics()
    chk.totals()
    return chk.out + _companion(sc, solution) + _benchmark(sc, solution)


def _benchmark(sc: Scenario, solution: dict[str, Any]) -> list[Violation]:
    """The benchmark the report sets the plan against is the scenario's, and its ratio is the
    listed allocations' personnel over it (the first phase's, for a phased plan)."""
    got = solution.get("benchmark")
    bm = sc.benchmark
    if bm is None:
        return [Violation("benchmark", "a benchmark in the solution of a scenario without "
                                       "one")] if got is not None else []
    if not isinstance(got, dict):
        return [Violation("benchmark", "the scenario's benchmark is missing from the "
                                       "solution")]
    if got.get("personnel") != bm.personnel:
        return [Violation("benchmark", f"personnel {got.get('personnel')!r} but the "
                                       f"scenario's benchmark is {bm.personnel}")]
    allocs = solution.get("allocations") or []
    total = sum(a.get("personnel", 0) for a in allocs if isinstance(a, dict))
    ratio = got.get("ratio")
    if not allocs:
        return [] if ratio is None else [Violation("benchmark", "a ratio without a plan")]
    if not isinstance(ratio, int | float) or abs(ratio - total / bm.personnel) > 1e-4:
        return [Violation("benchmark", f"ratio {ratio!r} but {total} / {bm.personnel} = "
                                       f"{total / bm.personnel:.4f}")]
    return []


# the companion's figures, read as a solution of its own (docs/solution-file.md, companion);
# restated here, not imported, as the verifier restates every rule (tests/test_verify.py)
COMPANION_KEYS = ("status", "mip_gap", "objective", "zones", "allocations", "contributors",
                  "acceptability", "armament_acceptability", "totals", "flows", "logistics")


def _companion(sc: Scenario, solution: dict[str, Any]) -> list[Violation]:
    """The companion plan (the plan under the other robust budget) checked as a solution
    of the same scenario with its own `robust_budget`: every family, its totals, and that
    its budget is the other side of the rules' (Γ = 0 beside a robust plan, Γ > 0 beside a
    nominal one)."""
    comp = solution.get("companion")
    if comp is None:
        return []
    if not isinstance(comp, dict):
        return [Violation("companion", "'companion' is not a mapping")]
    role, budget = comp.get("role"), comp.get("robust_budget")
    parties = {p.id for p in sc.parties}
    if not isinstance(budget, dict) or set(budget) != parties or not all(
            (x := _num(v)) is not None and x >= 0 for v in budget.values()):
        return [Violation("companion", f"robust_budget {budget!r} is not a Γ >= 0 for each "
                          f"of {', '.join(sorted(parties))}")]
    g = sc.rules.robust_budget
    rules_robust = (g > 0) if isinstance(g, int | float) else any(v > 0 for v in g.values())
    out: list[Violation] = []
    if role == "nominal" and (not rules_robust or any(float(v) > 0 for v in budget.values())):
        out.append(Violation("companion", "a nominal companion (all Γ = 0) stands beside a "
                             "plan made with a positive robust_budget"))
    elif role == "robust" and (rules_robust or not any(float(v) > 0 for v in budget.values())):
        out.append(Violation("companion", "a robust companion (some Γ > 0) stands beside a "
                             "plan made with robust_budget 0"))
    elif role not in ("nominal", "robust"):
        out.append(Violation("companion", f"unknown role {role!r}"))
    if comp.get("status") not in FEASIBLE:
        if comp.get("allocations"):
            out.append(Violation("companion", f"status {comp.get('status')} but allocations "
                                 "are listed"))
        return out
    rules = sc.rules.model_copy(update={"robust_budget": {p: float(v)
                                                         for p, v in budget.items()}})
    other = sc.model_copy(update={"rules": rules, "benchmark": None})   # checked once, above
    plan = {k: v for k, v in solution.items()
            if k not in ("companion", "sensitivity", "iterations", "benchmark",
                         *COMPANION_KEYS)}
    plan.update({k: comp[k] for k in COMPANION_KEYS if k in comp})
    return out + [Violation(v.family, f"companion ({role}): {v.detail}")
                  for v in verify(other, plan)]


# --------------------------------------------------------------------------- phases

# a phase's plan keys (docs/solution-file.md#phases), restated as COMPANION_KEYS is
PHASE_KEYS = ("zones", "allocations", "contributors", "acceptability",
              "armament_acceptability", "totals", "binding", "flows", "logistics")
DAYS_PER_MONTH = 365.0 / 12.0


def _phases(sc: Scenario, solution: dict[str, Any]) -> list[Violation]:
    """A phased plan: each phase checked as a solution of its own single-period scenario
    (every family), the first phase repeated in the single-period keys, and family 17
    restated from the scenario: readiness, drawdown, armament, lead changes, final
    ceiling, rotation and the whole plan's cost with re-entries."""
    out: list[Violation] = []
    phases = solution.get("phases")
    cases = phase_cases(sc)
    if solution.get("status") not in FEASIBLE:
        if phases:
            out.append(Violation("status", f"status {solution.get('status')} but "
                                 f"{len(phases)} phase plans are listed"))
        return out
    if not isinstance(phases, list) or [p.get("id") if isinstance(p, dict) else None
                                        for p in phases] != [c.id for c in cases]:
        return [Violation("schema", "'phases' does not list the scenario's phases "
                          f"({', '.join(c.id for c in cases)}) in order")]
    assert sc.phases is not None
    tr = sc.transition
    base = {k: v for k, v in solution.items()
            if k not in ("phases", "transition", "companion", "sensitivity", "iterations",
                         "benchmark", *PHASE_KEYS)}
    x: list[dict[tuple[str, str, str], int]] = []       # per phase: (c, u, z) -> units
    start = 0.0
    force = 0.0
    units = {u.id: u.personnel for u in sc.unit_types}
    types = {u.id: u for u in sc.unit_types}
    contribs = {c.id: c for c in sc.contributors}
    for i, (ph, entry) in enumerate(zip(sc.phases, phases, strict=True)):
        where = f"phase {ph.id}"
        if not _close(float(entry.get("months", -1)), ph.months):
            out.append(Violation("schema", f"{where}: months {entry.get('months')!r} != "
                                 f"{ph.months:g}"))
        if abs(float(entry.get("start_day", -1)) - start) > 1e-3:     # written to 3 decimals
            out.append(Violation("schema", f"{where}: start_day {entry.get('start_day')!r} "
                                 f"!= {start:.3f}"))
        plan = dict(base)
        plan.update({k: entry[k] for k in PHASE_KEYS if k in entry})
        plan["objective"] = {"kind": "cost", "value": None}
        out += [Violation(v.family, f"{where}: {v.detail}")
                for v in verify(cases[i].scenario.model_copy(update={"benchmark": None}),
                                plan)]
        here: dict[tuple[str, str, str], int] = defaultdict(int)
        for a in entry.get("allocations") or []:
            c, z, u, n = a.get("contributor"), a.get("zone"), a.get("unit_type"), a.get("units")
            if c in contribs and u in units and isinstance(n, int):
                here[c, u, z] += n
                ready = contribs[c].readiness_days.get(u, types[u].readiness_days)
                if n > 0 and ready > start + 1e-9:
                    out.append(Violation("transition", f"{where}: {c} sends {u} to {z} on day "
                                         f"{start:.0f}, before it is ready (day {ready})"))
        x.append(here)
        totals = entry.get("totals") if isinstance(entry.get("totals"), dict) else {}
        transport = float((entry.get("logistics") or {}).get("transport_cost_per_month") or 0)
        force += ph.months * (float(totals.get("cost_per_month", 0.0)) + transport)
        start += ph.months * DAYS_PER_MONTH
    for key in PHASE_KEYS:
        if key in phases[0] and solution.get(key) != phases[0][key]:
            out.append(Violation("schema", f"'{key}' is not the first phase's"))
    if tr is None:
        return out + _phase_cost(sc, solution, force, 0.0)
    pcz: list[dict[tuple[str, str], int]] = []       # per phase: (c, z) -> people, all types
    for xi in x:
        agg: dict[tuple[str, str], int] = defaultdict(int)
        for (c, u, z), n in xi.items():
            agg[c, z] += n * units[u]
        pcz.append(agg)
    total = [sum(p.values()) for p in pcz]
    ids = [ph.id for ph in sc.phases]
    if tr.max_growth is not None:
        for i in range(1, len(ids)):
            if not _le(total[i], (1 + tr.max_growth) * total[i - 1]):
                out.append(Violation("transition", f"phase {ids[i]}: {total[i]} personnel "
                                     f"after {total[i - 1]} grows more than max_growth "
                                     f"{tr.max_growth:g}"))
    if tr.final_ceiling is not None and total[-1] > tr.final_ceiling:
        out.append(Violation("transition", f"last phase {ids[-1]}: {total[-1]} personnel > "
                             f"final_ceiling {tr.final_ceiling}"))
    zone_rows = [{str(z.get("zone")): z for z in (p.get("zones") or []) if isinstance(z, dict)}
                 for p in phases]
    rank = {lv: i for i, lv in enumerate(sc.armament_levels)}
    changes: dict[str, int] = defaultdict(int)
    for i in range(1, len(ids)):
        for zid, now in zone_rows[i].items():
            before = zone_rows[i - 1].get(zid)
            if not (now.get("deployed") and before and before.get("deployed")):
                continue
            if (not tr.armament_may_rise and now.get("armament") in rank
                    and before.get("armament") in rank
                    and rank[now["armament"]] > rank[before["armament"]]):
                out.append(Violation("transition", f"phase {ids[i]}: {zid} rises from "
                                     f"{before['armament']} to {now['armament']}"))
            if now.get("lead") != before.get("lead"):
                changes[zid] += 1
    if tr.lead_changes_per_zone is not None:
        for zid, n in sorted(changes.items()):
            if n > tr.lead_changes_per_zone:
                out.append(Violation("transition", f"{zid}: lead nation changes {n} times > "
                                     f"lead_changes_per_zone {tr.lead_changes_per_zone}"))
    out += _rotation(sc, solution, x)
    reentry = 0.0
    for i in range(2, len(ids)):
        for (c, z), n in pcz[i].items():
            if n > 0 and pcz[i - 1].get((c, z), 0) == 0 and any(
                    pcz[s].get((c, z), 0) > 0 for s in range(i - 1)):
                reentry += n * tr.reentry_cost_per_person
    return out + _phase_cost(sc, solution, force, reentry)


def _rotation(sc: Scenario, solution: dict[str, Any],
              x: list[dict[tuple[str, str, str], int]]) -> list[Violation]:
    """The reported rotation cohorts cover every deployed post, each takes one unit per
    `rotation_months` begun, and no contributor's cohorts take more than it holds."""
    assert sc.phases is not None and sc.transition is not None
    every = sc.transition.rotation_months
    if every is None:
        return []
    ids = [ph.id for ph in sc.phases]
    months = [ph.months for ph in sc.phases]
    records = (solution.get("transition") or {}).get("rotations") or []
    out: list[Violation] = []
    posts: dict[tuple[str, str, int], int] = defaultdict(int)
    taken: dict[tuple[str, str], int] = defaultdict(int)
    for r in records:
        c, u, a, b, n = (r.get("contributor"), r.get("unit_type"), r.get("from"),
                         r.get("to"), r.get("posts"))
        if a not in ids or b not in ids or ids.index(a) > ids.index(b) or not isinstance(n, int):
            out.append(Violation("schema", f"rotation record {r!r} is malformed"))
            continue
        s, t = ids.index(a), ids.index(b)
        for i in range(s, t + 1):
            posts[c, u, i] += n
        taken[c, u] += n * max(1, math.ceil(sum(months[s:t + 1]) / every - 1e-9))
    deployed: dict[tuple[str, str, int], int] = defaultdict(int)
    for i, xi in enumerate(x):
        for (c, u, _z), n in xi.items():
            deployed[c, u, i] += n
    for key in sorted(set(posts) | set(deployed)):
        if posts.get(key, 0) != deployed.get(key, 0):
            c, u, i = key
            out.append(Violation("transition", f"phase {ids[i]}: {c} deploys "
                                 f"{deployed.get(key, 0)} {u} but the rotation records cover "
                                 f"{posts.get(key, 0)}"))
    holdings = {(c.id, u): n for c in sc.contributors for u, n in c.units.items()}
    for (c, u), n in sorted(taken.items()):
        if n > holdings.get((c, u), 0):
            out.append(Violation("transition", f"{c}: rotations take {n} {u} units, it holds "
                                 f"{holdings.get((c, u), 0)} (rotation every {every:g} "
                                 "months)"))
    return out


def _phase_cost(sc: Scenario, solution: dict[str, Any], force: float,
                reentry: float) -> list[Violation]:
    """The whole plan's cost: each phase's cost per month times its months, plus re-entry."""
    obj = solution.get("objective")
    value = _num(obj.get("value")) if isinstance(obj, dict) else None
    if value is None or sc.rules.soft_requirements:
        return []
    if not _close(value, force + reentry):
        return [Violation("totals", f"objective value {value:g} != the phases' cost "
                          f"{force:g} + re-entry {reentry:g}")]
    return []


# --------------------------------------------------------------------------- files


def verify_file(scenario_path: str | Path | None,
                solution_path: str | Path) -> list[Violation]:
    """Check a solution file: provenance, effective rules, then every family.

    The scenario is the one named (or the solution's `scenario.path`), resolved with the
    solution's option and `--set` overrides.
    """
    label = str(solution_path)
    sol = load_solution(solution_path)
    raw_meta = sol.get("scenario")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    rs, path = resolved_from_solution(sol, label, scenario_path)
    out: list[Violation] = []
    if meta.get("sha256") != rs.sha256:
        out.append(Violation("provenance", f"scenario sha256 {meta.get('sha256')!r} in the "
                             f"solution, {rs.sha256} for {path} with its overrides"))
    expected = rs.scenario.rules.model_dump(mode="json")
    got = sol.get("rules")
    if not isinstance(got, dict):
        out.append(Violation("rules", "the solution carries no effective rules"))
    else:
        for key in sorted(set(expected) | set(got)):
            if key not in got:
                out.append(Violation("rules", f"{key} missing (resolved: "
                                     f"{json.dumps(expected[key])})"))
            elif key not in expected:
                out.append(Violation("rules", f"{key} is not a rule"))
            elif got[key] != expected[key]:
                out.append(Violation("rules", f"{key} is {json.dumps(got[key])} in the "
                                     f"solution, {json.dumps(expected[key])} resolved"))
    return out + verify(rs, sol)
