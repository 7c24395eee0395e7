"""What a stream computes: small specs that build an analytic per partition and say which data
shapes (see ``buzzline.shapes``) it can give a chart, through ``reader(analytic, shape)``.
A number may be a ``Setting`` (e.g. ``Setting("smoker_stall_threshold_f")``): read from the
settings when the analytic is built."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from buzzline.analytics import (
    Analytic,
    Batches,
    Counts,
    Histogram,
    MeanBy,
    Rolling,
    Sliding,
    Stall,
    Threshold,
    Tumbling,
)
from buzzline.analytics.ranking import DEFAULT_TOP_K
from buzzline.analytics.windows import FIRST_SECOND
from buzzline.clock import Clock
from buzzline.settings import Settings
from buzzline.shapes import BAND, CATEGORIES, POINTS, SERIES, VALUES, BandSnapshot, LineSnapshot
from buzzline.streams.configured import Setting, resolve

# analytic, settings -> the data callable of one shape
Reader = Callable[[Any, Settings | None], Callable[[], Any]]


@dataclass(frozen=True)
class Spec:
    """``build(clock, message_type, settings)`` makes the analytic; ``shapes``: the chart
    data it gives, best first; ``readers``: shape -> the data callable's maker."""

    describe: str
    shapes: tuple[str, ...]
    make: Callable[[Clock, type, Settings | None], Analytic] = field(repr=False)
    readers: dict[str, Reader] = field(repr=False)
    fields: tuple[str, ...] = ()  # the message fields it reads
    ylabel: str = ""

    def build(self, clock: Clock, message_type: type,
              settings: Settings | None = None) -> Analytic:
        return self.make(clock, message_type, settings)

    def reader(self, analytic: Any, shape: str,
               settings: Settings | None = None) -> Callable[[], Any]:
        """The data callable for a chart of ``shape`` (called under the consumer's lock)."""
        if shape not in self.readers:
            raise ValueError(f"{self.describe} gives {', '.join(self.shapes)}, not {shape}")
        return self.readers[shape](analytic, settings)


def _line(x: list[float], y: list[float], markers: list | None = None, spans: list | None = None,
          status: str = "", timed: bool = False) -> LineSnapshot:
    return LineSnapshot(x, y, markers or [], spans or [], status, timed)


def _number(value: int | float | Setting) -> str:
    return str(value) if isinstance(value, Setting) else f"{value:g}"


def _ranked(a: Counts, settings: Settings | None) -> Callable[[], Any]:
    """The ``--top-k`` largest (``DEFAULT_TOP_K`` when 0) and what they leave out, bounded
    whatever the number of keys."""
    k = (settings.top_k if settings is not None else 0) or DEFAULT_TOP_K
    return lambda: a.ranking(k)


def counts(field_name: str, *, top: int = 3) -> Spec:
    """Messages per value of ``field_name`` (the summary names the ``top`` ones); a chart
    gets the ``--top-k`` largest."""
    return Spec(f"counts({field_name!r})", (CATEGORIES,),
                lambda clock, kind, s: Counts(field_name, top=top),
                {CATEGORIES: _ranked}, (field_name,), "messages")


def mean_by(key_field: str, value_field: str) -> Spec:
    """The mean of ``value_field`` per value of ``key_field``."""
    return Spec(f"mean_by({key_field!r}, {value_field!r})", (CATEGORIES,),
                lambda clock, kind, s: MeanBy(key_field, value_field),
                {CATEGORIES: lambda a, s: a.means}, (key_field, value_field),
                f"mean {value_field}")


def top_k(field_name: str, k: int = 5) -> Spec:
    """The ``k`` values of ``field_name`` with the most messages."""
    return Spec(f"top_k({field_name!r}, {k})", (CATEGORIES,),
                lambda clock, kind, s: Counts(field_name, top=k),
                {CATEGORIES: lambda a, s: lambda: dict(a.ranking(k))}, (field_name,),
                "messages")


def _band(a: Rolling, settings: Settings | None) -> Callable[[], Any]:
    def data() -> Any:
        x, mean, low, high = a.points("x", "mean", "low", "high")
        return BandSnapshot(x, mean, low, high, markers=a.markers(), timed=False)
    return data


def _rolling_series(a: Rolling, settings: Settings | None) -> Callable[[], Any]:
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
                lambda clock, kind, s: Rolling(field_name, window, above=above, below=below),
                {BAND: _band, SERIES: _rolling_series,
                 VALUES: lambda a, s: lambda: list(a.values),
                 POINTS: lambda a, s: lambda: tuple(a.points("x", "y"))},
                (field_name,), field_name)


