"""Chart kinds by name: what each draws, the data its callable returns (its *shape*, see
``buzzline.shapes``), its options.

``CHART_KINDS.get("bar").make(ax, data, title="...", colors=("tab:blue",), top_k=5)`` builds the
chart on ``ax``; ``data`` is called under the consumer's lock each frame and returns the shape.
``chart_of(feed, ax)`` builds a panel's chart from its ``Feed``: the one way the window and the
images derive a chart (the browser dashboard draws the same feeds).

A new kind: its module (``buzzline/charts/NAME.py``), its name in ``buzzline.shapes.KIND_SHAPES``,
its factory here (``@kind(...)``) and its renderer in the dashboard's page.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from matplotlib.axes import Axes

from buzzline.charts.base import DEFAULT_COLORS, Chart, parse_colors
from buzzline.errors import SettingsError
from buzzline.registry import Registry
from buzzline.shapes import (
    BAND,
    CATEGORIES,
    KIND_SHAPES,
    POINTS,
    SERIES,
    SHAPES,
    VALUES,
    BandSnapshot,
    Feed,
    LineSnapshot,
)

# the categories' colours (see buzzline.charts.palette)
KEYED = "each category its own colour from the palette, or the colours given, in turn"


Maker = Callable[..., Chart]


@dataclass(frozen=True)
class ChartKind:
    name: str
    description: str
    shape: str
    options: dict[str, str] = field(default_factory=dict)  # option name -> help
    color_use: str = KEYED  # what the colours are used for
    default_colors: tuple[str, ...] = DEFAULT_COLORS  # used when no colours are given
    factory: Maker | None = field(default=None, repr=False, compare=False)
    types: dict[str, Callable[[Any], Any]] = field(default_factory=dict, repr=False,
                                                   compare=False)

    def make(self, ax: Axes, data: Callable[[], Any], *, title: str = "",
             colors: Sequence[str] | str | None = None, **options: Any) -> Chart:
        """The chart of this kind on ``ax``; unknown options raise a SettingsError naming the
        valid ones; option values may be strings (from a command line or settings).
        ``colors``: a sequence, or text for ``parse_colors``; none: ``default_colors``."""
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            valid = ", ".join(sorted(self.options)) or "none"
            raise SettingsError(f"chart kind {self.name!r} has no option "
                                f"{', '.join(map(repr, unknown))}; valid options: {valid}")
        assert self.factory is not None
        given = {k: self._convert(k, v) for k, v in options.items() if v is not None}
        if isinstance(colors, str):
            colors = parse_colors(colors, self.default_colors)
        return self.factory(ax, data, title=title or self.description,
                            colors=tuple(colors or ()) or self.default_colors, **given)

    def _convert(self, name: str, value: Any) -> Any:
        convert = self.types.get(name, str)
        try:
            return convert(value)
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"chart kind {self.name!r}: option {name}={value!r}: {exc}") \
                from None


def to_bool(value: Any) -> bool:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("1", "true", "yes", "on", ""):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ValueError("expected true or false")
    return bool(value)


def to_count(value: Any) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be 0 or more")
    return number


CHART_KINDS: Registry[ChartKind] = Registry("chart kind")


def kind(name: str, description: str, options: Mapping[str, str],
         types: Mapping[str, Callable[[Any], Any]] | None = None,
         color_use: str = KEYED,
         default_colors: tuple[str, ...] = DEFAULT_COLORS) -> Callable[[Maker], Maker]:
    """Decorator: register ``factory(ax, data, *, title, colors, **options)`` as ``name`` (its
    data shape: ``buzzline.shapes.KIND_SHAPES[name]``)."""
    shape = KIND_SHAPES[name]

    def add(factory: Maker) -> Maker:
        CHART_KINDS.add(name, ChartKind(name, description, shape, dict(options), color_use,
                                        tuple(default_colors), factory, dict(types or {})))
        return factory

    return add


LINE_COLORS = "line, then alerts (default red)"
LINE_DEFAULT = ("tab:blue", "red")
LABELS = {"xlabel": "x axis label", "ylabel": "y axis label"}


@kind("bar", "Vertical bars, one per category",
      {"top_k": "show only the K largest, ranked (0: all, in name order)",
       "unit": "what the values count, shown with the total (e.g. messages)", **LABELS},
      {"top_k": to_count})
def _bar(ax: Axes, data: Callable[[], Any], *, title: str, colors: Sequence[str],
         **options: Any) -> Chart:
    from buzzline.charts.bar import BarChart

    options.setdefault("xlabel", "")
    options.setdefault("ylabel", "")
    options.setdefault("unit", "")
    return BarChart(ax, data, title=title, colors=colors, **options)


@kind("line", "A line over time with alert markers and shaded alert spans",
      {"window": "show only the last N points and scroll (0: all)",
       "ylabel": LABELS["ylabel"], "label": "legend text of the line [Value]",
       "alert_label": "legend text of the alert markers [Alert]"},
      {"window": to_count}, LINE_COLORS, LINE_DEFAULT)
def _line(ax: Axes, data: Callable[[], Any], *, title: str, colors: Sequence[str],
          **options: Any) -> Chart:
    from buzzline.charts.line import LineChart

    options.setdefault("ylabel", "")
    options.setdefault("label", "Value")
    options.setdefault("alert_label", "Alert")
    return LineChart(ax, data, title=title, color=colors[0],
                     alert_color=colors[1] if len(colors) > 1 else "red", **options)


@kind("hbar", "Horizontal bars, one per category (long names stay readable)",
      {"top_k": "show only the K largest, largest on top (0: all, in name order)", **LABELS},
      {"top_k": to_count})
def _hbar(ax: Axes, data: Callable[[], Any], *, title: str, colors: Sequence[str],
          **options: Any) -> Chart:
    from buzzline.charts.hbar import HBarChart

    return HBarChart(ax, data, title=title, colors=colors, **options)


@kind("pie", "Pie (or donut) of each category's share",
      {"top_k": "show the K largest and the rest as 'other' (0: all)",
       "donut": "draw a ring with the total in the middle (true/false)"},
      {"top_k": to_count, "donut": to_bool},
      KEYED + " ('others' is grey)")
def _pie(ax: Axes, data: Callable[[], Any], *, title: str, colors: Sequence[str],
         **options: Any) -> Chart:
    from buzzline.charts.pie import PieChart

    return PieChart(ax, data, title=title, colors=colors, **options)


@kind("scatter", "Points at (x, y)",
      {"max_points": "show only the last N points (0: all)",
       "size": "marker area in points^2 [16]", **LABELS},
      {"max_points": to_count, "size": float}, "the first colour, for every point")
def _scatter(ax: Axes, data: Callable[[], Any], *, title: str, colors: Sequence[str],
             **options: Any) -> Chart:
    from buzzline.charts.scatter import ScatterChart

    return ScatterChart(ax, data, title=title, colors=colors, **options)


@kind("histogram", "Counts of values in bins (fixed with low and high, else growing)",
      {"bins": "number of bins [20] (growing bins merge past twice that)",
       "low": "left edge of fixed bins (with high)", "high": "right edge of fixed bins (with low)",
       **LABELS},
      {"bins": int, "low": float, "high": float}, "the first colour, for every bar")
def _histogram(ax: Axes, data: Callable[[], Any], *, title: str, colors: Sequence[str],
               **options: Any) -> Chart:
    from buzzline.charts.histogram import HistogramChart

    if ("low" in options) != ("high" in options):
        raise SettingsError("histogram: give both low and high for fixed bins, or neither")
    try:
        return HistogramChart(ax, data, title=title, colors=colors, **options)
    except ValueError as exc:
        raise SettingsError(f"histogram: {exc}") from None


@kind("band", "Rolling mean in a shaded band (min-max or mean±std) with alert markers",
      {"window": "show only the last N points and scroll (0: all)",
       "band_label": "legend text of the band [min-max]", "ylabel": LABELS["ylabel"]},
      {"window": to_count}, "line and band, then alerts (default red)", LINE_DEFAULT)
def _band(ax: Axes, data: Callable[[], Any], *, title: str, colors: Sequence[str],
          **options: Any) -> Chart:
    from buzzline.charts.band import BandChart

    return BandChart(ax, data, title=title, color=colors[0],
                     alert_color=colors[1] if len(colors) > 1 else "red", **options)


def sample_data(shape: str, frame: int = 0) -> Any:
    """Made-up data of ``shape`` (the same for the same ``frame``; later frames move on), for
    the gallery and tests."""
    import math
    import random

    rng = random.Random(1000 + frame)
    n = 60 + 10 * frame
    if shape == CATEGORIES:
        base = {"Alice": 14, "Bob": 9, "Charlie": 21, "Dana": 6, "Eve": 11}
        return {k: float(v + rng.randint(0, 3) + 2 * frame) for k, v in base.items()}
    if shape == POINTS:
        xs = [rng.uniform(0, 10) for _ in range(n * 2)]
        return xs, [2.0 + 0.8 * x + rng.gauss(0, 1.2) for x in xs]
    if shape == VALUES:
        return [rng.gauss(70, 6) for _ in range(n * 10)]
    temps = [70 + 8 * math.sin(i / 9) + rng.gauss(0, 1.0) for i in range(n)]
    for i in range(30, 38):  # a stall: flat for a while
        temps[i] = temps[29] + rng.gauss(0, 0.05)
    xs = [float(i) for i in range(n)]
    if shape == SERIES:
        return LineSnapshot(xs, temps, [(30.0, temps[30], "Stall")], [(30.0, 37.0)],
                            status=f"{n} readings", timed=False)
    if shape == BAND:
        width = 8
        windows = [temps[max(0, i - width + 1): i + 1] for i in range(n)]
        return BandSnapshot(xs, [sum(w) / len(w) for w in windows], [min(w) for w in windows],
                            [max(w) for w in windows], [(30.0, temps[30], "Stall")])
    raise ValueError(f"no sample data for shape {shape!r}; shapes: {', '.join(SHAPES)}")


AXIS_LABELS = ("xlabel", "ylabel")


def chart_of(feed: Feed, ax: Axes) -> Chart:
    """The chart of ``feed`` on ``ax``, through its kind: the feed's title, options and colours
    (checked; none: the kind's own). Axis labels are dropped for a kind without axes (pie)."""
    found = CHART_KINDS.get(feed.kind)
    options = {k: v for k, v in feed.options.items()
               if k in found.options or k not in AXIS_LABELS}
    return found.make(ax, feed.data, title=feed.title, colors=",".join(feed.colors), **options)


def charts_of(feeds: Sequence[Feed], axes: Sequence[Axes]) -> list[Chart]:
    """The chart of each feed, on the axes in turn."""
    return [chart_of(feed, ax) for feed, ax in zip(feeds, axes, strict=False)]
