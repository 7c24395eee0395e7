"""Counting: messages per key (author, category), top-k, batches of N, mean per key."""

import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from operator import attrgetter
from typing import Any, ClassVar, Self

import msgspec

from buzzline.analytics.base import Analytic, Event
from buzzline.analytics.finite import add_scaled, count, finite_number, scaled_mean, to_float
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

    @property
    def pending(self) -> int:
        """Messages waiting for the next batch."""
        return len(self._pending)

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
        make = self.message_type
        pending = [msgspec.convert(m, make) if make else m for m in state["pending"]]
        self.completed = count(state["completed"])
        self._pending = pending

    def combine(self, parts: Sequence[Self]) -> None:
        self.completed = sum(part.completed for part in parts)
        self._pending = [m for part in parts for m in part._pending]


class MeanBy(Analytic):
    """Mean of ``value_field`` per ``key_field`` (e.g. sentiment per category).

    A key's sum is a plain float until adding to it would overflow; from then on it is kept
    scaled (``analytics.finite``), so the mean stays right and finite for any finite values."""

    def __init__(self, key_field: str, value_field: str) -> None:
        self.name = f"mean_{value_field}_by_{key_field}"
        self._key = attrgetter(key_field)
        self._value = attrgetter(value_field)
        self._sums: dict[str, float] = {}
        self._scaled: dict[str, tuple[float, int]] = {}  # key -> (total, scale): huge sums
        self._counts: Counter[str] = Counter()
        # for a view summing this part: the keys updated since it last looked (kept only once
        # a view looks), and a mark that moves when the part changes otherwise (a load)
        self._changed: set[str] | None = None
        self._epoch = 0
        self._summed: list[tuple[MeanBy, int]] | None = None  # a view: its parts, their epochs

    def update(self, messages: Sequence[Any]) -> list[Event]:
        sums = self._sums
        keys = list(map(self._key, messages))
        if self._changed is not None:
            self._changed.update(keys)
        for key, value in zip(keys, map(self._value, messages), strict=True):
            try:
                total = sums[key] + value
            except (KeyError, OverflowError):  # a new or scaled key; an int beyond floats
                self._add_slow(key, value)
                continue
            if total - total:  # inf: the sum would overflow
                self._add_slow(key, value)
            else:
                sums[key] = total
        self._counts.update(keys)
        return []

    def _add_slow(self, key: str, value: float) -> None:
        scaled = self._scaled.pop(key, None)
        total, scale = scaled if scaled is not None else (self._sums.pop(key, 0.0), 0)
        total, scale = add_scaled(total, scale, to_float(value))
        if scale:
            self._scaled[key] = (total, scale)
        else:
            self._sums[key] = total

    def means(self) -> dict[str, float]:
        sums, scaled = self._sums, self._scaled
        return {k: sums[k] / n if k in sums else scaled_mean(*scaled[k], n)
                for k, n in self._counts.items()}

    def result(self) -> dict[str, Any]:
        return {self.name: {k: round(v, 4) for k, v in sorted(self.means().items())}}

    def state(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sums": dict(self._sums), "counts": dict(self._counts)}
        if self._scaled:
            out["scaled"] = {k: list(v) for k, v in self._scaled.items()}
        return out

    def load_state(self, state: dict[str, Any]) -> None:
        sums = {str(k): finite_number(v) for k, v in state["sums"].items()}
        scaled = {str(k): (finite_number(t), count(s))
                  for k, (t, s) in state.get("scaled", {}).items()}
        counts = Counter({str(k): count(n) for k, n in state["counts"].items()})
        if set(sums) | set(scaled) != set(counts) or set(sums) & set(scaled):
            raise ValueError("the sums and counts are of different keys")
        self._sums, self._scaled, self._counts = sums, scaled, counts
        self._epoch += 1

    def combine(self, parts: Sequence[Self]) -> None:
        """Become the sum of ``parts``: of the keys they updated since the last call when the
        parts are the same (per batch: the work of the batch, not of every key), else of all."""
        summed = self._summed
        if summed is not None and len(summed) == len(parts) and all(
                part is seen and part._epoch == epoch
                for part, (seen, epoch) in zip(parts, summed, strict=True)):
            changed: set[str] = set()
            for part in parts:
                changed |= part._changed or set()
            for key in changed:
                self._sums.pop(key, None)
                self._scaled.pop(key, None)
                self._counts.pop(key, None)
            self._add(parts, changed)
        else:
            self._sums, self._scaled, self._counts = {}, {}, Counter()
            self._add(parts, None)
        for part in parts:
            part._changed = set()
        self._summed = [(part, part._epoch) for part in parts]

    def _add(self, parts: Sequence[Self], keys: set[str] | None) -> None:
        """Add the parts' sums and counts of ``keys`` (None: of every key) to this one's."""
        sums, scaled, counts = self._sums, self._scaled, self._counts
        for part in parts:
            if keys is None:
                pairs = [*((k, (v, 0)) for k, v in part._sums.items()),
                         *part._scaled.items()]
                counts.update(part._counts)
            else:
                pairs = [(k, (part._sums[k], 0)) if k in part._sums else (k, part._scaled[k])
                         for k in keys if k in part._counts]
                counts.update({k: part._counts[k] for k in keys if k in part._counts})
            for key, (value, scale) in pairs:
                before = sums.get(key)
                total = value if before is None else before + value
                if scale or key in scaled or total - total:
                    base = scaled.pop(key, None) or (sums.pop(key, 0.0), 0)
                    total, new_scale = add_scaled(*base, value, scale)
                    if new_scale:
                        scaled[key] = (total, new_scale)
                        continue
                sums[key] = total
