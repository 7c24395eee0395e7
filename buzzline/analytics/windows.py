"""Time windows: ``Tumbling`` (back-to-back windows of ``seconds``) and ``Sliding`` (windows
of ``seconds`` every ``step``). A message's time is its ``time_field`` (an ISO timestamp or
epoch seconds; one without a zone counts as UTC, as in ``LineSeries``, so charts show it as
written) or, without one, its arrival wall time by the clock (the same way). Per window: the
message count
and, with a ``field``, the sum, min and max of that field. Buckets are kept per window (or per
step), the newest ``kept`` of them, so partitions combine exactly (bucket by bucket). A sum
that would overflow is kept scaled (``analytics.finite``); a number as time outside the years
1 to 9999 is no time (the message counts at arrival, as ``late``)."""

import math
from collections.abc import Sequence
from operator import attrgetter
from typing import Any, Self

from buzzline.analytics.base import Analytic, Event
from buzzline.analytics.finite import (
    add_scaled,
    count,
    finite_number,
    scaled_mean,
    scaled_value,
    to_float,
)
from buzzline.clock import Clock, SystemClock
from buzzline.timestamps import epoch_seconds as moment_seconds
from buzzline.timestamps import seconds_of

# epoch seconds of 0001-01-01 and 9999-12-31 23:59:59 (what a datetime, and a chart, can show)
FIRST_SECOND, LAST_SECOND = -62_135_596_800.0, 253_402_300_799.0


def epoch_seconds(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = to_float(value)
        return seconds if FIRST_SECOND <= seconds <= LAST_SECOND else None
    return seconds_of(value) if isinstance(value, str) else None


class Tumbling(Analytic):
    def __init__(self, seconds: float, field: str | None = None, time_field: str | None = None,
                 clock: Clock | None = None, kept: int = 500) -> None:
        if seconds <= 0:
            raise ValueError("window seconds must be > 0")
        self.seconds, self.field, self.time_field = float(seconds), field, time_field
        self.clock = clock or SystemClock()
        self.kept = kept
        self.name = f"tumbling_{seconds:g}s" + (f"_{field}" if field else "")
        self._value = attrgetter(field) if field else None
        self._time = attrgetter(time_field) if time_field else None
        # start // bucket -> [count, sum, min, max, scale]: the sum is sum * 2**scale
        self.buckets: dict[int, list[float]] = {}
        self.late = 0  # messages without a readable time (counted at arrival)

    @property
    def bucket(self) -> float:
        return self.seconds

    def _when(self, message: Any, now: float) -> float:
        if self._time is None:
            return now
        when = epoch_seconds(self._time(message))
        if when is None:
            self.late += 1
            return now
        return when

    def update(self, messages: Sequence[Any]) -> list[Event]:
        moment = self.clock.now()
        now = moment_seconds(moment)
        buckets, size = self.buckets, self.bucket
        for message in messages:
            key = math.floor(self._when(message, now) / size)
            value = to_float(self._value(message)) if self._value else 0.0
            b = buckets.get(key)
            if b is None:
                buckets[key] = [1, value, value, value, 0]
            else:
                b[0] += 1
                total = b[1] + value
                if b[4] or total - total:  # scaled, or it would overflow
                    b[1], b[4] = add_scaled(b[1], int(b[4]), value)
                else:
                    b[1] = total
                b[2] = min(b[2], value)
                b[3] = max(b[3], value)
        self._trim()
        return []

    def _trim(self) -> None:
        if len(self.buckets) > self.kept:
            for key in sorted(self.buckets)[: len(self.buckets) - self.kept]:
                del self.buckets[key]

    def rows(self) -> list[tuple[float, int, float, int, float, float]]:
        """(start in epoch seconds, count, sum, its scale, min, max) per window, oldest
        first."""
        return [(k * self.seconds, int(b[0]), b[1], int(b[4]), b[2], b[3])
                for k, b in sorted(self.buckets.items())]

    def windows(self) -> list[tuple[float, int, float, float, float]]:
        """(start in epoch seconds, count, sum, min, max) per window, oldest first (a sum
        beyond the float range shown as the largest float)."""
        return [(t, n, scaled_value(s, scale), lo, hi) for t, n, s, scale, lo, hi in self.rows()]

    def values(self) -> list[tuple[float, float]]:
        """(window start, count or the field's mean) per window."""
        if self.field:
            return [(t, scaled_mean(s, scale, n)) for t, n, s, scale, _, _ in self.rows() if n]
        return [(t, float(n)) for t, n, *_ in self.rows()]

    def result(self) -> dict[str, Any]:
        rows = self.windows()
        return {self.name: {"windows": len(rows), "messages": sum(r[1] for r in rows),
                            "last": dict(zip(("start", "count", "sum", "min", "max"), rows[-1],
                                             strict=True)) if rows else None}}

    def state(self) -> dict[str, Any]:
        return {"buckets": {str(k): list(b) for k, b in self.buckets.items()}, "late": self.late}

    def load_state(self, state: dict[str, Any]) -> None:
        buckets = {int(k): _loaded_bucket(b) for k, b in state["buckets"].items()}
        if any(not FIRST_SECOND - self.bucket <= k * self.bucket <= LAST_SECOND
               for k in buckets):
            raise ValueError("a window outside the years 1 to 9999")
        self.buckets, self.late = buckets, count(state["late"])

    def combine(self, parts: Sequence[Self]) -> None:
        buckets: dict[int, list[float]] = {}
        for part in parts:
            for key, (n, s, lo, hi, scale) in part.buckets.items():
                b = buckets.get(key)
                if b is None:
                    buckets[key] = [n, s, lo, hi, scale]
                    continue
                total, total_scale = add_scaled(b[1], int(b[4]), s, int(scale))
                buckets[key] = [b[0] + n, total, min(b[2], lo), max(b[3], hi), total_scale]
        self.buckets = buckets
        self.late = sum(part.late for part in parts)
        self._trim()


class Sliding(Tumbling):
    """Windows of ``seconds`` ending every ``step`` seconds (buckets of ``step``)."""

    def __init__(self, seconds: float, step: float, field: str | None = None,
                 time_field: str | None = None, clock: Clock | None = None,
                 kept: int = 500) -> None:
        if step <= 0 or step > seconds:
            raise ValueError("step must be > 0 and at most the window's seconds")
        super().__init__(seconds, field, time_field, clock, kept)
        self.step = float(step)
        self.name = f"sliding_{seconds:g}s_{step:g}s" + (f"_{field}" if field else "")

    @property
    def bucket(self) -> float:
        return self.step

    def rows(self) -> list[tuple[float, int, float, int, float, float]]:
        span = max(1, round(self.seconds / self.step))
        keys = sorted(self.buckets)
        rows = []
        for end in keys:  # a window ends with each bucket that has messages
            inside = [self.buckets[k] for k in range(end - span + 1, end + 1) if k in self.buckets]
            total, scale = 0.0, 0
            for b in inside:
                total, scale = add_scaled(total, scale, b[1], int(b[4]))
            rows.append(((end - span + 1) * self.step, int(sum(b[0] for b in inside)),
                         total, scale, min(b[2] for b in inside), max(b[3] for b in inside)))
        return rows


def _loaded_bucket(saved: list) -> list[float]:
    """A window's bucket read back from a checkpoint: [count, sum, min, max, scale] (a
    checkpoint from before scaled sums has no scale)."""
    n, total, lo, hi, *rest = saved
    scale = count(rest[0]) if rest else 0
    if len(rest) > 1:
        raise ValueError("a bucket of more than five numbers")
    return [count(n), finite_number(total), finite_number(lo), finite_number(hi), scale]
