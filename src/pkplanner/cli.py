"""The `pkplanner` command line (README.md, Commands).

A thin layer: each command loads, calls the package and prints. One error formatter:
bad input prints `error: FILE: path: problem` lines and exits 2; never a traceback
unless PKPLANNER_DEBUG=1.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pkplanner import __version__
from pkplanner.engine import highs as hs
from pkplanner.engine.explain import SUGGESTIONS, explanation
from pkplanner.engine.solve import Outcome, build
from pkplanner.errors import InputError, one_line
from pkplanner.files import check_writable, write_atomic, write_solution
from pkplanner.pipeline import progress_text, solve_checked
from pkplanner.report import resolved_for, write_comparison, write_report, write_xlsx
from pkplanner.report.fmt import fmt_benchmark
from pkplanner.scenario.resolve import ResolvedScenario, load, load_resolved, read_yaml, resolve
from pkplanner.solution import metrics
from pkplanner.solution.io import load_solution
from pkplanner.verify.check import verify, verify_file

EXIT_OK, EXIT_CHECK, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Plan the composition of a multinational peacekeeping force.")


def _version(value: bool) -> None:
    if value:
        print(f"pkplanner {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="print the version and exit")] = False) -> None:
    """Plan the composition of a multinational peacekeeping force."""
out_console = Console(soft_wrap=True, markup=False, highlight=False)  # scenario text is data

ScenarioArg = Annotated[Path, typer.Argument(help="scenario YAML file")]
OptionOpt = Annotated[str | None, typer.Option("--option", help="planning option id")]
SetOpt = Annotated[list[str] | None, typer.Option(
    "--set", help="override, e.g. rules.max_share=0.4 (repeatable)")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="output folder (created)")]


RacersOpt = Annotated[int, typer.Option(
    help="race N HiGHS seeds, one core each; the first to finish wins (the winning seed "
         "is recorded in solution.json)", min=1, max=16)]
SeedOpt = Annotated[int, typer.Option(help="HiGHS random seed (of the first racer)",
                                       min=0, max=2_000_000_000)]


def settings(time_limit: float | None, gap: float, threads: int, racers: int = 1,
             seed: int = 0, progress: Live | None = None) -> hs.SolverSettings:
    return hs.SolverSettings(time_limit=time_limit, gap=gap, threads=threads,
                             racers=racers, seed=seed,
                             on_progress=progress.update if progress else None)


def check_limits(time_limit: float, gap: float) -> None:
    """A time limit of 0 or less would stop every solve at once and a gap outside [0, 1]
    means nothing: slips to report before any work, not settings to pass to HiGHS."""
    if not time_limit > 0:         # NaN too
        raise InputError.one("--time-limit", "", f"must be more than 0 seconds, not {time_limit:g}")
    if not 0 <= gap <= 1:
        raise InputError.one("--gap", "", f"must be between 0 and 1 (a relative gap: 0.01 is "
                             f"1%), not {gap:g}")


@app.command()
def validate(
    scenario: ScenarioArg,
    option: OptionOpt = None,
    resolved: Annotated[bool, typer.Option("--resolved", help="print the resolved scenario "
                                           "as JSON (defaults, base and option applied)")] = False,
    set_: SetOpt = None,
) -> None:
    """Load and check a scenario; print a summary (or the resolved scenario)."""
    loaded = load(scenario, set_)
    rs = resolve(loaded, option)
    if resolved:
        print(json.dumps(rs.to_document(), indent=2, ensure_ascii=False))
        return
    sc = rs.scenario
    req = [z.id for z in sc.zones if z.required]
    out_console.print(f"{sc.name}: {sc.title}")
    out_console.print(
        f"  {len(sc.zones)} zones ({len(req)} required), {len(sc.hubs)} hubs, "
        f"{len(sc.routes)} routes, {len(sc.contributors)} contributors, "
        f"{len(sc.unit_types)} unit types, {len(sc.mandates)} mandates, "
        f"{len(sc.parties)} parties, {len(sc.vetoes)} vetoes")
    out_console.print(f"  planning options: {', '.join(o.id for o in sc.planning_options)}; "
                      f"option {rs.option.id}{f' ({rs.option.name})' if rs.option.name else ''}, "
                      f"objective {sc.objective}")
    r = sc.rules
    out_console.print(
        f"  rules: mandates {r.mandates or 'any'}, max armament {r.max_armament or 'any'}, "
        f"max_share {r.max_share}, min_contributors {r.min_contributors}, "
        f"floors {r.acceptability_floor or 'none'}, exclude {r.exclude_groups or 'none'}")
    if sc.phases is not None:
        out_console.print("  phases: " + ", ".join(
            f"{p.id} {p.months:g} months" + (
                f" (hands over {len(p.handed_over)} zone"
                f"{'' if len(p.handed_over) == 1 else 's'})" if p.handed_over else "")
            for p in sc.phases))
        tr = sc.transition.model_dump(mode="json", exclude={"source"}) if sc.transition else {}
        out_console.print("  transition: " + (", ".join(
            f"{k} {json.dumps(v)}" for k, v in tr.items() if v is not None) or "none"))
    out_console.print(f"  sha256 {rs.sha256}")
    out_console.print("ok")


@app.command("solve")
def solve_cmd(
    scenario: ScenarioArg,
    option: OptionOpt = None,
    objective: Annotated[str | None, typer.Option(
        help="cost | acceptability | coverage (default: the scenario's)")] = None,
    set_: SetOpt = None,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="seconds for the whole command: solve, explanation of an "
        "infeasible case, --sensitivity")] = 60.0,
    gap: Annotated[float, typer.Option(help="relative MIP gap")] = 1e-3,
    threads: Annotated[int, typer.Option(help="HiGHS threads", min=1, max=64)] = 1,
    racers: RacersOpt = 1,
    seed: SeedOpt = 0,
    out: OutOpt = None,
    with_sensitivity: Annotated[bool, typer.Option(
        "--sensitivity", help="re-solve with each binding rule relaxed one step")] = False,
) -> None:
    """Solve one planning option; write solution.json and print a summary."""
    check_objective(objective, ("cost", "acceptability", "coverage"))
    check_limits(time_limit, gap)
    if out is not None:
        check_writable(out)                    # before the work, not after it
    end = deadline_for(time_limit)
    rs = load_resolved(scenario, option, set_)
    folder = out or Path("out") / f"{rs.scenario.name}-{rs.option.id}"
    if out is None:
        check_writable(folder)
    with working(f"solving {rs.scenario.name} option {rs.option.id}", end) as live:
        # the live line follows one minimisation; acceptability's bisection runs many
        cost = (objective or rs.scenario.objective) == "cost"
        done = solve_checked(rs, objective, settings(left(end), gap, threads, racers, seed,
                                                     live if cost else None),
                             threads=threads, deadline=end, with_sensitivity=with_sensitivity,
                             with_companion=True)
    outcome, doc, verdict = done.outcome, done.doc, done.verdict or []
    write_solution(folder / "solution.json", doc)
    write_report(folder, rs, doc, verdict)
    write_xlsx(folder / "solution.xlsx", rs, doc)
    print_summary(rs, outcome, doc)
    print_verdict(verdict, outcome.plan is not None)
    out_console.print(f"wrote {folder}/solution.json, report.md, report.html, solution.xlsx")
    if outcome.error:
        print(f"error: {outcome.error}", file=sys.stderr)
    raise typer.Exit(EXIT_CHECK if verdict else exit_code(outcome.status))


def deadline_for(time_limit: float) -> float:
    """When the solving must stop for the whole command to end within `time_limit`: what
    follows the solves (verifying, writing the reports) gets a tenth, at most 1.5 s."""
    return time.monotonic() + time_limit - min(1.5, 0.1 * time_limit)


def left(end: float) -> float:
    """Seconds left until `end` (time.monotonic()); a sliver at least, so HiGHS still runs."""
    return max(0.01, end - time.monotonic())


class Live:
    """The incumbent, the bound and the gap of a solve as they move (SolverSettings.
    on_progress): on a terminal, in the progress bar's one live line; otherwise one plain
    line on stderr per change (pipes and logs keep the history)."""

    def __init__(self, label: str, started: float, console: Console | None = None):
        self.label = label
        self.started = started
        self.text = label
        self._console = console     # None: plain lines

    def update(self, incumbent: float | None, bound: float | None) -> None:
        self.text = f"{self.label}: {progress_text(incumbent, bound)}"
        if self._console is None:
            print(f"after {time.monotonic() - self.started:.1f} s: "
                  f"{progress_text(incumbent, bound)}", file=sys.stderr, flush=True)


@contextmanager
def working(label: str, end: float) -> Iterator[Live]:
    """A progress bar on the terminal (stderr) against the command's time limit, as the app
    shows one, with the solve's incumbent, bound and gap in its live line; when stderr is
    not a terminal (pipes, CI, tests), plain lines of the incumbent, bound and gap."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield Live(label, time.monotonic())
        return
    live = Live(label, time.monotonic(), console)
    total = max(end - time.monotonic(), 0.01)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TimeElapsedColumn(), TextColumn(f"of {total:.0f} s"), console=console,
                  transient=True) as bar:
        task = bar.add_task(label, total=total)
        stop = threading.Event()

        def tick() -> None:
            while not stop.wait(0.25):
                bar.update(task, completed=min(total, total - (end - time.monotonic())),
                           description=live.text)

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            yield live
        finally:
            stop.set()
            ticker.join()


