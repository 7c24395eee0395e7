"""An app ties a stream together: its topic, source, message type, analytics and charts."""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from buzzline.analytics import Counts, Pipeline
from buzzline.analytics.keycounts import plural as plural_of
from buzzline.analytics.ranking import DEFAULT_TOP_K, Ranking
from buzzline.clock import Clock
from buzzline.engine.status import WIDTH, one_line
from buzzline.messages import Message
from buzzline.settings import Settings

if TYPE_CHECKING:  # matplotlib loads only when a chart is drawn (fast `produce` start)
    from matplotlib.axes import Axes

    from buzzline.charts.base import Chart


@dataclass(frozen=True)
class Feed:
    """One panel's data, free of any drawing library (the browser dashboard reads these): the
    chart ``kind`` that shows it (``buzzline charts`` lists them), its title, ``data`` giving
    that kind's data shape (called under the consumer's lock, so it must be quick), the kind's
    options (e.g. top_k) and colours (first to last, as ``--colors`` gives them)."""

    title: str
    kind: str
    data: Callable[[], Any]
    options: dict[str, Any] = field(default_factory=dict)
    colors: tuple[str, ...] = ()


def ranked(counts: Counts, settings: Settings) -> Callable[[], Ranking]:
    """A chart's or a feed's data from ``counts``: the ``--top-k`` largest (``DEFAULT_TOP_K``
    when 0) and what they leave out, bounded whatever the number of keys."""
    k = settings.top_k or DEFAULT_TOP_K
    return lambda: counts.ranking(k)


def counted(summary: dict[str, Any], field: str, plural: str) -> str:
    """The headline of a count per ``field``: every count while that is short, "1,234
    messages (Alice 3, Bob 2)", else "1,000,000 messages (1,000,000 authors; top: a 3, b 2,
    c 1)"; one line of at most ``WIDTH`` characters whatever the number of keys."""
    counts = summary.get(f"{field}_counts", {})
    head = f"{summary.get('messages', 0):,} messages"
    if len(counts) <= 10:
        every = ", ".join(f"{k} {n}" for k, n in counts.items())
        if len(head) + len(every) + 3 <= WIDTH:
            return one_line(f"{head} ({every})")
    top = ", ".join(f"{k} {counts[k]:,}" for k in summary.get(f"top_{plural_of(field)}", [])
                    if k in counts)
    return one_line(f"{head} ({len(counts):,} {plural}; top: {top})")


def split_colors(text: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    """``"tab:blue, #ff7f0e"`` -> its colours (checked when a chart draws them); empty text ->
    ``default``."""
    return tuple(c.strip() for c in text.split(",") if c.strip()) or default


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

    def feeds(self, pipeline: Pipeline, settings: Settings) -> list[Feed]:
        """The data of this app's panels, for the browser dashboard (none: numbers only)."""
        return []

    def summary(self, pipeline: Pipeline) -> dict[str, Any]:
        return pipeline.result()

    def headline(self, summary: dict[str, Any]) -> str:
        """One line for the end-of-run report."""
        return f"{summary.get('messages', 0):,} messages"
