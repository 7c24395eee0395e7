"""Line chart of a reading over time with stall markers (red point and label), bounded in size."""

from collections.abc import Callable
from dataclasses import dataclass, field

from matplotlib import dates as mdates
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.text import Text

from buzzline.charts.base import Chart

MAX_LABELS = 12


@dataclass
class LineSnapshot:
    x: list[float]
    y: list[float]
    markers: list[tuple[float, float, str]] = field(default_factory=list)
    status: str = ""
    timed: bool = True


class LineChart(Chart):
    """``data`` returns a LineSnapshot (called under the lock). ``window`` > 0 shows the last
    ``window`` points and scrolls; otherwise the x range grows with headroom."""

    def __init__(
        self,
        ax: Axes,
        data: Callable[[], LineSnapshot],
        title: str = "Temperature vs. time",
        ylabel: str = "Temperature (°F)",
        color: str = "#1f77b4",
        alert_color: str = "red",
        window: int = 0,
    ) -> None:
        super().__init__(ax, title)
        self._data = data
        self.window = window
        self.alert_color = alert_color
        (self.line,) = ax.plot([], [], color=color, lw=1.6, label="Temperature", animated=True)
        self.points = ax.scatter([], [], color=alert_color, zorder=5, s=36, label="Stall",
                                 animated=True)
        self.labels: list[Text] = []
        self._status = ax.text(0.01, 0.97, "", transform=ax.transAxes, va="top", fontsize=9,
                               color="0.25", animated=True)
        self._timed: bool | None = None
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)

    def snapshot(self) -> LineSnapshot:
        return self._data()

    def render(self, snap: LineSnapshot) -> bool:
        changed = False
        if self._timed is None and snap.x:
            self._timed = snap.timed
            if snap.timed:
                locator = mdates.AutoDateLocator()
                self.ax.xaxis.set_major_locator(locator)
                self.ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
                changed = True
            else:
                self.ax.set_xlabel("Reading")
        self.line.set_data(snap.x, snap.y)
        shown = [(x, y, text) for x, y, text in snap.markers if not snap.x or x >= snap.x[0]]
        self.points.set_offsets([(x, y) for x, y, _ in shown] or [[float("nan")] * 2])
        changed |= self._sync_labels(shown[-MAX_LABELS:])
        self._status.set_text(snap.status)
        if snap.x:
            changed |= self._fit(snap.x, snap.y)
        return changed

    def _sync_labels(self, shown: list[tuple[float, float, str]]) -> bool:
        while len(self.labels) < len(shown):
            self.labels.append(self.ax.annotate(
                "", (0, 0), textcoords="offset points", xytext=(8, -12), ha="left",
                color=self.alert_color, fontsize=8, animated=True))
        for label, (x, y, text) in zip(self.labels, shown, strict=False):
            label.xy = (x, y)
            label.set_text(text)
            label.set_visible(True)
        for label in self.labels[len(shown):]:
            label.set_visible(False)
        return False

    def _fit(self, xs: list[float], ys: list[float]) -> bool:
        x0, x1 = self.ax.get_xlim()
        y0, y1 = self.ax.get_ylim()
        lo, hi = min(ys), max(ys)
        first, last = xs[0], xs[-1]
        span = max(last - first, 1e-3 if self._timed else 1.0)
        new_x = (x0, x1)
        if self.window > 0:
            if (first, last + span * 0.02) != (x0, x1):
                new_x = (first, last + span * 0.02)
        elif first < x0 or last > x1 or x1 - x0 > 4 * span:
            new_x = (first, first + span * 1.3)
        pad = max((hi - lo) * 0.1, 1.0)
        new_y = (y0, y1)
        if lo < y0 or hi > y1 or (y1 - y0) > 6 * (hi - lo + 2 * pad):
            new_y = (lo - pad, hi + pad * 2)
        if new_x == (x0, x1) and new_y == (y0, y1):
            return False
        self.ax.set_xlim(*new_x)
        self.ax.set_ylim(*new_y)
        return True

    def line_data(self) -> tuple[list[float], list[float]]:
        x, y = self.line.get_data()
        return list(x), list(y)

    def artists(self) -> list[Artist]:
        return [self.line, self.points, *self.labels, self._status]
