"""`pkplanner batch` from the command line: runs, stores, resumes, rejects a bad spec."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pkplanner", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_batch_grid_runs_and_resumes(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"""schema_version: 1
name: cli_sweep
scenarios: [{ROOT / "scenarios" / "examples" / "two_zones.yaml"}]
time_limit: 10
grid:
  rules.max_share: [0.3, 0.5, 0.6]
""")
    out = tmp_path / "out"
    res = cli("batch", str(spec), "--out", str(out), "--workers", "1")
    assert res.returncode == 0, res.stdout + res.stderr
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    rows = con.execute("select overrides, status from runs order by overrides").fetchall()
    con.close()
    assert [s for _, s in rows] == ["infeasible", "optimal", "optimal"]
    assert (out / "batch_report.html").exists()
    assert (out / "parquet" / "runs.parquet").exists()
    again = cli("batch", str(spec), "--out", str(out), "--workers", "1")
    assert again.returncode == 0
    assert "0 solved now" in again.stdout


def test_batch_bad_spec_exits_2(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("schema_version: 1\nname: x\nscenarios: []\ngrd: {}\n")
    res = cli("batch", str(spec), "--out", str(tmp_path / "o"))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert all(line.startswith("error: ") for line in res.stderr.strip().splitlines())


def test_batch_runs_a_phased_scenario(tmp_path: Path) -> None:
    """A grid over a transition rule: each point solved as a phased plan and verified; the
    objective is the whole plan's cost (two_phases.yaml: 4,176,000), the head count the
    first phase's."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"""schema_version: 1
name: phased_sweep
scenarios: [{ROOT / "scenarios" / "examples" / "two_phases.yaml"}]
time_limit: 20
grid:
  transition.final_ceiling: [10, 50]
""")
    out = tmp_path / "out"
    res = cli("batch", str(spec), "--out", str(out), "--workers", "1")
    assert res.returncode == 0, res.stdout + res.stderr
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    rows = con.execute("select overrides, status, objective_value, personnel, error from runs "
                       "order by overrides").fetchall()
    con.close()
    assert [r[1] for r in rows] == ["infeasible", "optimal"], rows
    assert rows[1][2] == 4_176_000 and rows[1][3] == 316
