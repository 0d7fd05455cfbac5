"""Shared fixtures: the fully explicit worked example and a YAML writer."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
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


CHROMIUM = Path("/usr/lib/chromium/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def launch_chromium(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Debian chromium through playwright, for the browser tests. Reuses pytest-playwright's
    session `playwright` when the plugin is there (two sync Playwright instances cannot
    coexist in one thread). Fails, never skips, when chromium is missing."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: the browser tests need the "
                    "Debian package (apt-get install -y chromium); playwright cannot "
                    "download a browser here.")
    own = None
    try:
        pw = request.getfixturevalue("playwright")
    except pytest.FixtureLookupError:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            pytest.fail("the playwright package is missing: pip install -e '.[dev]'")
        own = pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                 headless=True)
    yield browser
    browser.close()
    if own is not None:
        own.stop()
