"""Plain confluent-kafka loops: the limit the Python client sets (no decoding, no analytics)."""

import uuid

from confluent_kafka import Consumer, Producer

# the settings buzzline's producer uses (buzzline.transports.kafka_producer.KafkaProducer)
PRODUCER_SETTINGS = {"enable.idempotence": True, "acks": "all", "linger.ms": 5,
                     "queue.buffering.max.messages": 500_000}


def produce(bootstrap: str, topic: str, lines: list[tuple[bytes, bytes]]) -> None:
    """Producer.produce per message (poll now and then, wait when the queue is full), flush."""
    producer = Producer({"bootstrap.servers": bootstrap, **PRODUCER_SETTINGS})
    for i, (value, key) in enumerate(lines):
        while True:
            try:
                producer.produce(topic, value, key)
                break
            except BufferError:
                producer.poll(0.05)
        if not i % 1000:
            producer.poll(0)
    if producer.flush(60):
        raise RuntimeError("raw producer: messages left undelivered")


def consume_count(bootstrap: str, topic: str, n: int, extra: dict | None = None) -> int:
    """Consumer.consume(10000) in a loop, counting messages, until ``n`` (a fresh group);
    ``extra``: more librdkafka settings."""
    consumer = Consumer({"bootstrap.servers": bootstrap,
                         "group.id": f"bench-consume-raw-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         **(extra or {})})
    consumer.subscribe([topic])
    count = 0
    try:
        while count < n:
            count += sum(1 for m in consumer.consume(10_000, timeout=0.5) if m.error() is None)
    finally:
        consumer.close()
    return count
