"""The report of a phased plan: the Timeline section's numbers against the solution document
(personnel by zone and phase, armament, hand-over, arrivals, transition rules, the cost of
each phase adding up to the objective), the headline that says the single-period sections
are the first phase's, and no crash without a plan.

Solutions are real: `solve` + `document`, exactly what `pkplanner solve` writes.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pkplanner import report
from pkplanner.engine.highs import SolverSettings
from pkplanner.engine.solve import document, solve
from pkplanner.report.hlpg import HLPG_HEADINGS
from pkplanner.report.timeline import cost_lines, phase_solution
from pkplanner.report.view import View
from pkplanner.scenario.resolve import ResolvedScenario, load_resolved

ROOT = Path(__file__).resolve().parents[1]
TWO = ROOT / "scenarios" / "examples" / "two_zones.yaml"
PHASED_REF = ROOT / "scenarios" / "karabakh_kcg_2014_phased.yaml"
SETTINGS = SolverSettings(time_limit=60, gap=0.01)

Solved = tuple[ResolvedScenario, dict[str, Any]]


def two_zones(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(TWO.read_text(encoding="utf-8"))
    doc.update(extra)
    return doc


def solved(tmp: Path, doc: dict[str, Any], sets: list[str] | None = None) -> Solved:
    path = tmp / f"{doc['name']}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    rs = load_resolved(path, None, sets)
    return rs, json.loads(json.dumps(document(rs, solve(rs, None, SETTINGS))))  # as on disk


@pytest.fixture(scope="module")
def handover(tmp_path_factory: pytest.TempPathFactory) -> Solved:
    """Three phases: the soft phase halves the requirements and counts local police in
    the north, the exit hands the north over; the force may only shrink; rotation."""
    return solved(tmp_path_factory.mktemp("handover"), two_zones(
        name="phased_handover",
        phases=[{"id": "hard", "name": "Hard phase", "months": 6},
                {"id": "soft", "months": 12, "requirement_factor": {"default": 0.5},
                 "local_police": {"north": 20}},
                {"id": "exit", "name": "Exit", "months": 6, "handed_over": ["north"],
                 "requirement_factor": {"default": 0.5}}],
        transition={"max_growth": 0.0, "armament_may_rise": False, "rotation_months": 6,
                    "source": "test rules"}))


@pytest.fixture(scope="module")
def drawdown(tmp_path_factory: pytest.TempPathFactory) -> Solved:
    """Four phases where the late phase needs the full observation line again: with
    max_growth 0 the middle phases keep the hard phase's force (drawdown at its limit);
    the exit hands the south over under a final ceiling."""
    return solved(tmp_path_factory.mktemp("drawdown"), two_zones(
        name="phased_drawdown",
        phases=[{"id": "hard", "months": 6},
                {"id": "mid", "months": 6, "requirement_factor": {"default": 0.5}},
                {"id": "late", "months": 6,
                 "requirement_factor": {"observation_km": 1.0, "presence": 0.5}},
                {"id": "exit", "months": 3, "handed_over": ["south"],
                 "requirement_factor": {"default": 0.25}}],
        transition={"max_growth": 0.0, "final_ceiling": 16}))


@pytest.fixture(scope="module")
def infeasible(tmp_path_factory: pytest.TempPathFactory) -> Solved:
    return solved(tmp_path_factory.mktemp("infeasible"), two_zones(
        name="phased_infeasible",
        phases=[{"id": "hard", "months": 6},
                {"id": "exit", "months": 6, "handed_over": ["north"],
                 "local_police": {"south": 40}}],
        transition={"max_growth": 0.0}), ["rules.max_share=0.3"])


def write(folder: Path, rs: ResolvedScenario, doc: dict[str, Any]) -> tuple[str, str]:
    md, page = report.write_report(folder, rs, doc, [])
    return md.read_text(encoding="utf-8"), page.read_text(encoding="utf-8")


def section(md: str, title: str) -> str:
    start = md.index(f"\n## {title}\n")
    end = md.find("\n## ", start + 1)
    return md[start:] if end < 0 else md[start:end]


def md_table(md: str, caption: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the Markdown table under the caption `*caption*`."""
    lines = md.splitlines()
    at = next(i for i, line in enumerate(lines) if line == f"*{caption}*")
    head = next(i for i in range(at, len(lines)) if lines[i].startswith("|"))
    split = lambda line: [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]  # noqa: E731
    rows = []
    for line in lines[head + 2:]:
        if not line.startswith("|"):
            break
        rows.append(split(line))
    return split(lines[head]), rows


def num(text: str) -> float:
    return float(text.replace(",", "").replace("%", "").split()[0])


def plain(text: str) -> str:
    return text.replace("\\(", "(").replace("\\)", ")")


# --------------------------------------------------------------------------- headline


