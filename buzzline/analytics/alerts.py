"""Alerts on a numeric field: ``Threshold`` (the value goes above / below a limit) and
``Stall`` (over a full window of N values, max - min <= threshold: the smoker's stall). Each
emits one event when the alert starts and one when it ends (not one per message), and keeps
its values in a bounded ``LineSeries`` (x: the message index, or with ``time_field`` the
messages' time) with the alerts' markers and spans for a line chart."""

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Self

from buzzline.analytics.base import Analytic, Event
from buzzline.analytics.finite import count, finite_number, finite_numbers, to_float
from buzzline.analytics.series import LineSeries, to_day_number
from buzzline.timestamps import seconds_of

KEPT_ALERTS = 100  # the newest ones; older ones are only counted


@dataclass(frozen=True, slots=True)
class AlertStarted(Event):
    name: str
    index: int
    value: float
    time: str | None = None  # the message's time (with a time field)
    unit: str = ""

    def describe(self) -> str:
        return f"{self.name} started at {_where(self.index, self.time)} " \
               f"({_value(self.value, self.unit)})"


@dataclass(frozen=True, slots=True)
class AlertEnded(Event):
    name: str
    index: int
    value: float
    time: str | None = None
    unit: str = ""

    def describe(self) -> str:
        return f"{self.name} ended at {_where(self.index, self.time)} " \
               f"({_value(self.value, self.unit)})"


def _where(index: int, time: str | None) -> str:
    return time if time is not None else f"message {index}"


def _value(value: float, unit: str) -> str:
    return f"{value:.1f} {unit}" if unit else f"{value:g}"


def is_stall(window: Sequence[float], size: int, threshold: float) -> bool:
    """The teaching project's rule: the window is full and its range is within the threshold."""
    return len(window) >= size and max(window) - min(window) <= threshold


def loaded_alert(saved: dict[str, Any]) -> dict[str, Any]:
    """An alert (``{"start", "end", "value"}``, and ``start_time``, ``end_time`` with a time
    field) read back from a checkpoint, checked."""
    end = saved["end"]
    alert: dict[str, Any] = {"start": count(saved["start"]),
                             "end": None if end is None else count(end),
                             "value": finite_number(saved["value"])}
    if "start_time" in saved:
        start_time, end_time = saved["start_time"], saved["end_time"]
        if not isinstance(start_time, str) or not (end_time is None or isinstance(end_time, str)):
            raise TypeError("an alert's start and end times are text")
        alert.update(start_time=start_time, end_time=end_time)
    return alert


