"""Horizontal bar chart of a value per category: long names stay readable, ranks read top-down."""

from collections.abc import Callable, Sequence
from typing import Any

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.text import Text

from buzzline.charts.bars import KeyedBars
from buzzline.charts.base import DEFAULT_COLORS, compact, count_formatter, number, whole
from buzzline.charts.glyphs import glyph_text
from buzzline.charts.kind import LABELS, ChartKind, to_count


class HBarChart(KeyedBars):
    """One bar per key, the first at the top; widths are set in place while the keys stay.

    ``values`` returns {key: value}. ``top_k`` > 0 shows the k largest, largest on top; 0
    every key in name order up to ``DEFAULT_TOP_K`` keys, else the largest; the rest add up
    as an "others" bar at the bottom. A key keeps its colour when ranks change."""

    headroom = 1.12

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
        super().__init__(ax, values, title, colors, top_k)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_xlim(0, 10)
        ax.xaxis.set_major_formatter(count_formatter())  # 2.5k, 1.25M
        ax.grid(axis="x", alpha=0.3)

    def _build(self, keys: list[str], colors: list[str]) -> None:
        rows = range(len(keys))
        self.bars = self.ax.barh(rows, [0] * len(keys), color=colors, animated=True)
        self.labels = [glyph_text(self.ax, 0, i, "", ha="left", va="center", fontsize=9,
                                  animated=True, clip_on=True) for i in rows]
        self.ax.set_yticks(rows, keys)
        self.ax.set_ylim(max(len(keys), 1) - 0.4, -0.6)  # the first key on top

    def _set_length(self, rect: Artist, label: Text, value: float) -> None:
        rect.set_width(value)  # type: ignore[attr-defined]
        label.set_x(value)
        label.set_text(f" {number(value)}")

    def _set_other(self, label: Text, value: float, keys: int) -> None:
        label.set_text(f" {compact(value)}\n ({compact(keys)} keys)")

    def _limit(self) -> float:
        return self.ax.get_xlim()[1]

    def _set_limit(self, limit: float) -> None:
        self.ax.set_xlim(0, limit)

    def drawn(self) -> dict:
        """Bar widths by key, top to bottom, read back from the rectangles."""
        return {k: whole(r.get_width()) for k, r in zip(self.keys, self.bars or (), strict=True)}


def _make(ax: Axes, data: Callable[[], Any], *, title: str, colors: Sequence[str],
          **options: Any) -> HBarChart:
    return HBarChart(ax, data, title=title, colors=colors, **options)


KIND = ChartKind(
    "hbar", "Horizontal bars, one per category (long names stay readable)",
    {"top_k": "show only the K largest, largest on top (0: all, in name order)", **LABELS},
    {"top_k": to_count}, factory=_make)
