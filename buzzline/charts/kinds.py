"""Chart kinds by name: ``CHART_KINDS.get("bar")`` is the ``ChartKind`` (see
``buzzline.charts.kind``) that the module named for it in ``buzzline.shapes.KINDS``
declares as ``KIND``.

``CHART_KINDS.get("bar").make(ax, data, title="...", colors=("tab:blue",), top_k=5)`` builds the
chart on ``ax``; ``data`` is called under the consumer's lock each frame and returns the kind's
shape. ``chart_of(feed, ax)`` builds a panel's chart from its ``Feed``: the one way the window
and the images derive a chart (the browser dashboard draws the same feeds).
"""

import importlib
from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes

from buzzline.charts.base import Chart
from buzzline.charts.kind import ChartKind
from buzzline.registry import Registry
from buzzline.shapes import (
    BAND,
    CATEGORIES,
    KINDS,
    POINTS,
    SERIES,
    SHAPES,
    VALUES,
    BandSnapshot,
    Feed,
    LineSnapshot,
)


def _registered() -> Registry[ChartKind]:
    """Each kind's ``KIND``, from the module ``buzzline.shapes.KINDS`` names for it."""
    kinds: Registry[ChartKind] = Registry("chart kind")
    for name, (_, module) in KINDS.items():
        declared = getattr(importlib.import_module(module), "KIND", None)
        if not isinstance(declared, ChartKind) or declared.name != name:
            raise TypeError(f"{module} should declare KIND = ChartKind({name!r}, ...)")
        kinds.add(name, declared)
    return kinds


CHART_KINDS = _registered()


def sample_data(shape: str, frame: int = 0) -> Any:
    """Made-up data of ``shape`` (the same for the same ``frame``; later frames move on), for
    the gallery and tests."""
    import math
    import random

    rng = random.Random(1000 + frame)
    n = 60 + 10 * frame
    if shape == CATEGORIES:
        base = {"Alice": 14, "Bob": 9, "Charlie": 21, "Dana": 6, "Eve": 11}
        return {k: float(v + rng.randint(0, 3) + 2 * frame) for k, v in base.items()}
    if shape == POINTS:
        xs = [rng.uniform(0, 10) for _ in range(n * 2)]
        return xs, [2.0 + 0.8 * x + rng.gauss(0, 1.2) for x in xs]
    if shape == VALUES:
        return [rng.gauss(70, 6) for _ in range(n * 10)]
    temps = [70 + 8 * math.sin(i / 9) + rng.gauss(0, 1.0) for i in range(n)]
    for i in range(30, 38):  # a stall: flat for a while
        temps[i] = temps[29] + rng.gauss(0, 0.05)
    xs = [float(i) for i in range(n)]
    if shape == SERIES:
        return LineSnapshot(xs, temps, [(30.0, temps[30], "Stall")], [(30.0, 37.0)],
                            status=f"{n} readings", timed=False)
    if shape == BAND:
        width = 8
        windows = [temps[max(0, i - width + 1): i + 1] for i in range(n)]
        return BandSnapshot(xs, [sum(w) / len(w) for w in windows], [min(w) for w in windows],
                            [max(w) for w in windows], [(30.0, temps[30], "Stall")])
    raise ValueError(f"no sample data for shape {shape!r}; shapes: {', '.join(SHAPES)}")


AXIS_LABELS = ("xlabel", "ylabel")


def chart_of(feed: Feed, ax: Axes) -> Chart:
    """The chart of ``feed`` on ``ax``, through its kind: the feed's title, options and colours
    (checked; none: the kind's own). Axis labels are dropped for a kind without axes (pie)."""
    found = CHART_KINDS.get(feed.kind)
    options = {k: v for k, v in feed.options.items()
               if k in found.options or k not in AXIS_LABELS}
    return found.make(ax, feed.data, title=feed.title, colors=",".join(feed.colors), **options)


def charts_of(feeds: Sequence[Feed], axes: Sequence[Axes]) -> list[Chart]:
    """The chart of each feed, on the axes in turn."""
    return [chart_of(feed, ax) for feed, ax in zip(feeds, axes, strict=False)]
