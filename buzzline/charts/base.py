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
        # the picture being drawn is a settled one (the stream ended or went idle): its axes
        # fit the data, with no room kept for growth; until the data changes again
        self.settled = False
        self._settling = False
        ax.set_title(title)

    def update(self, snap: Any) -> int:
        """Render ``snap`` unless it equals the last one (then: ``UNCHANGED``, nothing to draw)."""
        if snap == self._last and not self._settling:
            return UNCHANGED
        self._last = snap
        self.settled, self._settling = self._settling, False
        return max(SAME, self.render(snap))

    def settle(self) -> None:
        """The stream has ended or gone idle: the next frame is drawn (even when the data did
        not change) with axes that fit the data, no room kept for growth (``settled``)."""
        self._settling = True

    def limits(self) -> dict[str, Any]:
        """The axes' limits as drawn (for summaries and tests)."""
        return {"title": self.title, "x": [float(v) for v in self.ax.get_xlim()],
                "y": [float(v) for v in self.ax.get_ylim()]}

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
    gap = max(abs(lo), abs(hi)) * 1e-12  # (a second at a date number is 6e-10 of it)
    if hi - lo > gap:
        return lo, hi
    middle, half = lo / 2 + hi / 2, max(gap, 0.5)
    return middle - half, middle + half


# The steps a growing value axis takes, per decade: no more than a third apart, so the data
# fills most of the axis (a 1-2-5 step could draw a largest bar of 1M on a 0-2M axis).
STEPS = (10, 12, 15, 20, 25, 30, 40, 50, 60, 80)
ROOM = 1.25  # live, an axis keeps at most this much room for growth beyond the data
FILL = 0.5  # ... and fits again when the data fills less than this share of it


def grow_limit(current: float, needed: float) -> float | None:
    """A new upper limit when ``needed`` no longer fits: the next of 1, 1.2, 1.5, 2, 2.5, 3,
    4, 5, 6, 8, 10, 12... at or above it, so a growing count rescales about ten times per
    decade; at most ``LIMIT``."""
    if needed <= current:
        return None
    if not needed < LIMIT:
        return LIMIT if current < LIMIT else None
    tenth = 10.0 ** (math.floor(math.log10(needed)) - 1)
    for decade in (tenth, tenth * 10):
        for step in STEPS:
            if step * decade >= needed:
                return min(step * decade, LIMIT)
    return LIMIT


def value_limit(old: float, top: float, headroom: float, settled: bool,
                growth: float = 0.0) -> float | None:
    """The upper limit of a value axis from 0 whose largest value is ``top`` (None: keep
    ``old``). Settled: ``top * headroom``, no more. Live: a step of ``grow_limit`` above
    ``top * headroom``, leaving room for ``growth`` (what the values may grow by before
    the next rescale) up to ``ROOM``; it moves when the top no longer fits, fills less
    than ``FILL`` of the axis, or grows slowly again (the room kept for growth goes)."""
    if not top > 0:
        return None
    if settled:
        new = min(top * headroom, LIMIT)
    else:
        need = max(top * headroom, min(top + growth, top * ROOM))
        new = grow_limit(0.0, need) or LIMIT
        slow = growth <= (headroom - 1) * top  # the room kept for growth can go
        if need <= old and top >= old * FILL and not (slow and new < old):
            return None
    return new if new != old else None


def fit_range(lo: float, hi: float, current: tuple[float, float], settled: bool,
              margin: float = 0.04, room: float = 0.2, least: float = 0.5
              ) -> tuple[float, float]:
    """Limits for data from ``lo`` to ``hi``: settled, ``margin`` of the range on either side;
    live, ``current`` while the data fits and fills at least ``FILL`` of it, else ``margin``
    below and ``margin + room`` above (room to grow into). A single value: +-``least``."""
    span = hi - lo
    if not span > 0:
        return distinct(lo - least, hi + least)
    if settled:
        return distinct(drawable(lo - margin * span), drawable(hi + margin * span))
    c0, c1 = current
    if c0 <= lo and hi <= c1 and span >= FILL * (c1 - c0):
        return current
    return distinct(drawable(lo - margin * span), drawable(hi + (margin + room) * span))


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
