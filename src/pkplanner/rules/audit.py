"""What the constraint audit reads and writes: a plan as plain lookups, and one audit row.

Each catalog entry (catalog.py) computes its own audit rows from a `PlanView`; the report
(report/audit.py) lays them out. The view reads the solution document and the scenario
only, as a reviewer would, so a row shows what the plan does against a rule whatever the
solver reported. The verifier is the check that fails a plan; the audit is the table a
reader weighs. Plain Python: no pandas, no pyomo.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from pkplanner.scenario import network
from pkplanner.scenario.schema import Rules, Scenario

TOL = 1e-6          # solution numbers are rounded floats: at a limit within TOL is at it


@dataclass
class Check:
    """One audit row: the rule, what it means, the plan's value, the limit, the margin and
    holds / binding / slack / VIOLATED."""

    rule: str
    meaning: str
    value: str
    limit: str
    margin: str
    status: str


def state(margin: float, binding: bool, scale: float = 1.0) -> str:
    if margin < -TOL * (1.0 + abs(scale)):
        return "VIOLATED"
    if binding or abs(margin) <= TOL * (1.0 + abs(scale)):
        return "binding"
    return "slack"


def fmt_money(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def fmt_pp(x: float) -> str:
    return f"{x * 100:+.1f} pp"


@dataclass
class Cover:
    zone: str
    needs: bool              # the zone's mandate is in qrf_mandates
    station: str | None      # zone of the nearest quick-reaction element
    units: int               # quick-reaction units stationed there
    hours: float | None      # travel time from it

    def covered(self, limit: float) -> bool:
        return self.hours is not None and self.hours <= limit + TOL


def gamma_of(rules: Rules, party: str) -> float:
    """A party's robust budget Γ from rules.robust_budget (a number for every party, or a
    map party -> number; 0 when unnamed)."""
    g = rules.robust_budget
    return float(g if isinstance(g, int | float) else g.get(party, 0.0))


def worst_loss(losses: list[float], gamma: float) -> float:
    """The most a budget of Γ deviations can take: the Γ largest whole, and the fraction of Γ
    left of the next (Bertsimas-Sim's inner maximum, solved by sorting)."""
    ranked = sorted(losses, reverse=True)
    whole = min(int(gamma), len(ranked))
    loss = sum(ranked[:whole])
    if whole < len(ranked):
        loss += (gamma - int(gamma)) * ranked[whole]
    return loss


class PlanView:
    """A solution document beside its scenario: the lookups every audit row needs."""

    def __init__(self, sc: Scenario, sol: dict[str, Any]):
        self.sc = sc
        self.sol = sol
        self.zone = {z.id: z for z in sc.zones}
        self.contrib = {c.id: c for c in sc.contributors}
        self.unit = {u.id: u for u in sc.unit_types}
        self.mandate = {m.id: m for m in sc.mandates}
        self.party = {p.id: p for p in sc.parties}
        self.levels = list(sc.armament_levels)
        self.rank = {lv: i for i, lv in enumerate(self.levels)}
        self.deployed: list[dict[str, Any]] = [z for z in sol.get("zones") or []
                                               if z.get("deployed")]
        self.allocs: list[dict[str, Any]] = list(sol.get("allocations") or [])
        self.pc = {c["contributor"]: int(c["personnel"]) for c in sol.get("contributors") or []}
        totals = sol.get("totals") or {}
        self.total = int(totals.get("personnel", 0))
        self.cost = float(totals.get("cost_per_month", 0.0))
        self.binding: list[str] = list(sol.get("binding") or [])
        kind = (sol.get("objective") or {}).get("kind")
        self.soft = bool(sc.rules.soft_requirements or kind == "coverage")

    def pname(self, p: str) -> str:
        pp = self.party.get(p)
        return pp.name or p if pp else p

    def acc(self, p: str, c: str, z: str | None = None) -> float:
        a = self.sc.acceptability
        if z is not None and c in a.zones.get(z, {}).get(p, {}):
            return a.zones[z][p][c]
        return a.contributors.get(p, {}).get(c, a.default)

    def zone_personnel(self, z: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for a in self.allocs:
            if a["zone"] == z:
                out[a["contributor"]] = out.get(a["contributor"], 0) + int(a["personnel"])
        return dict(sorted(out.items()))        # by contributor: ties go to the first

    def units_sent(self, c: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for a in self.allocs:
            if a["contributor"] == c:
                out[a["unit_type"]] = out.get(a["unit_type"], 0) + int(a["units"])
        return out

    def groups_of(self, c: str) -> list[str]:
        return list(self.contrib[c].groups) if c in self.contrib else []

    def is_binding(self, family: str, *idx: str) -> bool:
        key = ".".join((family, *idx))
        return any(b == key or b.startswith(key + ".") for b in self.binding)

    def worst_case(self, party: str, gamma: float, armament: bool = False) -> float:
        """The party's composition (armament) score with the Γ deviations that hurt it most
        taken; its score itself when no uncertain score touches the plan."""
        losses = self.armament_losses(party) if armament else self.score_losses(party)
        key = "armament_acceptability" if armament else "acceptability"
        nominal = float((self.sol.get(key) or {}).get(party, 0.0))
        return nominal - worst_loss(list((losses or {}).values()), gamma)

    def worst_acceptability(self, party: str, gamma: float) -> float | None:
        """worst_case of the composition; None: no uncertain score of this party touches
        the plan."""
        if self.score_losses(party) is None:
            return None
        return self.worst_case(party, gamma)

    def score_losses(self, party: str) -> dict[str, float] | None:
        """Contributor -> what its score at the low end would take from the party's
        composition score (spread x its share of the force outside zone overrides),
        largest first; None when no uncertain score of the party touches the plan."""
        spread = self.sc.acceptability.contributor_spread.get(party, {})
        zone_exact = {(c, z) for z, by_p in self.sc.acceptability.zones.items()
                      for c in by_p.get(party, {})}
        if not spread or not self.total:
            return None
        hurt: dict[str, float] = {}
        for a in self.allocs:
            c = a["contributor"]
            if spread.get(c, 0.0) > 0 and (c, a["zone"]) not in zone_exact:
                hurt[c] = hurt.get(c, 0.0) + spread[c] * int(a["personnel"]) / self.total
        return dict(sorted(hurt.items(), key=lambda kv: (-kv[1], kv[0]))) if hurt else None

    def below_floor_share(self, party: str, floor: float, armament: bool = False,
                          draws: int = 1000, seed: int = 0) -> float | None:
        """How often the plan's composition score (armament score with `armament`) falls
        below `floor` when every uncertain score is drawn uniformly from its range (value ±
        spread), `draws` times from a fixed seed: the Monte Carlo view of the same ranges
        the worst case reads. A level's score is one judgement, drawn once for all the
        zones run at that level."""
        if armament:
            spread = self.sc.acceptability.armament_spread.get(party, {})
            losses = self.armament_losses(party)
            key = "armament_acceptability"
        else:
            spread = self.sc.acceptability.contributor_spread.get(party, {})
            losses = self.score_losses(party)
            key = "acceptability"
        if losses is None:
            return None
        rng = random.Random(seed)
        nominal = float((self.sol.get(key) or {}).get(party, 0.0))
        weight = {s: loss / spread[s] for s, loss in losses.items()}   # share of the whole
        below = 0
        for _ in range(draws):
            score = nominal + sum(w * rng.uniform(-spread[s], spread[s])
                                  for s, w in weight.items())
            below += score < floor - TOL
        return below / draws

    def armament_losses(self, party: str) -> dict[str, float] | None:
        """Armament level -> what its score at the low end would take from the party's
        armament score (spread x the zone weight run at that level), largest first; None
        when no uncertain level score of the party touches the plan."""
        spread = self.sc.acceptability.armament_spread.get(party, {})
        total_w = sum(self.zone[z["zone"]].weight for z in self.deployed if z["zone"] in self.zone)
        if not spread or not total_w:
            return None
        hurt: dict[str, float] = {}
        for z in self.deployed:
            lv = str(z.get("armament"))
            if spread.get(lv, 0.0) > 0 and z["zone"] in self.zone:
                hurt[lv] = hurt.get(lv, 0.0) + spread[lv] * self.zone[z["zone"]].weight / total_w
        return dict(sorted(hurt.items(), key=lambda kv: (-kv[1], kv[0]))) if hurt else None

    def worst_armament(self, party: str, gamma: float) -> float | None:
        """worst_case of the armament; None: no uncertain level score of this party touches
        the plan."""
        if self.armament_losses(party) is None:
            return None
        return self.worst_case(party, gamma, armament=True)

    def qrf_cover(self) -> list[Cover]:
        """Nearest quick-reaction element (qrf_unit_types, stationed in a zone) of each
        deployed zone, by travel time over open routes: the report's logistics section
        shows it and the audit checks it, so both read the same cover."""
        r = self.sc.rules
        times = network.travel_times(network.build_graph(self.sc))
        stations: dict[str, int] = {}
        for a in self.allocs:
            if a["unit_type"] in set(r.qrf_unit_types):
                stations[a["zone"]] = stations.get(a["zone"], 0) + int(a["units"])
        out = []
        for z in self.deployed:
            zid = z["zone"]
            best = min(((times.get(st, {}).get(zid, math.inf), st) for st in stations),
                       default=(math.inf, ""))
            ok = math.isfinite(best[0])
            out.append(Cover(zid, z["mandate"] in r.qrf_mandates, best[1] if ok else None,
                             stations.get(best[1], 0) if ok else 0, best[0] if ok else None))
        return out
