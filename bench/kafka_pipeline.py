"""Kafka throughput: buzzline's producer and consumer against raw confluent-kafka loops,
measured in the same run on the same broker (ratios, not absolute claims).

  produce   buzzline KafkaProducer.send of encoded buzz messages  vs  Producer.produce loop
  consume   ConsumeJob (consume, decode, validate, author counts) vs  Consumer.consume loop
            that only counts messages (the limit)

Run: python bench/kafka_pipeline.py [--messages N] [--runs R] [--bootstrap HOST:PORT]
Without --bootstrap it starts a broker with buzzline's own `kafka start` code in a temp folder.
"""

import argparse
import random
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from confluent_kafka import Consumer, Producer  # noqa: E402

from bench.common import print_table, repeat, timed  # noqa: E402
from buzzline.apps import get_app  # noqa: E402
from buzzline.engine.consume import ConsumeJob  # noqa: E402
from buzzline.settings import load_settings  # noqa: E402
from buzzline.sources.buzz import generate_buzz  # noqa: E402
from buzzline.transports.kafka import KafkaTransport  # noqa: E402


@contextmanager
def broker(bootstrap: str | None):
    if bootstrap:
        yield bootstrap
        return
    from buzzline.kafka.broker import start, stop
    from buzzline.kafka.config import BrokerConfig
    from buzzline.kafka.install import default_cache_dir, install
    from buzzline.kafka.process import free_port

    with tempfile.TemporaryDirectory() as tmp:
        config = BrokerConfig(data_dir=Path(tmp), port=free_port(), controller_port=free_port())
        info = start(install(default_cache_dir()), config)
        try:
            yield info.address
        finally:
            stop(config)


def run_once(bootstrap: str, lines: list[tuple[bytes, bytes]]) -> dict[str, tuple[float, float]]:
    n = len(lines)
    settings = load_settings(environ={"KAFKA_BROKER_ADDRESS": bootstrap}, env_file=None)
    kafka = KafkaTransport(settings)
    ours, raw = f"bench-{uuid.uuid4().hex}", f"bench-raw-{uuid.uuid4().hex}"
    kafka.ensure_topic(raw)

    def produce() -> None:
        with kafka.producer(ours) as producer:
            for value, key in lines:
                producer.send(value, key)

    def raw_produce() -> None:
        p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                      "acks": "all", "linger.ms": 5, "queue.buffering.max.messages": 500_000})
        for i, (value, key) in enumerate(lines):
            while True:
                try:
                    p.produce(raw, value, key)
                    break
                except BufferError:
                    p.poll(0.05)
            if not i % 1000:
                p.poll(0)
        p.flush(60)

    results = {"produce": (timed(produce), timed(raw_produce))}

    def consume() -> None:
        job = ConsumeJob(get_app("basic"), settings, kafka, ours, start="beginning", count=n)
        job.run()
        assert job.totals.messages == n

    def raw_consume() -> None:
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": uuid.uuid4().hex,
                      "auto.offset.reset": "earliest", "enable.auto.commit": False})
        c.subscribe([raw])
        count = 0
        while count < n:
            count += sum(1 for m in c.consume(10_000, timeout=0.5) if m.error() is None)
        c.close()

    results["consume"] = (timed(consume), timed(raw_consume))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bootstrap", help="an existing broker (default: start one)")
    args = parser.parse_args()
    lines = [(m.encode(), m.author.encode())
             for m in generate_buzz(random.Random(1), args.messages)]
    with broker(args.bootstrap) as bootstrap:
        results = repeat(args.runs, lambda: run_once(bootstrap, lines))
    print_table("kafka transport", args.messages, results, "raw confluent")


if __name__ == "__main__":
    main()
