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
from pkplanner.rules.catalog import entry_of
from pkplanner.scenario.resolve import ResolvedScenario
from pkplanner.scenario.schema import Rules

Step = tuple[str, str, Any, Any, dict[str, Any]]


def relaxations(rules: Rules, binding: list[str]) -> list[Step]:
    """(rule label, key, from, to, rules update) for every binding rule with a numeric
    step (the catalog's `step`), once per rule."""
    seen: set[str] = set()
    out: list[Step] = []
    for b in binding:
        found = entry_of(b)
        if found is None:
            continue
        e, entity = found
        step = e.step.get(entity)           # a step of its own (size.min, size.max)
        if step is None:                    # else the family's, per entity or as a whole
            step = e.step.get(None)
            keys = getattr(rules, step.key) if step is not None and step.per_entity else {}
            # the entity is the part naming a key of the rule ("acceptability.AM",
            # "robust_acceptability.armament.AM")
            entity = next((x for x in entity.split(".") if x in keys), "") if isinstance(
                keys, dict) else ""
        if step is None or (step.per_entity and not entity):
            continue
        cur = step.current(rules, entity)
        if cur is None:
            continue
        new = step.to(cur)
        label = f"{e.name}.{entity}" if entity else e.name
        if label not in seen and new != cur:
            seen.add(label)
            out.append((label, step.label(entity), cur, new, step.update(rules, entity, new)))
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
