"""The browser dashboard under load: its update rate and the page's memory over a long run.

One `buzzline dashboard` and one headless Chromium page (Debian's chromium and chromium-driver,
driven by Selenium) watch, for --minutes:
  * a firehose: stamped buzz messages appended to a topic file at --rate msgs/s (bench/common.py
    pace) and counted by `buzzline consume basic --no-chart` (its bar chart on the page);
  * the demo's four apps (`buzzline demo --no-chart`, a message each 20 ms per stream).
Every --every seconds the page's JavaScript heap is read after a forced garbage collection
(CDP HeapProfiler.collectGarbage, then Performance.getMetrics JSHeapUsedSize), with the frames
the page has received. Reported: the median heap from 10 % to 30 % into the run (warmed up)
and over its last 30 % (target: late within 1.2x of early: flat), the page's frames per
second, the firehose's msgs/s as the page shows it. --screenshot keeps a picture of the
page at the end.

Run: python bench/dashboard.py [--minutes 10] [--rate 100000] [--screenshot PATH] [--json PATH]
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, pace_command, print_case  # noqa: E402
from bench.results import CaseResult, Target  # noqa: E402

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
EARLY = "page JS heap, 10-30 % into the run (median)"
LATE = "page JS heap, last 30 % of the run (median)"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BUZZ", "SMOKER_", "PROJECT_", "KAFKA_", "BASIC_"))}
    env.pop("DISPLAY", None)
    env.update(PYTHONPATH=str(ROOT), BUZZLINE_DATA_DIR=str(workdir / "data"),
               BUZZLINE_LOG_DIR=str(workdir / "logs"), BUZZLINE_OUTPUT_DIR=str(workdir / "out"))
    return env


def buzzline(workdir: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "buzzline", "--log-level", "WARNING", *args],
                            cwd=workdir, env=environment(workdir), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def browser(profile: Path):  # noqa: ANN201 - a selenium WebDriver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-sync",
                 "--disable-component-update", "--disable-dev-shm-usage",
                 "--window-size=1400,1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(DRIVER), options=options)


def heap_mib(driver) -> float:  # noqa: ANN001
    driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
    metrics = driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "JSHeapUsedSize") / 2**20


def firehose_messages(driver) -> int:  # noqa: ANN001
    value = driver.execute_script("""
        const s = document.querySelector('section.consumer[data-id^="basic-"] .messages');
        return s ? s.dataset.value : null;""")
    return int(value or 0)


def wait(check, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"dashboard bench: timed out waiting for {what}")
        time.sleep(0.2)


def phases(samples: list[dict], seconds: float) -> tuple[float, float]:
    """The median heap early in the run (after the page warmed up) and late in it; the first
    and last samples when a short run has none in those spans."""
    early = [s["heap_mib"] for s in samples if 0.1 * seconds <= s["seconds"] <= 0.3 * seconds]
    late = [s["heap_mib"] for s in samples if s["seconds"] >= 0.7 * seconds]
    return (statistics.median(early or [samples[0]["heap_mib"]]),
            statistics.median(late or [samples[-1]["heap_mib"]]))


def measure(args: argparse.Namespace, workdir: Path) -> CaseResult:
    seconds = args.minutes * 60
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    procs = [buzzline(workdir, "dashboard", "--port", str(port))]

    def up() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=1):
                return True
        except OSError:
            return False

    driver = None
    try:
        wait(up, 30, "the dashboard")
        run_for = str(seconds + 30)
        procs.append(buzzline(workdir, "consume", "basic", "--topic", "firehose", "--no-chart",
                              "--duration", run_for))
        procs.append(buzzline(workdir, "demo", "--no-chart", "--count", "1000000000",
                              "--interval", "0.02", "--duration", run_for))
        procs.append(subprocess.Popen(
            pace_command(workdir / "data", "firehose", args.rate, int(args.rate * (seconds + 30))),
            cwd=workdir, env=environment(workdir), stdout=subprocess.DEVNULL))
        driver = browser(workdir / "profile")
        driver.execute_cdp_cmd("Performance.enable", {})
        driver.get(url)
        wait(lambda: firehose_messages(driver) > 0, 60, "the firehose on the page")
        started = time.monotonic()
        frames0, count0 = driver.execute_script("return window.buzzline.frames"), \
            firehose_messages(driver)
        samples = []
        while (elapsed := time.monotonic() - started) < seconds:
            time.sleep(min(args.every, max(0.0, seconds - elapsed)))
            at = time.monotonic() - started
            frames = driver.execute_script("return window.buzzline.frames") - frames0
            samples.append({"seconds": round(at, 1), "heap_mib": round(heap_mib(driver), 2),
                            "frames": frames, "fps": round(frames / at, 2),
                            "firehose_messages": firehose_messages(driver) - count0})
            print(f"  {at:6.0f} s  heap {samples[-1]['heap_mib']:6.2f} MiB  "
                  f"{samples[-1]['fps']:5.2f} frames/s  "
                  f"firehose {samples[-1]['firehose_messages'] / at:,.0f} msgs/s", flush=True)
        if args.screenshot:
            args.screenshot.parent.mkdir(parents=True, exist_ok=True)
            driver.execute_script("window.scrollTo(0, 0)")
            driver.save_screenshot(str(args.screenshot))
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    finally:
        if driver is not None:
            driver.quit()
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    early, late = phases(samples, seconds)
    result = CaseResult(
        "dashboard", "Browser dashboard: page memory and update rate under load", unit="MiB",
        higher_is_better=False, primary=LATE,
        subjects={EARLY: [early], LATE: [late]},
        targets=[Target("the page's memory stays flat: JS heap in the last 30 % of the run <= "
                        "1.2x that from 10 % to 30 % (medians)", LATE, EARLY,
                        ratio_at_most=1.2)],
        notes=[f"{samples[-1]['fps']:.2f} frames/s received by the page over "
               f"{samples[-1]['seconds']:.0f} s",
               f"firehose shown on the page: "
               f"{samples[-1]['firehose_messages'] / samples[-1]['seconds']:,.0f} "
               f"msgs/s (asked: {args.rate:,.0f})",
               f"browser console errors: {len(errors)}"],
        params={"minutes": args.minutes, "rate": args.rate, "samples": samples})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=100_000.0, help="firehose msgs/s")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--screenshot", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        raise SystemExit("dashboard bench: needs Debian's chromium and chromium-driver")
    workdir = Path(tempfile.mkdtemp(prefix="buzzline-dashboard-bench-"))
    started = time.monotonic()
    try:
        result = measure(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result.seconds = round(time.monotonic() - started, 1)
    print_case(result)
    for note in result.notes:
        print(f"  {note}")
    result.save(args.json)


if __name__ == "__main__":
    main()
