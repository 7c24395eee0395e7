"""Horizontal bar chart of a value per category: long names stay readable, ranks read top-down."""

from collections.abc import Callable, Sequence

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.text import Text

from buzzline.charts.base import (
    DEFAULT_COLORS,
    LAYOUT,
    LIMITS,
    SAME,
    Chart,
    digits,
    grow_limit,
    number,
    whole,
)


class HBarChart(Chart):
    """One bar per key, the first at the top; widths are set in place while the keys stay.

    ``values`` returns {key: value}. ``top_k`` > 0 shows the k largest, largest on top;
    otherwise every key in name order. A key keeps its colour when ranks change."""

    def __init__(
        self,
        ax: Axes,
        values: Callable[[], dict[str, float]],
        title: str = "Values per category",
        xlabel: str = "",
        ylabel: str = "",
        colors: Sequence[str] = DEFAULT_COLORS,
        top_k: int = 0,
    ) -> None:
        super().__init__(ax, title)
        self._values = values
        self.colors = tuple(colors) or DEFAULT_COLORS
        self.top_k = top_k
        self.keys: list[str] = []
        self._key_colors: dict[str, str] = {}
        self.bars: BarContainer | None = None
        self.labels: list[Text] = []
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_xlim(0, 10)
        ax.grid(axis="x", alpha=0.3)

    def snapshot(self) -> list[tuple[str, float]]:
        items = self._values().items()
        if self.top_k > 0:
            return sorted(items, key=lambda kv: (-kv[1], kv[0]))[: self.top_k]
        return sorted(items)

    def render(self, snap: list[tuple[str, float]]) -> int:
        keys = [k for k, _ in snap]
        widths = [v for _, v in snap]
        redraw = SAME
        if keys != self.keys:
            self._rebuild(keys)
            redraw = LAYOUT
        for rect, label, width in zip(self.bars or (), self.labels, widths, strict=True):
            rect.set_width(width)
            label.set_x(width)
            label.set_text(f" {number(width)}")
        old = self.ax.get_xlim()[1]
        right = grow_limit(old, max(widths, default=0) * 1.12)
        if right is not None:
            self.ax.set_xlim(0, right)
            redraw = max(redraw, LAYOUT if digits(right) != digits(old) else LIMITS)
        return redraw

    def _rebuild(self, keys: list[str]) -> None:
        if self.bars is not None:
            self.bars.remove()
        for label in self.labels:
            label.remove()
        for key in keys:
            if key not in self._key_colors:
                self._key_colors[key] = self.colors[len(self._key_colors) % len(self.colors)]
        rows = range(len(keys))
        self.bars = self.ax.barh(rows, [0] * len(keys), color=[self._key_colors[k] for k in keys],
                                 animated=True)
        self.labels = [self.ax.text(0, i, "", ha="left", va="center", fontsize=9, animated=True,
                                    clip_on=True) for i in rows]
        self.ax.set_yticks(rows, keys)
        self.ax.set_ylim(max(len(keys), 1) - 0.4, -0.6)  # the first key on top
        self.keys = keys

    def drawn(self) -> dict:
        """Bar widths by key, top to bottom, read back from the rectangles."""
        return {k: whole(r.get_width()) for k, r in zip(self.keys, self.bars or (), strict=True)}

    def artists(self) -> list[Artist]:
        return [*(self.bars or ()), *self.labels]
