"""An independent brute-force solver for tiny scenarios, used to check the MILP.

It enumerates every allocation of units, mandate and armament level per zone and
checks the rules straight from the scenario mapping: no code from pkplanner.
Supports the families the tiny test scenarios use: requirement (with a mandate's
`eligible` units per capability), capacity, veto, exclusion, dominance (max_share,
max_share_zone, min_contributors), min_contingent, min_contingent_zone,
max_zones_per_contributor, acceptability (with scores given as ranges [low, high] and a whole
robust_budget, by trying every set of scores at their low end), zone_acceptability_floor and
the low-acceptability cap (zone overrides apply, ranges at their middle), mandate/unit
armament, size and budget.
"""

from __future__ import annotations

import itertools
import math
from typing import Any


def requirement(rule: dict[str, float], zone: dict[str, Any], mult: float) -> float:
    return mult * max(rule.get("min", 0), rule.get("base", 0)
                      + rule.get("per_line_km", 0) * zone.get("line_km", 0)
                      + rule.get("per_1000_pop", 0) * zone.get("population", 0) / 1000
                      + rule.get("per_1000_returnees", 0) * zone.get("returnees", 0) / 1000
                      + rule.get("per_km2", 0) * zone.get("area_km2", 0)
                      + rule.get("per_1000_mines", 0) * zone.get("mines", 0) / 1000)


def solve(doc: dict[str, Any]) -> tuple[float, list[dict[str, Any]]]:
    """Least monthly cost and every optimal plan, as (cost, [plans])."""
    levels = doc["armament_levels"]
    rank = {lv: i for i, lv in enumerate(levels)}
    units = {u["id"]: u for u in doc["unit_types"]}
    mandates = {m["id"]: m for m in doc["mandates"]}
    rules = doc["rules"]
    opt = next(o for o in doc["planning_options"] if o["id"] == doc["planning_option"])
    rules = {**rules, **{k: opt[k] for k in ("mandates", "max_armament", "personnel_min",
                                              "personnel_max") if opt.get(k) is not None},
             **opt.get("rules", {})}
    top = rank[rules["max_armament"]] if rules.get("max_armament") else len(levels) - 1
    zones = doc["zones"]
    contributors = {c["id"]: c for c in doc["contributors"]}
    excluded = set(rules.get("exclude_groups", []))
    acc_default = doc["acceptability"]["default"]
    acc = doc["acceptability"].get("contributors", {})

    def banned(c: str, z: str) -> bool:
        cdoc = contributors[c]
        if excluded & set(cdoc.get("groups", [])):
            return True
        for v in doc.get("vetoes", []):
            hit = v.get("contributor") == c or v.get("group") in cdoc.get("groups", [])
            if hit and (not v.get("zones") or z in v["zones"]):
                return True
        return False

    slots = [(c, u, z["id"]) for c, cd in contributors.items() for u, n in cd["units"].items()
             if n > 0 for z in zones]
    ranges = [range(0, contributors[c]["units"][u] + 1) if not banned(c, z) else range(1)
              for c, u, z in slots]
    zone_choices = []
    for z in zones:
        lo = rank[z["min_armament"]] if z.get("min_armament") else 0
        hi = min(top, rank[z["max_armament"]] if z.get("max_armament") else len(levels) - 1)
        allowed = z.get("allowed_mandates") or list(mandates)
        if rules.get("mandates"):
            allowed = [k for k in allowed if k in rules["mandates"]]
        zone_choices.append([(k, lv) for k in allowed for lv in levels
                             if lo <= rank[lv] <= hi
                             and rank[mandates[k]["min_armament"]] <= rank[lv]
                             <= rank[mandates[k]["max_armament"]]])
    best, plans = math.inf, []
    for counts in itertools.product(*ranges):
        alloc = {s: n for s, n in zip(slots, counts, strict=True) if n > 0}
        pc: dict[str, int] = {}
        pz: dict[str, int] = {}
        pcz: dict[tuple[str, str], int] = {}
        for (c, u, z), n in alloc.items():
            p = n * units[u]["personnel"]
            pc[c] = pc.get(c, 0) + p
            pz[z] = pz.get(z, 0) + p
            pcz[c, z] = pcz.get((c, z), 0) + p
        if not _plan_rules_hold(alloc, pc, pz, pcz, contributors, units, rules, acc,
                                acc_default, doc):
            continue
        cost = sum(contributors[c]["cost_per_person_month"] * p for c, p in pc.items())
        if cost > best + 1e-6:
            continue
        for choice in itertools.product(*zone_choices):
            if _zone_rules_hold(alloc, zones, choice, units, mandates, rank, doc):
                if cost < best - 1e-6:
                    best, plans = cost, []
                plans.append({"alloc": alloc, "zones": dict(zip([z["id"] for z in zones],
                                                                 choice, strict=True))})
                break
    return best, plans


