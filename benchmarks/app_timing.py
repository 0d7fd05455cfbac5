"""How long the planner app takes to solve a reference scenario, as a person sees it.

Starts `streamlit run app/streamlit_app.py` on localhost, opens it in headless Debian
chromium (playwright, `executable_path`), and for each reference scenario and planning
option asked for: picks the scenario and option, clicks Solve and times until the
verified result is shown ("Status: ..." and "Verified"). Repeats each case; writes
benchmarks/app_results.md with the machine's description.

    .venv/bin/python benchmarks/app_timing.py [--repeat 3] [--case karabakh_2020.yaml:C ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pkplanner.resources import app_script

ROOT = Path(__file__).resolve().parents[1]
APP = app_script()
CHROMIUM = Path("/usr/lib/chromium/chromium")
CASES = ["karabakh_2020.yaml:C", "karabakh_2020.yaml:A", "karabakh_kcg_2014.yaml:C"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                        timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"streamlit did not start; see {log}")


def choose(page: object, key: str, text: str) -> None:
    page.locator(f".st-key-{key} [role='combobox']").click()             # type: ignore
    page.get_by_role("option", name=text, exact=False).first.click()     # type: ignore


def time_case(browser: object, url: str, scenario: str, option: str) -> tuple[float, str]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})    # type: ignore
    page.set_default_timeout(180_000)
    page.goto(url, wait_until="domcontentloaded")
    page.locator(".st-key-scenario_pick [role='combobox']").wait_for()
    choose(page, "scenario_pick", scenario)
    page.get_by_text(f"Editing: {Path(scenario).stem}").wait_for()
    choose(page, "solve_option", f"{option}:")
    page.wait_for_timeout(300)
    t0 = time.perf_counter()
    page.locator(".st-key-solve button").click()
    status = page.locator(".st-key-result_status")
    status.get_by_text("Verified").wait_for()
    seconds = time.perf_counter() - t0
    text = status.inner_text().splitlines()[0]
    page.close()
    return seconds, text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--case", action="append", help="scenario.yaml:OPTION (repeatable)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "app_results.md")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    log = ROOT / "benchmarks" / "out" / "app_timing_streamlit.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    proc = start_app(port, log)
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            for case in args.case or CASES:
                scenario, option = case.split(":")
                times = []
                for i in range(args.repeat):
                    seconds, status = time_case(browser, f"http://127.0.0.1:{port}",
                                                scenario, option)
                    times.append(seconds)
                    print(f"{scenario} {option} run {i + 1}: {seconds:.2f} s ({status})",
                          flush=True)
                rows.append((scenario, option, times, status))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(15)
    load = os.getloadavg()[0]
    lines = [
        "# Planner app: Solve click to verified result",
        "",
        f"`benchmarks/app_timing.py`, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC: "
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"1-minute load average at the end {load:.2f}. Headless chromium; each run a fresh "
        "page: pick the scenario and option, click Solve, stop the clock when the result "
        "says Verified. The app's defaults: time limit 30 s, gap 0.001, one HiGHS run "
        "(seed 0) after the units-first start.",
        "",
        "| scenario | option | runs (s) | median s | last status |",
        "|---|---|---|---:|---|",
    ]
    for scenario, option, times, status in rows:
        lines.append(f"| {scenario} | {option} | {', '.join(f'{t:.2f}' for t in times)} "
                     f"| {statistics.median(times):.2f} | {status} |")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
