"""The `pkplanner` command line (contracts.md §2).

A thin layer: each command loads, calls the package and prints. One error formatter:
bad input prints `error: FILE: path: problem` lines and exits 2; never a traceback
unless PKPLANNER_DEBUG=1.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pkplanner import highs as hs
from pkplanner.errors import InputError
from pkplanner.explain import explain as explain_conflicts
from pkplanner.report import resolved_for, write_comparison, write_report, write_xlsx
from pkplanner.results import write_atomic, write_solution
from pkplanner.scenario import ResolvedScenario, load, load_resolved, resolve
from pkplanner.sensitivity import sensitivity
from pkplanner.solve import Outcome, build, document, solve
from pkplanner.verify import load_solution, verify, verify_file

EXIT_OK, EXIT_CHECK, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Plan the composition of a multinational peacekeeping force.")
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
             seed: int = 0) -> hs.SolverSettings:
    return hs.SolverSettings(time_limit=time_limit, gap=gap, threads=threads,
                             racers=racers, seed=seed)


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
                      f"option {rs.option.id} ({rs.option.name}), objective {sc.objective}")
    r = sc.rules
    out_console.print(
        f"  rules: mandates {r.mandates or 'any'}, max armament {r.max_armament or 'any'}, "
        f"max_share {r.max_share}, min_contributors {r.min_contributors}, "
        f"floors {r.acceptability_floor or 'none'}, exclude {r.exclude_groups or 'none'}")
    out_console.print(f"  sha256 {rs.sha256}")
    out_console.print("ok")


@app.command("solve")
def solve_cmd(
    scenario: ScenarioArg,
    option: OptionOpt = None,
    objective: Annotated[str | None, typer.Option(
        help="cost | acceptability | coverage (default: the scenario's)")] = None,
    set_: SetOpt = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="seconds")] = 60.0,
    gap: Annotated[float, typer.Option(help="relative MIP gap")] = 1e-3,
    threads: Annotated[int, typer.Option(help="HiGHS threads")] = 1,
    racers: RacersOpt = 1,
    seed: SeedOpt = 0,
    out: OutOpt = None,
    with_sensitivity: Annotated[bool, typer.Option(
        "--sensitivity", help="re-solve with each binding rule relaxed one step")] = False,
) -> None:
    """Solve one planning option; write solution.json and print a summary."""
    check_objective(objective, ("cost", "acceptability", "coverage"))
    rs = load_resolved(scenario, option, set_)
    outcome = solve(rs, objective, settings(time_limit, gap, threads, racers, seed))
    doc = document(rs, outcome, threads)
    if with_sensitivity and outcome.plan is not None:
        doc["sensitivity"] = sensitivity(rs, doc, outcome.objective,
                                         settings(time_limit, gap, threads, racers, seed))
    folder = out or Path("out") / f"{rs.scenario.name}-{rs.option.id}"
    verdict = [str(v) for v in verify(rs, doc)]
    write_solution(folder / "solution.json", doc)
    write_report(folder, rs, doc, verdict)
    write_xlsx(folder / "solution.xlsx", rs, doc)
    print_summary(rs, outcome, doc)
    print_verdict(verdict)
    out_console.print(f"wrote {folder}/solution.json, report.md, report.html, solution.xlsx")
    raise typer.Exit(EXIT_CHECK if verdict else exit_code(outcome.status))


def print_verdict(verdict: list[str]) -> None:
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
    return {"optimal": EXIT_OK, "feasible": EXIT_OK, "infeasible": EXIT_INFEASIBLE}.get(
        status, EXIT_NO_SOLUTION)


def print_summary(rs: ResolvedScenario, outcome: Outcome, doc: dict[str, Any]) -> None:
    sc = rs.scenario
    out_console.print(f"{sc.name} option {rs.option.id} ({rs.option.name}), "
                      f"objective {outcome.objective}")
    if outcome.plan is None:
        out_console.print(f"status: {outcome.status} after {outcome.seconds:.2f} s")
        print_conflicts(doc["conflicts"])
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
    t = doc["totals"]
    gap = f"{outcome.gap:.4%}" if outcome.gap is not None else "n/a"
    out_console.print(f"total: {t['personnel']} personnel, {t['cost_per_month']:,.0f} per month,"
                      f" {t['contributors']} contributors")
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
        out_console.print("binding: " + ", ".join(rules))
    if used_up:
        out_console.print(f"capacity limits reached: {used_up} (listed in solution.json)")


@app.command()
def options(
    scenario: ScenarioArg,
    set_: SetOpt = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="seconds per option")] = 60.0,
    gap: Annotated[float, typer.Option(help="relative MIP gap")] = 1e-3,
    racers: RacersOpt = 1,
    seed: SeedOpt = 0,
    out: OutOpt = None,
) -> None:
    """Solve every planning option and print them side by side."""
    loaded = load(scenario, set_)
    rows = []
    for opt in loaded.scenario.planning_options:
        rs = resolve(loaded, opt.id)
        outcome = solve(rs, None, settings(time_limit, gap, 1, racers, seed))
        rows.append((opt, outcome, document(rs, outcome)))
    table = Table(title=f"{loaded.scenario.name}: planning options")
    table.add_column("")
    for opt, _, _ in rows:
        table.add_column(f"{opt.id}: {opt.name}")
    parties = [p.id for p in loaded.scenario.parties]

    def line(label: str, fn) -> None:  # type: ignore[no-untyped-def]
        table.add_row(label, *[fn(o, d) if o.plan is not None or label == "status" else "-"
                               for _, o, d in rows])

    line("status", lambda o, d: o.status + (f" ({', '.join(c['rule'] for c in d['conflicts'])})"
                                            if d["conflicts"] else ""))
    line("personnel", lambda o, d: f"{d['totals']['personnel']:,}")
    line("cost / month", lambda o, d: f"{d['totals']['cost_per_month']:,.0f}")
    line("contributors", lambda o, d: str(d["totals"]["contributors"]))
    line("largest share", lambda o, d: "{} {:.1%}".format(
        d["contributors"][0]["contributor"], d["contributors"][0]["share"]))
    for p in parties:
        line(f"acceptability {p}", lambda o, d, p=p: f"{d['acceptability'][p]:.3f}")
        line(f"armament acc. {p}", lambda o, d, p=p: f"{d['armament_acceptability'][p]:.3f}")
    line("armament", lambda o, d: armament_profile(d))
    line("zones deployed", lambda o, d: str(sum(z["deployed"] for z in d["zones"])))
    line("gap / seconds", lambda o, d: f"{(o.gap or 0):.2%} / {o.seconds:.1f}")
    out_console.print(table)
    folder = out or Path("out") / f"{loaded.scenario.name}-options"
    for opt, _, doc in rows:
        write_solution(folder / f"solution-{opt.id}.json", doc)
    write_comparison(folder, [(opt.id, opt.name, doc) for opt, _, doc in rows])
    out_console.print(f"wrote {folder}/comparison.md, comparison.html, solution-<option>.json")


def armament_profile(doc: dict[str, Any]) -> str:
    counts: dict[str, int] = {}
    for z in doc["zones"]:
        if z["deployed"]:
            counts[z["armament"]] = counts.get(z["armament"], 0) + z["personnel"]
    return ", ".join(f"{k} {v}" for k, v in counts.items())


@app.command()
def explain(scenario: ScenarioArg, option: OptionOpt = None, set_: SetOpt = None) -> None:
    """For an infeasible case, print the rules that conflict."""
    rs = load_resolved(scenario, option, set_)
    conflicts = explain_conflicts(rs)
    if not conflicts:
        out_console.print("a plan exists (or none was proven impossible in the time limit): "
                          "no conflicting rules")
        return
    print_conflicts([c.as_dict() for c in conflicts])
    raise typer.Exit(EXIT_INFEASIBLE)


def print_conflicts(conflicts: list[dict[str, str]]) -> None:
    if not conflicts:
        return
    out_console.print("No force satisfies these rules together "
                      "(dropping any one of them restores a plan):")
    for c in conflicts:
        out_console.print(f"  - {c['rule']}: {c['detail']}")
        if c.get("relaxation"):
            out_console.print(f"      smallest relaxation: {c['relaxation']}")


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


@app.command()
def report(
    solution: Annotated[Path, typer.Argument(help="solution.json")],
    out: OutOpt = None,
) -> None:
    """Rebuild report.md, report.html and solution.xlsx from a solution file."""
    doc = load_solution(solution)
    rs = resolved_for(doc)
    verdict = [str(v) for v in verify(rs, doc)]
    folder = out or solution.parent
    write_report(folder, rs, doc, verdict)
    write_xlsx(folder / "solution.xlsx", rs, doc)
    print_verdict(verdict)
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
    spec: Annotated[Path, typer.Argument(help="batch spec YAML (contracts.md §4)")],
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
    from pkplanner.batch import BatchAborted, run_batch
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
def app_cmd(port: Annotated[int, typer.Option(help="port")] = 8501) -> None:
    """Start the Streamlit planner app."""
    import subprocess
    path = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"
    if not path.exists():
        raise InputError.one(str(path), "", "the app is not installed next to the package")
    raise typer.Exit(subprocess.call([sys.executable, "-m", "streamlit", "run", str(path),
                                      "--server.port", str(port),
                                      "--server.maxUploadSize", "1",
                                      "--browser.gatherUsageStats", "false"]))


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
        show = getattr(e, "show", None)
        if show is not None:
            show()
        sys.exit(EXIT_INPUT)
    except Exception as e:
        if os.environ.get("PKPLANNER_DEBUG"):
            raise
        print(f"error: internal error: {e.__class__.__name__}: {e} "
              "(set PKPLANNER_DEBUG=1 for details)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
