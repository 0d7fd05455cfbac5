"""pkplanner as a real package: the wheel carries doctrine, planning options, the pool,
the scenarios, the templates and the app, and works from a folder outside the repository.

The wheel is built here and installed into a fresh venv. Its dependencies come from this
test's own environment through a path file (no network, no second copy of pandas); the
pkplanner it imports is the wheel's, which the test checks, so a file missing from the
wheel fails here even though it is present in the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHIPPED = ("pkplanner/models/doctrine.yaml", "pkplanner/models/planning_options.yaml",
           "pkplanner/models/contributors.csv", "pkplanner/models/history.yaml",
           "pkplanner/scenarios/karabakh_2020.yaml", "pkplanner/app/pkapp_main.py",
           "pkplanner/scenarios/karabakh_kcg_2014.yaml",
           "pkplanner/scenarios/base/osce_pool.yaml",
           "pkplanner/scenarios/examples/two_zones.yaml",
           "pkplanner/report/templates/document.html.j2", "pkplanner/app/streamlit_app.py",
           "pkplanner/app/pkapp_core.py", "pkplanner/py.typed")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the built wheel; returns its bin folder."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"              # a copy: the build writes build/ and egg-info beside it
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "src", "models", "scenarios", "app"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(REPO / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(work / "dist"), str(src)], check=True)
    wheel = next((work / "dist").glob("pkplanner-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [n for n in SHIPPED if n not in names]
    assert not missing, f"the wheel lacks {missing}"
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "_deps_from_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps",
                    "--no-index", "--quiet", str(wheel)], check=True)
    return venv / "bin"


def run(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PKPLANNER_MODELS")}
    return subprocess.run([str(bin_dir / "pkplanner"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_the_wheel_solves_a_shipped_scenario_from_another_folder(installed: Path,
                                                                  tmp_path: Path) -> None:
    where = subprocess.run([str(installed / "python"), "-c",
                            "import pkplanner, pkplanner.app; print(pkplanner.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True)
    assert str(installed.parent) in where.stdout, where.stdout     # the wheel, not the repo
    solved = run(installed, "solve", "two_zones", "--out", "o", cwd=tmp_path)
    assert solved.returncode == 0, solved.stdout + solved.stderr
    doc = json.loads((tmp_path / "o" / "solution.json").read_text())
    assert doc["status"] == "optimal" and doc["totals"]["cost_per_month"] == 632_000
    assert "verifier: every constraint family holds" in solved.stdout
    # a reference scenario: `extends: base/osce_pool.yaml`, doctrine and options from models/
    ref = run(installed, "solve", "pkplanner:karabakh_2020", "--option", "A", "--out", "r",
              cwd=tmp_path)
    assert ref.returncode == 0, ref.stdout + ref.stderr


@pytest.mark.slow
def test_the_wheel_knows_its_version_scenarios_and_health(installed: Path,
                                                           tmp_path: Path) -> None:
    version = run(installed, "--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("pkplanner ")
    listed = run(installed, "scenarios", cwd=tmp_path)
    assert listed.returncode == 0
    for name in ("karabakh_2020", "karabakh_kcg_2014", "two_zones", "osce_pool"):
        assert name in listed.stdout
    doctor = run(installed, "doctor", cwd=tmp_path)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "tiny solve: two_zones optimal at 632,000" in doctor.stdout