def _alert_series(a: Any, settings: Settings | None) -> Callable[[], Any]:
    def data() -> Any:
        status = f"{a.count} {a.label}{'s' if a.count != 1 else ''}"
        if a.active:
            status += f" · {a.label.upper()} NOW"
        x, y = a.series.points()
        return _line(x, y, a.markers(), a.spans(), status, bool(a.series.timed))
    return data


ALERT_READERS: dict[str, Reader] = {
    SERIES: _alert_series, VALUES: lambda a, s: lambda: a.series.y.tolist(),
    POINTS: lambda a, s: lambda: a.series.points()}


def threshold(field_name: str, above: float | None = None, below: float | None = None, *,
              time_field: str | None = None) -> Spec:
    """An alert while ``field_name`` is above ``above`` or below ``below`` (markers, spans);
    ``time_field``: the messages' time, the chart's x (else the message index)."""
    limits = ", ".join(f"{k}={v:g}" for k, v in (("above", above), ("below", below))
                       if v is not None)
    Threshold(field_name, above, below)  # fail here, at declaration, on bad limits
    return Spec(f"threshold({field_name!r}, {limits})", (SERIES, VALUES, POINTS),
                lambda clock, kind, s: Threshold(field_name, above, below, time_field=time_field),
                ALERT_READERS, (field_name, *([time_field] if time_field else [])), field_name)


def stall(field_name: str, window: int | Setting = 10, threshold: float | Setting = 0.2, *,
          time_field: str | None = None, max_points: int | Setting = 5_000,
          name: str | None = None, unit: str = "") -> Spec:
    """An alert while ``window`` values in a row span at most ``threshold``; ``time_field``:
    the messages' time, the chart's x and each stall's start and end (else the message
    index); ``name`` and ``unit`` name the stall and its values in the log."""

    def make(clock: Clock, kind: type, settings: Settings | None) -> Stall:
        return Stall(field_name, resolve(window, settings), resolve(threshold, settings),
                     max_points=resolve(max_points, settings), time_field=time_field, name=name,
                     unit=unit)

    return Spec(f"stall({field_name!r}, window={_number(window)}, "
                f"threshold={_number(threshold)})", (SERIES, VALUES, POINTS), make,
                ALERT_READERS, (field_name, *([time_field] if time_field else [])), field_name)


def batches(n: int | Setting = 5) -> Spec:
    """Groups of ``n`` messages: complete batches and the messages waiting for the next."""
    return Spec(f"batches({_number(n)})", (CATEGORIES,),
                lambda clock, kind, s: Batches(resolve(n, s), message_type=kind),
                {CATEGORIES: lambda a, s: lambda: {"complete batches": a.completed,
                                                   "pending messages": a.pending}},
                (), "count")


def _window_series(a: Tumbling, settings: Settings | None) -> Callable[[], Any]:
    def data() -> Any:
        rows = a.values()
        x = [t / 86400.0 for t, _ in rows]  # matplotlib date numbers
        return _line(x, [v for _, v in rows], timed=True)
    return data


def _window_categories(a: Tumbling, settings: Settings | None,
                       last: int = 12) -> Callable[[], Any]:
    def data() -> dict[str, float]:
        from datetime import UTC, datetime

        digits = next((d for d in (0, 1) if (a.bucket * 10 ** d).is_integer()), 2)
        width = 8 + (digits + 1 if digits else 0)  # HH:MM:SS, then tenths or hundredths
        return {datetime.fromtimestamp(max(t, FIRST_SECOND), UTC).strftime("%H:%M:%S.%f")[:width]: v
                for t, v in a.values()[-last:]}
    return data


def _windows(name: str, make: Callable[[Clock, type, Settings | None], Tumbling],
             value: str | None,
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


def histogram(field_name: str, bins: int = 10, lo: float = 0.0, hi: float = 1.0) -> Spec:
    """Messages per bin of ``field_name`` over [lo, hi) (a bar chart) or its values."""
    Histogram(field_name, bins, lo, hi)
    return Spec(f"histogram({field_name!r}, bins={bins})", (VALUES, CATEGORIES),
                lambda clock, kind, s: Histogram(field_name, bins, lo, hi),
                {VALUES: lambda a, s: lambda: list(a.recent), CATEGORIES: lambda a, s: a.by_label},
                (field_name,), "messages")
