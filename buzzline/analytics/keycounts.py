"""Messages per key (author, category): exact counts whatever the number of keys, and the
bounded view of them a chart or a dashboard feed reads each frame (``ranking``)."""

from collections import Counter
from collections.abc import Sequence
from operator import attrgetter
from typing import Any, Self

from buzzline.analytics.base import Analytic, Event
from buzzline.analytics.ranking import DEFAULT_TOP_K, Leaders, Ranking, rank


def top_k(counts: dict[str, int], k: int) -> list[tuple[str, int]]:
    """The ``k`` largest counts (all when k <= 0), largest first, ties by name."""
    if k > 0:
        return list(rank(counts, k).items())
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def plural(word: str) -> str:
    """"author" -> "authors", "category" -> "categories" (the key of a top list)."""
    if word.endswith("y") and word[-2:-1] not in ("", *"aeiou"):
        return word[:-1] + "ies"
    return word + "s"


SORTED_UP_TO = 100_000  # a result lists more keys than this in first-seen order (no sort)


class Counts(Analytic):
    """How many messages per value of ``field`` (``author`` gives the seed's bar chart).

    The counts are exact, whatever the number of keys; what a frame reads is bounded:
    ``ranking(k)`` gives the k largest and what they leave out, kept up to date by
    ``combine`` from what changed in each part since it last looked (not a sum of every
    part's every key per batch, nor a sort of every key per frame)."""

    def __init__(self, field: str = "author", top: int = 3) -> None:
        self.field = field
        self.top = top
        self.name = f"{field}_counts"
        self._get = attrgetter(field)
        self._counts: Counter[str] = Counter()
        self._total = 0  # the sum of the counts
        self._version = 0  # moves on with every update and load
        # the keys counted since a combining view last took them (kept once a view sums this)
        self._changes: list[str] = []
        self._changes_from = 0  # the version ``_changes`` starts at
        self._watched = False
        self._summed: list[tuple[Counts, int]] | None = None  # a view: parts, versions taken
        self._leaders = Leaders(max(top, DEFAULT_TOP_K))
        # the keys counted since the last ``take_changed`` (None: not tracked): what a
        # changelog writes, rather than every key
        self._dirty: set[Any] | None = None

    def update(self, messages: Sequence[Any]) -> list[Event]:
        if self._watched or self._dirty is not None:
            keys = list(map(self._get, messages))
            self._counts.update(keys)
            if self._watched:
                self._changes += keys
            if self._dirty is not None:
                self._dirty.update(keys)
        else:
            self._counts.update(map(self._get, messages))
        self._total += len(messages)
        self._version += 1
        self._leaders.valid = False
        return []

    def track_changes(self) -> None:
        """Note the keys counted from now on (``take_changed``)."""
        self._dirty = set()

    def take_changed(self) -> dict[Any, int]:
        """The counts of the keys counted since the last call (or ``track_changes``)."""
        dirty, counts = self._dirty or set(), self._counts
        self._dirty = set()
        return {key: counts[key] for key in dirty}

    def counts(self) -> dict[str, int]:
        """A copy of every count, safe to hand to another thread (O(keys): not per frame)."""
        return dict(self._counts)

    def ranking(self, k: int = DEFAULT_TOP_K) -> Ranking:
        """The ``k`` largest counts, largest first, and how many keys and messages the rest
        hold (a copy: safe to hand to another thread)."""
        leaders = self._leaders
        if k > leaders.size:
            leaders.size, leaders.valid = k, False
        if not leaders.valid:
            leaders.rebuild(self._counts)
        return leaders.ranking(max(1, k), len(self._counts), self._total, self.ranking)

    def top_k(self, k: int | None = None) -> list[tuple[str, int]]:
        k = self.top if k is None else k
        return list(self.ranking(k).items()) if k > 0 else top_k(self._counts, 0)

    def result(self) -> dict[str, Any]:
        counts: dict[str, int] = self._counts
        if len(counts) <= SORTED_UP_TO:
            counts = dict(sorted(counts.items()))
        return {
            f"{self.field}_counts": dict(counts),
            f"top_{plural(self.field)}": [name for name, _ in self.top_k()],
        }

    def state(self) -> dict[str, Any]:
        return {"counts": dict(self._counts)}

    def load_state(self, state: dict[str, Any]) -> None:
        self._counts = Counter(state["counts"])
        self._total = sum(self._counts.values())
        self._moved()

    def _moved(self) -> None:
        """Anything but growth by ``update``: a view summing this starts over."""
        self._version += 1
        self._changes.clear()
        self._changes_from = self._version
        self._leaders.valid = False

    def combine(self, parts: Sequence[Self]) -> None:
        summed = self._summed
        if summed is not None and len(summed) == len(parts) and all(
                part is seen and part._changes_from == version
                for part, (seen, version) in zip(parts, summed, strict=True)):
            self._add_changes(parts)
        else:
            total: Counter[str] = Counter()
            for part in parts:
                total.update(part._counts)
            self._counts = total
            self._moved()
        for part in parts:
            part._watched = True
            part._changes.clear()
            part._changes_from = part._version
        self._total = sum(part._total for part in parts)
        self._summed = [(part, part._version) for part in parts]

    def _add_changes(self, parts: Sequence[Self]) -> None:
        counts, leaders = self._counts, self._leaders
        grew: list[str] = []
        for part in parts:
            changes = part._changes
            if changes:
                counts.update(changes)  # counted in C, like update
                if leaders.valid:
                    grew += leaders.candidates(counts, set(changes))
        if grew:
            leaders.grew(counts, grew)
