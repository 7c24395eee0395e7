"""A histogram of a numeric field: counts per bin over [lo, hi) (values outside go to the
first or last bin), exact across partitions, and the newest ``keep`` values themselves."""

import math
from collections import deque
from collections.abc import Sequence
from operator import attrgetter
from typing import Any, Self

from buzzline.analytics.base import Analytic, Event
from buzzline.analytics.finite import count, finite_numbers, to_float


class Histogram(Analytic):
    def __init__(self, field: str, bins: int = 10, lo: float = 0.0, hi: float = 1.0,
                 keep: int = 5_000) -> None:
        if bins < 1 or not hi > lo or not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError("histogram needs bins >= 1 and finite bounds with hi > lo")
        self.field, self.bins, self.lo, self.hi, self.keep = field, bins, lo, hi, keep
        if not self.width() > 0:
            raise ValueError("histogram bins too narrow for a float")
        self.name = f"{field}_histogram"
        self._get = attrgetter(field)
        self.counts = [0] * bins
        self.recent: deque[float] = deque(maxlen=keep)

    def update(self, messages: Sequence[Any]) -> list[Event]:
        counts, lo, hi, last = self.counts, self.lo, self.hi, self.bins - 1
        width, halved = self.width(), self.hi - lo == math.inf
        for message in messages:
            value = to_float(self._get(message))
            if value <= lo:
                counts[0] += 1
            elif value >= hi:
                counts[last] += 1
            else:  # lo < value < hi
                offset = value / 2 - lo / 2 if halved else value - lo
                counts[min(last, max(0, int(offset // width)))] += 1
            self.recent.append(value)
        return []

    def width(self) -> float:
        """A bin's width (halved bounds when the range is wider than the float range)."""
        span = self.hi - self.lo
        return span / self.bins if span < math.inf else (self.hi / 2 - self.lo / 2) / self.bins

    def labels(self) -> list[str]:
        width = self.width()
        if self.hi - self.lo == math.inf:  # the halved width: edges from halves, doubled
            return [f"{(self.lo / 2 + i * width) * 2:g}" for i in range(self.bins)]
        return [f"{self.lo + i * width:g}" for i in range(self.bins)]

    def by_label(self) -> dict[str, int]:
        return dict(zip(self.labels(), self.counts, strict=True))

    def result(self) -> dict[str, Any]:
        return {self.name: self.by_label()}

    def state(self) -> dict[str, Any]:
        return {"counts": list(self.counts), "recent": list(self.recent)}

    def load_state(self, state: dict[str, Any]) -> None:
        counts = [count(n) for n in state["counts"]]
        if len(counts) != self.bins:
            raise ValueError(f"{len(counts)} bins saved, {self.bins} expected")
        self.recent = deque(finite_numbers(state["recent"]), maxlen=self.keep)
        self.counts = counts

    def combine(self, parts: Sequence[Self]) -> None:
        self.counts = [sum(part.counts[i] for part in parts) for i in range(self.bins)]
        self.recent = deque((v for part in parts for v in part.recent), maxlen=self.keep)
