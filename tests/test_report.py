"""The report: HLPG headings, numbers equal to the solution's, escaping, self-contained HTML,
the infeasible case, Excel round trip and the comparison of planning options.

Solutions are real: `solve` + `solve.document`, exactly what `pkplanner solve` writes.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from plotly.offline import get_plotlyjs

from pkplanner import report
from pkplanner.engine.highs import SolverSettings
from pkplanner.engine.solve import document, solve
from pkplanner.report.audit import audit_checks
from pkplanner.report.charts import profile
from pkplanner.report.document import md_cell, md_para, md_text
from pkplanner.report.hlpg import HLPG_HEADINGS
from pkplanner.report.view import View
from pkplanner.scenario.resolve import ResolvedScenario, load_resolved
from pkplanner.verify.check import verify

ROOT = Path(__file__).resolve().parents[1]
TWO = ROOT / "scenarios" / "examples" / "two_zones.yaml"
REF_2020 = ROOT / "scenarios" / "karabakh_2020.yaml"
SETTINGS = SolverSettings(time_limit=60, gap=0.01)
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://example.invalid","x")'
PLOTLY_HEAD = get_plotlyjs()[:40]          # "/**\n* plotly.js vX.Y.Z\n* Copyright ..."

Solved = tuple[ResolvedScenario, dict[str, Any]]


def solved(path: Path, option: str | None = None, sets: list[str] | None = None) -> Solved:
    rs = load_resolved(path, option, sets)
    doc = json.loads(json.dumps(document(rs, solve(rs, None, SETTINGS))))  # as on disk
    assert [str(v) for v in verify(rs, doc)] == []      # every solve is checked
    return rs, doc


@pytest.fixture(scope="module")
def two() -> Solved:
    return solved(TWO)


@pytest.fixture(scope="module")
def ref2020() -> Solved:
    return solved(REF_2020, "C")


@pytest.fixture(scope="module")
def infeasible() -> Solved:
    return solved(TWO, None, ["rules.max_share=0.3"])


@pytest.fixture(params=["two", "ref2020"])
def feasible(request: pytest.FixtureRequest) -> Solved:
    value: Solved = request.getfixturevalue(request.param)
    return value


def write(folder: Path, rs: ResolvedScenario, doc: dict[str, Any],
          verdict: list[str] | None = None) -> tuple[str, str]:
    md, page = report.write_report(folder, rs, doc, verdict)
    return md.read_text(encoding="utf-8"), page.read_text(encoding="utf-8")


def md_table(md: str, first_header: str) -> list[list[str]]:
    """Rows of the first Markdown table whose header starts with `first_header`."""
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def num(text: str) -> float:
    return float(text.replace(",", "").replace("%", "").split()[0])


# --------------------------------------------------------------------------- structure


def test_the_six_hlpg_headings_and_the_rest(feasible: Solved, tmp_path: Path) -> None:
    rs, doc = feasible
    md, page = write(tmp_path, rs, doc, [])
    for i, heading in enumerate(HLPG_HEADINGS, start=1):
        assert f"\n## {i}. {heading}\n" in md
        assert f"<h2>{i}. {heading}</h2>" in page
    for heading in ("Acceptability to each party", "Constraint audit", "Sensitivity",
                    "Verifier verdict", "Provenance"):
        assert f"\n## {heading}\n" in md
        assert f"<h2>{heading}</h2>" in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.md"]


def test_numbers_equal_the_solutions(feasible: Solved, tmp_path: Path) -> None:
    rs, doc = feasible
    md, page = write(tmp_path, rs, doc)
    totals = doc["totals"]
    for text in (md, page):
        assert f"{totals['personnel']:,} personnel" in text
        assert f"{totals['cost_per_month']:,.0f} per month" in text
    # 6. one row per contributor: personnel, share, cost exactly as in the solution
    rows = md_table(md, "contributor")
    assert len(rows) == len(doc["contributors"]) == totals["contributors"]
    for row, c in zip(rows, doc["contributors"], strict=True):
        assert row[0].endswith(f"({c['contributor']})")
        assert int(num(row[2])) == c["personnel"]
        assert row[4] == f"{c['share']:.1%}"
        assert num(row[5]) == round(c["cost_per_month"])
        assert f"<td class=\"num\">{c['share']:.1%}</td>" in page
    # 1. zones: personnel per zone, summing to the total
    zones = md_table(md, "zone")
    assert [int(num(r[4])) for r in zones] == [z["personnel"] for z in doc["zones"]]
    assert sum(int(num(r[4])) for r in zones) == totals["personnel"]
    # 4. allocation table: every allocation, same units and personnel
    alloc = md_table(md[md.index("## 4. "):], "zone")
    assert len(alloc) == len(doc["allocations"])
    assert sum(int(num(r[4])) for r in alloc) == totals["personnel"]
    assert sorted((r[1], int(r[3]), int(num(r[4]))) for r in alloc) == sorted(
        (f"{View(rs, doc).cname(a['contributor'])} ({a['contributor']})", a["units"],
         a["personnel"]) for a in doc["allocations"])
    # acceptability to each party
    acc = md_table(md, "party")
    for row, p in zip(acc, rs.scenario.parties, strict=True):
        assert row[1] == f"{doc['acceptability'][p.id]:.3f}"
        assert row[4] == f"{doc['armament_acceptability'][p.id]:.3f}"


def test_constraint_audit(ref2020: Solved, tmp_path: Path) -> None:
    rs, doc = ref2020
    checks = {c.rule: c for c in audit_checks(rs, doc)}
    r = rs.scenario.rules
    assert r.max_share < 1 and r.min_contributors > 0 and r.acceptability_floor
    assert {"max_share", "min_contributors", "requirement", "capacity", "personnel_max",
            *(f"acceptability_floor.{p}" for p in r.acceptability_floor),
            *(f"group_caps.{g}" for g in r.group_caps)} <= set(checks)
    assert all(c.status in ("holds", "binding", "slack") for c in checks.values())
    top = max(doc["contributors"], key=lambda c: c["share"])
    ms = checks["max_share"]
    assert ms.value == f"{top['share']:.2%} ({top['contributor']})"
    assert ms.limit == f"{r.max_share:.2%}"
    assert ms.status == ("binding" if any(b.startswith("dominance.max_share.")
                                          for b in doc["binding"]) else ms.status)
    for p, floor in r.acceptability_floor.items():
        c = checks[f"acceptability_floor.{p}"]
        assert c.margin == f"{doc['acceptability'][p] - floor:+.3f}"
    mc = checks["min_contributors"]
    assert mc.value == str(doc["totals"]["contributors"])
    assert mc.margin == f"{doc['totals']['contributors'] - r.min_contributors:+}"
    md, _ = write(tmp_path, rs, doc)
    assert "| max_share |" in md


def test_verdict_and_sensitivity_states(two: Solved) -> None:
    rs, doc = two
    violations = [str(v) for v in verify(rs, doc)]
    assert violations == []
    assert "all constraint families hold" in report.build_report(rs, doc, violations).markdown()
    assert "was not run" in report.build_report(rs, doc, None).markdown()
    bad = report.build_report(rs, doc, ["dominance.max_share: AAA 70% > 60% <cap>"])
    assert "- dominance.max_share: AAA 70% &gt; 60% &lt;cap&gt;" in bad.markdown()
    assert "<li>dominance.max_share: AAA 70% &gt; 60% &lt;cap&gt;</li>" in bad.html()
    assert "Sensitivity was not computed" in report.build_report(rs, doc, None).markdown()
    with_sens = {**doc, "sensitivity": [
        {"rule": "dominance.max_share", "parameter": "max_share", "from": 0.6, "to": 0.65,
         "objective_change": -12000.0, "status": "optimal", "note": ""}]}
    md = report.build_report(rs, with_sens, None).markdown()
    assert "| dominance.max_share | max_share | 0.6 | 0.65 | -12,000 (-1.9%) | optimal |" in md


def test_provenance(two: Solved) -> None:
    rs, doc = two
    md = report.build_report(rs, doc, None).markdown()
    assert doc["scenario"]["sha256"] in md
    assert f"HiGHS {doc['solver']['version']}" in md
    assert "| Pyomo |" in md and "| report by pkplanner |" in md
    assert "| max_share | 0.6 |" in md            # effective rules


# --------------------------------------------------------------------------- infeasible


def test_infeasible_shows_the_conflicts(infeasible: Solved, tmp_path: Path) -> None:
    rs, doc = infeasible
    assert doc["status"] == "infeasible" and doc["conflicts"]
    md, page = write(tmp_path, rs, doc)
    assert "Conflicting rules" in md and "Conflicting rules" in page
    for c in doc["conflicts"]:
        assert md_cell(c["detail"]) in md
        assert html.escape(c["detail"], quote=False) in page
        assert f"| {c['rule']} |" in md
    assert "dominance.max_share" in {c["rule"] for c in doc["conflicts"]}
    for heading in HLPG_HEADINGS:         # no force to describe
        assert heading not in md
    assert '"rules.max_share=0.3"' not in md and "rules.max_share=0.3" in md  # provenance


def test_solution_file_finds_its_scenario(infeasible: Solved, tmp_path: Path) -> None:
    rs, doc = infeasible
    again = report.resolved_for(doc)
    assert again.sha256 == doc["scenario"]["sha256"] == rs.sha256
    assert again.scenario.rules.max_share == 0.3
    (tmp_path / "solution.json").write_text(json.dumps(doc), encoding="utf-8")
    written = report.report_from_file(tmp_path / "solution.json")
    assert [p.name for p in written] == ["report.md", "report.html", "solution.xlsx"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


# --------------------------------------------------------------------------- escaping


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Solved:
    """two_zones with a zone named like a script tag and names that break tables."""
    import yaml
    data = yaml.safe_load(TWO.read_text(encoding="utf-8"))
    data["zones"][0]["name"] = SCRIPT
    data["zones"][1]["name"] = FORMULA
    data["contributors"][0]["name"] = "Alpha|land\nsecond <b>line</b> & co"
    data["planning_options"][0]["name"] = "<img src=x onerror=alert(2)>"
    data["parties"][0]["name"] = "[Azerbaijan](javascript:alert(3))"
    path = tmp_path_factory.mktemp("hostile") / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return solved(path)


def test_a_script_zone_name_is_text(hostile: Solved, tmp_path: Path) -> None:
    rs, doc = hostile
    assert doc["status"] == "optimal"
    md, page = write(tmp_path, rs, doc)
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for text in (md, page):
        assert SCRIPT not in text
        assert "<img src=x" not in text and "<b>line</b>" not in text
        assert escaped in text
        assert text.count("alert(1)") == text.count(f"{escaped[:-len('&lt;/script&gt;')]}")
    assert "\\[Azerbaijan\\](javascript:alert(3))" in md       # text, not a Markdown link
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript", page, re.I)
    # only the report's own script tags (plotly.js, the charts): none from the scenario
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert all(s in ("<script>", '<script type="text/javascript">') for s in scripts)
    assert page.count("</script>") == len(scripts)   # no tag injected from the scenario


def test_markdown_tables_keep_their_shape(hostile: Solved, tmp_path: Path) -> None:
    rs, doc = hostile
    md, _ = write(tmp_path, rs, doc)
    assert "Alpha\\|land<br>second &lt;b&gt;line&lt;/b&gt; &amp; co (AAA)" in md
    block: list[int] = []
    for line in [*md.splitlines(), ""]:
        if line.startswith("|"):
            block.append(len(re.findall(r"(?<!\\)\|", line)))
        elif block:
            assert len(set(block)) == 1, block      # every row has the header's columns
            block = []


def test_markdown_escapes() -> None:
    assert md_cell("a|b<c>\nd & e") == "a\\|b&lt;c&gt;<br>d &amp; e"
    assert md_cell("[x](javascript:y) `c`") == "\\[x\\](javascript:y) \\`c\\`"
    assert md_text("x <y>\n z") == "x &lt;y&gt; z"
    assert md_para("# not a heading") == "\\# not a heading"
    assert md_para("1. not a list") == "1\\. not a list"
    assert md_para("- nor this") == "\\- nor this"


def test_network_chart_is_offline_and_escaped(hostile: Solved) -> None:
    rs, doc = hostile
    rep = report.build_report(rs, doc, None)
    fig = rep.figures["network"]
    assert {t.type for t in fig.data} == {"scatter"}            # no geo/tile trace
    assert fig.layout.yaxis.scaleanchor == "x"
    hover = " ".join(" ".join(t.hovertext) for t in fig.data if t.hovertext is not None)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hover and SCRIPT not in hover
    assert "mandate: " in hover and "lead: " in hover and "personnel: " in hover
    assert set(rep.figures) == {"personnel", "network", "shares", "acceptability"}
    shares = rep.figures["shares"]
    assert shares.layout.shapes[0].y0 == rs.scenario.rules.max_share     # the cap line


# --------------------------------------------------------------------------- self-contained


def assert_self_contained(page: str, charts: int) -> None:
    """plotly.js embedded exactly once, and nothing else that would load from a network."""
    bundle = get_plotlyjs()
    assert page.count(PLOTLY_HEAD) == 1 and bundle in page
    rest = page.replace(bundle, "")         # the bundle's own strings name URLs it never loads
    assert rest.count("Plotly.newPlot(") == charts
    assert not re.search(r"<script[^>]*\bsrc\s*=", rest, re.I)
    assert not re.search(r"<(link|iframe|img|object|embed)\b", rest, re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", rest, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", rest, re.I)
    assert "cdn.plot.ly" not in rest and not re.search(r"mathjax[^'\"]*\.js", rest, re.I)


def test_html_is_self_contained(feasible: Solved, tmp_path: Path) -> None:
    rs, doc = feasible
    _, page = write(tmp_path, rs, doc)
    assert_self_contained(page, 4)
    bundle_at = page.index(PLOTLY_HEAD)
    assert bundle_at < page.index("Plotly.newPlot(")        # loaded before the first chart


# --------------------------------------------------------------------------- Excel


def test_xlsx_round_trip(hostile: Solved, tmp_path: Path) -> None:
    rs, doc = hostile
    path = report.write_xlsx(tmp_path / "solution.xlsx", rs, doc)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["solution.xlsx"]
    sheets = pd.read_excel(path, sheet_name=None)
    assert {"allocation", "zones", "contributors", "acceptability", "rules"} <= set(sheets)
    alloc = sheets["allocation"]
    assert len(alloc) == len(doc["allocations"])
    assert int(alloc["personnel"].sum()) == doc["totals"]["personnel"]
    assert sorted(zip(alloc["contributor"], alloc["zone"], alloc["unit_type"], alloc["units"],
                      strict=True)) == sorted(
        (a["contributor"], a["zone"], a["unit_type"], a["units"]) for a in doc["allocations"])
    zones = sheets["zones"].set_index("zone")
    assert zones.loc["north", "name"] == SCRIPT
    assert zones.loc["south", "name"] == FORMULA             # stays text, not a formula
    assert zones["personnel"].to_dict() == {z["zone"]: z["personnel"] for z in doc["zones"]}
    contrib = sheets["contributors"].set_index("contributor")
    for c in doc["contributors"]:
        assert contrib.loc[c["contributor"], "personnel"] == c["personnel"]
        assert contrib.loc[c["contributor"], "share"] == pytest.approx(c["share"], abs=1e-12)
        assert contrib.loc[c["contributor"], "cost_per_month"] == pytest.approx(
            c["cost_per_month"])
    acc = sheets["acceptability"].set_index("party")
    for p, a in doc["acceptability"].items():
        assert acc.loc[p, "composition"] == pytest.approx(a)
    rules = {r: json.loads(v) if isinstance(v, str) else None    # "null" reads as NaN
             for r, v in zip(sheets["rules"]["rule"], sheets["rules"]["value"], strict=True)}
    assert rules == doc["rules"]


def test_xlsx_of_an_infeasible_solution(infeasible: Solved, tmp_path: Path) -> None:
    rs, doc = infeasible
    sheets = pd.read_excel(report.write_xlsx(tmp_path / "s.xlsx", rs, doc), sheet_name=None)
    assert sheets["allocation"].empty and list(sheets["allocation"].columns)[:2] == [
        "contributor", "contributor_name"]
    assert list(sheets["conflicts"]["rule"]) == [c["rule"] for c in doc["conflicts"]]


# --------------------------------------------------------------------------- comparison


def test_comparison_of_two_options(two: Solved, infeasible: Solved, tmp_path: Path) -> None:
    rows = [("X", "Open option", two[1]),
            ("X30", "Open option <i>max_share 0.3</i>", infeasible[1])]
    md_path, html_path = report.write_comparison(tmp_path, rows)
    md, page = md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["comparison.html", "comparison.md"]
    doc = two[1]
    table = {r[0]: r[1:] for r in md_table(md, "")}
    assert table["personnel"] == [f"{doc['totals']['personnel']:,}", "-"]
    assert table["cost per month"] == [f"{doc['totals']['cost_per_month']:,.0f}", "-"]
    assert table["contributors"] == [str(doc["totals"]["contributors"]), "-"]
    top = max(doc["contributors"], key=lambda c: c["share"])
    assert table["largest share"] == [f"{top['contributor']} {top['share']:.1%}", "-"]
    for p, a in doc["acceptability"].items():
        assert table[f"acceptability {p}"] == [f"{a:.3f}", "-"]
        assert table[f"armament acceptability {p}"] == [
            f"{doc['armament_acceptability'][p]:.3f}", "-"]
    levels = profile(doc)
    assert all(f"{lv} {n:,}" in table["armament profile"][0] for lv, n in levels.items())
    assert table["status"][0] == "optimal"
    assert table["status"][1].startswith("infeasible: dominance.max_share")
    assert "<i>max_share" not in md and "<i>max_share" not in page
    assert "Open option &lt;i&gt;max_share 0.3&lt;/i&gt;" in md
    assert_self_contained(page, 2)
