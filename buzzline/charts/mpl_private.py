"""The fence around matplotlib's internals: every private attribute of a matplotlib object that
buzzline reads, writes or calls, and every method it replaces on one, is here, one small named
function each, saying what it relies on and the matplotlib versions it was checked with.

They make a live chart's frame cheap (a rescale redraws one Axes, not the figure; tick labels
drawn from glyph pictures; the toolkit's own whole-figure draws held for the next frame). Each
is used only when fast drawing is on (``fast_draw``, ``BUZZLINE_FAST_DRAW``, the default):
switched off, the charts draw through matplotlib's public API alone, slower, and nothing here
is called. ``tests/test_mpl_fence.py`` has one test per function that fails, naming the
attribute and the matplotlib version, when matplotlib changes what it relies on; and a test
that finds any private matplotlib attribute used outside this module.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from matplotlib.axes import Axes
from matplotlib.axis import Axis, Tick
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.text import Text

# the matplotlib releases each function below was checked against (tests/test_mpl_fence.py run)
CHECKED_VERSIONS = ("3.8.4", "3.10.0", "3.11.2")

# the private names used, by the function that uses them ("Class.attribute")
AUTOTITLEPOS = "_autotitlepos"
LEFT_TITLE, RIGHT_TITLE = "_left_title", "_right_title"
UPDATE_TICKS = "_update_ticks"
TICK_CLASS = "_tick_class"
DRAW_IDLE = "draw_idle"  # public, but replaced on the canvas object


def hold_draw_requests(canvas: FigureCanvasBase, request: Callable[[], None]) -> None:
    """Replace ``canvas.draw_idle`` (on this canvas object only) by ``request``: the toolkit's
    requests for a whole-figure draw (the window appearing, resized, the toolbar) wait for the
    next frame, which draws once for all of them with the consumers held.

    Relies on: Tk and Qt canvases asking for those draws through ``self.draw_idle()`` (e.g. Tk
    on a resize), looked up on the instance, so an instance attribute shadows
    the method. Checked: matplotlib 3.8.4, 3.10.0, 3.11.2."""
    setattr(canvas, DRAW_IDLE, lambda *args, **kwargs: request())


@contextmanager
def title_fixed(ax: Axes, fixed: bool = True) -> Iterator[None]:
    """While inside, ``Axes.draw`` leaves the titles where they are (when ``fixed``): a
    redraw of the Axes alone keeps the title's pixels valid.

    Relies on: ``Axes._autotitlepos`` (a bool; ``Axes.draw`` moves the titles above the top
    tick labels only when it is True). Checked: matplotlib 3.8.4, 3.10.0, 3.11.2."""
    before = getattr(ax, AUTOTITLEPOS, None)
    if fixed:
        setattr(ax, AUTOTITLEPOS, False)
    try:
        yield
    finally:
        setattr(ax, AUTOTITLEPOS, before)


def side_titles(ax: Axes) -> tuple[Text, Text]:
    """The Axes' left and right titles (``ax.title`` is the centre one).

    Relies on: ``Axes._left_title`` and ``Axes._right_title``, the Text artists that
    ``set_title(loc="left" / "right")`` sets. Checked: matplotlib 3.8.4, 3.10.0, 3.11.2."""
    return getattr(ax, LEFT_TITLE), getattr(ax, RIGHT_TITLE)


def ticks_in_view(axis: Axis) -> list[Tick]:
    """The ticks ``axis`` draws for its limits now (major and minor), their positions and
    label texts updated (as ``Axis.draw`` does before drawing them).

    Relies on: ``Axis._update_ticks()`` returning those ticks.
    Checked: matplotlib 3.8.4, 3.10.0, 3.11.2."""
    ticks: list[Tick] = getattr(axis, UPDATE_TICKS)()
    return ticks


def make_ticks_of(axis: Axis, tick_class: type[Tick]) -> None:
    """From now on ``axis`` makes its ticks of ``tick_class`` (an XTick or YTick subclass).

    Relies on: ``Axis._tick_class``, the class ``Axis._get_tick`` instantiates, and
    ``reset_ticks`` making the ticks again when next needed.
    Checked: matplotlib 3.8.4, 3.10.0, 3.11.2."""
    setattr(axis, TICK_CLASS, tick_class)
    axis.reset_ticks()


def recast_text(text: Text, text_class: type[Text]) -> None:
    """Make ``text`` (a tick's label, made by matplotlib) an instance of ``text_class``, a
    Text subclass that changes only how it draws.

    Relies on: ``text_class`` adding no instance state to Text's (assigning ``__class__``
    keeps the object's attributes), and ticks keeping their labels as made by
    ``Tick.__init__``. Checked: matplotlib 3.8.4, 3.10.0, 3.11.2."""
    text.__class__ = text_class
