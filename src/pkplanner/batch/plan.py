"""The plan of a batch: every run a spec asks for, each keyed by its content (`run_key`), and
the Pareto fronts expanded as their end points are solved. No solving here: the batch
report reads a plan too, and must not reach the engine through it."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pkplanner.batch.spec import BatchSpec, Target, check_targets, expand, sample_values
from pkplanner.errors import InputError, Problem
from pkplanner.scenario.resolve import ResolvedScenario, load, resolve

if TYPE_CHECKING:
    from pkplanner.batch.spec import Choice, Normal, Uniform

FEASIBLE = ("optimal", "feasible")


@dataclass(frozen=True)
class Run:
    """One solve, one row of `runs`."""

    run_key: str
    kind: str                       # grid | pareto | pareto_anchor | monte_carlo
    scenario: str                   # the scenario's name (its file stem if it does not load)
    scenario_path: str              # as written in the spec
    file: str                       # absolute path the workers read
    option: str | None
    objective: str | None
    overrides: dict[str, Any]       # every override of the run (grid, floors, samples)
    grid: dict[str, Any]            # the grid point's overrides only
    sample: int | None = None
    pareto_axis: str | None = None
    pareto_point: int | None = None
    pareto_value: float | None = None
    error: str | None = None        # known before solving (file missing, option unknown)

    def row(self) -> dict[str, Any]:
        return {
            "run_key": self.run_key, "scenario": self.scenario, "option": self.option,
            "objective": self.objective, "overrides": compact_json(self.overrides),
            "sample": self.sample, "kind": self.kind, "scenario_path": self.scenario_path,
            "grid": compact_json(self.grid), "pareto_axis": self.pareto_axis,
            "pareto_point": self.pareto_point, "pareto_value": self.pareto_value,
        }


@dataclass
class Front:
    """A Pareto front waiting for its anchor solves (then expanded into point runs)."""

    axis: str
    points: int
    scenario: str
    scenario_path: str
    file: str
    option: str
    grid: dict[str, Any]
    scenario_bytes: bytes
    parties: list[str]
    floors: dict[str, float]
    anchors: dict[str, str]         # objective -> run_key of the anchor run
    gamma_max: float = 0.0          # robust_budget axis: the most uncertain scores of a party
    state: str = "waiting"          # waiting | expanded | skipped
    note: str = ""

    @property
    def label(self) -> str:
        grid = f" {compact_json(self.grid)}" if self.grid else ""
        return f"{self.scenario} option {self.option}{grid}"


@dataclass
class Plan:
    runs: dict[str, Run] = field(default_factory=dict)     # in planning order
    fronts: list[Front] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, run: Run) -> bool:
        if run.run_key in self.runs:
            return False
        self.runs[run.run_key] = run
        return True


def compact_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False)


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode()


def run_key(scenario_bytes: bytes, option: str | None, objective: str | None,
            overrides: dict[str, Any], sample: int | None) -> str:
    """sha256 of the resolved scenario bytes + option + objective + overrides + sample."""
    h = hashlib.sha256(scenario_bytes)
    h.update(b"\x00")
    h.update(canonical({"option": option, "objective": objective, "overrides": overrides,
                        "sample": sample}))
    return h.hexdigest()


def set_args(overrides: dict[str, Any]) -> list[str]:
    """Overrides as `--set` strings (the value is JSON, which YAML reads back unchanged)."""
    return [f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in overrides.items()]


def problem_text(e: InputError) -> str:
    return "; ".join(str(p).removeprefix("error: ") for p in e.problems)


def make_plan(spec: BatchSpec, spec_path: Path) -> Plan:
    """Every run of the spec (Pareto points come later, from their anchors' results)."""
    label = str(spec_path)
    root = spec_path.parent
    grid_points = spec.grid_points()
    plan = Plan()
    problems: dict[tuple[str, str], str] = {}
    known_options: set[str] = set()
    loaded_any = False
    vary_hits = dict.fromkeys(spec.monte_carlo.vary, 0) if spec.monte_carlo else {}

    def error_runs(name: str, rel: str, file: Path, scenario_bytes: bytes,
                   options: list[str | None], objectives: list[str | None], msg: str) -> None:
        for opt in options:
            for obj in objectives:
                for g in grid_points:
                    plan.add(Run(run_key(scenario_bytes, opt, obj, g, None), "grid", name, rel,
                                 str(file), opt, obj, dict(g), dict(g), error=msg))

    for rel in spec.scenarios:
        file = (root / rel).resolve()
        try:
            loaded = load(file)
        except InputError as e:
            msg = problem_text(e)
            options: list[str | None] = list(spec.options) if spec.options else [None]
            objectives_: list[str | None] = list(spec.objectives) if spec.objectives else [None]
            error_runs(Path(rel).stem, rel, file, canonical({"unloadable": str(file),
                                                              "error": msg}),
                       options, objectives_, msg)
            continue
        loaded_any = True
        sc = loaded.scenario
        known_options |= {o.id for o in sc.planning_options}
        objectives: list[str] = list(spec.objectives or [sc.objective])
        for opt in (list(spec.options) if spec.options else [None]):
            try:
                rs0 = resolve(loaded, opt)
            except InputError as e:
                msg = problem_text(e)
                error_runs(sc.name, rel, file, canonical({"scenario": sc.to_document(),
                                                          "option_error": msg}),
                           [opt], list(objectives), msg)
                continue
            oid = rs0.option.id
            sbytes = canonical(rs0.to_document())
            for g in grid_points:
                for obj in objectives:
                    plan.add(Run(run_key(sbytes, oid, obj, g, None), "grid", sc.name, rel,
                                 str(file), oid, obj, dict(g), dict(g)))
                if spec.pareto is None and spec.monte_carlo is None:
                    continue
                rs_g: ResolvedScenario | None = rs0
                if g:
                    try:
                        rs_g = resolve(load(file, set_args(g)), oid)
                    except InputError:
                        rs_g = None
                if rs_g is None:
                    plan.notes.append(f"{sc.name} option {oid} {compact_json(g)}: the grid point "
                                      "does not load (see its error runs): no Pareto front "
                                      "or Monte Carlo samples for it")
                    continue
                if spec.pareto is not None:
                    plan.fronts.append(_plan_front(plan, spec, sc.name, rel, file, oid, g,
                                                   sbytes, rs_g))
                mc = spec.monte_carlo
                if mc is None:
                    continue
                doc = rs_g.to_document()
                targets: list[tuple[Target, Normal | Uniform | Choice]] = []
                for pattern, dist in mc.vary.items():
                    found = expand(pattern, doc)
                    vary_hits[pattern] += len(found)
                    why = check_targets(found, dist)
                    if why:
                        problems[(f"monte_carlo.vary.{pattern}", rel)] = f"{why} in {rel}"
                        continue
                    targets += [(t, dist) for t in found]
                for s in range(mc.samples):
                    over = {**g, **sample_values(mc, targets, s)}
                    for obj in objectives:
                        plan.add(Run(run_key(sbytes, oid, obj, over, s), "monte_carlo",
                                     sc.name, rel, str(file), oid, obj, over, dict(g),
                                     sample=s))
    out = [Problem(label, path, msg) for (path, _), msg in problems.items()]
    if loaded_any:
        for i, opt in enumerate(spec.options or []):
            if opt not in known_options:
                out.append(Problem(label, f"options.{i}", f"unknown planning option '{opt}' "
                                   f"(no scenario defines it; known: "
                                   f"{', '.join(sorted(known_options))})"))
        for pattern, hits in vary_hits.items():
            if hits == 0:
                out.append(Problem(label, f"monte_carlo.vary.{pattern}",
                                   "matches nothing in any scenario"))
    if out:
        raise InputError(out)
    return plan


def _plan_front(plan: Plan, spec: BatchSpec, name: str, rel: str, file: Path, oid: str,
                g: dict[str, Any], sbytes: bytes, rs_g: ResolvedScenario) -> Front:
    assert spec.pareto is not None
    axis = spec.pareto.axis
    anchors = {}
    objectives = {"acceptability_floor": ("acceptability",), "robust_budget": ("cost",)}
    for obj in objectives.get(axis, ("cost", "acceptability")):
        key = run_key(sbytes, oid, obj, g, None)
        plan.add(Run(key, "pareto_anchor", name, rel, str(file), oid, obj, dict(g), dict(g)))
        anchors[obj] = key
    sc = rs_g.scenario
    acc = sc.acceptability
    gamma_max = max((len(acc.contributor_spread.get(p.id, {}))
                     + len(acc.armament_spread.get(p.id, {})) for p in sc.parties), default=0)
    return Front(axis, spec.pareto.points, name, rel, str(file), oid, dict(g), sbytes,
                 [p.id for p in sc.parties], dict(sc.rules.acceptability_floor), anchors,
                 gamma_max=float(gamma_max))


def expand_front(front: Front, rows: dict[str, dict[str, Any]]) -> list[Run] | str:
    """The point runs of a front, from its stored anchors; or why there is no front."""
    for obj, key in front.anchors.items():
        row = rows[key]
        if row["status"] not in FEASIBLE or row["cost_per_month"] is None:
            return f"its {obj} anchor run ended {row['status']}" + (
                f" ({row['error']})" if row.get("error") else "")
    n = front.points
    runs = []
    if front.axis == "acceptability_floor":
        top = rows[front.anchors["acceptability"]]["min_acceptability"]
        for i in range(n):
            theta = math.floor(top * i / (n - 1) * 1e6 + 1e-6) / 1e6  # 6 decimals, not above
            over = {**front.grid, **{f"rules.acceptability_floor.{p}":
                                     max(front.floors.get(p, 0.0), theta)
                                     for p in front.parties}}
            runs.append(Run(run_key(front.scenario_bytes, front.option, "cost", over, None),
                            "pareto", front.scenario, front.scenario_path, front.file,
                            front.option, "cost", over, dict(front.grid),
                            pareto_axis=front.axis, pareto_point=i, pareto_value=theta))
    elif front.axis == "robust_budget":
        if front.gamma_max <= 0:
            return "no party has an uncertain score (a range in acceptability)"
        for i in range(n):
            gamma = round(front.gamma_max * i / (n - 1), 4)
            over = {**front.grid, "rules.robust_budget": gamma}
            runs.append(Run(run_key(front.scenario_bytes, front.option, "cost", over, None),
                            "pareto", front.scenario, front.scenario_path, front.file,
                            front.option, "cost", over, dict(front.grid),
                            pareto_axis=front.axis, pareto_point=i, pareto_value=gamma))
    else:
        lo = math.ceil(round(rows[front.anchors["cost"]]["cost_per_month"], 6))
        hi = max(lo, math.ceil(round(rows[front.anchors["acceptability"]]["cost_per_month"], 6)))
        for i in range(n):
            budget = math.ceil(lo + (hi - lo) * i / (n - 1))
            over = {**front.grid, "rules.budget_per_month": budget}
            runs.append(Run(run_key(front.scenario_bytes, front.option, "acceptability", over,
                                    None),
                            "pareto", front.scenario, front.scenario_path, front.file,
                            front.option, "acceptability", over, dict(front.grid),
                            pareto_axis=front.axis, pareto_point=i, pareto_value=budget))
    return runs


