"""What the vertical and horizontal bar charts share: one bar per key, kept while the keys
stay (only lengths and labels change), a key's colour its own (``ChartColors``), top-k with
an "others" bar adding up the rest (bounded whatever the number of keys), and a value axis
that grows in steps a third apart at most (``grow_limit``) and fits the bars when settled."""

from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.text import Text

from buzzline.analytics.ranking import leading
from buzzline.charts.base import (
    LAYOUT,
    LIMITS,
    SAME,
    Chart,
    compact,
    value_limit,
)
from buzzline.charts.palette import ChartColors

OTHER_COLOR = "0.7"

# a frame's bars: (key, value) pairs, the "others" bar last when keys were left out, and how
# many keys that bar holds
Bars = tuple[tuple[tuple[str, float], ...], int]


class KeyedBars(Chart):
    """``values`` returns the current {key: value} (called under the lock; a ``Ranking`` of a
    ``Counts`` keeps it bounded). ``top_k`` > 0 shows the k largest, ranked; 0 shows every
    key in name order while there are at most ``DEFAULT_TOP_K``, else the largest, ranked.
    The keys left out add up as one grey "others" bar, labelled with how many keys it holds.
    """

    headroom = 1.1  # the value axis leaves this much room above the longest bar
    ahead = 10  # ... and, while the values grow fast, room for this many frames of growth

    def __init__(self, ax: Axes, values: Callable[[], Mapping[str, float]], title: str,
                 colors: Sequence[str], top_k: int) -> None:
        super().__init__(ax, title)
        self._values = values
        self._colors = ChartColors(colors)
        self.colors = self._colors.colors
        self.top_k = top_k
        self.keys: list[str] = []
        self.bars: BarContainer | None = None
        self.labels: list[Text] = []
        self._top: float | None = None  # the longest bar at the last frame
        self._growth = 0.0  # how much it grew in recent frames (a decaying max)
        self._other = False  # whether the last bar adds up the keys left out

    def snapshot(self) -> Bars:
        ranking = leading(self._values(), self.top_k)
        items = tuple(ranking.items())
        if ranking.others:
            items += ((ranking.other, ranking.rest),)
        return items, ranking.others

    def render(self, snap: Bars) -> int:
        items, others = snap
        keys = [k for k, _ in items]
        values = [v for _, v in items]
        redraw = SAME
        if keys != self.keys:
            if self.bars is not None:
                self.bars.remove()
            for label in self.labels:
                label.remove()
            self._other = others > 0
            named = keys[:-1] if others else keys  # the "others" bar is grey
            self._build(keys, [*self._colors.of(named), *([OTHER_COLOR] if others else [])])
            self.keys = keys
            redraw = LAYOUT
        for rect, label, value in zip(self.bars or (), self.labels, values, strict=True):
            self._set_length(rect, label, value)
        if others:
            self._set_other(self.labels[-1], values[-1], others)
        new, old = self._value_limit(max(values, default=0)), self._limit()
        if new is not None:
            self._set_limit(new)
            redraw = max(redraw, LAYOUT if self._relayout(old, new) else LIMITS)
        return redraw

    def settle(self) -> None:
        super().settle()
        self._growth, self._top = 0.0, None

    def _value_limit(self, top: float) -> float | None:
        """A new limit for the value axis, or None to keep it (``value_limit``): settled, the
        longest bar and its headroom; live, steps a third apart at most, with room for
        ``ahead`` frames of growth while the values grow fast (a catch-up, a replay), up to
        a quarter of the longest bar, so the bars always fill most of the axis."""
        grown = top - self._top if self._top is not None else 0.0
        self._top = top
        self._growth = max(grown, self._growth * 0.8)
        return value_limit(self._limit(), top, self.headroom, self.settled,
                           self.ahead * self._growth)

    def _relayout(self, old: float, new: float) -> bool:
        """Whether the value axis' new limit changes the space its tick labels need."""
        return len(compact(new)) != len(compact(old))

    @abstractmethod
    def _build(self, keys: list[str], colors: list[str]) -> None:
        """New bars and value labels for ``keys`` (in ``self.bars``, ``self.labels``)."""

    @abstractmethod
    def _set_length(self, rect: Artist, label: Text, value: float) -> None: ...

    @abstractmethod
    def _set_other(self, label: Text, value: float, keys: int) -> None:
        """Label the "others" bar with its value and how many ``keys`` it adds up."""

    @abstractmethod
    def _limit(self) -> float:
        """The value axis' upper limit."""

    @abstractmethod
    def _set_limit(self, limit: float) -> None: ...

    def artists(self) -> list[Artist]:
        return [*(self.bars or ()), *self.labels]
