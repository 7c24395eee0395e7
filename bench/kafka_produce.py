"""Kafka producer, N buzz messages: buzzline against a raw confluent-kafka loop and kafka-python,
on the same broker in the same run (case "kafka-produce").

Each run sends the same encoded buzz messages (key: the author) to a fresh 3-partition topic per
subject, created before the clock starts, and times until every message is acknowledged:

  buzzline              KafkaTransport.producer(topic).send per message, close (what
                        `buzzline produce` uses: idempotent, acks=all, linger 5 ms)
  raw confluent-kafka   Producer.produce loop with the same settings, flush
  kafka-python          KafkaProducer(acks="all", linger_ms=5, idempotent).send per message,
                        flush (its docs' way; fewer messages by default: it is slower)

Run: python bench/kafka_produce.py [--messages N] [--runs R] [--bootstrap HOST:PORT] [--json PATH]
Without --bootstrap it starts a broker with buzzline's own `kafka start` code in a temp folder.
"""

import argparse
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import confluent_kafka  # noqa: E402

from bench.common import broker, print_case  # noqa: E402
from bench.peers import buzz_lines, missing, raw_confluent  # noqa: E402
from bench.peers.kafka_env import bench_settings, delete_topics, end_total  # noqa: E402
from bench.results import CaseResult, Target  # noqa: E402
from buzzline.transports.kafka import KafkaTransport  # noqa: E402

CASE = "kafka-produce"
TITLE = "Kafka producer: buzz messages sent and acknowledged"
BUZZLINE = "buzzline"
RAW = "raw confluent-kafka"
KAFKA_PYTHON = "kafka-python"
PREFIX = "bench-produce-"


def targets() -> list[Target]:
    return [
        Target(">= 50 % of a raw confluent-kafka produce loop", BUZZLINE, RAW,
               ratio_at_least=0.5),
        Target(">= 5x a kafka-python producer", BUZZLINE, KAFKA_PYTHON, ratio_at_least=5.0),
    ]


def buzzline_produce(transport: KafkaTransport, topic: str,
                     lines: list[tuple[bytes, bytes]]) -> None:
    with transport.producer(topic) as producer:
        for value, key in lines:
            producer.send(value, key)


def measure(transport: KafkaTransport, lines: list[tuple[bytes, bytes]],
            send: Callable[[str, list[tuple[bytes, bytes]]], None]) -> float:
    """msgs/s of ``send`` into a fresh topic; checks the topic then holds every message."""
    topic = f"{PREFIX}{uuid.uuid4().hex}"
    transport.ensure_topic(topic, partitions=3)
    started = time.perf_counter()
    send(topic, lines)
    elapsed = time.perf_counter() - started
    held = end_total(transport, topic)
    if held != len(lines):
        raise RuntimeError(f"{topic} holds {held:,} of {len(lines):,} messages")
    delete_topics(transport.settings.kafka_broker_address, [topic])
    return len(lines) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bootstrap", help="an existing broker (default: start one)")
    parser.add_argument("--json", type=Path, help="write the CaseResult here")
    parser.add_argument("--kafka-python-messages", type=int, default=100_000,
                        help="messages kafka-python sends per run [100,000]")
    args = parser.parse_args()
    began = time.perf_counter()
    n = args.messages
    n_kp = min(args.kafka_python_messages, n)
    result = CaseResult(CASE, TITLE, messages=n, targets=targets())
    skip_kp = missing("kafka")
    if skip_kp:
        result.notes.append(skip_kp)

    lines = buzz_lines(n)
    with ExitStack() as stack:
        bootstrap = stack.enter_context(broker(args.bootstrap))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-kp-")))
        transport = KafkaTransport(bench_settings(bootstrap, workdir))
        stack.callback(delete_topics, bootstrap, [PREFIX])

        def raw(topic: str, batch: list[tuple[bytes, bytes]]) -> None:
            raw_confluent.produce(bootstrap, topic, batch)

        def kafka_python(topic: str, batch: list[tuple[bytes, bytes]]) -> None:
            from bench.peers.kafka_python import produce

            produce(bootstrap, topic, batch)

        def ours(topic: str, batch: list[tuple[bytes, bytes]]) -> None:
            buzzline_produce(transport, topic, batch)

        for _ in range(args.runs):
            result.add(BUZZLINE, measure(transport, lines, ours))
            result.add(RAW, measure(transport, lines, raw))
            if not skip_kp:
                result.add(KAFKA_PYTHON, measure(transport, lines[:n_kp], kafka_python))
    result.notes += [
        f"{n:,} messages per run for buzzline and the raw loop, {n_kp:,} for kafka-python; "
        "each into a fresh 3-partition topic, timed until all are acknowledged",
        f"versions: confluent-kafka {confluent_kafka.__version__} (librdkafka "
        f"{confluent_kafka.libversion()[0]})"
        + ("" if skip_kp else f", kafka-python {metadata.version('kafka-python')}"),
        f"script time {time.perf_counter() - began:.0f} s",
    ]
    result.save(args.json)
    print_case(result)


if __name__ == "__main__":
    main()
