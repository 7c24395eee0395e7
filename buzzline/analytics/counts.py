"""Counting: messages per key (author, category), top-k, batches of N, mean per key."""

import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from operator import attrgetter
from typing import Any, ClassVar, Self

from buzzline.analytics.base import Analytic, Event
from buzzline.analytics.keycounts import Counts, top_k

__all__ = ["BatchCompleted", "Batches", "BatchesCompleted", "Counts", "MeanBy", "top_k"]


@dataclass(frozen=True, slots=True)
class BatchCompleted:
    number: int
    messages: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class BatchesCompleted(Event):
    """Batches ``first`` to ``first + count - 1`` completed by one update: one event, the
    batches themselves made only when asked for (a tuple per 5 messages would cost more
    than counting them)."""

    first: int
    count: int
    size: int
    messages: list[Any]  # count * size messages, in order
    level: ClassVar[int] = logging.DEBUG

    def batches(self) -> Iterator[BatchCompleted]:
        size, messages = self.size, self.messages
        for i in range(self.count):
            yield BatchCompleted(self.first + i, tuple(messages[i * size:(i + 1) * size]))

    def describe(self) -> str:
        last = self.first + self.count - 1
        span = f"batch {last}" if self.count == 1 else f"batches {self.first}-{last}"
        return f"{span} of {self.size} messages"


def _as_dict(message: Any) -> dict[str, Any]:
    """A message's fields (a ``Message`` type, or any dataclass)."""
    to_dict = getattr(message, "to_dict", None)
    return to_dict() if to_dict is not None else asdict(message)


class Batches(Analytic):
    """Groups the stream into batches of ``size`` (the seed's "process 5 at a time")."""

    name = "batches"

    def __init__(self, size: int = 5, message_type: type | None = None) -> None:
        if size < 1:
            raise ValueError("batch size must be at least 1")
        self.size = size
        self.message_type = message_type  # rebuilds pending messages from a checkpoint
        self.completed = 0
        self._pending: list[Any] = []

    def update(self, messages: Sequence[Any]) -> list[Event]:
        pending, size = self._pending, self.size
        if not pending and len(messages) < size:
            pending.extend(messages)
            return []
        pending.extend(messages)
        full = len(pending) // size
        if not full:
            return []
        done = pending[: full * size]
        del pending[: full * size]
        event = BatchesCompleted(self.completed + 1, full, size, done)
        self.completed += full
        return [event]

    def result(self) -> dict[str, Any]:
        return {"batch_size": self.size, "batches": self.completed,
                "batch_pending": len(self._pending)}

    def state(self) -> dict[str, Any]:
        pending = [_as_dict(m) if self.message_type else m for m in self._pending]
        return {"completed": self.completed, "pending": pending}

    def load_state(self, state: dict[str, Any]) -> None:
        self.completed = state["completed"]
        make = self.message_type
        self._pending = [make(**m) if make else m for m in state["pending"]]

    def combine(self, parts: Sequence[Self]) -> None:
        self.completed = sum(part.completed for part in parts)
        self._pending = [m for part in parts for m in part._pending]


class MeanBy(Analytic):
    """Mean of ``value_field`` per ``key_field`` (e.g. sentiment per category)."""

    def __init__(self, key_field: str, value_field: str) -> None:
        self.name = f"mean_{value_field}_by_{key_field}"
        self._key = attrgetter(key_field)
        self._value = attrgetter(value_field)
        self._sums: dict[str, float] = {}
        self._counts: Counter[str] = Counter()

    def update(self, messages: Sequence[Any]) -> list[Event]:
        for message in messages:
            key = self._key(message)
            self._sums[key] = self._sums.get(key, 0.0) + self._value(message)
            self._counts[key] += 1
        return []

    def means(self) -> dict[str, float]:
        return {k: self._sums[k] / n for k, n in self._counts.items()}

    def result(self) -> dict[str, Any]:
        return {self.name: {k: round(v, 4) for k, v in sorted(self.means().items())}}

    def state(self) -> dict[str, Any]:
        return {"sums": dict(self._sums), "counts": dict(self._counts)}

    def load_state(self, state: dict[str, Any]) -> None:
        self._sums = dict(state["sums"])
        self._counts = Counter(state["counts"])

    def combine(self, parts: Sequence[Self]) -> None:
        sums: dict[str, float] = {}
        counts: Counter[str] = Counter()
        for part in parts:
            for key, value in part._sums.items():
                sums[key] = sums.get(key, 0.0) + value
            counts.update(part._counts)
        self._sums, self._counts = sums, counts
