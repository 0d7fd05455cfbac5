"""A phased scenario as a sequence of single-period scenarios (docs/scenario-format.md#phases).

Each phase is an ordinary scenario: its zones carry the phase's returnees and local police,
its mandates' requirements are scaled by the phase's factors, its rules carry the phase's
mandates and armament ceiling, zones handed over are left out, and units not ready by the
phase's first day are not offered. So every single-period rule, its model rows, its check
and its report apply to a phase unchanged; what links the phases (formulation family 17) is
the only thing a phased plan adds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pkplanner.scenario.schema import Scenario

DAYS_PER_MONTH = 365.0 / 12.0


@dataclass(frozen=True)
class PhaseCase:
    id: str
    name: str
    months: float
    start_day: float            # days from the start of the deployment to the phase's first
    scenario: Scenario          # the phase as a single-period scenario
    handed_over: tuple[str, ...] = ()   # zones handed over in this phase or before


def factor(factors: dict[str, float], capability: str) -> float:
    """A phase's factor on one capability: its own, else `default`, else 1."""
    return factors.get(capability, factors.get("default", 1.0))


def phase_cases(sc: Scenario) -> list[PhaseCase]:
    """The phases of `sc`, each as a single-period scenario; [] without phases."""
    out: list[PhaseCase] = []
    start = 0.0
    handed: set[str] = set()
    levels = list(sc.armament_levels)
    units = {u.id: u for u in sc.unit_types}
    for ph in sc.phases or []:
        handed |= set(ph.handed_over)
        doc: dict[str, Any] = sc.to_document()
        doc.pop("phases", None)
        doc.pop("transition", None)
        for z in doc["zones"]:
            zid = z["id"]
            if zid in ph.returnees:
                z["returnees"] = ph.returnees[zid]
            if zid in ph.local_police:
                z["local_police"] = ph.local_police[zid]
            if zid in handed:
                z["required"] = False
                z["allowed_mandates"] = []
        for m in doc["mandates"]:
            for cap, rule in m["requirements"].items():
                f = factor(ph.requirement_factor, cap)
                m["requirements"][cap] = {k: v * f for k, v in rule.items()}
        rules = doc["rules"]
        if ph.mandates is not None:
            rules["mandates"] = [k for k in (rules["mandates"] or [m.id for m in sc.mandates])
                                 if k in ph.mandates]
        if ph.max_armament is not None:
            now = rules["max_armament"]
            rules["max_armament"] = (ph.max_armament if now is None else
                                     min(now, ph.max_armament, key=levels.index))
        if all(z["id"] in handed for z in doc["zones"]):
            # the force has left: rules that ask for a force do not apply to no force
            rules["personnel_min"] = 0
            rules["min_contributors"] = 0
        for c, cd in zip(sc.contributors, doc["contributors"], strict=True):
            cd["units"] = {u: n for u, n in cd["units"].items()
                           if u not in units or c.readiness(units[u]) <= start}
        out.append(PhaseCase(ph.id, ph.name, ph.months, start, Scenario.model_validate(doc),
                             tuple(z.id for z in sc.zones if z.id in handed)))
        start += ph.months * DAYS_PER_MONTH
    return out
