"""Batch solves (contracts.md §4): spec validation, local runs, store, resume, fronts, samples."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from pkplanner.batch.plan import make_plan, set_args
from pkplanner.batch.run import run_batch
from pkplanner.batch.spec import Choice, Normal, expand, load_spec, sample_values
from pkplanner.engine import highs as hs
from pkplanner.engine.solve import solve
from pkplanner.errors import InputError
from pkplanner.scenario.resolve import load, resolve

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "scenarios" / "examples"
PY = str(Path(sys.executable))
TABLES = ("runs", "zones", "allocations", "contributors")
# columns that differ between two runs of the same batch: measured time, and the scenario
# path as written in the spec (relative to it; the tests put specs in different folders)
VOLATILE = {"seconds", "scenario_path", "solve_mode"}   # how, not what: chunking decides

# 3 scenarios x 2 objectives x 3 x 2 grid points = 36 runs, each well under a second
GRID_SPEC: dict[str, Any] = {
    "schema_version": 1,
    "name": "grid_test",
    "scenarios": ["two_zones.yaml", "three_zones_veto.yaml", "language_lead.yaml"],
    "objectives": ["cost", "acceptability"],
    "time_limit": 30,
    "gap": 1e-6,
    "grid": {"rules.max_share": [0.5, 0.6, 1.0], "rules.min_contributors": [1, 2]},
}
GRID_RUNS = 36


def write_spec(folder: Path, spec: dict[str, Any], name: str = "spec.yaml") -> Path:
    """Write a spec whose scenario paths are relative to it (as users write them)."""
    spec = dict(spec)
    spec["scenarios"] = [os.path.relpath(EXAMPLES / s, folder) if not s.startswith("/") and
                         (EXAMPLES / s).exists() else s for s in spec["scenarios"]]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def content(out: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, without the measured columns: equal for equal batches."""
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    try:
        got = {}
        for t in TABLES:
            cols = [r[0] for r in con.execute(f"DESCRIBE {t}").fetchall() if r[0] not in VOLATILE]
            rows = con.execute(f"SELECT {', '.join(cols)} FROM {t}").fetchall()
            got[t] = sorted(rows, key=repr)
        return got
    finally:
        con.close()


def runs_of(out: Path, where: str = "TRUE") -> list[dict[str, Any]]:
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    try:
        cur = con.execute(f"SELECT * FROM runs WHERE {where}")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


_REFERENCE: dict[str, Path] = {}


def reference_grid(tmp_root: Path) -> Path:
    """The grid spec run once locally on 2 workers (shared by the tests that compare to it)."""
    if "out" not in _REFERENCE:
        spec = write_spec(tmp_root / "ref", GRID_SPEC)
        summary = run_batch(spec, tmp_root / "ref" / "out", workers=2, progress=False)
        assert summary.complete and summary.total == GRID_RUNS, summary.lines()
        _REFERENCE["out"] = tmp_root / "ref" / "out"
        _REFERENCE["spec"] = spec
    return _REFERENCE["out"]


@pytest.fixture(scope="session")
def grid_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reference_grid(tmp_path_factory.mktemp("batch"))


# --------------------------------------------------------------------------- spec errors


