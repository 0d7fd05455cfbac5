"""pkplanner benchmark: model size, where the time goes, and pkplanner against raw highspy.

`make bench` (= `.venv/bin/python benchmarks/run.py`) runs every instance; `--quick` runs
the two reference scenarios and the 12 x 56 generated instance with a 30 s limit. Each
measurement runs in its own subprocess (clean peak memory, no warm caches shared between
runs); the parent prints progress and writes benchmarks/results.md atomically at the end
(raw figures in benchmarks/out/results.json). See benchmarks/README.md for the columns.

Per instance:
- pkplanner as the product runs it (`pkplanner.engine.solve.solve`, cost objective, default
  `SolverSettings` apart from limit, gap and seed 0): the stages are the outcome's own
  `timings`, the first feasible plan comes from `SolverSettings.on_plan` (highspy's
  improving-solution callback); then the same model, built again, gives the model size
  and is written as MPS as `pkplanner export` does;
- raw highspy on that MPS file (`Highs.readModel` + `run`), same time limit, gap, seed,
  one thread;
- pkplanner again with the warm start (units-first start) flipped from its default;
- on the 12 x 56 instance, two more HiGHS random seeds for pkplanner and raw highspy;
- on the larger generated instances, a feasibility certificate by decomposition
  (benchmarks/feasibility.py), since HiGHS finds no plan for them within the limit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
SNAPSHOT = OUT / "snapshot"
SNAPSHOT_DIRS = ("src", "models", "scenarios")
RESULT_TAG = "BENCH-RESULT "
# benchmarks/generate.py: Python puts a script's own folder first on the module path
import generate  # noqa: E402


@dataclass
class Instance:
    name: str
    path: str
    option: str | None
    gap: float
    kind: str                           # reference | generated
    seeds: list[int] = field(default_factory=lambda: [0])
    certify_parts: int = 0              # >1: also certify feasibility by decomposition


@dataclass
class Job:
    kind: str                           # pkplanner | raw | certify
    instance: str
    path: str                           # scenario YAML (pkplanner) or MPS file (raw)
    option: str | None
    time_limit: float
    gap: float
    seed: int = 0
    warm_start: str = "default"        # pkplanner: "default" or "flipped" from the default
    export_mps: str | None = None
    parts: int = 0                      # certify: number of parts
    racers: int = 1                     # pkplanner: HiGHS seeds raced (the app runs 2)

    @property
    def label(self) -> str:
        if self.kind == "certify":
            return f"{self.instance} feasibility certificate ({self.parts} parts)"
        if self.kind == "raw":
            return f"{self.instance} raw highspy seed {self.seed}"
        ws = "default settings" if self.warm_start == "default" else "warm start flipped"
        if self.racers > 1:
            ws += f", {self.racers} racers"
        return f"{self.instance} pkplanner {ws}, seed {self.seed}"


# ============================================================================ workers
# Run in a fresh interpreter (`run.py --worker JOB_JSON`); print one RESULT line.


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # KiB on Linux


def _finite(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def work_pkplanner(job: Job) -> dict[str, Any]:
    t_begin = time.perf_counter()
    import pyomo.environ  # noqa: F401

    import pkplanner.engine.highs as hs
    import pkplanner.engine.solve as ps
    from pkplanner.scenario.resolve import load_resolved
    t_imported = time.perf_counter()

    rs = load_resolved(job.path, job.option)
    t_loaded = time.perf_counter()

    plans: list[tuple[float, float, float]] = []    # (wall clock, HiGHS's clock, objective)

    def improved(running_time: float, objective: float) -> None:
        plans.append((time.perf_counter(), running_time, objective))

    moves: list[tuple[float, float | None, float | None]] = []   # (wall, incumbent, bound)

    def moved(incumbent: float | None, bound: float | None) -> None:
        moves.append((time.perf_counter(), incumbent, bound))

    default_warm = hs.SolverSettings().warm_start
    warm = default_warm if job.warm_start == "default" else not default_warm
    settings = hs.SolverSettings(time_limit=job.time_limit, gap=job.gap, threads=1,
                                 seed=job.seed, warm_start=warm, racers=job.racers,
                                 on_plan=improved, on_progress=moved)
    start_budget = hs.start_budget(job.time_limit) if warm else None
    t_solve = time.perf_counter()
    out = ps.solve(rs, "cost", settings)
    t_solved = time.perf_counter()
    rss = _rss_mb()

    stages = out.timings
    firsts = [t for t, _rt, _obj in plans]
    if out.start_objective is not None:     # the start is a plan from the moment it is built
        firsts.append(t_solve + stages.build + stages.handover + stages.start)
    first = min(firsts) - t_solve if firsts else None
    res: dict[str, Any] = {
        "import_s": t_imported - t_begin,
        "load_s": t_loaded - t_imported,
        "build_s": stages.build,
        "handover_s": stages.handover,
        "start_s": stages.start if warm else None,
        "start_objective": out.start_objective,
        "start_budget_s": start_budget,
        "warm_start": warm,
        "warm_start_default": default_warm,
        "solve_call_s": out.solver_seconds,
        "highs_s": stages.solve,
        "readback_s": stages.readback,
        "solve_wall_s": t_solved - t_solve,
        "total_s": t_solved - t_imported,          # load + solve(): input to plan
        "status": out.status,
        "objective": out.objective_value,
        "gap": out.gap,
        "bound": _finite(out.bound),
        "nodes": out.nodes,
        "first_feasible_s": first,
        "first_feasible_highs_s": plans[0][1] if plans else None,
        "improvements": len(plans),
        # (seconds from the scenario file, incumbent, bound) as they moved: the anytime table
        "trajectory": [(t - t_imported, i, b) for t, i, b in moves],
        "peak_rss_mb": rss,
        "zones": len(rs.scenario.zones), "contributors": len(rs.scenario.contributors),
        "unit_types": len(rs.scenario.unit_types), "option": rs.option.id,
        "pkplanner_file": str(Path(ps.__file__).resolve()),
    }
    if job.export_mps:
        res.update(size_and_export(rs, Path(job.export_mps)))
    return res


def size_and_export(rs: Any, mps: Path) -> dict[str, Any]:
    """The size of the model pkplanner hands to HiGHS, and its MPS file as `pkplanner
    export` writes it. The model is built again (the same scenario gives the same model),
    after the measured solve, so neither the timings nor the peak memory include this."""
    import pkplanner.engine.highs as hs
    import pkplanner.engine.solve as ps

    _d, model, _s = ps.build(rs, "cost")
    lp = hs.PersistentHighs(model, hs.SolverSettings()).highs.getLp()
    res: dict[str, Any] = {
        "rows": int(lp.num_row_), "cols": int(lp.num_col_),
        "int_cols": sum(1 for t in lp.integrality_ if int(t) != 0),
        "nonzeros": len(lp.a_matrix_.value_),
    }
    t0 = time.perf_counter()
    mps.parent.mkdir(parents=True, exist_ok=True)
    tmp = mps.with_name(f".{mps.name}.tmp.mps")
    model.write(str(tmp), format="mps", io_options={"symbolic_solver_labels": True})
    tmp.replace(mps)
    res["export_s"] = time.perf_counter() - t0
    res["mps_mb"] = mps.stat().st_size / 1e6
    return res


def work_raw(job: Job) -> dict[str, Any]:
    import highspy
    h = highspy.Highs()
    # the MIP log is on (to no console) so its callback reports the bound, as pkplanner's is
    h.setOptionValue("output_flag", True)
    h.setOptionValue("log_to_console", False)
    t0 = time.perf_counter()
    status = h.readModel(job.path)
    t_read = time.perf_counter()
    if status == highspy.HighsStatus.kError:
        raise RuntimeError(f"highspy could not read {job.path}")
    lp = h.getLp()
    h.setOptionValue("time_limit", float(job.time_limit))
    h.setOptionValue("mip_rel_gap", float(job.gap))
    h.setOptionValue("random_seed", int(job.seed))
    h.setOptionValue("threads", 1)
    events: list[tuple[float, float, float]] = []

    def improved(e: Any) -> None:
        events.append((time.perf_counter(), float(e.data_out.running_time),
                       float(e.data_out.objective_function_value)))

    h.cbMipImprovingSolution.subscribe(improved)
    moves: list[tuple[float, float | None, float | None]] = []

    def logged(e: Any) -> None:
        p, d = float(e.data_out.mip_primal_bound), float(e.data_out.mip_dual_bound)
        moves.append((time.perf_counter(), p if math.isfinite(p) else None,
                      d if math.isfinite(d) else None))

    h.cbMipLogging.subscribe(logged)
    t_run = time.perf_counter()
    h.run()
    t_done = time.perf_counter()
    info = h.getInfo()
    model_status = h.getModelStatus()
    has_sol = info.primal_solution_status == 2
    if model_status == highspy.HighsModelStatus.kOptimal:
        st = "optimal"
    elif model_status == highspy.HighsModelStatus.kInfeasible:
        st = "infeasible"
    else:
        st = "feasible" if has_sol else "no_solution"
    return {
        "read_s": t_read - t0,
        "run_s": t_done - t_run,
        "highs_s": float(h.getRunTime()),
        "total_s": t_done - t0,
        "status": st,
        "model_status": h.modelStatusToString(model_status),
        "objective": _finite(info.objective_function_value) if has_sol else None,
        "gap": _finite(info.mip_gap) if has_sol else None,
        "bound": _finite(info.mip_dual_bound),
        "nodes": int(info.mip_node_count),
        "first_feasible_s": events[0][0] - t_run if events else None,
        "improvements": len(events),
        "trajectory": sorted([(t - t0, obj, None) for t, _rt, obj in events]
                             + [(t - t0, p, d) for t, p, d in moves]),
        "peak_rss_mb": _rss_mb(),
        "rows": int(lp.num_row_), "cols": int(lp.num_col_),
        "int_cols": sum(1 for t in lp.integrality_ if int(t) != 0),
        "nonzeros": len(lp.a_matrix_.value_),
    }


def work_certify(job: Job) -> dict[str, Any]:
    import yaml

    import feasibility
    doc = yaml.safe_load(Path(job.path).read_text(encoding="utf-8"))
    res = feasibility.certify(doc, job.parts, job.time_limit, lambda _msg: None)
    res["peak_rss_mb"] = _rss_mb()
    return res


def worker_main(payload: str) -> int:
    job = Job(**json.loads(payload))
    work = {"pkplanner": work_pkplanner, "raw": work_raw, "certify": work_certify}[job.kind]
    res = work(job)
    print(RESULT_TAG + json.dumps(res), flush=True)
    return 0


# ============================================================================ parent


def snapshot(code: str) -> dict[str, str]:
    """Copy src/, models/ and scenarios/ to out/snapshot, so every run of this benchmark
    uses the same code and data even while others edit the tree. `code` is "worktree"
    (the files as they are now) or "head" (the last commit). Returns a description."""
    if SNAPSHOT.exists():
        shutil.rmtree(SNAPSHOT)
    SNAPSHOT.mkdir(parents=True)
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip() or "?"
    if code == "head":
        with tempfile.TemporaryFile() as tmp:
            subprocess.run([*git, "archive", "--format=tar", "HEAD", *SNAPSHOT_DIRS],
                           stdout=tmp, check=True)
            tmp.seek(0)
            with tarfile.open(fileobj=tmp) as tar:
                tar.extractall(SNAPSHOT, filter="data")
        return {"code": f"git HEAD {head}", "head": head}
    for d in SNAPSHOT_DIRS:
        shutil.copytree(ROOT / d, SNAPSHOT / d,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dirty = subprocess.run([*git, "status", "--porcelain", "--", *SNAPSHOT_DIRS],
                           capture_output=True, text=True).stdout.split("\n")
    changed = sorted(line[3:] for line in dirty if line.strip())
    desc = f"working tree at {head}"
    if changed:
        desc += " with uncommitted changes in " + ", ".join(changed)
    return {"code": desc, "head": head}


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(SNAPSHOT / "src")] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.pop("PKPLANNER_MODELS", None)        # the snapshot's models/ (next to its src/)
    return env


def smoke_test() -> str | None:
    """Load and build the first reference scenario with the snapshot; an error or None."""
    code = ("from pkplanner.scenario.resolve import load_resolved\n"
            "from pkplanner.engine.solve import build\n"
            f"build(load_resolved({str(SNAPSHOT / 'scenarios/karabakh_2020.yaml')!r}, 'C'),"
            " 'cost')\n")
    proc = subprocess.run([sys.executable, "-c", code], env=worker_env(), cwd=OUT,
                          capture_output=True, text=True)
    if proc.returncode == 0:
        return None
    return " | ".join(proc.stderr.strip().splitlines()[-3:])


def run_job(job: Job, timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(asdict(job))]
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              cwd=OUT, env=worker_env())
    except subprocess.TimeoutExpired:
        return {"error": f"killed after {timeout:.0f} s (benchmark timeout)",
                "wall_s": time.perf_counter() - t0, "load_before": load}
    wall = time.perf_counter() - t0
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_TAG):
            res: dict[str, Any] = json.loads(line[len(RESULT_TAG):])
            res["wall_s"] = wall
            res["load_before"] = load
            res["load_after"] = os.getloadavg()[0]
            return res
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"error": f"exit {proc.returncode}: " + " | ".join(tail), "wall_s": wall,
            "load_before": load}


# The hard class (generate.py --profile hard; issue 14): generator seeds at 12x56, one
# instance at the larger sizes
HARD = [(12, 56, 1), (12, 56, 2), (12, 56, 3), (50, 112, 1), (200, 224, 1)]
CLASSES = ("reference", "base", "hard")


def instances(quick: bool, seed: int, classes: tuple[str, ...] = CLASSES) -> list[Instance]:
    out = [
        Instance("karabakh_2020 (C)", str(SNAPSHOT / "scenarios/karabakh_2020.yaml"), "C",
                 1e-3, "reference", [0, 1]),
        Instance("karabakh_kcg_2014 (C)", str(SNAPSHOT / "scenarios/karabakh_kcg_2014.yaml"),
                 "C", 1e-3, "reference", [0, 1]),
        Instance("karabakh_kcg_2014_phased (C, 3 phases)",
                 str(SNAPSHOT / "scenarios/karabakh_kcg_2014_phased.yaml"), "C", 1e-3,
                 "reference", [0, 1]),
    ]
    if "reference" not in classes:
        out = []
    sizes = [(12, 56)] if quick else [(12, 56), (50, 112), (200, 224)]
    for z, c in sizes if "base" in classes else []:
        doc = generate.generate(z, c, seed)
        path = generate.write(doc, OUT / f"{doc['name']}.yaml")
        out.append(Instance(f"gen {z}x{c}", str(path), None, 1e-2, "generated",
                            [0, 1, 2] if (z, c) == (12, 56) else [0],
                            certify_parts=z // 25))
    hard = HARD[:1] if quick else HARD
    for z, c, s in hard if "hard" in classes else []:
        doc = generate.generate(z, c, s, profile="hard")
        path = generate.write(doc, OUT / f"{doc['name']}.yaml")
        out.append(Instance(f"hard {z}x{c} s{s}", str(path), None, 1e-2, "hard", [0]))
    return out


def jobs_for(inst: Instance, time_limit: float) -> list[Job]:
    slug = "".join(ch if ch.isalnum() else "_" for ch in inst.name).strip("_")
    jobs = []
    for seed in inst.seeds:
        mps = str(OUT / f"{slug}.mps")
        if seed == inst.seeds[0]:
            jobs.append(Job("pkplanner", inst.name, inst.path, inst.option, time_limit,
                            inst.gap, seed, "default", mps))
            jobs.append(Job("raw", inst.name, mps, None, time_limit, inst.gap, seed))
            if inst.kind != "hard":     # the hard class: the anytime table instead
                jobs.append(Job("pkplanner", inst.name, inst.path, inst.option, time_limit,
                                inst.gap, seed, "flipped"))
        else:
            jobs.append(Job("pkplanner", inst.name, inst.path, inst.option, time_limit,
                            inst.gap, seed, "default"))
            jobs.append(Job("raw", inst.name, mps, None, time_limit, inst.gap, seed))
    if inst.kind == "reference":
        jobs.append(Job("pkplanner", inst.name, inst.path, inst.option, time_limit,
                        inst.gap, 0, "default", racers=2))
    if inst.kind == "generated" and inst.certify_parts > 1:
        jobs.append(Job("certify", inst.name, inst.path, None, time_limit, inst.gap,
                        parts=inst.certify_parts))
    return jobs


def summary(job: Job, r: dict[str, Any]) -> str:
    if "error" in r:
        return f"FAILED: {r['error']}"
    if job.kind == "certify":
        verdict = "feasible" if r["certified"] else (
            f"inconclusive ({r['parts'] - r['parts_feasible']} parts without a plan)")
        return f"{r['total_s']:.1f} s, {verdict}"
    parts = [f"{r.get('total_s', 0):.1f} s", r.get("status", "?")]
    if r.get("gap") is not None:
        parts.append(f"gap {100 * r['gap']:.2f}%")
    if r.get("objective") is not None:
        parts.append(f"obj {r['objective']:,.0f}")
    if r.get("first_feasible_s") is not None:
        parts.append(f"first feasible {r['first_feasible_s']:.1f} s")
    parts.append(f"{r.get('peak_rss_mb', 0):.0f} MB")
    return ", ".join(parts)


# ============================================================================ report


def machine() -> dict[str, str]:
    info: dict[str, str] = {}
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next((ln.split(":", 1)[1].strip() for ln in cpu.splitlines()
                            if ln.startswith("model name")), platform.processor() or "?")
    except OSError:
        info["cpu"] = platform.processor() or "?"
    info["cores"] = str(os.cpu_count())
    try:
        mem = Path("/proc/meminfo").read_text().split("\n")[0].split()
        info["memory"] = f"{int(mem[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, IndexError, ValueError):
        info["memory"] = "?"
    info["os"] = platform.platform()
    info["python"] = platform.python_version()
    try:
        import highspy
        import pyomo.version

        import pkplanner
        info["pyomo"] = pyomo.version.version
        info["highspy"] = (f"{highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}."
                           f"{highspy.HIGHS_VERSION_PATCH}")
        info["pkplanner"] = pkplanner.__version__
    except ImportError as e:
        info["versions"] = f"import failed: {e}"
    info["date"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return info


def f_s(x: Any, nd: int = 2) -> str:
    return "—" if x is None else f"{x:.{nd}f}"


def f_pct(x: Any) -> str:
    return "—" if x is None else f"{100 * x:.2f}%"


def f_int(x: Any) -> str:
    return "—" if x is None else f"{int(x):,}"


def f_obj(x: Any) -> str:
    return "—" if x is None else f"{x:,.0f}"


def table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def ok(r: dict[str, Any]) -> bool:
    return bool(r) and "error" not in r


def find(results: list[tuple[Job, dict[str, Any]]], inst: str, kind: str, seed: int = 0,
         variant: str = "default", racers: int = 1) -> dict[str, Any]:
    """The result of one run ({} when it was not run)."""
    for job, r in results:
        if job.instance == inst and job.kind == kind and job.seed == seed and \
                (kind != "pkplanner" or (job.warm_start == variant and job.racers == racers)):
            return r
    return {}


def find_warm(results: list[tuple[Job, dict[str, Any]]], inst: str, warm: bool
              ) -> dict[str, Any]:
    """The seed-0 pkplanner run with the warm start on (warm=True) or off."""
    for variant in ("default", "flipped"):
        r = find(results, inst, "pkplanner", variant=variant)
        if r.get("warm_start") == warm:
            return r
    fallback = find(results, inst, "pkplanner", variant="flipped" if warm else "default")
    return fallback if "error" in fallback else {}


def racers_table(insts: list[Instance], results: list[tuple[Job, dict[str, Any]]]
                 ) -> list[str]:
    """Two HiGHS seeds raced on the two cores (as the app solves) against one seed."""
    rows = []
    for inst in insts:
        for seed in (0,):
            two = find(results, inst.name, "pkplanner", seed=seed, racers=2)
            if not two:
                continue
            one = [find(results, inst.name, "pkplanner", seed=s) for s in (seed, seed + 1)]
            solo = [f_s(r["total_s"], 1) if ok(r) else "—" for r in one]
            if not ok(two):
                rows.append([inst.name, f"{seed}, {seed + 1}", "FAILED", "—", "—", "—", *solo])
                continue
            rows.append([inst.name, f"{seed}, {seed + 1}", f_s(two["total_s"], 1),
                         two["status"], f_pct(two.get("gap")), f_obj(two.get("objective")),
                         *solo])
    if not rows:
        return []
    out = ["## Two racers (seeds s and s+1, one core each, first to finish wins; "
           "`--racers 2`)", ""]
    out += table(["instance", "seeds", "total s", "status", "gap", "objective",
                  "one racer, seed s: total s", "one racer, seed s+1: total s"], rows)
    return [*out, ""]


def default_warm(results: list[tuple[Job, dict[str, Any]]]) -> str:
    seen = {r["warm_start_default"] for _j, r in results if "warm_start_default" in r}
    return {frozenset([True]): "on", frozenset([False]): "off"}.get(frozenset(seen), "?")


def feasible_text(inst: Instance, results: list[tuple[Job, dict[str, Any]]]) -> str:
    """Is a plan known to exist? From any run's plan, else the decomposition certificate."""
    runs = [r for j, r in results if j.instance == inst.name and j.kind != "certify"]
    if any(ok(r) and r.get("objective") is not None for r in runs):
        return "yes: a run below found a plan"
    if any(ok(r) and r.get("status") == "infeasible" for r in runs):
        return "no: proven infeasible"
    cert = next((r for j, r in results if j.instance == inst.name and j.kind == "certify"),
                {})
    if not ok(cert):
        return "unknown" + (f" (certificate failed: {cert['error']})" if cert else "")
    if cert["certified"]:
        return (f"yes: certified by {cert['parts']} parts in {cert['total_s']:.0f} s "
                f"(plan of cost {f_obj(cert['upper_bound'])})")
    return (f"unknown: {cert['parts'] - cert['parts_feasible']} of {cert['parts']} parts "
            "without a plan")


