"""Drawing a window's frames cheaply: matplotlib's blitting recipe, per Axes. Each chart's
background is kept from the last full draw; a frame restores the backgrounds of the charts
whose data changed and draws only their animated artists (an idle chart costs nothing). A chart
whose limits moved has its Axes drawn again, alone (see ``rescale``) with fast drawing on; with
it off (matplotlib's public API alone) the whole figure is drawn again."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox, IdentityTransform

from buzzline.charts.base import Chart
from buzzline.charts.mpl_private import title_fixed
from buzzline.charts.rescale import Limits, Rescale, Strips, labels_box, rescale


class Blitter:
    """Keeps each chart's background from the last full draw and redraws what a frame changed."""

    def __init__(self, fig: Figure, charts: Sequence[Chart], fast_draw: bool = True) -> None:
        canvas = fig.canvas
        if not isinstance(canvas, FigureCanvasAgg):  # TkAgg and QtAgg are
            raise TypeError(f"blitting needs an Agg-based canvas, not {type(canvas).__name__}")
        self.fig, self.canvas, self.charts, self.fast_draw = fig, canvas, list(charts), fast_draw
        self.backgrounds: dict[int, object] = {}
        # per chart, as last drawn: its limits and the extents of its axes' tick labels
        self.views: dict[int, Limits] = {}
        self.strips: dict[int, Strips] = {}
        self.size = self.fig.bbox.bounds  # the figure's size in pixels at the last full draw
        self.canvas.mpl_connect("draw_event", self._on_draw)
        # lay the figure out only when asked (``full(layout=True)``), not on every redraw
        self._layout = fig.get_layout_engine()
        if self._layout is not None:
            fig.set_layout_engine("none")

    def _on_draw(self, event: object) -> None:
        if self.canvas.is_saving():
            return
        self.backgrounds = {id(c): self.canvas.copy_from_bbox(c.ax.bbox) for c in self.charts}
        renderer = self.canvas.get_renderer()
        self.size = self.fig.bbox.bounds
        for chart in self.charts:
            ax = chart.ax
            self.views[id(chart)] = (ax.get_xlim(), ax.get_ylim())
            if self.fast_draw:
                self.strips[id(chart)] = (labels_box(ax.xaxis, renderer),
                                          labels_box(ax.yaxis, renderer))
            self._draw_artists(chart)

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
        """Redraw the static parts of ``charts`` whose limits moved. Fast drawing: one Axes at
        a time (a fraction of a whole-figure redraw), only what the rescale changes (the area
        inside the Axes, the tick labels of the axes that moved), over the figure's colour;
        the title, axis labels and the other axis' tick labels keep their pixels. Then the
        Axes' new background, its artists, a blit. Otherwise: the whole figure."""
        if not self.backgrounds:
            return self.full()
        if not self.fast_draw:
            return self._redraw_figure(charts) if charts else None
        renderer = self.canvas.get_renderer()
        for chart in charts:
            if id(chart) not in self.views or self.size != self.fig.bbox.bounds:
                return self.full()
            change = rescale(chart.ax, self.views[id(chart)], self.strips[id(chart)],
                             self.fig.bbox, renderer)
            if change is None:  # the tick labels need more room: lay the figure out again
                return self.full(layout=True)
            self._redraw_region(chart, change, renderer)

    def _redraw_region(self, chart: Chart, change: Rescale, renderer: RendererAgg) -> None:
        ax = chart.ax
        for box in change.region:
            paint = Rectangle((box.x0, box.y0), box.width, box.height,
                              transform=IdentityTransform(), lw=0,
                              facecolor=self.fig.get_facecolor())
            paint.set_figure(self.fig)
            paint.draw(renderer)
        # the title stays where it is (only an offset text on top, "1e6", may move it)
        with _hidden(change.keep), title_fixed(ax, not ax.yaxis.offsetText.get_text()):
            ax.draw(renderer)
        self.views[id(chart)] = (ax.get_xlim(), ax.get_ylim())
        self.strips[id(chart)] = change.strips
        self.backgrounds[id(chart)] = self.canvas.copy_from_bbox(ax.bbox)
        self._draw_artists(chart)
        self.canvas.blit(Bbox.union(change.region))

    def _redraw_figure(self, charts: Sequence[Chart]) -> None:
        """The whole figure drawn again (public API); laid out again when an axis' labels now
        reach out of the figure."""
        self.full()
        renderer = self.canvas.get_renderer()
        boxes = [axis.get_tightbbox(renderer) for chart in charts
                 for axis in (chart.ax.xaxis, chart.ax.yaxis)]
        bounds = self.fig.bbox
        if any(box is not None and not (bounds.x0 <= box.x0 and box.x1 <= bounds.x1
                                        and bounds.y0 <= box.y0 and box.y1 <= bounds.y1)
               for box in boxes):
            self.full(layout=True)

    def fast(self, changed: Sequence[Chart] | None = None) -> None:
        """Redraw the artists of ``changed`` charts (all when None) over their backgrounds."""
        if not self.backgrounds:
            return self.full()
        for chart in self.charts if changed is None else changed:
            self.canvas.restore_region(self.backgrounds[id(chart)])
            self._draw_artists(chart)
            self.canvas.blit(chart.ax.bbox)


@contextmanager
def _hidden(texts: Sequence[Text]) -> Iterator[None]:
    """``texts`` not drawn meanwhile (each as visible as before afterwards)."""
    shown = [text.get_visible() for text in texts]
    for text in texts:
        text.set_visible(False)
    try:
        yield
    finally:
        for text, visible in zip(texts, shown, strict=True):
            text.set_visible(visible)
