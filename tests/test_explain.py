"""Explanations of infeasible scenarios whose conflict is known by construction."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from pkplanner.explain import explain
from pkplanner.scenario import load_resolved

ROOT = Path(__file__).resolve().parents[1]


def vetoes_doc() -> dict[str, Any]:
    """One zone needing 300 armed presence. TUR and RUS could each provide it; SWE and FIN
    together offer only one 150-person company. AM vetoes TUR, AZ vetoes RUS."""
    def contributor(cid: str, cost: int, companies: int) -> dict[str, Any]:
        return {"id": cid, "cost_per_person_month": cost, "max_personnel": 5000,
                "groups": ["osce"], "units": {"infantry_company": companies}}
    return {
        "schema_version": 1, "name": "vetoes",
        "parties": [{"id": "AZ"}, {"id": "AM"}],
        "armament_levels": ["civilian", "observer", "light", "armed"],
        "threat_multipliers": {1: 1.0, 2: 1.25, 3: 1.5, 4: 1.75, 5: 2.0},
        "unit_types": [{"id": "infantry_company", "personnel": 150, "armament": "armed",
                        "capabilities": {"presence": 150}}],
        "mandates": [{"id": "interposition", "min_armament": "armed", "max_armament": "armed",
                      "requirements": {"presence": {"base": 300}}}],
        "zones": [{"id": "centre", "location": {"lat": 40, "lon": 46.5}}],
        "hubs": [{"id": "hub", "location": {"lat": 40.2, "lon": 46.5}}],
        "routes": [{"from": "hub", "to": "centre", "km": 20}],
        "contributors": [contributor("TUR", 2000, 4), contributor("RUS", 2100, 4),
                         contributor("SWE", 6000, 1), contributor("FIN", 6500, 0)],
        "acceptability": {"default": 0.5},
        "vetoes": [{"party": "AM", "contributor": "TUR"}, {"party": "AZ", "contributor": "RUS"}],
        "rules": {},
        "planning_options": [{"id": "C", "mandates": ["interposition"]}],
        "planning_option": "C",
    }


def write(tmp_path: Path, doc: dict[str, Any], name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(doc))
    return p


def test_two_vetoes_and_short_capacity(tmp_path: Path) -> None:
    rs = load_resolved(write(tmp_path, vetoes_doc()))
    conflicts = {c.rule: c for c in explain(rs)}
    assert "veto AM->TUR" in conflicts
    assert "veto AZ->RUS" in conflicts
    assert "capacity.SWE" in conflicts
    assert conflicts["veto AM->TUR"].relaxation == "drop AM's veto on TUR"
    assert conflicts["veto AZ->RUS"].relaxation == "drop AZ's veto on RUS"
    assert "TUR" in conflicts["veto AM->TUR"].detail


def test_solve_exits_3_and_writes_conflicts(tmp_path: Path) -> None:
    path = write(tmp_path, vetoes_doc())
    res = subprocess.run([sys.executable, "-m", "pkplanner", "solve", str(path), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert res.returncode == 3, res.stdout + res.stderr
    assert "veto AM->TUR" in res.stdout and "drop AM's veto on TUR" in res.stdout
    doc = json.loads((tmp_path / "out" / "solution.json").read_text())
    assert doc["status"] == "infeasible"
    rules = {c["rule"] for c in doc["conflicts"]}
    assert {"veto AM->TUR", "veto AZ->RUS"} <= rules
    assert all(set(c) == {"rule", "detail", "relaxation"} for c in doc["conflicts"])


def test_floor_relaxation_is_the_best_reachable_floor(tmp_path: Path) -> None:
    """AM scores TUR 0, RUS 0.9, SWE 0.6; nobody above half the force. The best AM score is
    RUS + SWE one company each: 0.75, so a floor of 0.8 must come down to 0.75."""
    doc = vetoes_doc()
    doc["vetoes"] = []
    doc["acceptability"]["contributors"] = {"AM": {"TUR": 0.0, "RUS": 0.9, "SWE": 0.6}}
    doc["rules"] = {"acceptability_floor": {"AM": 0.8}, "max_share": 0.5}
    rs = load_resolved(write(tmp_path, doc))
    conflicts = {c.rule: c for c in explain(rs)}
    assert "acceptability.AM" in conflicts
    assert conflicts["acceptability.AM"].relaxation == "lower AM's floor to 0.75"


def test_max_share_relaxation(tmp_path: Path) -> None:
    """Only TUR and RUS offer companies: two contributors cannot stay below 0.4 each."""
    doc = vetoes_doc()
    doc["vetoes"] = []
    doc["contributors"] = [c for c in doc["contributors"] if c["id"] in ("TUR", "RUS")]
    doc["rules"] = {"max_share": 0.4}
    rs = load_resolved(write(tmp_path, doc))
    conflicts = explain(rs)
    assert [c.rule for c in conflicts] == ["dominance.max_share"]
    assert conflicts[0].relaxation == "raise max_share to 0.50"


def test_feasible_scenario_has_no_conflicts(tmp_path: Path) -> None:
    doc = vetoes_doc()
    doc["vetoes"] = []
    assert explain(load_resolved(write(tmp_path, doc))) == []


def test_feasible_scenario_explain_command(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "pkplanner", "explain",
                          "scenarios/examples/two_zones.yaml"], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert res.returncode == 0
    assert "no conflicting rules" in res.stdout
