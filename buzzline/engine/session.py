"""A session runs producer and consumer jobs in threads and the chart frame loop in the main
thread, until the streams end, a count or duration is reached, the window closes or the user
presses Ctrl-C / sends SIGTERM. Then it flushes, closes, saves the last chart and reports."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buzzline.engine.consume import ConsumeJob
from buzzline.engine.gate import Gate
from buzzline.engine.produce import ProduceJob
from buzzline.engine.signals import stop_on_signals
from buzzline.engine.status import StatusLine

if TYPE_CHECKING:  # matplotlib loads only when a chart is drawn (fast `produce` start)
    from buzzline.charts.view import LiveView
    from buzzline.dashboard.publisher import LivePublisher

log = logging.getLogger(__name__)


@dataclass
class SessionOptions:
    """How a session shows and ends its streams: the chart window or images, the dashboard
    feed, a time limit, and whether to freeze the garbage collector (the process owner's
    choice: the command line sets it)."""

    title: str
    image_name: str
    output_dir: Path | None = None
    default_output_dir: Path = Path("out")
    display: str = "auto"
    image_format: str = "png"
    fps: float = 10.0
    save_every: float = 2.0
    charts: bool = True
    duration: float | None = None
    # publish the consumers' numbers and panels here for `buzzline dashboard` (None: don't)
    live_dir: Path | None = None
    # gc.freeze() once the charts are made: what exists then (modules, the figure's artists)
    # lives as long as the session, out of the garbage collector's sight, whose full passes
    # would otherwise walk it again and again while millions of messages come and go. It
    # acts on the whole process: the command line (which owns the process) turns it on.
    freeze_gc: bool = False
    # a window's frames use matplotlib's internals to draw less (False: public API alone)
    fast_draw: bool = True


class Session:
    def __init__(self, producers: Sequence[ProduceJob], consumers: Sequence[ConsumeJob],
                 options: SessionOptions) -> None:
        self.producers, self.consumers, self.options = list(producers), list(consumers), options
        self.stop = threading.Event()
        # one gate for the consumers in this process: closed while a frame draws
        self.gate = Gate()
        for producer in self.producers:
            producer.stop = self.stop
        for consumer in self.consumers:
            consumer.stop, consumer.gate = self.stop, self.gate
        self.view: LiveView | None = None
        self.charts: dict[int, list] = {}  # consumer index -> its charts
        self.mode = "none"
        self._deadline = time.monotonic() + options.duration if options.duration else None

    def _jobs(self) -> list[ProduceJob | ConsumeJob]:
        return [*self.producers, *self.consumers]

    def _producers_done(self) -> bool:
        return all(job.done.is_set() for job in self.producers)

    def _check(self) -> None:
        if self.producers and self._producers_done():
            for job in self.consumers:
                job.input_done.set()
        if self._deadline is not None and time.monotonic() >= self._deadline:
            self.stop.set()
        if any(job.error is not None for job in self._jobs()):
            self.stop.set()

    def finished(self) -> bool:
        self._check()
        if self.consumers:
            return all(job.done.is_set() for job in self.consumers)
        return self._producers_done()

    def status(self) -> str:
        """One line: per consumer its messages and rate, then the rejected total."""
        if not self.consumers:
            return " · ".join(f"{job.app.name} {job.sent:,} sent" for job in self.producers)
        parts = [job.status() for job in self.consumers]
        rejected = sum(job.totals.rejected for job in self.consumers)
        return " · ".join(parts) + f" | {rejected:,} rejected"

    def _make_view(self) -> LiveView | None:
        opts = self.options
        if not opts.charts or not self.consumers:
            return None
        from buzzline.charts.display import resolve_display
        from buzzline.charts.figure import make_figure
        from buzzline.charts.kinds import charts_of
        from buzzline.charts.view import ChartGroup, LiveView
        from buzzline.charts.writers import WRITERS

        # every chart is drawn from its feed, through its kind (as the dashboard draws it)
        feeds = [job.app.feeds(job.pipeline, job.settings) for job in self.consumers]
        panels = sum(map(len, feeds))
        if not panels:
            return None
        self.mode, backend = resolve_display(opts.display, opts.output_dir)
        fig, axes = make_figure(panels, opts.title, backend, opts.fast_draw)
        groups, at = [], 0
        for index, (job, job_feeds) in enumerate(zip(self.consumers, feeds, strict=True)):
            charts = charts_of(job_feeds, axes[at:])
            self.charts[index] = charts
            if panels == 1:  # one chart: the title asked for is its title
                charts[0].ax.set_title(opts.title)
            groups.append(ChartGroup(job.lock, charts, self.gate))
            at += len(job_feeds)
        output = opts.output_dir or (None if self.mode == "window" else opts.default_output_dir)
        writer = WRITERS.get(opts.image_format)(output, opts.image_name) if output else None
        return LiveView(fig, groups, opts.fps, self.stop, self.finished, writer,
                        opts.save_every, fast_draw=opts.fast_draw)

    def _make_publisher(self) -> LivePublisher | None:
        if self.options.live_dir is None or not self.consumers:
            return None
        from buzzline.dashboard.publisher import LivePublisher

        return LivePublisher(self.consumers, self.options.live_dir, 1.0 / self.options.fps)

    def run(self) -> list[dict[str, Any]]:
        self.view = self._make_view()
        if self.options.freeze_gc:
            gc.freeze()
        threads = [threading.Thread(target=job.run_quietly, name=f"consume-{job.app.name}",
                                    daemon=True) for job in self.consumers]
        threads += [threading.Thread(target=job.run_quietly, name=f"produce-{job.app.name}",
                                     daemon=True) for job in self.producers]
        publisher = self._make_publisher()
        with stop_on_signals(self.stop), StatusLine(self.status) as status:
            if publisher is not None:
                publisher.start()
            for thread in threads:
                thread.start()
            try:
                if self.view is None:
                    while not self.finished() and not self.stop.wait(0.1):
                        status.tick()
                else:
                    self.view.on_frame = status.tick
                    if self.mode == "window":
                        self.view.run_window()
                    else:
                        self.view.run_headless()
            finally:
                self.stop.set()
                for thread in threads:
                    thread.join(timeout=30)
                if self.view is not None:
                    self.view.finish()
                if publisher is not None:  # the dashboard keeps the final numbers
                    publisher.finish()
        for job in self._jobs():
            if job.error is not None:
                raise job.error
        summaries = [job.summary(job.transport.name) for job in self.consumers]
        if self.view is not None:
            image = self.saved_image()
            for index, summary in enumerate(summaries):
                summary["chart"] = dict(self.view.stats(), mode=self.mode,
                                        image=str(image) if image else None,
                                        drawn=[c.drawn() for c in self.charts[index]])
        return summaries

    def saved_image(self) -> Path | None:
        writer = self.view.writer if self.view else None
        return writer.png_path if writer and writer.png_path.exists() else None
