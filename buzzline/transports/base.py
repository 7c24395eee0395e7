"""The transport interface: a transport makes producers and consumers for topics.

A producer sends bytes (one encoded message each); a consumer yields batches of bytes with
the positions they reach. Implementations: ``file`` (embedded default), ``memory`` (tests),
``kafka``.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol, Self

# Where a consumer without a saved position starts: "end" (only what arrives from now on),
# "beginning" (everything kept), "committed" (where its group left off; without a committed
# position: the beginning for Kafka, the end for transports that keep no positions yet).
StartAt = Literal["end", "beginning", "committed"]


@dataclass(slots=True)
class Batch:
    """Messages read in one poll, and the positions after them.

    ``positions`` maps a partition (0 for a file) to the position of the next unread message:
    saving these and passing them back as ``start_positions`` resumes right after this batch.
    ``caught_up`` is true when the consumer had nothing more to read at the time of the poll.
    """

    values: list[bytes] = field(default_factory=list)
    positions: dict[int, int] = field(default_factory=dict)
    caught_up: bool = False
    # (partition, first index, end index) of each run of values from one partition, in order;
    # None: all of them come from partition 0 (a file)
    runs: list[tuple[int, int, int]] | None = None
    # the (partition, offset) of the index-th value, where the transport knows it (Kafka,
    # memory; asked for rejected messages only); None: only the batch's range is known (a
    # file: the lines after the previous position)
    locate: Callable[[int], tuple[int, int]] | None = None
    # messages the transport could not hold whole (a file line over its line limit): the
    # first bytes of each and its full length; the consumer dead-letters them as too large
    oversized: list[tuple[bytes, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.values)


class Producer(ABC):
    """Sends messages to one topic. Use as a context manager: flush and close on exit."""

    @abstractmethod
    def send(self, value: bytes, key: bytes | None = None) -> None:
        """Queue one message (bytes of one JSON object, no newline)."""

    @abstractmethod
    def flush(self, timeout: float | None = None) -> None:
        """Make every queued message durable/visible to consumers."""

    def close(self) -> None:
        """Flush and release resources. Safe to call twice."""
        self.flush()

    def confirm(self) -> None:
        """Flush and wait until every message sent so far is stored; raise (OSError or a
        BuzzlineError) when one was not and never will be (dead letters use it)."""
        self.flush()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Assignments(Protocol):
    """Told when a consumer group hands partitions to this consumer or takes them away
    (Kafka). Both are called from inside ``poll``, in the consumer's thread."""

    def assigned(self, bounds: dict[int, tuple[int, int]]) -> dict[int, int]:
        """Partitions now ours, each with its (first, next-to-write) positions, (-1, -1) if
        unknown. Returns where to start the ones the listener has saved state for."""

    def revoked(self, partitions: list[int]) -> dict[int, int]:
        """Partitions taken away; returns the positions to commit for them (now)."""

    def lost(self, partitions: list[int]) -> None:
        """Partitions the group gave away while this consumer could not reach it (nothing can
        be committed for them); the next ``assigned`` tells which ones come back."""


class Consumer(ABC):
    """Reads one topic in batches. Use as a context manager: close on exit.

    Transports whose partitions move between consumers call ``listener`` (set it before the
    first poll); the others start at ``start_positions`` and keep every partition.
    """

    listener: Assignments | None = None
    # what ``lag()`` counts: "messages" (Kafka) or "bytes" (a file: bytes not read yet)
    lag_unit: str = "messages"

    @abstractmethod
    def poll(self, max_messages: int = 10_000, timeout: float = 0.1) -> Batch:
        """Return up to ``max_messages``, waiting up to ``timeout`` seconds for the first."""

    def commit(self, positions: dict[int, int]) -> None:  # noqa: B027 - optional hook
        """Record that everything before ``positions`` has been processed."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources. Safe to call twice."""

    def lag(self) -> dict[int, int] | None:
        """partition -> messages (or ``lag_unit``) not read yet, where the transport knows
        (else None)."""
        return None

    def positions(self) -> dict[int, int]:
        """partition -> the position of the next message to read, for the partitions this
        consumer holds and where it is known (before the first message too)."""
        return {}

    def outage(self) -> str | None:
        """Why nothing can be read now (e.g. "broker unreachable"), None while it can."""
        return None

    def bounds(self, partition: int) -> tuple[int, int]:
        """(first, next-to-write) positions of ``partition`` now, (-1, -1) when not known."""
        return -1, -1

    def idle_from(self) -> float | None:
        """The ``time.monotonic()`` from which a wait for messages counts as idle (e.g. for
        ``--idle-exit``); None while the consumer cannot read yet (a group member before its
        first assignment). Transports that read at once: minus infinity."""
        return float("-inf")

    def identity(self) -> dict[int, dict | None] | None:
        """partition -> what its position (``positions()``, now) belongs to (a file: device,
        inode, size and a hash of its first bytes; None: no file yet), saved with that
        position and given back to ``Transport.consumer``; None where positions need no
        such check (Kafka)."""
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Transport(ABC):
    """Makes producers and consumers. One instance per process (or per test)."""

    name: str = "?"
    # consumers save their state and positions (checkpoints) for this transport; off for
    # transports that do not outlive the process (memory)
    checkpoints: bool = True
    # partitions move between the consumers of a group: they are assigned (and taken away)
    # through ``Consumer.listener``; otherwise a consumer holds every partition from the start
    rebalances: bool = False

    @abstractmethod
    def producer(self, topic: str, reset: bool = False) -> Producer:
        """A producer to ``topic``; ``reset`` empties the topic first (the teaching project
        deleted and recreated its topic at every start)."""

    @abstractmethod
    def consumer(
        self,
        topic: str,
        *,
        group: str,
        start: StartAt = "end",
        start_positions: dict[int, int] | None = None,
        sources: dict[int, dict] | None = None,
    ) -> Consumer:
        """A consumer of ``topic``. ``start_positions`` (saved from a Batch) wins over
        ``start``; ``sources``: what ``Consumer.identity`` said when they were saved
        (transports whose positions need no such check ignore it)."""

    def describe(self) -> str:
        """Where messages go, for log lines (never includes secrets)."""
        return self.name

    def max_message_bytes(self, topic: str) -> int | None:
        """The largest message ``topic`` takes (None: no limit of the transport's own)."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release shared resources."""