def start_note(r: dict[str, Any]) -> str:
    """What the warm start did, in words: over its budget? how good was its plan?"""
    notes = []
    spent, budget = r.get("start_s"), r.get("start_budget_s")
    if spent is not None and budget is not None and spent > 1.2 * budget + 0.5:
        notes.append(f"warm start took {spent:.1f} s (budget {budget:.1f} s)")
    if spent is not None and r.get("start_objective") is None:
        notes.append("warm start found no plan")
    start, final = r.get("start_objective"), r.get("objective")
    if start is not None and final:
        notes.append(f"start plan {100 * (start - final) / abs(final):+.1f}% vs final")
    return "; ".join(notes)


def other_s(r: dict[str, Any]) -> float | None:
    """pkplanner time in no stage of its own: load, build, hand-over, warm start, HiGHS
    and read-back excepted (results saved before read-back was a stage count it here)."""
    keys = ("load_s", "build_s", "handover_s", "highs_s", "total_s")
    if any(r.get(k) is None for k in keys):
        return None
    used = sum(float(r[k]) for k in keys[:-1]) + float(r.get("start_s") or 0.0) \
        + float(r.get("readback_s") or 0.0)
    return float(r["total_s"]) - used


def reached(trajectory: list[Any], test: Any) -> float | None:
    """The first time in a trajectory [(s, incumbent, bound)] at which the best incumbent
    and bound so far pass `test(incumbent, bound)`."""
    best: float | None = None
    low: float | None = None
    for t, inc, bound in trajectory:
        if inc is not None and (best is None or inc < best):
            best = inc
        if bound is not None and (low is None or bound > low):
            low = bound
        if test(best, low):
            return float(t)
    return None


