"""The "csv" app: smoker temperatures from a CSV, a live line chart with stall markers."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from buzzline.analytics import LineSeries, Pipeline, StallDetector, Totals
from buzzline.apps.base import App, Feed, split_colors
from buzzline.charts.snapshots import LineSnapshot
from buzzline.clock import Clock
from buzzline.messages import Message, SmokerReading
from buzzline.settings import Settings
from buzzline.sources.sample_data import ensure_sample
from buzzline.sources.smoker import read_smoker_csv
from buzzline.timestamps import time_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from buzzline.charts.base import Chart


class SmokerApp(App):
    name = "csv"
    title = "Smoker: temperature vs. time"
    message_type = SmokerReading
    finite = True
    topic_setting = "smoker_topic"
    interval_setting = "smoker_interval_seconds"
    group_setting = "smoker_consumer_group_id"

    def source(self, settings: Settings, rng: random.Random, clock: Clock,
               count: int | None) -> Iterator[Message]:
        return read_smoker_csv(ensure_sample(settings.smoker_csv_file), count)

    def key(self, message: Message) -> bytes | None:
        """One key for the whole cook: one partition, so readings stay in order."""
        return b"smoker"

    def pipeline(self, settings: Settings, clock: Clock) -> Pipeline:
        return Pipeline({
            "stall": StallDetector(settings.smoker_rolling_window_size,
                                   settings.smoker_stall_threshold_f),
            "series": LineSeries(settings.max_points),
            "totals": Totals(clock),
        })

    def charts(self, pipeline: Pipeline, axes: list[Axes], settings: Settings) -> list[Chart]:
        from buzzline.charts.base import parse_colors
        from buzzline.charts.line import LineChart

        colors = parse_colors(settings.chart_colors, ("tab:blue", "red"))
        return [LineChart(axes[0], self._line(pipeline, settings), title=self.title,
                          window=settings.line_window, color=colors[0],
                          alert_color=colors[1] if len(colors) > 1 else "red")]

    def feeds(self, pipeline: Pipeline, settings: Settings) -> list[Feed]:
        return [Feed(self.title, "line", self._line(pipeline, settings),
                     {"window": settings.line_window, "ylabel": "Temperature (°F)"},
                     split_colors(settings.chart_colors, ("tab:blue", "red")))]

    @staticmethod
    def _line(pipeline: Pipeline, settings: Settings) -> Callable[[], LineSnapshot]:
        """The line chart's data: the readings, a marker and a shaded span per stall, status."""
        series: LineSeries = pipeline["series"]
        stall: StallDetector = pipeline["stall"]

        def data() -> LineSnapshot:
            x, y = series.points(settings.line_window)
            span, step = _spacing(series)
            markers = [(series.x_of(s["start"]), s["temperature"],
                        f"Stall {time_label(s['start'], span, step)}") for s in stall.stalls]
            end = series.last[0] if series.last else 0.0
            spans = [(series.x_of(s["start"]), series.x_of(s["end"]) if s["end"] else end)
                     for s in stall.stalls]
            status = ""
            if series.last is not None:
                state = "STALLED" if stall.stalled else "cooking"
                status = f"{series.last[1]:.1f} °F · {state}"
            return LineSnapshot(x, y, markers, spans, status, bool(series.timed))

        return data

    def headline(self, summary: dict[str, Any]) -> str:
        stalls = "; ".join(f"{s['start']} to {s['end'] or 'end of stream'}"
                           for s in summary.get("stalls", [])) or "none"
        return f"{summary.get('messages', 0):,} readings, stalls: {stalls}"


def _spacing(series: LineSeries) -> tuple[float, float]:
    """The seconds the readings span and between two of them (the series keeps its first
    point however often it halves)."""
    if not series.timed or series.last is None or not series.x:
        return 0.0, 1.0
    span = (series.last[0] - series.x[0]) * 86400.0
    return span, span / max(series.seen - series.untimed - 1, 1)
