"""The "project" app: richer messages (category, sentiment...); messages per category."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from buzzline.analytics import Counts, MeanBy, Pipeline, Totals
from buzzline.apps.base import App, Feed, counted, ranked, split_colors
from buzzline.clock import Clock
from buzzline.messages import Message, ProjectMessage
from buzzline.settings import Settings
from buzzline.sources.project import generate_project

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from buzzline.charts.base import Chart


class ProjectApp(App):
    name = "project"
    title = "Project: messages per category"
    message_type = ProjectMessage
    topic_setting = "project_topic"
    interval_setting = "project_interval_seconds"
    group_setting = "project_consumer_group_id"

    def key(self, message: Message) -> bytes | None:
        return message.author.encode()  # type: ignore[attr-defined]

    def source(self, settings: Settings, rng: random.Random, clock: Clock,
               count: int | None) -> Iterator[Message]:
        return generate_project(rng, clock, count)

    def pipeline(self, settings: Settings, clock: Clock) -> Pipeline:
        return Pipeline({
            "categories": Counts("category", top=3),
            "authors": Counts("author", top=3),
            "sentiment": MeanBy("category", "sentiment"),
            "totals": Totals(clock),
        })

    def charts(self, pipeline: Pipeline, axes: list[Axes], settings: Settings) -> list[Chart]:
        from buzzline.charts.bar import BarChart
        from buzzline.charts.base import parse_colors

        return [BarChart(axes[0], ranked(pipeline["categories"], settings), title=self.title,
                         xlabel="Category", top_k=settings.top_k,
                         colors=parse_colors(settings.chart_colors))]

    def feeds(self, pipeline: Pipeline, settings: Settings) -> list[Feed]:
        return [Feed(self.title, "bar", ranked(pipeline["categories"], settings),
                     {"top_k": settings.top_k, "xlabel": "Category"},
                     split_colors(settings.chart_colors))]

    def headline(self, summary: dict[str, Any]) -> str:
        return counted(summary, "category", "categories")
