"""The planner app on a phased scenario (AppTest): the whole plan's timeline, and a phase
selector that switches the plan views to that phase's plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from pkplanner.resources import app_script

ROOT = Path(__file__).resolve().parents[1]
APP = app_script()
PHASED_REF = "karabakh_kcg_2014_phased.yaml"

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


def phased_two_zones() -> dict[str, Any]:
    """The worked two-zone example in three phases: the soft phase halves every
    requirement (north: 8 observers instead of 16), the exit hands the north over."""
    doc: dict[str, Any] = yaml.safe_load(
        (ROOT / "scenarios/examples/two_zones.yaml").read_text(encoding="utf-8"))
    doc["name"] = "two_zones_phased"
    doc["phases"] = [
        {"id": "hard", "name": "Hard phase", "months": 6},
        {"id": "soft", "months": 12, "requirement_factor": {"default": 0.5},
         "local_police": {"north": 20}},
        {"id": "exit", "months": 6, "handed_over": ["north"],
         "requirement_factor": {"default": 0.5}},
    ]
    doc["transition"] = {"max_growth": 0.0}
    return doc


def run_ok(at: Any) -> Any:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# the plan views' tables, known by their columns (AppTest does not show a dataframe's key)
ZONES = ["zone", "deployed", "personnel", "armament"]
CONTRIBUTORS = ["contributor", "personnel", "share", "cap"]
ALLOCATION = ["contributor", "contributor_name", "zone"]


def table(at: Any, head: list[str]) -> Any:
    found = [d.value for d in at.dataframe if list(d.value.columns)[:len(head)] == head]
    assert len(found) == 1, (head, [list(d.value.columns) for d in at.dataframe])
    return found[0]


def test_phase_selector_switches_the_plan_views_to_that_phase() -> None:
    at = run_ok(AppTest.from_file(str(APP), default_timeout=180))
    at.file_uploader(key="scenario_upload").set_value(
        ("phased.yaml", yaml.safe_dump(phased_two_zones()).encode(), "application/x-yaml"))
    run_ok(at)
    assert [p["id"] for p in at.session_state["doc"]["phases"]] == ["hard", "soft", "exit"]
    at.button(key="solve").click()
    run_ok(at)
    v = at.session_state["variants"][-1]
    sol = v.solution
    assert v.status == "optimal"
    phases = sol["phases"]
    assert [p["id"] for p in phases] == ["hard", "soft", "exit"]
    n = v.number

    # the whole plan: its cost, the timeline chart, the phase selector on the first phase
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Cost of the whole plan"] == f"{sol['objective']['value']:,.0f}"
    assert metrics["Phases"] == "3"
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    timeline = next(s for s in specs if s["layout"].get("title", {}).get("text")
                    == "Personnel by phase and zone")
    stacked = [sum(tr["y"][i] for tr in timeline["data"] if tr["type"] == "bar")
               for i in range(len(phases))]
    assert stacked == [p["totals"]["personnel"] for p in phases]
    radio = at.radio(key="phase")
    assert radio.options == ["Hard phase (hard) · 6 months from day 0",
                             "soft · 12 months from day 182", "exit · 6 months from day 548"]
    assert radio.value == "hard"
    zones = table(at, ZONES)
    first = {z["zone"]: z["personnel"] for z in phases[0]["zones"]}
    assert dict(zip(zones["zone"], zones["personnel"], strict=True)) == first
    assert metrics["Personnel"] == f"{phases[0]['totals']['personnel']:,}"

    # the second phase: zones, contributors and allocations are the soft phase's
    radio.set_value("soft")
    run_ok(at)
    assert at.radio(key="phase").value == "soft"
    soft = phases[1]
    zones = table(at, ZONES)
    assert dict(zip(zones["zone"], zones["personnel"], strict=True)) == {
        z["zone"]: z["personnel"] for z in soft["zones"]}
    assert zones.set_index("zone").loc["north", "personnel"] == 8     # half of 16
    contributors = table(at, CONTRIBUTORS)
    assert dict(zip(contributors["contributor"], contributors["personnel"], strict=True)) == {
        c["contributor"]: c["personnel"] for c in soft["contributors"]}
    alloc = table(at, ALLOCATION)
    assert int(alloc["personnel"].sum()) == soft["totals"]["personnel"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Personnel"] == f"{soft['totals']['personnel']:,}"
    assert metrics["Cost per month"] == f"{soft['totals']['cost_per_month']:,.0f}"
    assert any("soft" in str(c.value) and "phase 2 of 3" in str(c.value) for c in at.caption)

    # the exit: north handed over, not deployed
    at.radio(key="phase").set_value("exit")
    run_ok(at)
    zones = table(at, ZONES).set_index("zone")
    assert not bool(zones.loc["north", "deployed"])
    assert int(zones["personnel"].sum()) == phases[2]["totals"]["personnel"]

    # stacking the timeline by contributor keeps the phases' totals
    at.radio(key=f"timeline_by_{n}").set_value("contributor")
    run_ok(at)
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    by_c = next(s for s in specs if s["layout"].get("title", {}).get("text")
                == "Personnel by phase and contributor")
    assert [sum(tr["y"][i] for tr in by_c["data"] if tr["type"] == "bar")
            for i in range(len(phases))] == [p["totals"]["personnel"] for p in phases]


@pytest.mark.skipif(not (ROOT / "scenarios" / PHASED_REF).exists(),
                    reason=f"scenarios/{PHASED_REF} not written yet")
@pytest.mark.slow
def test_phased_reference_scenario_shows_every_phase() -> None:
    at = run_ok(AppTest.from_file(str(APP), default_timeout=600))
    at.selectbox(key="scenario_pick").select(PHASED_REF)
    run_ok(at)
    at.number_input(key="solve_time_limit").set_value(60)
    at.button(key="solve").click()
    run_ok(at)
    v = at.session_state["variants"][-1]
    if not v.feasible:
        pytest.skip(f"the reference scenario solved {v.status}")
    phases = v.solution["phases"]
    ids = [p["id"] for p in phases]
    assert at.radio(key="phase").value == ids[0]
    for i, pid in enumerate(ids[1:], start=1):
        at.radio(key="phase").set_value(pid)
        run_ok(at)
        zones = table(at, ZONES)
        assert int(zones["personnel"].sum()) == phases[i]["totals"]["personnel"]


def test_a_phased_scenario_under_another_objective_says_why() -> None:
    """Phased plans are solved for cost: the acceptability objective is refused in one line
    naming the objective, and no result is added."""
    at = run_ok(AppTest.from_file(str(APP), default_timeout=180))
    at.file_uploader(key="scenario_upload").set_value(
        ("phased.yaml", yaml.safe_dump(phased_two_zones()).encode(), "application/x-yaml"))
    run_ok(at)
    at.selectbox(key="solve_objective").set_value("acceptability")
    run_ok(at)
    at.button(key="solve").click()
    run_ok(at)
    assert not at.session_state["variants"]
    errors = at.session_state["solve_errors"]
    assert len(errors) == 1 and "phased scenario is solved for the least cost" in errors[0]
