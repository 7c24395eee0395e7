"""Bar chart of counts per key (messages per author, per category), top-k optional."""

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


class BarChart(Chart):
    """Bars keep their positions while the set of keys is unchanged; heights are set in place.

    ``counts`` returns the current {key: count} (called under the lock). ``top_k`` > 0 shows
    only the k largest, ranked; otherwise every key in name order.
    """

    def __init__(
        self,
        ax: Axes,
        counts: Callable[[], dict[str, int]],
        title: str = "Messages per author",
        xlabel: str = "Author",
        ylabel: str = "Messages",
        colors: Sequence[str] = DEFAULT_COLORS,
        top_k: int = 0,
        unit: str = "messages",
    ) -> None:
        super().__init__(ax, title)
        self._counts = counts
        self.colors = tuple(colors) or DEFAULT_COLORS
        self.top_k = top_k
        self.unit = unit
        self.keys: list[str] = []
        self._key_colors: dict[str, str] = {}  # a key keeps its colour when ranks change
        self.bars: BarContainer | None = None
        self.labels: list[Text] = []
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, 10)
        ax.grid(axis="y", alpha=0.3)
        self._total = ax.text(0.99, 0.97, "", transform=ax.transAxes, ha="right", va="top",
                              fontsize=9, color="0.3", animated=True, clip_on=True)

    def snapshot(self) -> list[tuple[str, int]]:
        items = self._counts().items()
        if self.top_k > 0:
            return sorted(items, key=lambda kv: (-kv[1], kv[0]))[: self.top_k]
        return sorted(items)

    def render(self, snap: list[tuple[str, int]]) -> int:
        keys = [k for k, _ in snap]
        heights = [v for _, v in snap]
        redraw = SAME
        if keys != self.keys:
            self._rebuild(keys)
            redraw = LAYOUT
        for rect, label, height in zip(self.bars or (), self.labels, heights, strict=True):
            rect.set_height(height)
            label.set_y(height)
            label.set_text(number(height))
        old = self.ax.get_ylim()[1]
        top = grow_limit(old, max(heights, default=0) * 1.08)
        if top is not None:
            self.ax.set_ylim(0, top)
            redraw = max(redraw, LAYOUT if digits(top) != digits(old) else LIMITS)
        prefix = f"top {self.top_k}: " if self.top_k else ""
        total = number(sum(heights))
        self._total.set_text(f"{prefix}{total} {self.unit}".rstrip() if self.unit
                            else f"{prefix}total {total}")
        return redraw

    def _rebuild(self, keys: list[str]) -> None:
        if self.bars is not None:
            self.bars.remove()
        for label in self.labels:
            label.remove()
        for key in keys:
            if key not in self._key_colors:
                self._key_colors[key] = self.colors[len(self._key_colors) % len(self.colors)]
        colors = [self._key_colors[key] for key in keys]
        self.bars = self.ax.bar(range(len(keys)), [0] * len(keys), color=colors, animated=True)
        self.labels = [
            self.ax.text(i, 0, "", ha="center", va="bottom", fontsize=9, animated=True,
                         clip_on=True)
            for i in range(len(keys))
        ]
        self.ax.set_xticks(range(len(keys)), keys)
        self.ax.set_xlim(-0.6, max(len(keys), 1) - 0.4)
        self.keys = keys

    def drawn(self) -> dict:
        """Bar heights by key, read back from the rectangles."""
        return {k: whole(r.get_height()) for k, r in zip(self.keys, self.bars or (), strict=True)}

    def artists(self) -> list[Artist]:
        return [*(self.bars or ()), *self.labels, self._total]
