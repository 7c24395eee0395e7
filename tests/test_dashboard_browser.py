"""The browser dashboard in a real headless Chromium (Debian's chromium and chromium-driver,
driven by Selenium): the page shows the demo's consumers live, its numbers and bars match the
consumers' summaries, pause stops them changing, and a screenshot is kept
(``test-artifacts/dashboard.png``, or ``$BUZZLINE_TEST_ARTIFACTS``)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from buzzline.charts.palette import key_colors
from tests.conftest import IN_CI, ROOT, subprocess_env

pytestmark = pytest.mark.slow
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = Path(os.environ.get("BUZZLINE_TEST_ARTIFACTS", ROOT / "test-artifacts"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        if IN_CI:
            pytest.fail("chromium is missing in CI (.ci/run installs chromium chromium-driver)")
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="buzzline-chromium-")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-sync",
                 "--disable-component-update", "--disable-dev-shm-usage",
                 "--window-size=1400,1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def dashboard(workdir: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "buzzline", "dashboard", "--port", str(port)],
                            cwd=workdir, env=subprocess_env(workdir), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=1) as response:
                return response.status == 200
        except OSError:
            return proc.poll() is not None  # died: stop waiting, fail below

    try:
        wait_for(up, 20, "the dashboard to answer")
        assert proc.poll() is None, proc.stdout.read()
        yield url
    finally:
        interrupt(proc, 10)


def interrupt(proc: subprocess.Popen, timeout: float) -> None:
    """Ctrl-C, then kill if it has not ended within ``timeout`` seconds."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def server_frame(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/api/frame?window=0", timeout=5) as response:
        return json.load(response)


def start(workdir: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "buzzline", "--log-level", "WARNING", *args],
                            cwd=workdir, env=subprocess_env(workdir), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def shown(driver: Any) -> dict[str, dict]:
    """What the page shows of each consumer: its stats (data-value) and its charts' data
    (read back from the Chart.js charts on its canvases)."""
    return driver.execute_script("""
        const out = {};
        for (const section of document.querySelectorAll('section.consumer')) {
            const value = (cls) => {
                const el = section.querySelector('.' + cls);
                return el ? el.dataset.value : undefined;
            };
            const charts = [];
            for (const canvas of section.querySelectorAll('.panel canvas')) {
                const chart = Chart.getChart(canvas);
                if (!chart) continue;
                const first = chart.data.datasets[0];
                charts.push({labels: chart.data.labels, values: first ? first.data : [],
                             colors: first && Array.isArray(first.backgroundColor)
                                 ? first.backgroundColor : []});
            }
            out[section.dataset.id] = {
                messages: value('messages'), rejected: value('dead-letters'),
                rate: value('rate'), lag: value('lag'),
                state: value('state'), charts: charts};
        }
        return out;""")


def by_app(consumers: dict[str, dict], app: str) -> dict:
    matches = [c for key, c in consumers.items() if key.startswith(f"{app}-")]
    assert len(matches) == 1, consumers.keys()
    return matches[0]


def test_the_page_shows_the_demo_live_and_ends_with_its_summary(browser, dashboard, workdir):
    browser.get(dashboard)
    wait_for(lambda: browser.execute_script(
        "return window.buzzline && window.buzzline.frames > 0"), 15, "a first frame")
    assert browser.find_element("id", "empty").is_displayed()  # nothing publishes yet

    demo = start(workdir, "demo", "--output", "out", "--count", "3000", "--interval", "0.003",
                 "--summary-json", "summary.json")
    try:
        # live: the basic consumer shows up running, and its count moves while it runs
        first = wait_for(lambda: (c := shown(browser)) and any(
            k.startswith("basic-") and int(v["messages"] or 0) > 0 and v["state"] == "running"
            for k, v in c.items()) and c, 30, "the basic consumer running on the page")
        before = int(by_app(first, "basic")["messages"])
        wait_for(lambda: int(by_app(shown(browser), "basic")["messages"]) > before, 15,
                 "the basic count to move on the page")
        frames_before = browser.execute_script("return window.buzzline.frames")
        time.sleep(2)
        frames = browser.execute_script("return window.buzzline.frames") - frames_before
        assert frames >= 6, f"{frames} frames in 2 s while the demo streams"
        assert demo.wait(timeout=120) == 0, demo.stdout.read()
    finally:
        if demo.poll() is None:
            demo.kill()
    summary = json.loads((workdir / "summary.json").read_text())["apps"]

    def all_finished() -> dict | None:
        consumers = shown(browser)
        done = [c for c in consumers.values() if c["state"] == "finished"]
        return consumers if len(done) == len(summary) else None

    consumers = wait_for(all_finished, 20, "every consumer finished on the page")
    for app, result in summary.items():
        page = by_app(consumers, app)
        assert int(page["messages"]) == result["messages"], app
        assert int(page["rejected"]) == result["rejected"], app
        counts = result.get("category_counts") or result.get("author_counts")
        if counts is not None:  # the bar chart's bars are the summary's counts
            chart = page["charts"][0]
            assert dict(zip(chart["labels"], chart["values"], strict=True)) == counts, app
            # each key in its own colour, as the charts draw it (Eve alike in basic and json)
            assert dict(zip(chart["labels"], chart["colors"], strict=True)) == \
                key_colors(counts), app
    smoker = by_app(consumers, "csv")["charts"][0]
    assert len(smoker["values"]) == summary["csv"]["messages"]  # every reading on the line

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "dashboard.png"))
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_pause_stops_the_numbers_and_resume_brings_them_back(browser, dashboard, workdir):
    browser.get(dashboard)
    demo = start(workdir, "demo", "--no-chart", "--count", "200000", "--interval", "0.002",
                 "--duration", "40")
    try:
        wait_for(lambda: any(k.startswith("basic-") and v["state"] == "running"
                             for k, v in shown(browser).items()), 30, "the demo on the page")
        browser.find_element("id", "pause").click()
        assert browser.find_element("id", "connection").text == "paused"
        assert browser.find_element("id", "pause").text == "Resume"
        paused = by_app(shown(browser), "basic")["messages"]
        frames = browser.execute_script("return window.buzzline.frames")
        server_before = by_app_frame(server_frame(dashboard), "basic")["messages"]
        time.sleep(2.5)
        # the stream went on (the server's number moved) but the page stood still
        assert by_app_frame(server_frame(dashboard), "basic")["messages"] > server_before
        assert by_app(shown(browser), "basic")["messages"] == paused
        assert browser.execute_script("return window.buzzline.frames") == frames

        browser.find_element("id", "pause").click()
        assert browser.find_element("id", "pause").text == "Pause"
        wait_for(lambda: int(by_app(shown(browser), "basic")["messages"]) > int(paused), 10,
                 "the count to move again after resume")

        # the time window: the page asks for the last minute and shows what it got
        from selenium.webdriver.support.ui import Select

        Select(browser.find_element("id", "window")).select_by_value("60")
        wait_for(lambda: browser.execute_script(
            "return window.buzzline.last && window.buzzline.last.window === 60"), 10,
            "a frame for the 1-minute window")
    finally:
        interrupt(demo, 30)


def by_app_frame(frame: dict, app: str) -> dict:
    return next(c for c in frame["consumers"] if c["app"] == app)