def print_verdict(verdict: list[str], has_plan: bool = True) -> None:
    if not has_plan and not verdict:
        out_console.print("verifier: no plan to verify")
        return
    if not verdict:
        out_console.print("verifier: every constraint family holds")
        return
    out_console.print(f"verifier: {len(verdict)} violation(s) -- this is a bug, please report:")
    for line in verdict:
        out_console.print(f"  {line}")


def check_objective(objective: str | None, allowed: tuple[str, ...]) -> None:
    if objective is not None and objective not in allowed:
        raise InputError.one("--objective", "", f"unknown objective '{objective}' "
                             f"({', '.join(allowed)})")


def exit_code(status: str) -> int:
    return {"optimal": EXIT_OK, "feasible": EXIT_OK, "infeasible": EXIT_INFEASIBLE,
            "error": EXIT_CHECK}.get(status, EXIT_NO_SOLUTION)


def print_summary(rs: ResolvedScenario, outcome: Outcome, doc: dict[str, Any]) -> None:
    sc = rs.scenario
    out_console.print(f"{sc.name} option {rs.option.id}"
                      f"{f' ({rs.option.name})' if rs.option.name else ''}, "
                      f"objective {outcome.objective}")
    if outcome.plan is None:
        out_console.print(f"status: {outcome.status} after {outcome.seconds:.2f} s")
        if outcome.status == "no_solution" and outcome.bound is not None:
            out_console.print(f"best bound proved: {outcome.bound:,.6g} (no plan of the "
                              f"{outcome.objective} objective can do better)")
        ex = doc.get("explanation") or {}
        print_conflicts(doc["conflicts"], ex.get("complete", True), ex.get("note", ""))
        return
    zt = Table(title="Zones")
    for col in ("zone", "mandate", "armament", "personnel", "lead"):
        zt.add_column(col, justify="right" if col == "personnel" else "left")
    for z in doc["zones"]:
        if z["deployed"]:
            zt.add_row(z["zone"], z["mandate"], z["armament"], str(z["personnel"]),
                       z["lead"] or "-")
    out_console.print(zt)
    ct = Table(title="Contributors")
    for col in ("contributor", "personnel", "share", "cost/month"):
        ct.add_column(col, justify="left" if col == "contributor" else "right")
    for c in doc["contributors"]:
        ct.add_row(c["contributor"], str(c["personnel"]), f"{c['share']:.1%}",
                   f"{c['cost_per_month']:,.0f}")
    out_console.print(ct)
    acc = ", ".join(f"{p} {v:.3f}" for p, v in doc["acceptability"].items())
    floors = sc.rules.acceptability_floor
    out_console.print(f"acceptability: {acc}" + (f" (floors {floors})" if floors else ""))
    print_phases(doc)
    t = doc["totals"]
    gap = f"{outcome.gap:.4%}" if outcome.gap is not None else "n/a"
    last = (doc.get("iterations") or [{}])[-1]
    if last.get("stopped") and last.get("bracket"):
        lo, hi = last["bracket"]
        out_console.print(f"time limit reached: best common acceptability floor found {lo:.3f}"
                          f" (the best possible lies in [{lo:.3f}, {hi:.3f}])")
    first = "first phase " if doc.get("phases") else ""
    out_console.print(f"{first}total: {t['personnel']} personnel, "
                      f"{t['cost_per_month']:,.0f} per month,"
                      f" {t['contributors']} contributor{'' if t['contributors'] == 1 else 's'}")
    if doc.get("benchmark"):
        out_console.print(f"{first}against the benchmark: {fmt_benchmark(doc['benchmark'])}")
    out_console.print(f"status: {outcome.status} (gap {gap}) in {outcome.seconds:.2f} s "
                      f"(build {outcome.build_seconds:.2f} s, "
                      f"HiGHS {outcome.solver_seconds:.2f} s)")
    for rec in doc.get("sensitivity", []):
        change = rec["objective_change"]
        text = f"{change:+,.0f}" if change is not None else rec["status"]
        out_console.print(f"sensitivity: {rec['parameter']} {rec['from']} -> {rec['to']}: "
                          f"objective {text}" + (f" ({rec['note']})" if rec["note"] else ""))
    rules = [b for b in doc["binding"] if not b.startswith("capacity.")]
    used_up = len(doc["binding"]) - len(rules)
    if rules:
        out_console.print(f"{first}binding: " + ", ".join(rules))
    if used_up:
        out_console.print(f"capacity limits reached: {used_up} (listed in solution.json)")


