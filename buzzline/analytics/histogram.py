"""A histogram of a numeric field: counts per bin over [lo, hi) (values outside go to the
first or last bin), exact across partitions, and the newest ``keep`` values themselves."""

from collections import deque
from collections.abc import Sequence
from operator import attrgetter
from typing import Any, Self

from buzzline.analytics.base import Analytic, Event


class Histogram(Analytic):
    def __init__(self, field: str, bins: int = 10, lo: float = 0.0, hi: float = 1.0,
                 keep: int = 5_000) -> None:
        if bins < 1 or hi <= lo:
            raise ValueError("histogram needs bins >= 1 and hi > lo")
        self.field, self.bins, self.lo, self.hi, self.keep = field, bins, lo, hi, keep
        self.name = f"{field}_histogram"
        self._get = attrgetter(field)
        self.counts = [0] * bins
        self.recent: deque[float] = deque(maxlen=keep)

    def update(self, messages: Sequence[Any]) -> list[Event]:
        counts, lo, last = self.counts, self.lo, self.bins - 1
        width = (self.hi - lo) / self.bins
        for message in messages:
            value = float(self._get(message))
            counts[min(last, max(0, int((value - lo) // width)))] += 1
            self.recent.append(value)
        return []

    def labels(self) -> list[str]:
        width = (self.hi - self.lo) / self.bins
        return [f"{self.lo + i * width:g}" for i in range(self.bins)]

    def by_label(self) -> dict[str, int]:
        return dict(zip(self.labels(), self.counts, strict=True))

    def result(self) -> dict[str, Any]:
        return {self.name: self.by_label()}

    def state(self) -> dict[str, Any]:
        return {"counts": list(self.counts), "recent": list(self.recent)}

    def load_state(self, state: dict[str, Any]) -> None:
        self.counts = list(state["counts"])
        self.recent = deque(state["recent"], maxlen=self.keep)

    def combine(self, parts: Sequence[Self]) -> None:
        self.counts = [sum(part.counts[i] for part in parts) for i in range(self.bins)]
        self.recent = deque((v for part in parts for v in part.recent), maxlen=self.keep)
