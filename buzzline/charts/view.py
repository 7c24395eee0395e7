"""The frame loop: at a fixed frame rate, snapshot the analytics, update the charts' artists and
draw (blitting in a window, full redraw only when an axes layout changed). Consumption runs in
other threads; they pause at the gate (``engine.gate``) while a frame draws."""

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox, IdentityTransform

from buzzline.charts.base import LAYOUT, LIMITS, SAME, UNCHANGED, Chart
from buzzline.charts.figure import window_size
from buzzline.charts.writers import ImageWriter
from buzzline.engine.gate import Gate

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0  # a chart whose data did not change for this long settles (fits its data)


@dataclass
class ChartGroup:
    """Charts fed by one consumer, and the lock that guards that consumer's analytics."""

    lock: AbstractContextManager
    charts: Sequence[Chart]
    # open while the consumer may work; closed while a frame draws (see engine.gate)
    gate: Gate | None = None


class Blitter:
    """Keeps each chart's background from the last full draw; a frame restores the backgrounds
    of the charts whose data changed and redraws only their animated artists (matplotlib's
    blitting recipe, per Axes: an idle chart costs nothing)."""

    def __init__(self, fig: Figure, charts: Sequence[Chart]) -> None:
        self.fig, self.canvas, self.charts = fig, fig.canvas, list(charts)
        self.backgrounds: dict[int, object] = {}
        # per chart, as last drawn: its limits and the extents of its axes' tick labels
        self.views: dict[int, tuple[tuple[float, float], tuple[float, float]]] = {}
        self.strips: dict[int, tuple[Bbox | None, Bbox | None]] = {}
        self.size = self.fig.bbox.bounds  # the figure's size in pixels at the last full draw
        self.canvas.mpl_connect("draw_event", self._on_draw)
        # lay the figure out only when asked (``full(layout=True)``), not on every redraw
        self._layout = fig.get_layout_engine()
        if self._layout is not None:
            fig.set_layout_engine("none")

    def _on_draw(self, event: object) -> None:
        if getattr(self.canvas, "is_saving", lambda: False)():
            return
        self.backgrounds = {id(c): self.canvas.copy_from_bbox(c.ax.bbox) for c in self.charts}
        renderer = self.canvas.get_renderer()
        for chart in self.charts:
            self._remember(chart, renderer)
            self._draw_artists(chart)

    def _remember(self, chart: Chart, renderer: object) -> None:
        ax = chart.ax
        self.size = self.fig.bbox.bounds
        self.views[id(chart)] = (ax.get_xlim(), ax.get_ylim())
        self.strips[id(chart)] = (_labels_box(ax.xaxis, renderer),
                                  _labels_box(ax.yaxis, renderer))

    def _draw_artists(self, chart: Chart) -> None:
        for artist in chart.artists():
            self.fig.draw_artist(artist)

    @property
    def background(self) -> object | None:
        return next(iter(self.backgrounds.values()), None)

    def full(self, layout: bool = False) -> None:
        if layout:
            self.lay_out()
        self.canvas.draw()

    def lay_out(self) -> None:
        """Place the Axes and their labels (the figure's layout engine, run on demand)."""
        if self._layout is not None:
            self._layout.execute(self.fig)

    def redraw_axes(self, charts: Sequence[Chart]) -> None:
        """Redraw the static parts of ``charts`` whose limits moved, one Axes at a time (a
        fraction of a whole-figure redraw). Only what a rescale changes is drawn again: the
        area inside the Axes (grid, spines, legend) and the tick labels of the axes that moved,
        over the figure's colour; the title, axis labels and the other axis' tick labels keep
        their pixels. Then the Axes' new background, its artists, a blit."""
        if not self.backgrounds:
            return self.full()
        renderer = self.canvas.get_renderer()
        for chart in charts:
            ax = chart.ax
            if id(chart) not in self.views or self.size != self.fig.bbox.bounds:
                return self.full()
            region, keep, strips = self._rescaled(chart, renderer)
            if region is None:  # the tick labels need more room: lay the figure out again
                return self.full(layout=True)
            for box in region:
                paint = Rectangle((box.x0, box.y0), box.width, box.height,
                                  transform=IdentityTransform(), lw=0,
                                  facecolor=self.fig.get_facecolor())
                paint.set_figure(self.fig)
                paint.draw(renderer)
            shown = [text.get_visible() for text in keep]
            for text in keep:
                text.set_visible(False)
            # the title stays where it is (only an offset text on top, "1e6", may move it):
            # Axes.draw does not place it again when _autotitlepos is False
            autotitle = getattr(ax, "_autotitlepos", None)
            if not ax.yaxis.offsetText.get_text():
                ax._autotitlepos = False
            try:
                ax.draw(renderer)
            finally:
                ax._autotitlepos = autotitle
                for text, visible in zip(keep, shown, strict=True):
                    text.set_visible(visible)
            self.views[id(chart)] = (ax.get_xlim(), ax.get_ylim())
            self.strips[id(chart)] = strips
            self.backgrounds[id(chart)] = self.canvas.copy_from_bbox(ax.bbox)
            self._draw_artists(chart)
            self.canvas.blit(Bbox.union(region))

    def _rescaled(self, chart: Chart, renderer: object
                  ) -> tuple[list[Bbox] | None, list[Text], tuple]:
        """The region a rescale of ``chart`` changes, as boxes (None: more than its Axes and
        tick labels), the texts outside it, which keep their pixels (not drawn again), and
        where the axes' tick labels will be."""
        ax = chart.ax
        boxes = [ax.bbox.padded(2)]
        groups: list[tuple[list[Text], Bbox | None]] = [  # texts that may keep their pixels
            ([t], None) for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()]
        strips = []
        for axis, was, now, old, outer in zip(
                (ax.xaxis, ax.yaxis), self.views[id(chart)], (ax.get_xlim(), ax.get_ylim()),
                self.strips[id(chart)], ("y0", "x0"), strict=True):
            if was == now:
                ticks = [t for tick in (*axis.majorTicks, *axis.minorTicks)
                         for t in (tick.label1, tick.label2)]
                groups += [([axis.label], None), ([*ticks, axis.offsetText], old)]
                strips.append(old)
                if old is not None:  # its tick marks, between its labels and the Axes
                    boxes.append(_between(old, ax.bbox, outer[0]))
                continue
            new = _labels_box(axis, renderer)
            strips.append(new)
            # the labels' boxes reach to the Axes' edge: the tick marks between move too
            # (a glyph may reach a little out of its text's box: "J")
            boxes += [_to_edge(b, ax.bbox, outer[0]).padded(2) for b in (old, new)
                      if b is not None]
            shift = getattr(new, outer) - getattr(old, outer) if old and new else 0.0
            if abs(shift) <= 0.5 and (old is None) == (new is None):
                groups.append(([axis.label], None))
                continue
            # the axis label moves with the tick labels' outer edge: draw it again
            label = axis.label.get_window_extent(renderer)
            if old is None or new is None or label.width == 0:
                return None, [], ()
            moved = label.translated(*((shift, 0) if outer == "x0" else (0, shift)))
            if not _inside(moved, self.fig.bbox):  # it would leave the figure
                return None, [], ()
            boxes += [label, moved]
        shown = [(texts, box) for texts, box in (
            ([t for t in texts if t.get_visible() and t.get_text()], box) for texts, box in groups)
            if texts]
        extents = []
        for texts, box in shown:  # a group (tick labels) reaching in: look at each label
            if box is None or (len(texts) > 1 and _overlaps(box, boxes)):
                extents += [([t], t.get_window_extent(renderer)) for t in texts]
            else:
                extents.append((texts, box))
        # texts reaching into the region are painted over and drawn again, all of them
        while reaching := [box for _, box in extents if _overlaps(box, boxes)]:
            boxes += [box.padded(1) for box in reaching]
            extents = [(texts, box) for texts, box in extents if not _overlaps(box, boxes)]
        return boxes, [t for texts, _ in extents for t in texts], tuple(strips)

    def fast(self, changed: Sequence[Chart] | None = None) -> None:
        """Redraw the artists of ``changed`` charts (all when None) over their backgrounds."""
        if not self.backgrounds:
            return self.full()
        for chart in self.charts if changed is None else changed:
            self.canvas.restore_region(self.backgrounds[id(chart)])
            self._draw_artists(chart)
            self.canvas.blit(chart.ax.bbox)