def print_phases(doc: dict[str, Any]) -> None:
    """A phased plan: the tables above are its first phase; here every phase, one line each
    (a table would be cut to 80 columns in a pipe), and the whole plan's cost."""
    phases = doc.get("phases")
    if not phases:
        return
    out_console.print("phases (the tables above are the first phase):")
    for ph in phases:
        t = ph["totals"]
        transport = float((ph.get("logistics") or {}).get("transport_cost_per_month", 0.0))
        handed = len(ph["handed_over"])
        out_console.print(
            f"  {ph['id']}: {ph['months']:g} months from day {ph['start_day']:g}, "
            f"{t['personnel']:,} personnel, {t['cost_per_month'] + transport:,.0f} per month"
            + (" (with transport)" if transport else "")
            + f", {t['contributors']} contributor{'' if t['contributors'] == 1 else 's'}"
            + (f", {handed} zone{'' if handed == 1 else 's'} handed over" if handed else ""))
    tr = doc.get("transition") or {}
    back = sum(r["cost"] for r in tr.get("reentries", []))
    value = doc["objective"]["value"]
    out_console.print(f"whole plan: {value:,.0f}" + (f" (re-entries {back:,.0f})" if back
                                                     else ""))
    if tr.get("binding"):
        by_rule: dict[str, int] = {}
        for b in tr["binding"]:
            rule = b.split(".")[1]
            by_rule[rule] = by_rule.get(rule, 0) + 1
        out_console.print("transition rules at their limit: " + ", ".join(
            f"{rule} ({n})" for rule, n in by_rule.items()) + " (listed in solution.json)")


