"""The Kafka cases' topics and settings (the broker and the virtual display are
bench.common's)."""

from contextlib import suppress
from pathlib import Path

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient

from buzzline.settings import Settings, load_settings
from buzzline.transports.kafka import KafkaTransport


def bench_settings(bootstrap: str, data_dir: Path, **environ: str) -> Settings:
    """buzzline's settings for the bench: this broker, state in ``data_dir``, no .env file."""
    return load_settings(environ={"KAFKA_BROKER_ADDRESS": bootstrap,
                                  "BUZZLINE_DATA_DIR": str(data_dir),
                                  "BUZZLINE_OUTPUT_DIR": str(data_dir / "out"),
                                  "BUZZLINE_LOG_DIR": str(data_dir / "logs"), **environ},
                         env_file=None)


def delete_topics(bootstrap: str, prefixes: list[str]) -> None:
    """Delete the topics whose names start with one of ``prefixes`` (the bench's own)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    names = [t for t in admin.list_topics(timeout=10).topics if t.startswith(tuple(prefixes))]
    if names:
        for future in admin.delete_topics(names, operation_timeout=30).values():
            with suppress(Exception):  # cleaning up: a topic already gone is fine
                future.result()


def fill_topic(bootstrap: str, topic: str, lines: list[tuple[bytes, bytes]]) -> None:
    """Write ``lines`` (value, key) to ``topic`` once, with a plain confluent-kafka producer."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5,
                         "queue.buffering.max.messages": 500_000})
    for value, key in lines:
        while True:
            try:
                producer.produce(topic, value, key)
                break
            except BufferError:
                producer.poll(0.05)
    if producer.flush(120):
        raise RuntimeError(f"could not fill topic {topic!r}")


def end_total(transport: KafkaTransport, topic: str) -> int:
    """How many messages ``topic`` holds (sum of its partitions' high watermarks)."""
    return sum(transport.end_offsets(topic).values())
