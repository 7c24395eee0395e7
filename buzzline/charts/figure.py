"""The dashboard figure: one Axes per panel in a grid, in a window or on a headless canvas.
A window fits the screen: at most ``SCREEN_SHARE`` of it (Tk: the screen's size; Qt: the
primary screen's available geometry), the figure made smaller at the same dpi."""

import math
import sys
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from buzzline.charts.fonts import use_fonts
from buzzline.charts.glyphs import glyph_ticks

SCREEN_SHARE = 0.9  # a window takes at most this share of the screen's width and height


def grid_shape(panels: int) -> tuple[int, int]:
    """Rows and columns for ``panels`` axes: 1x1, 1x2, 2x2, 2x3..."""
    if panels <= 2:
        return 1, max(panels, 1)
    cols = math.ceil(math.sqrt(panels))
    return math.ceil(panels / cols), cols


def make_figure(panels: int, title: str, backend: str | None = None,
                fast_draw: bool = True) -> tuple[Figure, list[Axes]]:
    """A figure with ``panels`` axes. With a GUI ``backend`` it lives in a pyplot window;
    otherwise it is a plain Figure on an Agg canvas (no pyplot, no global state). With
    ``fast_draw`` the axes' tick labels are drawn from glyph pictures (``glyph_ticks``: a
    rescale draws them all again, 20x faster so; it uses matplotlib's internals)."""
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
            fit_to_screen(fig)
    else:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig = Figure(figsize=size, layout="constrained", dpi=100)
        FigureCanvasAgg(fig)
    if panels > 1:  # a single chart's own title is enough
        fig.suptitle(title, fontweight="bold")
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(panels)]
    for ax in axes if fast_draw else ():
        glyph_ticks(ax.xaxis)
        glyph_ticks(ax.yaxis)
    return fig, axes


def screen_size(fig: Figure) -> tuple[int, int] | None:
    """The size in pixels of the screen ``fig``'s window is on (None: no window, or a
    toolkit not known here)."""
    window: Any = getattr(fig.canvas.manager, "window", None)  # a Tk or Qt window
    if hasattr(window, "winfo_screenwidth"):  # Tk
        return window.winfo_screenwidth(), window.winfo_screenheight()
    if hasattr(window, "screen"):  # Qt: the available part of the primary screen
        from matplotlib.backends.qt_compat import (  # type: ignore[attr-defined]
            QtWidgets,  # set at import by qt_compat, missing from its stubs
        )

        geometry = QtWidgets.QApplication.primaryScreen().availableGeometry()
        return geometry.width(), geometry.height()
    return None


def _toolbar_height(fig: Figure) -> int:
    toolbar: Any = getattr(fig.canvas.manager, "toolbar", None)
    if hasattr(toolbar, "winfo_reqheight"):  # Tk
        return int(toolbar.winfo_reqheight())
    if hasattr(toolbar, "sizeHint"):  # Qt
        return int(toolbar.sizeHint().height())
    return 0


def _pixel_ratio(fig: Figure) -> float:
    """Screen pixels per figure pixel once the window shows: Tk scales the figure by the
    screen's dpi (as matplotlib's TkAgg does on showing it); Qt counts logical pixels."""
    window: Any = getattr(fig.canvas.manager, "window", None)  # a Tk or Qt window
    if sys.platform == "linux" and hasattr(window, "winfo_fpixels"):
        return float(window.winfo_fpixels("1i")) / 96
    if sys.platform == "win32" and hasattr(window, "tk"):
        return round(float(window.tk.call("tk", "scaling")) / (96 / 72), 2)
    return 1.0


def fit_to_screen(fig: Figure, share: float = SCREEN_SHARE) -> None:
    """Make ``fig`` (in a window) smaller, at the same dpi and proportions, until the window
    with its toolbar takes at most ``share`` of the screen's width and height."""
    screen = screen_size(fig)
    if screen is None:
        return
    ratio = _pixel_ratio(fig)
    width, height = fig.get_size_inches() * fig.dpi * ratio
    room_w, room_h = screen[0] * share, screen[1] * share - _toolbar_height(fig) * ratio
    scale = min(1.0, room_w / width, max(room_h, 1.0) / height)
    if scale < 1.0:
        inches = fig.get_size_inches() * scale
        fig.set_size_inches(inches[0], inches[1], forward=True)
        toolbar: Any = getattr(fig.canvas.manager, "toolbar", None)
        if hasattr(toolbar, "winfo_reqwidth"):  # Tk's asks for the figure's first width
            toolbar.configure(width=int(fig.bbox.width))


def window_size(fig: Figure) -> list[int] | None:
    """The width and height in pixels of ``fig``'s window as the toolkit has it (None:
    headless)."""
    window: Any = getattr(fig.canvas.manager, "window", None)  # a Tk or Qt window
    if hasattr(window, "winfo_width"):  # Tk
        window.update_idletasks()
        return [window.winfo_width(), window.winfo_height()]
    if hasattr(window, "frameGeometry"):  # Qt
        return [window.width(), window.height()]
    return None
