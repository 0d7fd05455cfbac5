"""A scenario's `benchmark` (a force actually deployed): recorded in the solution with the
plan's ratio, checked by the verifier, shown by the report, `options` and `solve`; and the
2020 calibration point (karabakh_2020_mirror) within its tolerance of the 1,960 deployed.

The tiny case of test_model_optimum needs 40 km of observation; its optimum is four of AAA's
observer teams: 16 people. Against a benchmark of 20 the ratio is 0.8, inside ±30%.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pkplanner.report.comparison import build_comparison
from pkplanner.report.hlpg import build_report
from pkplanner.scenario.resolve import load_resolved
from pkplanner.verify.check import verify
from tests.test_model_optimum import run, tiny

ROOT = Path(__file__).resolve().parents[1]
BENCH = {"name": "Test force", "personnel": 20, "year": 2001, "source": "by hand"}


def with_benchmark(**over: Any) -> dict[str, Any]:
    doc = tiny()
    doc["benchmark"] = {**BENCH, **over}
    return doc


def test_the_solution_records_the_ratio_and_the_verifier_agrees(tmp_path: Path) -> None:
    sol = run(with_benchmark(), tmp_path)        # run() asserts the verifier finds nothing
    assert sol["totals"]["personnel"] == 16
    assert sol["benchmark"] == {"name": "Test force", "personnel": 20, "year": 2001,
                                "source": "by hand", "tolerance": 0.3, "ratio": 0.8}


def test_no_benchmark_no_record(tmp_path: Path) -> None:
    assert "benchmark" not in run(tiny(), tmp_path)


@pytest.mark.parametrize(("tamper", "says"), [
    (lambda s: s["benchmark"].update(ratio=1.0), "ratio 1.0 but 16 / 20 = 0.8000"),
    (lambda s: s["benchmark"].update(personnel=1960), "personnel 1960 but the scenario's"),
    (lambda s: s.pop("benchmark"), "missing from the solution"),
])
def test_the_verifier_catches_a_wrong_benchmark(tmp_path: Path, tamper: Any, says: str
                                               ) -> None:
    doc = with_benchmark()
    sol = run(doc, tmp_path)
    tamper(sol)
    rs = load_resolved(tmp_path / "tiny.yaml")
    found = [str(v) for v in verify(rs, sol)]
    assert len(found) == 1 and found[0].startswith("benchmark") and says in found[0]


def test_a_benchmark_the_scenario_does_not_have(tmp_path: Path) -> None:
    sol = run(tiny(), tmp_path)
    sol["benchmark"] = {**BENCH, "tolerance": 0.3, "ratio": 0.8}
    rs = load_resolved(tmp_path / "tiny.yaml")
    assert [v.family for v in verify(rs, sol)] == ["benchmark"]


def test_report_and_comparison_set_the_plan_against_it(tmp_path: Path) -> None:
    sol = run(with_benchmark(), tmp_path)
    rs = load_resolved(tmp_path / "tiny.yaml")
    md = build_report(rs, sol, []).markdown()
    assert ("Against the benchmark: 16 personnel is ×0.80 of 20 (Test force, 2001), the force "
            "actually deployed (source: by hand). Within ±30% of it.") in md
    far = run(with_benchmark(personnel=40, tolerance=0.25), tmp_path)
    assert "×0.40 of 40 (Test force, 2001)" in build_report(rs, far, []).markdown()
    assert "Outside ±25% of it." in build_report(rs, far, []).markdown()
    cmp_md = build_comparison([("X", "one", sol), ("Y", "two", far)]).markdown()
    row = next(line for line in cmp_md.splitlines() if "against the benchmark" in line)
    assert "×0.80 of 20" in row and "×0.40 of 40" in row


def test_solve_prints_it_and_bad_input_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(with_benchmark()))
    cmd = [sys.executable, "-m", "pkplanner"]
    done = subprocess.run([*cmd, "solve", str(path), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "against the benchmark: ×0.80 of 20 (Test force, 2001)" in done.stdout
    saved = json.loads((tmp_path / "out" / "solution.json").read_text())
    assert saved["benchmark"]["ratio"] == 0.8
    bad = subprocess.run([*cmd, "validate", str(path), "--set", "benchmark.personnel=0"],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and "benchmark.personnel" in lines[0], bad.stderr


def test_the_2020_mandate_is_sized_within_its_tolerance_of_the_deployed_force() -> None:
    """The calibration point: karabakh_2020_mirror plans the mandate of 10 November 2020
    (armed observation along the contact line and the Lachin corridor). Its plan is the
    golden one (tests/golden, kept current by test_golden), so no solve here."""
    sol = json.loads((ROOT / "tests" / "golden" / "karabakh_2020_mirror-C" /
                      "solution.json").read_text())
    bm = sol["benchmark"]
    assert bm["personnel"] == 1960 and sol["status"] == "optimal"
    assert abs(bm["ratio"] - 1) <= bm["tolerance"] == 0.3
    assert bm["ratio"] == round(sol["totals"]["personnel"] / 1960, 4)
