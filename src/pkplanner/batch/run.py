"""Batch solves (docs/batch-spec.md): grids, Pareto fronts and Monte Carlo samples.

`run_batch(spec, out_dir, workers, scheduler)` plans every run of a spec, skips the
runs already in DIR/results.duckdb, solves the rest on local worker processes
(`concurrent.futures.ProcessPoolExecutor`) or on a running Dask cluster
(`distributed.Client(address)`), stores each result as it arrives, then writes
DIR/parquet/<table>.parquet and DIR/batch_report.html.

A run is identified by its `run_key`: sha256 of the resolved scenario document
(canonical JSON: base scenario merged, doctrine defaults filled, planning option
applied), the option, the objective, the overrides and the sample number. So
re-running the same command skips what is stored, and an interrupted batch resumes.

Work units: runs of one scenario, option and objective go to a worker in chunks; the
worker loads each run with its overrides and re-solves the model it built for the
previous run when the two differ only in numbers (`solve.Reusable`: caps, floors,
scores, capacities, threat levels, budget and rates are mutable parameters), and
rebuilds otherwise; `solve_mode` in the runs table says which. The points of an
acceptability-floor Pareto front are solved on one persistent model per chunk of
points: the floors `m.theta[p]` are mutable parameters.
A run that raises, or runs past its time budget, is stored with status `error`
and its message; the batch goes on.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import multiprocessing
import os
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from pkplanner.batch.plan import (
    FEASIBLE,
    Plan,
    Run,
    compact_json,
    expand_front,
    make_plan,
    problem_text,
    set_args,
)
from pkplanner.batch.spec import BatchSpec, load_spec
from pkplanner.errors import InputError
from pkplanner.scenario.resolve import load, resolve
from pkplanner.solution import metrics

if TYPE_CHECKING:
    from pkplanner.batch.store import Store

STATUSES = ("optimal", "feasible", "infeasible", "no_solution", "error")
CHUNK_MIN = 4               # fewest Pareto points worth one persistent model of their own
CHUNK_MAX = 25              # most grid or Monte Carlo runs handed to a worker at once
MAX_ATTEMPTS = 2            # a task in flight when a worker process dies is retried once


class BatchAborted(Exception):
    """The batch stopped before every run had a result (stored runs are kept: re-run)."""


# --------------------------------------------------------------------------- worker side


@dataclass(frozen=True)
class Task:
    """What one worker call does: a chunk of runs of one scenario and option (re-solved
    on one model while only numbers change), or a chunk of Pareto points."""

    tid: int
    runs: tuple[Run, ...]
    persistent: bool
    time_limit: float | None
    gap: float
    timeout: float | None           # per run; enforced in the worker when it can be
    verify: bool = True             # check each plan with the independent verifier

    @property
    def budget(self) -> float | None:
        """Wall-clock seconds after which the coordinator gives up on the whole task."""
        if self.timeout is None:
            return None
        return 2 * self.timeout * len(self.runs) + 60


class RunTimeout(BaseException):
    """Raised in a worker when a run passes its time budget (BaseException: not swallowed)."""


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """SIGALRM after `seconds` when running in a process's main thread (local workers).

    Dask runs tasks in worker threads, where signals cannot reach: there the solver's
    own deadline (`SolverSettings.deadline`, HiGHS's time limit) ends the run, and the
    coordinator's backstop (`Task.budget`) catches anything else.
    """
    if (not seconds or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return

    def ring(_sig: int, _frame: FrameType | None) -> None:
        raise RunTimeout(f"timed out after {seconds:g} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def execute(task: Task) -> list[dict[str, Any]]:
    """Worker entry point: the results of every run of the task, errors included."""
    if task.persistent:
        return _solve_front(task)
    from pkplanner.engine.solve import Reusable
    reuse = Reusable(_settings(task))        # runs differing only in numbers: re-solve
    return [_solve_one(run, task, reuse) for run in task.runs]


def _settings(task: Task) -> Any:
    from pkplanner.engine import highs as hs
    return hs.SolverSettings(time_limit=task.time_limit, gap=task.gap)


def _arm(settings: Any, task: Task) -> None:
    """Start the run's time budget: HiGHS stops at it (threads too), SIGALRM backs it up."""
    settings.deadline = time.monotonic() + task.timeout if task.timeout else None


def _solve_one(run: Run, task: Task, reuse: Any) -> dict[str, Any]:
    if run.error is not None:
        return error_result(run, run.error, 0.0)
    from pkplanner.engine.highs import DeadlinePassed
    from pkplanner.pipeline import solve_checked
    t0 = time.perf_counter()
    _arm(reuse.settings, task)
    try:
        with deadline(task.timeout):
            rs = resolve(load(run.file, set_args(run.overrides)), run.option)
            done = solve_checked(rs, run.objective, reuse.settings, reuse=reuse,
                                 explain=False, check=task.verify)
            if done.outcome.error:
                return error_result(run, done.outcome.error, time.perf_counter() - t0)
            if done.verdict:
                return error_result(run, checked_text(done.verdict), time.perf_counter() - t0)
    except InputError as e:
        return error_result(run, problem_text(e), time.perf_counter() - t0)
    except (RunTimeout, DeadlinePassed) as e:
        reuse.forget()
        return error_result(run, timeout_text(task, e), time.perf_counter() - t0)
    except Exception as e:
        reuse.forget()
        return error_result(run, f"{e.__class__.__name__}: {e}", time.perf_counter() - t0)
    return result_of(run, done.doc, time.perf_counter() - t0, done.mode,
                     verified=done.verified if task.verify else None)


def timeout_text(task: Task, e: BaseException) -> str:
    return str(e) if isinstance(e, RunTimeout) else f"timed out after {task.timeout:g} s"


def checked_text(verdict: list[str]) -> str:
    """A run whose plan the verifier rejects is stored as an error, never as a result."""
    more = f" (and {len(verdict) - 3} more)" if len(verdict) > 3 else ""
    return "verifier: " + "; ".join(verdict[:3]) + more



def _solve_front(task: Task) -> list[dict[str, Any]]:
    """Pareto points of one front on one persistent model: set the floors, re-solve."""
    from pkplanner.engine import highs as hs
    from pkplanner.engine.solve import Outcome, build, document, read_plan, untie
    from pkplanner.verify.check import verify
    first = task.runs[0]
    out = []
    state: tuple[Any, ...] | None = None
    settings = _settings(task)
    for run in task.runs:
        t0 = time.perf_counter()
        _arm(settings, task)
        try:
            with deadline(task.timeout):
                if state is None:
                    rs = resolve(load(first.file, set_args(first.grid)), first.option)
                    d, m, _ = build(rs, "cost", common_floor=True)
                    state = (rs, d, m, hs.PersistentHighs(m, settings))
                rs, d, m, solver = state
                for p in d.parties:
                    m.theta[p] = run.overrides[f"rules.acceptability_floor.{p}"]
                # the last point's plan as a start; its cost without the tie-break term
                stats = untie(m, d, solver.run(previous=True))
                plan = read_plan(m, d) if stats.status in FEASIBLE else None
                # the point as a scenario of its own: its floors are its rules
                point = resolve(load(run.file, set_args(run.overrides)), run.option)
                seconds = time.perf_counter() - t0
                doc = document(point, Outcome(stats.status, plan, d, "cost", stats.objective,
                                              stats.gap, seconds, 0.0, stats.seconds,
                                              seed=stats.seed, bound=stats.bound),
                               explain=False)
                verdict = [str(v) for v in verify(point, doc)] if task.verify else None
            if verdict:
                out.append(error_result(run, checked_text(verdict), time.perf_counter() - t0))
                continue
        except InputError as e:
            out.append(error_result(run, problem_text(e), time.perf_counter() - t0))
            continue
        except (RunTimeout, Exception) as e:
            state = None                # the model may be half-updated: rebuild for the next
            msg = timeout_text(task, e) if isinstance(e, (RunTimeout, hs.DeadlinePassed)) \
                else f"{e.__class__.__name__}: {e}"
            out.append(error_result(run, msg, time.perf_counter() - t0))
            continue
        out.append(result_of(run, doc, time.perf_counter() - t0, "persistent",
                             verified=verdict == [] if verdict is not None else None))
    return out


def chunks(runs: list[Run], slots: int) -> Iterator[list[Run]]:
    """Runs of one scenario, option and objective go to a worker together, so that
    those differing only in numbers re-solve one model (solve.Reusable); chunks stay
    small enough (CHUNK_MAX) that progress and resume after a kill are per few runs."""
    groups: dict[tuple[str, str | None, str | None], list[Run]] = {}
    for r in runs:
        groups.setdefault((str(r.file), r.option, r.objective), []).append(r)
    for group in groups.values():
        n = max(min(slots, len(group)), math.ceil(len(group) / CHUNK_MAX))
        size = math.ceil(len(group) / n)
        for i in range(0, len(group), size):
            yield group[i:i + size]


def error_result(run: Run, message: str, seconds: float) -> dict[str, Any]:
    row = run.row() | {"status": "error", "error": message, "seconds": round(seconds, 6),
                       "solve_mode": "none"}
    return {"run": row, "zones": [], "allocations": [], "contributors": []}


def result_of(run: Run, doc: dict[str, Any], seconds: float, mode: str,
              verified: bool | None = None) -> dict[str, Any]:
    """The store rows of one solved run, from its solution document (docs/solution-file.md)."""
    acc = metrics.acceptability(doc)
    least = metrics.least_acceptability(doc)
    value = doc["objective"]["value"]
    row = run.row() | {
        "status": doc["status"],
        "objective_value": float(value) if value is not None else None,
        "personnel": metrics.personnel(doc),
        "cost_per_month": metrics.cost_per_month(doc),
        "min_acceptability": least[1] if least is not None else None,
        "acceptability": compact_json(acc) if acc is not None else None,
        "n_contributors": metrics.n_contributors(doc),
        "mip_gap": metrics.gap(doc),
        "seconds": round(seconds, 6),
        "error": None,
        "solve_mode": mode,
        "verified": verified,
    }
    zones = [{"zone": z["zone"], "deployed": bool(z["deployed"]), "mandate": z["mandate"],
              "armament": z["armament"], "personnel": int(z["personnel"]), "lead": z["lead"]}
             for z in doc["zones"]]
    allocations = [{"contributor": a["contributor"], "zone": a["zone"],
                    "unit_type": a["unit_type"], "units": int(a["units"]),
                    "personnel": int(a["personnel"])} for a in doc["allocations"]]
    contributors = [{"contributor": c["contributor"], "personnel": int(c["personnel"]),
                     "share": float(c["share"]), "cost_per_month": float(c["cost_per_month"])}
                    for c in doc["contributors"]]
    return {"run": row, "zones": zones, "allocations": allocations,
            "contributors": contributors}


def watch_coordinator() -> None:
    """Pool initializer: a worker exits when its coordinator dies, so a killed batch leaves
    no processes behind (they would wait for work forever, and keep the forkserver alive)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def wait() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=wait, name="pkplanner-watch-coordinator", daemon=True).start()


def missing_files(paths: list[str]) -> list[str]:
    """Run on each Dask worker: the scenario files it cannot see."""
    return [p for p in paths if not os.path.exists(p)]


# --------------------------------------------------------------------------- execution


class Engine:
    """Local worker processes, or a Dask cluster seen through a concurrent.futures facade."""

    def __init__(self, workers: int | None, scheduler: str | None, files: list[str]):
        self.client: Any = None
        self.pool: cf.ProcessPoolExecutor | None = None
        if scheduler:
            self._connect(scheduler, files)
        else:
            self.slots = workers or os.cpu_count() or 1
            self.pool = self._new_pool()
            self.executor: cf.Executor = self.pool
            self.label = f"{self.slots} local worker process{'es' if self.slots > 1 else ''}"

    def _connect(self, scheduler: str, files: list[str]) -> None:
        from distributed import Client
        try:
            # timeout: dask's own `distributed.comm.timeouts.connect` (30 s unless configured)
            self.client = Client(scheduler, set_as_default=False)
        except Exception as e:
            raise InputError.one("--scheduler", scheduler,
                                 f"cannot connect to the Dask scheduler: {e}") from None
        try:
            self.client.wait_for_workers(1, timeout=60)
        except Exception:
            self.client.close()
            raise InputError.one("--scheduler", scheduler,
                                 "the scheduler has no workers (waited 60 s)") from None
        nthreads = self.client.nthreads()
        try:
            seen = self.client.run(missing_files, files)
        except Exception as e:
            self.client.close()
            raise InputError.one("--scheduler", scheduler, "the workers cannot run pkplanner "
                                 f"({e.__class__.__name__}: {e})") from None
        unseen = {w: miss for w, miss in seen.items() if miss}
        if unseen:
            self.client.close()
            worker, miss = next(iter(unseen.items()))
            raise InputError.one("--scheduler", scheduler,
                                 f"worker {worker} cannot read {miss[0]} (workers need the "
                                 "scenario files at the same paths)")
        self.slots = max(1, sum(nthreads.values()))
        self.executor = self.client.get_executor(pure=False)
        self.label = (f"Dask scheduler {scheduler} ({len(nthreads)} workers, "
                      f"{self.slots} threads)")

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if ctx.get_start_method() == "forkserver":
            ctx.set_forkserver_preload(["pkplanner.batch.run", "pkplanner.engine.solve"])
        return cf.ProcessPoolExecutor(max_workers=self.slots, mp_context=ctx,
                                      initializer=watch_coordinator)

    def submit(self, task: Task) -> cf.Future[list[dict[str, Any]]]:
        return self.executor.submit(execute, task)

    def restart(self) -> None:
        """A local worker process died (the pool is broken): start a fresh pool."""
        assert self.pool is not None
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._new_pool()
        self.executor = self.pool

    def close(self, hung: bool = False) -> None:
        if self.pool is not None:
            if hung:                    # a worker is stuck in a run we gave up on
                for proc in pool_processes(self.pool):
                    proc.terminate()
            self.pool.shutdown(wait=not hung, cancel_futures=True)
        if self.client is not None:
            self.client.close()


def pool_processes(pool: cf.ProcessPoolExecutor) -> list[multiprocessing.Process]:
    """The worker processes of a pool, to kill one stuck in a run past its time budget:
    `shutdown` waits for a running task and has no way to stop it. The standard library
    keeps them in a private attribute (`_processes`, Python 3.8 to 3.13);
    tests/test_adapter.py fails when an upgrade removes it, rather than this quietly
    killing nothing."""
    return list(pool._processes.values())


@dataclass
class BatchSummary:
    """What a batch did: the runs of the spec by status, and what this invocation ran."""

    name: str
    out_dir: Path
    total: int                      # runs the spec asks for (Pareto points once known)
    by_status: dict[str, int]
    ran: int                        # stored by this invocation
    skipped: int                    # already stored before it
    missing: int                    # runs without a stored result (0 when complete)
    fronts: int
    fronts_skipped: list[str]
    notes: list[str]
    seconds: float
    backend: str

    @property
    def complete(self) -> bool:
        return self.missing == 0

    def lines(self) -> list[str]:
        counts = ", ".join(f"{s} {n}" for s, n in self.by_status.items() if n)
        out = [f"batch {self.name}: {self.total} runs ({counts or 'none'}); "
               f"{self.ran} solved now, {self.skipped} already stored; "
               f"{self.seconds:.1f} s on {self.backend}"]
        if self.fronts:
            out.append(f"pareto fronts: {self.fronts - len(self.fronts_skipped)} of "
                       f"{self.fronts} traced")
        out += [f"  no front for {s}" for s in self.fronts_skipped]
        out += [f"  note: {n}" for n in self.notes]
        if self.missing:
            out.append(f"{self.missing} runs have no result (interrupted?): re-run to resume")
        d = self.out_dir
        out.append(f"wrote {d}/results.duckdb, {d}/parquet/*.parquet, {d}/batch_report.html")
        return out


class Coordinator:
    """Plans tasks, feeds the engine, stores results as they come (the only DB writer)."""

    def __init__(self, spec: BatchSpec, plan: Plan, store: Store, workers: int | None,
                 scheduler: str | None, progress: bool,
                 on_result: Callable[[dict[str, Any]], None] | None):
        self.spec, self.plan, self.store = spec, plan, store
        self.workers, self.scheduler = workers, scheduler
        self.on_result = on_result
        self.stored = store.keys()
        self.initially = self.stored & set(plan.runs)
        self.ran = 0
        self.stored_now: set[str] = set()
        self.queue: deque[Task] = deque()
        self.queued: set[str] = set()
        self.tids = 0
        self.engine: Engine | None = None
        self.backend = "nothing to solve"
        self.hung = False
        self.status_counts = Counter(r["status"] for r in store.run_rows(self.initially)
                                     .values())
        self.progress_on = progress
        self._progress: Any = None
        self._bar: Any = None

    # ---- bookkeeping
    def expected_total(self) -> int:
        waiting = sum(f.points for f in self.plan.fronts if f.state == "waiting")
        return len(self.plan.runs) + waiting

    def done(self) -> int:
        return len(self.stored & set(self.plan.runs))

    def timeout_for(self, objective: str | None) -> float | None:
        if self.spec.run_timeout is not None:
            return self.spec.run_timeout
        if self.spec.time_limit is None:
            return None
        return 3 * self.spec.time_limit + 60       # the solve keeps to time_limit itself

    def _task(self, runs: list[Run], persistent: bool) -> Task:
        self.tids += 1
        self.queued |= {r.run_key for r in runs}
        return Task(self.tids, tuple(runs), persistent, self.spec.time_limit, self.spec.gap,
                    self.timeout_for(runs[0].objective), self.spec.verify)

    def enqueue(self, runs: list[Run], front: bool = False) -> None:
        todo = [r for r in runs if r.run_key not in self.stored and r.run_key not in self.queued]
        known = [r for r in todo if r.error is not None]
        for r in known:                              # nothing to solve: store the error now
            self.record(error_result(r, r.error or "", 0.0))
        todo = [r for r in todo if r.error is None]
        if not todo:
            return
        if front:
            slots = self.engine.slots if self.engine else (self.workers or os.cpu_count() or 1)
            n = max(1, min(slots, len(todo) // CHUNK_MIN))
            size = math.ceil(len(todo) / n)
            for i in range(0, len(todo), size):
                self.queue.append(self._task(todo[i:i + size], persistent=True))
        else:
            self.queue.extend(self._task(chunk, persistent=False) for chunk in chunks(
                todo, self.engine.slots if self.engine else (self.workers or os.cpu_count() or 1)))

    def expand_fronts(self) -> None:
        for f in self.plan.fronts:
            if f.state != "waiting" or not set(f.anchors.values()) <= self.stored:
                continue
            got = expand_front(f, self.store.run_rows(f.anchors.values()))
            if isinstance(got, str):
                f.state, f.note = "skipped", f"{f.label}: {got}"
                continue
            f.state = "expanded"
            new = [r for r in got if self.plan.add(r)]
            self.enqueue(new, front=f.axis == "acceptability_floor")

    def record(self, result: dict[str, Any]) -> None:
        row = result["run"]
        if row["run_key"] in self.stored:
            return
        self.store.add(result)
        self.stored.add(row["run_key"])
        self.stored_now.add(row["run_key"])
        self.ran += 1
        self.status_counts[row["status"]] += 1
        self.report_progress(row)
        if self.on_result is not None:
            self.on_result(row)

    # ---- progress
    def start_progress(self) -> None:
        if not self.progress_on:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        console = Console(stderr=True, soft_wrap=True)
        self._log = not console.is_terminal
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), console=console, disable=self._log)
        self._progress.start()
        self._bar = self._progress.add_task(self.spec.name, total=self.expected_total(),
                                            completed=self.done(), counts=self._counts())
        if self._log:
            console.print(f"batch {self.spec.name}: {self.done()}/{self.expected_total()} "
                          "runs already stored", markup=False, highlight=False)

    def _counts(self) -> str:
        return " ".join(f"{s} {self.status_counts[s]}" for s in STATUSES
                        if self.status_counts[s])

    def report_progress(self, row: dict[str, Any]) -> None:
        if self._progress is None:
            return
        self._progress.update(self._bar, total=self.expected_total(), completed=self.done(),
                              counts=self._counts())
        if self._log:
            what = " ".join(str(x) for x in (row["kind"], row["scenario"], row["option"],
                                             row["objective"]) if x is not None)
            self._progress.console.print(
                f"[{self.done()}/{self.expected_total()}] {row['status']} {what} "
                f"{row['overrides']}" + (f" sample {row['sample']}"
                                         if row["sample"] is not None else ""),
                markup=False, highlight=False)

    def stop_progress(self) -> None:
        if self._progress is not None:
            self._progress.stop()

    # ---- main loop
    def run(self) -> None:
        self.start_progress()
        try:
            self.expand_fronts()        # fronts whose anchors an earlier invocation stored
            order = sorted(self.plan.runs.values(), key=lambda r: r.kind != "pareto_anchor")
            self.enqueue(order)
            if self.queue:
                files = sorted({r.file for r in self.plan.runs.values() if r.error is None})
                self.engine = Engine(self.workers, self.scheduler, files)
                self.backend = self.engine.label
                self._loop()
        finally:
            if self.engine is not None:
                self.engine.close(hung=self.hung)
            self.stop_progress()

    def _loop(self) -> None:
        engine = self.engine
        assert engine is not None
        cap = 2 * engine.slots
        in_flight: dict[cf.Future[list[dict[str, Any]]], tuple[Task, float]] = {}
        attempts: Counter[int] = Counter()
        cancelled: set[int] = set()
        while self.queue or in_flight:
            while self.queue and len(in_flight) < cap:
                task = self.queue.popleft()
                in_flight[engine.submit(task)] = (task, time.monotonic())
            done, _ = cf.wait(list(in_flight), timeout=0.5, return_when=cf.FIRST_COMPLETED)
            broken: list[Task] = []
            for fut in done:
                task, _t = in_flight.pop(fut)
                try:
                    results = fut.result()
                except BrokenProcessPool:
                    broken.append(task)
                    continue
                except cf.CancelledError:
                    if task.tid in cancelled:
                        continue
                    raise BatchAborted("the Dask scheduler cancelled the work "
                                       "(connection lost?)") from None
                except Exception as e:         # e.g. KilledWorker: the task kills workers
                    results = [error_result(r, f"{e.__class__.__name__}: {e}", 0.0)
                               for r in task.runs]
                for res in results:
                    self.record(res)
                self.expand_fronts()
            if broken:
                # one local worker process died: every task in flight is lost with it
                broken += [t for t, _ in in_flight.values()]
                in_flight.clear()
                engine.restart()
                for task in broken:
                    attempts[task.tid] += 1
                    if attempts[task.tid] >= MAX_ATTEMPTS:
                        for r in task.runs:
                            self.record(error_result(r, "the worker process died during "
                                                     f"this run ({MAX_ATTEMPTS} attempts)", 0.0))
                    else:
                        self.queue.appendleft(task)
            now = time.monotonic()
            for fut, (task, t0) in list(in_flight.items()):
                budget = task.budget
                if budget is not None and now - t0 > budget:
                    cancelled.add(task.tid)
                    fut.cancel()
                    del in_flight[fut]
                    self.hung = True
                    for r in task.runs:
                        self.record(error_result(r, f"timed out (no result after {budget:g} s)",
                                                 now - t0))


def run_batch(spec_path: str | Path, out_dir: str | Path, workers: int | None = None,
              scheduler: str | None = None, *, progress: bool = True,
              on_result: Callable[[dict[str, Any]], None] | None = None,
              retry_errors: bool = False) -> BatchSummary:
    """Run (or resume) a batch; raise InputError for a bad spec or an unusable --scheduler.

    `workers`: local worker processes (default: one per CPU); ignored with `scheduler`,
    the address of a running Dask scheduler. `on_result` is called with each new
    `runs` row once it is stored. `retry_errors`: solve again the runs stored as errors
    (timed out, crashed) instead of skipping them.
    """
    t0 = time.perf_counter()
    spec_path, out_dir = Path(spec_path), Path(out_dir)
    spec = load_spec(spec_path)
    if workers is not None and workers < 1:
        raise InputError.one("--workers", "", f"must be at least 1 (got {workers})")
    plan = make_plan(spec, spec_path)
    from pkplanner.batch.report import write_report
    from pkplanner.batch.store import Store
    with Store(out_dir / "results.duckdb") as store:
        if retry_errors and (n := store.forget_errors()):
            plan.notes.append(f"retrying {n} runs stored as errors")
        co = Coordinator(spec, plan, store, workers, scheduler, progress, on_result)
        co.run()
        keys = list(plan.runs)
        rows = store.run_rows(keys)
        store.export_parquet(out_dir / "parquet")
        write_report(out_dir / "batch_report.html", spec, plan, store, keys)
    counts = Counter(r["status"] for r in rows.values())
    skipped = [f.note for f in plan.fronts if f.state == "skipped"]
    return BatchSummary(
        name=spec.name, out_dir=out_dir, total=len(keys),
        by_status={s: counts.get(s, 0) for s in STATUSES}, ran=len(set(rows) & co.stored_now),
        # every run of the plan is stored now, stored before, or missing: the three add up
        # (fronts are expanded while the batch runs, so count at the end, not the start)
        skipped=len(rows) - len(set(rows) & co.stored_now), missing=len(keys) - len(rows),
        fronts=len(plan.fronts),
        fronts_skipped=skipped, notes=plan.notes, seconds=time.perf_counter() - t0,
        backend=co.backend)