def test_headline_says_the_sections_are_the_first_phase_and_the_objective_the_whole_plan(
        handover: Solved, tmp_path: Path) -> None:
    rs, doc = handover
    assert doc["status"] == "optimal"
    phases = doc["phases"]
    md, page = write(tmp_path, rs, doc)
    value = doc["objective"]["value"]
    head = md[:md.index("\n## Overview")]
    assert f"{len(phases)} phases over 24 months" in head
    assert f"{value:,.0f} for the whole plan" in head
    assert f"first phase (hard): {doc['totals']['personnel']:,} personnel" in head
    overview = section(md, "Overview")
    assert "describe the first phase, Hard phase (hard)" in plain(overview)
    assert f"whole plan's cost, {value:,.0f}" in overview
    # the Timeline comes first, then the six HLPG sections, each flagged as the first phase
    assert md.index("\n## Timeline\n") < md.index(f"\n## 1. {HLPG_HEADINGS[0]}\n")
    for i, heading in enumerate(HLPG_HEADINGS, start=1):
        body = section(md, f"{i}. {heading}")
        assert "The first phase of 3, Hard phase (hard)" in plain(body)
    assert "whole plan's cost, over every phase (value " f"{value:,.0f}" in md
    assert "<h2>Timeline</h2>" in page and 'id="chart-timeline"' in page
    # single-period keys are the first phase's
    assert doc["totals"] == phases[0]["totals"]


# --------------------------------------------------------------------------- numbers


def test_personnel_by_zone_and_phase_equal_the_solution(handover: Solved,
                                                          tmp_path: Path) -> None:
    rs, doc = handover
    md, _ = write(tmp_path, rs, doc)
    tl = section(md, "Timeline")
    phases = doc["phases"]
    head, rows = md_table(tl, "Personnel by zone and phase ('-': not deployed)")
    for ph, col in zip(phases, head[1:], strict=True):
        start = f"{ph['start_day']:,.0f}"
        assert col == f"{ph['id']}: {ph['months']:g} months from day {start}"
    v = View(rs, doc)
    by_zone = {r[0]: r[1:] for r in rows}
    for z in rs.scenario.zones:
        cells = by_zone[v.zlabel(z.id)]
        for ph, cell in zip(phases, cells, strict=True):
            zr = next(r for r in ph["zones"] if r["zone"] == z.id)
            if z.id in ph["handed_over"]:
                assert cell == "handed over"
            elif zr["deployed"]:
                assert int(num(cell)) == zr["personnel"]
            else:
                assert cell == "-"
    assert [int(num(c)) for c in by_zone["all zones"]] == [
        ph["totals"]["personnel"] for ph in phases]
    # the north halves in the soft phase and is handed over at the exit
    assert by_zone[v.zlabel("north")] == ["16", "8", "handed over"]
    # the phases table: months, start day, personnel, contributors, cost per month
    head, rows = md_table(tl, "Phases")
    for ph, row in zip(phases, rows[:-1], strict=True):
        assert row[0] == ph["id"]
        assert num(row[2]) == ph["months"]
        assert row[3] == f"{ph['start_day']:,.0f}"
        assert int(num(row[head.index("personnel")])) == ph["totals"]["personnel"]
        assert int(num(row[head.index("contributors")])) == ph["totals"]["contributors"]
        assert num(row[head.index("cost per month")]) == ph["totals"]["cost_per_month"]
    assert rows[-1][0] == "whole plan" and num(rows[-1][2]) == 24


def test_costs_add_up_to_the_objective(handover: Solved, drawdown: Solved,
                                       tmp_path: Path) -> None:
    for rs, doc in (handover, drawdown):
        md, _ = write(tmp_path, rs, doc)
        _, rows = md_table(section(md, "Timeline"), "Cost by phase")
        phases = doc["phases"]
        value = doc["objective"]["value"]
        for ph, row in zip(phases, rows[:-1], strict=True):
            assert row[0].endswith(ph["id"]) or row[0].endswith(f"({ph['id']})")
            assert num(row[1]) == ph["months"]
            assert num(row[2]) == ph["totals"]["cost_per_month"]
            assert num(row[3]) == pytest.approx(ph["months"] * ph["totals"]["cost_per_month"])
        assert rows[-1][0] == "whole plan (objective)"
        assert num(rows[-1][3]) == pytest.approx(value)
        assert sum(num(r[3]) for r in rows[:-1]) == pytest.approx(value)
        assert sum(ph["months"] * ph["totals"]["cost_per_month"] for ph in phases) \
            == pytest.approx(value)
        assert sum(x.cost for x in cost_lines(doc)) == pytest.approx(value)


