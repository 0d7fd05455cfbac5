"""`--time-limit` bounds the whole command, and long work shows progress on a terminal."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from pkplanner import cli
from pkplanner.engine import highs as hs
from pkplanner.engine.sensitivity import sensitivity
from pkplanner.engine.solve import document, solve
from pkplanner.scenario.resolve import load_resolved

REPO = Path(__file__).resolve().parents[1]


def test_options_share_one_time_limit(tmp_path: Path) -> None:
    """Four options on the 2020 reference scenario: each used to get the whole limit."""
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pkplanner", "options",
                           str(REPO / "scenarios" / "karabakh_2020.yaml"), "--time-limit", "6",
                           "--out", str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    seconds = time.monotonic() - t0
    assert done.returncode == 0, done.stdout + done.stderr
    # HiGHS checks its limit between root-node rounds: one call may overrun by seconds
    assert seconds < 6 + 12, seconds
    solved = [json.loads(p.read_text()) for p in sorted(tmp_path.glob("solution-*.json"))]
    assert [d["option"] for d in solved] == ["A", "B", "C", "D"]
    assert sum(d["solver"]["seconds"] for d in solved) < 6 + 10


def test_sensitivity_stops_at_the_deadline() -> None:
    rs = load_resolved(REPO / "scenarios" / "examples" / "two_zones.yaml")
    settings = hs.SolverSettings(time_limit=30, gap=0.0)
    doc = document(rs, solve(rs, "cost", settings))
    assert doc["binding"]
    full = sensitivity(rs, doc, "cost", settings)
    assert full and all(r["status"] != "not run" for r in full)
    none = sensitivity(rs, doc, "cost", settings, deadline=time.monotonic() - 1)
    assert [r["rule"] for r in none] == [r["rule"] for r in full]
    assert all(r["status"] == "not run" and r["objective_change"] is None for r in none)


def test_progress_shows_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(cli, "Console", lambda **kw: Console(file=screen, force_terminal=True,
                                                             width=100))
    with cli.working("solving two_zones option X", time.monotonic() + 5):
        time.sleep(0.6)
    assert "solving two_zones option X" in screen.getvalue()
    piped = io.StringIO()
    monkeypatch.setattr(cli, "Console", lambda **kw: Console(file=piped, force_terminal=False))
    with cli.working("solving", time.monotonic() + 5):
        time.sleep(0.3)
    assert piped.getvalue() == ""


def test_time_limited_run_on_a_hard_instance_returns_a_plan_with_an_honest_gap(
        tmp_path: Path) -> None:
    """A small instance of the hard generated class, asked for an exact optimum in 3 s:
    the plan found is returned, the verifier accepts it, and its status and gap say how
    good it is, against the bound HiGHS proved (never "optimal" short of the target)."""
    from pkplanner.verify.check import verify
    from tests.test_starts import hard_instance

    rs = load_resolved(hard_instance(tmp_path, 6, 28))
    out = solve(rs, "cost", hs.SolverSettings(time_limit=3.0, gap=0.0))
    assert out.plan is not None and out.objective_value is not None
    assert out.status in ("feasible", "optimal")
    doc = document(rs, out)
    assert [str(v) for v in verify(rs, doc)] == []
    assert out.bound is not None and out.bound <= out.objective_value * (1 + 1e-9)
    assert out.gap == pytest.approx(hs.relative_gap(out.objective_value, out.bound))
    if out.status == "feasible":
        assert out.gap > 0
    else:
        assert out.gap <= 1e-6
    assert doc["status"] == out.status and doc["mip_gap"] == pytest.approx(out.gap)


def test_a_start_is_the_answer_when_highs_ends_without_a_plan(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The start found a plan but HiGHS's run ended without one (a limit it reached
    before taking the start in): the start's plan is the answer, status feasible with
    the bound HiGHS proved, not "no plan"."""
    from pkplanner.engine.heuristic import units_first
    from pkplanner.engine.solve import build

    rs = load_resolved(REPO / "scenarios" / "examples" / "three_zones_veto.yaml")
    d, m, _ = build(rs, "cost")
    solver = hs.PersistentHighs(m, hs.SolverSettings(time_limit=30.0, gap=0.0))
    real = hs.read_result

    def without_plan(h: object, seed: int, mip: bool) -> hs._Result:
        got = real(h, seed, mip)  # type: ignore[arg-type]
        assert got.objective is not None
        return hs._Result("no_solution", None, got.objective * 0.5, None, 0, seed)

    monkeypatch.setattr(hs, "read_result", without_plan)
    stats = solver.run(start=units_first(m, d))
    assert stats.start_objective is not None
    assert (stats.status, stats.objective) == ("feasible", stats.start_objective)
    assert stats.gap == pytest.approx(0.5)
    assert stats.bound == pytest.approx(stats.start_objective * 0.5)


def test_progress_reports_the_incumbent_and_bound_as_they_move() -> None:
    """SolverSettings.on_progress: the start's plan, then HiGHS's; incumbents only fall,
    bounds only rise, and the last report is the answer's."""
    rs = load_resolved(REPO / "scenarios" / "karabakh_2020.yaml", "C")
    seen: list[tuple[float | None, float | None]] = []
    out = solve(rs, "cost", hs.SolverSettings(time_limit=60, gap=1e-3,
                                              on_progress=lambda i, b: seen.append((i, b))))
    assert out.status == "optimal" and seen
    assert seen[0][0] == pytest.approx(out.start_objective)       # the start comes first
    plans = [i for i, _b in seen if i is not None]
    bounds = [b for _i, b in seen if b is not None]
    assert plans == sorted(plans, reverse=True) and bounds == sorted(bounds)
    assert plans[-1] == pytest.approx(out.objective_value)
    assert bounds and bounds[-1] <= out.objective_value + 1e-6


def test_progress_lines_when_not_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    live = cli.Live("solving", time.monotonic())
    live.update(None, 90.0)
    live.update(120.0, 90.0)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert err[0].endswith("no plan yet, bound 90")
    assert err[1].endswith("plan 120, bound 90, gap 25.00%")
    assert live.text == "solving: plan 120, bound 90, gap 25.00%"


def test_progress_in_the_live_line_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(cli, "Console", lambda **kw: Console(file=screen, force_terminal=True,
                                                             width=120))
    with cli.working("solving x", time.monotonic() + 5) as live:
        live.update(1000.0, 990.0)
        time.sleep(0.6)
    assert "plan 1,000, bound 990, gap 1.00%" in screen.getvalue()