@app.command()
def options(
    scenario: ScenarioArg,
    set_: SetOpt = None,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="seconds for the whole command (shared by the options)")] = 60.0,
    gap: Annotated[float, typer.Option(help="relative MIP gap")] = 1e-3,
    racers: RacersOpt = 1,
    seed: SeedOpt = 0,
    out: OutOpt = None,
) -> None:
    """Solve every planning option and print them side by side."""
    check_limits(time_limit, gap)
    if out is not None:
        check_writable(out)                    # before the work, not after it
    end = deadline_for(time_limit)
    loaded = load(scenario, set_)
    folder = out or Path("out") / f"{loaded.scenario.name}-options"
    if out is None:
        check_writable(folder)
    rows = []
    verdicts: list[str] = []
    todo = loaded.scenario.planning_options
    with working(f"solving {len(todo)} planning options", end):
        for i, opt in enumerate(todo):
            rs = resolve(loaded, opt.id)
            share = time.monotonic() + left(end) / (len(todo) - i)   # an equal share of the rest
            done = solve_checked(rs, None, settings(left(share), gap, 1, racers, seed),
                                 deadline=share)
            rows.append((opt, done.outcome, done.doc))
            verdicts += [f"option {opt.id}: {v}" for v in done.verdict or []]
    table = Table(title=f"{loaded.scenario.name}: planning options")
    table.add_column("")
    for opt, _, _ in rows:
        table.add_column(f"{opt.id}: {opt.name}")
    parties = [p.id for p in loaded.scenario.parties]

    def line(label: str, fn) -> None:  # type: ignore[no-untyped-def]
        table.add_row(label, *[fn(o, d) if metrics.has_plan(d) or label == "status" else "-"
                               for _, o, d in rows])

    line("status", lambda o, d: o.status + (f" ({', '.join(c['rule'] for c in d['conflicts'])})"
                                            if d["conflicts"] else ""))
    line("personnel", lambda o, d: f"{metrics.personnel(d):,}")
    if loaded.scenario.benchmark is not None:
        line("benchmark", lambda o, d: fmt_benchmark(metrics.benchmark(d), short=True))
    line("cost / month", lambda o, d: f"{metrics.cost_per_month(d):,.0f}")
    line("contributors", lambda o, d: str(metrics.n_contributors(d)))
    line("largest share", lambda o, d: largest_share(d))
    for p in parties:
        line(f"acceptability {p}", lambda o, d, p=p: f"{(metrics.acceptability(d) or {})[p]:.3f}")
        line(f"armament acc. {p}",
             lambda o, d, p=p: f"{(metrics.armament_acceptability(d) or {})[p]:.3f}")
    line("armament", lambda o, d: armament_profile(d))
    line("zones deployed", lambda o, d: str(metrics.zones_deployed(d)))
    line("gap / seconds", lambda o, d: f"{(o.gap or 0):.2%} / {o.seconds:.1f}")
    out_console.print(table)
    for opt, _, doc in rows:
        write_solution(folder / f"solution-{opt.id}.json", doc)
    write_comparison(folder, [(opt.id, opt.name, doc) for opt, _, doc in rows])
    print_verdict(verdicts, any(o.plan is not None for _, o, _ in rows))
    out_console.print(f"wrote {folder}/comparison.md, comparison.html, solution-<option>.json")
    if verdicts:
        raise typer.Exit(EXIT_CHECK)