def test_armament_handover_and_arrivals(handover: Solved, tmp_path: Path) -> None:
    rs, doc = handover
    md, _ = write(tmp_path, rs, doc)
    tl = section(md, "Timeline")
    v = View(rs, doc)
    phases = doc["phases"]
    _, rows = md_table(tl, "Armament level (mandate) by zone and phase; ↑: heavier than in "
                           "the phase before")
    by_zone = {r[0]: r[1:] for r in rows}
    for z in rs.scenario.zones:
        for ph, cell in zip(phases, by_zone[v.zlabel(z.id)], strict=True):
            zr = next(r for r in ph["zones"] if r["zone"] == z.id)
            if zr["deployed"]:
                assert cell.startswith(f"{zr['armament']} ({v.mname(zr['mandate'])})")
    _, rows = md_table(tl, "Local police officers by zone and phase")
    assert rows == [[v.zlabel("north"), "-", "20", "handed over"]]
    assert [ph["local_police"] for ph in phases] == [{}, {"north": 20}, {}]
    _, rows = md_table(tl, "Zones handed over")
    assert rows == [["hard", "-", "0"], ["soft", "-", "0"], ["exit", "north", "1"]]
    _, rows = md_table(tl, "Contributors arriving and leaving")
    seen: set[str] = set()
    for ph, row in zip(phases, rows, strict=True):
        now = {c["contributor"]: c["personnel"] for c in ph["contributors"]}
        new = [f"{v.cname(c)} ({c}) {p:,}" for c, p in now.items() if c not in seen]
        assert row[1] == ("; ".join(new) or "-")
        assert int(row[4]) == len(now)
        seen |= set(now)
    # the first phase brings everyone in the first phase
    assert rows[0][1].count(";") == len(phases[0]["contributors"]) - 1


def test_transition_rules_in_force_and_at_their_limit(drawdown: Solved, handover: Solved,
                                                      tmp_path: Path) -> None:
    rs, doc = drawdown
    md, _ = write(tmp_path, rs, doc)
    tl = section(md, "Timeline")
    bound = doc["transition"]["binding"]
    assert any(b.startswith("transition.drawdown.") for b in bound), bound
    rows = {r[0]: r for r in md_table_no_caption(tl, "rule")}
    assert rows["max_growth"][2] == "may only shrink (0%)"
    assert rows["max_growth"][4].startswith("at its limit")
    for b in bound:
        if b.startswith("transition.drawdown."):
            assert b.split(".")[-1] in rows["max_growth"][4]
    assert rows["final_ceiling"][2] == "16"
    last = doc["phases"][-1]["totals"]["personnel"]
    assert rows["final_ceiling"][3] == f"{last:,} personnel in exit"
    assert rows["rotation_months"][4] == "not in force"
    assert f"At their limit in the solver's report: {len(bound)} transition rows" in tl
    # the audit and the chart: the personnel of every phase, stacked by zone
    figs = report.build_report(rs, doc, []).figures
    bars = [t for t in figs["timeline"].data if t.type == "bar"]
    assert [sum(t.y[i] for t in bars) for i in range(len(doc["phases"]))] == [
        ph["totals"]["personnel"] for ph in doc["phases"]]
    ceiling = [t for t in figs["timeline"].data if t.type == "scatter" and t.mode == "lines"]
    assert ceiling and list(ceiling[0].y) == [16, 16]
    # rotations: a table row per cohort, as the solution lists them
    rs, doc = handover
    md, _ = write(tmp_path, rs, doc)
    tl = section(md, "Timeline")
    rot = doc["transition"]["rotations"]
    assert any(r["units"] > r["posts"] for r in rot), "the soft phase outlasts 6 months"
    _, rows2 = md_table(tl, "Rotations by contributor")
    assert sorted(r[0] for r in rows2) == sorted(
        f"{View(rs, doc).cname(c)} ({c})" for c in {r["contributor"] for r in rot})
    assert sum(int(num(r[3])) for r in rows2) == sum(r["units"] for r in rot)
    assert sum(int(num(r[4])) for r in rows2) == sum(r["units"] - r["posts"] for r in rot)
    units = sum(r["units"] for r in rot)
    assert f"{len(rot)} cohorts of posts in all" in tl and f"taking {units} units" in tl
    assert "Source of the transition rules: test rules." in tl
    armament = {r[0]: r for r in md_table_no_caption(tl, "rule")}["armament_may_rise"]
    assert armament[2] == "no" and armament[3] == "no zone runs heavier armed"
    at_limit = [b.split(".", 2)[2] for b in doc["transition"]["binding"]
                if b.startswith("transition.armament.")]
    assert armament[4] == (f"at its limit ({', '.join(at_limit)})" if at_limit else "holds")


