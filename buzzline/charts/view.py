"""The frame loop: at a fixed frame rate, snapshot the analytics, update the charts' artists and
draw (blitting in a window, full redraw only when an axes layout changed). Consumption runs in
other threads and never waits for drawing."""

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox, IdentityTransform

from buzzline.charts.base import LAYOUT, LIMITS, SAME, UNCHANGED, Chart
from buzzline.charts.writers import ImageWriter

log = logging.getLogger(__name__)


@dataclass
class ChartGroup:
    """Charts fed by one consumer, and the lock that guards that consumer's analytics."""

    lock: AbstractContextManager
    charts: Sequence[Chart]
    # set while the consumer may work; cleared while a frame draws (see ConsumeJob.gate)
    gate: threading.Event | None = None


class Blitter:
    """Keeps each chart's background from the last full draw; a frame restores the backgrounds
    of the charts whose data changed and redraws only their animated artists (matplotlib's
    blitting recipe, per Axes: an idle chart costs nothing)."""

    def __init__(self, fig: Figure, charts: Sequence[Chart]) -> None:
        self.fig, self.canvas, self.charts = fig, fig.canvas, list(charts)
        self.backgrounds: dict[int, object] = {}
        self.cells: dict[int, Bbox] = {}  # each chart's Axes with its ticks, labels, title
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
        self.cells = {id(c): c.ax.get_tightbbox(renderer) for c in self.charts}
        for chart in self.charts:
            self._draw_artists(chart)

    def _draw_artists(self, chart: Chart) -> None:
        for artist in chart.artists():
            self.fig.draw_artist(artist)

    @property
    def background(self) -> object | None:
        return next(iter(self.backgrounds.values()), None)

    def full(self, layout: bool = False) -> None:
        if layout and self._layout is not None:
            self._layout.execute(self.fig)
        self.canvas.draw()

    def redraw_axes(self, charts: Sequence[Chart]) -> None:
        """Redraw the static parts of ``charts`` whose limits moved, one Axes at a time (a
        fraction of a whole-figure redraw): paint their old and new extent with the figure's
        colour, draw the Axes, take its new background, draw its artists, blit."""
        if not self.backgrounds:
            return self.full()
        renderer = self.canvas.get_renderer()
        for chart in charts:
            new = chart.ax.get_tightbbox(renderer)
            region = Bbox.union([self.cells[id(chart)], new]).padded(2)
            paint = Rectangle((region.x0, region.y0), region.width, region.height,
                              transform=IdentityTransform(), lw=0,
                              facecolor=self.fig.get_facecolor())
            paint.set_figure(self.fig)
            paint.draw(renderer)
            chart.ax.draw(renderer)
            self.cells[id(chart)] = new
            self.backgrounds[id(chart)] = self.canvas.copy_from_bbox(chart.ax.bbox)
            self._draw_artists(chart)
            self.canvas.blit(region)

    def fast(self, changed: Sequence[Chart] | None = None) -> None:
        """Redraw the artists of ``changed`` charts (all when None) over their backgrounds."""
        if not self.backgrounds:
            return self.full()
        for chart in self.charts if changed is None else changed:
            self.canvas.restore_region(self.backgrounds[id(chart)])
            self._draw_artists(chart)
            self.canvas.blit(chart.ax.bbox)


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

    def charts(self) -> list[Chart]:
        return [chart for group in self.groups for chart in group.charts]

    @contextmanager
    def drawing(self) -> Iterator[None]:
        """Hold the consumers between batches while a frame draws."""
        gates = {id(g.gate): g.gate for g in self.groups if g.gate is not None}.values()
        for gate in gates:
            gate.clear()
        try:
            yield
        finally:
            for gate in gates:
                gate.set()

    def update(self) -> dict[Chart, int]:
        """One frame's data step: snapshot under each lock, render outside it; returns what
        each chart needs redrawn (UNCHANGED, SAME, LIMITS or LAYOUT)."""
        snaps = []
        for group in self.groups:
            with group.lock:
                snaps.extend((chart, chart.snapshot()) for chart in group.charts)
        levels = {chart: chart.update(snap) for chart, snap in snaps}
        if self.on_frame is not None:
            self.on_frame()
        return levels

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

        blitter = Blitter(self.fig, self.charts())
        blitter.full(layout=True)
        period = 1.0 / self.fps
        due = [time.monotonic() + period]  # when the next frame should start
        closed = threading.Event()
        self.fig.canvas.mpl_connect("close_event", lambda event: closed.set())

        def tick() -> None:
            if closed.is_set():
                return
            started = time.monotonic()
            self.finished()  # lets the session check its deadline and producers
            with self.drawing():
                levels = self.update()
                redraw = max(levels.values(), default=UNCHANGED)
                if redraw == LAYOUT:
                    self.full_redraws += 1
                    self.layouts += 1
                    blitter.full(layout=True)
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
        message they counted."""
        self.update()
        self._maybe_save(final=True)

    def stats(self) -> dict[str, float]:
        """Frames drawn, how many needed a full redraw, time per frame, achieved frame rate."""
        mean = self.frame_seconds / self.frames if self.frames else 0.0
        wall = time.monotonic() - self._started
        return {"frames": self.frames, "full_redraws": self.full_redraws,
                "layouts": self.layouts, "axes_redraws": self.axes_redraws,
                "mean_frame_ms": round(mean * 1000, 2),
                "fps": round(self.frames / wall, 2) if wall > 0 else 0.0}