def largest_share(doc: dict[str, Any]) -> str:
    top = metrics.largest_share(doc)
    return "-" if top is None else f"{top[0]} {top[1]:.1%}"


def armament_profile(doc: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in (metrics.armament_profile(doc) or {}).items())


@app.command()
def explain(
    scenario: ScenarioArg,
    option: OptionOpt = None,
    set_: SetOpt = None,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="seconds for the whole explanation; when they run out, what "
                             "is known so far is printed")] = 60.0,
) -> None:
    """For an infeasible case, print the rules that conflict."""
    check_limits(time_limit, 0.0)
    deadline = time.monotonic() + time_limit
    rs = load_resolved(scenario, option, set_)
    with working(f"explaining {rs.scenario.name} option {rs.option.id}", deadline):
        ex = explanation(rs, deadline=deadline, time_limit=min(20.0, time_limit))
    if not ex.conflicts:
        out_console.print(ex.note or "no conflicting rules")
        raise typer.Exit(EXIT_OK if ex.complete else EXIT_NO_SOLUTION)
    print_conflicts([c.as_dict() for c in ex.conflicts], ex.complete, ex.note)
    raise typer.Exit(EXIT_INFEASIBLE)


def print_conflicts(conflicts: list[dict[str, Any]], complete: bool = True,
                    note: str = "") -> None:
    """Says only what the explanation checked: per rule whether dropping it alone (every
    other rule kept) restores a plan, and relaxations that were tested at the value shown."""
    if not conflicts:
        return
    out_console.print("No force satisfies all the rules; these take part in the conflict:")
    checked = []
    for c in conflicts:
        out_console.print(f"  - {c['rule']}: {c['detail']}")
        if c.get("alone") is True:
            out_console.print("      dropping this rule alone restores a plan")
        elif c.get("alone") is False:
            out_console.print("      dropping this rule alone does not restore a plan")
        relax = c.get("relaxation") or ""
        if relax in SUGGESTIONS:
            out_console.print(f"      suggestion: {relax}")
        elif relax:
            out_console.print(f"      smallest relaxation: {relax}")
            checked.append(relax)
    if all(c.get("alone") is False for c in conflicts):
        out_console.print("These rules conflict together: no one of them, dropped alone, "
                          "restores a plan; relaxations checked: "
                          + ("; ".join(checked) if checked else "none"))
    if not complete:
        out_console.print("Incomplete: the rules shown so far conflict; the search stopped "
                          "at the time limit.")
    if note and complete:
        out_console.print(f"note: {note}")


