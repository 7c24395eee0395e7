"""Rolling-window band: the rolling mean as a line inside a shaded band (min-max or mean±std),
with alert markers. The band is one PolyCollection whose vertices are replaced each frame
(what ``fill_between`` would draw, without making a new artist per frame)."""

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection

from buzzline.charts.base import SAME
from buzzline.charts.kind import LABELS, LINE_DEFAULT, ChartKind, to_count
from buzzline.charts.line import MAX_LABELS, LineChart
from buzzline.shapes import BandSnapshot


def band_vertices(x: list[float], low: list[float], high: list[float]) -> list[tuple[float, float]]:
    """The outline of the band: along ``low`` left to right, back along ``high``."""
    n = min(len(x), len(low), len(high))
    return [*zip(x[:n], low[:n], strict=True), *reversed(list(zip(x[:n], high[:n], strict=True)))]


class BandChart(LineChart):
    """``data`` returns a BandSnapshot (called under the lock). ``window`` > 0 shows the last
    ``window`` points and scrolls; otherwise the x range grows with headroom."""

    def __init__(
        self,
        ax: Axes,
        data: Callable[[], BandSnapshot],
        title: str = "Rolling mean",
        ylabel: str = "",
        color: str = "#1f77b4",
        alert_color: str = "red",
        window: int = 0,
        band_color: str | None = None,
        label: str = "Rolling mean",
        band_label: str = "min-max",
        alert_label: str = "Alert",
    ) -> None:
        super().__init__(ax, data, title=title, ylabel=ylabel, color=color,  # type: ignore[arg-type]
                         alert_color=alert_color, window=window, label=label,
                         alert_label=alert_label)
        self.band = PolyCollection([], facecolors=band_color or color, alpha=0.22, lw=0,
                                   label=band_label, animated=True)
        ax.add_collection(self.band, autolim=False)
        ax.legend(loc="lower right", fontsize=8)

    def snapshot(self) -> BandSnapshot:  # type: ignore[override]
        snap: BandSnapshot = self._data()  # type: ignore[assignment]
        if self.window > 0 and len(snap.x) > self.window:
            w = self.window
            return BandSnapshot(snap.x[-w:], snap.mean[-w:], snap.low[-w:], snap.high[-w:],
                                list(snap.markers), snap.timed)
        return snap

    def render(self, snap: BandSnapshot) -> int:  # type: ignore[override]
        redraw = self._x_axis(snap.timed) if self._timed is None and snap.x else SAME
        self.line.set_data(snap.x, snap.mean)
        verts = band_vertices(snap.x, snap.low, snap.high)
        self.band.set_verts([verts] if verts else [])
        shown = [(x, y, t) for x, y, t in snap.markers if not snap.x or x >= snap.x[0]]
        self.points.set_offsets([(x, y) for x, y, _ in shown] or [[float("nan")] * 2])
        self._sync_labels(shown[-MAX_LABELS:])
        if snap.x:
            values = [*snap.mean, *snap.low, *snap.high, *(y for _, y, _ in shown)]
            redraw = max(redraw, self._fit(snap.x, values))
        return redraw

    def drawn(self) -> dict:
        """The line, markers and band outline shown, read back from the artists."""
        shown = super().drawn()
        paths = self.band.get_paths()
        outline = [tuple(v) for v in np.asarray(paths[0].vertices).tolist()] if paths else []
        shown["band"] = outline[:-1] if len(outline) > 1 and outline[0] == outline[-1] else outline
        return shown

    def artists(self) -> list[Artist]:
        return [self.band, *super().artists()]


def _make(ax: Axes, data: Callable[[], Any], *, title: str, colors: Sequence[str],
          **options: Any) -> BandChart:
    return BandChart(ax, data, title=title, color=colors[0],
                     alert_color=colors[1] if len(colors) > 1 else "red", **options)


KIND = ChartKind(
    "band", "Rolling mean in a shaded band (min-max or mean±std) with alert markers",
    {"window": "show only the last N points and scroll (0: all)",
     "band_label": "legend text of the band [min-max]", "ylabel": LABELS["ylabel"]},
    {"window": to_count}, "line and band, then alerts (default red)", LINE_DEFAULT,
    factory=_make)
