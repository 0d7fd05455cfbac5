"""`pkplanner doctor`: is this installation whole? Versions, shipped files, one tiny solve
checked by the verifier, and whether the browser tests can run here.

A new user's first question after an install is "does it work on my machine?"; an issue
report's first need is the versions. Both in one command that exits 1 when something a
planner needs is missing (a missing chromium only stops the project's browser tests).
"""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from pkplanner import __version__
from pkplanner.engine import highs as hs
from pkplanner.resources import app_script, models_dir, shipped

PACKAGES = ("pyomo", "highspy", "networkx", "pandas", "numpy", "pydantic", "streamlit",
            "plotly", "openpyxl", "dask", "distributed", "duckdb", "pyarrow", "playwright")
OPTIONAL = {"dask", "distributed", "duckdb", "pyarrow", "playwright"}   # batch and dev extras
CHROMIUM = Path("/usr/lib/chromium/chromium")
TINY = "two_zones"            # its optimum, found by hand and by enumeration, is in its header
TINY_COST = 632_000.0


def checkup() -> tuple[list[str], list[str]]:
    """(lines to print, problems); no problems means a clean bill."""
    lines = [f"python {platform.python_version()} ({platform.platform()})",
             f"pkplanner {__version__}", f"HiGHS {hs.version()}"]
    problems: list[str] = []
    for name in PACKAGES:
        try:
            lines.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            extra = " (optional: pip install 'pkplanner[batch,dev]')" if name in OPTIONAL else ""
            lines.append(f"{name} not installed{extra}")
            if name not in OPTIONAL:
                problems.append(f"{name} is not installed")
    for label, path in (("doctrine", models_dir() / "doctrine.yaml"),
                        ("planning options", models_dir() / "planning_options.yaml"),
                        ("app", app_script())):
        if not path.is_file():
            problems.append(f"{label} not found at {path}")
    problems += _tiny_solve(lines)
    if CHROMIUM.exists():
        lines.append(f"browser tests: can run (chromium at {CHROMIUM})")
    else:
        lines.append(f"browser tests: cannot run here (no chromium at {CHROMIUM}; "
                     "apt-get install chromium). Planning does not need it.")
    return lines, problems


def _tiny_solve(lines: list[str]) -> list[str]:
    from pkplanner.pipeline import solve_checked
    from pkplanner.scenario.resolve import load_resolved

    path = shipped(TINY)
    if path is None:
        return [f"the shipped scenario {TINY} is missing"]
    done = solve_checked(load_resolved(path), "cost",
                         hs.SolverSettings(time_limit=30, gap=0.0), explain=False)
    outcome = done.outcome
    if outcome.status != "optimal" or outcome.objective_value is None:
        return [f"solving {TINY}: status {outcome.status}"
                + (f" ({outcome.error})" if outcome.error else "")]
    violations = done.verdict or []
    lines.append(f"tiny solve: {TINY} optimal at {outcome.objective_value:,.0f} per month in "
                 f"{outcome.seconds:.2f} s; verifier: {len(violations)} violation(s)")
    out = list(violations)
    if abs(outcome.objective_value - TINY_COST) > 0.5:
        out.append(f"{TINY}: optimum {outcome.objective_value:,.0f}, expected {TINY_COST:,.0f}")
    return out
