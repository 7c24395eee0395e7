"""Running totals and the message rate, over a clock passed in."""

from collections import deque
from collections.abc import Sequence
from typing import Any

from buzzline.analytics.base import Analytic, Event
from buzzline.clock import Clock, SystemClock


class Totals(Analytic):
    """Messages accepted and rejected, and msgs/s over the last ``rate_window`` seconds."""

    name = "totals"

    def __init__(self, clock: Clock | None = None, rate_window: float = 5.0) -> None:
        self.clock = clock or SystemClock()
        self.rate_window = rate_window
        self.messages = 0
        self.rejected = 0
        self.started = self.clock.monotonic()
        self._marks: deque[tuple[float, int]] = deque([(self.started, 0)])

    def update(self, messages: Sequence[Any]) -> list[Event]:
        self.add(len(messages))
        return []

    def add(self, accepted: int, rejected: int = 0) -> None:
        self.messages += accepted
        self.rejected += rejected
        now = self.clock.monotonic()
        self._marks.append((now, self.messages + self.rejected))
        # keep one mark older than the window (the baseline) and the ones inside it
        while len(self._marks) > 1 and now - self._marks[1][0] >= self.rate_window:
            self._marks.popleft()

    def rate(self) -> float:
        """Messages (accepted or not) per second over the last ``rate_window`` seconds."""
        now = self.clock.monotonic()
        total = self.messages + self.rejected
        since = now - self.rate_window
        before = [(t, n) for t, n in self._marks if t <= since]
        if before:  # the window is covered: count what came after its start
            return (total - before[-1][1]) / self.rate_window
        first_time, first_count = self._marks[0]
        span = now - first_time
        return (total - first_count) / span if span > 0 else 0.0

    def elapsed(self) -> float:
        return self.clock.monotonic() - self.started

    def result(self) -> dict[str, Any]:
        elapsed = self.elapsed()
        total = self.messages + self.rejected
        return {
            "messages": self.messages,
            "rejected": self.rejected,
            "elapsed_seconds": round(elapsed, 3),
            "mean_rate": round(total / elapsed, 1) if elapsed > 0 else 0.0,
        }
