"""A chart owns its artists on one Axes. Each frame: ``snapshot()`` copies what it needs from
the analytics (called under the consumer's lock, so it must be quick), then ``render(snap)``
updates the artists outside the lock and says whether the layout changed (a full redraw)."""

import math
import sys
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import is_color_like
from matplotlib.ticker import FuncFormatter

from buzzline.charts.glyphs import glyph_ticks
from buzzline.charts.palette import PALETTE
from buzzline.errors import SettingsError

# What a frame must redraw for a chart, from least to most work.
UNCHANGED, SAME, LIMITS, LAYOUT = 0, 1, 2, 3

# no colours given: each key its own colour, the same in every chart (see palette.py)
DEFAULT_COLORS = PALETTE


class Chart(ABC):
    def __init__(self, ax: Axes, title: str) -> None:
        self.ax = ax
        self.title = title
        self._last: Any = None
        ax.set_title(title)
        # a rescale draws an axis' tick labels again: from glyph pictures, 20x faster
        glyph_ticks(ax.xaxis)
        glyph_ticks(ax.yaxis)

    def update(self, snap: Any) -> int:
        """Render ``snap`` unless it equals the last one (then: ``UNCHANGED``, nothing to draw)."""
        if snap == self._last:
            return UNCHANGED
        self._last = snap
        return max(SAME, self.render(snap))

    def settle(self) -> None:  # noqa: B027 - optional hook
        """The stream has ended: the next frame is the last picture, so give up any room
        kept for fast growth (and redraw it even when the data did not change)."""

    @abstractmethod
    def snapshot(self) -> Any:
        """A copy of the data to draw (taken under the analytics lock)."""

    @abstractmethod
    def render(self, snap: Any) -> int:
        """Update the artists from ``snap``; say what the frame must redraw:
        ``SAME`` (blit the artists), ``LIMITS`` (axes limits moved: redraw the figure) or
        ``LAYOUT`` (ticks or labels changed size: lay the figure out again, then redraw)."""

    @abstractmethod
    def drawn(self) -> dict:
        """What the chart shows now, read back from its artists (for summaries and tests)."""

    @abstractmethod
    def artists(self) -> list[Artist]:
        """The artists that change between frames (drawn by blitting in a window)."""


def parse_colors(text: str, default: Sequence[str] = DEFAULT_COLORS) -> tuple[str, ...]:
    """``"tab:blue, #ff7f0e"`` -> a tuple of colours; empty text -> ``default``."""
    colors = tuple(c.strip() for c in text.split(",") if c.strip())
    for color in colors:
        if not is_color_like(color):
            raise SettingsError(f"colour {color!r} is not a matplotlib colour "
                                "(try a name like 'tab:orange' or a hex code like '#ff7f0e')")
    return colors or tuple(default)


# Axis limits stay within +-LIMIT: beyond it matplotlib's tick arithmetic overflows (a span
# of 8e307 already does). Values beyond it are drawn at the edge of the chart, or past it.
LIMIT = 1e306


def drawable(value: float) -> float:
    """``value`` clamped to +-LIMIT (NaN: 0)."""
    if value != value:
        return 0.0
    return max(-LIMIT, min(LIMIT, value))


def distinct(lo: float, hi: float) -> tuple[float, float]:
    """Limits ``lo`` < ``hi`` far enough apart for ticks: two values that (almost) round to
    one float at a large magnitude are spread around their middle."""
    gap = max(abs(lo), abs(hi)) * 1e-9
    if hi - lo > gap:
        return lo, hi
    middle, half = lo / 2 + hi / 2, max(gap, 0.5)
    return middle - half, middle + half


def grow_limit(current: float, needed: float) -> float | None:
    """A new upper limit when ``needed`` no longer fits: the next of 10, 20, 50, 100, 200...
    above it, so a growing count rescales (a full redraw) only a few times per decade; at
    most ``LIMIT``."""
    if needed <= current:
        return None
    if not needed < LIMIT:
        return LIMIT if current < LIMIT else None
    step = 10.0
    while True:
        for factor in (1, 2, 5):
            if step * factor >= needed:
                return step * factor
        step *= 10


def digits(value: float) -> int:
    """Width of a tick label for ``value`` (a change means a new layout)."""
    return len(f"{abs(value):.0f}")


SCALES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))
FIGURE_SPACE = "\u2007"  # as wide as a digit: pads a label without showing
HALF_SPACE = "\u2008"  # punctuation space: about half a digit
WIDE = ("M", "G", "T")  # suffixes about 1.3 digits wide
TICK_WIDTH = 5  # characters of a compact tick label: "17.5k", "1.25M"


def compact(value: float) -> str:
    """A short tick label for a count: ``950``, ``2.5k``, ``17.5k``, ``1.25M``, ``3e+15``."""
    if not abs(value) < 1e15:
        return f"{drawable_label(value):.3g}"
    for scale, suffix in SCALES:
        if abs(value) >= scale * 0.9995:  # 999,999 is "1M", not "1e+03k"
            text = f"{value / scale:.3g}"
            if "e" not in text:
                return text + suffix
    text = f"{value:.3g}"
    return text if "e" not in text else f"{value:,.0f}"


def count_formatter(width: int = 0) -> FuncFormatter:
    """Compact tick labels, left-padded with figure spaces to ``width`` characters: labels of
    right-aligned ticks (a y axis on the left) then keep one width as the counts grow, so a
    rescale moves no axis label and needs no new layout."""
    def label(value: float, pos: int | None = None) -> str:
        text = compact(value)
        if not width:
            return text
        padded = text.rjust(width, FIGURE_SPACE)
        if padded[0] == FIGURE_SPACE and text.endswith(WIDE):  # "  1M" as wide as "   0"
            padded = HALF_SPACE + padded[1:]
        return padded

    return FuncFormatter(label)


def whole(value: float) -> float:
    """``value`` as an int when it is whole (counts read back from artists stay ints)."""
    return int(value) if float(value).is_integer() else float(value)


def drawable_label(value: float) -> float:
    """``value`` for a label: an infinity (a sum past the float range) as the largest float."""
    return math.copysign(sys.float_info.max, value) if math.isinf(value) else value


def number(value: float) -> str:
    """A bar label: ``1,234`` for whole values, ``12.35`` otherwise, ``1.5e+20`` when
    long."""
    if not abs(value) < 1e15:
        return f"{drawable_label(value):.3g}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
