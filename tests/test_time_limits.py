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
