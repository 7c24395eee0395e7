"""The frame loop: at a fixed frame rate, snapshot the analytics, update the charts' artists and
draw (in a window: blitting, see ``blitter``; headless: image files every few seconds).
Consumption runs in other threads; they pause at a gate (``engine.gate``) while a frame draws."""

import logging
import threading
import time
from collections.abc import Callable, Sequence

from matplotlib.figure import Figure

from buzzline.charts.base import LAYOUT, LIMITS, SAME, UNCHANGED, Chart
from buzzline.charts.blitter import Blitter
from buzzline.charts.figure import window_size
from buzzline.charts.groups import ChartGroup, held, snapshots
from buzzline.charts.mpl_private import hold_draw_requests
from buzzline.charts.writers import ImageWriter

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0  # a chart whose data did not change for this long settles (fits its data)


class LiveView:
    """Runs frames until ``finished()`` is true (headless) or the window closes / ``stop`` is
    set; then ``finish()`` draws and saves the last frame. ``fast_draw``: a window's frames
    use matplotlib's internals (``mpl_private``) to draw less; off, its public API alone."""

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
        fast_draw: bool = True,
    ) -> None:
        self.fig, self.groups, self.fps, self.fast_draw = fig, list(groups), fps, fast_draw
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

    def update(self) -> dict[Chart, int]:
        """One frame's data step: snapshot under each lock, render outside it; returns what
        each chart needs redrawn (UNCHANGED, SAME, LIMITS or LAYOUT)."""
        levels = {chart: self._update(chart, snap) for chart, snap in snapshots(self.groups)}
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
            with held(self.groups):
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
        blitter = Blitter(self.fig, self.charts(), self.fast_draw)
        period = 1.0 / self.fps
        due = [time.monotonic() + period]  # when the next frame should start
        closed = threading.Event()
        self.fig.canvas.mpl_connect("close_event", lambda event: closed.set())
        requested = self.draw_requests()

        def tick() -> None:
            if closed.is_set():
                return
            started = time.monotonic()
            self.finished()  # lets the session check its deadline and producers
            with held(self.groups):
                self.window_frame(blitter, requested)
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

    def draw_requests(self) -> threading.Event:
        """Set when the toolkit asks for a whole-figure draw (the window appearing, resized,
        the toolbar): the next frame does one for all of them, with the consumers held. Fast
        drawing holds the toolkit's own draws for it (drawn at once, each would share the
        interpreter with the consumers and take several frames' time); otherwise the toolkit
        draws too, and a resize asks the next frame to lay the figure out."""
        requested = threading.Event()
        if self.fast_draw:
            hold_draw_requests(self.fig.canvas, requested.set)
        else:
            self.fig.canvas.mpl_connect("resize_event", lambda event: requested.set())
        return requested

    def window_frame(self, blitter: Blitter, requested: threading.Event) -> None:
        """One frame in a window: the data step, then the least drawing that shows it: the
        figure laid out and drawn again (a chart's layout changed, or ``requested``), else the
        Axes whose limits moved, then the artists of the charts whose data changed."""
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
