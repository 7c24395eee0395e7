"""What a stream computes: small specs that build an analytic per partition and say which data
shapes (see ``buzzline.charts.kinds``) it can give a chart, through ``view(analytic, shape)``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from buzzline.analytics import (
    Analytic,
    Batches,
    Counts,
    Histogram,
    Rolling,
    Sliding,
    Stall,
    Threshold,
    Tumbling,
)
from buzzline.analytics.windows import FIRST_SECOND
from buzzline.clock import Clock

CATEGORIES, SERIES, POINTS, VALUES, BAND = "categories", "series", "points", "values", "band"


@dataclass(frozen=True)
class Spec:
    """``build(clock, message_type)`` makes the analytic; ``shapes``: the chart data it
    gives, best first."""

    describe: str
    shapes: tuple[str, ...]
    build: Callable[[Clock, type], Analytic] = field(repr=False)
    views: dict[str, Callable[[Any], Callable[[], Any]]] = field(repr=False)
    fields: tuple[str, ...] = ()  # the message fields it reads
    ylabel: str = ""

    def view(self, analytic: Any, shape: str) -> Callable[[], Any]:
        """The data callable for a chart of ``shape`` (called under the consumer's lock)."""
        if shape not in self.views:
            raise ValueError(f"{self.describe} gives {', '.join(self.shapes)}, not {shape}")
        return self.views[shape](analytic)


def _line(x: list[float], y: list[float], markers: list | None = None, spans: list | None = None,
          status: str = "", timed: bool = False) -> Any:
    from buzzline.charts.snapshots import LineSnapshot

    return LineSnapshot(x, y, markers or [], spans or [], status, timed)


def counts(field_name: str) -> Spec:
    """Messages per value of ``field_name``."""
    return Spec(f"counts({field_name!r})", (CATEGORIES,), lambda clock, kind: Counts(field_name),
                {CATEGORIES: lambda a: a.ranking}, (field_name,), "messages")


def top_k(field_name: str, k: int = 5) -> Spec:
    """The ``k`` values of ``field_name`` with the most messages."""
    return Spec(f"top_k({field_name!r}, {k})", (CATEGORIES,),
                lambda clock, kind: Counts(field_name, top=k),
                {CATEGORIES: lambda a: lambda: dict(a.ranking(k))}, (field_name,),
                "messages")


def _band(a: Rolling) -> Callable[[], Any]:
    def data() -> Any:
        from buzzline.charts.snapshots import BandSnapshot

        x, mean, low, high = a.points("x", "mean", "low", "high")
        return BandSnapshot(x, mean, low, high, markers=a.markers(), timed=False)
    return data


def _rolling_series(a: Rolling) -> Callable[[], Any]:
    def data() -> Any:
        x, mean = a.points("x", "mean")
        stats = a.stats()
        status = f"mean {_short(stats['mean'])} (last {len(a.values)})" if stats else ""
        return _line(x, mean, a.markers(), status=status)
    return data


def _short(value: float) -> str:
    """``21.50``, or ``1.2e+308`` for a value too long to show in full."""
    return f"{value:.2f}" if abs(value) < 1e9 else f"{value:.3g}"


def rolling(field_name: str, window: int = 50, *, above: float | None = None,
            below: float | None = None) -> Spec:
    """Mean, min, max and std of ``field_name`` over the last ``window`` messages; alert
    markers while a value is above ``above`` or below ``below`` (when given)."""
    limits = "".join(f", {k}={v:g}" for k, v in (("above", above), ("below", below))
                     if v is not None)
    return Spec(f"rolling({field_name!r}, window={window}{limits})",
                (BAND, SERIES, VALUES, POINTS),
                lambda clock, kind: Rolling(field_name, window, above=above, below=below),
                {BAND: _band, SERIES: _rolling_series,
                 VALUES: lambda a: lambda: list(a.values),
                 POINTS: lambda a: lambda: tuple(a.points("x", "y"))},
                (field_name,), field_name)


def _alert_series(a: Any) -> Callable[[], Any]:
    def data() -> Any:
        status = f"{a.count} {a.label}{'s' if a.count != 1 else ''}"
        if a.active:
            status += f" · {a.label.upper()} NOW"
        return _line(a.x.tolist(), a.y.tolist(), a.markers(), a.spans(), status)
    return data


def threshold(field_name: str, above: float | None = None, below: float | None = None) -> Spec:
    """An alert while ``field_name`` is above ``above`` or below ``below`` (markers, spans)."""
    limits = ", ".join(f"{k}={v:g}" for k, v in (("above", above), ("below", below))
                       if v is not None)
    Threshold(field_name, above, below)  # fail here, at declaration, on bad limits
    return Spec(f"threshold({field_name!r}, {limits})", (SERIES, VALUES, POINTS),
                lambda clock, kind: Threshold(field_name, above, below),
                {SERIES: _alert_series, VALUES: lambda a: lambda: a.y.tolist(),
                 POINTS: lambda a: lambda: (a.x.tolist(), a.y.tolist())},
                (field_name,), field_name)


def stall(field_name: str, window: int = 10, threshold: float = 0.2) -> Spec:
    """An alert while ``window`` values in a row span at most ``threshold``."""
    return Spec(f"stall({field_name!r}, window={window}, threshold={threshold:g})",
                (SERIES, VALUES, POINTS), lambda clock, kind: Stall(field_name, window, threshold),
                {SERIES: _alert_series, VALUES: lambda a: lambda: a.y.tolist(),
                 POINTS: lambda a: lambda: (a.x.tolist(), a.y.tolist())},
                (field_name,), field_name)


def batches(n: int = 5) -> Spec:
    """Groups of ``n`` messages: complete batches and the messages waiting for the next."""
    return Spec(f"batches({n})", (CATEGORIES,), lambda clock, kind: Batches(n, message_type=kind),
                {CATEGORIES: lambda a: lambda: {"complete batches": a.completed,
                                                "pending messages": len(a._pending)}},
                (), "count")


def _window_series(a: Tumbling) -> Callable[[], Any]:
    def data() -> Any:
        rows = a.values()
        x = [t / 86400.0 for t, _ in rows]  # matplotlib date numbers
        return _line(x, [v for _, v in rows], timed=True)
    return data


def _window_categories(a: Tumbling, last: int = 12) -> Callable[[], Any]:
    def data() -> dict[str, float]:
        from datetime import UTC, datetime

        digits = next((d for d in (0, 1) if (a.bucket * 10 ** d).is_integer()), 2)
        width = 8 + (digits + 1 if digits else 0)  # HH:MM:SS, then tenths or hundredths
        return {datetime.fromtimestamp(max(t, FIRST_SECOND), UTC).strftime("%H:%M:%S.%f")[:width]: v
                for t, v in a.values()[-last:]}
    return data


def _windows(name: str, make: Callable[[Clock, type], Tumbling], value: str | None,
             time_field: str | None) -> Spec:
    used = tuple(f for f in (value, time_field) if f)
    return Spec(name, (SERIES, CATEGORIES), make,
                {SERIES: _window_series, CATEGORIES: _window_categories}, used,
                f"mean {value}" if value else "messages")


def tumbling(seconds: float, field: str | None = None, *, time_field: str | None = None) -> Spec:
    """Back-to-back windows of ``seconds``: messages per window, or ``field``'s mean."""
    Tumbling(seconds)  # fail at declaration on a bad size
    extra = f", {field!r}" if field else ""
    return _windows(f"tumbling({seconds:g}{extra})",
                    lambda clock, kind: Tumbling(seconds, field, time_field, clock), field,
                    time_field)


def sliding(seconds: float, step: float, field: str | None = None, *,
            time_field: str | None = None) -> Spec:
    """Windows of ``seconds`` every ``step`` seconds: messages, or ``field``'s mean."""
    Sliding(seconds, step)
    extra = f", {field!r}" if field else ""
    return _windows(f"sliding({seconds:g}, {step:g}{extra})",
                    lambda clock, kind: Sliding(seconds, step, field, time_field, clock), field,
                    time_field)


def histogram(field_name: str, bins: int = 10, lo: float = 0.0, hi: float = 1.0) -> Spec:
    """Messages per bin of ``field_name`` over [lo, hi) (a bar chart) or its values."""
    Histogram(field_name, bins, lo, hi)
    return Spec(f"histogram({field_name!r}, bins={bins})", (VALUES, CATEGORIES),
                lambda clock, kind: Histogram(field_name, bins, lo, hi),
                {VALUES: lambda a: lambda: list(a.recent), CATEGORIES: lambda a: a.by_label},
                (field_name,), "messages")