def spec_problems(tmp_path: Path, spec: Any, plan: bool = False) -> list[str]:
    path = tmp_path / "bad.yaml"
    path.write_text(spec if isinstance(spec, str) else yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(InputError) as info:
        if plan:
            make_plan(load_spec(path), path)
        else:
            load_spec(path)
    lines = [str(p) for p in info.value.problems]
    assert all(line.startswith(f"error: {path}: ") and "\n" not in line for line in lines)
    return [line.removeprefix(f"error: {path}: ") for line in lines]


def base(**extra: Any) -> dict[str, Any]:
    return {"schema_version": 1, "name": "t", "scenarios": [str(EXAMPLES / "two_zones.yaml")],
            **extra}


@pytest.mark.parametrize(("spec", "expected"), [
    ({**base(), "scenario": "x"}, "scenario: unknown key"),
    ({**base(), "schema_version": 2}, "schema_version: unsupported schema_version"),
    ({**base(), "name": "Bad Name"}, "name: String should match pattern"),
    ({k: v for k, v in base().items() if k != "scenarios"}, "scenarios: required field is missing"),
    (base(objectives=["cheapest"]), "objectives.0: Input should be 'cost'"),
    (base(options=["A", "A"]), "options: listed more than once: A"),
    (base(grid={"rules.max_share": 0.3}), "grid.rules.max_share: Input should be a valid list"),
    (base(grid={"rules.max_share": []}), "grid.rules.max_share: List should have at least 1"),
    (base(grid={"zones.*.threat": [1]}), "grid: 'zones.*.threat': wildcards are allowed only"),
    (base(grid={"rules..max_share": [1]}), "grid: 'rules..max_share': empty path segment"),
    (base(pareto={"axis": "budget", "points": 5}), "pareto.axis: Input should be"),
    (base(pareto={"points": 1}), "pareto.points: Input should be greater than or equal to 2"),
    (base(monte_carlo={"samples": 0, "vary": {"zones.*.threat": {"dist": "normal", "sd": 1}}}),
     "monte_carlo.samples: Input should be greater than or equal to 1"),
    (base(monte_carlo={"samples": 2, "vary": {"zones.*.threat": {"dist": "gauss", "sd": 1}}}),
     "monte_carlo.vary.zones.*.threat.dist: unknown distribution 'gauss'"),
    (base(monte_carlo={"samples": 2, "vary": {"zones.*.threat": {"sd": 1}}}),
     "monte_carlo.vary.zones.*.threat.dist: required field is missing"),
    (base(monte_carlo={"samples": 2, "vary": {"zones.*.threat": {"dist": "normal"}}}),
     "monte_carlo.vary.zones.*.threat.sd: required field is missing"),
    (base(monte_carlo={"samples": 2, "vary": {"zones.*.threat": {"dist": "normal", "sd": 1,
                                                                   "mu": 0}}}),
     "monte_carlo.vary.zones.*.threat.mu: unknown key"),
    (base(monte_carlo={"samples": 2, "vary": {"zones.*.threat": {
        "dist": "uniform", "low": 3, "high": 1}}}),
     "monte_carlo.vary.zones.*.threat: low 3.0 is above high 1.0"),
    (base(monte_carlo={"samples": 2, "vary": {"zones.*.threat": {
        "dist": "choice", "values": [1, 2], "weights": [1]}}}),
     "monte_carlo.vary.zones.*.threat: 1 weights for 2 values"),
    (base(monte_carlo={"samples": 2, "vary": {"zones.*.threat": {
        "dist": "normal", "sd": 1, "clip": [5, 1]}}}),
     "monte_carlo.vary.zones.*.threat.clip: clip lower bound 5.0 is above the upper bound"),
    (base(monte_carlo={"samples": 2, "vary": {"zones.*.threat": {
        "dist": "normal", "sd": 1, "relative": False}}}),
     "monte_carlo.vary.zones.*.threat: an absolute normal distribution"),
    ("schema_version: 1\nname: [unclosed\n", "YAML syntax error"),
    ("", "file is empty"),
])
def test_spec_errors(tmp_path: Path, spec: Any, expected: str) -> None:
    problems = spec_problems(tmp_path, spec)
    assert any(p.startswith(expected) or expected in p for p in problems), problems


def test_spec_reports_every_problem_at_once(tmp_path: Path) -> None:
    problems = spec_problems(tmp_path, {**base(gap=-1), "name": "X", "pareto": {"points": 0}})
    assert len(problems) == 3, problems


@pytest.mark.parametrize(("vary", "expected"), [
    ({"zones.*.thret": {"dist": "normal", "sd": 1}},
     "monte_carlo.vary.zones.*.thret: matches nothing in any scenario"),
    ({"zones.*.name": {"dist": "normal", "sd": 1}}, "is not a number"),
    ({"acceptability.contributors": {"dist": "normal", "sd": 1}}, "is a mapping or list"),
    ({"rules.budget_per_month": {"dist": "normal", "sd": 1}}, "has no value to vary relative to"),
])
def test_vary_paths_checked_against_scenarios(tmp_path: Path, vary: dict[str, Any],
                                              expected: str) -> None:
    problems = spec_problems(tmp_path, base(monte_carlo={"samples": 2, "vary": vary}), plan=True)
    assert any(expected in p for p in problems), problems


def test_unknown_option_is_a_spec_error(tmp_path: Path) -> None:
    problems = spec_problems(tmp_path, base(options=["X", "Q"]), plan=True)
    assert problems == ["options.1: unknown planning option 'Q' (no scenario defines it; "
                        "known: X)"]


def test_bad_spec_exits_2_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(base(grid={"rules.max_share": 0.3}, extra=1)))
    proc = subprocess.run([PY, "-m", "pkplanner", "batch", str(path), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith(f"error: {path}: ") for line in lines)
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- Monte Carlo units


def test_wildcards_expand_against_the_resolved_document() -> None:
    doc = resolve(load(EXAMPLES / "two_zones.yaml"), None).to_document()
    assert [t.path for t in expand("zones.*.threat", doc)] == ["zones.north.threat",
                                                              "zones.south.threat"]
    acc = expand("acceptability.contributors.*.*", doc)
    assert len(acc) == 6 and acc[0].path == "acceptability.contributors.AZ.AAA"
    assert acc[0].base == 0.5
    assert [t.path for t in expand("contributors.BBB.units.*", doc)] == [
        "contributors.BBB.units.observer_team", "contributors.BBB.units.infantry_company"]
    assert expand("zones.*.nothing", doc) == []


def test_draws_respect_type_clip_and_seed() -> None:
    from pkplanner.batch.spec import MonteCarlo, Target
    threat = Choice(dist="choice", values=[-1, 0, 1], relative=True, clip=(1, 5))
    acc = Normal(dist="normal", sd=0.5, clip=(0, 1))
    mc = MonteCarlo(samples=50, seed=3, vary={"zones.*.threat": threat})
    targets = [(Target("p", "zones.a.threat", 1), threat), (Target("q", "x.y", 0.5), acc)]
    draws = [sample_values(mc, targets, s) for s in range(50)]
    assert all(isinstance(d["zones.a.threat"], int) and 1 <= d["zones.a.threat"] <= 2
               for d in draws)
    assert all(0 <= d["x.y"] <= 1 for d in draws)
    assert len({d["x.y"] for d in draws}) > 10
    assert draws == [sample_values(mc, targets, s) for s in range(50)]
    factor = Normal(dist="normal", sd=0.0, relative="factor")
    assert sample_values(mc, [(Target("f", "c.max_personnel", 800), factor)], 0) == {
        "c.max_personnel": 800}


# --------------------------------------------------------------------------- local runs


def test_grid_runs_end_to_end(grid_out: Path) -> None:
    got = content(grid_out)
    runs = runs_of(grid_out)
    assert len(runs) == GRID_RUNS and len({r["run_key"] for r in runs}) == GRID_RUNS
    assert {r["status"] for r in runs} <= {"optimal", "infeasible"}
    # max_share 0.5 <-> 0.6 and min_contributors 1 <-> 2 are numbers: re-solved in place;
    # max_share 1.0 drops the cap rows: rebuilt
    assert {r["solve_mode"] for r in runs} == {"rebuild", "persistent"}
    for r in runs:          # a re-solved run gives what a fresh solve gives
        if r["objective"] == "cost" and r["solve_mode"] == "persistent":
            path = grid_out.parent / r["scenario_path"]     # as written: from the spec
            rs = resolve(load(path, set_args(json.loads(r["overrides"]))), r["option"])
            fresh = solve(rs, "cost", hs.SolverSettings(time_limit=30, gap=1e-6))
            assert fresh.status == r["status"]
            if fresh.objective_value is not None:
                assert r["cost_per_month"] == pytest.approx(fresh.objective_value)
    # the worked example's optimum (scenarios/examples/two_zones.yaml header)
    ex = [r for r in runs if r["scenario"] == "two_zones" and r["objective"] == "cost"
          and json.loads(r["overrides"]) == {"rules.max_share": 0.6,
                                             "rules.min_contributors": 1}]
    assert len(ex) == 1 and ex[0]["cost_per_month"] == pytest.approx(632_000)
    assert ex[0]["personnel"] == 316 and ex[0]["min_acceptability"] >= 0.55 - 1e-9
    # child rows belong to stored runs; every feasible run has its zones
    keys = {r["run_key"] for r in runs}
    for t in ("zones", "allocations", "contributors"):
        assert {row[0] for row in got[t]} <= keys
    feasible = [r for r in runs if r["status"] == "optimal"]
    zone_keys = [row[0] for row in got["zones"]]
    assert set(zone_keys) == {r["run_key"] for r in feasible}
    # contributors' personnel add up to the run's personnel
    con = duckdb.connect(str(grid_out / "results.duckdb"), read_only=True)
    bad = con.execute("""SELECT r.run_key FROM runs r JOIN contributors c USING (run_key)
                         GROUP BY r.run_key, r.personnel HAVING sum(c.personnel) != r.personnel
                      """).fetchall()
    con.close()
    assert bad == []
    # parquet copies hold the same rows
    for t in TABLES:
        assert pq.read_table(grid_out / "parquet" / f"{t}.parquet").num_rows == len(got[t])
    report = (grid_out / "batch_report.html").read_text(encoding="utf-8")
    assert report.count("window.PlotlyConfig") == 1 and "Sweeps" in report
    assert "rules.max_share" in report and "rules.min_contributors" in report


def test_rerun_skips_what_is_stored(grid_out: Path, tmp_path: Path) -> None:
    before = content(grid_out)
    t0 = time.perf_counter()
    summary = run_batch(_REFERENCE["spec"], grid_out, workers=2, progress=False)
    assert summary.ran == 0 and summary.skipped == GRID_RUNS and summary.complete
    assert summary.backend == "nothing to solve"          # no worker was even started
    assert time.perf_counter() - t0 < 10
    assert content(grid_out) == before


def test_failing_runs_are_stored_and_the_batch_goes_on(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, {
        "schema_version": 1, "name": "failing",
        "scenarios": ["two_zones.yaml", "no_such_scenario.yaml"],
        "objectives": ["cost"], "grid": {"rules.max_share": [0.6, 1.5]}})
    summary = run_batch(spec, tmp_path / "out", workers=1, progress=False)
    assert summary.complete and summary.total == 4
    assert summary.by_status["optimal"] == 1 and summary.by_status["error"] == 3
    runs = {(r["scenario"], r["overrides"]): r for r in runs_of(tmp_path / "out")}
    bad_value = runs[("two_zones", '{"rules.max_share": 1.5}')]
    assert bad_value["status"] == "error"
    assert "rules.max_share: Input should be less than or equal to 1" in bad_value["error"]
    missing = runs[("no_such_scenario", '{"rules.max_share": 0.6}')]
    assert missing["status"] == "error" and missing["error"].endswith("file not found")
    assert runs[("two_zones", '{"rules.max_share": 0.6}')]["cost_per_month"] == 632_000
    report = (tmp_path / "out" / "batch_report.html").read_text(encoding="utf-8")
    assert "Runs that failed (3)" in report


def test_a_run_past_its_time_budget_is_an_error(tmp_path: Path) -> None:
    # the 2020 reference scenario's acceptability objective takes several MILPs of seconds
    # each: a one-second budget cannot be met, whatever the machine's load
    slow = str(EXAMPLES.parent / "karabakh_2020.yaml")
    spec = write_spec(tmp_path, {
        "schema_version": 1, "name": "slow", "scenarios": [slow],
        "objectives": ["acceptability"], "run_timeout": 1})
    summary = run_batch(spec, tmp_path / "out", workers=1, progress=False)
    assert summary.complete
    runs = runs_of(tmp_path / "out")
    assert runs and all(r["status"] == "error" and r["error"].startswith("timed out after")
                        for r in runs)


def test_a_run_budget_holds_in_a_worker_thread(tmp_path: Path) -> None:
    """Dask runs tasks in threads, where SIGALRM cannot reach: HiGHS itself stops at the
    run's deadline, and the run is stored as timed out."""
    import threading

    from pkplanner.batch.run import Task, execute
    slow = str(EXAMPLES.parent / "karabakh_2020.yaml")
    spec = write_spec(tmp_path, {"schema_version": 1, "name": "slow", "scenarios": [slow],
                                 "objectives": ["acceptability"]})
    runs = tuple(make_plan(load_spec(spec), spec).runs.values())
    task = Task(1, runs, False, 60.0, 1e-3, 1.0)
    got: list[list[dict[str, Any]]] = []
    worker = threading.Thread(target=lambda: got.append(execute(task)))
    worker.start()
    worker.join(timeout=120)
    assert got, "the worker thread did not stop at its deadline"
    rows = [r["run"] for r in got[0]]
    assert rows and all(r["status"] == "error" and r["error"] == "timed out after 1 s"
                        for r in rows)
    assert all(r["seconds"] < 20 for r in rows)     # stopped by the budget, not by solving


def test_errors_are_skipped_on_resume_and_retried_on_request(tmp_path: Path) -> None:
    ref = str(EXAMPLES.parent / "karabakh_2020.yaml")
    body = {"schema_version": 1, "name": "retry", "scenarios": [ref], "options": ["A"],
            "objectives": ["cost"], "grid": {"rules.max_share": [0.3, 0.5]}}
    tight = write_spec(tmp_path, {**body, "run_timeout": 0.001}, "tight.yaml")
    first = run_batch(tight, tmp_path / "out", workers=1, progress=False)
    assert first.by_status["error"] == 2              # no time for any solve
    relaxed = write_spec(tmp_path, body, "relaxed.yaml")
    again = run_batch(relaxed, tmp_path / "out", workers=1, progress=False)
    assert (again.ran, again.skipped, again.by_status["error"]) == (0, 2, 2)
    retry = run_batch(relaxed, tmp_path / "out", workers=1, progress=False,
                      retry_errors=True)
    assert (retry.ran, retry.skipped, retry.by_status["optimal"]) == (2, 0, 2)
    assert "retrying 2 runs stored as errors" in retry.notes
    assert len(runs_of(tmp_path / "out")) == 2


def test_resume_after_the_batch_is_killed(grid_out: Path, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, GRID_SPEC)
    out = tmp_path / "out"
    proc = subprocess.Popen([PY, "-m", "pkplanner", "batch", str(spec), "--out", str(out),
                             "--workers", "2"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True, start_new_session=True)
    stored = 0
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith("["):
                stored += 1
            if stored >= 8:
                break
        os.kill(proc.pid, signal.SIGKILL)           # the coordinator only, mid-batch
        proc.wait(timeout=30)
        # its worker processes notice and exit: nothing of the batch is left running
        deadline = time.monotonic() + 15
        while _group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _group_alive(proc.pid), "worker processes outlived the killed batch"
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    assert 8 <= stored < GRID_RUNS
    summary = run_batch(spec, out, workers=2, progress=False)
    assert summary.complete and summary.total == GRID_RUNS
    assert summary.skipped >= 8 and summary.ran + summary.skipped == GRID_RUNS
    assert content(out) == content(grid_out)        # nothing lost, nothing twice


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _rebuild_cost(run: dict[str, Any]) -> float | None:
    sets = [f"{k}={json.dumps(v)}" for k, v in json.loads(run["overrides"]).items()]
    rs = resolve(load(EXAMPLES / f"{run['scenario']}.yaml", sets), run["option"])
    out = solve(rs, "cost", hs.SolverSettings(time_limit=30, gap=1e-6))
    return out.objective_value


def test_pareto_front_on_the_floor(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, {
        "schema_version": 1, "name": "front", "objectives": ["cost"], "gap": 1e-6,
        "scenarios": ["two_zones.yaml", "three_zones_veto.yaml"],
        "pareto": {"axis": "acceptability_floor", "points": 9}})
    summary = run_batch(spec, tmp_path / "out", workers=2, progress=False)
    # 2 cost runs + 2 anchors + 2 x 9 points
    assert summary.complete and summary.total == 22 and summary.fronts_skipped == []
    # the counts add up, front points included (they are planned while the batch runs)
    assert (summary.ran, summary.skipped) == (22, 0)
    again = run_batch(spec, tmp_path / "out", workers=2, progress=False)
    assert (again.total, again.ran, again.skipped, again.missing) == (22, 0, 22, 0)
    runs = runs_of(tmp_path / "out")
    anchors = {r["scenario"]: r for r in runs if r["kind"] == "pareto_anchor"}
    for scenario in ("two_zones", "three_zones_veto"):
        pts = sorted((r for r in runs if r["kind"] == "pareto" and r["scenario"] == scenario),
                     key=lambda r: r["pareto_point"])
        assert [r["pareto_point"] for r in pts] == list(range(9))
        assert all(r["status"] == "optimal" and r["solve_mode"] == "persistent" for r in pts)
        floors = [r["pareto_value"] for r in pts]
        assert floors[0] == 0 and floors == sorted(floors)
        assert floors[-1] == pytest.approx(anchors[scenario]["min_acceptability"], abs=1e-5)
        costs = [r["cost_per_month"] for r in pts]
        assert all(b >= a * (1 - 1e-6) for a, b in itertools.pairwise(costs)), costs
        assert all(r["min_acceptability"] >= r["pareto_value"] - 1e-6 for r in pts)
        # the persistent re-solve finds what a rebuilt model finds
        for r in (pts[1], pts[5], pts[-1]):
            assert r["objective_value"] == pytest.approx(_rebuild_cost(r), rel=1e-6)
    report = (tmp_path / "out" / "batch_report.html").read_text(encoding="utf-8")
    assert "Pareto fronts" in report


def test_pareto_front_on_the_budget(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, {
        "schema_version": 1, "name": "budget", "objectives": ["cost"], "gap": 1e-6,
        "scenarios": ["three_zones_veto.yaml"],
        "pareto": {"axis": "budget_per_month", "points": 4}})
    summary = run_batch(spec, tmp_path / "out", workers=2, progress=False)
    assert summary.complete and summary.total == 6        # cost run (= anchor), acc. anchor, 4
    pts = sorted((r for r in runs_of(tmp_path / "out") if r["kind"] == "pareto"),
                 key=lambda r: r["pareto_point"])
    assert all(r["status"] in ("optimal", "feasible") for r in pts)
    assert all(r["cost_per_month"] <= r["pareto_value"] + 1e-6 for r in pts)
    acc = [r["min_acceptability"] for r in pts]
    assert all(b >= a - 2e-3 for a, b in itertools.pairwise(acc)), acc
    assert acc[-1] > acc[0]


def test_pareto_front_on_the_robust_budget(tmp_path: Path) -> None:
    """The price of robustness on robust_consent.yaml (its header works the optima out):
    Γ = 0, 0.5, 1 cost 16,000, 18,000 and 20,000; the most uncertain scores of a party is 1."""
    spec = write_spec(tmp_path, {
        "schema_version": 1, "name": "robust", "objectives": ["cost"], "gap": 1e-6,
        "scenarios": ["robust_consent.yaml"],
        "pareto": {"axis": "robust_budget", "points": 3}})
    summary = run_batch(spec, tmp_path / "out", workers=2, progress=False)
    assert summary.complete
    pts = sorted((r for r in runs_of(tmp_path / "out") if r["kind"] == "pareto"),
                 key=lambda r: r["pareto_point"])
    assert [(r["pareto_value"], r["cost_per_month"], r["verified"]) for r in pts] == [
        (0.0, 16_000, True), (0.5, 18_000, True), (1.0, 20_000, True)]
    report = (tmp_path / "out" / "batch_report.html").read_text(encoding="utf-8")
    assert "price of robustness" in report


MC_SPEC: dict[str, Any] = {
    "schema_version": 1, "name": "mc", "scenarios": ["three_zones_veto.yaml"],
    "objectives": ["cost"],
    "monte_carlo": {"samples": 8, "seed": 7, "vary": {
        "acceptability.contributors.*.*": {"dist": "normal", "sd": 0.1, "clip": [0, 1]},
        "zones.*.threat": {"dist": "choice", "values": [-1, 0, 1], "relative": True,
                           "clip": [1, 5]},
        "contributors.*.max_personnel": {"dist": "uniform", "low": 0.5, "high": 1.0,
                                         "relative": "factor"}}},
}


def test_monte_carlo_is_reproducible_with_a_seed(tmp_path: Path) -> None:
    a = run_batch(write_spec(tmp_path / "a", MC_SPEC), tmp_path / "a" / "out", workers=2,
                  progress=False)
    b = run_batch(write_spec(tmp_path / "b", MC_SPEC), tmp_path / "b" / "out", workers=1,
                  progress=False)
    assert a.complete and b.complete and a.total == b.total == 9     # nominal + 8 samples
    assert content(tmp_path / "a" / "out") == content(tmp_path / "b" / "out")
    samples = [r for r in runs_of(tmp_path / "a" / "out") if r["kind"] == "monte_carlo"]
    assert sorted(r["sample"] for r in samples) == list(range(8))
    overrides = [json.loads(r["overrides"]) for r in samples]
    assert len({json.dumps(o, sort_keys=True) for o in overrides}) == 8
    for o in overrides:
        assert len(o) == 8 + 3 + 4
        assert all(isinstance(o[f"zones.{z}.threat"], int) and 1 <= o[f"zones.{z}.threat"] <= 2
                   for z in ("west", "centre", "east"))
        assert all(0 <= v <= 1 for k, v in o.items() if k.startswith("acceptability."))
        assert all(2500 <= v <= 5000 for k, v in o.items() if k.endswith("max_personnel"))
    # another seed: other samples, other keys
    other = write_spec(tmp_path / "c", {**MC_SPEC, "monte_carlo": {**MC_SPEC["monte_carlo"],
                                                                   "seed": 8}})
    keys_c = set(make_plan(load_spec(other), other).runs)
    keys_a = {r["run_key"] for r in runs_of(tmp_path / "a" / "out")}
    assert len(keys_a & keys_c) == 1                       # only the nominal run is shared
    report = (tmp_path / "a" / "out" / "batch_report.html").read_text(encoding="utf-8")
    assert "Selection frequency" in report and "robust" in report.lower()
    assert report.count("window.PlotlyConfig") == 1


def test_run_keys_follow_the_contract(tmp_path: Path) -> None:
    spec_path = write_spec(tmp_path, GRID_SPEC)
    plan = make_plan(load_spec(spec_path), spec_path)
    assert len(plan.runs) == GRID_RUNS
    # the same scenario at another path gives the same keys (they hash the resolved bytes)
    moved = tmp_path / "moved"
    moved.mkdir()
    for s in GRID_SPEC["scenarios"]:
        (moved / s).write_bytes((EXAMPLES / s).read_bytes())
    spec2 = tmp_path / "spec2.yaml"
    spec2.write_text(yaml.safe_dump({**GRID_SPEC, "scenarios": [f"moved/{s}" for s in
                                                                GRID_SPEC["scenarios"]]}))
    assert set(make_plan(load_spec(spec2), spec2).runs) == set(plan.runs)
    # a changed number in the scenario changes its keys
    text = (moved / "two_zones.yaml").read_text().replace("cost_per_person_month: 1500",
                                                          "cost_per_person_month: 1501")
    assert "1501" in text
    (moved / "two_zones.yaml").write_text(text)
    changed = set(make_plan(load_spec(spec2), spec2).runs)
    assert len(changed & set(plan.runs)) == GRID_RUNS - 12


def test_numpy_free_overrides() -> None:
    """Sampled values are plain Python numbers (they go to JSON and YAML)."""
    from pkplanner.batch.spec import MonteCarlo, Target, Uniform
    u = Uniform(dist="uniform", low=0, high=1)
    mc = MonteCarlo(samples=1, seed=0, vary={"a": u})
    v = sample_values(mc, [(Target("a", "a", 0.2), u)], 0)["a"]
    assert type(v) is float and not isinstance(v, np.floating)


def test_every_plan_is_verified_unless_the_spec_opts_out(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Batch runs go through the one pipeline: the verifier checks each plan (`verified`),
    a plan it rejects is stored as an error, and `verify: false` skips it (null)."""
    from pkplanner import pipeline
    from pkplanner.batch.run import Task, execute
    from pkplanner.verify.check import Violation

    spec = write_spec(tmp_path, GRID_SPEC)
    runs = tuple(sorted(make_plan(load_spec(spec), spec).runs.values(),
                        key=lambda r: r.run_key))[:2]
    checked = [row["run"] for row in execute(Task(0, runs, False, 60.0, 0.0, None))]
    assert [r["verified"] for r in checked] == [True, True]
    skipped = [row["run"] for row in execute(Task(0, runs, False, 60.0, 0.0, None, False))]
    assert [r["verified"] for r in skipped] == [None, None]
    assert [r["cost_per_month"] for r in skipped] == [r["cost_per_month"] for r in checked]
    monkeypatch.setattr(pipeline, "verify",
                        lambda rs, doc: [Violation("budget", "cost above the budget")])
    rejected = [row["run"] for row in execute(Task(0, runs, False, 60.0, 0.0, None))]
    assert all(r["status"] == "error" and r["error"].startswith("verifier: budget")
               for r in rejected)
