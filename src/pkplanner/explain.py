"""Which rules conflict when no force satisfies them all.

Rules are grouped at the planner's level (one veto, one exclusion, one family of
rules such as "dominance.max_share"), then a deletion filter finds an irreducible
conflicting set: drop a group, re-test feasibility, keep the drop when the model is
still infeasible. Each test is a feasibility MILP on a rebuilt model.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyomo.environ as pyo

from pkplanner import highs as hs
from pkplanner.data import prepare
from pkplanner.families import BY_NAME
from pkplanner.model import build_model
from pkplanner.scenario import ResolvedScenario

RELAXABLE = (
    "requirement", "capacity", "min_contingent", "dominance.max_share",
    "dominance.max_share_zone", "dominance.group_caps", "dominance.min_contributors",
    "dominance.min_contributors_zone", "acceptability", "armament_acceptability", "language",
    "lead_nation", "size", "budget", "qrf",
)


@dataclass(frozen=True)
class Conflict:
    rule: str      # family name, or "veto"
    detail: str    # the rule in the scenario's own terms

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "detail": self.detail, "relaxation": ""}


def rule_groups(rs: ResolvedScenario) -> list[str]:
    """Groups that take part in this scenario: vetoes and exclusions by label, families."""
    d = prepare(rs.scenario)
    m = build_model(d, "feasibility")
    present = {c.name for c in m.component_objects(pyo.Constraint, active=True)}
    fams = [f for f in RELAXABLE
            if any(n == BY_NAME[f].component or n.startswith(BY_NAME[f].component + "_")
                   for n in present)]
    return sorted(d.removed_by_veto) + fams


def feasible(rs: ResolvedScenario, dropped: set[str], time_limit: float = 20.0) -> bool | None:
    labels = frozenset(g for g in dropped if g.startswith(("veto ", "exclude_groups ")))
    fams = frozenset(g for g in dropped if g in BY_NAME)
    d = prepare(rs.scenario, ignore=labels)
    m = build_model(d, "feasibility", skip=fams)
    st = hs.PersistentHighs(m, hs.SolverSettings(time_limit=time_limit, gap=1.0)).run()
    if st.status in ("optimal", "feasible"):
        return True
    return False if st.status == "infeasible" else None


def conflicting_rules(rs: ResolvedScenario) -> list[Conflict]:
    groups = rule_groups(rs)
    if feasible(rs, set(groups)) is not True:
        return [Conflict("structure", "the zones' allowed mandates and armament levels "
                         "admit no plan even with every rule dropped")]
    keep = list(groups)
    for g in groups:
        trial = [x for x in keep if x != g]
        if feasible(rs, set(groups) - set(trial)) is False:
            keep = trial
    return [describe(rs, g) for g in keep]


def describe(rs: ResolvedScenario, group: str) -> Conflict:
    r = rs.scenario.rules
    if group.startswith("veto "):
        return Conflict("veto", group[len("veto "):].replace("->", " vetoes "))
    if group.startswith("exclude_groups "):
        return Conflict("veto", f"option {rs.option.id} excludes group(s) "
                        f"{group[len('exclude_groups '):]}")
    details = {
        "dominance.max_share": f"max_share {r.max_share}",
        "dominance.max_share_zone": f"max_share_zone {r.max_share_zone}",
        "dominance.group_caps": f"group caps {r.group_caps}",
        "dominance.min_contributors": f"min_contributors {r.min_contributors}",
        "dominance.min_contributors_zone": f"min_contributors_zone {r.min_contributors_zone}",
        "acceptability": "acceptability floors " + ", ".join(
            f"{p} {v}" for p, v in r.acceptability_floor.items()),
        "armament_acceptability": "armament floors " + ", ".join(
            f"{p} {v}" for p, v in r.armament_floor.items()),
        "language": f"working language {r.working_language} (share {r.language_share})",
        "lead_nation": f"lead nation: share >= {r.lead_min_share}, "
                       f"acceptability >= {r.lead_min_acceptability}",
        "size": f"personnel between {r.personnel_min} and {r.personnel_max}",
        "budget": f"budget {r.budget_per_month} per month",
        "min_contingent": f"minimum contingent {r.min_contingent}",
        "capacity": "contributors' offered units and personnel ceilings",
        "requirement": "zones' capability requirements",
        "qrf": f"QRF within {r.qrf_hours} h for {', '.join(r.qrf_mandates)}",
    }
    return Conflict(group, details.get(group, BY_NAME[group].meaning))
