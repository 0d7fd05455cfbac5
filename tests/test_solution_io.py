"""One re-resolver from a solution file, shared by `report` and `verify`."""

from __future__ import annotations

from pathlib import Path

from pkplanner.engine import highs as hs
from pkplanner.engine.solve import document, solve
from pkplanner.files import write_solution
from pkplanner.report import resolved_for
from pkplanner.scenario.resolve import load_resolved
from pkplanner.solution.io import resolved_from_solution
from pkplanner.verify.check import verify_file

REPO = Path(__file__).resolve().parents[1]


def test_report_and_verify_resolve_a_small_float_override_alike(tmp_path: Path) -> None:
    """`1e-05` written back as `--set` text: json.dumps gives `1e-05`, which YAML 1.1 reads
    as a string; report once did that while verify did not."""
    path = REPO / "scenarios" / "examples" / "two_zones.yaml"
    sets = ["zones.north.weight=1.0e-05"]
    rs = load_resolved(path, None, sets)
    assert rs.overrides == {"zones.north.weight": 1e-05}
    doc = document(rs, solve(rs, "cost", hs.SolverSettings(time_limit=30, gap=0.0)))
    write_solution(tmp_path / "solution.json", doc)
    again, used = resolved_from_solution(doc)
    assert str(used) == str(path)
    assert resolved_for(doc).sha256 == again.sha256 == rs.sha256
    assert verify_file(None, tmp_path / "solution.json") == []
