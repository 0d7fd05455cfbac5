"""The other side of the price of robustness: the plan solved under the other robust budget.

A planner who has written ranges on some acceptability scores needs two plans to decide:
the nominal one (every score at its value, Γ = 0) and a robust one (up to Γ of a party's
scores at their low end). Whichever the rules ask for is the plan; this module solves the
other, with the same objective and solver settings, so the report can set them side by side
(cost, worst case, Monte Carlo share below the floor) and the verifier can check both.

When the rules give no party a robust budget, the companion is the robust plan at Γ = 1 for
every party with an uncertain score: what protection against any one wrong score costs.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from pkplanner.engine import highs as hs
from pkplanner.engine.solve import document, solve
from pkplanner.rules.audit import gamma_of
from pkplanner.scenario.resolve import ResolvedScenario
from pkplanner.scenario.schema import Scenario
from pkplanner.solution.schema import COMPANION_PLAN_KEYS


def uncertain_parties(sc: Scenario) -> list[str]:
    """Parties with at least one score that may fall below its value."""
    acc = sc.acceptability
    return [p.id for p in sc.parties
            if any(s > 0 for s in acc.contributor_spread.get(p.id, {}).values())
            or any(s > 0 for s in acc.armament_spread.get(p.id, {}).values())]


def companion_budget(sc: Scenario) -> tuple[str, dict[str, float]] | None:
    """The companion's role and robust budget per party, or None when no score is uncertain
    (there is nothing to compare)."""
    parties = uncertain_parties(sc)
    if not parties:
        return None
    if any(gamma_of(sc.rules, p.id) > 0 for p in sc.parties):
        return "nominal", {p.id: 0.0 for p in sc.parties}
    return "robust", {p.id: (1.0 if p.id in parties else 0.0) for p in sc.parties}


def with_budget(rs: ResolvedScenario, budget: dict[str, float]) -> ResolvedScenario:
    """`rs` with `rules.robust_budget` replaced (everything else as solved)."""
    rules = rs.scenario.rules.model_copy(update={"robust_budget": dict(budget)})
    return replace(rs, scenario=rs.scenario.model_copy(update={"rules": rules}))


def solve_companion(rs: ResolvedScenario, objective: str | None,
                    settings: hs.SolverSettings, threads: int = 1,
                    deadline: float | None = None) -> dict[str, Any] | None:
    """The companion record of the solution file (docs/solution-file.md, `companion`), or
    None when the scenario has no uncertain score. A companion the time limit leaves no room
    for is recorded as `not run` rather than left out, so the report says why it is missing."""
    plan = companion_budget(rs.scenario)
    if plan is None:
        return None
    role, budget = plan
    record: dict[str, Any] = {"role": role, "robust_budget": budget}
    left = None if deadline is None else deadline - time.monotonic()
    if left is not None and left < 0.05:
        return {**record, "status": "not run",
                "note": "the time limit was reached before the companion solve"}
    limit = settings.time_limit if left is None else min(settings.time_limit or left, left)
    other = with_budget(rs, budget)
    outcome = solve(other, objective, replace(settings, time_limit=limit))
    doc = document(other, outcome, threads, explain=False)
    # the plan and its figures; the rules, scenario and solver blocks are the main plan's
    record.update({k: doc[k] for k in COMPANION_PLAN_KEYS if k in doc})
    record["seconds"] = round(outcome.seconds, 3)
    if outcome.error:
        record["note"] = f"solver error: {outcome.error}"
    return record