def md_table_no_caption(md: str, first: str) -> list[list[str]]:
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first} |"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def test_reentries_and_other_terms_are_costed(handover: Solved, tmp_path: Path) -> None:
    """A re-entry record (what a plan with contributors coming back lists) adds its cost
    line; what else the objective holds is shown so the lines still add up."""
    rs, doc = handover
    doc = copy.deepcopy(doc)
    doc["transition"]["reentries"] = [{"phase": "exit", "contributor": "BBB", "zone": "south",
                                       "personnel": 150, "cost": 15_000.0}]
    doc["objective"]["value"] += 15_000.0 + 1_234.0
    md, _ = write(tmp_path, rs, doc)
    tl = section(md, "Timeline")
    _, rows = md_table(tl, "Re-entries: contributors back in a zone they left")
    assert rows == [["exit", "Betaland (BBB)", View(rs, doc).zlabel("south"), "150", "15,000"]]
    _, rows = md_table(tl, "Cost by phase")
    assert rows[-3][0].startswith("re-entries") and num(rows[-3][3]) == 15_000
    assert rows[-2][0].startswith("other terms") and num(rows[-2][3]) == 1_234
    assert sum(num(r[3]) for r in rows[:-1]) == pytest.approx(doc["objective"]["value"])


# --------------------------------------------------------------------------- no plan


def test_no_plan_never_crashes(infeasible: Solved, handover: Solved, tmp_path: Path) -> None:
    rs, doc = infeasible
    assert doc["status"] == "infeasible" and doc["phases"] == []
    md, page = write(tmp_path, rs, doc)
    tl = section(md, "Timeline")
    assert "no plan was found (status infeasible)" in tl
    _, rows = md_table(tl, "Phases")
    assert [r[0] for r in rows] == ["hard", "exit", "whole plan"]
    assert rows[1][3] == f"{6 * 365 / 12:,.0f}"
    _, rows = md_table(tl, "Local police officers by zone and phase")
    view = View(rs, doc)
    assert [view.zlabel("north"), "-", "handed over"] in rows
    assert [view.zlabel("south"), "-", "40"] in rows
    assert "<h2>Timeline</h2>" in page
    # a solver error: no plan, no phases, no transition block
    rs2, doc2 = handover
    broken = {k: val for k, val in doc2.items() if k not in ("transition",)}
    broken.update(status="error", phases=[], zones=[], allocations=[], contributors=[])
    md, _ = write(tmp_path, rs2, broken)
    assert "\n## Timeline\n" in md and "Solver error" in md
    # phases listed but the status says no plan
    odd = copy.deepcopy(doc2)
    odd["status"] = "time_limit"
    md, _ = write(tmp_path, rs2, odd)
    assert "\n## Timeline\n" in md


def test_a_single_period_plan_has_no_timeline(tmp_path: Path) -> None:
    rs = load_resolved(TWO)
    doc = json.loads(json.dumps(document(rs, solve(rs, None, SETTINGS))))
    assert "phases" not in doc
    md, page = write(tmp_path, rs, doc)
    assert "Timeline" not in md and "whole plan" not in md and "chart-timeline" not in page


def test_phase_solution_puts_a_phase_in_the_single_period_keys(handover: Solved) -> None:
    rs, doc = handover
    for i, ph in enumerate(doc["phases"]):
        one = phase_solution(doc, i)
        for k in ("zones", "allocations", "contributors", "totals", "binding"):
            assert one[k] == ph[k]
        assert one["objective"] == doc["objective"] and one["rules"] == doc["rules"]
        frames = report.solution_frames(rs, one)
        assert int(frames["zones"]["personnel"].sum()) == ph["totals"]["personnel"]
    assert doc["phases"][1]["totals"] != doc["totals"]       # the document is not touched


@pytest.mark.skipif(not PHASED_REF.exists(), reason="the phased reference scenario is not "
                                                    "written yet")
@pytest.mark.slow
def test_phased_reference_scenario(tmp_path: Path) -> None:
    rs = load_resolved(PHASED_REF)
    doc = json.loads(json.dumps(document(rs, solve(rs, None, SolverSettings(
        time_limit=60, gap=0.01)))))
    md, page = write(tmp_path, rs, doc)
    tl = section(md, "Timeline")
    assert "<h2>Timeline</h2>" in page
    if not doc.get("phases"):
        assert "no plan was found" in tl
        return
    _, rows = md_table(tl, "Personnel by zone and phase ('-': not deployed)")
    assert [int(num(c)) for c in rows[-1][1:]] == [
        ph["totals"]["personnel"] for ph in doc["phases"]]
    _, rows = md_table(tl, "Cost by phase")
    assert num(rows[-1][3]) == pytest.approx(doc["objective"]["value"], abs=1)
    assert sum(num(r[3]) for r in rows[:-1]) == pytest.approx(doc["objective"]["value"],
                                                             rel=1e-6, abs=len(rows))
