"""The Kafka producer behind the transport interface: idempotent, acks=all, batched, failures
counted (``close`` and ``confirm`` raise DeliveryFailed for messages never delivered)."""

import logging
import time
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka import Producer as RdProducer

from buzzline.errors import BuzzlineError
from buzzline.transports.base import Producer

log = logging.getLogger("buzzline.transports.kafka_client")  # where its lines always went
LOGGED_FAILURES = 10
# librdkafka gives up on a message after message.timeout.ms (300 s by default): confirm waits
# a little longer than that for the last report
CONFIRM_SECONDS = 310.0


class DeliveryFailed(BuzzlineError):
    """Messages the broker never acknowledged (after librdkafka's retries)."""

    exit_code = 1


class KafkaProducer(Producer):
    def __init__(self, config: dict[str, Any], topic: str, compression: str = "none") -> None:
        self.topic = topic
        self.sent = self.delivered = self.failed = 0
        self.last_error = ""
        self._producer = RdProducer({
            **config,
            "enable.idempotence": True,  # retries never duplicate or reorder
            "acks": "all",
            "linger.ms": 5,
            "compression.type": compression,
            "queue.buffering.max.messages": 500_000,
            # reports for failures only: a Python callback per message would cost more than
            # the rest of send; delivered = sent - failed - still queued (see close)
            "delivery.report.only.error": True,
            "on_delivery": self._on_delivery,
        })
        self._closed = False

    def _on_delivery(self, err: KafkaError | None, msg: Any) -> None:
        if err is None:
            return
        self.failed += 1
        self.last_error = err.str()
        if self.failed <= LOGGED_FAILURES:
            log.error("message to %s could not be delivered: %s", self.topic, err.str())

    def send(self, value: bytes, key: bytes | None = None) -> None:
        self.sent += 1
        while True:
            try:
                self._producer.produce(self.topic, value, key)
                break
            except BufferError:  # the local queue is full: let deliveries drain
                self._producer.poll(0.05)
            except KafkaException as exc:  # refused at once (e.g. larger than the broker takes)
                self._on_delivery(exc.args[0], None)
                return
        if not self.sent % 1000:
            self._producer.poll(0)

    def flush(self, timeout: float | None = None) -> None:
        left = self._producer.flush(30.0 if timeout is None else timeout)
        if left:
            log.warning("%d messages to %s still waiting for the broker", left, self.topic)

    def confirm(self) -> None:
        """Wait until librdkafka delivered every queued message or gave up on it (after its
        message.timeout.ms: a broker down for a while is waited for); DeliveryFailed when one
        was refused or given up on."""
        deadline = time.monotonic() + CONFIRM_SECONDS
        while self._producer.flush(1.0) and time.monotonic() < deadline:
            continue
        undelivered = self.failed + len(self._producer)
        if undelivered:
            raise DeliveryFailed(f"{undelivered:,} of {self.sent:,} messages to {self.topic!r} "
                                 f"were not delivered ({self.last_error or 'timed out'})")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.flush()
        undelivered = self.failed + len(self._producer)  # refused, or still queued after flush
        self.delivered = self.sent - undelivered
        if undelivered:
            raise DeliveryFailed(f"{undelivered:,} of {self.sent:,} messages to {self.topic!r} "
                                 f"were not delivered ({self.last_error or 'timed out'})")
