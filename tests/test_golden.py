"""The outputs of every shipped scenario and planning option, of `options` and of a small
batch stay as recorded in tests/golden (scripts/golden.py says what is normalised and why).

The restructuring must not change behaviour: when this fails, the diff shows what moved. A
change made on purpose is recorded with `python scripts/golden.py` (then review the diff of
tests/golden).
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden"
MAX_LINES = 400             # of diff in the failure message; the script prints all of it


@pytest.fixture(scope="module")
def golden() -> ModuleType:
    """scripts/golden.py (scripts/ is not a package)."""
    name = "pkplanner_golden_script"
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "golden.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module                      # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def jobs() -> int:
    """One command at a time. The units-first start gives each of its steps a wall-clock
    budget; on a loaded machine a step can be cut short, and HiGHS may then end at another
    plan of the same cost (seen once with two commands beside other test runs: KCG-2014 C,
    same cost, another light/armed split). Serial runs keep the budgets far from binding."""
    return 1


@pytest.mark.slow
def test_outputs_match_the_goldens(golden: ModuleType) -> None:
    try:
        diffs = golden.check(GOLDEN, jobs())
    except golden.GoldenError as e:
        pytest.fail(str(e), pytrace=False)
    if diffs:
        lines = "".join(diffs).splitlines()
        shown = "\n".join(lines[:MAX_LINES])
        more = (f"\n... {len(lines) - MAX_LINES} more lines: python scripts/golden.py "
                "--check tests/golden") if len(lines) > MAX_LINES else ""
        pytest.fail(f"{len(diffs)} golden file(s) differ from tests/golden (a change on "
                    f"purpose: python scripts/golden.py, then review the diff):\n"
                    f"{shown}{more}", pytrace=False)


def test_normalising_keeps_the_keys_and_drops_only_timings(golden: ModuleType,
                                                            tmp_path: Path) -> None:
    sol = tmp_path / "solution.json"
    sol.write_text('{"solver": {"seconds": 1.5, "solve_seconds": 1, "build_seconds": 0.1, '
                   '"seed": 0}, "explanation": {"seconds": 2.0, "tests": 3}}')
    assert golden.solution_text(sol) == (
        '{\n  "solver": {\n    "seconds": "<seconds>",\n    "solve_seconds": "<seconds>",\n'
        '    "build_seconds": "<seconds>",\n    "seed": 0\n  },\n  "explanation": {\n'
        '    "seconds": "<seconds>",\n    "tests": 3\n  }\n}\n')
    rep = tmp_path / "report.md"
    rep.write_text("| solve seconds | 0.341 |\n| relative MIP gap | 0.0000% |\n")
    assert golden.report_text(rep) == ("| solve seconds | <seconds> |\n"
                                       "| relative MIP gap | 0.0000% |\n")
    cmp_ = tmp_path / "comparison.md"
    cmp_.write_text("| gap / seconds | 0.0000% / 0.3 s | 1.20% / 12.5 s | - |\n"
                    "| personnel | 234 / 2 s |\n")
    assert golden.comparison_text(cmp_) == (
        "| gap / seconds | 0.0000% / <seconds> s | 1.20% / <seconds> s | - |\n"
        "| personnel | 234 / 2 s |\n")


def test_the_goldens_name_no_folder_of_a_machine() -> None:
    for path in GOLDEN.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for mark in (str(REPO), f"{tempfile.gettempdir()}/", f"{Path.home()}/"):
                assert mark not in text, f"{path.relative_to(REPO)} names {mark}"


def test_a_field_added_on_purpose_is_named_in_one_line(golden: ModuleType) -> None:
    old = '{"a": 1, "zones": [{"z": 1}], "solver": {"seed": 0}}'
    new = '{"a": 1, "zones": [{"z": 1, "v": true}], "solver": {"seed": 0}, "n": 2}'
    assert golden.added_only("s.json", old, new) == (
        "only added: n, zones[].v; everything in the golden file is unchanged")
    assert golden.added_only("s.json", old, new.replace('"a": 1', '"a": 2')) is None
    assert golden.added_only("r.csv", "k,a\n1,2\n", "k,a,b\n1,2,x\n") == (
        "only added: b; everything in the golden file is unchanged")
    assert golden.added_only("r.csv", "k,a\n1,2\n", "k,a,b\n1,3,x\n") is None
    assert golden.added_only("report.md", "x\n", "x\ny\n") is None
