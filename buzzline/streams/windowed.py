"""Specs of time windows: ``tumbling`` and ``sliding`` (messages, or a field's mean, per
window), drawn as a line over time or as bars of the last windows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from buzzline.analytics import Sliding, Tumbling
from buzzline.analytics.windows import FIRST_SECOND
from buzzline.clock import Clock
from buzzline.settings import Settings
from buzzline.shapes import CATEGORIES, SERIES
from buzzline.streams.spec import Spec, line


def _window_series(a: Tumbling, settings: Settings | None) -> Callable[[], Any]:
    def data() -> Any:
        rows = a.values()
        x = [t / 86400.0 for t, _ in rows]  # matplotlib date numbers
        return line(x, [v for _, v in rows], timed=True)
    return data


def _window_categories(a: Tumbling, settings: Settings | None,
                       last: int = 12) -> Callable[[], Any]:
    def data() -> dict[str, float]:
        digits = next((d for d in (0, 1) if (a.bucket * 10 ** d).is_integer()), 2)
        width = 8 + (digits + 1 if digits else 0)  # HH:MM:SS, then tenths or hundredths
        return {datetime.fromtimestamp(max(t, FIRST_SECOND), UTC).strftime("%H:%M:%S.%f")[:width]: v
                for t, v in a.values()[-last:]}
    return data


def _windows(name: str, make: Callable[[Clock, type, Settings | None], Tumbling],
             value: str | None, time_field: str | None) -> Spec:
    used = tuple(f for f in (value, time_field) if f)
    return Spec(name, (SERIES, CATEGORIES), make,
                {SERIES: _window_series, CATEGORIES: _window_categories}, used,
                f"mean {value}" if value else "messages")


def tumbling(seconds: float, field: str | None = None, *, time_field: str | None = None) -> Spec:
    """Back-to-back windows of ``seconds``: messages per window, or ``field``'s mean."""
    Tumbling(seconds)  # fail at declaration on a bad size
    extra = f", {field!r}" if field else ""
    return _windows(f"tumbling({seconds:g}{extra})",
                    lambda clock, kind, s: Tumbling(seconds, field, time_field, clock), field,
                    time_field)


def sliding(seconds: float, step: float, field: str | None = None, *,
            time_field: str | None = None) -> Spec:
    """Windows of ``seconds`` every ``step`` seconds: messages, or ``field``'s mean."""
    Sliding(seconds, step)
    extra = f", {field!r}" if field else ""
    return _windows(f"sliding({seconds:g}, {step:g}{extra})",
                    lambda clock, kind, s: Sliding(seconds, step, field, time_field, clock), field,
                    time_field)
