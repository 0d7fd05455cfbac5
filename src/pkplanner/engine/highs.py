"""HiGHS for pkplanner: Pyomo builds and keeps the model, highspy solves it.

Pyomo's persistent v2 `highs` interface holds the model in HiGHS and pushes mutable
parameter changes, new rows and objectives into it (`sync`). The solve itself runs on
highspy directly, because Pyomo's `solve` re-pushes every bound and parameter first,
which makes HiGHS drop a starting solution set with `setSolution` (measured: the
units-first start then did nothing; benchmarks/results.md). Running highspy directly
also lets several seeds race on their own copies of the model (`racers`), which
performance.md recommends against HiGHS's large run-to-run variance.

The wrapper never raises on infeasible or time-limited runs, and it reports incumbent,
bound and gap honestly: a time-limited plan is never "optimal". It does raise
`SolverError` when HiGHS refuses a call (a model it cannot take, an option it rejects, a
run that returns an error): that is not "no plan", because no search happened.

The adapter knows columns, not families: it imports neither the model, the start heuristic
nor the rule vocabulary. A starting plan comes in as a `StartBuilder` that the caller
binds to its model (pkplanner.engine.heuristic.units_first, passed by pkplanner.engine.solve and
pkplanner.engine.precheck), so the model and the heuristic can change without touching how
HiGHS is driven, and the two modules no longer import each other. What it needs
from Pyomo beyond the public API (the highspy object, the column of a variable, ...) is in
`_PyomoHighsAccess`, one method per private attribute, and tests/test_adapter.py names
the attribute when a Pyomo upgrade removes one.

Threads: HiGHS keeps one task scheduler per process, sized by the first run; from 1.16 a
later run asking for another `threads` value fails ("the scheduler has already been
initialized"). Every HiGHS object pkplanner makes is therefore configured here, and a run
that asks for another thread count than the scheduler has resets it first (solves are
serialised by SOLVER_LOCK, so no other run is using it then).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.solvers.highs import Highs

MS = highspy.HighsModelStatus


@dataclass
class SolverSettings:
    time_limit: float | None = 60.0
    gap: float = 1e-4
    threads: int = 1
    seed: int = 0
    warm_start: bool = True     # build the start `run` is given (pkplanner.engine.solve gives the
                                # units-first start of pkplanner.engine.heuristic) before the main
                                # solve (benchmarks/results.md: 2-3x faster on C)
    start_share: float = 0.25   # of the time limit the starting plan may use (at most 10 s);
                                # a phased model's start needs more (engine.solve)
    racers: int = 1             # HiGHS runs with seeds seed, seed+1, ... on copies of the
                                # model; the first to finish wins (one core each)
    highs_options: dict[str, Any] = field(default_factory=dict)
    deadline: float | None = None   # time.monotonic() by which every solve must be done
                                    # (batch runs: a per-run budget that HiGHS enforces
                                    # itself, so it holds in Dask's worker threads too)
    on_plan: Callable[[float, float], None] | None = None
    on_progress: Callable[[float | None, float | None], None] | None = None
    # called with (incumbent, bound) of the solve as they move: each better plan (a start's
    # too) and each line of HiGHS's MIP log (where the bound moves); None when there is
    # none yet. The CLI's live line. Like on_plan it runs Python inside HiGHS, so nothing is
    # subscribed unless it is set.
    # called with (HiGHS's running time, objective) at each better plan a HiGHS run finds:
    # how benchmarks/run.py times the first plan without wrapping this class. It runs
    # Python inside HiGHS (where a batch run's SIGALRM would turn into a solver error, see
    # `capture_log`), so nothing is subscribed unless it is set.


class SolverError(Exception):
    """HiGHS refused a call or a run failed: the solve did not happen as asked."""


class DeadlinePassed(Exception):
    """A solve could not finish before `SolverSettings.deadline`."""


@dataclass
class Timings:
    """Wall-clock seconds of a solve by stage, recorded where each stage runs, so that a
    caller learns where the time went (benchmarks/run.py reports it) without wrapping
    pkplanner's classes. `PersistentHighs.run` fills the stages it covers; the solve
    adds the model's build, its hand-over and reading the plan. Racers run at the same
    time, so their start and solve stages are those of the racer whose answer is used."""

    load: float | None = None   # reading the scenario: only a caller that loaded it knows
    build: float = 0.0          # data tables and the Pyomo model (re-solve: their update)
    handover: float = 0.0       # Pyomo to HiGHS: set_instance, then each run's sync
    start: float = 0.0          # building the starting plan
    solve: float = 0.0          # the HiGHS runs
    readback: float = 0.0       # the plan into the Pyomo variables and read from them

    def add(self, other: Timings) -> None:
        """Count a later part of the same solve (another run) in these stages."""
        for f in fields(self):
            if f.name != "load":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class RunStats:
    status: str                    # optimal | feasible | infeasible | no_solution
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    nodes: int | None = None
    seed: int | None = None        # the racer whose plan this is
    start_objective: float | None = None
    timings: Timings = field(default_factory=Timings)   # handover (sync), start, solve,
                                                        # readback (values into Pyomo)


# One solve at a time per process: Pyomo's interface swaps the process's stdout/stderr
# descriptors while it loads a model, and solves compete for the same cores anyway.
# Re-entrant: a solve may build helper models while holding it.
SOLVER_LOCK = threading.RLock()


def version() -> str:
    return f"{highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}." \
           f"{highspy.HIGHS_VERSION_PATCH}"


def relative_gap(obj: float | None, bound: float | None) -> float | None:
    if obj is None or bound is None:
        return None
    if abs(obj - bound) <= 1e-9:
        return 0.0
    return abs(obj - bound) / max(abs(obj), 1e-10)


_scheduler_threads: int | None = None      # what the process's HiGHS scheduler was sized to


def quiet_highs(lp: highspy.HighsLp | None = None, seed: int = 0,
                threads: int = 1) -> highspy.Highs:
    """A HiGHS object that logs to a buffer (for error messages), not to the console."""
    h = highspy.Highs()
    capture_log(h)
    configure(h, {"random_seed": int(seed), "threads": int(threads)})
    if lp is not None:
        check(h, h.passModel(lp), "passModel")
    return h


_LOGS: weakref.WeakKeyDictionary[highspy.Highs, str] = weakref.WeakKeyDictionary()


def capture_log(h: highspy.Highs) -> None:
    """Log to a file of this object's own, so an error can say what HiGHS said.

    A file, not highspy's logging callback: a callback runs Python inside HiGHS, where a
    batch run's SIGALRM then raises and HiGHS turns the timeout into a solver error."""
    fd, path = tempfile.mkstemp(prefix="pkplanner-highs-", suffix=".log")
    os.close(fd)
    _LOGS[h] = path
    weakref.finalize(h, _unlink, path)
    configure(h, {"output_flag": True, "log_to_console": False, "log_file": path})


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _log_tail(h: highspy.Highs) -> list[str]:
    path = _LOGS.get(h)
    if path is None:
        return []
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return [ln.strip() for ln in deque(fh, maxlen=50) if ln.strip()]
    except OSError:
        return []


