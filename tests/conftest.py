"""Shared fixtures: the fully explicit worked example and a YAML writer."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
# a copy of ../shared/examples/two_zones.yaml (test_shared_copy keeps them identical)
TWO_ZONES = Path(__file__).resolve().parents[1] / "scenarios" / "examples" / "two_zones.yaml"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def two_zones_path() -> Path:
    """../shared/examples/two_zones.yaml (from the repo root): every key written out."""
    return TWO_ZONES


@pytest.fixture(scope="session")
def _two_zones_cached(two_zones_path: Path) -> dict[str, Any]:
    return yaml.safe_load(two_zones_path.read_text(encoding="utf-8"))


@pytest.fixture
def two_zones_doc(_two_zones_cached: dict[str, Any]) -> dict[str, Any]:
    """The parsed two_zones YAML; a fresh copy per test, so tests may mutate it."""
    return copy.deepcopy(_two_zones_cached)


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., Path]:
    """write_yaml(data, name="scenario.yaml") -> Path of the written file (under tmp_path)."""

    def write(data: Any, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
        return path

    return write
