"""Every planning option of both reference scenarios solves, or says which rules conflict.

The solutions are checked here against the rules they must hold, straight from the
solution file and the resolved scenario (the full independent verifier is its own module).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pkplanner.engine.highs import SolverSettings
from pkplanner.engine.solve import document, solve
from pkplanner.scenario.resolve import load, resolve
from pkplanner.verify.check import verify

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ["scenarios/karabakh_kcg_2014.yaml", "scenarios/karabakh_2020.yaml"]
EXAMPLES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios" / "examples").glob(
    "*.yaml"))


def check_rules(doc: dict[str, Any], sc: Any) -> None:
    r = sc.rules
    total = doc["totals"]["personnel"]
    assert total == sum(a["personnel"] for a in doc["allocations"])
    units = {u.id: u for u in sc.unit_types}
    offered = {c.id: c for c in sc.contributors}
    used: dict[tuple[str, str], int] = {}
    for a in doc["allocations"]:
        assert a["personnel"] == a["units"] * units[a["unit_type"]].personnel
        used[a["contributor"], a["unit_type"]] = used.get(
            (a["contributor"], a["unit_type"]), 0) + a["units"]
    for (c, u), n in used.items():
        assert n <= offered[c].units[u], f"capacity of {c} {u}"
    excluded = set(r.exclude_groups)
    for c in doc["contributors"]:
        assert c["share"] <= r.max_share + 1e-9, f"max_share {c}"
        assert c["personnel"] >= r.min_contingent
        assert c["personnel"] <= offered[c["contributor"]].max_personnel
        assert not excluded & set(offered[c["contributor"]].groups)
    assert doc["totals"]["contributors"] >= r.min_contributors
    for p, floor in r.acceptability_floor.items():
        assert doc["acceptability"][p] >= floor - 1e-9
    if r.personnel_max is not None:
        assert r.personnel_min <= total <= r.personnel_max
    zones = {z.id: z for z in sc.zones}
    for z in doc["zones"]:
        if zones[z["zone"]].required:
            assert z["deployed"]
        if z["deployed"]:
            assert r.mandates is None or z["mandate"] in r.mandates
            for need in z["requirements"].values():
                assert need["provided"] >= need["required"] - 1e-9


@pytest.mark.parametrize("option", ["A", "B", "C", "D"])
@pytest.mark.parametrize("path", REFERENCE)
def test_every_option_solves_or_names_conflicts(path: str, option: str) -> None:
    rs = resolve(load(ROOT / path), option)
    out = solve(rs, None, SolverSettings(time_limit=60, gap=0.01))
    doc = document(rs, out)
    assert out.status in ("optimal", "feasible", "infeasible")
    if out.status == "infeasible":
        assert doc["conflicts"], "an infeasible option must name its conflicting rules"
    else:
        check_rules(doc, rs.scenario)
        assert [str(v) for v in verify(rs, doc)] == []
        assert (out.gap is not None and out.gap <= 0.01 + 1e-9) or out.status == "feasible"


@pytest.mark.parametrize("path", EXAMPLES)
def test_teaching_examples_solve(path: str) -> None:
    rs = resolve(load(ROOT / path))
    out = solve(rs, None, SolverSettings(time_limit=30, gap=0.0))
    assert out.status == "optimal"
    doc = document(rs, out)
    check_rules(doc, rs.scenario)
    assert [str(v) for v in verify(rs, doc)] == []


def test_veto_example_optimum_matches_its_header() -> None:
    """three_zones_veto.yaml states its optimum in its header comment."""
    path = ROOT / "scenarios" / "examples" / "three_zones_veto.yaml"
    rs = resolve(load(path))
    out = solve(rs, None, SolverSettings(time_limit=30, gap=0.0))
    header = path.read_text().split("\nschema_version")[0]
    assert f"{round(out.objective_value):,}" in header


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pkplanner", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_cli_solve_writes_solution_and_summary(tmp_path: Path, two_zones_path: Path) -> None:
    res = cli("solve", str(two_zones_path), "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert "632,000 per month" in res.stdout
    assert "status: optimal" in res.stdout
    doc = json.loads((tmp_path / "solution.json").read_text())
    assert doc["schema_version"] == 1
    assert doc["status"] == "optimal"
    assert doc["objective"] == {"kind": "cost", "value": pytest.approx(632_000)}
    assert doc["totals"]["personnel"] == 316
    assert doc["scenario"]["name"] == "two_zones"
    assert len(doc["scenario"]["sha256"]) == 64
    assert doc["rules"]["max_share"] == 0.6
    for key in ("zones", "allocations", "contributors", "acceptability",
                "armament_acceptability", "binding", "conflicts", "solver"):
        assert key in doc
    assert all(isinstance(a["units"], int) for a in doc["allocations"])


def test_cli_solve_infeasible_exits_3_with_rule_families(tmp_path: Path,
                                                         two_zones_path: Path) -> None:
    res = cli("solve", str(two_zones_path), "--set", "rules.max_share=0.3", "--out",
              str(tmp_path))
    assert res.returncode == 3, res.stdout + res.stderr
    assert "dominance.max_share" in res.stdout
    doc = json.loads((tmp_path / "solution.json").read_text())
    assert doc["status"] == "infeasible"
    assert [c["rule"] for c in doc["conflicts"]] == ["dominance.max_share"]


def test_cli_acceptability_objective(tmp_path: Path, two_zones_path: Path) -> None:
    res = cli("solve", str(two_zones_path), "--objective", "acceptability", "--out",
              str(tmp_path))
    assert res.returncode == 0, res.stderr
    doc = json.loads((tmp_path / "solution.json").read_text())
    best = min(doc["acceptability"].values())
    assert doc["objective"]["value"] == pytest.approx(best)
    assert best >= 0.6        # well above the cost optimum's 0.5525
    assert doc["iterations"][-1]["stage"] == "least cost"


def test_cli_export_mps(tmp_path: Path, two_zones_path: Path) -> None:
    import highspy
    mps = tmp_path / "m.mps"
    res = cli("export", str(two_zones_path), "--mps", str(mps))
    assert res.returncode == 0, res.stderr
    text = mps.read_text()
    assert "dominance_max_share" in text and "requirement" in text
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(mps))
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(632_000)


def test_cli_options_prints_all_options(two_zones_path: Path, tmp_path: Path) -> None:
    res = cli("options", str(two_zones_path), "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert "X: Open option" in res.stdout and "632,000" in res.stdout
    assert "632,000" in (tmp_path / "comparison.md").read_text()
    assert (tmp_path / "comparison.html").stat().st_size > 100_000     # plotly inlined
    assert json.loads((tmp_path / "solution-X.json").read_text())["status"] == "optimal"


def test_cli_solve_writes_reports_and_verify_catches_tampering(tmp_path: Path,
                                                               two_zones_path: Path) -> None:
    res = cli("solve", str(two_zones_path), "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert "verifier: every constraint family holds" in res.stdout
    for name in ("solution.json", "report.md", "report.html", "solution.xlsx"):
        assert (tmp_path / name).exists(), name
    ok = cli("verify", str(two_zones_path), str(tmp_path / "solution.json"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    doc = json.loads((tmp_path / "solution.json").read_text())
    doc["contributors"][0]["share"] = 0.7          # above max_share 0.6
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(doc))
    res = cli("verify", str(two_zones_path), str(bad))
    assert res.returncode == 1
    assert "totals: contributor AAA: share" in res.stdout
    doc = json.loads((tmp_path / "solution.json").read_text())
    for a in doc["allocations"]:        # hand BBB's company to AAA: AAA > 60% of the force
        if a["contributor"] == "BBB":
            a["contributor"] = "AAA"
    bad.write_text(json.dumps(doc))
    res = cli("verify", str(two_zones_path), str(bad))
    assert res.returncode == 1
    assert "dominance.max_share: AAA" in res.stdout
    rebuilt = cli("report", str(tmp_path / "solution.json"), "--out", str(tmp_path / "again"))
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert (tmp_path / "again" / "report.html").exists()
