"""A panel's data as JSON for the browser: each chart kind's data shape (see
``buzzline.shapes``) in plain lists, cut to what a browser chart needs (bounded per
frame whatever the number of keys or points)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from buzzline.analytics.ranking import rank
from buzzline.charts.palette import ChartColors, key_colors
from buzzline.shapes import (
    BAND,
    CATEGORIES,
    KIND_SHAPES,
    POINTS,
    SERIES,
    BandSnapshot,
    Feed,
    LineSnapshot,
)

MAX_POINTS = 2_000  # points of a line, band or scatter sent per frame
MAX_CATEGORIES = 200  # the largest categories sent (the page ranks and cuts them further)
DAY_MS = 86_400_000.0  # a timed x is a matplotlib day number; the page wants epoch ms
# matplotlib's "tab:" colours in CSS (other names and hex codes are CSS already)
# matplotlib's cycle ("C0".."C9") and one-letter names, which CSS does not know
CYCLE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
         "#bcbd22", "#17becf")
LETTERS = {"b": "#0000ff", "g": "#008000", "r": "#ff0000", "c": "#00bfbf", "m": "#bf00bf",
           "y": "#bfbf00", "k": "#000000", "w": "#ffffff"}
TAB_COLORS = {"tab:blue": "#1f77b4", "tab:orange": "#ff7f0e", "tab:green": "#2ca02c",
              "tab:red": "#d62728", "tab:purple": "#9467bd", "tab:brown": "#8c564b",
              "tab:pink": "#e377c2", "tab:gray": "#7f7f7f", "tab:grey": "#7f7f7f",
              "tab:olive": "#bcbd22", "tab:cyan": "#17becf"}


def css_color(name: str) -> str:
    text = name.strip()
    if len(text) == 2 and text[0] == "C" and text[1].isdigit():
        return CYCLE[int(text[1])]
    return LETTERS.get(text) or TAB_COLORS.get(text.lower(), text)


def _finite(values: Sequence[float]) -> list[float | None]:
    """JSON has no NaN or infinity: those points become gaps."""
    return [v if math.isfinite(v) else None for v in map(float, values)]


def _thin(n: int, limit: int = MAX_POINTS) -> range:
    """Indexes of at most ``limit`` evenly spread points of ``n``, the last one included."""
    if n <= limit:
        return range(n)
    step = math.ceil(n / limit)
    return range((n - 1) % step, n, step)


def _x(values: Sequence[float], timed: bool) -> list[float]:
    return [v * DAY_MS for v in values] if timed else [float(v) for v in values]


def _markers(markers: Sequence[tuple[float, float, str]], timed: bool) -> list[list]:
    return [[_x([x], timed)[0], _finite([y])[0], str(label)] for x, y, label in markers
            if math.isfinite(x)]


def categories(data: Mapping[str, float]) -> dict[str, Any]:
    """The largest ``MAX_CATEGORIES`` (all their values: the window and top-k come later; an
    app's feed gives a ``Ranking``, cut to its top-k already), largest first, and what they
    leave out: ``others`` {"keys", "total"} when keys were left out."""
    ranking = rank(data, MAX_CATEGORIES)
    body: dict[str, Any] = {"counts": {str(k): v for k, v in ranking.items()}}
    if ranking.others:
        body["others"] = {"keys": ranking.others, "total": ranking.rest}
    return body


def series(snap: LineSnapshot) -> dict[str, Any]:
    keep = _thin(len(snap.x))
    timed = bool(snap.timed)
    return {"x": _x([snap.x[i] for i in keep], timed), "y": _finite([snap.y[i] for i in keep]),
            "markers": _markers(snap.markers, timed),
            "spans": [_x([a, b], timed) for a, b in snap.spans],
            "status": snap.status, "timed": timed}


def band(snap: BandSnapshot) -> dict[str, Any]:
    keep = _thin(len(snap.x))
    timed = bool(snap.timed)
    pick = [snap.x[i] for i in keep]
    return {"x": _x(pick, timed), "mean": _finite([snap.mean[i] for i in keep]),
            "low": _finite([snap.low[i] for i in keep]),
            "high": _finite([snap.high[i] for i in keep]),
            "markers": _markers(snap.markers, timed),
            "timed": timed}


def points(data: tuple[Sequence[float], Sequence[float]], last: int = 0) -> dict[str, Any]:
    xs, ys = data
    n = min(len(xs), len(ys))
    first = max(0, n - min(last or MAX_POINTS, MAX_POINTS))
    return {"x": _finite(xs[first:n]), "y": _finite(ys[first:n])}


def histogram(values: Sequence[float], bins: int = 20, low: float | None = None,
              high: float | None = None) -> dict[str, Any]:
    """Edges and counts of ``bins`` equal bins from ``low`` to ``high`` (else the values'
    range); values outside fixed edges are left out, as the chart does."""
    finite = [v for v in map(float, values) if math.isfinite(v)]
    bins = max(1, int(bins))
    if low is None or high is None:
        low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if high <= low:
        low, high = low - 0.5, low + 0.5
    width = (high - low) / bins
    counts = [0] * bins
    for v in finite:
        if low <= v <= high:
            counts[min(bins - 1, int((v - low) / width))] += 1
    return {"edges": [low + i * width for i in range(bins + 1)], "counts": counts}


def panel(feed: Feed, data: Any) -> dict[str, Any]:
    """One panel for the page: title, kind, shape, options (colours in CSS; with none given,
    ``key_colors``: each category's colour, as the charts draw it), data."""
    kind, options = feed.kind, dict(feed.options)
    shape = KIND_SHAPES.get(kind, CATEGORIES)
    if shape == CATEGORIES:
        body = categories(data)
    elif shape == SERIES:
        body = series(data)
    elif shape == BAND:
        body = band(data)
    elif shape == POINTS:
        body = points(data, int(options.get("max_points") or 0))
    else:
        body = histogram(data, int(options.get("bins") or 20), _number(options.get("low")),
                         _number(options.get("high")))
    options["colors"] = [css_color(c) for c in feed.colors]
    if shape == CATEGORIES and ChartColors(feed.colors).by_key:
        # each key's colour as the charts draw it (one source: the page looks them up)
        options["key_colors"] = key_colors(body["counts"])
    return {"title": feed.title, "kind": kind, "shape": shape, "data": body,
            "options": {k: v for k, v in options.items() if v is not None}}


def _number(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)
