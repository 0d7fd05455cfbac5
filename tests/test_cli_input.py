"""`python -m pkplanner` on good and bad input (contracts.md §2): exit codes and one
`error: FILE: path: message` line per problem, never a traceback."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
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
    if case == "bad_eligible":
        # a capability the mandate does not require, and a name that is no level or unit
        doc["mandates"][1]["eligible"] = {"patrol_km": ["armed"], "presence": ["tanks"]}
        doc["rules"]["zone_acceptability_floor"] = {"XX": 0.4}
        return doc, {"mandates.interposition.eligible.patrol_km",
                     "mandates.interposition.eligible.presence",
                     "rules.zone_acceptability_floor.XX"}
    raise AssertionError(case)


BAD_CASES = ["unknown_key", "wrong_type", "out_of_range", "missing_field", "dangling_reference",
             "duplicate_id", "unreachable_zone", "unknown_option", "bad_eligible"]


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


# --------------------------------------------------------------------------- limits


@pytest.mark.parametrize("cmd", ["solve", "options"])
@pytest.mark.parametrize(("flag", "value"), [("--time-limit", "0"), ("--time-limit", "-1"),
                                             ("--gap", "-1"), ("--gap", "1.5")])
def test_bad_limits_exit_2(two_zones_path: Path, tmp_path: Path, cmd: str, flag: str,
                           value: str) -> None:
    proc = run(cmd, two_zones_path, flag, value, "--out", tmp_path / "out")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"error: {flag}: must be "), line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("args", "start"), [
    (["--time-limit", "soon"], "error: --time-limit: "),
    (["--racers", "0"], "error: --racers: "),
    (["--no-such-flag"], "error: No such option: --no-such-flag"),
])
def test_usage_errors_are_one_line(two_zones_path: Path, args: list[str], start: str) -> None:
    proc = run("solve", two_zones_path, *args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith(start), line


# --------------------------------------------------------------------------- output folders


@pytest.mark.parametrize("where", ["proc", "under_a_file"])
@pytest.mark.parametrize("cmd", ["solve", "options", "report", "export", "batch"])
def test_unwritable_out_exits_2_before_any_work(tmp_path: Path, cmd: str, where: str) -> None:
    if where == "proc":
        out = Path("/proc/pkplanner-test/out")
    else:
        (tmp_path / "file.txt").write_text("x", encoding="utf-8")
        out = tmp_path / "file.txt" / "sub"
    missing = tmp_path / "missing.yaml"         # never read: the folder is checked first
    args: list[str | Path] = {
        "solve": ["solve", missing, "--out", out],
        "options": ["options", missing, "--out", out],
        "report": ["report", tmp_path / "missing.json", "--out", out],
        "export": ["export", missing, "--mps", out / "model.mps"],
        "batch": ["batch", missing, "--out", out],
    }[cmd]
    proc = run(*args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    [line] = proc.stderr.splitlines()
    label = out / "model.mps" if cmd == "export" else out
    assert line.startswith(f"error: {label}: cannot write here: "), line


# --------------------------------------------------------------------------- report input


@pytest.mark.parametrize(("text", "problem"), [
    ("{}", "not a solution file: missing key 'status'"),
    ("[1]", "a solution file holds a JSON object"),
    ('{"schema_version": 1, "name": "b", "scenarios": ["a.yaml"]}',   # a batch spec
     "not a solution file: missing key 'status'"),
    ('{"status": "optimal"}', "scenario.path: not a solution file: it names no scenario file"),
])
def test_report_on_a_file_that_is_not_a_solution(tmp_path: Path, text: str,
                                                 problem: str) -> None:
    f = tmp_path / "x.json"
    f.write_text(text, encoding="utf-8")
    proc = run("report", f, "--out", tmp_path / "out")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [f"error: {f}: {problem}"]


def test_report_on_a_folder(tmp_path: Path) -> None:
    proc = run("report", tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [f"error: {tmp_path}: is a folder, not a solution.json"]


# --------------------------------------------------------------------------- written files


def test_written_files_follow_the_umask(two_zones_path: Path, tmp_path: Path) -> None:
    """solution.xlsx was 0600 (a mkstemp temp file renamed): results get what
    open(..., "w") gives under the umask. Needs a solve."""
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "pkplanner", "solve", two_zones_path,
                           "--out", out], cwd=REPO, capture_output=True, text=True,
                          timeout=120, preexec_fn=lambda: os.umask(0o027))
    assert proc.returncode == 0, proc.stderr
    for name in ("solution.json", "report.md", "report.html", "solution.xlsx"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o640, name
    assert not [p for p in out.iterdir() if p.name.startswith(".")]   # no temp file left


# --------------------------------------------------------------------------- the app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_app_stops_streamlit_with_it(tmp_path: Path) -> None:
    """SIGTERM to `pkplanner app` stops the Streamlit server it started: no orphan keeps
    the port."""
    import psutil
    port = free_port()
    with (tmp_path / "app.log").open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "pkplanner", "app", "--port", str(port)],
                                cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    children: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "app.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                            timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "no answer from /_stcore/health in 60 s"
            time.sleep(0.3)
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children, "streamlit runs as a child of pkplanner"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 128 + signal.SIGTERM
        _, alive = psutil.wait_procs(children, timeout=5)
        assert not alive, alive
    finally:                                 # whatever failed, leave no server behind
        if proc.poll() is None:
            children = children or psutil.Process(proc.pid).children(recursive=True)
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for child in children:
            if child.is_running():
                child.kill()
