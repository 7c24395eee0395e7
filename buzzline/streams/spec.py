"""``Spec``: what a stream computes, declared: it builds an analytic per partition and says
which data shapes (``buzzline.shapes``) it gives a chart, through ``reader(analytic, shape)``.
``buzzline.streams.analytics`` makes them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from buzzline.analytics import Analytic
from buzzline.clock import Clock
from buzzline.settings import Settings
from buzzline.shapes import LineSnapshot

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


def line(x: list[float], y: list[float], markers: list | None = None, spans: list | None = None,
         status: str = "", timed: bool = False) -> LineSnapshot:
    """A line chart's data (``buzzline.shapes.LineSnapshot``)."""
    return LineSnapshot(x, y, markers or [], spans or [], status, timed)
