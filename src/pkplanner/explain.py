"""Which rules conflict when no force satisfies them all, and the least change that helps.

Rules are grouped as a planner states them: one veto, one exclusion, one cap, one party's
floor, one zone's requirement, one contributor's capacity. A deletion filter over the
groups finds an irreducible conflicting set (drop a group, re-test feasibility, keep it
dropped while the rest stays infeasible): first over whole families, then within each
family that remains, entity by entity. For each rule left, the smallest relaxation that
restores a plan with every other rule in force is found by bisection on its number.
Each test is a feasibility MILP on a rebuilt model.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from pkplanner import highs as hs
from pkplanner.data import prepare
from pkplanner.model import build_model
from pkplanner.scenario import ResolvedScenario

MAX_ENTITY_GROUPS = 15      # refine a family entity by entity only up to this many entities


@dataclass(frozen=True)
class Conflict:
    rule: str          # group name: "veto AM->TUR", "dominance.max_share", "acceptability.AM"
    detail: str        # the rule in the scenario's own terms
    relaxation: str    # the least change found that restores a plan ("" when none is numeric)

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "detail": self.detail, "relaxation": self.relaxation}


class Explainer:
    def __init__(self, rs: ResolvedScenario, time_limit: float = 20.0):
        self.rs = rs
        self.time_limit = time_limit
        self.tests = 0

    # ------------------------------------------------------------------ feasibility
    def feasible(self, dropped: set[str], rs: ResolvedScenario | None = None) -> bool | None:
        rs = rs or self.rs
        self.tests += 1
        labels = frozenset(g for g in dropped if g.startswith(("veto ", "exclude ")))
        d = prepare(rs.scenario, ignore=labels)
        m = build_model(d, "feasibility", skip=frozenset(dropped - labels))
        st = hs.PersistentHighs(m, hs.SolverSettings(time_limit=self.time_limit, gap=1.0,
                                                     warm_start=False)).run()
        if st.status in ("optimal", "feasible"):
            return True
        return False if st.status == "infeasible" else None

    # ------------------------------------------------------------------ groups
    def families(self) -> dict[str, list[str]]:
        """Family -> its entity groups (empty list: the family is one rule)."""
        r = self.rs.scenario.rules
        d = prepare(self.rs.scenario)
        fam: dict[str, list[str]] = {label: [] for label in sorted(d.removed_by_veto)}
        zones_req = sorted({z for (z, _k, _r) in d.req})
        fam["requirement"] = [f"requirement.{z}" for z in zones_req]
        active = sorted({c for c, _u, _z in d.eligible})
        fam["capacity"] = [f"capacity.{c}" for c in active]
        if r.min_contingent > 0:
            fam["min_contingent"] = []
        if r.max_share < 1:
            fam["dominance.max_share"] = []
        if r.max_share_zone < 1:
            fam["dominance.max_share_zone"] = []
        caps = [g for g, v in r.group_caps.items() if v < 1]
        if caps:
            fam["dominance.group_caps"] = [f"dominance.group_caps.{g}" for g in caps]
        if r.min_contributors > 0:
            fam["dominance.min_contributors"] = []
        if r.min_contributors_zone >= 2:
            fam["dominance.min_contributors_zone"] = []
        floors = [p for p, v in r.acceptability_floor.items() if v > 0]
        if floors:
            fam["acceptability"] = [f"acceptability.{p}" for p in floors]
        arm = [p for p, v in r.armament_floor.items() if v > 0]
        if arm:
            fam["armament_acceptability"] = [f"armament_acceptability.{p}" for p in arm]
        if r.working_language:
            fam["language"] = [f"language.{z}" for z in d.zones]
        if r.lead_min_share > 0 or r.lead_min_acceptability > 0:
            fam["lead_nation"] = [f"lead_nation.{z}" for z in d.zones]
        size = (["size.min"] if r.personnel_min > 0 else []) + (
            ["size.max"] if r.personnel_max is not None else [])
        if size:
            fam["size"] = size
        if r.budget_per_month is not None:
            fam["budget"] = []
        if r.qrf_hours is not None and r.qrf_mandates:
            fam["qrf"] = [f"qrf.{z}" for z in d.zones]
        return fam

    def deletion_filter(self, candidates: list[str], always_dropped: set[str]) -> list[str]:
        keep = list(candidates)
        for g in candidates:
            trial = [x for x in keep if x != g]
            if self.feasible(always_dropped | (set(candidates) - set(trial))) is False:
                keep = trial
        return keep

    def conflicting_groups(self) -> list[str]:
        fams = self.families()
        coarse = list(fams)
        if self.feasible(set(coarse)) is not True:
            return ["structure"]
        core = self.deletion_filter(coarse, set())
        dropped_outside = set(coarse) - set(core)
        result: list[str] = []
        for f in core:
            entities = fams[f]
            if len(entities) <= 1 or len(entities) > MAX_ENTITY_GROUPS:
                result.extend(entities if len(entities) == 1 else [f])
                continue
            # within f: drop every entity but keep the rest of the core in force
            fine = self.deletion_filter(entities, dropped_outside)
            result.extend(fine or [f])
        return result

    # ------------------------------------------------------------------ relaxations
    def with_rules(self, **update: Any) -> ResolvedScenario:
        sc = self.rs.scenario
        rules = sc.rules.model_copy(update=update)
        return replace(self.rs, scenario=sc.model_copy(update={"rules": rules}))

    def search(self, lo: float, hi: float, test: Callable[[float], bool | None],
               step: float, upward: bool) -> float | None:
        """Least change from the current value `lo` (upward) or `hi` (downward) that tests
        feasible; the far end is known feasible (it equals dropping the rule)."""
        good = hi if upward else lo
        bad = lo if upward else hi
        if test(good) is not True:
            return None
        while abs(good - bad) > step:
            mid = (good + bad) // 2 if step >= 1 else (good + bad) / 2
            if test(mid) is True:
                good = mid
            else:
                bad = mid
        return good

    def relaxation(self, group: str) -> str:
        r = self.rs.scenario.rules
        if group.startswith("veto "):
            party, target = group[len("veto "):].split("->", 1)
            return f"drop {party}'s veto on {target}"
        if group.startswith("exclude "):
            return f"stop excluding group {group[len('exclude '):]}"

        def share(key: str, cur: float) -> str:
            v = self.search(math.floor(cur * 100), 100, lambda k: self.feasible(
                set(), self.with_rules(**{key: k / 100})), 1, upward=True)
            return f"raise {key} to {v / 100:.2f}" if v is not None else ""

        def count(key: str, cur: int) -> str:
            for k in range(cur - 1, -1, -1):
                if self.feasible(set(), self.with_rules(**{key: k})):
                    return f"lower {key} to {k}"
            return ""

        if group == "dominance.max_share":
            return share("max_share", r.max_share)
        if group == "dominance.max_share_zone":
            return share("max_share_zone", r.max_share_zone)
        if group.startswith("dominance.group_caps."):
            g = group.rsplit(".", 1)[1]
            v = self.search(math.floor(r.group_caps[g] * 100), 100, lambda k: self.feasible(
                set(), self.with_rules(group_caps={**r.group_caps, g: k / 100})), 1, upward=True)
            return f"raise the cap on group {g} to {v / 100:.2f}" if v is not None else ""
        if group == "dominance.min_contributors":
            return count("min_contributors", r.min_contributors)
        if group == "dominance.min_contributors_zone":
            return count("min_contributors_zone", r.min_contributors_zone)
        if group == "min_contingent":
            v = self.search(0, r.min_contingent, lambda x: self.feasible(
                set(), self.with_rules(min_contingent=int(x))), 1, upward=False)
            return f"lower min_contingent to {int(v)}" if v is not None else ""
        if group.startswith(("acceptability.", "armament_acceptability.")):
            key = "acceptability_floor" if group.startswith("acc") else "armament_floor"
            p = group.rsplit(".", 1)[1]
            floors = getattr(r, key)
            v = self.search(0, math.ceil(floors[p] * 100), lambda k: self.feasible(
                set(), self.with_rules(**{key: {**floors, p: k / 100}})), 1, upward=False)
            what = "floor" if key == "acceptability_floor" else "armament floor"
            return f"lower {p}'s {what} to {v / 100:.2f}" if v is not None else ""
        if group == "size.max" and r.personnel_max is not None:
            v = self.search(r.personnel_max, 10 * max(r.personnel_max, 1000), lambda x:
                            self.feasible(set(), self.with_rules(personnel_max=int(x))),
                            1, upward=True)
            return f"raise personnel_max to {math.ceil(v)}" if v is not None else ""
        if group == "size.min":
            v = self.search(0, r.personnel_min, lambda x: self.feasible(
                set(), self.with_rules(personnel_min=int(x))), 1, upward=False)
            return f"lower personnel_min to {int(v)}" if v is not None else ""
        if group == "budget" and r.budget_per_month is not None:
            v = self.search(r.budget_per_month, 10 * r.budget_per_month + 1e7, lambda x:
                            self.feasible(set(), self.with_rules(budget_per_month=x)),
                            max(1.0, 0.001 * r.budget_per_month), upward=True)
            return f"raise budget_per_month to {math.ceil(v):,}" if v is not None else ""
        return QUALITATIVE.get(group.split(".")[0], "")


QUALITATIVE = {
    "requirement": "lower the zone's requirement (threat, line length, population) or allow "
                   "another mandate there",
    "capacity": "obtain more units or personnel from this contributor",
    "language": "lower language_share or add contributors who speak the working language",
    "lead_nation": "lower lead_min_share or lead_min_acceptability",
    "qrf": "raise qrf_hours or allow quick-reaction units nearer this zone",
}


def describe(rs: ResolvedScenario, group: str) -> str:
    r = rs.scenario.rules
    if group.startswith("veto "):
        return group[len("veto "):].replace("->", " vetoes ")
    if group.startswith("exclude "):
        return f"option {rs.option.id} excludes group {group[len('exclude '):]}"
    fam, _, entity = group.partition(".")
    if group.startswith("dominance."):
        fam, _, entity = group.partition(".")[2].partition(".")
        fam = f"dominance.{fam}"
    texts = {
        "structure": "the zones' allowed mandates and armament levels admit no plan even "
                     "with every rule dropped",
        "dominance.max_share": f"no contributor above max_share {r.max_share}",
        "dominance.max_share_zone": f"no contributor above max_share_zone {r.max_share_zone} "
                                    "of a zone",
        "dominance.group_caps": f"group {entity} at most {r.group_caps.get(entity)} of the force",
        "dominance.min_contributors": f"at least {r.min_contributors} contributors",
        "dominance.min_contributors_zone": f"at least {r.min_contributors_zone} contributors "
                                           "in each zone",
        "acceptability": f"{entity}'s acceptability floor "
                         f"{r.acceptability_floor.get(entity)}",
        "armament_acceptability": f"{entity}'s armament floor {r.armament_floor.get(entity)}",
        "language": f"working language {r.working_language} in {entity} "
                    f"(share {r.language_share})",
        "lead_nation": f"a lead nation in {entity} with share >= {r.lead_min_share} and "
                       f"acceptability >= {r.lead_min_acceptability}",
        "size": f"personnel at least {r.personnel_min}" if entity == "min" else
                f"personnel at most {r.personnel_max}",
        "budget": f"budget {r.budget_per_month:,} per month" if r.budget_per_month else "budget",
        "min_contingent": f"a minimum contingent of {r.min_contingent}",
        "capacity": f"what {entity} offers (units and max_personnel)" if entity else
                    "what the contributors offer",
        "requirement": f"the requirement of zone {entity}" if entity else
                       "the zones' requirements",
        "qrf": f"QRF within {r.qrf_hours} h of {entity}",
    }
    return texts.get(fam, group)


def explain(rs: ResolvedScenario, time_limit: float = 20.0,
            known_infeasible: bool = False) -> list[Conflict]:
    """The conflicting rules of an infeasible scenario ([] when a plan exists, or when no
    test could prove it impossible within the time limit). `known_infeasible` skips the
    first feasibility test when the caller's own solve has just proven it."""
    ex = Explainer(rs, time_limit)
    if not known_infeasible and ex.feasible(set()) is not False:
        return []
    groups = ex.conflicting_groups()
    return [Conflict(g, describe(rs, g), ex.relaxation(g) if g != "structure" else "")
            for g in groups]
