"""benchmarks/generate.py: the instance classes the benchmark measures (issue 14)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pkplanner.scenario.resolve import load_resolved

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH / "generate.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_generate"] = mod
    spec.loader.exec_module(mod)
    return mod


def team_only(doc: dict, generate: ModuleType) -> int:
    """Contributors whose every unit type is below the minimum contingent of 30."""
    return sum(1 for c in doc["contributors"]
               if all(generate.UNIT_PERSONNEL[u] < 30 for u in c["units"]))


def test_same_seed_same_bytes_and_classes_differ(generate: ModuleType) -> None:
    base = generate.dump(generate.generate(12, 56, 1))
    assert base == generate.dump(generate.generate(12, 56, 1))
    hard = generate.dump(generate.generate(12, 56, 1, profile="hard"))
    assert hard == generate.dump(generate.generate(12, 56, 1, profile="hard"))
    assert hard != base
    assert hard != generate.dump(generate.generate(12, 56, 2, profile="hard"))


def test_hard_class_has_many_small_team_contributors_that_can_pad(
        generate: ModuleType, tmp_path: Path) -> None:
    base = generate.generate(12, 56, 1)
    hard = generate.generate(12, 56, 1, profile="hard")
    assert hard["name"] == "gen_hard_12x56_s1"
    assert team_only(hard, generate) >= 15 > team_only(base, generate) // 2
    # a small-team contributor of the hard class can often reach the minimum contingent
    # only by padding with several teams
    padders = [c for c in hard["contributors"]
               if all(generate.UNIT_PERSONNEL[u] < 30 for u in c["units"])
               and sum(generate.UNIT_PERSONNEL[u] * n for u, n in c["units"].items()) >= 30]
    assert len(padders) >= 5
    rules = hard["rules"]
    assert (rules["min_contingent"], rules["max_share"], rules["max_share_zone"]) == (30, 0.34, 0.6)
    assert rules["acceptability_floor"] == {"AZ": 0.5, "AM": 0.5}
    assert len(hard["vetoes"]) == 2
    rs = load_resolved(generate.write(hard, tmp_path / "hard.yaml"))
    assert len(rs.scenario.zones) == 12 and len(rs.scenario.contributors) == 56


def test_unknown_profile_is_refused(generate: ModuleType) -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        generate.generate(12, 56, 1, profile="harder")
