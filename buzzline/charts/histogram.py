"""Histogram of values: fixed bins over a given range, or bins that grow with the data.

The rectangles are kept between frames: heights are set in place; when bins are added (growing
mode) new rectangles join the old ones, and when there are too many the width doubles and the
same rectangles are moved and resized."""

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from buzzline.charts.base import (
    DEFAULT_COLORS,
    LAYOUT,
    LIMIT,
    LIMITS,
    SAME,
    Chart,
    digits,
    drawable,
    value_limit,
)
from buzzline.charts.glyphs import glyph_text
from buzzline.charts.kind import LABELS, ChartKind
from buzzline.errors import SettingsError


class HistogramChart(Chart):
    """``values`` returns the values to count (called under the lock).

    ``bins``: the number of bins. With ``low`` and ``high`` the bins are fixed over that range
    and values outside it are counted in the status line only. Without them the first values
    set the bin width and range; bins are added on either side as values arrive outside, and
    when there are more than ``2 * bins`` of them, neighbours merge (the width doubles)."""

    def __init__(
        self,
        ax: Axes,
        values: Callable[[], list[float]],
        title: str = "Distribution",
        xlabel: str = "",
        ylabel: str = "Count",
        colors: Sequence[str] = DEFAULT_COLORS,
        bins: int = 20,
        low: float | None = None,
        high: float | None = None,
    ) -> None:
        super().__init__(ax, title)
        if bins < 1:
            raise ValueError("a histogram needs 1 bin or more")
        self._values = values
        self.bins = bins
        self.color = (tuple(colors) or DEFAULT_COLORS)[0]
        self.fixed = low is not None and high is not None
        if self.fixed:
            assert low is not None and high is not None
            if not high > low:
                raise ValueError("histogram range: high must be above low")
            if not -LIMIT <= low < high <= LIMIT:
                raise ValueError(f"histogram range: low and high must be within +-{LIMIT:g}")
            self.origin, self.width, self.count = low, (high - low) / bins, bins
        else:
            self.origin, self.width, self.count = 0.0, 0.0, 0  # set by the first values
        self.rects: list[Rectangle] = []
        self.counts: list[int] = []
        self._status: Text = glyph_text(ax, 0.99, 0.97, "", transform=ax.transAxes, ha="right",
                                     va="top", fontsize=9, color="0.3", animated=True,
                                     clip_on=True)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, 10)
        ax.grid(axis="y", alpha=0.3)
        if self.fixed:
            ax.set_xlim(self.origin, self.origin + self.width * self.count)

    def snapshot(self) -> list[float]:
        return list(self._values())

    def edges(self) -> list[float]:
        return [self.origin + i * self.width for i in range(self.count + 1)]

    def render(self, snap: list[float]) -> int:
        data = np.asarray([v for v in snap if math.isfinite(v)], dtype=float)
        redraw = SAME
        if not self.fixed and data.size:  # bins cover what an axis can show, at most
            lo, hi = drawable(float(data.min())), drawable(float(data.max()))
            if self.settled and self.count and lo < hi and hi - lo < 0.9 * self.count * self.width:
                self.count = 0  # bins grown for values now gone: new bins that fit the data
            redraw = self._grow(lo, hi)
        if self.count:
            inside = (data >= self.origin) & (data <= self.origin + self.count * self.width)
            index = np.floor((data[inside] - self.origin) / self.width).astype(int)
            index = np.clip(index, 0, self.count - 1)  # the right edge belongs to the last bin
            counts = np.bincount(index, minlength=self.count)
            outside = int(data.size - inside.sum())
        else:
            counts, outside = np.zeros(0, dtype=int), 0
        self._sync_rects()
        self.counts = [int(c) for c in counts]
        for rect, count in zip(self.rects, self.counts, strict=True):
            rect.set_height(count)
        old = self.ax.get_ylim()[1]
        top = value_limit(old, max(self.counts, default=0), 1.08, self.settled)
        if top is not None:
            self.ax.set_ylim(0, top)
            redraw = max(redraw, LAYOUT if digits(top) != digits(old) else LIMITS)
        text = f"{data.size:,} values"
        self._status.set_text(f"{text}, {outside:,} outside" if outside else text)
        return redraw

    def _grow(self, lo: float, hi: float) -> int:
        """Cover [lo, hi] with bins of the current width (setting it at first); say what to
        redraw."""
        if self.count == 0:
            # a width too small to tell the edges apart (all values equal, or a few ulps
            # apart at a large magnitude): as for equal values, 1 (or a trillionth of them)
            least = max(abs(lo), abs(hi)) * 2.0 ** -40
            self.width = (hi - lo) / self.bins
            if not self.width > least:
                self.width = max(least, 1.0)
            self.origin, self.count = lo, self.bins
            while self.origin + self.count * self.width < hi:  # rounding: the last value is in
                self.width = math.nextafter(self.width, math.inf)
            self.ax.set_xlim(self.origin, self.origin + self.count * self.width)
            return LAYOUT
        end = self.origin + self.count * self.width
        if self.origin <= lo and hi <= end:
            return SAME
        below = max(0, math.ceil((self.origin - lo) / self.width))
        above = max(0, math.ceil((hi - end) / self.width))
        self.origin -= below * self.width
        self.count += below + above
        while self.count > 2 * self.bins:  # merge neighbours: the width doubles
            self.width *= 2
            self.count = math.ceil(self.count / 2)
        self.ax.set_xlim(self.origin, self.origin + self.count * self.width)
        return LAYOUT

    def _sync_rects(self) -> None:
        while len(self.rects) < self.count:
            rect = Rectangle((0, 0), 0, 0, facecolor=self.color, edgecolor="white", lw=0.6,
                             animated=True)
            self.ax.add_patch(rect)
            self.rects.append(rect)
        for rect in self.rects[self.count:]:
            rect.remove()
        del self.rects[self.count:]
        for rect, left in zip(self.rects, self.edges(), strict=False):
            rect.set_x(left)
            rect.set_width(self.width)

    def drawn(self) -> dict:
        """Bin edges and the counts of the bars, read back from the rectangles."""
        edges = [r.get_x() for r in self.rects]
        if self.rects:
            edges.append(self.rects[-1].get_x() + self.rects[-1].get_width())
        return {"edges": edges, "counts": [int(r.get_height()) for r in self.rects]}

    def artists(self) -> list[Artist]:
        return [*self.rects, self._status]


def _make(ax: Axes, data: Callable[[], Any], *, title: str, colors: Sequence[str],
          **options: Any) -> Chart:
    if ("low" in options) != ("high" in options):
        raise SettingsError("histogram: give both low and high for fixed bins, or neither")
    try:
        return HistogramChart(ax, data, title=title, colors=colors, **options)
    except ValueError as exc:
        raise SettingsError(f"histogram: {exc}") from None


KIND = ChartKind(
    "histogram", "Counts of values in bins (fixed with low and high, else growing)",
    {"bins": "number of bins [20] (growing bins merge past twice that)",
     "low": "left edge of fixed bins (with high)", "high": "right edge of fixed bins (with low)",
     **LABELS},
    {"bins": int, "low": float, "high": float}, "the first colour, for every bar",
    factory=_make)