class Alerts(Analytic):
    """Base: ``check(value)`` says whether the alert holds after ``value``. ``time_field``: a
    field holding each message's time (the series' x, and each alert's ``start_time`` and
    ``end_time``); ``name`` and ``unit`` name the alert and its values in the events."""

    label = "alert"

    def __init__(self, field: str, max_points: int = 5_000, kept: int = KEPT_ALERTS, *,
                 time_field: str | None = None, name: str | None = None,
                 unit: str = "") -> None:
        self.field, self.kept, self.time_field, self.unit = field, kept, time_field, unit
        self.name = name or f"{field}_{self.label}"
        self._get = attrgetter(field)
        self._time = attrgetter(time_field) if time_field else None
        self.series = LineSeries(max_points, time_field, field)
        self.active = False
        self.alerts: list[dict[str, Any]] = []  # {"start", "end", "value"...}, newest last
        self.count = 0

    @property
    def seen(self) -> int:
        return self.series.seen

    def check(self, value: float) -> bool:
        raise NotImplementedError

    def update(self, messages: Sequence[Any]) -> list[Event]:
        events: list[Event] = []
        for message in messages:
            value = to_float(self._get(message))
            index = self.series.seen
            self.series.add(message, value)
            now = self.check(value)
            time = None if self._time is None else str(self._time(message))
            if now and not self.active:
                events.append(AlertStarted(self.name, index, value, time, self.unit))
                alert: dict[str, Any] = {"start": index, "end": None, "value": value}
                if time is not None:
                    alert.update(start_time=time, end_time=None)
                self.alerts.append(alert)
                self.count += 1
                del self.alerts[: max(0, len(self.alerts) - self.kept)]
            elif self.active and not now:
                events.append(AlertEnded(self.name, index, value, time, self.unit))
                self.alerts[-1]["end"] = index
                if time is not None:
                    self.alerts[-1]["end_time"] = time
            self.active = now
        return events

    def x_at(self, alert: dict[str, Any], end: str = "start") -> float:
        """The x of an alert's ``"start"`` or ``"end"`` (an open alert ends at the last point)."""
        if alert[end] is None:
            return self.series.last[0] if self.series.last else 0.0
        if self.series.timed:
            x = to_day_number(alert.get(f"{end}_time") or "")
            if x is not None:
                return x
        return float(alert[end])

    def markers(self) -> list[tuple[float, float, str]]:
        return [(self.x_at(a), a["value"], f"{self.label} #{a['start']}") for a in self.alerts]

    def spans(self) -> list[tuple[float, float]]:
        return [(self.x_at(a), self.x_at(a, "end")) for a in self.alerts]

    def result(self) -> dict[str, Any]:
        return {self.name: {"alerts": [dict(a) for a in self.alerts], "count": self.count,
                            "active": self.active, "messages": self.seen}}

    def state(self) -> dict[str, Any]:
        return {**self.series.state(), "active": self.active,
                "alerts": [dict(a) for a in self.alerts], "count": self.count,
                "window": self.window_state()}

    def window_state(self) -> list[float]:
        return []

    def load_window(self, values: list[float]) -> None:
        """Restore the values a condition looks back on (none by default)."""

    def load_state(self, state: dict[str, Any]) -> None:
        alerts = [loaded_alert(a) for a in state["alerts"]]
        window = finite_numbers(state["window"])
        self.series.load_state(state)
        self.count = count(state["count"])
        self.active = bool(state["active"])
        self.alerts = alerts
        self.load_window(window)

    def combine(self, parts: Sequence[Self]) -> None:
        """Partitions keep their own conditions; alerts merged by time (else message index),
        points by x."""
        self.series.combine([part.series for part in parts])
        self.count = sum(part.count for part in parts)
        self.active = any(part.active for part in parts)
        alerts = [dict(a) for part in parts for a in part.alerts]
        self.alerts = sorted(alerts, key=_start) if len(parts) > 1 else alerts
        del self.alerts[: max(0, len(self.alerts) - self.kept)]
        if len(parts) == 1:
            self.load_window(parts[0].window_state())


def _start(alert: dict[str, Any]) -> tuple[float, float, str]:
    """An alert's start as a time when it has one (text orders only one format: ``+02:00``
    or a ``T``), else its message index."""
    text = alert.get("start_time")
    seconds = None if text is None else seconds_of(text)
    return (float("inf") if seconds is None else seconds, float(alert["start"]), text or "")


class Threshold(Alerts):
    """Alert while the value is above ``above`` or below ``below`` (either may be None)."""

    label = "alert"

    def __init__(self, field: str, above: float | None = None, below: float | None = None,
                 **kwargs: Any) -> None:
        if above is None and below is None:
            raise ValueError("threshold needs above= or below= (or both)")
        kwargs.setdefault("name", f"{field}_threshold")
        super().__init__(field, **kwargs)
        self.above, self.below = above, below

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
        self._window: deque[float] = deque(maxlen=window)

    def check(self, value: float) -> bool:
        self._window.append(value)
        return is_stall(self._window, self.window, self.threshold)  # the smoker's rule

    def window_state(self) -> list[float]:
        return list(self._window)

    def load_window(self, values: list[float]) -> None:
        self._window = deque(values, maxlen=self.window)