def check(h: highspy.Highs, status: highspy.HighsStatus, what: str) -> None:
    """Raise SolverError with HiGHS's own words when a call returned kError."""
    if status != highspy.HighsStatus.kError:
        return
    lines = _log_tail(h)
    errors = [ln.removeprefix("ERROR:").strip() for ln in lines if ln.startswith("ERROR")]
    said = errors[-1] if errors else (lines[-1] if lines else "no message")
    raise SolverError(f"{what} failed: {said}")


def configure(h: highspy.Highs, options: dict[str, Any]) -> None:
    for key, value in options.items():
        check(h, h.setOptionValue(key, value), f"setting option {key}={value!r}")


def run_checked(h: highspy.Highs, threads: int) -> None:
    """Run `h` (configured with `threads`), first making the process's scheduler match."""
    global _scheduler_threads
    with _SCHEDULER:
        if _scheduler_threads != threads:      # first run too: another library may have sized it
            highspy.Highs.resetGlobalScheduler(True)
        _scheduler_threads = threads
    check(h, h.run(), "run")


_SCHEDULER = threading.Lock()


def set_start(h: highspy.Highs, values: np.ndarray) -> None:
    sol = highspy.HighsSolution()
    sol.col_value = list(values)
    sol.value_valid = True
    check(h, h.setSolution(sol), "setSolution (the starting plan)")