def anytime(r: dict[str, Any], best_known: float | None) -> list[float | None]:
    """Seconds from the scenario (or MPS) file to the first plan, to a plan within 1% of
    the best known, and to a proven gap of 1%."""
    if not ok(r):
        return [None, None, None]
    tr = [tuple(x) for x in r.get("trajectory") or []]
    first = reached(tr, lambda b, _l: b is not None)
    near = None if best_known is None else reached(
        tr, lambda b, _l: b is not None and b <= best_known * 1.01 + 1e-6)
    proven = reached(tr, lambda b, lo: b is not None and lo is not None
                     and (b - lo) <= 0.01 * abs(b) + 1e-6)
    if proven is None and r.get("status") == "optimal" and r.get("gap") is not None \
            and r["gap"] <= 0.01:
        proven = float(r["total_s"])      # proved in the last stretch, after the last log line
    return [first, near, proven]


def anytime_table(insts: list[Instance], results: list[tuple[Job, dict[str, Any]]]
                  ) -> list[str]:
    """Per instance: time to the first plan, to within 1% of the best plan any run found,
    and to a proven 1% gap, pkplanner against raw HiGHS on the same MILP, with ratios."""
    rows = []
    for inst in insts:
        r = find(results, inst.name, "pkplanner")
        raw = find(results, inst.name, "raw")
        objs = [x["objective"] for j, x in results if j.instance == inst.name
                and j.kind != "certify" and ok(x) and x.get("objective") is not None]
        best = min(objs) if objs else None
        a, b = anytime(r, best), anytime(raw, best)
        ratios = [f"{x / y:.2f}" if x is not None and y else
                  ("only pkplanner" if x is not None else
                   ("only HiGHS" if y is not None else "—")) for x, y in zip(a, b, strict=True)]
        rows.append([inst.name, f_obj(best), *[f_s(x, 1) for x in a],
                     *[f_s(x, 1) for x in b], *ratios,
                     f_s(r.get("peak_rss_mb"), 0), f_s(raw.get("peak_rss_mb"), 0)])
    if not rows:
        return []
    out = ["## Anytime: first plan, within 1% of the best known, proven 1% (seed 0)", "",
           "Seconds from the scenario file (pkplanner: load included) or the MPS file (raw "
           "HiGHS: read included) to the first plan, to a plan within 1% of the best "
           "plan any run of the instance found, and to a proven gap of at most 1% (from "
           "the incumbent and bound as they moved: `SolverSettings.on_progress`, and HiGHS's "
           "MIP log callback for raw HiGHS). \"—\": not within the time limit. Ratios: "
           "pkplanner over raw HiGHS (below 1: pkplanner sooner).", ""]
    out += table(["instance", "best known", "pk: first plan s", "pk: within 1% s",
                  "pk: proven 1% s", "raw: first plan s", "raw: within 1% s",
                  "raw: proven 1% s", "ratio first", "ratio within 1%", "ratio proven 1%",
                  "pk peak RSS MB", "raw peak RSS MB"], rows)
    return [*out, ""]


