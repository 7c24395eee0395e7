"""`buzzline demo` end to end: headless (images, summary, exit 0) and in a window under Xvfb."""

import json
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import run_buzzline, subprocess_env


def test_demo_headless_end_to_end(workdir):
    result = run_buzzline(["demo", "--output", "out", "--summary-json", "out/summary.json",
                           "--seed", "7"], workdir, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    image = workdir / "out" / "demo.png"
    assert image.read_bytes().startswith(b"\x89PNG")
    summary = json.loads((workdir / "out" / "summary.json").read_text())["apps"]
    assert set(summary) == {"basic", "json", "csv", "project"}
    for name in ("basic", "json", "project"):
        assert summary[name]["messages"] == 300 and summary[name]["rejected"] == 0
    assert summary["csv"]["messages"] == 240
    assert len(summary["csv"]["stalls"]) == 1
    # the bars drawn are the counts printed
    for name, key in (("basic", "author_counts"), ("json", "author_counts"),
                      ("project", "category_counts")):
        assert summary[name]["chart"]["drawn"] == [summary[name][key]]
        printed = re.search(rf"^\s*{name}: 300 messages \((.*)\)$", result.stdout, re.M)
        assert printed, result.stdout
        pairs = dict(item.rsplit(" ", 1) for item in printed.group(1).split(", "))
        assert {k: int(v) for k, v in pairs.items()} == summary[name][key]
    assert "csv: 240 readings, stalls: 2025-01-01 17:48:00" in result.stdout
    assert summary["csv"]["chart"]["mode"] == "headless"


def test_demo_memory_transport_and_no_display_goes_headless(workdir):
    result = run_buzzline(["demo", "--transport", "memory", "--count", "50", "--interval", "0.001",
                           "--summary-json", "s.json"], workdir, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((workdir / "s.json").read_text())["apps"]
    assert summary["basic"]["messages"] == 50
    assert summary["basic"]["chart"]["mode"] == "headless"
    assert (workdir / "out" / "demo.png").exists()  # BUZZLINE_OUTPUT_DIR default


@pytest.mark.display
def test_demo_in_a_window_under_xvfb(workdir, xvfb_display):
    # 8 s: the first frames (the layout, the axes growing from 10 as the counts start, a
    # picture saved every 2 s) take a few hundred ms each on a loaded 2-core machine
    result = run_buzzline(["demo", "--transport", "memory", "--duration", "8", "--output",
                           "out", "--display", "window", "--summary-json", "s.json"],
                          workdir, timeout=120, DISPLAY=xvfb_display)
    assert result.returncode == 0, result.stderr[-2000:]
    chart = json.loads((workdir / "s.json").read_text())["apps"]["basic"]["chart"]
    assert chart["mode"] == "window"
    # frames kept coming while messages flowed, most of them blitted (no full redraw)
    assert chart["frames"] >= 5
    assert chart["full_redraws"] < chart["frames"]
    assert (workdir / "out" / "demo.png").exists()


@pytest.mark.display
def test_window_consumer_stops_cleanly_on_sigterm(workdir, xvfb_display):
    env = subprocess_env(workdir, DISPLAY=xvfb_display, BUZZ_INTERVAL_SECONDS="0.01")
    producer = subprocess.Popen([sys.executable, "-m", "buzzline", "produce", "basic"],
                                cwd=workdir, env=env)
    consumer = subprocess.Popen([sys.executable, "-m", "buzzline", "consume", "basic",
                                 "--summary-json", "s.json", "--output", "out", "--display",
                                 "window"], cwd=workdir, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        log = workdir / "logs" / "buzzline.log"
        while time.monotonic() < deadline:
            if log.exists() and "chart saved" in log.read_text() or consumer.poll() is not None:
                break
            if (workdir / "out" / "basic.png").exists():
                break
            time.sleep(0.2)
        time.sleep(1.0)
        consumer.send_signal(signal.SIGTERM)
        _, err = consumer.communicate(timeout=60)
        assert consumer.returncode == 0, err[-2000:]
    finally:
        producer.send_signal(signal.SIGINT)
        producer.wait(timeout=60)
    assert producer.returncode == 0
    summary = json.loads((workdir / "s.json").read_text())
    assert summary["messages"] > 0
    assert summary["chart"]["mode"] == "window"
    assert summary["chart"]["drawn"] == [summary["author_counts"]]


def test_ctrl_c_on_a_headless_consumer_saves_the_chart_and_exits_0(workdir):
    env = subprocess_env(workdir, BUZZ_INTERVAL_SECONDS="0.005")
    producer = subprocess.Popen([sys.executable, "-m", "buzzline", "produce", "basic"],
                                cwd=workdir, env=env)
    consumer = subprocess.Popen([sys.executable, "-m", "buzzline", "consume", "basic",
                                 "--output", "out", "--summary-json", "s.json"],
                                cwd=workdir, env=env, stderr=subprocess.PIPE, text=True)
    try:
        data = workdir / "data" / "buzz_live.jsonl"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (data.exists() and data.stat().st_size > 2000):
            time.sleep(0.1)
        time.sleep(1.0)
        consumer.send_signal(signal.SIGINT)  # Ctrl-C
        _, err = consumer.communicate(timeout=60)
    finally:
        producer.send_signal(signal.SIGINT)
        producer.wait(timeout=30)
    assert consumer.returncode == 0 and producer.returncode == 0, err[-2000:]
    assert "Traceback" not in err
    summary = json.loads((workdir / "s.json").read_text())
    assert summary["messages"] > 0
    assert summary["chart"]["drawn"] == [summary["author_counts"]]  # the last frame is saved
    assert (workdir / "out" / "basic.png").read_bytes().startswith(b"\x89PNG")
