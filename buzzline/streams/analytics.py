"""What a stream computes: small specs (``buzzline.streams.spec``) that build an analytic per
partition and say which data shapes (see ``buzzline.shapes``) it can give a chart.
A number may be a ``Setting`` (e.g. ``Setting("smoker_stall_threshold_f")``): read from the
settings when the analytic is built."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from buzzline.analytics import (
    Batches,
    Counts,
    Histogram,
    MeanBy,
    Rolling,
    Stall,
    Threshold,
)
from buzzline.analytics.ranking import DEFAULT_TOP_K
from buzzline.clock import Clock
from buzzline.settings import Settings
from buzzline.shapes import BAND, CATEGORIES, POINTS, SERIES, VALUES, BandSnapshot
from buzzline.streams.configured import Setting, resolve
from buzzline.streams.spec import Reader, Spec, line
from buzzline.streams.windowed import sliding, tumbling


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
        return line(x, mean, a.markers(), status=status)
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
        return line(x, y, a.markers(), a.spans(), status, bool(a.series.timed))
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


def histogram(field_name: str, bins: int = 10, lo: float = 0.0, hi: float = 1.0) -> Spec:
    """Messages per bin of ``field_name`` over [lo, hi) (a bar chart) or its values."""
    Histogram(field_name, bins, lo, hi)
    return Spec(f"histogram({field_name!r}, bins={bins})", (VALUES, CATEGORIES),
                lambda clock, kind, s: Histogram(field_name, bins, lo, hi),
                {VALUES: lambda a, s: lambda: list(a.recent), CATEGORIES: lambda a, s: a.by_label},
                (field_name,), "messages")


__all__ = ["Reader", "Setting", "Spec", "batches", "counts", "histogram", "mean_by", "rolling",
           "sliding", "stall", "threshold", "top_k", "tumbling"]
