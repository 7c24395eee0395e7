"""A producer job: messages from a stream's source, encoded and sent at its interval."""

import logging
import random
import threading
from dataclasses import dataclass, field

from buzzline.checkpoints import forget_topic
from buzzline.clock import Clock, SystemClock
from buzzline.settings import Settings
from buzzline.streams.base import Stream
from buzzline.transports.base import Transport
from buzzline.transports.tee import TeeProducer

log = logging.getLogger(__name__)


@dataclass
class ProduceJob:
    app: Stream  # (a built-in app is a Stream too)
    settings: Settings
    transport: Transport
    topic: str
    interval: float
    count: int | None = None
    reset_topic: bool = False
    # more transports that get every message too (the project producer's "and Kafka")
    also: list[Transport] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    clock: Clock = field(default_factory=SystemClock)
    rng: random.Random = field(default_factory=random.Random)
    sent: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def run(self) -> int:
        """Send until the source ends, ``count`` is reached or ``stop`` is set; flush at the end."""
        try:
            source = self.app.records(self.rng, self.clock, self.count, self.settings)
            where = " and ".join(t.describe() for t in [self.transport, *self.also])
            log.info("producing %s messages to %s '%s' every %ss", self.app.name, where,
                     self.topic, self.interval)
            if self.reset_topic:  # the saved consumer states of the old messages go too
                for transport in [self.transport, *self.also]:
                    forget_topic(self.settings.data_dir, transport.name, self.topic)
            producers = [t.producer(self.topic, reset=self.reset_topic)
                         for t in [self.transport, *self.also]]
            key = self.app.key
            with producers[0] if len(producers) == 1 else TeeProducer(producers) as producer:
                for message in source:
                    if self.stop.is_set():
                        break
                    producer.send(message.encode(), key=key(message))
                    self.sent += 1
                    if self.interval > 0:
                        producer.flush()
                        if self.stop.wait(self.interval):
                            break
            log.info("%s producer sent %s messages", self.app.name, f"{self.sent:,}")
            return self.sent
        except BaseException as exc:
            self.error = exc
            raise
        finally:
            self.done.set()

    def run_quietly(self) -> None:
        """Thread target: errors are kept in ``self.error`` for the main thread to report."""
        try:
            self.run()
        except BaseException:  # noqa: BLE001 - handed to the main thread, which re-raises
            self.stop.set()
