"""Rolling statistics of a numeric field over the last ``window`` messages (mean, min, max,
std), with a bounded band series (mean and min..max per message) for band and line charts;
optionally alerts while a value is above ``above`` or below ``below`` (one per crossing, the
newest ``KEPT_ALERTS`` kept, all counted)."""

from array import array
from collections import deque
from collections.abc import Sequence
from operator import attrgetter
from typing import Any, Self

from buzzline.analytics.alerts import KEPT_ALERTS, AlertEnded, AlertStarted, loaded_alert
from buzzline.analytics.base import Analytic, Event
from buzzline.analytics.finite import count, finite_numbers, to_float
from buzzline.analytics.finite import mean as finite_mean
from buzzline.analytics.finite import std as finite_std
from buzzline.analytics.series import halved


class Rolling(Analytic):
    """``x`` is the message's index in the stream; at most ``max_points`` band points are kept
    (every other one dropped when full, like ``LineSeries``)."""

    def __init__(self, field: str, window: int = 50, max_points: int = 5_000,
                 above: float | None = None, below: float | None = None) -> None:
        if window < 1 or max_points < 4:
            raise ValueError("window must be at least 1 and max_points at least 4")
        self.field, self.window, self.max_points = field, window, max_points
        self.name = f"{field}_rolling"
        self._get = attrgetter(field)
        self.values: deque[float] = deque(maxlen=window)
        self.seen = 0
        self.cols: dict[str, array] = {k: array("d") for k in ("x", "y", "mean", "low", "high")}
        self.above, self.below = above, below
        self.alerts: list[dict[str, Any]] = []  # {"start", "end", "value"}, newest last
        self.alert_count = 0
        self.active = False

    def update(self, messages: Sequence[Any]) -> list[Event]:
        if self.above is None and self.below is None:
            return self._update(messages)
        events: list[Event] = []
        for message in messages:  # one at a time: alerts need each message's index
            index = self.seen
            self._update((message,))
            value = self.values[-1]
            now = ((self.above is not None and value > self.above)
                   or (self.below is not None and value < self.below))
            if now and not self.active:
                events.append(AlertStarted(self.name, index, value))
                self.alerts.append({"start": index, "end": None, "value": value})
                self.alert_count += 1
                del self.alerts[: max(0, len(self.alerts) - KEPT_ALERTS)]
            elif self.active and not now:
                events.append(AlertEnded(self.name, index, value))
                self.alerts[-1]["end"] = index
            self.active = now
        return events

    def markers(self) -> list[tuple[float, float, str]]:
        return [(float(a["start"]), a["value"], f"{a['value']:g}") for a in self.alerts]

    def _update(self, messages: Sequence[Any]) -> list[Event]:
        values, cols = self.values, self.cols
        x, y, mean, low, high = (cols[k].append for k in ("x", "y", "mean", "low", "high"))
        for message in messages:
            value = to_float(self._get(message))
            values.append(value)
            x(float(self.seen))
            y(value)
            total = sum(values)  # overflows only for values near the float limit
            mean(total / len(values) if not total - total else finite_mean(values))
            low(min(values))
            high(max(values))
            self.seen += 1
            if len(cols["x"]) >= self.max_points:
                self._halve()
                x, y, mean, low, high = (cols[k].append for k in ("x", "y", "mean", "low", "high"))
        return []

    def _halve(self) -> None:
        # in place: update() holds this dict while it appends
        self.cols.update({key: halved(col) for key, col in self.cols.items()})

    def stats(self) -> dict[str, float]:
        values = self.values
        if not values:
            return {}
        mean = finite_mean(values)
        return {"mean": mean, "min": min(values), "max": max(values),
                "std": finite_std(values, mean)}

    def points(self, *keys: str) -> list[list[float]]:
        return [self.cols[k].tolist() for k in keys]

    def result(self) -> dict[str, Any]:
        stats = {k: round(v, 6) for k, v in self.stats().items()}
        out: dict[str, Any] = dict(stats, window=self.window, count=self.seen)
        if self.above is not None or self.below is not None:
            out.update(alerts=[dict(a) for a in self.alerts], alert_count=self.alert_count)
        return {self.name: out}

    def state(self) -> dict[str, Any]:
        return {"values": list(self.values), "seen": self.seen,
                "cols": {k: v.tolist() for k, v in self.cols.items()},
                "alerts": [dict(a) for a in self.alerts], "alert_count": self.alert_count,
                "active": self.active}

    def load_state(self, state: dict[str, Any]) -> None:
        cols = {k: array("d", finite_numbers(state["cols"][k])) for k in self.cols}
        if len({len(col) for col in cols.values()}) != 1:
            raise ValueError("the band's columns are of different lengths")
        self.values = deque(finite_numbers(state["values"]), maxlen=self.window)
        self.seen = count(state["seen"])
        self.cols = cols
        self.alerts = [loaded_alert(a) for a in state.get("alerts", [])]
        self.alert_count = count(state.get("alert_count", 0))
        self.active = bool(state.get("active", False))

    def combine(self, parts: Sequence[Self]) -> None:
        """One part: a copy. Several (partitions): each keeps its own window; their points are
        merged in x order (x is each partition's own message index) and their windows joined."""
        self.seen = sum(part.seen for part in parts)
        alerts = [dict(a) for part in parts for a in part.alerts]
        self.alerts = sorted(alerts, key=lambda a: a["start"]) if len(parts) > 1 else alerts
        del self.alerts[: max(0, len(self.alerts) - KEPT_ALERTS)]
        self.alert_count = sum(part.alert_count for part in parts)
        self.active = any(part.active for part in parts)
        self.values = deque((v for part in parts for v in part.values), maxlen=self.window)
        keys = list(self.cols)
        rows = [row for part in parts for row in zip(*(part.cols[k] for k in keys), strict=True)]
        if len(parts) > 1:
            rows.sort()
        self.cols = {k: array("d", (row[i] for row in rows)) for i, k in enumerate(keys)}
        while len(self.cols["x"]) >= self.max_points:
            self._halve()

