"""Each benchmark script runs on a tiny size, so the scripts don't rot (CI does not time them)."""

import subprocess
import sys

from tests.conftest import ROOT


def test_file_pipeline_bench_runs(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "file_pipeline.py"), "--messages", "3000",
         "--runs", "1"], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    cases = [line.split()[0] for line in result.stdout.splitlines()[2:]]
    assert cases == ["produce", "consume", "pipeline"]


def test_kafka_pipeline_bench_runs(kafka_broker, tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "kafka_pipeline.py"), "--messages", "2000",
         "--runs", "1", "--bootstrap", kafka_broker.bootstrap], cwd=tmp_path,
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    cases = [line.split()[0] for line in result.stdout.splitlines()[2:]]
    assert cases == ["produce", "consume"]
