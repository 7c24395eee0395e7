"""Broker faults: the broker stops for 5 s in the middle of a stream and comes back. The
producer buffers and retries (idempotent: no duplicate on the topic), the consumer reconnects
and ends with exact counts. A broker of its own, so the other tests' broker is not touched."""

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer as RdConsumer
from confluent_kafka import TopicPartition

from buzzline.kafka.broker import start, stop
from buzzline.settings import load_settings
from buzzline.transports.kafka import KafkaTransport
from tests.conftest import subprocess_env
from tests.kafka_fixtures import KafkaTestBroker, broker_config
from tests.test_crash import PacedProducer

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