@dataclass
class _Result:
    status: str
    objective: float | None
    bound: float | None
    values: np.ndarray | None
    nodes: int | None
    seed: int
    start_objective: float | None = None
    error: str | None = None        # status "error": what HiGHS said
    start_seconds: float = 0.0      # spent building this racer's starting plan


class Race:
    """Cancellation shared by the racers: the first definitive answer stops the rest.
    A start builder runs its helper models through it, so they stop with the race too."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._running: set[highspy.Highs] = set()

    def enter(self, h: highspy.Highs) -> bool:
        with self._lock:
            if self.done.is_set():
                return False
            self._running.add(h)
            return True

    def leave(self, h: highspy.Highs) -> None:
        with self._lock:
            self._running.discard(h)

    def finish(self) -> None:
        with self._lock:
            self.done.set()
            for h in self._running:
                h.cancelSolve()


Column = Callable[[Any], int | None]      # a Pyomo variable's HiGHS column (None: not in it)


class StartBuilder(Protocol):
    """Builds a starting plan on copies of the HiGHS model: (objective, column values), or
    None when it found none within `budget` seconds. The caller binds it to its model, so
    the adapter needs no idea of what the columns mean; it runs its HiGHS objects through
    `race` (it stops when another racer has the answer) with `threads`."""

    def __call__(self, column: Column, lp: highspy.HighsLp, seed: int, budget: float,
                 gap: float, race: Race, threads: int) -> tuple[float, np.ndarray] | None:
        ...


class _PyomoHighsAccess:
    """Every private attribute of Pyomo's persistent (contrib.solver, "v2") Highs interface
    pkplanner relies on, one method each, and nowhere else: Pyomo has no public way to
    reach the highspy object it fills, a variable's column, or to push an update outside
    `solve` (whose re-push of every bound drops a start: see the module docstring).
    tests/test_adapter.py touches each one on a tiny model, so an upgrade that removes one
    fails there, naming it, instead of deep inside a solve."""

    ATTRIBUTES = ("_solver_model", "_pyomo_var_to_solver_var_map", "_vars", "_active_config")

    def __init__(self, opt: Highs):
        self.opt = opt

    def solver_model(self) -> highspy.Highs:
        return self.opt._solver_model

    def columns(self) -> dict[int, int]:
        """id(Pyomo variable) -> its HiGHS column."""
        return self.opt._pyomo_var_to_solver_var_map

    def var(self, var_id: int) -> Any:
        """The Pyomo variable of an id in `columns`."""
        return self.opt._vars[var_id][0]

    def use_default_config(self) -> None:
        """`update` reads the config `solve` would have set from its arguments; there is
        no `solve` here, so it is set to the interface's defaults."""
        self.opt._active_config = self.opt.config(value={}, preserve_implicit=True)