def _plan_rules_hold(alloc: dict, pc: dict, pz: dict, pcz: dict, contributors: dict,
                     units: dict, rules: dict, acc: dict, acc_default: float,
                     doc: dict) -> bool:
    n = sum(pc.values())
    for c, p in pc.items():
        if p > contributors[c]["max_personnel"]:
            return False
        if p < rules.get("min_contingent", 0):
            return False
        if p > rules.get("max_share", 1.0) * n + 1e-9:
            return False
    for (_c, z), p in pcz.items():
        if p > rules.get("max_share_zone", 1.0) * pz[z] + 1e-9:
            return False
    for c in contributors:
        used = {}
        for (cc, u, _z), k in alloc.items():
            if cc == c:
                used[u] = used.get(u, 0) + k
        if any(k > contributors[c]["units"][u] for u, k in used.items()):
            return False
    if len(pc) < rules.get("min_contributors", 0):
        return False
    if n < rules.get("personnel_min", 0):
        return False
    if rules.get("personnel_max") is not None and n > rules["personnel_max"]:
        return False
    if rules.get("budget_per_month") is not None and sum(
            contributors[c]["cost_per_person_month"] * p for c, p in pc.items()
    ) > rules["budget_per_month"] + 1e-6:
        return False
    gamma = rules.get("robust_budget", 0)
    zone_acc = doc["acceptability"].get("zones", {})
    for party, floor in rules.get("acceptability_floor", {}).items():
        # a score [low, high] counts at its middle, or at its low end for any `gamma` of
        # them at once (every set of that many tried); a zone override is exact
        scores = {c: acc.get(party, {}).get(c, acc_default) for c in pc}
        uncertain = [c for c, s in scores.items() if isinstance(s, list)]
        g = gamma.get(party, 0) if isinstance(gamma, dict) else gamma
        for k in range(0, min(int(g), len(uncertain)) + 1):
            for low in itertools.combinations(uncertain, k):
                total = sum(
                    (float(zone_acc[z][party][c]) if c in zone_acc.get(z, {}).get(party, {})
                     else _at(scores[c], c in low)) * p for (c, z), p in pcz.items())
                if total < floor * n - 1e-9:
                    return False
    return _composition_rules_hold(pc, pz, pcz, n, rules, acc, acc_default, doc)


def _composition_rules_hold(pc: dict, pz: dict, pcz: dict, n: int, rules: dict, acc: dict,
                            acc_default: float, doc: dict) -> bool:
    """Issue 12's rules: contingents per zone, zones per contributor, each zone's
    acceptability to each party, and the share of low-acceptability contributors."""
    if any(p < rules.get("min_contingent_zone", 0) for p in pcz.values()):
        return False
    most = rules.get("max_zones_per_contributor")
    if most is not None and any(sum(1 for (cc, _z) in pcz if cc == c) > most for c in pc):
        return False
    zone_acc = doc["acceptability"].get("zones", {})

    def score(party: str, c: str, z: str) -> float:
        """The party's score of c in z as written: a zone override, else its score (a range
        at its middle), else the default."""
        if c in zone_acc.get(z, {}).get(party, {}):
            return float(zone_acc[z][party][c])
        return _at(acc.get(party, {}).get(c, acc_default), False)

    for party, floor in rules.get("zone_acceptability_floor", {}).items():
        for z, p_z in pz.items():
            if sum(score(party, c, zz) * p for (c, zz), p in pcz.items() if zz == z) \
                    < floor * p_z - 1e-9:
                return False
    t, cap = rules.get("low_acceptability_threshold", 0), rules.get(
        "low_acceptability_max_share", 1.0)
    for party in [p["id"] for p in doc["parties"]]:
        if sum(p for (c, z), p in pcz.items() if score(party, c, z) < t) > cap * n + 1e-9:
            return False
    return True


def _at(score: Any, low: bool) -> float:
    """A score as written: a number, or a range [low, high] taken at its low end or middle."""
    if isinstance(score, list):
        return float(score[0] if low else (score[0] + score[1]) / 2)
    return float(score)


def _zone_rules_hold(alloc: dict, zones: list, choice: tuple, units: dict, mandates: dict,
                     rank: dict, doc: dict) -> bool:
    mult = doc["threat_multipliers"]
    for z, (k, lv) in zip(zones, choice, strict=True):
        here = {(c, u): n for (c, u, zz), n in alloc.items() if zz == z["id"]}
        if not here:
            return False
        if any(rank[units[u]["armament"]] > rank[lv] for (_c, u) in here):
            return False
        for cap, rule in mandates[k].get("requirements", {}).items():
            need = requirement(rule, z, mult[z.get("threat", 1)])
            only = mandates[k].get("eligible", {}).get(cap)     # None: every unit counts
            have = sum(units[u]["capabilities"].get(cap, 0) * n for (_c, u), n in here.items()
                       if only is None or u in only or units[u]["armament"] in only)
            if have < need - 1e-9:
                return False
    return True
