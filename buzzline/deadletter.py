"""Dead letters: every message a consumer rejects is set aside with its reason, its original
bytes (base64 when not UTF-8), where it was and when, on the same transport: the topic
``<topic>.dlq`` (Kafka) or the file ``data/<topic>.dlq.jsonl``. The consumer never stops for one.
"""

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from buzzline.messages import Rejected
from buzzline.transports.base import Producer, Transport

SUFFIX = ".dlq"


def dlq_topic(topic: str) -> str:
    return topic + SUFFIX


def record(rejected: Rejected, topic: str, app: str, position: dict[str, int],
           now: datetime | None = None) -> dict[str, Any]:
    """One dead letter as a JSON-ready dict."""
    out: dict[str, Any] = {
        "time": (now or datetime.now(UTC)).isoformat(timespec="milliseconds"),
        "app": app,
        "topic": topic,
        "position": position,
        "reason": rejected.reason,
    }
    try:
        out["value"] = rejected.raw.decode("utf-8")
    except UnicodeDecodeError:
        out["value_base64"] = base64.b64encode(rejected.raw).decode("ascii")
    return out


class DeadLetters:
    """Sends rejected messages of one topic to its dead-letter topic (opened on first use)."""

    def __init__(self, transport: Transport, topic: str, app: str) -> None:
        self.transport, self.topic, self.app = transport, topic, app
        self.count = 0
        self._producer: Producer | None = None

    def add(self, rejected: Rejected, position: dict[str, int]) -> None:
        if self._producer is None:
            self._producer = self.transport.producer(dlq_topic(self.topic))
        self._producer.send(orjson.dumps(record(rejected, self.topic, self.app, position)))
        self.count += 1

    def flush(self) -> None:
        if self._producer is not None:
            self._producer.flush()

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close()
            self._producer = None


def read_dead_letters(transport: Transport, topic: str, limit: int = 0,
                      wait: float = 10.0) -> Iterator[dict[str, Any]]:
    """The dead letters of ``topic``, oldest first (``limit`` > 0: the first ones only)."""
    seen = 0
    with transport.consumer(dlq_topic(topic), group="buzzline-dlq-reader",
                            start="beginning") as consumer:
        idle = 0.0
        while idle < wait:
            batch = consumer.poll(max_messages=1000, timeout=0.2)
            idle = 0.0 if batch.values else idle + 0.2
            for value in batch.values:
                yield orjson.loads(value)
                seen += 1
                if limit and seen >= limit:
                    return
            if batch.caught_up and not batch.values:
                return
