"""Files that ship inside the package: doctrine, planning options, the contributor pool,
the reference and teaching scenarios, and the app.

The repository keeps them at its top (`models/`, `scenarios/`, `app/`); the build maps
those folders into the package as `pkplanner.models`, `pkplanner.scenarios` and
`pkplanner.app` (pyproject.toml, `package-dir`), so one copy of each file serves an
editable checkout and an installed wheel alike, found through importlib.resources.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

SHIPPED = "pkplanner:"          # `extends: pkplanner:osce_pool`, `solve pkplanner:two_zones`
KINDS = (("", "reference"), ("examples", "example"), ("base", "base"))


def _folder(package: str) -> Path:
    # wheels and editable installs both unpack to real folders; a zip import is not supported
    return Path(str(files(package)))


def models_dir() -> Path:
    """Where doctrine and planning options live (override with PKPLANNER_MODELS)."""
    env = os.environ.get("PKPLANNER_MODELS")
    return Path(env) if env else _folder("pkplanner.models")


def scenarios_dir() -> Path:
    return _folder("pkplanner.scenarios")


def app_script() -> Path:
    return _folder("pkplanner.app") / "streamlit_app.py"


@dataclass(frozen=True)
class Shipped:
    name: str           # the file's stem: `pkplanner:<name>`
    kind: str           # reference | example | base
    path: Path


def shipped_scenarios() -> list[Shipped]:
    """Every shipped scenario file, references first, then examples, then bases."""
    root = scenarios_dir()
    return [Shipped(p.stem, kind, p)
            for sub, kind in KINDS for p in sorted((root / sub).glob("*.yaml"))]


def shipped(name: str) -> Path | None:
    """The shipped scenario called `name` (with or without the `pkplanner:` prefix)."""
    stem = name.removeprefix(SHIPPED).removesuffix(".yaml")
    return next((s.path for s in shipped_scenarios() if s.name == stem), None)