def _labels_box(axis: Axis, renderer: object) -> Bbox | None:
    """Where ``axis``' tick labels (and its offset text, "1e6") are drawn for its limits now."""
    ticks = axis._update_ticks()  # the ticks in view, major and minor (as Axis.draw does)
    labels = [t for tick in ticks for t in (tick.label1, tick.label2)] + [axis.offsetText]
    boxes = [t.get_window_extent(renderer) for t in labels if t.get_visible() and t.get_text()]
    return Bbox.union(boxes) if boxes else None


def _to_edge(box: Bbox, axes: Bbox, across: str) -> Bbox:
    """``box`` (tick labels beside ``axes``) grown across (``"x"`` or ``"y"``) to the Axes."""
    if across == "x":
        return Bbox.from_extents(min(box.x0, axes.x1), box.y0, max(box.x1, axes.x0), box.y1)
    return Bbox.from_extents(box.x0, min(box.y0, axes.y1), box.x1, max(box.y1, axes.y0))


def _between(box: Bbox, axes: Bbox, across: str) -> Bbox:
    """The band from ``box`` (tick labels beside ``axes``) to the Axes, as long as the Axes."""
    # a pixel short of the labels: painting a fractional edge touches the pixels beside it
    if across == "x":
        x0, x1 = (box.x1 + 1, axes.x0) if box.x1 <= axes.x0 else (axes.x1, box.x0 - 1)
        return Bbox.from_extents(x0, axes.y0, x1, axes.y1)
    y0, y1 = (box.y1 + 1, axes.y0) if box.y1 <= axes.y0 else (axes.y1, box.y0 - 1)
    return Bbox.from_extents(axes.x0, y0, axes.x1, y1)


