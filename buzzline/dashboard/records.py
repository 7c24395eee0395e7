"""What a consumer's live file must hold for the dashboard to show it (see ``publisher``): a
file that is not one (another version, another program's, hand-edited, hostile) is set aside,
never allowed to stop the frames. Every field the hub or the page reads is checked: its type,
numbers finite, lists of a sane length, each panel's data of its shape's form."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from buzzline.shapes import BAND, CATEGORIES, KIND_SHAPES, POINTS, SERIES, VALUES

MAX_FILE_BYTES = 8 * 1024 * 1024  # a consumer's file is well under 1 MB
MAX_ITEMS = 50_000  # points of one panel (the publisher sends at most 2,000)
MAX_KEYS = 1_000  # categories of one panel (the publisher sends at most 200)
MAX_PANELS = 16  # (the hub keeps 15 minutes of each panel's counts)
NUMBERS = ("messages", "rejected", "rate", "updated")  # finite, not negative
MAX_COUNT = 2**53  # messages and rejected become ints: more would not fit the page's JSON
TEXTS = ("id",)
OPTIONAL_TEXTS = ("app", "title", "transport", "topic", "group", "lag_unit", "state")


def number(value: Any) -> bool:
    """A finite JSON number (a bool is not one)."""
    return isinstance(value, int | float) and not isinstance(value, bool) \
        and math.isfinite(value)


def _gap(value: Any) -> bool:
    return value is None or number(value)


NUMBER_TYPES: frozenset[type] = frozenset((int, float))
GAP_TYPES: frozenset[type] = frozenset((int, float, type(None)))


def _list_of(types: frozenset[type]) -> Callable[[Any], bool]:
    """A check of a list of numbers (``None`` too when in ``types``), each finite; C-level
    loops only: a panel of 2,000 points is checked in well under a millisecond."""

    def check(value: Any) -> bool:
        if not isinstance(value, list) or len(value) > MAX_ITEMS:
            return False
        kinds = set(map(type, value))
        if not kinds <= types:
            return False
        numbers = [v for v in value if v is not None] if type(None) in kinds else value
        # (a finite sum: all finite; else look closer, the sum may only have overflowed)
        return math.isfinite(sum(numbers)) or all(map(math.isfinite, numbers))

    return check


def _items(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, list) and len(v) <= MAX_ITEMS and all(map(check, v))


def _counts(value: Any) -> bool:
    return isinstance(value, dict) and len(value) <= MAX_KEYS \
        and _list_of(NUMBER_TYPES)(list(value.values()))  # (JSON keys are text)


def _marker(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 3 and number(value[0]) \
        and _gap(value[1]) and isinstance(value[2], str)


def _span(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(map(number, value))


XS, GAPS = _list_of(NUMBER_TYPES), _list_of(GAP_TYPES)
# per shape: field -> check (None: may be absent); lines of the same length where it matters
PANEL_DATA: dict[str, dict[str, Callable[[Any], bool]]] = {
    CATEGORIES: {"counts": _counts},
    SERIES: {"x": XS, "y": GAPS},
    BAND: {"x": XS, "mean": GAPS, "low": GAPS, "high": GAPS},
    POINTS: {"x": GAPS, "y": GAPS},
    VALUES: {"edges": XS, "counts": XS},
}
def _others(value: Any) -> bool:
    """What the keys left out of a categories panel hold: {"keys": N, "total": X}."""
    return isinstance(value, dict) and type(value.get("keys")) is int \
        and 0 <= value["keys"] <= 2**53 and number(value.get("total")) and value["total"] >= 0


OPTIONAL_DATA = {"markers": _items(_marker), "spans": _items(_span), "others": _others,
                 "status": lambda v: v is None or isinstance(v, str),
                 "timed": lambda v: isinstance(v, bool)}


def _partitions(value: Any) -> bool:
    """The partitions a group member holds: partition numbers, or None (not a member)."""
    return value is None or (isinstance(value, list) and len(value) <= MAX_ITEMS and all(
        type(p) is int and 0 <= p <= MAX_COUNT for p in value))


def _group_total(value: Any) -> bool:
    """None (no group total, or none read yet) or {"messages", "rejected", "partitions",
    "as_of", "stale"} (see ``group.GroupTotal.value``)."""
    if value is None:
        return True
    return isinstance(value, dict) and all(
        type(value.get(k)) is int and 0 <= value[k] <= MAX_COUNT
        for k in ("messages", "rejected", "partitions")) \
        and number(value.get("as_of")) and value["as_of"] >= 0 \
        and isinstance(value.get("stale"), bool)


def _panel(panel: Any) -> bool:
    if not isinstance(panel, dict) or not isinstance(panel.get("data"), dict):
        return False
    shape, kind, data = panel.get("shape"), panel.get("kind"), panel["data"]
    fields = PANEL_DATA.get(shape) if isinstance(shape, str) else None
    if fields is None or not isinstance(kind, str) or KIND_SHAPES.get(kind, shape) != shape:
        return False
    if not isinstance(panel.get("title", ""), str) or any(not check(data.get(k))
                                                          for k, check in fields.items()):
        return False
    if any(k in data and not check(data[k]) for k, check in OPTIONAL_DATA.items()):
        return False
    if shape in (SERIES, BAND) and len({len(data[k]) for k in fields}) != 1:
        return False
    options = panel.get("options", {})
    if not isinstance(options, dict):
        return False
    top_k = options.get("top_k")
    colors = options.get("colors", [])
    return (top_k is None or (isinstance(top_k, int) and not isinstance(top_k, bool)
                              and top_k >= 0)) \
        and isinstance(colors, list) and all(isinstance(c, str) for c in colors)


def valid(record: Any) -> bool:
    """A version 1 record of the fields the frame reads, each of its type and form."""
    if not isinstance(record, dict) or record.get("version") != 1:
        return False
    if any(not isinstance(record.get(k), str) for k in TEXTS) or any(
            not isinstance(record.get(k), str | None) for k in OPTIONAL_TEXTS):
        return False
    if any(not number(record.get(k)) or record[k] < 0 for k in NUMBERS) or any(
            record[k] > MAX_COUNT for k in ("messages", "rejected")):
        return False
    if not all(_gap(record.get(k)) for k in ("lag", "pid", "started", "dead_letters")):
        return False
    if not (_partitions(record.get("partitions")) and _group_total(record.get("group_total"))):
        return False
    panels = record.get("panels")
    return isinstance(panels, list) and len(panels) <= MAX_PANELS and all(map(_panel, panels))
