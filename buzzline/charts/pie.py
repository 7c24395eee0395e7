"""Pie or donut chart of a value per category.

One Wedge per category, kept between frames: each frame sets its angles (``set_theta1`` /
``set_theta2``) and moves its percentage label; wedges are made again only when the set of
categories changes (a new layout, for the legend)."""

import math
from collections.abc import Callable, Sequence
from typing import Any

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.patches import Wedge
from matplotlib.text import Text

from buzzline.analytics.ranking import leading
from buzzline.charts.base import DEFAULT_COLORS, LAYOUT, SAME, Chart, drawable_label
from buzzline.charts.glyphs import glyph_text
from buzzline.charts.kind import KEYED, ChartKind, to_bool, to_count
from buzzline.charts.palette import ChartColors


def number(total: float) -> str:
    """The donut's centre: ``1,234``, or ``1.2e+308`` for a total too long to show."""
    return f"{total:,.0f}" if total < 1e15 else f"{drawable_label(total):.3g}"

START = 90.0  # the first wedge starts at the top and they go counter-clockwise


class PieChart(Chart):
    """``values`` returns {key: value} (negative values count as 0). ``top_k`` > 0 shows the
    k largest and adds the rest up as "others" (its label says how many keys it holds); 0
    every key in name order up to ``DEFAULT_TOP_K`` keys, else the largest and "others".
    ``donut`` draws rings with the total in the middle."""

    def __init__(
        self,
        ax: Axes,
        values: Callable[[], dict[str, float]],
        title: str = "Share per category",
        colors: Sequence[str] = DEFAULT_COLORS,
        top_k: int = 0,
        donut: bool = False,
        min_label: float = 0.04,
    ) -> None:
        super().__init__(ax, title)
        self._values = values
        self._colors = ChartColors(colors)
        self.colors = self._colors.colors
        self.top_k = top_k
        self.donut = donut
        self.min_label = min_label  # wedges smaller than this share get no label
        self.keys: list[str] = []
        self.wedges: list[Wedge] = []
        self.labels: list[Text] = []
        self._center: Text = glyph_text(ax, 0, 0, "", ha="center", va="center", fontsize=11,
                                     color="0.25", animated=True)
        ax.set_aspect("equal")
        ax.set_xlim(-1.15, 1.15)
        ax.set_ylim(-1.15, 1.15)
        ax.set_axis_off()

    def snapshot(self) -> tuple[tuple[tuple[str, float], ...], int]:
        ranking = leading(self._values(), self.top_k)
        items = tuple((k, max(float(v), 0.0)) for k, v in ranking.items())
        if ranking.others:
            items += ((ranking.other, max(float(ranking.rest), 0.0)),)
        return items, ranking.others

    def render(self, snap: tuple[tuple[tuple[str, float], ...], int]) -> int:
        items, others = snap
        keys = [k for k, _ in items]
        redraw = SAME
        if keys != self.keys:
            self._rebuild(keys, others > 0)
            redraw = LAYOUT
        # shares of the largest value (each at most 1): no overflow however large the values
        unit = max((v for _, v in items), default=0.0) or 1.0
        total = sum(v / unit for _, v in items)
        theta = START
        radius = 0.78 if self.donut else 0.62  # where a label sits
        for wedge, label, (_, value) in zip(self.wedges, self.labels, items, strict=True):
            share = value / unit / total if total > 0 else 0.0
            wedge.set_theta1(theta)
            wedge.set_theta2(theta + 360.0 * share)
            middle = math.radians(theta + 180.0 * share)
            label.set_position((radius * math.cos(middle), radius * math.sin(middle)))
            label.set_text(f"{share:.0%}" if share >= self.min_label else "")
            theta += 360.0 * share
        if others and self.labels and self.labels[-1].get_text():
            self.labels[-1].set_text(f"{self.labels[-1].get_text()}\n{others:,} keys")
        self._center.set_text(number(total * unit) if self.donut and total else
                              ("no data" if not total else ""))
        return redraw

    def _rebuild(self, keys: list[str], other: bool) -> None:
        for artist in [*self.wedges, *self.labels]:
            artist.remove()
        colors = [*self._colors.of(keys[:-1] if other else keys), *(["0.7"] if other else [])]
        width = 0.42 if self.donut else None
        self.wedges = []
        for key, color in zip(keys, colors, strict=True):
            wedge = Wedge((0, 0), 1.0, START, START, width=width, label=key,
                          facecolor=color, edgecolor="white", lw=1.2, animated=True)
            self.ax.add_patch(wedge)
            self.wedges.append(wedge)
        self.labels = [glyph_text(self.ax, 0, 0, "", ha="center", va="center", fontsize=9,
                                    color="white", fontweight="bold", animated=True)
                       for _ in keys]
        legend = self.ax.get_legend()
        if legend is not None:
            legend.remove()
        if keys:
            self.ax.legend(handles=self.wedges, loc="center left", bbox_to_anchor=(1.0, 0.5),
                           fontsize=8, frameon=False)
        self.keys = keys

    def drawn(self) -> dict:
        """The angle (degrees) of each wedge by key, read back from the wedges."""
        return {k: w.theta2 - w.theta1 for k, w in zip(self.keys, self.wedges, strict=True)}

    def artists(self) -> list[Artist]:
        return [*self.wedges, *self.labels, self._center]


def _make(ax: Axes, data: Callable[[], Any], *, title: str, colors: Sequence[str],
          **options: Any) -> Chart:
    return PieChart(ax, data, title=title, colors=colors, **options)


KIND = ChartKind(
    "pie", "Pie (or donut) of each category's share",
    {"top_k": "show the K largest and the rest as 'other' (0: all)",
     "donut": "draw a ring with the total in the middle (true/false)"},
    {"top_k": to_count, "donut": to_bool}, KEYED + " ('others' is grey)", factory=_make)