@app.command("verify")
def verify_cmd(
    scenario: ScenarioArg,
    solution: Annotated[Path, typer.Argument(help="solution.json to check")],
) -> None:
    """Re-check a solution against its scenario, without the solver."""
    violations = verify_file(scenario, solution)
    if violations:
        for v in violations:
            out_console.print(str(v))
        raise typer.Exit(EXIT_CHECK)
    out_console.print(f"ok: every constraint family holds for {solution}")


@app.command("scenarios")
def scenarios_cmd() -> None:
    """List the shipped scenarios; solve one by name (`pkplanner solve two_zones`)."""
    from pkplanner.resources import SHIPPED, shipped_scenarios
    table = Table(title="Shipped scenarios (name, or pkplanner:name in extends:)")
    for col in ("name", "kind", "title"):
        table.add_column(col)
    for s in shipped_scenarios():
        table.add_row(s.name, s.kind, str(read_yaml(s.path).get("title", "")))
    out_console.print(table)
    out_console.print(f"in {shipped_scenarios()[0].path.parent}")
    out_console.print(f"e.g. pkplanner solve {SHIPPED}two_zones --out out/two_zones")


@app.command()
def doctor() -> None:
    """Check this installation: versions, shipped files, a tiny solve, the browser tests."""
    from pkplanner.doctor import checkup
    lines, problems = checkup()
    for line in lines:
        out_console.print(line)
    if problems:
        out_console.print(f"{len(problems)} problem(s):")
        for p in problems:
            out_console.print(f"  - {p}")
        raise typer.Exit(EXIT_CHECK)
    out_console.print("ok: pkplanner is ready")


@app.command()
def calibrate(
    out: Annotated[Path, typer.Option(help="folder for calibration.md and calibration.html")]
    = Path("out/calibration"),
    write: Annotated[bool, typer.Option(
        "--write", help="write the fitted presence rules and their provenance into "
                        "models/doctrine.yaml (comments and layout kept)")] = False,
) -> None:
    """Size each past mission of models/history.yaml with the doctrine, fit the doctrine's
    presence rules to them, size them again; print model/history."""
    from pkplanner.calibrate import (
        BAND,
        MANDATE_OF,
        class_line,
        doctrine_path,
        run_calibration,
        write_calibration,
        write_doctrine,
    )
    check_writable(out)
    cal = run_calibration()
    shipped = {a.mission.id: a for a in cal.shipped}
    loo = {m: r for f in cal.fits.values() for m, r in f.loo_ratio.items()}
    table = Table(title="Doctrine against history (one-zone analogues, sized by the MILP)")
    for col in ("mission", "class", "threat", "history", "shipped", "ratio", "fitted", "ratio",
                "leave-one-out", ""):
        table.add_column(col, justify="left" if col in ("mission", "class", "") else "right")
    for a in cal.fitted:
        s = shipped[a.mission.id]
        table.add_row(a.mission.id, a.mission.mandate_class, str(a.threat), f"{a.history:,}",
                      f"{s.model:,}" if s.model is not None else "-",
                      f"{s.ratio:.2f}" if s.ratio is not None else "-",
                      f"{a.model:,}" if a.model is not None else "-",
                      f"{a.ratio:.2f}" if a.ratio is not None else "-",
                      f"{loo[a.mission.id]:.2f}" if a.mission.id in loo else "-",
                      "in band" if a.in_band else ("not sized" if a.ratio is None else "OUT"))
    # a table of ten columns: as wide as it needs, whatever the terminal says
    Console(width=max(out_console.width, 124), markup=False, highlight=False,
            file=out_console.file).print(table)
    for cls in MANDATE_OF:
        out_console.print(class_line(cal, cls))
    for a in cal.fitted:
        if not a.in_band:
            out_console.print(f"{a.mission.id}: {a.why}")
    sized = [a for a in cal.fitted if a.ratio is not None]
    before = sum(a.in_band for a in cal.shipped if a.ratio is not None)
    out_console.print(f"{sum(a.in_band for a in sized)} of {len(sized)} sized missions within "
                      f"{BAND[0]:g}..{BAND[1]:g} with the fitted doctrine ({before} with the "
                      f"shipped one); {len(cal.fitted) - len(sized)} not sized")
    md, page = write_calibration(out, cal)
    out_console.print(f"wrote {md}, {page}")
    if write:
        path = doctrine_path()
        write_doctrine(path, cal.doctrine, cal.fitted, cal.fits)
        out_console.print(f"wrote the fitted presence rules of "
                          f"{', '.join(f.spec.mandate for f in cal.fits.values())} to {path}")
    if any(a.verdict for a in cal.shipped + cal.fitted):
        raise typer.Exit(EXIT_CHECK)