def where_time_goes(insts: list[Instance], results: list[tuple[Job, dict[str, Any]]]
                    ) -> list[str]:
    lines: list[str] = []
    shares: dict[str, list[tuple[str, float]]] = {"model": [], "highs": [], "start": []}
    ratios: list[float] = []
    for inst in insts:
        r = find(results, inst.name, "pkplanner")
        raw = find(results, inst.name, "raw")
        if not ok(r):
            lines.append(f"- **{inst.name}**: the pkplanner run failed "
                         f"({r.get('error', 'no result')}).")
            continue
        total = r["total_s"]
        model = r["load_s"] + r["build_s"] + (r["handover_s"] or 0.0)
        start = r.get("start_s")
        highs = r.get("highs_s") or 0.0
        back = r.get("readback_s")
        rest = other_s(r) or 0.0
        shares["model"].append((inst.name, model / total))
        shares["highs"].append((inst.name, highs / total))
        if start is not None:
            shares["start"].append((inst.name, start / total))
        warm = ("" if start is None else
                f"warm start {start:.2f} s ({100 * start / total:.0f}%); ")
        s = (f"- **{inst.name}** ({f_int(r['cols'])} columns): of {total:.1f} s, "
             f"load {r['load_s']:.2f} s + build {r['build_s']:.2f} s + hand-over "
             f"{r['handover_s']:.2f} s = {model:.2f} s ({100 * model / total:.0f}%) before "
             f"HiGHS sees the model; {warm}"
             f"HiGHS {highs:.2f} s ({100 * highs / total:.0f}%); "
             + ("" if back is None else
                f"reading the plan back {back:.2f} s ({100 * back / total:.0f}%); ")
             + f"the rest {rest:.2f} s ({100 * rest / total:.0f}%).")
        if ok(raw):
            ratios.append(total / raw["total_s"])
            s += (f" Raw highspy read the MPS file in {raw['read_s']:.2f} s (pkplanner's "
                  f"load + build + hand-over took {model / max(raw['read_s'], 1e-9):.0f}x "
                  f"that) and ran {raw['highs_s']:.2f} s; pkplanner/raw total = "
                  f"{total / raw['total_s']:.2f}.")
        lines.append(s)
    if shares["highs"]:
        hi = max(shares["highs"], key=lambda t: t[1])
        lo = min(shares["highs"], key=lambda t: t[1])
        mo = max(shares["model"], key=lambda t: t[1])
        text = (f"With pkplanner's default settings, HiGHS itself takes between "
                f"{100 * lo[1]:.0f}% ({lo[0]}) and {100 * hi[1]:.0f}% ({hi[0]}) of "
                f"pkplanner's time from scenario file to plan. Modelling (load + Pyomo build "
                f"+ hand-over) is largest on {mo[0]} at {100 * mo[1]:.0f}% of its total")
        if shares["start"]:
            st = max(shares["start"], key=lambda t: t[1])
            text += (f"; the units-first warm start is largest on {st[0]} at "
                     f"{100 * st[1]:.0f}%")
        text += "."
        if ratios:
            text += (f" pkplanner's total over raw highspy's (same MILP, same limits) ranges "
                     f"from {min(ratios):.2f} to {max(ratios):.2f}.")
        lines.insert(0, text + " Per instance:")
        lines.insert(1, "")
    return lines


