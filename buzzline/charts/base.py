"""A chart owns its artists on one Axes. Each frame: ``snapshot()`` copies what it needs from
the analytics (called under the consumer's lock, so it must be quick), then ``render(snap)``
updates the artists outside the lock and says whether the layout changed (a full redraw)."""

from abc import ABC, abstractmethod
from typing import Any

from matplotlib.artist import Artist
from matplotlib.axes import Axes

DEFAULT_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")


class Chart(ABC):
    def __init__(self, ax: Axes, title: str) -> None:
        self.ax = ax
        self.title = title
        ax.set_title(title)

    @abstractmethod
    def snapshot(self) -> Any:
        """A copy of the data to draw (taken under the analytics lock)."""

    @abstractmethod
    def render(self, snap: Any) -> bool:
        """Update the artists from ``snap``; True when the axes layout changed."""

    @abstractmethod
    def artists(self) -> list[Artist]:
        """The artists that change between frames (drawn by blitting in a window)."""


def grow_limit(current: float, needed: float, headroom: float = 1.25) -> float | None:
    """A new upper limit when ``needed`` no longer fits, with headroom so rescales stay rare."""
    if needed <= current:
        return None
    return max(needed * headroom, needed + 1)
