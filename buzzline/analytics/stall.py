"""The smoker's stall: over a full rolling window of N readings, max - min <= threshold.

Emits ``StallStarted`` once when the condition becomes true and ``StallEnded`` once when it
stops being true: not an alert per message.
"""

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

from buzzline.analytics.base import Analytic, Event
from buzzline.analytics.finite import count, finite_number, finite_numbers
from buzzline.timestamps import seconds_of


@dataclass(frozen=True, slots=True)
class StallStarted(Event):
    timestamp: str
    temperature: float
    spread: float

    def describe(self) -> str:
        return f"stall started at {self.timestamp} ({self.temperature:.1f} °F)"


@dataclass(frozen=True, slots=True)
class StallEnded(Event):
    timestamp: str
    temperature: float

    def describe(self) -> str:
        return f"stall ended at {self.timestamp} ({self.temperature:.1f} °F)"


def is_stall(window: Sequence[float], size: int, threshold: float) -> bool:
    """The teaching project's rule: the window is full and its range is within the threshold."""
    return len(window) >= size and max(window) - min(window) <= threshold


KEPT_STALLS = 100  # the newest ones; older ones are only counted (memory stays flat)


class StallDetector(Analytic):
    name = "stall"

    def __init__(self, window_size: int = 10, threshold: float = 0.2,
                 kept: int = KEPT_STALLS) -> None:
        self.window_size = window_size
        self.threshold = threshold
        self.kept = kept
        self._window: deque[float] = deque(maxlen=window_size)
        self.stalled = False
        self.stalls: list[dict[str, Any]] = []  # {"start", "end", "temperature"}, newest last
        self.count = 0  # every stall seen, kept or not

    def update(self, messages: Sequence[Any]) -> list[Event]:
        events: list[Event] = []
        for reading in messages:
            self._window.append(reading.temperature)
            now = is_stall(self._window, self.window_size, self.threshold)
            if now and not self.stalled:
                spread = max(self._window) - min(self._window)
                events.append(StallStarted(reading.timestamp, reading.temperature, spread))
                self.stalls.append({"start": reading.timestamp, "end": None,
                                    "temperature": reading.temperature})
                self.count += 1
                if len(self.stalls) > self.kept:
                    del self.stalls[0]
            elif self.stalled and not now:
                events.append(StallEnded(reading.timestamp, reading.temperature))
                self.stalls[-1]["end"] = reading.timestamp
            self.stalled = now
        return events

    def result(self) -> dict[str, Any]:
        return {
            "stalls": [dict(s) for s in self.stalls],
            "stall_count": self.count,
            "stall_window_size": self.window_size,
            "stall_threshold": self.threshold,
        }

    def state(self) -> dict[str, Any]:
        return {"window": list(self._window), "stalled": self.stalled,
                "stalls": [dict(s) for s in self.stalls], "count": self.count}

    def load_state(self, state: dict[str, Any]) -> None:
        stalls = [_loaded_stall(s) for s in state["stalls"]]
        self._window = deque(finite_numbers(state["window"]), maxlen=self.window_size)
        self.stalled = bool(state["stalled"])
        self.stalls = stalls
        self.count = count(state.get("count", len(stalls)))

    def combine(self, parts: Sequence[Self]) -> None:
        """Each partition has its own window (one key = one partition = one smoker)."""
        self.stalled = any(part.stalled for part in parts)
        stalls = [dict(s) for part in parts for s in part.stalls]
        self.stalls = sorted(stalls, key=_start_time) if len(parts) > 1 else stalls
        del self.stalls[: max(0, len(self.stalls) - self.kept)]
        self.count = sum(part.count for part in parts)
        if len(parts) == 1:
            self._window = deque(parts[0]._window, maxlen=self.window_size)


def _start_time(stall: dict[str, Any]) -> tuple[float, str]:
    """A stall's start as a time (the text orders only one format: ``+02:00`` or a ``T``)."""
    seconds = seconds_of(stall["start"])
    return (float("inf") if seconds is None else seconds, stall["start"])


def _loaded_stall(saved: dict[str, Any]) -> dict[str, Any]:
    """A stall read back from a checkpoint, checked."""
    start, end = saved["start"], saved["end"]
    if not isinstance(start, str) or not (end is None or isinstance(end, str)):
        raise TypeError("a stall's start and end are timestamps")
    return {"start": start, "end": end, "temperature": finite_number(saved["temperature"])}
