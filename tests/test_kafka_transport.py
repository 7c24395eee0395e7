"""The Kafka transport against a real broker (started by the `kafka_broker` fixture through
buzzline's own `kafka start` code): apps round trip, groups, resume, wire compatibility."""

import json
import threading
import time
from collections import Counter

import orjson
import pytest
from click.testing import CliRunner

from buzzline.cli import cli
from buzzline.messages import Buzz
from buzzline.settings import load_settings
from buzzline.transports.kafka import KafkaTransport

pytestmark = pytest.mark.kafka


@pytest.fixture
def kafka_env(kafka_broker, workdir, monkeypatch):
    monkeypatch.setenv("KAFKA_BROKER_ADDRESS", kafka_broker.bootstrap)
    monkeypatch.setenv("BUZZLINE_TRANSPORT", "kafka")
    return workdir


def transport(bootstrap: str, **values) -> KafkaTransport:
    return KafkaTransport(load_settings(environ={"KAFKA_BROKER_ADDRESS": bootstrap},
                                        env_file=None, **values))


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def read_all(bootstrap: str, topic: str, expected: int, timeout: float = 30.0) -> list[dict]:
    """Everything on ``topic``, read by kafka-python as the teaching project's consumers do."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             group_id=None, consumer_timeout_ms=int(timeout * 1000))
    values = []
    try:
        for message in consumer:
            values.append(json.loads(message.value.decode("utf-8")))
            if len(values) >= expected:
                break
    finally:
        consumer.close()
    return values


@pytest.mark.parametrize("app", ["basic", "json", "csv", "project"])
def test_every_app_round_trips_and_kafka_python_reads_it(kafka_env, kafka_broker, kafka_topic,
                                                         app):
    count = 240 if app == "csv" else 500
    invoke("produce", app, "--topic", kafka_topic, "--count", str(count), "--interval", "0",
           "--seed", "4")
    invoke("consume", app, "--topic", kafka_topic, "--count", str(count), "--no-chart",
           "--summary-json", "s.json")
    summary = json.loads((kafka_env / "s.json").read_text())
    assert summary["transport"] == "kafka" and summary["messages"] == count
    assert summary["rejected"] == 0
    raw = read_all(kafka_broker.bootstrap, kafka_topic, count)  # the wire, independently
    assert len(raw) == count
    if app == "csv":
        assert set(raw[0]) == {"timestamp", "temperature"}
        assert len(summary["stalls"]) == 1  # the producer ended at EOF; the stall is reported
    else:
        field = "category" if app == "project" else "author"
        assert summary[f"{field}_counts"] == dict(Counter(m[field] for m in raw))
    assert sum(summary["lag"].values()) == 0


def test_we_read_what_kafka_python_sends(kafka_broker, kafka_topic):
    from kafka import KafkaProducer

    sent = [{"message": f"hello {i}", "author": f"A{i % 3}"} for i in range(300)]
    producer = KafkaProducer(bootstrap_servers=kafka_broker.bootstrap,
                             value_serializer=lambda x: json.dumps(x).encode("utf-8"))
    for item in sent:
        producer.send(kafka_topic, value=item)
    producer.flush()
    producer.close()
    with transport(kafka_broker.bootstrap).consumer(kafka_topic, group="g-compat",
                                                    start="beginning") as consumer:
        values = poll_until(consumer, len(sent))
    assert [json.loads(v) for v in values] == sent


def poll_until(consumer, expected: int, timeout: float = 30.0) -> list[bytes]:
    values: list[bytes] = []
    deadline = time.monotonic() + timeout
    while len(values) < expected and time.monotonic() < deadline:
        batch = consumer.poll(max_messages=1000, timeout=0.2)
        values.extend(batch.values)
        consumer.commit(batch.positions)
    return values


def produce_ids(bootstrap: str, topic: str, count: int) -> None:
    with transport(bootstrap, kafka_partitions=3).producer(topic) as producer:
        for i in range(count):
            producer.send(Buzz(message=f"id-{i}", author=f"a{i % 7}").encode(), key=b"%d" % i)


def test_one_group_two_consumers_count_each_message_once_also_after_one_stops(
        kafka_broker, kafka_topic):
    total = 30_000
    produce_ids(kafka_broker.bootstrap, kafka_topic, total)
    seen: dict[str, list[str]] = {"a": [], "b": []}
    stop_a = threading.Event()
    kafka = transport(kafka_broker.bootstrap)

    def run(name: str, stop: threading.Event) -> None:
        with kafka.consumer(kafka_topic, group="g-pair", start="committed") as consumer:
            deadline = time.monotonic() + 60
            while not stop.is_set() and time.monotonic() < deadline:
                if len(seen["a"]) + len(seen["b"]) >= total:
                    break
                batch = consumer.poll(max_messages=500, timeout=0.2)
                seen[name].extend(orjson.loads(v)["message"] for v in batch.values)
                consumer.commit(batch.positions)
                if name == "a" and len(seen["a"]) >= 3000:
                    stop.set()  # a leaves mid-stream: b takes its partitions over

    threads = [threading.Thread(target=run, args=("a", stop_a)),
               threading.Thread(target=run, args=("b", threading.Event()))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    everything = seen["a"] + seen["b"]
    assert len(set(everything)) == total  # nothing lost
    assert len(everything) == total  # nothing counted twice
    assert seen["a"] and seen["b"]  # both did some of the work


def test_restarted_consumer_resumes_from_its_checkpoint(kafka_env, kafka_topic):
    invoke("produce", "basic", "--topic", kafka_topic, "--count", "1000", "--interval", "0")
    first = invoke("consume", "basic", "--topic", kafka_topic, "--count", "400", "--no-chart",
                   "--summary-json", "a.json")
    second = invoke("consume", "basic", "--topic", kafka_topic, "--count", "600",
                    "--no-chart", "--summary-json", "b.json")
    assert first and second
    a = json.loads((kafka_env / "a.json").read_text())
    b = json.loads((kafka_env / "b.json").read_text())
    # the second read the other 600 on top of the first one's saved counts
    assert a["messages"] == 400 and b["messages"] == 1000
    assert sum(b["author_counts"].values()) == 1000
    assert all(b["author_counts"][k] >= n for k, n in a["author_counts"].items())
    # --reset-state forgets the counts; the group's committed offsets are at the end
    third = invoke("consume", "basic", "--topic", kafka_topic, "--idle-exit", "3", "--reset-state",
                   "--no-chart", "--summary-json", "c.json")
    assert third and json.loads((kafka_env / "c.json").read_text())["messages"] == 0


def test_reset_topic_empties_it(kafka_env, kafka_broker, kafka_topic):
    invoke("produce", "basic", "--topic", kafka_topic, "--count", "50", "--interval", "0")
    invoke("produce", "basic", "--topic", kafka_topic, "--count", "20", "--interval", "0",
           "--reset-topic")
    assert len(read_all(kafka_broker.bootstrap, kafka_topic, 70, timeout=3)) == 20


def test_kafka_status_shows_counts_and_lag(kafka_env, kafka_topic):
    invoke("produce", "basic", "--topic", kafka_topic, "--count", "120", "--interval", "0",
           "--partitions", "2")
    invoke("consume", "basic", "--topic", kafka_topic, "--count", "100", "--no-chart")
    output = invoke("kafka", "status").output
    line = next(x for x in output.splitlines() if kafka_topic in x and "partition" in x)
    assert "2 partitions" in line and "120 messages" in line
    group_line = next(x for x in output.splitlines() if "buzz_group" in x)
    assert f"{kafka_topic} lag 20" in group_line


def test_demo_over_kafka(kafka_env):
    result = invoke("--log-level", "WARNING", "demo", "--count", "60", "--output", "out",
                    "--summary-json", "d.json")
    apps = json.loads((kafka_env / "d.json").read_text())["apps"]
    assert {name: apps[name]["messages"] for name in apps} == {
        "basic": 60, "json": 60, "csv": 240, "project": 60}
    assert apps["basic"]["chart"]["drawn"] == [apps["basic"]["author_counts"]]
    assert "chart: out/demo.png" in result.output


def test_teaching_project_kafka_modules(kafka_broker, kafka_topic, tmp_path):
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT, subprocess_env

    env = subprocess_env(tmp_path, KAFKA_BROKER_ADDRESS=kafka_broker.bootstrap,
                         SMOKER_TOPIC=kafka_topic, SMOKER_INTERVAL_SECONDS="0.001",
                         SMOKER_CONSUMER_GROUP_ID=f"g-{kafka_topic}")
    produced = subprocess.run([sys.executable, "-m", "producers.csv_producer_case"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120, check=False)
    assert produced.returncode == 0, produced.stderr[-2000:]  # it ends at the end of the CSV
    consumer = subprocess.Popen([sys.executable, "-m", "consumers.csv_consumer_case"], cwd=ROOT,
                                env=env, stderr=subprocess.PIPE, text=True)
    log = tmp_path / "logs" / "buzzline.log"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if log.exists() and "stall ended" in log.read_text():
            break
        time.sleep(0.2)
    consumer.send_signal(signal.SIGTERM)  # commits, leaves the group, saves the chart
    _, err = consumer.communicate(timeout=60)
    assert consumer.returncode == 0, err[-2000:]
    assert "stall started at 2025-01-01 17:4" in log.read_text()
    assert (tmp_path / "out" / "csv.png").exists()


def test_undeliverable_message_is_reported_and_fails_the_producer(kafka_broker, kafka_topic):
    from buzzline.transports.kafka_client import DeliveryFailed

    producer = transport(kafka_broker.bootstrap).producer(kafka_topic)
    producer.send(Buzz(message="fine", author="a").encode())
    producer.send(b'{"message": "' + b"x" * 2_000_000 + b'", "author": "b"}')
    with pytest.raises(DeliveryFailed, match="1 of 2 messages") as failure:
        producer.close()
    assert failure.value.exit_code == 1
    assert producer.delivered == 1


def test_partitions_take_their_counts_along_when_a_consumer_leaves(kafka_broker, kafka_topic,
                                                                   tmp_path):
    """Two consumer jobs of one group on one machine; when one leaves, the other takes its
    partitions over with their saved counts: its totals are then those of the whole topic."""
    from buzzline.apps import get_app
    from buzzline.engine.consume import ConsumeJob

    total = 30_000
    produce_ids(kafka_broker.bootstrap, kafka_topic, total)
    truth = Counter(f"a{i % 7}" for i in range(total))
    settings = load_settings(environ={"KAFKA_BROKER_ADDRESS": kafka_broker.bootstrap},
                             env_file=None, data_dir=tmp_path, buzz_consumer_group_id="g-move")
    app = get_app("basic")
    leaver = ConsumeJob(app, settings, transport(kafka_broker.bootstrap), kafka_topic, count=4000)
    stayer = ConsumeJob(app, settings, transport(kafka_broker.bootstrap), kafka_topic,
                        idle_exit=8.0)
    threads = [threading.Thread(target=job.run) for job in (leaver, stayer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert leaver.read == 4000
    assert stayer.read == total - 4000  # it did not read again what the leaver counted
    final = stayer.summary("kafka")
    assert final["messages"] == total
    assert final["author_counts"] == dict(sorted(truth.items()))
    assert set(final["positions"]) == {"0", "1", "2"}
