"""Clocks are passed in, so sources, rates and pacing can be tested without sleeping."""

import time
from datetime import datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float: ...
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now()


class ManualClock:
    """A clock for tests: time moves only when ``advance`` is called."""

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime(2025, 1, 1, 15, 0, 0)
        self._elapsed = 0.0

    def monotonic(self) -> float:
        return self._elapsed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def advance(self, seconds: float) -> None:
        self._elapsed += max(0.0, seconds)
