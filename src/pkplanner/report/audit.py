"""The constraint audit: each rule in force recomputed from the plan, with its margin.

The rows are the rule catalog's (each family's `audit` in rules/catalog.py computes its own
from a `PlanView`); this module lays them out. It reads the plan as a reviewer would, from
the solution document and the scenario, so it shows what the plan does against each rule
whatever the solver reported; the verifier (pkplanner.verify) is the check that fails a
plan, this is the table a reader weighs.
"""

from __future__ import annotations

from typing import Any

from pkplanner.report.document import Section
from pkplanner.report.view import View
from pkplanner.rules.audit import Check, PlanView
from pkplanner.rules.catalog import ENTRIES
from pkplanner.scenario.resolve import ResolvedScenario


def audit_checks(rs: ResolvedScenario, solution: dict[str, Any]) -> list[Check]:
    """Each active rule of the effective rules: value, limit, margin and holds/binding/slack."""
    return _checks(View(rs, solution))


def _checks(v: View) -> list[Check]:
    plan = PlanView(v.sc, v.sol)
    return [row for e in ENTRIES if e.audit is not None for row in e.audit(plan)]


def _audit(v: View) -> Section:
    s = Section("audit", "Constraint audit")
    checks = _checks(v)
    s.p("Each rule in force, recomputed from the plan: its value, its limit and the margin. "
        "'binding' means the rule is at its limit (the solver reports it in the binding list, "
        "or the margin is zero); 'slack' means there is room; 'holds' is for rules without a "
        "margin (exclusions, vetoes, mandate lists).")
    s.table(["rule", "meaning", "value", "limit", "margin", "status"],
            [[c.rule, c.meaning, c.value, c.limit, c.margin, c.status] for c in checks])
    rest = [b for b in v.binding if not b.startswith(("capacity.", "requirement."))]
    if rest:
        s.p("Binding in the solver's report: " + ", ".join(rest) + ".")
    return s
