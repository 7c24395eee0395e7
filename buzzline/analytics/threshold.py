"""Alerts on a numeric field: ``Threshold`` (the value goes above / below a limit) and
``Stall`` (over a full window of N values, max - min <= threshold). Each emits one event when
the alert starts and one when it ends (not one per message), and keeps a bounded series of
the values with the alerts' markers and spans for a line chart."""

from array import array
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Self

from buzzline.analytics.base import Analytic, Event
from buzzline.analytics.finite import count, finite_number, finite_numbers, to_float
from buzzline.analytics.series import halved
from buzzline.analytics.stall import is_stall

KEPT_ALERTS = 100  # the newest ones; older ones are only counted


@dataclass(frozen=True, slots=True)
class AlertStarted(Event):
    name: str
    index: int
    value: float

    def describe(self) -> str:
        return f"{self.name} started at message {self.index} ({self.value:g})"


@dataclass(frozen=True, slots=True)
class AlertEnded(Event):
    name: str
    index: int
    value: float

    def describe(self) -> str:
        return f"{self.name} ended at message {self.index} ({self.value:g})"


def loaded_alert(saved: dict[str, Any]) -> dict[str, Any]:
    """An alert (``{"start", "end", "value"}``) read back from a checkpoint, checked."""
    end = saved["end"]
    return {"start": count(saved["start"]), "end": None if end is None else count(end),
            "value": finite_number(saved["value"])}


class Alerts(Analytic):
    """Base: ``check(value)`` says whether the alert holds after ``value``."""

    label = "alert"

    def __init__(self, field: str, max_points: int = 5_000, kept: int = KEPT_ALERTS) -> None:
        self.field, self.max_points, self.kept = field, max_points, kept
        self._get = attrgetter(field)
        self.x: array[float] = array("d")
        self.y: array[float] = array("d")
        self.seen = 0
        self.active = False
        self.alerts: list[dict[str, Any]] = []  # {"start", "end", "value"}, newest last
        self.count = 0

    def check(self, value: float) -> bool:
        raise NotImplementedError

    def reset_window(self) -> None:
        """Forget the values a condition looks back on (none by default)."""

    def update(self, messages: Sequence[Any]) -> list[Event]:
        events: list[Event] = []
        for message in messages:
            value = to_float(self._get(message))
            index = self.seen
            self.seen += 1
            self.x.append(float(index))
            self.y.append(value)
            if len(self.x) >= self.max_points:
                self._halve()
            now = self.check(value)
            if now and not self.active:
                events.append(AlertStarted(self.name, index, value))
                self.alerts.append({"start": index, "end": None, "value": value})
                self.count += 1
                del self.alerts[: max(0, len(self.alerts) - self.kept)]
            elif self.active and not now:
                events.append(AlertEnded(self.name, index, value))
                self.alerts[-1]["end"] = index
            self.active = now
        return events

    def _halve(self) -> None:
        self.x, self.y = halved(self.x), halved(self.y)

    def markers(self) -> list[tuple[float, float, str]]:
        return [(float(a["start"]), a["value"], f"{self.label} #{a['start']}") for a in self.alerts]

    def spans(self) -> list[tuple[float, float]]:
        end = float(self.seen - 1)
        return [(float(a["start"]), float(a["end"] if a["end"] is not None else end))
                for a in self.alerts]

    def result(self) -> dict[str, Any]:
        return {self.name: {"alerts": [dict(a) for a in self.alerts], "count": self.count,
                            "active": self.active, "messages": self.seen}}

    def state(self) -> dict[str, Any]:
        return {"x": self.x.tolist(), "y": self.y.tolist(), "seen": self.seen,
                "active": self.active, "alerts": [dict(a) for a in self.alerts],
                "count": self.count, "window": self.window_state()}

    def window_state(self) -> list[float]:
        return []

    def load_window(self, values: list[float]) -> None:
        """Restore the values a condition looks back on (none by default)."""

    def load_state(self, state: dict[str, Any]) -> None:
        x, y = array("d", finite_numbers(state["x"])), array("d", finite_numbers(state["y"]))
        if len(x) != len(y):
            raise ValueError("the series' x and y are of different lengths")
        self.x, self.y = x, y
        self.seen, self.count = count(state["seen"]), count(state["count"])
        self.active = bool(state["active"])
        self.alerts = [loaded_alert(a) for a in state["alerts"]]
        self.load_window(finite_numbers(state["window"]))

    def combine(self, parts: Sequence[Self]) -> None:
        """Partitions keep their own conditions; alerts and points merged by message index."""
        self.seen = sum(part.seen for part in parts)
        self.count = sum(part.count for part in parts)
        self.active = any(part.active for part in parts)
        alerts = [dict(a) for part in parts for a in part.alerts]
        self.alerts = sorted(alerts, key=lambda a: a["start"]) if len(parts) > 1 else alerts
        del self.alerts[: max(0, len(self.alerts) - self.kept)]
        points = [p for part in parts for p in zip(part.x, part.y, strict=True)]
        if len(parts) > 1:
            points.sort()
        self.x = array("d", (x for x, _ in points))
        self.y = array("d", (y for _, y in points))
        while len(self.x) >= self.max_points:
            self._halve()
        if len(parts) == 1:
            self.load_window(parts[0].window_state())


class Threshold(Alerts):
    """Alert while the value is above ``above`` or below ``below`` (either may be None)."""

    label = "alert"

    def __init__(self, field: str, above: float | None = None, below: float | None = None,
                 **kwargs: Any) -> None:
        if above is None and below is None:
            raise ValueError("threshold needs above= or below= (or both)")
        super().__init__(field, **kwargs)
        self.above, self.below = above, below
        self.name = f"{field}_threshold"

    def check(self, value: float) -> bool:
        return ((self.above is not None and value > self.above)
                or (self.below is not None and value < self.below))


class Stall(Alerts):
    """Alert while a full window of ``window`` values spans at most ``threshold``."""

    label = "stall"

    def __init__(self, field: str, window: int = 10, threshold: float = 0.2,
                 **kwargs: Any) -> None:
        super().__init__(field, **kwargs)
        self.window, self.threshold = window, threshold
        self.name = f"{field}_stall"
        self._window: deque[float] = deque(maxlen=window)

    def check(self, value: float) -> bool:
        self._window.append(value)
        return is_stall(self._window, self.window, self.threshold)  # the smoker's rule

    def window_state(self) -> list[float]:
        return list(self._window)

    def load_window(self, values: list[float]) -> None:
        self._window = deque(values, maxlen=self.window)
