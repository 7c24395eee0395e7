"""A bounded time series for the line chart: at most ``max_points``, halved (every other
point dropped) when full, so memory stays flat however long the stream runs."""

from array import array
from collections.abc import Sequence
from typing import Any, Self

from buzzline.analytics.base import Analytic, Event
from buzzline.analytics.finite import count, finite_numbers, to_float
from buzzline.timestamps import day_number


def to_day_number(timestamp: str) -> float | None:
    """Days since 1970-01-01 (matplotlib's date numbers), or None if not a timestamp."""
    return day_number(timestamp)


def halved(points: array) -> array:
    """Every other point, keeping the first and the newest (a bounded series halves when
    full, so memory stays flat however long the stream runs)."""
    kept = points[::2]
    if len(points) % 2 == 0:
        kept.append(points[-1])
    return kept


class LineSeries(Analytic):
    """(x, y) points: x is the reading's time as a date number, or its index if untimed
    (decided by the first reading; always its index when ``x_field`` is None). In a timed
    series a reading without a time is left out (drawn at its index it would be a stray line
    back to 1970), counted in ``untimed``. The alerts (``buzzline.analytics.alerts``) keep
    their values in one of these."""

    name = "series"

    def __init__(self, max_points: int = 10_000, x_field: str | None = "timestamp",
                 y_field: str = "temperature") -> None:
        if max_points < 4:
            raise ValueError("max_points must be at least 4")
        self.max_points = max_points
        self.x_field, self.y_field = x_field, y_field
        self.x: array[float] = array("d")
        self.y: array[float] = array("d")
        self.timed: bool | None = None
        self.seen = 0
        self.untimed = 0
        self.last: tuple[float, float] | None = None

    def update(self, messages: Sequence[Any]) -> list[Event]:
        for message in messages:
            self.add(message, to_float(getattr(message, self.y_field)))
        return []

    def add(self, message: Any, y: float) -> bool:
        """One reading of value ``y``; False when it is left out (a timed series, no time)."""
        x = None if self.x_field is None else to_day_number(getattr(message, self.x_field))
        if self.timed is None:
            self.timed = x is not None
        if not self.timed:
            x = float(self.seen)
        elif x is None:
            self.untimed += 1
            self.seen += 1
            return False
        self.x.append(x)
        self.y.append(y)
        self.seen += 1
        self.last = (x, y)
        if len(self.x) >= self.max_points:
            self._halve()
        return True

    def _halve(self) -> None:
        self.x, self.y = halved(self.x), halved(self.y)

    def x_of(self, timestamp: str) -> float:
        """The x position of a reading's timestamp (for markers)."""
        x = to_day_number(timestamp) if self.timed else None
        return x if x is not None else float(self.seen - 1)

    def points(self, last: int = 0) -> tuple[list[float], list[float]]:
        """Copies of the points (the last ``last`` of them when > 0)."""
        if last > 0:
            return self.x[-last:].tolist(), self.y[-last:].tolist()
        return self.x.tolist(), self.y.tolist()

    def state(self) -> dict[str, Any]:
        return {"x": self.x.tolist(), "y": self.y.tolist(), "timed": self.timed,
                "seen": self.seen, "untimed": self.untimed,
                "last": list(self.last) if self.last else None}

    def load_state(self, state: dict[str, Any]) -> None:
        """(An alert's state of before the series had ``timed`` and ``last`` loads too: its
        x was the message index.)"""
        x, y = array("d", finite_numbers(state["x"])), array("d", finite_numbers(state["y"]))
        last = state["last"] if "last" in state else ([x[-1], y[-1]] if x else None)
        if len(x) != len(y) or (last is not None and len(last) != 2):
            raise ValueError("the series' x and y are of different lengths")
        self.x, self.y = x, y
        timed = state.get("timed", False if x else None)
        self.timed = None if timed is None else bool(timed)
        self.seen = count(state["seen"])
        self.untimed = count(state.get("untimed", 0))
        self.last = tuple(finite_numbers(last)) if last else None  # type: ignore[assignment]
        while len(self.x) >= self.max_points:
            self._halve()

    def combine(self, parts: Sequence[Self]) -> None:
        if len(parts) == 1:  # the common case: one partition, a plain copy
            part = parts[0]
            self.x, self.y = array("d", part.x), array("d", part.y)
        else:  # several: their points in x order
            points = sorted(zip((x for p in parts for x in p.x), (y for p in parts for y in p.y),
                                strict=True))
            self.x = array("d", (x for x, _ in points))
            self.y = array("d", (y for _, y in points))
            while len(self.x) >= self.max_points:
                self._halve()
        self.seen = sum(part.seen for part in parts)
        self.untimed = sum(part.untimed for part in parts)
        timed = [part.timed for part in parts if part.timed is not None]
        self.timed = any(timed) if timed else None
        lasts = [part.last for part in parts if part.last is not None]
        self.last = max(lasts) if lasts else None

    def result(self) -> dict[str, Any]:
        out: dict[str, Any] = {"readings": self.seen}
        if self.y:
            out.update(min_value=min(self.y), max_value=max(self.y), last_value=self.y[-1])
        return out