@app.command()
def report(
    solution: Annotated[Path, typer.Argument(help="solution.json")],
    out: OutOpt = None,
) -> None:
    """Rebuild report.md, report.html and solution.xlsx from a solution file."""
    folder = out or solution.parent
    check_writable(folder)
    doc = load_solution(solution)
    rs = resolved_for(doc, label=str(solution))
    verdict = [str(v) for v in verify(rs, doc)]
    write_report(folder, rs, doc, verdict)
    write_xlsx(folder / "solution.xlsx", rs, doc)
    print_verdict(verdict, bool(doc.get("zones")) and doc.get("status") in ("optimal",
                                                                             "feasible"))
    out_console.print(f"wrote {folder}/report.md, report.html, solution.xlsx")
    raise typer.Exit(EXIT_CHECK if verdict else EXIT_OK)


@app.command()
def export(
    scenario: ScenarioArg,
    mps: Annotated[Path, typer.Option("--mps", help="MPS file to write")],
    option: OptionOpt = None,
    objective: Annotated[str | None, typer.Option(help="cost | coverage")] = None,
    set_: SetOpt = None,
) -> None:
    """Write the MILP as MPS with readable row and column names."""
    check_objective(objective, ("cost", "coverage"))
    if mps.is_dir():
        raise InputError.one(str(mps), "", "cannot write here: is a folder; give a file name")
    check_writable(mps.parent, str(mps))
    rs = load_resolved(scenario, option, set_)
    _, m, _ = build(rs, objective or rs.scenario.objective)
    mps.parent.mkdir(parents=True, exist_ok=True)
    tmp = mps.with_name(f".{mps.name}.tmp.mps")
    m.write(str(tmp), format="mps", io_options={"symbolic_solver_labels": True})
    write_atomic(mps, tmp.read_bytes())
    tmp.unlink()
    out_console.print(f"wrote {mps}")


@app.command("batch")
def batch_cmd(
    spec: Annotated[Path, typer.Argument(help="batch spec YAML (docs/batch-spec.md)")],
    out: Annotated[Path, typer.Option("--out", help="output folder (created); re-running "
                                      "the same command resumes")],
    workers: Annotated[int | None, typer.Option(
        "--workers", help="local worker processes (default: one per CPU)")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 "
        "(--workers is then ignored)")] = None,
    retry_errors: Annotated[bool, typer.Option(
        "--retry-errors", help="solve again the runs stored as errors (timed out, "
        "crashed) instead of skipping them")] = False,
) -> None:
    """Many solves: grid sweeps, Pareto fronts, Monte Carlo; results in DIR/results.duckdb."""
    from pkplanner.batch.run import BatchAborted, run_batch
    check_writable(out)
    try:
        summary = run_batch(spec, out, workers, scheduler, retry_errors=retry_errors)
    except BatchAborted as e:
        print(f"error: {spec}: batch interrupted: {e} (re-run the same command to resume)",
              file=sys.stderr)
        raise typer.Exit(1) from None
    for line in summary.lines():
        out_console.print(line)
    raise typer.Exit(EXIT_OK if summary.complete else 1)