def warm_cold_lines(insts: list[Instance], results: list[tuple[Job, dict[str, Any]]]
                    ) -> list[str]:
    out: list[str] = []
    for inst in insts:
        on = find_warm(results, inst.name, True)
        off = find_warm(results, inst.name, False)
        if not (ok(on) and ok(off)):
            continue
        a, b = on.get("first_feasible_s"), off.get("first_feasible_s")
        ga, gb = on.get("gap"), off.get("gap")
        if a is not None and b is not None:
            faster = "earlier" if a < b else "later"
            msg = (f"{inst.name}: with the warm start the first plan came {faster} "
                   f"({a:.1f} s vs {b:.1f} s)")
        elif a is not None:
            msg = f"{inst.name}: only the warm-started run found a plan ({a:.1f} s)"
        elif b is not None:
            msg = f"{inst.name}: only the cold run found a plan ({b:.1f} s)"
        else:
            msg = f"{inst.name}: neither run found a plan"
        if ga is not None and gb is not None:
            msg += f"; final gap {100 * ga:.2f}% warm vs {100 * gb:.2f}% cold"
        msg += f"; total {on['total_s']:.1f} s warm vs {off['total_s']:.1f} s cold."
        out.append("- " + msg)
    return out


def report(insts: list[Instance], results: list[tuple[Job, dict[str, Any]]],
           args: argparse.Namespace, elapsed: float) -> str:
    m = machine()
    L: list[str] = []
    L.append("# pkplanner benchmark results")
    L.append("")
    L.append(f"Written by `benchmarks/run.py{' --quick' if args.quick else ''}` on {m['date']}; "
             f"the whole run took {elapsed / 60:.1f} min. Do not edit by hand: re-run "
             "`make bench`. Columns are explained in benchmarks/README.md.")
    L.append("")
    L.append("## Machine")
    L.append("")
    for k in ("cpu", "cores", "memory", "os", "python", "pyomo", "highspy", "pkplanner",
              "versions"):
        if k in m:
            L.append(f"- {k}: {m[k]}")
    L.append(f"- code measured: {getattr(args, 'code_description', '?')}")
    L.append(f"- time limit per solve: {args.time_limit:g} s; HiGHS threads 1; "
             "each measurement in its own process, one at a time")
    loads = [r[k] for _j, r in results for k in ("load_before", "load_after") if k in r]
    if loads:
        busy = max(loads) > 1.5
        L.append(f"- 1-minute load average around the runs: {min(loads):.2f} to "
                 f"{max(loads):.2f}" + (" (another process was competing for the CPU "
                                        "during part of the run: timings are noisier)"
                                        if busy else ""))
    L.append("")

    L.append("## Instances and model size")
    L.append("")
    rows = []
    for inst in insts:
        r = find(results, inst.name, "pkplanner")
        raw = find(results, inst.name, "raw")
        dims = "—"
        if "cols" in r:
            dims = f"{r['zones']} × {r['contributors']} × {r['unit_types']}"
        same = "—"
        if "cols" in r and "cols" in raw:
            keys = ("rows", "cols", "int_cols", "nonzeros")
            if all(r[k] == raw[k] for k in keys):
                same = "yes"
            elif r["rows"] == raw["rows"] and r["nonzeros"] == raw["nonzeros"]:
                same = f"same rows and nonzeros, {r['cols'] - raw['cols']:,} fewer cols"
            else:
                same = (f"no: {f_int(raw['rows'])} rows, {f_int(raw['cols'])} cols, "
                        f"{f_int(raw['nonzeros'])} nz")
        rows.append([inst.name, dims, str(r.get("option", inst.option or "—")),
                     f"{inst.gap:g}", f_int(r.get("rows")), f_int(r.get("cols")),
                     f_int(r.get("int_cols")), f_int(r.get("nonzeros")),
                     f_s(r.get("mps_mb"), 1), same, feasible_text(inst, results)])
    L += table(["instance", "zones × contributors × unit types", "option", "gap target",
                "rows", "cols", "integer cols", "nonzeros", "MPS MB", "MPS read back same",
                "feasible?"], rows)
    L.append("")

    L.append(f"## pkplanner as shipped (default settings: warm start "
             f"{default_warm(results)}), seed 0")
    L.append("")
    rows = []
    for inst in insts:
        r = find(results, inst.name, "pkplanner")
        if not ok(r):
            rows.append([inst.name] + ["—"] * 14 + [f"FAILED: {r.get('error')}"])
            continue
        rows.append([inst.name, f_s(r["load_s"]), f_s(r["build_s"]), f_s(r["handover_s"]),
                     f_s(r.get("start_s")), f_s(r.get("highs_s")), f_s(r.get("readback_s")),
                     f_s(other_s(r)),
                     f_s(r["total_s"], 1), r["status"], f_pct(r.get("gap")),
                     f_obj(r.get("objective")), f_s(r.get("first_feasible_s"), 1),
                     f_int(r.get("nodes")), f_s(r.get("peak_rss_mb"), 0), start_note(r)])
    L += table(["instance", "load s", "build s", "hand-over s", "warm start s", "HiGHS s",
                "read-back s", "other s", "total s", "status", "gap", "objective",
                "first feasible s", "nodes", "peak RSS MB", "note"], rows)
    L.append("")

    L.append("## Raw highspy on the exported MPS (same limit, gap, seed 0)")
    L.append("")
    rows = []
    for inst in insts:
        r = find(results, inst.name, "pkplanner")
        raw = find(results, inst.name, "raw")
        if not ok(raw):
            rows.append([inst.name] + ["—"] * 9 + [f"FAILED: {raw.get('error')}"])
            continue
        ratio = "—"
        same_obj = "—"
        if ok(r):
            ratio = f"{r['total_s'] / raw['total_s']:.2f}"
            if r.get("objective") is not None and raw.get("objective") is not None:
                same_obj = f_pct((r["objective"] - raw["objective"])
                                 / max(abs(raw["objective"]), 1e-9))
        rows.append([inst.name, f_s(raw["read_s"]), f_s(raw["highs_s"]),
                     f_s(raw["total_s"], 1), raw["status"], f_pct(raw.get("gap")),
                     f_obj(raw.get("objective")), f_s(raw.get("first_feasible_s"), 1),
                     f_s(raw.get("peak_rss_mb"), 0), ratio, same_obj])
    L += table(["instance", "read s", "HiGHS s", "total s", "status", "gap", "objective",
                "first feasible s", "peak RSS MB", "pkplanner/raw time",
                "pkplanner obj vs raw"], rows)
    L.append("")

    L.append("## Warm start (units-first start) on vs off, seed 0")
    L.append("")
    rows = []
    for inst in insts:
        row = [inst.name]
        for warm in (True, False):
            r = find_warm(results, inst.name, warm)
            if not ok(r):
                row += ["FAILED"] + ["—"] * (6 if warm else 4)
                continue
            if warm:
                row += [f_s(r.get("start_s")), f_obj(r.get("start_objective"))]
            row += [f_s(r["total_s"], 1), r["status"], f_pct(r.get("gap")),
                    f_obj(r.get("objective")), f_s(r.get("first_feasible_s"), 1)]
        rows.append(row)
    L += table(["instance", "on: warm start s", "on: start objective", "on: total s",
                "on: status", "on: gap", "on: objective", "on: first feasible s",
                "off: total s", "off: status", "off: gap", "off: objective",
                "off: first feasible s"], rows)
    L.append("")
    L += warm_cold_lines(insts, results)
    L.append("")

    L += racers_table(insts, results)

    seeded = [i for i in insts if len(i.seeds) > 1]
    for inst in seeded:
        L.append(f"## HiGHS random seed on {inst.name} (pkplanner default settings)")
        L.append("")
        rows = []
        for seed in inst.seeds:
            r = find(results, inst.name, "pkplanner", seed=seed)
            raw = find(results, inst.name, "raw", seed=seed)
            row = [str(seed)]
            for x in (r, raw):
                if not ok(x):
                    row += ["FAILED", "—", "—", "—", "—"]
                    continue
                row += [f_s(x["total_s"], 1), x["status"], f_pct(x.get("gap")),
                        f_obj(x.get("objective")), f_s(x.get("first_feasible_s"), 1)]
            rows.append(row)
        L += table(["seed", "pkplanner total s", "status", "gap", "objective",
                    "first feasible s", "raw total s", "raw status", "raw gap",
                    "raw objective", "raw first feasible s"], rows)
        totals = [x["total_s"] for s in inst.seeds
                  for x in [find(results, inst.name, "pkplanner", seed=s)] if ok(x) and x]
        if len(totals) > 1:
            L.append("")
            L.append(f"pkplanner's total time over {len(totals)} seeds ranged from "
                     f"{min(totals):.1f} s to {max(totals):.1f} s "
                     f"({max(totals) / max(min(totals), 1e-9):.1f}x).")
        L.append("")

    L += anytime_table(insts, results)

    L.append("## Where the time goes")
    L.append("")
    L += where_time_goes(insts, results)
    L.append("")
    failures = [(j, r) for j, r in results if "error" in r]
    if failures:
        L.append("## Failures")
        L.append("")
        L += [f"- {j.label}: {r['error']}" for j, r in failures]
        L.append("")
    return "\n".join(L)


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="pkplanner benchmark (see benchmarks/README.md)")
    ap.add_argument("--quick", action="store_true",
                    help="reference scenarios and 12x56 only, 30 s limit")
    ap.add_argument("--time-limit", type=float, default=None,
                    help="seconds per solve (default 60, or 30 with --quick)")
    ap.add_argument("--seed", type=int, default=1, help="generator seed of the instances")
    ap.add_argument("--out", type=Path, default=None,
                    help="report file (default benchmarks/results.md; "
                         "benchmarks/out/results-quick.md with --quick)")
    ap.add_argument("--keep-mps", action="store_true", help="keep the MPS files in out/")
    ap.add_argument("--classes", default=",".join(CLASSES),
                    help="instance classes to run, comma-separated (default: all of "
                         f"{', '.join(CLASSES)})")
    ap.add_argument("--code", choices=("worktree", "head"), default="worktree",
                    help="benchmark the files as they are (default) or the last commit")
    ap.add_argument("--report-only", type=Path, metavar="JSON",
                    help="rewrite the report from a results JSON file, run nothing")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker_main(args.worker)
    if args.time_limit is None:
        args.time_limit = 30.0 if args.quick else 60.0
    out_path = args.out or (OUT / "results-quick.md" if args.quick else HERE / "results.md")
    if args.report_only:
        saved = json.loads(args.report_only.read_text())
        args.quick = saved["args"].get("quick") == "True"
        args.time_limit = float(saved["args"]["time_limit"])
        args.code_description = saved["args"].get("code_description", "?")
        write_atomic(out_path, report([Instance(**i) for i in saved["instances"]],
                                      [(Job(**x["job"]), x["result"]) for x in saved["runs"]],
                                      args, float(saved.get("elapsed_s", 0))))
        print(f"wrote {out_path}")
        return 0

    t0 = time.perf_counter()
    code = snapshot(args.code)
    args.code_description = code["code"]
    print(f"code: {code['code']} (copied to {SNAPSHOT.relative_to(ROOT)})", flush=True)
    problem = smoke_test()
    if problem:
        print(f"error: pkplanner does not load and build karabakh_2020 with this code: "
              f"{problem}", file=sys.stderr)
        return 2
    classes = tuple(c for c in args.classes.split(",") if c)
    unknown = [c for c in classes if c not in CLASSES]
    if unknown:
        print(f"error: --classes: unknown class {unknown[0]!r} ({', '.join(CLASSES)})",
              file=sys.stderr)
        return 2
    insts = instances(args.quick, args.seed, classes)
    jobs = [j for inst in insts for j in jobs_for(inst, args.time_limit)]
    timeout = 4 * args.time_limit + 900
    print(f"pkplanner benchmark: {len(insts)} instances, {len(jobs)} runs, "
          f"time limit {args.time_limit:g} s", flush=True)
    results: list[tuple[Job, dict[str, Any]]] = []
    for n, job in enumerate(jobs, 1):
        print(f"[{n}/{len(jobs)}] {job.label} ...", flush=True)
        if job.kind == "raw" and not Path(job.path).exists():
            r: dict[str, Any] = {"error": "no MPS file (the pkplanner run that exports it "
                                          "failed)"}
        else:
            r = run_job(job, timeout)
        results.append((job, r))
        print(f"    {summary(job, r)}  [{time.perf_counter() - t0:.0f} s elapsed]", flush=True)
    if not args.keep_mps:
        for p in OUT.glob("*.mps"):
            p.unlink()
    elapsed = time.perf_counter() - t0
    write_atomic(OUT / ("results-quick.json" if args.quick else "results.json"), json.dumps(
        {"args": {k: str(v) for k, v in vars(args).items()}, "elapsed_s": elapsed,
         "instances": [asdict(i) for i in insts],
         "runs": [{"job": asdict(j), "result": r} for j, r in results]}, indent=1))
    write_atomic(out_path, report(insts, results, args, elapsed))
    print(f"wrote {out_path} ({elapsed / 60:.1f} min)", flush=True)
    return 1 if any("error" in r for _, r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
