"""The buzz apps: "basic" (generated messages, the file pair) and "json" (a JSON array file,
looped; the Kafka pair). Both draw messages per author."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from buzzline.analytics import Batches, Counts, Pipeline, Totals
from buzzline.apps.base import App, Feed, counted, ranked, split_colors
from buzzline.clock import Clock
from buzzline.messages import Buzz, Message
from buzzline.settings import Settings
from buzzline.sources.buzz import generate_buzz, read_buzz_file
from buzzline.sources.sample_data import ensure_sample

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from buzzline.charts.base import Chart


class BuzzApp(App):
    message_type = Buzz
    interval_setting = "buzz_interval_seconds"
    group_setting = "buzz_consumer_group_id"

    def key(self, message: Message) -> bytes | None:
        return message.author.encode()  # type: ignore[attr-defined]

    def pipeline(self, settings: Settings, clock: Clock) -> Pipeline:
        return Pipeline({
            "authors": Counts("author", top=3),
            "batches": Batches(settings.batch_size, message_type=Buzz),
            "totals": Totals(clock),
        })

    def charts(self, pipeline: Pipeline, axes: list[Axes], settings: Settings) -> list[Chart]:
        from buzzline.charts.bar import BarChart
        from buzzline.charts.base import parse_colors

        return [BarChart(axes[0], ranked(pipeline["authors"], settings), title=self.title,
                         top_k=settings.top_k, colors=parse_colors(settings.chart_colors))]

    def feeds(self, pipeline: Pipeline, settings: Settings) -> list[Feed]:
        return [Feed(self.title, "bar", ranked(pipeline["authors"], settings),
                     {"top_k": settings.top_k, "xlabel": "Author"},
                     split_colors(settings.chart_colors))]

    def headline(self, summary: dict[str, Any]) -> str:
        return counted(summary, "author", "authors")


class BasicApp(BuzzApp):
    name = "basic"
    title = "Basic: messages per author"
    topic_setting = "basic_topic"

    def source(self, settings: Settings, rng: random.Random, clock: Clock,
               count: int | None) -> Iterator[Message]:
        return generate_buzz(rng, count)


class JsonApp(BuzzApp):
    name = "json"
    title = "JSON: messages per author"
    topic_setting = "buzz_topic"

    def source(self, settings: Settings, rng: random.Random, clock: Clock,
               count: int | None) -> Iterator[Message]:
        return read_buzz_file(ensure_sample(settings.buzz_json_file), count)
