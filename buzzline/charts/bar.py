"""Bar chart of counts per key (messages per author, per category), top-k optional."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.text import Text

from buzzline.charts.bars import Bars, KeyedBars
from buzzline.charts.base import (
    DEFAULT_COLORS,
    TICK_WIDTH,
    compact,
    count_formatter,
    number,
    whole,
)
from buzzline.charts.glyphs import glyph_text
from buzzline.charts.kind import LABELS, ChartKind, to_count

CROWDED = 10  # bars (or 60 characters of names) past which the names slant


class BarChart(KeyedBars):
    """Bars keep their positions while the set of keys is unchanged; heights are set in place.

    ``counts`` returns the current {key: count} (called under the lock). ``top_k`` > 0 shows
    the k largest, ranked; 0 every key in name order up to ``DEFAULT_TOP_K`` keys, else the
    largest; the rest add up as an "others" bar (see ``KeyedBars``).
    """

    headroom = 1.08

    def __init__(
        self,
        ax: Axes,
        counts: Callable[[], Mapping[str, float]],
        title: str = "",
        xlabel: str = "",
        ylabel: str = "",
        colors: Sequence[str] = DEFAULT_COLORS,
        top_k: int = 0,
        unit: str = "",
    ) -> None:
        super().__init__(ax, counts, title, colors, top_k)
        self.unit = unit
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, 10)
        # compact labels of one width (10, 2.5k, 1.25M): a rescale keeps the layout
        ax.yaxis.set_major_formatter(count_formatter(TICK_WIDTH))
        ax.grid(axis="y", alpha=0.3)
        self._total = glyph_text(ax, 0.99, 0.97, "", transform=ax.transAxes, ha="right", va="top",
                              fontsize=9, color="0.3", animated=True, clip_on=True)

    def render(self, snap: Bars) -> int:
        redraw = super().render(snap)
        items, others = snap
        shown = len(items) - (1 if others else 0)
        prefix = f"top {shown} of {shown + others:,}: " if others else ""
        total = number(sum(v for _, v in items))
        self._total.set_text(f"{prefix}{total} {self.unit}".rstrip() if self.unit
                            else f"{prefix}total {total}")
        return redraw

    def _build(self, keys: list[str], colors: list[str]) -> None:
        self.bars = self.ax.bar(range(len(keys)), [0] * len(keys), color=colors, animated=True)
        self.labels = [
            glyph_text(self.ax, i, 0, "", ha="center", va="bottom", fontsize=9, animated=True,
                         clip_on=True)
            for i in range(len(keys))
        ]
        # names that would run into each other slant, ending under their bars
        slant = len(keys) > CROWDED or sum(map(len, keys)) > 6 * CROWDED
        self.ax.set_xticks(range(len(keys)), keys, rotation=30 if slant else 0,
                           ha="right" if slant else "center", rotation_mode="anchor")
        room = 0.4 if self._other else 0.0  # for the "others" bar's two-line label
        self.ax.set_xlim(-0.6, max(len(keys), 1) - 0.4 + room)

    def _set_length(self, rect: Artist, label: Text, value: float) -> None:
        rect.set_height(value)  # type: ignore[attr-defined]
        label.set_y(value)
        label.set_text(number(value))

    def _set_other(self, label: Text, value: float, keys: int) -> None:
        label.set_text(f"{compact(value)}\n{compact(keys)} keys")

    def _relayout(self, old: float, new: float) -> bool:
        return False  # the tick labels keep their width (count_formatter)

    def _limit(self) -> float:
        return self.ax.get_ylim()[1]

    def _set_limit(self, limit: float) -> None:
        self.ax.set_ylim(0, limit)

    def drawn(self) -> dict:
        """Bar heights by key, read back from the rectangles."""
        return {k: whole(r.get_height()) for k, r in zip(self.keys, self.bars or (), strict=True)}

    def artists(self) -> list[Artist]:
        return [*super().artists(), self._total]


def _make(ax: Axes, data: Callable[[], Any], *, title: str, colors: Sequence[str],
          **options: Any) -> BarChart:
    return BarChart(ax, data, title=title, colors=colors, **options)


KIND = ChartKind(
    "bar", "Vertical bars, one per category",
    {"top_k": "show only the K largest, ranked (0: all, in name order)",
     "unit": "what the values count, shown with the total (e.g. messages)", **LABELS},
    {"top_k": to_count}, factory=_make)
