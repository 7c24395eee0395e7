"""One colour per key, the same in every panel, on the dashboard and in every run.

A key's colour comes from a stable hash of its name (blake2b, not Python's ``hash()``, which
changes from run to run) into ``PALETTE``: 20 colours, neighbours of contrasting hue and
lightness and no grey (grey is the "others" bar's). Two keys of one chart that hash to the
same colour: the first by name keeps it, the other takes the next free colour, so a chart
never shows two keys in one colour while it has at most ``len(PALETTE)`` keys. Free of
matplotlib: the dashboard's feed uses it too (``buzzline.dashboard.panels``)."""

from collections.abc import Iterable, Sequence
from hashlib import blake2b

# tab10 (no grey) and its light tints, interleaved so that neighbours contrast, then two
# dark ones; tab:blue first (the one colour of a line, scatter or histogram)
PALETTE = (
    "#1f77b4", "#ffbb78", "#2ca02c", "#ff9896", "#9467bd", "#dbdb8d", "#8c564b", "#9edae5",
    "#e377c2", "#98df8a", "#d62728", "#aec7e8", "#bcbd22", "#c5b0d5", "#17becf", "#f7b6d2",
    "#ff7f0e", "#c49c94", "#393b79", "#7b4173",
)


def slot(key: str, size: int = len(PALETTE)) -> int:
    """The palette index ``key`` hashes to (the same in every process)."""
    digest = blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % size


def key_colors(keys: Iterable[str], palette: Sequence[str] = PALETTE) -> dict[str, str]:
    """The colour of each of ``keys`` shown together in one chart: its hashed colour, or,
    when a key earlier by name has that one, the next free colour after it. A function of
    the set of keys only (not of their order or arrival), so every chart and the dashboard
    showing the same keys colour them alike. Beyond ``len(palette)`` keys colours repeat."""
    names = sorted(set(keys))
    size = len(palette)
    wanted = {key: slot(key, size) for key in names}
    owner: dict[int, str] = {}
    for key in names:  # each key whose colour no earlier key took keeps it
        owner.setdefault(wanted[key], key)
    taken = set(owner)
    index = {key: i for i, key in owner.items()}
    for key in names:
        if key in index:
            continue
        free = next(((wanted[key] + step) % size for step in range(1, size)
                     if (wanted[key] + step) % size not in taken), wanted[key])
        taken.add(free)
        index[key] = free
    return {key: palette[index[key]] for key in names}


class ChartColors:
    """The colours of one chart's keys. With no colours given (or ``PALETTE`` itself): each
    key's own (``key_colors``). With colours given (``--colors``): in turn, first to last,
    each key keeping the one it got first when ranks change."""

    def __init__(self, colors: Sequence[str] = ()) -> None:
        self.colors = tuple(colors) or PALETTE
        self.by_key = self.colors == PALETTE
        self._given: dict[str, str] = {}

    def of(self, keys: Sequence[str]) -> list[str]:
        """The colour of each of ``keys`` (shown together), in their order."""
        if self.by_key:
            colors = key_colors(keys, self.colors)
            return [colors[key] for key in keys]
        for key in keys:
            if key not in self._given:
                self._given[key] = self.colors[len(self._given) % len(self.colors)]
        return [self._given[key] for key in keys]
