"""What a user sees is right (issue 13, items 7, 8, 10, 12): the demo on its own topics and
reproducible as the README shows it, `kafka logs` with no log, the producer's last line, the
summary's keys, one line for every way Kafka cannot be reached, no POSIX-only call on the
file transport's way."""

import json
import re
import socket
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_buzzline, subprocess_env

README = ROOT / "README.md"


def readme_demo_block() -> str:
    """The output block under the quick start: the one that starts with `chart: out/demo.png`."""
    blocks = re.findall(r"```\n(chart: out/demo\.png\n.*?)```", README.read_text(), re.S)
    assert len(blocks) == 1, "the README shows the demo's output once"
    return blocks[0]


def test_demo_is_reproducible_on_its_own_topics_as_the_readme_shows_it(tmp_path):
    outputs = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        result = run_buzzline(["demo", "--display", "headless"], folder, timeout=300,
                              BUZZLINE_OUTPUT_DIR="out", BUZZLINE_DATA_DIR="data",
                              BUZZ_JSON_FILE="data/buzz.json",
                              SMOKER_CSV_FILE="data/smoker_temps.csv")
        assert result.returncode == 0, result.stderr[-2000:]
        outputs.append(result.stdout)
        topics = sorted(p.stem for p in (folder / "data").glob("*.jsonl"))
        assert topics == ["demo_basic", "demo_csv", "demo_json", "demo_project"], topics
    assert outputs[0] == outputs[1]
    assert outputs[0] == readme_demo_block()


def test_demo_leaves_the_apps_topics_to_the_apps(workdir):
    demo = run_buzzline(["demo", "--count", "30", "--interval", "0.001", "--no-chart"], workdir)
    assert demo.returncode == 0, demo.stderr[-2000:]
    run_buzzline(["produce", "basic", "--count", "40", "--interval", "0"], workdir)
    result = run_buzzline(["consume", "basic", "--from-beginning", "--idle-exit", "1",
                           "--no-chart", "--summary-json", "s.json"], workdir)
    assert json.loads((workdir / "s.json").read_text())["messages"] == 40, result.stderr


def test_sample_data_is_the_same_every_time(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        run_buzzline(["data"], tmp_path / name, BUZZLINE_DATA_DIR=str(tmp_path / name / "data"),
                     BUZZ_JSON_FILE=str(tmp_path / name / "data" / "buzz.json"),
                     SMOKER_CSV_FILE=str(tmp_path / name / "data" / "smoker_temps.csv"))
    for sample in ("buzz.json", "smoker_temps.csv"):
        a, b = (tmp_path / n / "data" / sample for n in ("a", "b"))
        assert a.read_bytes() == b.read_bytes() and a.stat().st_size > 1000


def test_kafka_logs_without_a_log_says_where_it_looked(workdir):
    empty = workdir / "no-broker"
    result = run_buzzline(["kafka", "logs", "--data-dir", str(empty)], workdir)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == f"buzzline: error: no broker log at {empty / 'broker.log'}"
    result = run_buzzline(["kafka", "logs"], workdir, BUZZLINE_KAFKA_DATA=str(empty))
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "--data-dir D" in result.stderr
    (empty / "broker.log").parent.mkdir()
    (empty / "broker.log").write_text("one\ntwo\nthree\n")
    result = run_buzzline(["kafka", "logs", "-n", "2", "--data-dir", "no-broker"], workdir)
    assert (result.returncode, result.stdout) == (0, "two\nthree\n")


def test_project_summary_keys_and_the_last_line_name_where_it_sent(workdir):
    with socket.socket() as sock:  # a port where nothing listens: no Kafka
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_buzzline(["produce", "project", "--count", "20", "--interval", "0",
                           "--also-kafka"], workdir, KAFKA_BROKER_ADDRESS=f"127.0.0.1:{port}")
    assert result.stdout.strip() == "project: sent 20 messages to file topic 'project_json'"
    run_buzzline(["consume", "project", "--from-beginning", "--count", "20", "--no-chart",
                  "--summary-json", "s.json"], workdir)
    summary = json.loads((workdir / "s.json").read_text())
    assert "top_categories" in summary and "top_categorys" not in summary
    assert set(summary["top_categories"]) <= set(summary["category_counts"])


@pytest.mark.parametrize(("address", "expected"), [
    ("127.0.0.1:{free}", "connection refused (no broker listens there); start a local broker"),
    ("no-such-host.invalid:9092", "the host name does not resolve; check KAFKA_BROKER_ADDRESS"),
])
def test_kafka_unreachable_says_what_happened(workdir, address, expected):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    address = address.format(free=free)
    result = run_buzzline(["produce", "basic", "-t", "kafka", "--count", "1"], workdir,
                          KAFKA_BROKER_ADDRESS=address)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == \
        f"buzzline: error: cannot reach Kafka at {address}: {expected}" + (
            " with `buzzline kafka start` (or set KAFKA_BROKER_ADDRESS)"
            if "refused" in expected else "")
    assert "within" not in result.stderr


def test_csv_input_that_is_a_folder_or_a_short_row_is_one_line(workdir):
    (workdir / "d").mkdir()
    result = run_buzzline(["produce", "csv", "--input", "d", "--interval", "0"], workdir)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(
        "buzzline: error: CSV file d cannot be read: ")
    (workdir / "s.csv").write_text("timestamp,temperature\n2025-01-01 15:00:00,70\n"
                                   "2025-01-01 15:01:00\n")
    result = run_buzzline(["produce", "csv", "--input", "s.csv", "--interval", "0"], workdir)
    assert "None" not in result.stderr and "line 3" in result.stderr


def test_pyproject_license_is_an_spdx_string_with_a_setuptools_that_knows_it():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"
    requires = project["build-system"]["requires"]
    found = [r for r in requires if r.startswith("setuptools")]
    assert found and int(re.search(r">=(\d+)", found[0]).group(1)) >= 77


WITHOUT_POSIX = """
import os, signal, sys
for name in ("O_NOFOLLOW", "O_NONBLOCK", "getuid", "geteuid", "sync", "getpgid", "killpg",
             "fchmod", "statvfs"):
    if hasattr(os, name):
        delattr(os, name)
for name in ("SIGKILL", "SIGSTOP", "SIGHUP", "SIGQUIT"):
    if hasattr(signal, name):
        delattr(signal, name)
for name in ("fcntl", "pwd", "resource", "grp", "termios"):
    sys.modules[name] = None  # import fails, as on Windows
import buzzline.dashboard.livefiles  # what `buzzline dashboard` reads the live files with
from buzzline.cli import main
main(sys.argv[1:])
"""


def test_file_produce_consume_and_dashboard_without_posix_only_calls(workdir):
    """As on Windows: without those os and signal attributes, fcntl, pwd and resource, a file
    produce and a consume that publishes to the dashboard still count every message."""
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", WITHOUT_POSIX, *args], cwd=workdir,
                              env=subprocess_env(workdir), capture_output=True, text=True,
                              timeout=120, check=False)

    produced = run("produce", "basic", "--count", "300", "--interval", "0")
    assert produced.returncode == 0, produced.stderr[-2000:]
    consumed = run("consume", "basic", "--from-beginning", "--count", "300", "--output", "out",
                   "--summary-json", "s.json")
    assert consumed.returncode == 0, consumed.stderr[-2000:]
    summary = json.loads((workdir / "s.json").read_text())
    assert summary["messages"] == 300 and sum(summary["author_counts"].values()) == 300
    assert (workdir / "out" / "basic.png").exists()
    assert any((workdir / "data" / "live").iterdir())  # what the dashboard reads
