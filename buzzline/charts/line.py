"""Line chart of a reading over time with alert markers (red point and label; the smoker's
stalls), bounded in size."""

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib import dates as mdates
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import ScaledTranslation

from buzzline.charts.base import (
    LAYOUT,
    LIMITS,
    ROOM,
    SAME,
    Chart,
    digits,
    distinct,
    drawable,
    fit_range,
)
from buzzline.charts.glyphs import clip_like, glyph_text
from buzzline.charts.kind import LABELS, LINE_COLORS, LINE_DEFAULT, ChartKind, to_count
from buzzline.shapes import LineSnapshot

MAX_LABELS = 12
SECOND = 1 / 86400  # in date numbers (days)
# matplotlib's date numbers of 0001-01-01 and 9999-12-31: a time axis past them cannot be drawn
FIRST_DAY, LAST_DAY = -719162.0, 2932896.0


class AlertLabel(Text):
    """An alert's label ("Stall 14:05", left-aligned on its baseline): the same words frame
    after frame, so on an Agg canvas it is drawn from a picture of them made once per text,
    colour and dpi (a single image blend) instead of laying out and rendering each glyph
    again (about 3 ms a label in matplotlib, 12 labels a frame). Elsewhere (a PDF or SVG), and
    for any other alignment or a rotation, it is an ordinary Text."""

    PAD = 2  # pixels around the glyphs in a picture
    _pictures: dict[tuple, tuple[np.ndarray, float]] = {}

    def draw(self, renderer: RendererBase) -> None:
        if (not isinstance(renderer, RendererAgg) or self.get_rotation()
                or (self.get_horizontalalignment(), self.get_verticalalignment())
                != ("left", "baseline")):
            return super().draw(renderer)
        if not self.get_visible() or not self.get_text():
            return
        x, y = self.get_transform().transform(self.get_unitless_position())
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        picture, baseline = self._picture(renderer)
        gc = renderer.new_gc()
        clip_like(gc, self)
        renderer.draw_image(gc, round(x) - self.PAD, round(y) - baseline, picture)
        gc.restore()
        self.stale = False

    def _picture(self, renderer: RendererAgg) -> tuple[np.ndarray, float]:
        text, prop = self.get_text(), self.get_fontproperties()
        key = (text, hash(prop), str(self.get_color()), self.get_alpha(), renderer.dpi)
        found = self._pictures.get(key)
        if found is None:
            width, height, descent = renderer.get_text_width_height_descent(text, prop, False)
            small = RendererAgg(math.ceil(width) + 2 * self.PAD,
                                math.ceil(height) + 2 * self.PAD, renderer.dpi)
            gc = small.new_gc()
            gc.set_foreground(self.get_color())
            gc.set_alpha(self.get_alpha())  # type: ignore[arg-type]  # stub: None is valid
            gc.set_antialiased(self.get_antialiased())
            baseline = self.PAD + math.ceil(descent)  # above the picture's bottom
            # (Agg's draw_text counts y from the top)
            small.draw_text(gc, self.PAD, small.height - baseline, text, prop, 0, mtext=self)
            gc.restore()
            if len(self._pictures) >= 512:  # labels come and go with the alerts
                self._pictures.clear()
            # draw_image takes the rows bottom first
            found = self._pictures[key] = (np.asarray(small.buffer_rgba())[::-1].copy(), baseline)
        return found


