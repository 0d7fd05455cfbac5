"""`python -m pkplanner` on good and bad input (contracts.md §2): exit codes and one
`error: FILE: path: message` line per problem, never a traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
ERROR_LINE = re.compile(r"^error: (?P<file>[^:]+): (?P<path>[^ :][^ ]*): (?P<msg>\S.*)$")


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pkplanner", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=120, env=env)


def error_lines(proc: subprocess.CompletedProcess[str]) -> list[re.Match[str]]:
    """Exit 2, no traceback, every stderr line a well-formed problem line."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = proc.stderr.splitlines()
    assert lines, "bad input must be explained on stderr"
    matches = []
    for line in lines:
        m = ERROR_LINE.match(line)
        assert m, f"not an 'error: FILE: path: message' line: {line!r}"
        matches.append(m)
    return matches


# --------------------------------------------------------------------------- good input


def test_validate_two_zones_ok(two_zones_path: Path) -> None:
    proc = run("validate", two_zones_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1].strip() == "ok"
    assert "two_zones" in proc.stdout
    assert "error" not in proc.stderr and "Traceback" not in proc.stderr


def test_validate_relative_path() -> None:
    proc = run("validate", "scenarios/examples/two_zones.yaml")
    assert proc.returncode == 0, proc.stderr
    assert "ok" in proc.stdout.split()


def test_validate_resolved_prints_json(two_zones_path: Path, tmp_path: Path) -> None:
    proc = run("validate", two_zones_path, "--resolved")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)  # nothing but the JSON document on stdout
    assert doc["name"] == "two_zones"
    assert doc["planning_option"] == "X"
    assert doc["rules"]["max_armament"] == "armed"
    # the printed document is a scenario in its own right and resolves to itself
    f = tmp_path / "resolved.json"
    f.write_text(proc.stdout, encoding="utf-8")
    again = run("validate", f, "--resolved")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == doc


def test_validate_resolved_with_set(two_zones_path: Path) -> None:
    proc = run("validate", two_zones_path, "--resolved", "--set", "rules.max_share=0.4",
               "--set", "zones.north.threat=4")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["rules"]["max_share"] == 0.4
    assert doc["zones"][0]["threat"] == 4


def test_validate_resolved_round_trip_beyond_bmp(two_zones_doc: dict[str, Any],
                                                 write_yaml: Any, tmp_path: Path) -> None:
    two_zones_doc["title"] = "Flags \U0001f1e6\U0001f1ff"
    proc = run("validate", write_yaml(two_zones_doc), "--resolved")
    assert proc.returncode == 0, proc.stderr
    f = tmp_path / "resolved.json"
    f.write_text(proc.stdout, encoding="utf-8")
    again = run("validate", f)
    assert again.returncode == 0, again.stderr
    assert "Flags \U0001f1e6\U0001f1ff" in again.stdout


def test_help() -> None:
    proc = run("validate", "--help")
    assert proc.returncode == 0
    assert "--resolved" in proc.stdout


# --------------------------------------------------------------------------- bad input


def _bad(doc: dict[str, Any], case: str) -> tuple[dict[str, Any], set[str]]:
    """Break DOC one way; return it with the dotted paths the errors must name."""
    if case == "unknown_key":
        doc["rules"]["max_shar"] = 0.3
        return doc, {"rules.max_shar"}
    if case == "wrong_type":
        doc["zones"][0]["threat"] = "high"
        return doc, {"zones.north.threat"}
    if case == "out_of_range":
        doc["rules"]["max_share"] = 1.5
        doc["zones"][1]["population"] = -5
        return doc, {"rules.max_share", "zones.south.population"}
    if case == "missing_field":
        del doc["zones"]
        return doc, {"zones"}
    if case == "dangling_reference":
        doc["vetoes"] = [{"party": "AM", "contributor": "TUR"}]
        doc["contributors"][0]["units"]["tank"] = 1
        return doc, {"vetoes.0.contributor", "contributors.AAA.units.tank"}
    if case == "duplicate_id":
        doc["contributors"].append(dict(doc["contributors"][0]))
        return doc, {"contributors.AAA"}
    if case == "unreachable_zone":
        doc["routes"] = [doc["routes"][0]]
        return doc, {"zones.south"}
    if case == "unknown_option":
        doc["planning_option"] = "Q"
        return doc, {"planning_option"}
    raise AssertionError(case)


BAD_CASES = ["unknown_key", "wrong_type", "out_of_range", "missing_field", "dangling_reference",
             "duplicate_id", "unreachable_zone", "unknown_option"]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_scenario_exits_2_with_error_lines(case: str, two_zones_doc: dict[str, Any],
                                               write_yaml: Any) -> None:
    doc, paths = _bad(two_zones_doc, case)
    f = write_yaml(doc, f"{case}.yaml")
    proc = run("validate", f)
    lines = error_lines(proc)
    assert {m["file"] for m in lines} == {str(f)}
    assert {m["path"] for m in lines} == paths
    assert proc.stdout.strip() == ""  # no half summary before the errors


def test_yaml_syntax_error_exits_2(tmp_path: Path) -> None:
    f = tmp_path / "broken.yaml"
    f.write_text("zones: [\n  {id: a\n", encoding="utf-8")
    proc = run("validate", f)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"error: {f}: YAML syntax error: line ")


def test_empty_file_exits_2(tmp_path: Path) -> None:
    f = tmp_path / "empty.yaml"
    f.write_text("", encoding="utf-8")
    proc = run("validate", f)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [f"error: {f}: file is empty"]


def test_missing_file_exits_2(tmp_path: Path) -> None:
    f = tmp_path / "no_such.yaml"
    proc = run("validate", f)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [f"error: {f}: file not found"]


def test_extends_missing_base_exits_2(write_yaml: Any) -> None:
    f = write_yaml({"extends": "nowhere.yaml"}, "child.yaml")
    [m] = error_lines(run("validate", f))
    assert (m["file"], m["path"]) == (str(f), "extends")


@pytest.mark.parametrize("cmd", ["validate", "solve"])
def test_unknown_option_exits_2(two_zones_path: Path, tmp_path: Path, cmd: str) -> None:
    extra = ["--out", str(tmp_path)] if cmd == "solve" else []
    [m] = error_lines(run(cmd, two_zones_path, "--option", "NOPE", *extra))
    assert (m["file"], m["path"]) == (str(two_zones_path), "planning_option")
    assert "NOPE" in m["msg"]
    assert not (tmp_path / "solution.json").exists()


@pytest.mark.parametrize(("expr", "file", "path"), [
    ("zones.north.threat=high", "SCENARIO", "zones.north.threat"),
    ("rules.max_share=1.5", "SCENARIO", "rules.max_share"),
    ("rules.max_shar=0.4", "SCENARIO", "rules.max_shar"),
    ("zones.nowhere.threat=3", "--set", "zones.nowhere"),
])
def test_bad_set_exits_2(two_zones_path: Path, expr: str, file: str, path: str) -> None:
    [m] = error_lines(run("validate", two_zones_path, "--set", expr))
    assert m["file"] == (str(two_zones_path) if file == "SCENARIO" else file)
    assert m["path"] == path


def test_set_without_equals_exits_2(two_zones_path: Path) -> None:
    proc = run("validate", two_zones_path, "--set", "rules.max_share")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: --set: rules.max_share: ")


def test_missing_argument_is_a_usage_error() -> None:
    proc = run("validate")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_bad_objective_exits_2(two_zones_path: Path, tmp_path: Path) -> None:
    proc = run("solve", two_zones_path, "--objective", "fastest", "--out", tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ")
    assert not (tmp_path / "solution.json").exists()
