"""One pipeline for every place a plan is made: solve → document (explained when
infeasible) → verify. The CLI (`solve`, `options`), the app and batch call it, so a plan is
checked by the independent verifier wherever it is produced (batch may opt out, and says so
in its runs), every solution file carries the same solver block, and one process-wide lock
keeps concurrent solves (app sessions, threads) apart.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from pkplanner.engine import highs as hs
from pkplanner.engine.companion import solve_companion
from pkplanner.engine.sensitivity import sensitivity
from pkplanner.engine.solve import Outcome, Reusable, document, solve
from pkplanner.errors import InputError
from pkplanner.scenario.resolve import ResolvedScenario
from pkplanner.verify.check import verify

__all__ = ["Checked", "SolverSettings", "busy", "progress_text", "sensitivity_of",
           "solve_checked"]

SolverSettings = hs.SolverSettings          # what a caller sets: time limit, gap, threads


@dataclass
class Checked:
    """A solved case: the outcome, its solution document and the verifier's findings."""

    rs: ResolvedScenario
    outcome: Outcome
    doc: dict[str, Any]
    verdict: list[str] | None       # None: not verified (a batch that opted out)
    mode: str = "rebuild"           # rebuild | persistent (a re-solve on a kept model)

    @property
    def verified(self) -> bool:
        return self.verdict is not None and not self.verdict


def solve_checked(rs: ResolvedScenario, objective: str | None = None,
                  settings: hs.SolverSettings | None = None, *, threads: int = 1,
                  deadline: float | None = None, explain: bool = True,
                  with_sensitivity: bool = False, reuse: Reusable | None = None,
                  check: bool = True, with_companion: bool = False) -> Checked:
    """Solve `rs` (on `reuse`'s kept model when given), build its solution document, add
    the sensitivity records when asked, and the companion plan under the other robust budget
    (`with_companion`, when some score is a range), and verify the plan and its companion
    unless `check` is False. `deadline` (time.monotonic()) bounds the explanation, the
    sensitivity re-solves and the companion solve."""
    settings = settings or hs.SolverSettings()
    phased = rs.scenario.phases is not None
    if phased and (objective or rs.scenario.objective) != "cost":
        raise InputError.one("objective", "", f"'{objective or rs.scenario.objective}': a "
                             "phased scenario is solved for the least cost of the whole plan "
                             "(the acceptability and coverage objectives are single-period)")
    with hs.SOLVER_LOCK:
        if reuse is not None:
            outcome, mode = reuse.solve(rs, objective)
        else:
            outcome, mode = solve(rs, objective, settings), "rebuild"
        # the live progress is the main solve's; the re-solves below have other models
        settings = dataclasses.replace(settings, on_progress=None)
        doc = document(rs, outcome, threads, deadline=deadline, explain=explain)
        if with_sensitivity and outcome.plan is not None:
            doc["sensitivity"] = sensitivity(rs, doc, outcome.objective, settings,
                                             deadline=deadline)
        if with_companion and not phased:     # a phased plan has no companion (yet)
            companion = solve_companion(rs, objective, settings, threads, deadline)
            if companion is not None:
                doc["companion"] = companion
    verdict = [str(v) for v in verify(rs, doc)] if check else None
    return Checked(rs, outcome, doc, verdict, mode)


def sensitivity_of(rs: ResolvedScenario, doc: dict[str, Any], objective: str | None,
                   settings: hs.SolverSettings,
                   deadline: float | None = None) -> list[dict[str, Any]]:
    """The sensitivity records of a solved case, under the same process-wide lock."""
    with hs.SOLVER_LOCK:
        return sensitivity(rs, doc, objective, settings, deadline=deadline)


def progress_text(incumbent: float | None, bound: float | None) -> str:
    """'plan 1,234, bound 1,200, gap 2.76%' with what is known of a solve so far
    (SolverSettings.on_progress): the CLI's live line and the app's progress bar."""
    parts = [f"plan {incumbent:,.0f}" if incumbent is not None else "no plan yet"]
    if bound is not None:
        parts.append(f"bound {bound:,.0f}")
    gap = hs.relative_gap(incumbent, bound)
    if gap is not None:
        parts.append(f"gap {100 * gap:.2f}%")
    return ", ".join(parts)


def busy() -> bool:
    """Is another thread solving now? (The app says a solve will wait for it.)"""
    if hs.SOLVER_LOCK.acquire(blocking=False):
        hs.SOLVER_LOCK.release()
        return False
    return True
