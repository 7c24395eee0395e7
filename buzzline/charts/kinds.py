"""Chart kinds by name: what each draws, the data its callable returns (its *shape*), its options.

``CHART_KINDS.get("bar").make(ax, data, title="...", colors=("tab:blue",), top_k=5)`` builds the
chart on ``ax``; ``data`` is called under the consumer's lock each frame and returns the shape:

* ``"categories"``: ``dict[str, float]`` (bar, hbar, pie)
* ``"series"``: :class:`buzzline.charts.line.LineSnapshot` (line, with alert markers)
* ``"points"``: ``tuple[list[float], list[float]]`` (scatter: xs, ys)
* ``"values"``: ``list[float]`` (histogram)
* ``"band"``: :class:`buzzline.charts.band.BandSnapshot` (rolling mean with a min-max band)
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from matplotlib.axes import Axes

from buzzline.charts.base import DEFAULT_COLORS, Chart
from buzzline.errors import SettingsError
from buzzline.registry import Registry

# Data shapes: what a kind's data callable returns.
CATEGORIES = "categories"  # dict[str, float]
SERIES = "series"  # LineSnapshot
POINTS = "points"  # tuple[list[float], list[float]]
VALUES = "values"  # list[float]
BAND = "band"  # BandSnapshot

SHAPES: dict[str, str] = {
    CATEGORIES: "dict[str, float]: a value per category",
    SERIES: "LineSnapshot(x, y, markers, spans, status, timed): a line with alert markers",
    POINTS: "tuple[list[float], list[float]]: x and y of each point",
    VALUES: "list[float]: the values to count into bins",
    BAND: "BandSnapshot(x, mean, low, high, markers, timed): a rolling mean in a band",
}

Maker = Callable[..., Chart]


@dataclass(frozen=True)
class ChartKind:
    name: str
    description: str
    shape: str
    options: dict[str, str] = field(default_factory=dict)  # option name -> help
    factory: Maker | None = field(default=None, repr=False, compare=False)
    types: dict[str, Callable[[Any], Any]] = field(default_factory=dict, repr=False,
                                                   compare=False)

    def make(self, ax: Axes, data: Callable[[], Any], *, title: str = "",
             colors: Sequence[str] = DEFAULT_COLORS, **options: Any) -> Chart:
        """The chart of this kind on ``ax``; unknown options raise a SettingsError naming the
        valid ones; option values may be strings (from a command line or settings)."""
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            valid = ", ".join(sorted(self.options)) or "none"
            raise SettingsError(f"chart kind {self.name!r} has no option "
                                f"{', '.join(map(repr, unknown))}; valid options: {valid}")
        assert self.factory is not None
        given = {k: self._convert(k, v) for k, v in options.items() if v is not None}
        return self.factory(ax, data, title=title or self.description,
                            colors=tuple(colors) or DEFAULT_COLORS, **given)

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


def kind(name: str, description: str, shape: str, options: Mapping[str, str],
         types: Mapping[str, Callable[[Any], Any]] | None = None) -> Callable[[Maker], Maker]:
    """Decorator: register ``factory(ax, data, *, title, colors, **options)`` as ``name``."""

    def add(factory: Maker) -> Maker:
        CHART_KINDS.add(name, ChartKind(name, description, shape, dict(options), factory,
                                        dict(types or {})))
        return factory

    return add


LABELS = {"xlabel": "x axis label", "ylabel": "y axis label"}


@kind("bar", "Vertical bars, one per category", CATEGORIES,
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


@kind("line", "A line over time with alert markers and shaded alert spans", SERIES,
      {"window": "show only the last N points and scroll (0: all)",
       "ylabel": LABELS["ylabel"]},
      {"window": to_count})
def _line(ax: Axes, data: Callable[[], Any], *, title: str, colors: Sequence[str],
          **options: Any) -> Chart:
    from buzzline.charts.line import LineChart

    options.setdefault("ylabel", "")
    return LineChart(ax, data, title=title, color=colors[0],
                     alert_color=colors[1] if len(colors) > 1 else "red", **options)
