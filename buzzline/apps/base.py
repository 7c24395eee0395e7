"""An app ties a stream together: its topic, source, message type, analytics and charts."""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from buzzline.analytics import Pipeline
from buzzline.clock import Clock
from buzzline.messages import Message
from buzzline.settings import Settings

if TYPE_CHECKING:  # matplotlib loads only when a chart is drawn (fast `produce` start)
    from matplotlib.axes import Axes

    from buzzline.charts.base import Chart


class App(ABC):
    name: str
    title: str
    message_type: type[Message]
    # the source ends by itself (a CSV file); others run until a count or Ctrl-C
    finite: bool = False
    # panels this app draws on a dashboard
    panels: int = 1

    # the names of the Settings fields that hold this app's topic, interval and group
    topic_setting: str
    interval_setting: str
    group_setting: str

    def topic(self, settings: Settings) -> str:
        return getattr(settings, self.topic_setting)

    def interval(self, settings: Settings) -> float:
        return getattr(settings, self.interval_setting)

    def group(self, settings: Settings) -> str:
        return getattr(settings, self.group_setting)

    @abstractmethod
    def source(
        self, settings: Settings, rng: random.Random, clock: Clock, count: int | None
    ) -> Iterator[Message]: ...

    def key(self, message: Message) -> bytes | None:
        """The Kafka key (keeps per-key order across partitions); None for no key."""
        return None

    @abstractmethod
    def pipeline(self, settings: Settings, clock: Clock) -> Pipeline: ...

    @abstractmethod
    def charts(self, pipeline: Pipeline, axes: list[Axes], settings: Settings) -> list[Chart]:
        """Charts drawn from ``pipeline`` on ``axes`` (``self.panels`` of them)."""

    def summary(self, pipeline: Pipeline) -> dict[str, Any]:
        return pipeline.result()

    def headline(self, summary: dict[str, Any]) -> str:
        """One line for the end-of-run report."""
        return f"{summary.get('messages', 0):,} messages"
