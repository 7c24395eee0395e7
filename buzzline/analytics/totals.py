"""Running totals and the message rate, over a clock passed in."""

from collections import deque
from collections.abc import Sequence
from typing import Any, Self

from buzzline.analytics.base import Analytic, Event
from buzzline.analytics.finite import count
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
        self.baseline = 0  # messages + rejected loaded from a checkpoint, not seen in this run
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

    def rebase(self, jump: int) -> None:
        """The totals jumped by ``jump`` without messages being read (state loaded from a
        checkpoint, partitions moved to or from this consumer): rates leave the jump out."""
        self.baseline += jump
        self._marks = deque((t, n + jump) for t, n in self._marks)

    def state(self) -> dict[str, Any]:
        return {"messages": self.messages, "rejected": self.rejected}

    def load_state(self, state: dict[str, Any]) -> None:
        before = self.messages + self.rejected
        self.messages, self.rejected = count(state["messages"]), count(state["rejected"])
        self.rebase(self.messages + self.rejected - before)

    def combine(self, parts: Sequence[Self]) -> None:
        """Sum the parts' totals; what they gained since the last call counts as read now,
        unless the caller rebases it (``rebase``) as a jump."""
        self.messages = sum(part.messages for part in parts)
        self.rejected = sum(part.rejected for part in parts)
        self.add(0)  # a rate mark

    def result(self) -> dict[str, Any]:
        elapsed = self.elapsed()
        total = self.messages + self.rejected - self.baseline
        return {
            "messages": self.messages,
            "rejected": self.rejected,
            "elapsed_seconds": round(elapsed, 3),
            "mean_rate": round(total / elapsed, 1) if elapsed > 0 else 0.0,
        }
