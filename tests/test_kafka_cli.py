"""`buzzline kafka start | status | logs | stop` as a user types them, on a broker of their own."""

import pytest

from buzzline.kafka.process import free_port
from tests.conftest import run_buzzline
from tests.kafka_fixtures import kafka_cache_dir

pytestmark = pytest.mark.kafka


def test_kafka_commands_start_report_and_stop_a_broker(kafka_installation, tmp_path):
    port = free_port()
    data = tmp_path / "broker"
    env = {"KAFKA_BROKER_ADDRESS": f"localhost:{port}",
           "BUZZLINE_KAFKA_CACHE": str(kafka_cache_dir()), "BUZZLINE_KAFKA_DATA": str(data)}
    try:
        started = run_buzzline(["kafka", "start"], tmp_path, timeout=180, **env)
        assert started.returncode == 0, started.stderr[-2000:]
        assert f"Kafka is running at localhost:{port}" in started.stdout
        again = run_buzzline(["kafka", "start"], tmp_path, timeout=60, **env)
        assert "already running" in again.stdout

        produced = run_buzzline(["produce", "json", "--transport", "kafka", "--count", "30",
                                 "--interval", "0"], tmp_path, timeout=60, **env)
        assert produced.returncode == 0, produced.stderr[-2000:]
        status = run_buzzline(["kafka", "status"], tmp_path, timeout=60, **env)
        assert status.returncode == 0, status.stderr[-2000:]
        assert "Apache Kafka 4.1.1" in status.stdout
        assert "buzzline_json  3 partitions  30 messages" in status.stdout

        logs = run_buzzline(["kafka", "logs", "-n", "500"], tmp_path, timeout=60, **env)
        assert "Kafka Server started" in logs.stdout or "started" in logs.stdout.lower()
    finally:
        stopped = run_buzzline(["kafka", "stop"], tmp_path, timeout=60, **env)
    assert stopped.returncode == 0 and "Kafka stopped" in stopped.stdout
    down = run_buzzline(["kafka", "status"], tmp_path, timeout=60,
                        KAFKA_CONNECT_TIMEOUT_SECONDS="2", **env)
    assert down.returncode == 2 and "buzzline kafka start" in down.stderr
    assert "Traceback" not in down.stderr
