"""models/formulation.md, the family registry and the model speak one vocabulary."""

from __future__ import annotations

from pathlib import Path

import pyomo.environ as pyo

from pkplanner.engine.model import family_of
from pkplanner.engine.solve import build
from pkplanner.rules.catalog import FAMILIES
from pkplanner.scenario.resolve import load_resolved

DOC = (Path(__file__).resolve().parents[1] / "models" / "formulation.md").read_text()
HELPERS = {"def_P_c", "def_P_z", "def_N", "participation", "deployed_presence",
           "presence_link", "presence_upper", "capacity_link"}


def test_every_family_is_documented() -> None:
    for f in FAMILIES:
        assert f.name in DOC, f"{f.name} missing from models/formulation.md"


def test_every_model_component_belongs_to_a_family(two_zones_path: Path) -> None:
    rs = load_resolved(two_zones_path)
    _, m, _ = build(rs, "cost")
    for comp in m.component_objects(pyo.Constraint):
        assert comp.name in HELPERS or family_of(comp.name) is not None, comp.name
        assert comp.name in DOC or str(family_of(comp.name)) in DOC


def test_shared_copy_of_two_zones_is_identical() -> None:
    """scenarios/examples/two_zones.yaml is the design's conformance example, unchanged."""
    root = Path(__file__).resolve().parents[1]
    shared = root.parent / "shared" / "examples" / "two_zones.yaml"
    if not shared.exists():
        import pytest
        pytest.skip("../shared is not beside this checkout")
    assert (root / "scenarios" / "examples" / "two_zones.yaml").read_bytes() == \
        shared.read_bytes()
