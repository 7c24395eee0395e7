"""The "csv" app: smoker temperatures from a CSV, a live line chart with stall markers (the
stall analytic any stream has: ``analytics.stall``, on the readings' times)."""

from collections.abc import Callable
from typing import Any

from buzzline.analytics import LineSeries, Pipeline, Stall
from buzzline.messages import SmokerReading
from buzzline.settings import Settings
from buzzline.shapes import LineSnapshot
from buzzline.sources.sample_data import ensure_sample
from buzzline.sources.smoker import read_smoker_csv
from buzzline.streams import Panel, Setting, Stream, sources
from buzzline.streams import analytics as a
from buzzline.timestamps import time_label

STALL = a.stall("temperature", Setting("smoker_rolling_window_size"),
                Setting("smoker_stall_threshold_f"), time_field="timestamp",
                max_points=Setting("max_points"), name="stall", unit="°F")
LINE = {"window": Setting("line_window"), "ylabel": "Temperature (°F)", "label": "Temperature",
        "alert_label": "Stall"}


def line(stall: Stall, settings: Settings) -> Callable[[], LineSnapshot]:
    """The line chart's data: the readings, a marker and a shaded span per stall, status."""
    series = stall.series

    def data() -> LineSnapshot:
        x, y = series.points(settings.line_window)
        span, step = _spacing(series)
        markers = [(stall.x_at(s), s["value"], f"Stall {time_label(s['start_time'], span, step)}")
                   for s in stall.alerts]
        spans = [(stall.x_at(s), stall.x_at(s, "end")) for s in stall.alerts]
        status = ""
        if series.last is not None:
            status = f"{series.last[1]:.1f} °F · {'STALLED' if stall.active else 'cooking'}"
        return LineSnapshot(x, y, markers, spans, status, bool(series.timed))

    return data


def _spacing(series: LineSeries) -> tuple[float, float]:
    """The seconds the readings span and between two of them (the series keeps its first
    point however often it halves)."""
    if not series.timed or series.last is None or not series.x:
        return 0.0, 1.0
    span = (series.last[0] - series.x[0]) * 86400.0
    return span, span / max(series.seen - series.untimed - 1, 1)


def summary(pipeline: Pipeline) -> dict[str, Any]:
    stall: Stall = pipeline["stall"]
    return {"stalls": [{"start": s["start_time"], "end": s["end_time"], "temperature": s["value"]}
                       for s in stall.alerts],
            "stall_count": stall.count, "stall_window_size": stall.window,
            "stall_threshold": stall.threshold, **stall.series.result(),
            **pipeline["totals"].result()}


def headline(summary: dict[str, Any]) -> str:
    stalls = "; ".join(f"{s['start']} to {s['end'] or 'end of stream'}"
                       for s in summary.get("stalls", [])) or "none"
    return f"{summary.get('messages', 0):,} readings, stalls: {stalls}"


smoker = Stream(
    "csv", message=SmokerReading, title="Smoker: temperature vs. time",
    source=sources.configured(
        lambda settings, rng, clock: read_smoker_csv(ensure_sample(settings.smoker_csv_file)),
        finite=True, describe="smoker CSV file"),
    input_setting="smoker_csv_file", analytics={"stall": STALL},
    panels=[Panel("stall", "line", options=LINE, colors=("tab:blue", "red"), data=line)],
    key=lambda message: b"smoker",  # one key for the whole cook: one partition, in order
    topic=Setting("smoker_topic"), interval=Setting("smoker_interval_seconds"),
    group=Setting("smoker_consumer_group_id"), summary=summary, headline=headline)
