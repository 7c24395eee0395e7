"""The CLI through click's test runner (in process) and as a subprocess (exit codes)."""

import json
import socket
import time

import orjson
from click.testing import CliRunner

from buzzline.cli import cli
from tests.conftest import run_buzzline


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def test_produce_then_consume_from_beginning(workdir):
    result = invoke("produce", "basic", "--count", "25", "--interval", "0", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert "sent 25 messages" in result.output
    lines = (workdir / "data" / "buzz_live.jsonl").read_bytes().splitlines()
    assert len(lines) == 25
    sent = [orjson.loads(line) for line in lines]
    assert all(set(m) == {"message", "author"} for m in sent)

    result = invoke("consume", "basic", "--from-beginning", "--count", "25", "--no-chart",
                    "--summary-json", "s.json")
    assert result.exit_code == 0, result.output
    summary = json.loads((workdir / "s.json").read_text())
    expected: dict[str, int] = {}
    for m in sent:
        expected[m["author"]] = expected.get(m["author"], 0) + 1
    assert summary["app"] == "basic" and summary["transport"] == "file"
    assert summary["messages"] == 25 and summary["rejected"] == 0
    assert summary["author_counts"] == expected
    assert summary["batches"] == 5


def test_consume_counts_bad_lines_as_rejected(workdir):
    data = workdir / "data"
    data.mkdir()
    good = b'{"message": "hi", "author": "Eve"}'
    (data / "buzz_live.jsonl").write_bytes(b"\n".join(
        [good, b"not json", b'{"message": 1, "author": "Bob"}', b"\xff\xfe", good]) + b"\n")
    result = invoke("consume", "basic", "--from-beginning", "--count", "5", "--output", "out",
                    "--summary-json", "s.json")
    assert result.exit_code == 0, result.output
    summary = json.loads((workdir / "s.json").read_text())
    assert summary["messages"] == 2 and summary["rejected"] == 3
    assert summary["author_counts"] == {"Eve": 2}
    assert summary["chart"]["drawn"] == [{"Eve": 2}]
    assert (workdir / "out" / "basic.png").exists()


def test_csv_pipeline_reports_the_stall(workdir):
    assert invoke("produce", "csv", "--interval", "0").exit_code == 0  # writes the sample
    result = invoke("consume", "csv", "--from-beginning", "--count", "240", "--output", "out",
                    "--summary-json", "s.json")
    assert result.exit_code == 0, result.output
    summary = json.loads((workdir / "s.json").read_text())
    assert summary["messages"] == 240
    assert len(summary["stalls"]) == 1 and summary["stalls"][0]["end"] is not None
    assert summary["chart"]["drawn"][0]["markers"] == 1
    assert "stalls: 2025-01-01" in result.output


def test_project_and_json_produce(workdir):
    assert invoke("produce", "project", "--count", "10", "--interval", "0").exit_code == 0
    row = orjson.loads((workdir / "data" / "project_json.jsonl").read_bytes().splitlines()[0])
    assert list(row) == ["message", "author", "timestamp", "category", "sentiment",
                         "keyword_mentioned", "message_length"]
    assert invoke("produce", "json", "--count", "150", "--interval", "0").exit_code == 0
    assert len((workdir / "data" / "buzzline_json.jsonl").read_bytes().splitlines()) == 150


def test_data_command_writes_samples_once(workdir):
    first = invoke("data")
    assert "wrote" in first.output
    assert (workdir / "data" / "buzz.json").exists()
    assert (workdir / "data" / "smoker_temps.csv").exists()
    assert "already there" in invoke("data").output


def test_bad_setting_is_one_line_and_exit_2(workdir):
    result = run_buzzline(["produce", "basic", "--count", "1"], workdir,
                          BUZZ_INTERVAL_SECONDS="abc")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "BUZZ_INTERVAL_SECONDS" in result.stderr and "Traceback" not in result.stderr


def test_bad_setting_in_dotenv_file(workdir):
    (workdir / ".env").write_text("SMOKER_ROLLING_WINDOW_SIZE=ten\n")
    result = run_buzzline(["consume", "csv", "--count", "1", "--no-chart"], workdir)
    assert result.returncode == 2 and "SMOKER_ROLLING_WINDOW_SIZE" in result.stderr


def test_kafka_broker_down_is_one_line_and_exit_2_within_10s(workdir):
    port = free_port()  # nothing listens there
    for command in (["produce", "json"], ["consume", "json", "--no-chart"]):
        started = time.monotonic()
        result = run_buzzline([*command, "--transport", "kafka", "--count", "1"], workdir,
                              KAFKA_BROKER_ADDRESS=f"localhost:{port}")
        assert time.monotonic() - started < 10
        assert result.returncode == 2
        assert result.stderr.strip().count("\n") == 0, result.stderr
        assert f"localhost:{port}" in result.stderr and "buzzline kafka start" in result.stderr
        assert "Traceback" not in result.stderr


def test_unknown_choice_lists_valid_ones(workdir):
    result = run_buzzline(["consume", "basic", "--transport", "carrier-pigeon"], workdir)
    assert result.returncode == 2
    assert "file" in result.stderr and "memory" in result.stderr


def test_missing_input_file_is_a_clear_error(workdir):
    result = run_buzzline(["produce", "csv", "--input", "nope.csv"], workdir)
    assert result.returncode == 2
    assert "nope.csv" in result.stderr and "Traceback" not in result.stderr


def test_version_and_help(workdir):
    assert "0.1" in invoke("--version").output
    assert "demo" in invoke("--help").output


def test_each_app_reads_its_own_settings():
    from buzzline.apps import APPS, get_app
    from buzzline.settings import Settings

    s = Settings()
    expected = {"basic": ("buzz_live", 3.0, "buzz_group"),
                "json": ("buzzline_json", 3.0, "buzz_group"),
                "csv": ("smoker_csv", 5.0, "smoker_group"),
                "project": ("project_json", 5.0, "project_group")}
    assert set(APPS.names()) == set(expected)
    for name, (topic, interval, group) in expected.items():
        app = get_app(name)
        assert (app.topic(s), app.interval(s), app.group(s)) == (topic, interval, group)
