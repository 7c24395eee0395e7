"""What a chart kind is: its name, what it draws, its options (checked and converted) and its
colours; ``make`` builds the chart on an Axes. Each chart module declares its ``KIND``; the
registry of kinds by name is ``buzzline.charts.kinds`` (from ``buzzline.shapes.KINDS``).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from matplotlib.axes import Axes

from buzzline.charts.base import DEFAULT_COLORS, Chart, parse_colors
from buzzline.errors import SettingsError
from buzzline.shapes import KIND_SHAPES

# the categories' colours (see buzzline.charts.palette)
KEYED = "each category its own colour from the palette, or the colours given, in turn"
LINE_COLORS = "line, then alerts (default red)"
LINE_DEFAULT = ("tab:blue", "red")
LABELS = {"xlabel": "x axis label", "ylabel": "y axis label"}

# factory(ax, data, *, title, colors, **options) -> the chart
Maker = Callable[..., Chart]


@dataclass(frozen=True)
class ChartKind:
    name: str
    description: str
    options: dict[str, str] = field(default_factory=dict)  # option name -> help
    types: dict[str, Callable[[Any], Any]] = field(default_factory=dict, repr=False,
                                                   compare=False)
    color_use: str = KEYED  # what the colours are used for
    default_colors: tuple[str, ...] = DEFAULT_COLORS  # used when no colours are given
    factory: Maker | None = field(default=None, repr=False, compare=False)

    @property
    def shape(self) -> str:
        """The shape of the data it draws (``buzzline.shapes``)."""
        return KIND_SHAPES[self.name]

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
        if self.factory is None:
            raise SettingsError(f"chart kind {self.name!r} has no factory")
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