class LineChart(Chart):
    """``data`` returns a LineSnapshot (called under the lock). ``window`` > 0 shows the last
    ``window`` points and scrolls; otherwise the x range grows with room ahead for a quarter
    of the readings' span at most. Settled, both axes fit the readings."""

    def __init__(
        self,
        ax: Axes,
        data: Callable[[], LineSnapshot],
        title: str = "",
        ylabel: str = "",
        color: str = "#1f77b4",
        alert_color: str = "red",
        window: int = 0,
        label: str = "Value",
        alert_label: str = "Alert",
    ) -> None:
        super().__init__(ax, title)
        self._data = data
        self.window = window
        self.alert_color = alert_color
        (self.line,) = ax.plot([], [], color=color, lw=1.6, label=label, animated=True)
        self.points = ax.scatter([], [], color=alert_color, zorder=5, s=36, label=alert_label,
                                 animated=True)
        self.labels: list[AlertLabel] = []
        self.spans: list[Rectangle] = []
        self._status = glyph_text(ax, 0.01, 0.97, "", transform=ax.transAxes, va="top", fontsize=9,
                               color="0.25", animated=True, clip_on=True)
        self._timed: bool | None = None
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)

    def snapshot(self) -> LineSnapshot:
        return self._data()

    def render(self, snap: LineSnapshot) -> int:
        redraw = self._x_axis(snap.timed) if self._timed is None and snap.x else SAME
        self.line.set_data(snap.x, snap.y)
        shown = [(x, y, text) for x, y, text in snap.markers if not snap.x or x >= snap.x[0]]
        self.points.set_offsets([(x, y) for x, y, _ in shown] or [[float("nan")] * 2])
        self._sync_labels(shown[-MAX_LABELS:])
        self._sync_spans(snap.spans[-MAX_LABELS:])
        self._status.set_text(snap.status)
        if snap.x:
            redraw = max(redraw, self._fit(snap.x, snap.y))
            if self._timed and self._dates_drawable():
                redraw = max(redraw, LIMITS)
        return redraw

    def _dates_drawable(self) -> bool:
        """Keep a time axis within the years 1 to 9999 (its room for growth may pass them:
        matplotlib then fails at the first draw)."""
        x0, x1 = self.ax.get_xlim()
        lo, hi = max(x0, FIRST_DAY), min(x1, LAST_DAY)
        if hi - lo < 1e-6:  # all of it beyond one end
            lo, hi = (FIRST_DAY, FIRST_DAY + 1.0) if x1 <= FIRST_DAY else (LAST_DAY - 1.0, LAST_DAY)
        if (lo, hi) == (x0, x1):
            return False
        self.ax.set_xlim(lo, hi)
        return True

    def _x_axis(self, timed: bool) -> int:
        """Set the x axis up for dates or reading numbers (at the first data)."""
        self._timed = timed
        if timed:
            locator = mdates.AutoDateLocator()
            self.ax.xaxis.set_major_locator(locator)
            self.ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
            return LAYOUT
        self.ax.set_xlabel("Reading")
        return SAME

    def _sync_labels(self, shown: list[tuple[float, float, str]]) -> None:
        while len(self.labels) < len(shown):
            # 8 points right of the marker and 12 below
            beside = ScaledTranslation(8 / 72, -12 / 72, self.ax.figure.dpi_scale_trans)
            label = AlertLabel(0, 0, "", transform=self.ax.transData + beside, ha="left",
                               color=self.alert_color, fontsize=8, animated=True, clip_on=True)
            self.ax.add_artist(label)
            self.labels.append(label)
        for label, (x, y, text) in zip(self.labels, shown, strict=False):
            label.set_position((x, y))
            label.set_text(text)
            label.set_visible(True)
        for label in self.labels[len(shown):]:
            label.set_visible(False)

    def _sync_spans(self, spans: list[tuple[float, float]]) -> None:
        while len(self.spans) < len(spans):
            patch = Rectangle((0, 0), 0, 1, transform=self.ax.get_xaxis_transform(),
                              color=self.alert_color, alpha=0.12, lw=0, animated=True)
            self.ax.add_patch(patch)
            self.spans.append(patch)
        for patch, (x0, x1) in zip(self.spans, spans, strict=False):
            patch.set_x(x0)
            patch.set_width(max(x1 - x0, 0.0))
            patch.set_visible(True)
        for patch in self.spans[len(spans):]:
            patch.set_visible(False)

    def _fit(self, xs: list[float], ys: list[float]) -> int:
        x0, x1 = self.ax.get_xlim()
        y0, y1 = self.ax.get_ylim()
        # within what an axis can show: no difference below overflows
        lo, hi = drawable(min(ys)), drawable(max(ys))
        first, last = drawable(xs[0]), drawable(xs[-1])
        new_x = self._x_limits(first, last, (x0, x1))
        # live (scrolling too), room below and above the readings; settled, they fit
        new_y = fit_range(lo, hi, (y0, y1), self.settled, margin=0.05, room=0.15)
        if new_x == (x0, x1) and new_y == (y0, y1):
            return SAME
        self.ax.set_xlim(*new_x)
        self.ax.set_ylim(*new_y)
        widths = (digits(y0), digits(y1)) != (digits(new_y[0]), digits(new_y[1]))
        return LAYOUT if widths else LIMITS

    def _x_limits(self, first: float, last: float, current: tuple[float, float]
                  ) -> tuple[float, float]:
        """The x axis from the first reading: settled or scrolling, to the last one; live,
        with room ahead for a quarter of the readings' span (however fast they come: 240
        readings within a second span a second), moved when the last reading passes it."""
        span = last - first
        if not span > 0:  # one reading: a second (or a reading) around it
            least = SECOND if self._timed else 1.0
            return distinct(first - least / 2, first + least / 2)
        if self.settled or self.window > 0:
            return distinct(first, drawable(last + span * 0.02))
        x0, x1 = current
        ahead = x1 - last
        if x0 <= first <= x0 + 0.05 * span and 0 <= ahead <= (ROOM - 1) * 1.2 * span:
            return current
        return distinct(first, drawable(last + (ROOM - 1) * span))

    def drawn(self) -> dict:
        """Points on the line and alert markers shown, read back from the artists."""
        x = np.asarray(self.line.get_xdata())
        markers = [o for o in np.asarray(self.points.get_offsets()).tolist() if o[0] == o[0]]
        return {"points": len(x), "markers": len(markers),
                "labels": [t.get_text() for t in self.labels if t.get_visible()]}

    def artists(self) -> list[Artist]:
        return [*self.spans, self.line, self.points, *self.labels, self._status]


def _make(ax: Axes, data: Callable[[], Any], *, title: str, colors: Sequence[str],
          **options: Any) -> Chart:
    return LineChart(ax, data, title=title, color=colors[0],
                     alert_color=colors[1] if len(colors) > 1 else "red", **options)


KIND = ChartKind(
    "line", "A line over time with alert markers and shaded alert spans",
    {"window": "show only the last N points and scroll (0: all)",
     "ylabel": LABELS["ylabel"], "label": "legend text of the line [Value]",
     "alert_label": "legend text of the alert markers [Alert]"},
    {"window": to_count}, LINE_COLORS, LINE_DEFAULT, factory=_make)
