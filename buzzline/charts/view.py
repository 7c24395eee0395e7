"""The frame loop: at a fixed frame rate, snapshot the analytics, update the charts' artists and
draw (blitting in a window, full redraw only when an axes layout changed). Consumption runs in
other threads and never waits for drawing."""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from matplotlib.figure import Figure

from buzzline.charts.base import LAYOUT, SAME, Chart
from buzzline.charts.writers import ImageWriter

log = logging.getLogger(__name__)


@dataclass
class ChartGroup:
    """Charts fed by one consumer, and the lock that guards that consumer's analytics."""

    lock: AbstractContextManager
    charts: Sequence[Chart]


class Blitter:
    """Keeps the background of the last full draw; a frame restores it and redraws only the
    animated artists (matplotlib's blitting recipe)."""

    def __init__(self, fig: Figure, artists: Callable[[], list]) -> None:
        self.fig, self.canvas, self._artists = fig, fig.canvas, artists
        self.background = None
        self.canvas.mpl_connect("draw_event", self._on_draw)
        # lay the figure out only when asked (``full(layout=True)``), not on every redraw
        self._layout = fig.get_layout_engine()
        if self._layout is not None:
            fig.set_layout_engine("none")

    def _on_draw(self, event: object) -> None:
        if getattr(self.canvas, "is_saving", lambda: False)():
            return
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        self._draw_artists()

    def _draw_artists(self) -> None:
        for artist in self._artists():
            self.fig.draw_artist(artist)

    def full(self, layout: bool = False) -> None:
        if layout and self._layout is not None:
            self._layout.execute(self.fig)
        self.canvas.draw()

    def fast(self) -> None:
        if self.background is None:
            return self.full()
        self.canvas.restore_region(self.background)
        self._draw_artists()
        self.canvas.blit(self.fig.bbox)


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
        self.frame_seconds = 0.0
        self._next_save = time.monotonic() + save_every
        self._started = time.monotonic()

    def charts(self) -> list[Chart]:
        return [chart for group in self.groups for chart in group.charts]

    def artists(self) -> list:
        return [artist for chart in self.charts() for artist in chart.artists()]

    def update(self) -> int:
        """One frame's data step: snapshot under each lock, render outside it; returns what
        must be redrawn (SAME, LIMITS or LAYOUT)."""
        snaps = []
        for group in self.groups:
            with group.lock:
                snaps.extend((chart, chart.snapshot()) for chart in group.charts)
        redraw = max((chart.render(snap) for chart, snap in snaps), default=SAME)
        if self.on_frame is not None:
            self.on_frame()
        return redraw

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
            self.update()
            self.frames += 1
            self._maybe_save()
            self.frame_seconds += time.monotonic() - started
            if done:
                break
            self.stop.wait(max(0.0, period - (time.monotonic() - started)))

    def run_window(self) -> None:
        """Show the figure and drive frames from a GUI timer until closed or stopped."""
        import matplotlib.pyplot as plt

        blitter = Blitter(self.fig, self.artists)
        blitter.full(layout=True)
        closed = threading.Event()
        self.fig.canvas.mpl_connect("close_event", lambda event: closed.set())

        def tick() -> None:
            if closed.is_set():
                return
            started = time.monotonic()
            self.finished()  # lets the session check its deadline and producers
            redraw = self.update()
            if redraw == SAME:
                blitter.fast()
            else:
                self.full_redraws += 1
                self.layouts += redraw == LAYOUT
                blitter.full(layout=redraw == LAYOUT)
            self.frames += 1
            self._maybe_save()
            self.frame_seconds += time.monotonic() - started
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
                "layouts": self.layouts,
                "mean_frame_ms": round(mean * 1000, 2),
                "fps": round(self.frames / wall, 2) if wall > 0 else 0.0}
