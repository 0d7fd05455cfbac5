"""What each binding rule costs: relax it by one step, re-solve, report the change.

A planner asks "what does the one-third cap cost us?"; the answer is a re-solve, not a
dual value (the model is a MILP). One step per rule kind, stated in the rule's own units.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from pkplanner.engine import highs as hs
from pkplanner.engine.solve import Reusable
from pkplanner.scenario.resolve import ResolvedScenario
from pkplanner.scenario.schema import Rules

SHARE_STEP = 0.05
FLOOR_STEP = 0.05


Step = tuple[str, str, Any, Any, dict[str, Any]]


def relaxations(rules: Rules, binding: list[str]) -> list[Step]:
    """(rule label, key, from, to, rules update) for every binding rule with a numeric step."""
    seen: set[str] = set()
    out: list[Step] = []

    def add(label: str, key: str, cur: Any, new: Any, update: dict[str, Any]) -> None:
        if label not in seen and new != cur:
            seen.add(label)
            out.append((label, key, cur, new, update))

    for b in binding:
        if b.startswith("dominance.max_share_zone"):
            new = min(1.0, round(rules.max_share_zone + SHARE_STEP, 4))
            add("dominance.max_share_zone", "max_share_zone", rules.max_share_zone, new,
                {"max_share_zone": new})
        elif b.startswith("dominance.max_share"):
            new = min(1.0, round(rules.max_share + SHARE_STEP, 4))
            add("dominance.max_share", "max_share", rules.max_share, new, {"max_share": new})
        elif b.startswith("dominance.group_caps."):
            g = b.split(".")[2]
            cur = rules.group_caps[g]
            new = min(1.0, round(cur + SHARE_STEP, 4))
            add(f"dominance.group_caps.{g}", f"group_caps.{g}", cur, new,
                {"group_caps": {**rules.group_caps, g: new}})
        elif b.startswith("dominance.min_contributors"):
            key = "min_contributors_zone" if "zone" in b else "min_contributors"
            cur = getattr(rules, key)
            add(f"dominance.{key}", key, cur, max(0, cur - 1), {key: max(0, cur - 1)})
        elif b.startswith(("acceptability.", "armament_acceptability.")):
            key = "acceptability_floor" if b.startswith("acc") else "armament_floor"
            p = b.split(".")[1]
            floors = getattr(rules, key)
            new = max(0.0, round(floors[p] - FLOOR_STEP, 4))
            add(f"{b.split('.')[0]}.{p}", f"{key}.{p}", floors[p], new,
                {key: {**floors, p: new}})
        elif b.startswith("min_contingent"):
            new = max(0, rules.min_contingent - 10)
            add("min_contingent", "min_contingent", rules.min_contingent, new,
                {"min_contingent": new})
        elif b == "size.max" and rules.personnel_max is not None:
            new = int(rules.personnel_max * 1.1) + 1
            add("size.max", "personnel_max", rules.personnel_max, new, {"personnel_max": new})
        elif b == "size.min":
            new = int(rules.personnel_min * 0.9)
            add("size.min", "personnel_min", rules.personnel_min, new, {"personnel_min": new})
        elif b == "budget" and rules.budget_per_month is not None:
            new = round(rules.budget_per_month * 1.1, 2)
            add("budget", "budget_per_month", rules.budget_per_month, new,
                {"budget_per_month": new})
        elif b.startswith("language"):
            new = max(0.0, round(rules.language_share - 0.1, 4))
            add("language", "language_share", rules.language_share, new,
                {"language_share": new})
    return out


def sensitivity(rs: ResolvedScenario, solution: dict[str, Any], objective: str | None = None,
                settings: hs.SolverSettings | None = None,
                deadline: float | None = None) -> list[dict[str, Any]]:
    """One record per binding rule: its value, the relaxed value, the objective change.
    Each re-solve fits in what is left before `deadline` (time.monotonic()); a rule reached
    after it gets a record with status "not run"."""
    base = solution["objective"]["value"]
    if base is None:
        return []
    settings = settings or hs.SolverSettings(time_limit=30, gap=1e-3)
    records = []
    reuse = Reusable(replace(settings))  # most relaxations change a number: re-solve, no rebuild
    for label, key, cur, new, update in relaxations(rs.scenario.rules, solution["binding"]):
        rules = rs.scenario.rules.model_copy(update=update)
        relaxed = replace(rs, scenario=rs.scenario.model_copy(update={"rules": rules}))
        if deadline is not None:
            left = deadline - time.monotonic()
            if left < 0.05:
                records.append({"rule": label, "parameter": key, "from": cur, "to": new,
                                "objective_change": None, "status": "not run",
                                "note": "the time limit was reached before this re-solve"})
                continue
            reuse.settings.time_limit = min(settings.time_limit or left, left)
        out, _mode = reuse.solve(relaxed, objective or solution["objective"]["kind"])
        change = (out.objective_value - base) if out.objective_value is not None else None
        note = "" if out.status == "optimal" else f"re-solve {out.status}"
        if out.gap and out.gap > 0:
            note = (note + "; " if note else "") + f"re-solve gap {out.gap:.2%}"
        records.append({"rule": label, "parameter": key, "from": cur, "to": new,
                        "objective_change": change, "status": out.status, "note": note})
    return records
