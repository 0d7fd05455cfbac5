"""report.html in a real browser, offline: headless Debian chromium through playwright, every
network request blocked, the plotly charts drawn, a screenshot taken.

Needs the Debian chromium (`apt-get install -y chromium`): the test fails, never skips,
when it is missing, so a CI without a browser cannot pass silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pkplanner import report
from pkplanner.engine.highs import SolverSettings
from pkplanner.engine.solve import document, solve
from pkplanner.scenario.resolve import ResolvedScenario, load_resolved
from pkplanner.verify.check import verify
from tests.conftest import launch_chromium

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHARTS_DRAWN = """() => {
    const plots = [...document.querySelectorAll('.js-plotly-plot')];
    return plots.length >= 3 && plots.every(p => p.querySelector('svg.main-svg'));
}"""


def solved(path: Path, option: str | None = None,
           settings: SolverSettings | None = None) -> tuple[ResolvedScenario, dict[str, Any]]:
    rs = load_resolved(path, option, None)
    outcome = solve(rs, None, settings or SolverSettings(time_limit=60, gap=0.01))
    doc = json.loads(json.dumps(document(rs, outcome)))
    assert [str(v) for v in verify(rs, doc)] == []      # every solve is checked
    return rs, doc


@pytest.fixture(scope="module")
def offline_browser(request: pytest.FixtureRequest) -> Iterator[Any]:
    yield from launch_chromium(request)


def open_offline(browser: Any, page_path: Path) -> tuple[Any, dict[str, list[str]]]:
    """Open a file with every non-file request aborted; record what was tried and any
    dialog or script error."""
    seen: dict[str, list[str]] = {"blocked": [], "dialogs": [], "errors": []}
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    def route(r: Any) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            seen["blocked"].append(r.request.url)
            r.abort()

    def dialog(d: Any) -> None:
        seen["dialogs"].append(d.message)
        d.dismiss()

    page.route("**/*", route)
    page.on("dialog", dialog)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.goto(page_path.resolve().as_uri(), wait_until="load")
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    return page, seen


def test_report_renders_offline(offline_browser: Any, tmp_path: Path) -> None:
    rs, doc = solved(ROOT / "scenarios" / "karabakh_2020.yaml", "C",
                     SolverSettings(time_limit=30, gap=0.05))
    assert doc["status"] in ("optimal", "feasible")
    _, page_path = report.write_report(tmp_path, rs, doc, None)
    page, seen = open_offline(offline_browser, page_path)
    plots = page.locator(".js-plotly-plot")
    assert plots.count() == 4
    # each chart drew its data: bars, or the network's markers
    assert page.locator("#chart-shares .bars path").count() == doc["totals"]["contributors"]
    assert page.locator("#chart-network .scatterlayer .point").count() >= len(
        rs.scenario.zones)
    assert page.locator("#chart-personnel .bars path").count() >= sum(
        z["deployed"] for z in doc["zones"])
    assert page.get_by_role("heading", name="1. Size and characteristics of the force").count()
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    assert shot.stat().st_size > 100_000, "the screenshot is nearly empty"
    assert seen["blocked"] == [], f"the report tried to load {seen['blocked']}"
    assert seen["errors"] == [] and seen["dialogs"] == []


def test_a_script_zone_name_does_not_run(offline_browser: Any, tmp_path: Path) -> None:
    import yaml
    data = yaml.safe_load((ROOT / "scenarios" / "examples" / "two_zones.yaml").read_text(
        encoding="utf-8"))
    data["zones"][0]["name"] = "<script>alert(1)</script>"
    data["contributors"][0]["name"] = "<img src=x onerror=alert(2)>"
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    rs, doc = solved(path)
    _, page_path = report.write_report(tmp_path / "out", rs, doc, [])
    page, seen = open_offline(offline_browser, page_path)
    assert page.get_by_text("<script>alert(1)</script>").count() >= 1   # shown as text
    page.locator("#chart-network").hover()
    page.close()
    assert seen["dialogs"] == [] and seen["errors"] == []
    assert seen["blocked"] == []


def test_the_map_draws_borders_and_supply_flows_offline(offline_browser: Any,
                                                        tmp_path: Path) -> None:
    """karabakh_2020 with logistics on: the network chart has the Natural Earth border layer
    (lines drawn in the page, from the installed file), the country names, and one line per
    route that carries supplies, wider for more tonnes."""
    rs = load_resolved(ROOT / "scenarios" / "karabakh_2020.yaml", "C", ["logistics={}"])
    outcome = solve(rs, None, SolverSettings(time_limit=60, gap=0.01))
    doc = json.loads(json.dumps(document(rs, outcome)))
    assert [str(v) for v in verify(rs, doc)] == []
    _, page_path = report.write_report(tmp_path, rs, doc, None)
    page, seen = open_offline(offline_browser, page_path)
    traces = page.evaluate("""() => document.querySelector('#chart-network').data.map(
        t => ({name: t.name, n: (t.x || []).filter(x => x !== null).length,
               width: t.line ? t.line.width : null, text: t.text}))""")
    by_name: dict[str, list[dict[str, Any]]] = {}
    for t in traces:
        by_name.setdefault(t["name"], []).append(t)
    assert by_name["border (Natural Earth)"][0]["n"] > 40        # a real border, not a box
    assert {"ARMENIA", "AZERBAIJAN"} <= set(by_name["country"][0]["text"])
    flows = by_name["supply flow (width: t/day)"]
    assert len(flows) == len(doc["flows"]) and len(flows) >= 5
    widest = max(flows, key=lambda t: t["width"])
    biggest = max(doc["flows"], key=lambda f: f["tonnes_per_day"])
    assert widest["width"] == pytest.approx(12.0) and biggest["tonnes_per_day"] > 0
    # the border layer is drawn: its path is in the SVG
    assert page.locator("#chart-network .scatterlayer .trace path.js-line").count() >= (
        1 + len(flows))
    page.close()
    assert seen["blocked"] == [] and seen["errors"] == [] and seen["dialogs"] == []
