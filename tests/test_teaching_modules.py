"""The teaching project's commands (`python3 -m producers.X` from the project root) still work."""

import signal
import subprocess
import sys
import time

import orjson
import pytest

from tests.conftest import ROOT, subprocess_env


def wait_for_lines(path, count, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} did not reach {count} lines")


def test_basic_pair_runs_as_modules(tmp_path):
    env = subprocess_env(tmp_path, BUZZ_INTERVAL_SECONDS="0.01")
    consumer = subprocess.Popen(
        [sys.executable, "-m", "consumers.basic_json_consumer_case"], cwd=ROOT, env=env,
        stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)  # the consumer tails from the end, like the teaching project's
    producer = subprocess.Popen(
        [sys.executable, "-m", "producers.basic_json_producer_case"], cwd=ROOT, env=env,
        stderr=subprocess.PIPE, text=True)
    data = tmp_path / "data" / "buzz_live.jsonl"
    try:
        wait_for_lines(data, 50)
    finally:
        producer.send_signal(signal.SIGINT)
        _, perr = producer.communicate(timeout=30)
    assert producer.returncode == 0, perr[-2000:]
    lines = data.read_bytes().splitlines()
    assert all(set(orjson.loads(line)) == {"message", "author"} for line in lines)
    time.sleep(1.0)
    consumer.send_signal(signal.SIGTERM)
    _, cerr = consumer.communicate(timeout=60)
    assert consumer.returncode == 0, cerr[-2000:]
    assert (tmp_path / "out" / "basic.png").read_bytes().startswith(b"\x89PNG")
    assert "Traceback" not in perr + cerr


@pytest.mark.parametrize("module", [
    "producers.json_producer_case", "consumers.json_consumer_case",
    "producers.csv_producer_case", "consumers.csv_consumer_case",
])
def test_kafka_modules_say_when_no_broker_answers(tmp_path, module):
    env = subprocess_env(tmp_path, KAFKA_BROKER_ADDRESS="localhost:1",
                         KAFKA_CONNECT_TIMEOUT_SECONDS="2")
    result = subprocess.run([sys.executable, "-m", module], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env=env)
    assert result.returncode == 2
    assert "cannot reach Kafka at localhost:1" in result.stderr
    assert "Traceback" not in result.stderr


def test_project_producer_writes_the_file(tmp_path):
    env = subprocess_env(tmp_path, PROJECT_INTERVAL_SECONDS="0.01")
    producer = subprocess.Popen([sys.executable, "-m", "producers.project_producer_case"],
                                cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    data = tmp_path / "data" / "project_json.jsonl"
    try:
        wait_for_lines(data, 10)
    finally:
        producer.send_signal(signal.SIGTERM)
        producer.communicate(timeout=30)
    assert producer.returncode == 0
    first = orjson.loads(data.read_bytes().splitlines()[0])
    assert first["message_length"] == len(first["message"])