@app.command("app")
def app_cmd(
    port: Annotated[int, typer.Option(help="port", min=1, max=65535)] = 8501,
    address: Annotated[str, typer.Option(
        help="address to listen on; 0.0.0.0 serves other machines too")] = "127.0.0.1",
) -> None:
    """Start the Streamlit planner app."""
    from pkplanner.resources import app_script
    path = app_script()
    if not path.exists():
        raise InputError.one(str(path), "", "the app is missing from this installation "
                             "(pkplanner doctor checks it)")
    raise typer.Exit(run_child([sys.executable, "-m", "streamlit", "run", str(path),
                                "--server.port", str(port), "--server.address", address,
                                "--server.headless", "true",      # no e-mail prompt
                                "--server.maxUploadSize", "1",
                                "--browser.gatherUsageStats", "false"]))


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def run_child(cmd: list[str], grace: float = 10.0) -> int:
    """Run CMD until it ends; stopping pkplanner stops it too.

    A server left behind would hold the port, with nobody to stop it. So SIGTERM, SIGINT
    and SIGHUP are passed on, the child gets GRACE seconds, then it is killed (at once on
    a second signal). Returns the child's exit code, or 128 + the signal when stopped."""
    import subprocess

    proc: subprocess.Popen[bytes] | None = None
    stopped: list[int] = []
    timers: list[threading.Timer] = []

    def pass_on(child: subprocess.Popen[bytes], signum: int) -> None:
        child.send_signal(signum)
        timer = threading.Timer(grace, child.kill)
        timer.daemon = True
        timer.start()
        timers.append(timer)

    def stop(signum: int, frame: object) -> None:
        if stopped:
            if proc is not None:
                proc.kill()                 # asked twice: no more waiting
            return
        stopped.append(signum)
        if proc is not None:
            pass_on(proc, signum)

    old = {s: signal.signal(s, stop) for s in STOP_SIGNALS}
    try:
        proc = subprocess.Popen(cmd)
        if stopped and not timers:          # the signal came while it was starting
            pass_on(proc, stopped[0])
        rc = proc.wait()
    finally:
        for timer in timers:
            timer.cancel()
        if proc is not None and proc.poll() is None:     # an error of ours: no orphan
            proc.kill()
            proc.wait()
        for s, handler in old.items():
            signal.signal(s, handler)
    return 128 + stopped[0] if stopped else rc


@app.command("rules")
def rules_cmd() -> None:
    """Print the rule families: what each means, which keys set it, how explain relaxes it,
    its sensitivity step (docs/rules.md is this page)."""
    from pkplanner.rules.doc import rules_markdown
    print(rules_markdown(), end="")


@app.command("schema")
def schema_cmd(
    name: Annotated[str, typer.Argument(help="scenario | batch | solution")],
) -> None:
    """Print the JSON Schema of a scenario file, a batch spec or solution.json."""
    from pkplanner.batch.spec import BatchSpec
    from pkplanner.scenario.schema import Scenario
    from pkplanner.solution.schema import SolutionFile
    models: dict[str, Any] = {"scenario": Scenario, "batch": BatchSpec, "solution": SolutionFile}
    if name not in models:
        raise InputError.one("schema", "", f"unknown schema '{name}' ({', '.join(models)})")
    print(json.dumps(models[name].model_json_schema(), indent=2, ensure_ascii=False))


def usage_line(e: typer.TyperException) -> str:
    """A usage error as one line, like every other input error (typer's own rendering is
    usage, a hint and the error over four lines): `error: --option: problem`, or the
    problem and where to find help."""
    param = getattr(e, "param", None)
    opts = getattr(param, "opts", None)
    if (isinstance(e, typer.BadParameter) and e.message and opts
            and getattr(param, "param_type_name", "") == "option"):
        return one_line(f"error: {opts[0]}: {e.message}")
    ctx = getattr(e, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    return one_line(f"error: {e.format_message()}{hint}")


def main() -> None:
    try:
        rc = app(standalone_mode=False)
        sys.exit(rc if isinstance(rc, int) else 0)
    except InputError as e:
        for p in e.problems:
            print(p, file=sys.stderr)
        sys.exit(EXIT_INPUT)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        sys.exit(130)
    except typer.TyperException as e:  # usage errors: missing argument, bad option value
        if type(e).__name__ == "NoArgsIsHelpError":      # `pkplanner` alone: the help
            show = getattr(e, "show", None)
            if show is not None:
                show()
        else:
            print(usage_line(e), file=sys.stderr)
        sys.exit(EXIT_INPUT)
    except Exception as e:
        if os.environ.get("PKPLANNER_DEBUG"):
            raise
        print(f"error: internal error: {e.__class__.__name__}: {e} "
              "(set PKPLANNER_DEBUG=1 for details)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
