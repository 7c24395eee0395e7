"""Scatter chart of (x, y) points; one PathCollection whose offsets are set each frame."""

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.text import Text

from buzzline.charts.base import (
    DEFAULT_COLORS,
    LAYOUT,
    LIMITS,
    SAME,
    Chart,
    digits,
    drawable,
    fit_range,
)
from buzzline.charts.glyphs import glyph_text
from buzzline.charts.kind import LABELS, ChartKind, to_count


class ScatterChart(Chart):
    """``points`` returns (xs, ys). ``max_points`` > 0 shows only the last N (bounded work).
    The axes grow with room for a fifth more when a point falls outside and shrink when the
    points fill less than half of them, so most frames only move the points; settled, they
    fit the points (``fit_range``)."""

    def __init__(
        self,
        ax: Axes,
        points: Callable[[], tuple[list[float], list[float]]],
        title: str = "Points",
        xlabel: str = "",
        ylabel: str = "",
        colors: Sequence[str] = DEFAULT_COLORS,
        max_points: int = 0,
        size: float = 16.0,
    ) -> None:
        super().__init__(ax, title)
        self._points = points
        self.max_points = max_points
        color = (tuple(colors) or DEFAULT_COLORS)[0]
        self.points = ax.scatter([], [], s=size, color=color, alpha=0.7, lw=0, animated=True)
        self._status: Text = glyph_text(ax, 0.99, 0.97, "", transform=ax.transAxes, ha="right",
                                     va="top", fontsize=9, color="0.3", animated=True,
                                     clip_on=True)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)

    def snapshot(self) -> tuple[list[float], list[float]]:
        xs, ys = self._points()
        if self.max_points > 0:
            return list(xs[-self.max_points:]), list(ys[-self.max_points:])
        return list(xs), list(ys)

    def render(self, snap: tuple[list[float], list[float]]) -> int:
        xs, ys = snap
        pairs = [(x, y) for x, y in zip(xs, ys, strict=False)
                 if math.isfinite(x) and math.isfinite(y)]
        self.points.set_offsets(pairs or [[float("nan")] * 2])
        self._status.set_text(f"{len(pairs):,} points")
        if not pairs:
            return SAME
        return self._fit([p[0] for p in pairs], [p[1] for p in pairs])

    def _fit(self, xs: list[float], ys: list[float]) -> int:
        old = (self.ax.get_xlim(), self.ax.get_ylim())
        new = []
        for current, values in zip(old, (xs, ys), strict=True):
            v0, v1 = drawable(min(values)), drawable(max(values))  # no overflow below
            new.append(fit_range(v0, v1, current, self.settled))
        if tuple(new) == old:
            return SAME
        self.ax.set_xlim(*new[0])
        self.ax.set_ylim(*new[1])
        widths = [digits(v) for lim in old for v in lim] != [digits(v) for lim in new for v in lim]
        return LAYOUT if widths else LIMITS

    def drawn(self) -> dict:
        """The points shown, read back from the collection."""
        shown = [o for o in np.asarray(self.points.get_offsets()).tolist() if o[0] == o[0]]
        return {"points": len(shown), "offsets": [tuple(o) for o in shown]}

    def artists(self) -> list[Artist]:
        return [self.points, self._status]


def _make(ax: Axes, data: Callable[[], Any], *, title: str, colors: Sequence[str],
          **options: Any) -> Chart:
    return ScatterChart(ax, data, title=title, colors=colors, **options)


KIND = ChartKind(
    "scatter", "Points at (x, y)",
    {"max_points": "show only the last N points (0: all)",
     "size": "marker area in points^2 [16]", **LABELS},
    {"max_points": to_count, "size": float}, "the first colour, for every point",
    factory=_make)
