"""The dashboard figure: one Axes per panel in a grid, in a window or on a headless canvas."""

import math

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from buzzline.charts.fonts import use_fonts


def grid_shape(panels: int) -> tuple[int, int]:
    """Rows and columns for ``panels`` axes: 1x1, 1x2, 2x2, 2x3..."""
    if panels <= 2:
        return 1, max(panels, 1)
    cols = math.ceil(math.sqrt(panels))
    return math.ceil(panels / cols), cols


def make_figure(panels: int, title: str, backend: str | None = None) -> tuple[Figure, list[Axes]]:
    """A figure with ``panels`` axes. With a GUI ``backend`` it lives in a pyplot window;
    otherwise it is a plain Figure on an Agg canvas (no pyplot, no global state)."""
    use_fonts()  # CJK and symbol fonts after the default one, where installed
    rows, cols = grid_shape(panels)
    size = (6.4 * cols if cols > 1 else 8.0, 4.4 * rows + 0.4)
    if backend is not None:
        import matplotlib

        matplotlib.use(backend, force=True)
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=size, layout="constrained")
        if fig.canvas.manager is not None:
            fig.canvas.manager.set_window_title(title)
    else:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig = Figure(figsize=size, layout="constrained", dpi=100)
        FigureCanvasAgg(fig)
    if panels > 1:  # a single chart's own title is enough
        fig.suptitle(title, fontweight="bold")
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(panels)]
    return fig, axes