class PersistentHighs:
    """A HiGHS instance holding one Pyomo model; re-solve after mutable-param changes."""

    def __init__(self, model: pyo.ConcreteModel, settings: SolverSettings):
        self.model = model
        self.settings = settings
        self.opt = Highs()
        self._pyomo = _PyomoHighsAccess(self.opt)
        self._last: np.ndarray | None = None      # the last plan, a start for the next run
        self._best: tuple[float | None, float | None] = (None, None)   # of this run: on_progress
        self._progress_lock = threading.Lock()
        # a MIP or a pure LP (reads the bound differently); no run adds columns
        self._mip = any(v.is_integer() or v.is_binary()
                        for v in model.component_data_objects(pyo.Var))
        with SOLVER_LOCK:
            self.opt.set_instance(model)
            capture_log(self.highs)
            self._watch(self.highs)

    @property
    def highs(self) -> highspy.Highs:
        return self._pyomo.solver_model()

    def column(self, var: Any) -> int | None:
        return self._pyomo.columns().get(id(var))

    def _watch(self, h: highspy.Highs) -> None:
        """Report each better plan of `h` to `settings.on_plan`, and the incumbent and
        bound as they move to `settings.on_progress`, if those are set."""
        on_plan = self.settings.on_plan
        if on_plan is not None:
            h.cbMipImprovingSolution.subscribe(lambda e: on_plan(
                float(e.data_out.running_time), float(e.data_out.objective_function_value)))
        if self.settings.on_progress is not None:
            h.cbMipImprovingSolution.subscribe(lambda e: self._progress(
                float(e.data_out.objective_function_value), None))
            h.cbMipLogging.subscribe(lambda e: self._progress(
                _finite_or_none(e.data_out.mip_primal_bound),
                _finite_or_none(e.data_out.mip_dual_bound)))

    def _progress(self, incumbent: float | None, bound: float | None) -> None:
        """Pass the solve's best incumbent and bound so far to `settings.on_progress`: a
        racer's or a start's plan only counts when it is better than the one known, and a
        bound only when it is higher (every run here minimises the same objective)."""
        on_progress = self.settings.on_progress
        if on_progress is None:
            return
        with self._progress_lock:
            best, low = self._best
            if incumbent is not None and (best is None or incumbent < best):
                best = incumbent
            if bound is not None and (low is None or bound > low):
                low = bound
            if (best, low) == self._best:
                return
            self._best = (best, low)
        on_progress(best, low)

    def sync(self) -> None:
        """Push changed parameters, rows and objectives into HiGHS (Pyomo's update)."""
        self._pyomo.use_default_config()
        self.opt.update()

    def run(self, time_limit: float | None = None, gap: float | None = None,
            extra: dict[str, Any] | None = None, start: StartBuilder | None = None,
            previous: bool = False) -> RunStats:
        """Solve. `start`: build a starting plan with it first (if the settings allow it);
        `previous`: offer the last run's plan as the start instead (re-solves after a
        parameter change: it often still holds, and HiGHS then only has to improve it)."""
        s = self.settings
        limit = time_limit if time_limit is not None else s.time_limit
        cut = False
        if s.deadline is not None:
            left = s.deadline - time.monotonic()
            if left <= 0.01:
                raise DeadlinePassed("no time left for the solve")
            cut = limit is None or left < limit
            limit = left if cut else limit
        options = {"mip_rel_gap": gap if gap is not None else s.gap,
                   "time_limit": float(limit) if limit is not None else highspy.kHighsInf,
                   "threads": s.threads, **s.highs_options, **(extra or {})}
        t0 = time.perf_counter()
        self._best = (None, None)
        with SOLVER_LOCK:
            t_sync = time.perf_counter()
            self.sync()
            t_race = time.perf_counter()
            seed_plan = self._last if previous else None
            builder = start if s.warm_start and seed_plan is None else None
            result = self._race(options, builder, t0, seed_plan)
            t_load = time.perf_counter()
            if result.values is not None:
                self._load(result.values)
                self._last = result.values
            t_end = time.perf_counter()
        seconds = t_end - t0
        if cut and result.status not in ("optimal", "infeasible"):
            raise DeadlinePassed(f"the solve reached the deadline ({result.status})")
        timings = Timings(handover=t_race - t_sync, start=result.start_seconds,
                          solve=t_load - t_race - result.start_seconds,
                          readback=t_end - t_load)
        return RunStats(result.status, result.objective, result.bound,
                        relative_gap(result.objective, result.bound), seconds, result.nodes,
                        result.seed, result.start_objective, timings)

    # ----------------------------------------------------------------- racing

    def _race(self, options: dict[str, Any], start: StartBuilder | None, t0: float,
              seed_plan: np.ndarray | None = None) -> _Result:
        n = max(1, self.settings.racers)
        race = Race()
        lp = self.highs.getLp() if n > 1 or start is not None else None
        # racing needs cancellation, which highspy never resets on an object: fresh copies
        copies = [self.highs] if n == 1 else [quiet_highs(lp, threads=self.settings.threads)
                                              for _ in range(n)]
        if n > 1:
            for h in copies:
                h.HandleUserInterrupt = True
                self._watch(h)
        results: list[_Result | None] = [None] * n

        def go(i: int) -> None:
            # a portfolio: even racers start from the built plan, odd ones cold
            # (each way loses badly on some seeds; benchmarks/results.md)
            try:
                result = self._racer(copies[i], lp, self.settings.seed + i, options,
                                     start if i % 2 == 0 else None, race, t0, seed_plan)
            except SolverError as e:
                result = _Result("error", None, None, None, None, self.settings.seed + i,
                                 error=str(e))
            results[i] = result
            if result.status in ("optimal", "infeasible"):
                race.finish()

        if n == 1:
            go(0)
        else:
            threads = [threading.Thread(target=go, args=(i,), daemon=True) for i in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        return combine([r for r in results if r is not None], options["mip_rel_gap"])

    def _racer(self, h: highspy.Highs, lp: Any, seed: int, options: dict[str, Any],
               start: StartBuilder | None, race: Race, t0: float,
               seed_plan: np.ndarray | None = None) -> _Result:
        start_obj, given, start_s = None, seed_plan, 0.0
        if seed_plan is None and start is not None and lp is not None:
            t_start = time.perf_counter()
            budget = (start_budget(options["time_limit"], self.settings.start_share)
                      - (t_start - t0))
            built = start(self.column, lp, seed, budget, options["mip_rel_gap"], race,
                          options["threads"])
            start_s = time.perf_counter() - t_start
            if built is not None:
                start_obj, given = built
                self._progress(start_obj, None)
        if given is not None:
            set_start(h, given)
        if not self._run_one(h, seed, options, race, t0):
            return _Result("no_solution", None, None, None, None, seed, start_obj,
                           start_seconds=start_s)
        out = read_result(h, seed, self._mip)
        if out.status == "no_solution" and start_obj is not None and given is not None:
            # the limit ran out before HiGHS took the start in (a start that used most of
            # a short limit): the start is a plan of this model all the same, with the
            # bound HiGHS proved, if any ("optimal" only if that bound proves the gap)
            return _Result("feasible", start_obj, out.bound, given, out.nodes, seed,
                           start_obj, start_seconds=start_s)
        if given is not None and not plan_matches_objective(h, out):
            # HiGHS 1.16 can map a MIP start into the presolved space wrongly and then hand
            # back the start as the plan of a better objective ("MIP start solution is
            # feasible in the reduced space: objective value is ..." differs from the
            # start's own); without presolve the start is used as given
            extra = {**options, "presolve": "off"}
            set_start(h, given)
            ok = self._run_one(h, seed, extra, race, t0)
            configure(h, {"presolve": options.get("presolve", "choose")})
            if not ok:
                return _Result("no_solution", None, None, None, None, seed, start_obj,
                               start_seconds=start_s)
            out = read_result(h, seed, self._mip)
            if not plan_matches_objective(h, out):
                raise SolverError("run returned a plan whose cost is not the objective it "
                                  "reported (a HiGHS defect; try --racers 1 --seed 1)")
        out.start_objective = start_obj
        out.start_seconds = start_s
        return out

    def _run_one(self, h: highspy.Highs, seed: int, options: dict[str, Any], race: Race,
                 t0: float) -> bool:
        """Run `h` within what is left of the time limit; False if the race was over."""
        left = options["time_limit"] - (time.perf_counter() - t0)
        configure(h, {"random_seed": seed, **options, "time_limit": max(0.01, left)})
        if not race.enter(h):
            return False
        try:
            run_checked(h, options["threads"])
        finally:
            race.leave(h)
        return True

    def _load(self, values: np.ndarray) -> None:
        for var_id, col in self._pyomo.columns().items():
            var = self._pyomo.var(var_id)
            if not var.fixed:
                var.set_value(float(values[col]), skip_validation=True)


def _finite_or_none(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def plan_matches_objective(h: highspy.Highs, out: _Result) -> bool:
    """Does the plan HiGHS returned cost what HiGHS says it costs? (A check, not trust:
    see `_racer`.) It reads the column costs only (`getCols`), not the whole LP with its
    matrix, so it stays cheap on large models."""
    if out.values is None or out.objective is None:
        return True
    n = len(out.values)
    status, _num, costs, _lower, _upper, _nnz = h.getCols(n, np.arange(n, dtype=np.int32))
    check(h, status, "getCols")
    offset_status, offset = h.getObjectiveOffset()
    check(h, offset_status, "getObjectiveOffset")
    cost = float(np.dot(np.asarray(costs), out.values)) + float(offset)
    return abs(cost - out.objective) <= 1e-6 * max(1.0, abs(out.objective))


def start_budget(time_limit: float, share: float = 0.25) -> float:
    """At most `share` of the time limit (a quarter by default), and 10 s, for the starting
    plan."""
    return min(10.0, share * time_limit)


def read_result(h: highspy.Highs, seed: int, mip: bool) -> _Result:
    status = h.getModelStatus()
    info = h.getInfo()
    has_sol = info.primal_solution_status == 2
    obj = float(info.objective_function_value) if has_sol else None
    if status in (MS.kOptimal, MS.kModelEmpty) and has_sol:
        label = "optimal"
        bound = float(info.mip_dual_bound) if mip else obj
    elif status in (MS.kInfeasible, MS.kUnboundedOrInfeasible):
        label, bound = "infeasible", None
    else:
        label = "feasible" if has_sol else "no_solution"
        bound = float(info.mip_dual_bound) if mip and np.isfinite(info.mip_dual_bound) else None
    values = np.array(h.getSolution().col_value) if has_sol else None
    nodes = int(info.mip_node_count) if mip else None
    return _Result(label, obj, bound, values, nodes, seed)


def _objective(r: _Result) -> float:
    return r.objective if r.objective is not None else float("inf")


def combine(results: list[_Result], gap: float) -> _Result:
    """One answer from the racers: a proof from any of them, else the best plan with the
    best bound any of them proved (every racer's bound is valid for the same model). A
    racer's solver error stands unless another racer proved the answer."""
    errors = [r.error for r in results if r.status == "error"]
    results = [r for r in results if r.status != "error"]
    if errors and not any(r.status in ("optimal", "infeasible") for r in results):
        raise SolverError(errors[0] or "HiGHS failed")
    for label in ("optimal", "infeasible"):
        done = [r for r in results if r.status == label]
        if done:
            return done[0] if label == "infeasible" else min(done, key=_objective)
    with_plan = [r for r in results if r.values is not None]
    bounds = [r.bound for r in results if r.bound is not None]
    bound = max(bounds) if bounds else None
    if not with_plan:
        return _Result("no_solution", None, bound, None, None, results[0].seed,
                       start_seconds=results[0].start_seconds)
    best = min(with_plan, key=_objective)
    rg = relative_gap(best.objective, bound)
    status = "optimal" if rg is not None and rg <= gap else "feasible"
    return _Result(status, best.objective, bound, best.values, best.nodes, best.seed,
                   best.start_objective, start_seconds=best.start_seconds)
