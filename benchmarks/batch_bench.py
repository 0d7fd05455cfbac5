"""Batch benchmarks: writes benchmarks/batch_results.md.

1. A 50-point acceptability-floor sweep (Pareto front) solved two ways, in this process:
   *rebuild* (load the scenario with the point's `--set` floors, build, solve: what a
   grid run does) against *re-solve* (one persistent model, `m.theta[p]` changed per
   point: what `pkplanner batch` does for Pareto points). Same solution documents.
2. A 50-point grid sweep of `rules.max_share` solved two ways: *rebuild* (load, build,
   solve every point) against *re-solve* (`solve.Reusable`, what a batch worker does
   with a chunk of grid or Monte Carlo runs: load and prepare each point, then update
   the mutable parameters of the model built for the first point and re-run HiGHS).
3. Batch throughput of one grid spec (200 runs) with 1 and 2 local worker processes
   and on a 2-worker Dask LocalCluster (through `--scheduler`), and whether the three
   stores hold the same rows (measured seconds aside).

    .venv/bin/python benchmarks/batch_bench.py [--points 50] [--out benchmarks/out/batch]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "scenarios" / "examples"
SWEEP_SCENARIOS = ["two_zones.yaml", "three_zones_veto.yaml"]
GRID_SPEC: dict[str, Any] = {
    "schema_version": 1,
    "name": "bench_grid",
    "description": "2 scenarios x 2 objectives x 10 x 5 grid points = 200 runs",
    "scenarios": [str(EXAMPLES / s) for s in SWEEP_SCENARIOS],
    "objectives": ["cost", "coverage"],
    "time_limit": 60,
    "gap": 1e-6,
    "grid": {
        "rules.max_share": [0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 1.0],
        "rules.acceptability_floor.AM": [0.0, 0.4, 0.5, 0.55, 0.6],
    },
}


def sweep(path: Path, points: int) -> dict[str, Any]:
    from pkplanner.engine import highs as hs
    from pkplanner.engine.results import solution_document
    from pkplanner.engine.solve import build, read_plan, solve
    from pkplanner.scenario.resolve import load, resolve

    settings = hs.SolverSettings(time_limit=60, gap=1e-6, warm_start=False)
    rs0 = resolve(load(path), None)
    top = solve(rs0, "acceptability", settings).objective_value
    assert top is not None
    parties = [p.id for p in rs0.scenario.parties]
    floors = dict(rs0.scenario.rules.acceptability_floor)
    thetas = [max(0.0, top * i / (points - 1) - 1e-6) for i in range(points)]

    def floors_at(theta: float) -> dict[str, float]:
        return {p: max(floors.get(p, 0.0), theta) for p in parties}

    rebuild_s, rebuild_cost = [], []
    for theta in thetas:
        t0 = time.perf_counter()
        sets = [f"rules.acceptability_floor.{p}={v!r}" for p, v in floors_at(theta).items()]
        rs = resolve(load(path, sets), None)
        out = solve(rs, "cost", settings)
        solution_document(rs, out.data, out.plan, objective="cost",
                          objective_value=out.objective_value, status=out.status, gap=out.gap,
                          solver={})
        rebuild_s.append(time.perf_counter() - t0)
        rebuild_cost.append(out.objective_value)

    t0 = time.perf_counter()
    d, m, _ = build(rs0, "cost", common_floor=True)
    solver = hs.PersistentHighs(m, settings)
    setup = time.perf_counter() - t0
    resolve_s, resolve_cost = [], []
    for theta in thetas:
        t0 = time.perf_counter()
        for p, v in floors_at(theta).items():
            m.theta[p] = v
        stats = solver.run(previous=True)      # as pkplanner batch does
        plan = read_plan(m, d) if stats.status in ("optimal", "feasible") else None
        solution_document(rs0, d, plan, objective="cost", objective_value=stats.objective,
                          status=stats.status, gap=stats.gap, solver={})
        resolve_s.append(time.perf_counter() - t0)
        resolve_cost.append(stats.objective)
    diff = max(abs(a - b) / max(abs(a), 1.0) for a, b in zip(rebuild_cost, resolve_cost,
                                                              strict=True)
               if a is not None and b is not None)
    same_status = all((a is None) == (b is None) for a, b in zip(rebuild_cost, resolve_cost,
                                                                  strict=True))
    return {"scenario": path.stem, "points": points, "top": top,
            "rebuild_total": sum(rebuild_s), "rebuild_point": statistics.mean(rebuild_s),
            "resolve_setup": setup, "resolve_total": setup + sum(resolve_s),
            "resolve_point": statistics.mean(resolve_s),
            "ratio": statistics.mean(rebuild_s) / statistics.mean(resolve_s),
            "max_rel_cost_diff": diff, "same_feasibility": same_status,
            "distinct_costs": len({round(c, 2) for c in resolve_cost if c is not None})}


def grid_sweep(path: Path, option: str | None, points: int) -> dict[str, Any]:
    from pkplanner.engine import highs as hs
    from pkplanner.engine.results import solution_document
    from pkplanner.engine.solve import Reusable, solve
    from pkplanner.scenario.resolve import load, resolve

    settings = hs.SolverSettings(time_limit=60, gap=1e-6, warm_start=False)
    values = [round(0.35 + 0.6 * i / (points - 1), 4) for i in range(points)]

    def doc(rs: Any, out: Any) -> None:
        solution_document(rs, out.data, out.plan, objective="cost",
                          objective_value=out.objective_value, status=out.status,
                          gap=out.gap, solver={})

    rebuild_s, rebuild_cost = [], []
    for v in values:
        t0 = time.perf_counter()
        rs = resolve(load(path, [f"rules.max_share={v}"]), option)
        out = solve(rs, "cost", settings)
        doc(rs, out)
        rebuild_s.append(time.perf_counter() - t0)
        rebuild_cost.append(out.objective_value)
    reuse = Reusable(settings)
    resolve_s, resolve_cost, modes = [], [], []
    for v in values:
        t0 = time.perf_counter()
        rs = resolve(load(path, [f"rules.max_share={v}"]), option)
        out, mode = reuse.solve(rs, "cost")
        doc(rs, out)
        resolve_s.append(time.perf_counter() - t0)
        resolve_cost.append(out.objective_value)
        modes.append(mode)
    pairs = [(a, b) for a, b in zip(rebuild_cost, resolve_cost, strict=True)
             if a is not None and b is not None]
    diff = max((abs(a - b) / max(abs(a), 1.0) for a, b in pairs), default=0.0)
    rest = resolve_s[1:]          # the first point builds the model
    return {"scenario": path.stem + (f" ({option})" if option else ""), "points": points,
            "rebuild_point": statistics.mean(rebuild_s),
            "resolve_first": resolve_s[0], "resolve_point": statistics.mean(rest),
            "ratio": statistics.mean(rebuild_s) / statistics.mean(rest),
            "persistent": modes.count("persistent"), "max_rel_cost_diff": diff,
            "same_feasibility": all((a is None) == (b is None) for a, b in zip(
                rebuild_cost, resolve_cost, strict=True)),
            "distinct_costs": len({round(c, 2) for c in resolve_cost if c is not None})}


def content(out: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    try:
        got = {}
        for t in ("runs", "zones", "allocations", "contributors"):
            cols = [r[0] for r in con.execute(f"DESCRIBE {t}").fetchall() if r[0] != "seconds"]
            got[t] = sorted(con.execute(f"SELECT {', '.join(cols)} FROM {t}").fetchall(),
                            key=repr)
        return got
    finally:
        con.close()


def throughput(folder: Path) -> list[dict[str, Any]]:
    from distributed import LocalCluster

    from pkplanner.batch.run import run_batch

    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "grid.yaml"
    spec.write_text(yaml.safe_dump(GRID_SPEC, sort_keys=False))
    rows: list[dict[str, Any]] = []
    stores: dict[str, Path] = {}
    for label, workers in (("local, 1 worker", 1), ("local, 2 workers", 2)):
        out = folder / f"w{workers}"
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        s = run_batch(spec, out, workers=workers, progress=False)
        rows.append(_row(label, s, time.perf_counter() - t0, 0.0, out))
        stores[label] = out
    t0 = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        start = time.perf_counter() - t0
        out = folder / "dask2"
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        s = run_batch(spec, out, scheduler=cluster.scheduler_address, progress=False)
        rows.append(_row("Dask LocalCluster, 2 workers", s, time.perf_counter() - t0, start,
                         out))
        stores["dask"] = out
    ref = content(stores["local, 1 worker"])
    for r in rows:
        r["same_rows_as_1_worker"] = content(r.pop("out")) == ref
    return rows


def _row(label: str, s: Any, wall: float, start: float, out: Path) -> dict[str, Any]:
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    solve_s = con.execute("SELECT sum(seconds) FROM runs").fetchone()[0]
    con.close()
    return {"mode": label, "runs": s.total, "ran": s.ran, "complete": s.complete,
            "statuses": {k: v for k, v in s.by_status.items() if v}, "wall": wall,
            "runs_per_s": s.ran / wall, "solve_seconds": solve_s, "cluster_start": start,
            "out": out}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--points", type=int, default=50)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "batch")
    ap.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "batch_results.md")
    args = ap.parse_args()
    sweeps = [sweep(EXAMPLES / s, args.points) for s in SWEEP_SCENARIOS]
    for s in sweeps:
        print(json.dumps(s))
    grids = [grid_sweep(EXAMPLES / s, None, args.points) for s in SWEEP_SCENARIOS]
    grids.append(grid_sweep(ROOT / "scenarios" / "karabakh_2020.yaml", "A", args.points))
    for g in grids:
        print(json.dumps(g))
    runs = throughput(args.out)
    for r in runs:
        print(json.dumps(r))
    base = runs[0]["wall"]
    lines = [
        "# Batch benchmarks",
        "",
        f"`benchmarks/batch_bench.py`, {time.strftime('%Y-%m-%d')}: {platform.platform()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs. HiGHS 1 thread per run, "
        "gap 1e-6.",
        "",
        f"## Pareto floor sweep: rebuild vs persistent re-solve ({args.points} points)",
        "",
        "Each point: least cost with a common floor θ on every party's acceptability, θ from 0 "
        "to the highest reachable (one `acceptability` solve). *Rebuild* = load with the "
        "point's `--set` floors + build + solve (a grid run); *re-solve* = one persistent "
        "model, `m.theta[p]` changed and HiGHS re-run from the previous point's plan (what "
        "`pkplanner batch` does for Pareto points). The units-first start is off in both. "
        "Both then build the solution document. Same process, no pool.",
        "",
        "| scenario | rebuild total s | rebuild s/point | re-solve setup s | re-solve total s "
        "| re-solve s/point | per-point ratio | same costs | distinct costs |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for s in sweeps:
        same = s["same_feasibility"] and s["max_rel_cost_diff"] < 1e-6
        lines.append(
            f"| {s['scenario']} | {s['rebuild_total']:.2f} | {s['rebuild_point'] * 1000:.1f} ms "
            f"| {s['resolve_setup']:.3f} | {s['resolve_total']:.2f} "
            f"| {s['resolve_point'] * 1000:.1f} ms | **{s['ratio']:.1f}×** "
            f"| {'yes' if same else 'NO'} (max rel. diff {s['max_rel_cost_diff']:.1e}) "
            f"| {s['distinct_costs']} |")
    lines += [
        "",
        f"## Grid sweep of rules.max_share: rebuild vs re-solve ({args.points} points)",
        "",
        "max_share from 0.35 to 0.95. *Rebuild* = load with the point's `--set` + build + "
        "solve; *re-solve* = load + prepare + `solve.Reusable` (parameter update on the "
        "model built for the first point, HiGHS re-run), what a batch worker does with a "
        "chunk of grid or Monte Carlo runs, which also offers HiGHS the previous point's "
        "plan as a start. The units-first start is off in both. Both build the solution "
        "document. The per-point re-solve figure leaves out the first point, which builds "
        "the model.",
        "",
        "| scenario | rebuild s/point | re-solve first point s | re-solve s/point "
        "| per-point ratio | points re-solved | same costs | distinct costs |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for g in grids:
        same = g["same_feasibility"] and g["max_rel_cost_diff"] < 1e-6
        lines.append(
            f"| {g['scenario']} | {g['rebuild_point'] * 1000:.1f} ms "
            f"| {g['resolve_first']:.3f} | {g['resolve_point'] * 1000:.1f} ms "
            f"| **{g['ratio']:.1f}×** | {g['persistent']} of {g['points']} "
            f"| {'yes' if same else 'NO'} (max rel. diff {g['max_rel_cost_diff']:.1e}) "
            f"| {g['distinct_costs']} |")
    lines += [
        "",
        f"## Batch throughput: {GRID_SPEC['description']}",
        "",
        "Wall time of `run_batch` (planning, pool start, solves, DuckDB writes, parquet, "
        "report). *solve s* is the sum of the runs' own times in the workers. "
        "*same rows* compares every table of the store with the 1-worker store, the "
        "measured `seconds` column aside.",
        "",
        "| mode | runs | statuses | wall s | runs/s | speed-up | solve s (sum) | same rows |",
        "|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        extra = f" (+{r['cluster_start']:.1f} s cluster start)" if r["cluster_start"] else ""
        st = ", ".join(f"{k} {v}" for k, v in r["statuses"].items())
        same = "yes" if r["same_rows_as_1_worker"] else "NO"
        lines.append(f"| {r['mode']} | {r['runs']} | {st} | {r['wall']:.1f}{extra} "
                     f"| {r['runs_per_s']:.1f} | {base / r['wall']:.2f}× "
                     f"| {r['solve_seconds']:.1f} | {same} |")
    lines.append("")
    args.results.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.results}")


if __name__ == "__main__":
    sys.exit(main())
