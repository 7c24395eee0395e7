"""In-process transport for tests: topics are lists owned by one ``MemoryTransport``.

Positions are list indexes (partition 0), with the same semantics as the file transport.
Thread-safe: producers and consumers may run in different threads.
"""

import logging
import threading
import time

from buzzline.transports.base import Batch, Consumer, Producer, StartAt, Transport

log = logging.getLogger(__name__)


class MemoryTransport(Transport):
    """Topics are lists of messages guarded by one condition variable."""

    name = "memory"

    def __init__(self, checkpoints: bool = False) -> None:
        # off by default: the topics die with the process; on to test resuming in-process
        self.checkpoints = checkpoints
        self._cond = threading.Condition()
        self._topics: dict[str, list[bytes]] = {}

    def _topic(self, topic: str) -> list[bytes]:
        """The list for ``topic`` (call with the condition held)."""
        return self._topics.setdefault(topic, [])

    def messages(self, topic: str) -> list[bytes]:
        """A copy of everything sent to ``topic`` so far."""
        with self._cond:
            return list(self._topic(topic))

    def producer(self, topic: str, reset: bool = False) -> "MemoryProducer":
        if reset:
            with self._cond:
                self._topic(topic).clear()
        return MemoryProducer(self, topic)

    def consumer(
        self,
        topic: str,
        *,
        group: str,
        start: StartAt = "end",
        start_positions: dict[int, int] | None = None,
        sources: dict[int, dict] | None = None,
    ) -> "MemoryConsumer":
        with self._cond:
            size = len(self._topic(topic))
        wanted = (start_positions or {}).get(0)
        if wanted is not None and wanted > size:
            log.warning("saved position %d is past the end of topic %r (%d messages); "
                        "reading from 0", wanted, topic, size)
            wanted = 0
        if wanted is None:
            wanted = 0 if start == "beginning" else size  # "committed": none stored: the end
        return MemoryConsumer(self, topic, group, wanted)


class MemoryProducer(Producer):
    """Appends each message on send; flush has nothing to do."""

    def __init__(self, transport: MemoryTransport, topic: str) -> None:
        self._transport, self.topic = transport, topic
        self._closed = False

    def send(self, value: bytes, key: bytes | None = None) -> None:
        if self._closed:
            raise ValueError(f"producer for topic {self.topic!r} is closed")
        if 10 in value:  # b"\n": same rule as the file transport, so tests catch it
            raise ValueError("a message must be one line: it contains a newline byte")
        cond = self._transport._cond
        with cond:
            self._transport._topic(self.topic).append(bytes(value))
            cond.notify_all()

    def flush(self, timeout: float | None = None) -> None:
        """Nothing to do: messages are visible as soon as they are sent."""

    def close(self) -> None:
        self._closed = True


class MemoryConsumer(Consumer):
    """Reads a topic list by index."""

    def __init__(self, transport: MemoryTransport, topic: str, group: str, position: int) -> None:
        self._transport, self.topic, self.group = transport, topic, group
        self._pos = position

    def poll(self, max_messages: int = 10_000, timeout: float = 0.1) -> Batch:
        deadline = time.monotonic() + timeout
        cond = self._transport._cond
        with cond:
            items = self._transport._topic(self.topic)
            while len(items) <= self._pos:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                cond.wait(left)
            first = self._pos
            taken = items[self._pos : self._pos + max_messages]
            self._pos += len(taken)
            caught_up = self._pos >= len(items)
        origins = [first + i for i, v in enumerate(taken) if v]
        values = [v for v in taken if v] if b"" in taken else taken
        return Batch(values, {0: self._pos}, caught_up, [(0, 0, len(values))],
                     lambda index: (0, origins[index]))

    def positions(self) -> dict[int, int]:
        return {0: self._pos}
