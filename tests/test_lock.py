"""The lock pins the whole tree with hashes, and it covers what pyproject.toml asks for:
a fresh machine installs exactly what the suite passed with (Makefile: --require-hashes)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\s\[<>=!~;]", req, maxsplit=1)[0]).lower()


def locked() -> dict[str, list[str]]:
    """name -> the pinned lines' hashes, from requirements.lock."""
    out: dict[str, list[str]] = {}
    current = None
    for line in (REPO / "requirements.lock").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==\S+", line)
        if m:
            current = _name(m.group(1))
            out.setdefault(current, [])
        elif current and "--hash=sha256:" in line:
            out[current].append(line.strip())
    return out


def test_every_dependency_is_pinned_with_hashes() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"],
              *project["optional-dependencies"]["batch"]]
    pins = locked()
    missing = [r for r in wanted if _name(r) not in pins]
    assert not missing, f"not in requirements.lock (run `make lock`): {missing}"
    assert "setuptools" in pins            # the build backend, for the editable install
    assert all(pins.values()), [n for n, h in pins.items() if not h]


def test_make_installs_from_the_lock_only() -> None:
    make = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "--require-hashes --no-deps -r $(LOCK)" in make
    assert "--no-deps --no-build-isolation -e ." in make
    assert re.search(r"^test-latest:", make, re.M)