def _inside(box: Bbox, region: Bbox) -> bool:
    return (region.x0 <= box.x0 and box.x1 <= region.x1 and region.y0 <= box.y0
            and box.y1 <= region.y1)


def _overlaps(box: Bbox, region: list[Bbox]) -> bool:
    return box.width > 0 and box.height > 0 and any(
        box.x0 < r.x1 and r.x0 < box.x1 and box.y0 < r.y1 and r.y0 < box.y1 for r in region)


class LiveView:
    """Runs frames until ``finished()`` is true (headless) or the window closes / ``stop`` is
    set; then ``finish()`` draws and saves the last frame."""

    def __init__(
        self,
        fig: Figure,
        groups: Sequence[ChartGroup],
        fps: float,
        stop: threading.Event,
        finished: Callable[[], bool] = lambda: False,
        writer: ImageWriter | None = None,
        save_every: float = 2.0,
        on_frame: Callable[[], None] | None = None,
    ) -> None:
        self.fig, self.groups, self.fps = fig, list(groups), fps
        self.stop, self.finished, self.writer = stop, finished, writer
        self.save_every, self.on_frame = save_every, on_frame
        self.frames = 0
        self.full_redraws = 0
        self.layouts = 0
        self.axes_redraws = 0
        self.frame_seconds = 0.0
        self._next_save = time.monotonic() + save_every
        self._started = time.monotonic()
        self._idle_frames = max(1, round(IDLE_SECONDS * fps))
        self._quiet: dict[int, int] = {}  # per chart, frames since its data last changed
        self.window: list[int] | None = None  # the window's size in pixels, as last drawn

    def charts(self) -> list[Chart]:
        return [chart for group in self.groups for chart in group.charts]

    @contextmanager
    def drawing(self) -> Iterator[None]:
        """Hold the consumers between batches while a frame draws."""
        gates = {id(g.gate): g.gate for g in self.groups if g.gate is not None}.values()
        for gate in gates:
            gate.close()
        try:
            yield
        finally:
            for gate in gates:
                gate.open()

    def update(self) -> dict[Chart, int]:
        """One frame's data step: snapshot under each lock, render outside it; returns what
        each chart needs redrawn (UNCHANGED, SAME, LIMITS or LAYOUT)."""
        snaps = []
        for group in self.groups:
            with group.lock:
                snaps.extend((chart, chart.snapshot()) for chart in group.charts)
        levels = {chart: self._update(chart, snap) for chart, snap in snaps}
        if self.on_frame is not None:
            self.on_frame()
        return levels

    def _update(self, chart: Chart, snap: object) -> int:
        """``chart.update(snap)``; a chart idle for ``IDLE_SECONDS`` settles: its axes fit its
        data, no room kept for growth that does not come (until the data changes again)."""
        level = chart.update(snap)
        quiet = self._quiet.get(id(chart), 0) + 1 if level == UNCHANGED else 0
        if quiet == self._idle_frames:
            chart.settle()
            level = chart.update(snap)
            quiet += 1  # once per idle spell
        self._quiet[id(chart)] = quiet
        return level

    def _maybe_save(self, final: bool = False) -> None:
        if self.writer is None:
            return
        now = time.monotonic()
        if final or now >= self._next_save:
            self._next_save = now + self.save_every
            path = self.writer.save(self.fig, final=final)
            if final:
                log.info("chart saved to %s", path)

    def run_headless(self) -> None:
        """Update at the frame rate; render to image files every ``save_every`` s and at the end."""
        period = 1.0 / self.fps
        self._started = time.monotonic()
        while True:
            started = time.monotonic()
            done = self.finished() or self.stop.is_set()
            with self.drawing():
                self.update()
                self._maybe_save()
            self.frames += 1
            self.frame_seconds += time.monotonic() - started
            if done:
                break
            self.stop.wait(max(0.0, period - (time.monotonic() - started)))

    def run_window(self) -> None:
        """Show the figure and drive frames from a GUI timer until closed or stopped."""
        import matplotlib.pyplot as plt

        # laid out and drawn by the first frame, when the window has appeared and taken its size
        blitter = Blitter(self.fig, self.charts())
        period = 1.0 / self.fps
        due = [time.monotonic() + period]  # when the next frame should start
        closed = threading.Event()
        self.fig.canvas.mpl_connect("close_event", lambda event: closed.set())
        # the toolkit asks for whole-figure draws (the window appearing, resized, the toolbar):
        # the next frame does one for all of them, with the consumers held; drawn at once,
        # each would share the interpreter with them and take several frames' time
        requested = threading.Event()
        self.fig.canvas.draw_idle = lambda *args, **kwargs: requested.set()

        def tick() -> None:
            if closed.is_set():
                return
            started = time.monotonic()
            self.finished()  # lets the session check its deadline and producers
            with self.drawing():
                levels = self.update()
                redraw = max(levels.values(), default=UNCHANGED)
                if redraw == LAYOUT or requested.is_set():
                    requested.clear()
                    self.full_redraws += 1
                    self.layouts += redraw == LAYOUT
                    blitter.full(layout=True)
                    self.window = window_size(self.fig)
                else:
                    moved = [chart for chart, level in levels.items() if level == LIMITS]
                    self.axes_redraws += len(moved)
                    blitter.redraw_axes(moved)
                    blitter.fast([chart for chart, level in levels.items() if level == SAME])
                self._maybe_save()
            self.frames += 1
            now = time.monotonic()
            self.frame_seconds += now - started
            # keep a steady rate: aim at the next slot (skipping missed ones), not "now + period"
            due[0] = max(due[0] + period, now)
            timer.interval = max(1, int((due[0] - now) * 1000))
            if self.stop.is_set():
                closed.set()
                plt.close(self.fig)

        timer = self.fig.canvas.new_timer(interval=max(1, int(1000 / self.fps)))
        timer.add_callback(tick)
        timer.start()
        self._started = time.monotonic()
        plt.show()
        timer.stop()
        self.stop.set()

    def finish(self) -> None:
        """The last frame, once the consumers have stopped: the saved chart shows every
        message they counted, with no room left for growth that will not come."""
        for chart in self.charts():
            chart.settle()
        self.update()
        self._maybe_save(final=True)

    def stats(self) -> dict[str, object]:
        """Frames drawn, how many needed a full redraw, time per frame, achieved frame rate,
        each chart's axes limits and the window's size."""
        mean = self.frame_seconds / self.frames if self.frames else 0.0
        wall = time.monotonic() - self._started
        return {"frames": self.frames, "full_redraws": self.full_redraws,
                "layouts": self.layouts, "axes_redraws": self.axes_redraws,
                "mean_frame_ms": round(mean * 1000, 2),
                "fps": round(self.frames / wall, 2) if wall > 0 else 0.0,
                "limits": [chart.limits() for chart in self.charts()],
                "window": self.window,  # its size in screen pixels; the figure's own dpi:
                "dpi": float(self.fig.dpi / self.fig.canvas.device_pixel_ratio)}
