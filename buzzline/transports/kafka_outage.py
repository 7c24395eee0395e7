"""Whether a Kafka consumer's brokers answer: librdkafka's errors (the first ten logged, a
fatal one raised), the moment every broker went quiet, and, while none answers, a metadata
request once a second (a broker that answers ends the outage, even with no message to read)."""

import logging
import time

from confluent_kafka import Consumer as RdConsumer
from confluent_kafka import KafkaError, KafkaException, Message

log = logging.getLogger("buzzline.transports.kafka_client")  # where its lines always went
PROBE_SECONDS, PROBE_TIMEOUT = 1.0, 0.5  # while no broker answers: how often to ask again
LOGGED_ERRORS = 10  # per consumer: a broken client can report the same error forever


class BrokerWatch:
    """The outage state of the consumer of ``topic``; ``down_since``: the
    ``time.monotonic()`` when librdkafka said no broker answers, None while one does."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.down_since: float | None = None
        self._next_probe = 0.0
        self._errors_logged = 0

    def on_error(self, error: KafkaError) -> None:
        """librdkafka's error callback (run inside poll): notes when every broker is down."""
        if error.code() != KafkaError._ALL_BROKERS_DOWN:
            self.log_error(error)  # as when they came with the messages
        elif self.down_since is None:
            self.down_since = time.monotonic()
            log.warning("%s: no Kafka broker answers (%s); waiting for one", self.topic,
                        error.str())

    def log_error(self, error: KafkaError) -> None:
        """An error librdkafka reported: raised when fatal, else logged (the first ones)."""
        if error.fatal():
            raise KafkaException(error)
        self._errors_logged += 1
        if self._errors_logged <= LOGGED_ERRORS:
            log.warning("%s: %s", self.topic, error.str())

    def without_errors(self, messages: list[Message]) -> list[Message]:
        """``messages`` but those that are an error (logged, or raised when fatal)."""
        for message in messages:
            error = message.error()
            if error is not None:
                self.log_error(error)
        return [m for m in messages if m.error() is None]

    def probe(self, consumer: RdConsumer) -> None:
        """While no broker answered: once a second, ask ``consumer``'s brokers for the topic's
        metadata."""
        now = time.monotonic()
        if self.down_since is None or now < self._next_probe:
            return
        self._next_probe = now + PROBE_SECONDS
        try:
            consumer.list_topics(self.topic, timeout=PROBE_TIMEOUT)
        except KafkaException:
            return
        self.reached()

    def reached(self) -> None:
        """A broker answered (a message, an assignment, metadata): the outage is over."""
        if self.down_since is not None:
            log.info("%s: the Kafka broker answers again after %.0f s", self.topic,
                     time.monotonic() - self.down_since)
            self.down_since = None
