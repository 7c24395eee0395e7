"""The data shapes of charts, free of any drawing library: what a chart kind's data callable
returns, the snapshots a line or band chart draws, each chart kind's shape and ``Feed`` (one
panel's data). Charts, streams and the browser dashboard all read this one module.

* ``"categories"``: ``dict[str, float]`` (bar, hbar, pie)
* ``"series"``: :class:`LineSnapshot` (line, with alert markers)
* ``"points"``: ``tuple[list[float], list[float]]`` (scatter: xs, ys)
* ``"values"``: ``list[float]`` (histogram)
* ``"band"``: :class:`BandSnapshot` (rolling mean with a min-max band)

A new chart kind is its module in ``buzzline.charts`` (declaring ``KIND``), one line in
``KINDS`` below and its renderer in the dashboard's page.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CATEGORIES = "categories"
SERIES = "series"
POINTS = "points"
VALUES = "values"
BAND = "band"

SHAPES: dict[str, str] = {
    CATEGORIES: "dict[str, float]: a value per category",
    SERIES: "LineSnapshot(x, y, markers, spans, status, timed): a line with alert markers",
    POINTS: "tuple[list[float], list[float]]: x and y of each point",
    VALUES: "list[float]: the values to count into bins",
    BAND: "BandSnapshot(x, mean, low, high, markers, timed): a rolling mean in a band",
}

# The chart kinds: name -> (the shape of the data it draws, the module that draws it and
# declares its ``KIND``). A new kind is its module, one line here and its dashboard renderer.
KINDS: dict[str, tuple[str, str]] = {
    "bar": (CATEGORIES, "buzzline.charts.bar"),
    "hbar": (CATEGORIES, "buzzline.charts.hbar"),
    "pie": (CATEGORIES, "buzzline.charts.pie"),
    "line": (SERIES, "buzzline.charts.line"),
    "scatter": (POINTS, "buzzline.charts.scatter"),
    "histogram": (VALUES, "buzzline.charts.histogram"),
    "band": (BAND, "buzzline.charts.band"),
}
# chart kind -> the shape of the data it draws
KIND_SHAPES: dict[str, str] = {name: shape for name, (shape, _) in KINDS.items()}


def kinds_of(shapes: tuple[str, ...] | list[str]) -> list[str]:
    """The chart kinds that draw one of ``shapes``, in the order of the shapes (best first)."""
    return [kind for shape in shapes for kind, drawn in KIND_SHAPES.items() if drawn == shape]


@dataclass
class LineSnapshot:
    x: list[float]
    y: list[float]
    markers: list[tuple[float, float, str]] = field(default_factory=list)
    spans: list[tuple[float, float]] = field(default_factory=list)  # shaded alert ranges
    status: str = ""
    timed: bool = True


@dataclass
class BandSnapshot:
    """The band at each x: the rolling ``mean`` and the ``low``..``high`` around it (the
    window's min and max, or mean - std and mean + std); ``markers`` are (x, y, label)."""

    x: list[float]
    mean: list[float]
    low: list[float]
    high: list[float]
    markers: list[tuple[float, float, str]] = field(default_factory=list)
    timed: bool = False


@dataclass(frozen=True)
class Feed:
    """One panel's data, free of any drawing library: the chart ``kind`` that shows it
    (``buzzline charts`` lists them), its title, ``data`` giving that kind's data shape (called
    under the consumer's lock, so it must be quick), the kind's options (e.g. top_k) and
    colours (first to last, as ``--colors`` gives them). The window, the images and the
    browser dashboard all draw a panel from its feed."""

    title: str
    kind: str
    data: Callable[[], Any]
    options: dict[str, Any] = field(default_factory=dict)
    colors: tuple[str, ...] = ()

    @property
    def shape(self) -> str:
        return KIND_SHAPES[self.kind]


def split_colors(text: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    """``"tab:blue, #ff7f0e"`` -> its colours (checked when a chart draws them); empty text ->
    ``default``."""
    return tuple(c.strip() for c in text.split(",") if c.strip()) or default
