"""Broker faults: the broker stops for 5 s in the middle of a stream and comes back. The
producer buffers and retries (idempotent: no duplicate on the topic), the consumer reconnects
and ends with exact counts. A broker of its own, so the other tests' broker is not touched."""

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer as RdConsumer
from confluent_kafka import TopicPartition

from buzzline.apps import get_app
from buzzline.dashboard.publisher import LivePublisher
from buzzline.engine.consume import ConsumeJob
from buzzline.kafka.broker import start, stop
from buzzline.messages import Buzz
from buzzline.settings import load_settings
from buzzline.transports.kafka import KafkaTransport
from tests.conftest import subprocess_env
from tests.kafka_fixtures import KafkaTestBroker, broker_config
from tests.kafka_state_helpers import committed
from tests.test_crash import AUTHORS, PacedProducer

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
MESSAGES = 100_000  # PacedProducer's count
DOWN_SECONDS = 5.0


@pytest.fixture(scope="module")
def own_broker(kafka_installation, tmp_path_factory) -> Iterator[KafkaTestBroker]:
    config = broker_config(tmp_path_factory.mktemp("fault-broker"))
    info = start(kafka_installation, config, timeout=90.0)
    try:
        yield KafkaTestBroker(config.address, config, kafka_installation, info)
    finally:
        stop(config)


def read_ids(bootstrap: str, topic: str, partitions: int) -> list[str]:
    """Every message's unique id on the topic, read by a plain confluent-kafka consumer."""
    consumer = RdConsumer({"bootstrap.servers": bootstrap, "group.id": "fault-check",
                           "enable.auto.commit": False})
    ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            for p in range(partitions)}
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    ids, done = [], {p for p, end in ends.items() if end == 0}
    deadline = time.monotonic() + 60
    try:
        while len(done) < partitions and time.monotonic() < deadline:
            for message in consumer.consume(10_000, timeout=1.0):
                if message.error():
                    continue
                ids.append(json.loads(message.value())["message"].split("#")[1])
                if message.offset() + 1 >= ends[message.partition()]:
                    done.add(message.partition())
    finally:
        consumer.close()
    return ids


def test_broker_down_for_five_seconds_mid_stream(own_broker, kafka_topic, workdir: Path):
    broker = own_broker
    settings = load_settings(environ={"KAFKA_BROKER_ADDRESS": broker.bootstrap}, env_file=None,
                             kafka_partitions=3)
    transport = KafkaTransport(settings)
    producer = PacedProducer(transport, kafka_topic, seconds=20.0, seed=3)
    env = subprocess_env(workdir, KAFKA_BROKER_ADDRESS=broker.bootstrap,
                         BUZZLINE_TRANSPORT="kafka")
    producer.start()
    consumer = subprocess.Popen(
        [sys.executable, "-m", "buzzline", "consume", "basic", "--topic", kafka_topic,
         "--no-chart", "--count", str(MESSAGES), "--summary-json", "s.json"],
        cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(7.0)
        stop(broker.config)  # mid-stream: the producer is still sending
        time.sleep(DOWN_SECONDS)
        start(broker.installation, broker.config, timeout=90.0)
        producer.join(timeout=180)
        assert not producer.is_alive() and producer.error is None, producer.error
        out, err = consumer.communicate(timeout=180)
    finally:
        if consumer.poll() is None:
            consumer.kill()
        transport.close()
    assert consumer.returncode == 0, err[-3000:]
    summary = json.loads((workdir / "s.json").read_text())
    assert summary["messages"] == MESSAGES
    assert summary["author_counts"] == dict(sorted(producer.truth.items()))
    ids = read_ids(broker.bootstrap, kafka_topic, 3)
    assert len(ids) == MESSAGES, f"{len(ids) - MESSAGES:+d} messages on the topic"
    assert len(set(ids)) == MESSAGES, "duplicates on the topic"
    print(f"{MESSAGES:,} messages, broker down {DOWN_SECONDS:.0f} s: {len(set(ids)):,} unique "
          f"on the topic, {summary['messages']:,} counted; consumer said: {out.strip()}")


def wait_for(condition, timeout: float, what: str) -> None:
    """Until ``condition()`` is true (checked every 50 ms), else fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        time.sleep(0.05)


def send_buzz(transport: KafkaTransport, topic: str, first: int, count: int) -> None:
    with transport.producer(topic) as producer:
        for uid in range(first, first + count):
            producer.send(Buzz(f"message #{uid:06d}", AUTHORS[uid % 3]).encode())


def test_status_during_an_outage_says_broker_unreachable_and_keeps_counts(
        own_broker, kafka_topic, workdir: Path):
    """The broker stops for longer than the session timeout while a consumer runs: the group
    loses its partitions, yet the status line and the dashboard record keep the counts and
    say "broker unreachable"; when the broker is back the consumer goes on, exact."""
    broker = own_broker
    settings = load_settings(environ={"KAFKA_BROKER_ADDRESS": broker.bootstrap}, env_file=None,
                             kafka_partitions=2, kafka_session_timeout=6,
                             data_dir=workdir / "data")
    transport = KafkaTransport(settings)
    send_buzz(transport, kafka_topic, 0, 1000)
    job = ConsumeJob(get_app("basic"), settings, transport, kafka_topic, start="beginning")
    publisher = LivePublisher([job], workdir / "live")
    thread = threading.Thread(target=job.run_quietly, daemon=True)
    thread.start()
    counts: list[int] = []
    try:
        wait_for(lambda: job.totals.messages == 1000, 60, "the first 1,000 counted")
        # ... and committed (state in Kafka: what is not committed is read again after the
        # outage, so the count would go back to the last commit meanwhile)
        group = job.app.group(settings)
        wait_for(lambda: sum(committed(broker.bootstrap, group, kafka_topic, 2).values()) == 1000,
                 60, "the first 1,000 committed")
        assert "unreachable" not in job.status()
        assert publisher.record(job, "x", "running")["outage"] is None
        stop(broker.config)
        # the session times out (6 s, the least a broker allows by default): the partitions
        # are lost, the counts must stay
        wait_for(lambda: counts.append(job.totals.messages) or not job._consumer.positions(),
                 90, "the partitions lost to the session timeout")
        assert job.totals.messages == 1000, "the counts went with the lost partitions"
        wait_for(lambda: "broker unreachable" in job.status(), 30, "the status says so")
        status, record = job.status(), publisher.record(job, "x", "running")
        assert status.startswith("basic 1,000 msgs"), status
        assert record["outage"] == "broker unreachable" and record["messages"] == 1000
        assert set(counts) == {1000}, sorted(set(counts))
        start(broker.installation, broker.config, timeout=90.0)
        send_buzz(transport, kafka_topic, 1000, 500)
        wait_for(lambda: counts.append(job.totals.messages) or job.totals.messages == 1500,
                 120, "the 500 sent after the outage counted")
        wait_for(lambda: "unreachable" not in job.status(), 30, "the status recovered")
        assert publisher.record(job, "x", "running")["outage"] is None
        assert min(counts) == 1000, "the count went down during the outage"
    finally:
        job.stop.set()
        thread.join(timeout=60)
        transport.close()
    assert job.error is None, job.error
    summary = job.summary("kafka")
    assert summary["messages"] == 1500
    assert summary["author_counts"] == {a: 500 for a in AUTHORS[:3]}
    print(f"broker down: status {status!r}; after: {job.status()!r}")
