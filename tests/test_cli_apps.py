"""produce, consume, run and demo take a built-in app's name or a stream file, the same way."""

import json
from pathlib import Path

from click.testing import CliRunner

from buzzline.cli import cli
from tests.conftest import SENSOR, run_buzzline


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def sensor(workdir: Path) -> str:
    (workdir / "sensor.py").write_text(SENSOR)
    return "./sensor.py"


def test_an_unknown_app_lists_the_choices_and_says_a_file_will_do(workdir):
    for command in ("produce", "consume", "run", "demo"):
        result = run_buzzline([command, "nope"], workdir)
        assert result.returncode == 2, (command, result.stderr)
        assert "unknown app 'nope'; choose one of: basic, csv, json, project" in result.stderr
        assert "stream file" in result.stderr


def test_produce_and_consume_a_stream_file(workdir):
    path = sensor(workdir)
    result = invoke("produce", path, "--count", "30", "--interval", "0", "--seed", "2")
    assert result.exit_code == 0, result.output
    assert "sensor: sent 30 messages to file topic 'sensor'" in result.output
    assert len((workdir / "data" / "sensor.jsonl").read_bytes().splitlines()) == 30
    result = invoke("consume", path, "--from-beginning", "--count", "30", "--no-chart",
                    "--summary-json", "s.json")
    assert result.exit_code == 0, result.output
    assert "sensor: 30 messages, 0 rejected" in result.output
    summary = json.loads((workdir / "s.json").read_text())
    assert summary["sensor_counts"] == {"A": 10, "B": 10, "C": 10}


def test_run_takes_a_built_in_name(workdir):
    result = invoke("run", "basic", "--count", "40", "--interval", "0", "--no-chart",
                    "--summary-json", "s.json")
    assert result.exit_code == 0, result.output
    assert "basic: sent 40;" in result.output
    summary = json.loads((workdir / "s.json").read_text())
    assert summary["sent"] == summary["messages"] == 40


def test_demo_runs_a_stream_file_along_with_the_apps(workdir):
    path = sensor(workdir)
    result = invoke("demo", path, "--count", "20", "--interval", "0.001", "--no-chart",
                    "--no-live", "--summary-json", "s.json")
    assert result.exit_code == 0, result.output
    apps = json.loads((workdir / "s.json").read_text())["apps"]
    assert list(apps) == ["basic", "json", "csv", "project", "sensor"]
    assert apps["sensor"]["messages"] == 20 and apps["basic"]["messages"] == 20
    assert "  sensor: 20 messages, 0 rejected" in result.output
