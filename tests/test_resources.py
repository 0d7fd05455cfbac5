"""Shipped files by name: `extends: pkplanner:<base>`, `pkplanner solve <name>`, uploads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pkplanner.errors import InputError
from pkplanner.resources import app_script, models_dir, shipped, shipped_scenarios
from pkplanner.scenario.resolve import load, load_text

REPO = Path(__file__).resolve().parents[1]


def test_shipped_files_are_the_repository_folders_in_a_checkout() -> None:
    assert (models_dir() / "doctrine.yaml").is_file()
    assert app_script().is_file()
    kinds = {s.name: s.kind for s in shipped_scenarios()}
    assert kinds["karabakh_2020"] == "reference" and kinds["two_zones"] == "example"
    assert kinds["osce_pool"] == "base"
    assert shipped("pkplanner:two_zones") == shipped("two_zones.yaml") is not None
    assert shipped("nope") is None


def test_extends_can_name_a_shipped_base(tmp_path: Path) -> None:
    src = (REPO / "scenarios" / "karabakh_2020.yaml").read_text(encoding="utf-8")
    assert "extends: base/osce_pool.yaml" in src
    mine = tmp_path / "mine.yaml"
    mine.write_text(src.replace("extends: base/osce_pool.yaml", "extends: pkplanner:osce_pool"),
                    encoding="utf-8")
    a, b = load(mine).scenario, load(REPO / "scenarios" / "karabakh_2020.yaml").scenario
    assert a.extends == "pkplanner:osce_pool"
    assert a.model_copy(update={"extends": None}) == b.model_copy(update={"extends": None})


def test_an_unknown_shipped_base_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: pkplanner:nope\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load(bad)
    assert "extends" in str(e.value.problems[0]) and "pkplanner:osce_pool" in \
        str(e.value.problems[0])


def test_a_shipped_scenario_loads_by_name(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load("two_zones").scenario.name == "two_zones"
    assert load("pkplanner:karabakh_kcg_2014").scenario.name == "karabakh_kcg_2014"
    with pytest.raises(InputError):
        load("pkplanner:nope")


@pytest.mark.parametrize("ref", ["base/osce_pool.yaml", "pkplanner:osce_pool"])
def test_an_upload_may_extend_a_shipped_base(ref: str) -> None:
    src = (REPO / "scenarios" / "karabakh_2020.yaml").read_text(encoding="utf-8")
    loaded = load_text(src.replace("extends: base/osce_pool.yaml", f"extends: {ref}"),
                       "karabakh_2020.yaml")
    ref_sc = load(REPO / "scenarios" / "karabakh_2020.yaml").scenario
    assert loaded.scenario.model_copy(update={"extends": None}) == \
        ref_sc.model_copy(update={"extends": None})


@pytest.mark.parametrize("ref", ["../../etc/passwd", "my_base.yaml", "pkplanner:nope"])
def test_an_upload_extending_anything_else_says_how(ref: str) -> None:
    with pytest.raises(InputError) as e:
        load_text(f"extends: {ref}\nschema_version: 1\n", "up.yaml")
    msg = str(e.value.problems[0])
    assert msg.startswith("error: up.yaml: extends:") and "pkplanner:osce_pool" in msg


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pkplanner", *args], capture_output=True,
                          text=True, timeout=120)


def test_version_and_scenarios_commands() -> None:
    from pkplanner import __version__
    assert cli("--version").stdout.strip() == f"pkplanner {__version__}"
    out = cli("scenarios").stdout
    assert all(s.name in out for s in shipped_scenarios())


def test_doctor_gives_a_clean_bill_here() -> None:
    done = cli("doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verifier: 0 violation(s)" in done.stdout and "ok: pkplanner is ready" in done.stdout


