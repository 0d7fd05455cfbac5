"""The planner app end to end in a real browser: `streamlit run` on localhost, driven by
playwright through the Debian chromium. Select a scenario, choose an option, press Solve,
wait for the verified result and its charts, download the report, save a screenshot.

Fails (never skips) when chromium or playwright is missing, so a CI without a browser
cannot pass silently. The screenshot and the server log go to the test's output folder
(pytest-playwright's `output_path`, by default test-results/<test id>/).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pkplanner.resources import app_script
from tests.conftest import launch_chromium

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
APP = app_script()
CHARTS_DRAWN = """() => {
    const view = document.querySelector('.st-key-result_view');
    if (!view) return false;
    const plots = [...view.querySelectorAll('.js-plotly-plot')];
    return plots.length >= 4 && plots.every(p => p.querySelector('svg.main-svg'));
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def out_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """pytest-playwright's per-test output folder when the plugin is there."""
    try:
        path = Path(request.getfixturevalue("output_path"))
    except pytest.FixtureLookupError:
        path = tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def app_url(out_dir: Path) -> Iterator[str]:
    """`streamlit run` on a free localhost port; stopped (by its own pid) afterwards."""
    port = free_port()
    log = (out_dir / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
         "--server.maxUploadSize", "1"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}; see {out_dir}/"
                            "streamlit.log")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("streamlit did not answer /_stcore/health within 90 s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


@pytest.fixture
def chromium_browser(request: pytest.FixtureRequest) -> Iterator[Any]:
    yield from launch_chromium(request)


def choose(page: Any, key: str, text: str) -> None:
    """Pick `text` in the st.selectbox with key `key`."""
    page.locator(f".st-key-{key} [role='combobox']").click()
    page.get_by_role("option", name=text, exact=True).click()


def test_select_solve_and_download_report_in_a_browser(app_url: str, chromium_browser: Any,
                                                       out_dir: Path) -> None:
    from playwright.sync_api import expect

    errors: list[str] = []
    context = chromium_browser.new_context(viewport={"width": 1500, "height": 1000},
                                  accept_downloads=True)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(60_000)
    page.goto(app_url, wait_until="domcontentloaded")
    page.locator(".st-key-scenario_pick [role='combobox']").wait_for()
    # select a scenario: another one first, then the reference scenario
    choose(page, "scenario_pick", "examples/three_zones_veto.yaml")
    page.get_by_text("Editing: three_zones_veto").wait_for()
    choose(page, "scenario_pick", "karabakh_2020.yaml")
    page.get_by_text("Editing: karabakh_2020").wait_for()
    choose(page, "solve_option", "A: Monitoring mission")
    # the Rules editor (another tab) now shows option A's cap
    expect(page.locator(".st-key-rule_max_share input")).to_have_value("0.250")
    t0 = time.perf_counter()
    page.locator(".st-key-solve button").click()
    status = page.locator(".st-key-result_status")
    status.get_by_text("Status: optimal").wait_for(timeout=120_000)
    seconds = time.perf_counter() - t0
    status.get_by_text("Verified").wait_for()
    page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
    page.wait_for_timeout(500)           # let plotly finish its transitions
    (out_dir / "solve_seconds.txt").write_text(
        f"karabakh_2020 option A: Solve click to verified result shown: {seconds:.2f} s\n")
    print(f"\nkarabakh_2020 option A in the browser: {seconds:.2f} s from click to result")
    shot = out_dir / "app_result.png"
    # Streamlit scrolls inside its main container, not the document: a tall viewport
    # puts the whole result on the screenshot
    page.set_viewport_size({"width": 1500, "height": 4200})
    page.wait_for_timeout(1500)
    page.wait_for_function(CHARTS_DRAWN)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 100_000, "the screenshot is nearly empty"
    with page.expect_download() as info:
        page.locator(".st-key-result_view .st-key-dl_html_1 button").click()
    report = out_dir / "report.html"
    info.value.save_as(str(report))
    assert info.value.suggested_filename == "karabakh_2020-A-report.html"
    html = report.read_text(encoding="utf-8")
    assert "<html" in html.lower() and "Monitoring mission" in html
    assert errors == [], errors
    assert seconds < 30, f"solving the reference scenario took {seconds:.1f} s in the browser"
    context.close()


def test_phased_plan_and_phase_selector_in_a_browser(app_url: str, chromium_browser: Any,
                                                     out_dir: Path) -> None:
    """The worked phased example: solve, see the whole plan's cost and the timeline, switch
    the phase selector to the transition and see its 16 people (two_phases.yaml: 316 in
    the hard phase, 16 in the transition, 4,176,000 for the whole plan)."""
    errors: list[str] = []
    context = chromium_browser.new_context(viewport={"width": 1500, "height": 1400})
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(60_000)
    page.goto(app_url, wait_until="domcontentloaded")
    page.locator(".st-key-scenario_pick [role='combobox']").wait_for()
    choose(page, "scenario_pick", "examples/two_phases.yaml")
    page.get_by_text("Editing: two_phases").wait_for()
    page.locator(".st-key-solve button").click()
    status = page.locator(".st-key-result_status")
    status.get_by_text("Status: optimal").wait_for(timeout=120_000)
    status.get_by_text("Verified").wait_for()
    page.get_by_text("4,176,000").first.wait_for()
    page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Personnel").first
    assert "316" in metric.inner_text()
    page.locator(".st-key-phase").get_by_text("transition", exact=False).first.click()
    page.get_by_text("phase 2 of 2").wait_for()
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Personnel").first
    page.wait_for_function(
        "() => [...document.querySelectorAll(\"[data-testid='stMetric']\")]"
        ".some(m => m.innerText.startsWith('Personnel') && m.innerText.includes('16')"
        " && !m.innerText.includes('316'))")
    page.screenshot(path=str(out_dir / "app_phased.png"), full_page=True)
    assert errors == [], errors
    context.close()
