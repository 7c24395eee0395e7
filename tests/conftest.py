"""Shared fixtures: a clean working folder, a CLI runner in a subprocess, a virtual display."""

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["tests.kafka_fixtures"]

ROOT = Path(__file__).resolve().parents[1]
# a stream file: sensors A, B, C in turn (each third message), counted per sensor
SENSOR = '''
from buzzline.streams import Stream, sources, analytics as a

def reading(rng, clock):
    reading.n = getattr(reading, "n", -1) + 1
    return {"sensor": "ABC"[reading.n % 3], "value": rng.gauss(20, 2)}

stream = Stream(name="sensor", fields={"sensor": str, "value": float},
                source=sources.generate(reading), analytic=a.counts("sensor"), chart="bar")
'''
SEED = ROOT.parent / "shared" / "seed-data"
IN_CI = os.environ.get("CI", "").lower() == "true"


def subprocess_env(workdir: Path, **extra: str) -> dict[str, str]:
    """An environment for a buzzline subprocess: our package first, files under ``workdir``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BUZZ", "SMOKER_", "PROJECT_", "KAFKA_", "BASIC_"))}
    env.pop("DISPLAY", None)
    env.update(
        PYTHONPATH=str(ROOT),
        BUZZLINE_DATA_DIR=str(workdir / "data"),
        BUZZ_JSON_FILE=str(workdir / "data" / "buzz.json"),
        SMOKER_CSV_FILE=str(workdir / "data" / "smoker_temps.csv"),
        BUZZLINE_OUTPUT_DIR=str(workdir / "out"),
        BUZZLINE_LOG_DIR=str(workdir / "logs"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh folder as the current directory, with no buzzline settings in the environment."""
    for name in list(os.environ):
        if name.startswith(("BUZZ", "SMOKER_", "PROJECT_", "KAFKA_", "BASIC_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_buzzline(args: list[str], workdir: Path, timeout: float = 120, module: str = "buzzline",
                 **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=workdir,
                          env=subprocess_env(workdir, **env), capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture(scope="session")
def xvfb_display() -> Iterator[str]:
    """A virtual X display (Xvfb) for window tests; CI must have it, elsewhere skip without."""
    yield from start_xvfb("1600x1000x24")


@pytest.fixture(scope="session")
def xvfb_small_screen() -> Iterator[str]:
    """A virtual X display on a 1280x1000 screen (a laptop's): a window must fit in it."""
    yield from start_xvfb("1280x1000x24")


def start_xvfb(screen: str) -> Iterator[str]:
    """Xvfb on the first free display number with one ``screen`` (WxHxDEPTH); yields the
    DISPLAY name and stops it afterwards."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        if IN_CI:
            pytest.fail("Xvfb is missing in CI (.ci/run installs the Debian package xvfb)")
        pytest.skip("Xvfb not installed (apt-get install xvfb)")
    for number in range(90, 130):
        if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        proc = subprocess.Popen([xvfb, f":{number}", "-screen", "0", screen, "-nolisten",
                                 "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                break
            time.sleep(0.05)
        if proc.poll() is None:
            yield f":{number}"
            proc.terminate()
            proc.wait(timeout=10)
            return
    pytest.fail("could not start Xvfb on any display :90-:129")
