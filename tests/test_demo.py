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


def _catches(pid: int, sig: int) -> bool:
    """Whether process ``pid`` has a handler for ``sig`` (Linux: SigCgt in /proc)."""
    try:
        status = open(f"/proc/{pid}/status").read()  # noqa: SIM115 - read once
    except FileNotFoundError:
        return False
    caught = int(re.search(r"^SigCgt:\s*([0-9a-f]+)", status, re.M).group(1), 16)
    return bool(caught >> (sig - 1) & 1)


def _live_messages(workdir) -> int:
    """The messages the running consumer last published for the dashboard (0 before any)."""
    total = 0
    for path in (workdir / "data" / "live").glob("*.json"):
        try:
            total += json.loads(path.read_text())["messages"]
        except (OSError, ValueError, KeyError):
            continue
    return total


def _wait_for(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _headless_consumer(workdir, env, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "buzzline", "consume", "basic", "--output",
                             "out", "--summary-json", "s.json", *extra],
                            cwd=workdir, env=env, stderr=subprocess.PIPE, text=True)


def _check_stopped_cleanly(workdir, consumer: subprocess.Popen) -> dict:
    _, err = consumer.communicate(timeout=120)
    assert consumer.returncode == 0, err[-2000:]
    assert "Traceback" not in err
    summary = json.loads((workdir / "s.json").read_text())
    assert summary["chart"]["drawn"] == [summary["author_counts"]]  # the last frame is saved
    assert (workdir / "out" / "basic.png").read_bytes().startswith(b"\x89PNG")
    return summary


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/PID/status")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_start_up_leaves_the_summary_and_the_chart(workdir, sig):
    """The signal comes while the consumer is still importing and setting up (its handler that
    remembers signals is in place, nothing else yet): no traceback, a summary, a picture."""
    consumer = _headless_consumer(workdir, subprocess_env(workdir))
    try:
        _wait_for(lambda: _catches(consumer.pid, signal.SIGTERM) or consumer.poll() is not None,
                  "the consumer's signal handler")
        consumer.send_signal(sig)
        summary = _check_stopped_cleanly(workdir, consumer)
    finally:
        consumer.kill()
    assert summary["messages"] == 0


def test_ctrl_c_mid_run_on_a_headless_consumer_saves_the_chart_and_exits_0(workdir):
    env = subprocess_env(workdir, BUZZ_INTERVAL_SECONDS="0.005")
    producer = subprocess.Popen([sys.executable, "-m", "buzzline", "produce", "basic"],
                                cwd=workdir, env=env)
    consumer = _headless_consumer(workdir, env)
    try:
        _wait_for(lambda: _live_messages(workdir) >= 20 or consumer.poll() is not None,
                  "the consumer to count messages")
        consumer.send_signal(signal.SIGINT)  # Ctrl-C
        summary = _check_stopped_cleanly(workdir, consumer)
    finally:
        consumer.kill()
        producer.send_signal(signal.SIGINT)
        producer.wait(timeout=60)
    assert producer.returncode == 0
    assert summary["messages"] >= 20


def test_ctrl_c_as_a_consumer_ends_by_itself_changes_nothing(workdir):
    """A Ctrl-C that comes while the consumer is writing its summary after the session (it
    stopped at --count) is too late to matter: exit 0, the whole summary."""
    data = workdir / "data" / "buzz_live.jsonl"
    data.parent.mkdir(parents=True)
    data.write_text("".join(f'{{"message": "m", "author": "a{i % 3}"}}\n' for i in range(50)))
    consumer = _headless_consumer(workdir, subprocess_env(workdir), "--from-beginning",
                                  "--count", "50")
    try:
        _wait_for(lambda: (workdir / "out" / "basic.png").exists() and _live_messages(workdir)
                  == 50 or consumer.poll() is not None, "the consumer's end")
        consumer.send_signal(signal.SIGINT)
        summary = _check_stopped_cleanly(workdir, consumer)
    finally:
        consumer.kill()
    assert summary["messages"] == 50
    assert summary["author_counts"] == {"a0": 17, "a1": 17, "a2": 16}
