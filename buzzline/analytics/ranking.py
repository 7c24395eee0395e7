"""The largest of many counts, bounded: what a chart or a dashboard feed shows of a ``Counts``.

A ``Ranking`` is a dict of the k largest values (largest first, ties by name) that says what it
left out: ``others`` keys adding up to ``rest``. ``Leaders`` keeps the m largest of counts
that only grow, up to date from the keys that grew (no sort of every key per frame), so a chart
over a million distinct authors reads 20 bars and an "others" bar in microseconds.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Iterable, Mapping
from itertools import compress, repeat
from operator import eq, lt

DEFAULT_TOP_K = 20  # bars a chart shows when no top-k is set (the rest add up as "others")
OTHER = "others"  # the key of the bar (or wedge) that adds up the keys left out
OTHER_TAKEN = "all others"  # ... when a key shown is itself called "others"


def _order(item: tuple[str, float]) -> tuple[float, str]:
    return -item[1], item[0]


class Ranking(dict):
    """The largest values, largest first; ``others`` keys left out add up to ``rest``.
    ``source(k)``, when set, gives a longer ranking (call it under the same lock). Equality
    is the dict's (what is left out is not compared)."""

    __slots__ = ("others", "rest", "source")

    def __init__(self, items: Iterable[tuple[str, float]] = (), others: int = 0,
                 rest: float = 0, source: Callable[[int], Ranking] | None = None) -> None:
        super().__init__(items)
        self.others, self.rest, self.source = others, rest, source

    @property
    def other(self) -> str:
        """The key of what is left out: ``OTHER``, unless a key shown has that name."""
        return OTHER_TAKEN if OTHER in self else OTHER

    def __repr__(self) -> str:
        return f"Ranking({dict(self)!r}, others={self.others}, rest={self.rest})"


def rank(values: Mapping[str, float], k: int) -> Ranking:
    """The ``k`` (>= 1) largest of ``values``, the rest added up; a ``Ranking`` already
    short enough is returned as it is, a longer one is cut (its source is never called)."""
    k = max(1, k)
    if isinstance(values, Ranking):
        if len(values) <= k:
            return values
        items = list(values.items())  # already ranked
        cut = items[k:]
        return Ranking(items[:k], values.others + len(cut),
                       values.rest + sum(v for _, v in cut), values.source)
    if len(values) <= k:
        return Ranking(sorted(values.items(), key=_order))
    kept = heapq.nsmallest(k, values.items(), key=_order)
    return Ranking(kept, len(values) - k, sum(values.values()) - sum(v for _, v in kept))


def leading(values: Mapping[str, float], top_k: int) -> Ranking:
    """What a chart shows of ``values``: the ``top_k`` largest, ranked, with what is left out;
    for ``top_k`` 0 every key in name order when there are at most ``DEFAULT_TOP_K``, else the
    ``DEFAULT_TOP_K`` largest. Called under the data's lock (a short ranking asks its source
    for more)."""
    limit = top_k if top_k > 0 else DEFAULT_TOP_K
    if isinstance(values, Ranking) and values.others and len(values) < limit \
            and values.source is not None:
        values = values.source(limit)
    ranking = rank(values, limit)
    if top_k <= 0 and not ranking.others:
        return Ranking(sorted(ranking.items()))
    return ranking


class Leaders:
    """The ``size`` largest of a dict of counts (ties by name) while the counts only grow:
    ``grew(counts, keys)`` after ``keys`` grew (``candidates`` picks those that may enter);
    ``rebuild(counts)`` after anything else. ``floor``: the last leader's count (0 while
    there are fewer than ``size`` keys)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.top: dict[str, int] = {}
        self.floor = 0
        self.worst: str | None = None  # the last-ranked leader (None while not full)
        self.valid = False

    def rebuild(self, counts: Mapping[str, int]) -> None:
        self.top = dict(heapq.nsmallest(self.size, counts.items(), key=_order))
        self._set_floor()
        self.valid = True

    def grew(self, counts: Mapping[str, int], keys: Iterable[str]) -> None:
        top, size = self.top, self.size
        worst: str | None = None  # the last-ranked leader, when known
        for key in keys:
            value = counts[key]
            if key in top:
                top[key] = value
                if key == worst:
                    worst = None
            elif len(top) < size:
                top[key] = value
                worst = None
            else:
                if worst is None:
                    worst = self._last()
                low = top[worst]
                if value > low or (value == low and key < worst):
                    del top[worst]
                    top[key] = value
                    worst = None
        self._set_floor()

    def _last(self) -> str:
        top = self.top
        return max(top, key=lambda key: (-top[key], key))

    def _set_floor(self) -> None:
        self.worst = self._last() if len(self.top) >= self.size else None
        self.floor = 0 if self.worst is None else self.top[self.worst]

    def candidates(self, counts: Mapping[str, int], keys: Collection[str]) -> list[str]:
        """Those of ``keys`` (which grew) that may now enter, found in C: above the floor,
        or on it and ahead of the last leader by name."""
        worst = self.worst
        if worst is None:
            return list(keys)
        values = list(map(counts.__getitem__, keys))
        floor = repeat(self.floor)
        above = compress(keys, map(lt, floor, values))
        tied = compress(keys, map(eq, floor, values))
        return [*above, *filter(worst.__gt__, tied)]

    def ranking(self, k: int, keys: int, total: float,
                source: Callable[[int], Ranking] | None = None) -> Ranking:
        """The ``k`` largest (k <= size) of ``keys`` counts adding up to ``total``."""
        kept = sorted(self.top.items(), key=_order)[:k]
        return Ranking(kept, keys - len(kept), total - sum(v for _, v in kept), source)
