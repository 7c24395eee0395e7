"""The dashboard's view of the running consumers: it reads their published files (see
``publisher``), keeps a short history of each (one sample a second, for the time windows and
the rate chart) and builds the frame the page draws, for a chosen time window."""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from buzzline.dashboard import livefiles
from buzzline.dashboard.records import valid

log = logging.getLogger(__name__)
HISTORY_SECONDS = 900  # the longest time window offered (15 min)
SAMPLE_SECONDS = 1.0
MAX_RATES = 300  # rate points per consumer in a frame
STALE_SECONDS = 5.0  # a running consumer silent this long is shown as gone
KEEP_SECONDS = 600.0  # finished or gone consumers stay on the page this long


@dataclass
class Sample:
    at: float
    messages: int
    rate: float
    counts: dict[int, dict[str, float]]  # panel index -> category counts (categories panels)
    others: dict[int, float]  # panel index -> what the keys left out of ``counts`` hold
    last_x: dict[int, float]  # panel index -> the newest x of a line or band panel


@dataclass
class Watched:
    record: dict[str, Any]
    stamp: tuple[int, ...]
    history: deque[Sample] = field(default_factory=lambda: deque(
        maxlen=int(HISTORY_SECONDS / SAMPLE_SECONDS) + 2))


class Hub:
    def __init__(self, directory: Path, clock: Callable[[], float] = time.time) -> None:
        self.directory, self.clock = directory, clock
        self.watched: dict[str, Watched] = {}
        self.errors = 0  # files that could not be read (mid-replace, foreign, corrupt)
        self.bad: dict[str, tuple[int, ...]] = {}  # files set aside (logged once), their stamp

    def scan(self) -> bool:
        """Read the files that changed; sample the histories. True when anything changed."""
        changed = False
        seen = set()
        now = self.clock()
        for entry in livefiles.entries(self.directory):
            key = entry.key
            seen.add(key)
            old = self.watched.get(key)
            if (old is not None and old.stamp == entry.stamp) or self.bad.get(key) == entry.stamp:
                continue
            try:
                record = orjson.loads(livefiles.read(entry))
                why = None if valid(record) else "not a consumer's live file of this version " \
                    "(a field missing, of another type or out of range)"
            except orjson.JSONDecodeError:
                why = "not JSON"
            except livefiles.NotALiveFile as exc:
                why = str(exc)
            except OSError:  # replaced or removed meanwhile: read at the next scan
                self.errors += 1
                continue
            if why is not None:
                self._set_aside(entry, why)
                continue
            self.bad.pop(key, None)
            # a clock ahead of ours (or a hand-made file) is not a consumer alive forever
            record["updated"] = min(record["updated"], now)
            if old is None:
                self.watched[key] = old = Watched(record, entry.stamp)
            old.record, old.stamp = record, entry.stamp
            changed = True
        for key in set(self.watched) - seen:
            del self.watched[key]
            changed = True
        for key in set(self.bad) - seen:
            del self.bad[key]
        self._sample()
        return changed

    def _set_aside(self, entry: livefiles.Entry, why: str) -> None:
        """One line per file that goes bad (not one per frame); its last good numbers stay."""
        self.errors += 1
        if entry.key not in self.bad:
            log.warning("dashboard: skipping %s: %s", entry.path, why)
        self.bad[entry.key] = entry.stamp

    def _sample(self) -> None:
        now = self.clock()
        for item in self.watched.values():
            history, record = item.history, item.record
            if history and now - history[-1].at < SAMPLE_SECONDS:
                continue
            panels = list(enumerate(record["panels"]))
            counts = {i: p["data"]["counts"] for i, p in panels
                      if p.get("shape") == "categories"}
            last_x = {i: p["data"]["x"][-1] for i, p in panels
                      if p.get("shape") in ("series", "band") and p["data"]["x"]}
            rate = float(record["rate"]) if self.state(record, now) == "running" else 0.0
            others = {i: p["data"]["others"]["total"] for i, p in panels
                      if p.get("shape") == "categories" and p["data"].get("others")}
            history.append(Sample(now, int(record["messages"]), rate, counts, others, last_x))

    def state(self, record: dict[str, Any], now: float) -> str:
        if record.get("state") == "finished":
            return "finished"
        return "running" if now - float(record.get("updated", 0)) <= STALE_SECONDS else "gone"

    def frame(self, window: float, seq: int = 0) -> dict[str, Any]:
        """What the page shows: every consumer seen lately, with ``window`` seconds of data
        (0: all of it)."""
        now = self.clock()
        consumers = []
        for key in sorted(self.watched, key=lambda k: (self.watched[k].record.get("app") or "", k)):
            item = self.watched[key]
            state = self.state(item.record, now)
            if state != "running" and now - float(item.record.get("updated", 0)) > KEEP_SECONDS:
                continue
            consumers.append(self._consumer(item, state, window, now))
        return {"seq": seq, "now": now, "window": window, "consumers": consumers}

    def _consumer(self, item: Watched, state: str, window: float, now: float) -> dict[str, Any]:
        record = item.record
        base = _baseline(item.history, now - window) if window > 0 else None
        messages = int(record["messages"])
        # (a group member: "partitions" it holds, "group_total" read from the changelog)
        out = {k: record.get(k) for k in ("id", "app", "title", "transport", "topic", "group",
                                          "pid", "updated", "rejected", "lag", "lag_unit",
                                          "partitions", "group_total")}
        outage = record.get("outage")  # e.g. "broker unreachable": shown instead of running
        out["outage"] = outage[:80] if isinstance(outage, str) and state == "running" else None
        out.update(state=state, messages=messages,
                   rate=float(record["rate"]) if state == "running" else 0.0,
                   window_messages=messages - base.messages if base else messages,
                   # the window's data counts from here (later than now - window when the
                   # dashboard started watching since)
                   window_since=base.at if base else None,
                   rates=_rates(item.history, now - window if window > 0 else -math.inf))
        out["panels"] = [_panel(p, base, i) for i, p in enumerate(record["panels"])]
        return out


def _baseline(history: deque[Sample], since: float) -> Sample | None:
    """The newest sample at or before ``since`` (else the oldest: the window began before
    the dashboard looked)."""
    if not history:
        return None
    found = history[0]
    for sample in history:
        if sample.at > since:
            break
        found = sample
    return found


def _rates(history: deque[Sample], since: float) -> list[list[float]]:
    points = [[round(s.at, 3), round(s.rate, 1)] for s in history if s.at >= since]
    step = max(1, math.ceil(len(points) / MAX_RATES))
    return points[(len(points) - 1) % step::step] if points else []  # the newest one kept


def _panel(panel: dict[str, Any], base: Sample | None, index: int) -> dict[str, Any]:
    """A panel with only the window's data: counts since the window's start, the points of
    a line or band that arrived since (a scatter or histogram shows all)."""
    data, options = panel["data"], panel.get("options", {})
    shape = panel.get("shape")
    if shape == "categories":
        counts = dict(data["counts"])
        others = data.get("others") or {"keys": 0, "total": 0}
        rest = (others["keys"], others["total"])
        if base is not None:
            before = base.counts.get(index, {})
            counts = {k: max(0, v - before.get(k, 0)) for k, v in counts.items()}
            rest = (rest[0], max(0, rest[1] - base.others.get(index, 0)))
        data = ranked(counts, int(options.get("top_k") or 0), rest)
    elif shape in ("series", "band") and base is not None and index in base.last_x:
        data = _after(data, base.last_x[index])
    return {**panel, "data": data}


def ranked(counts: dict[str, float], top_k: int,
           rest: tuple[int, float] = (0, 0)) -> dict[str, Any]:
    """Bars as the charts draw them: the ``top_k`` largest, largest first; else all, by name;
    then one bar for the keys left out (``rest``: how many the publisher left out and what
    they hold, plus those beyond ``top_k`` here), ``others_at`` its index."""
    if top_k > 0:
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        items, beyond = ordered[:top_k], ordered[top_k:]
    else:
        items, beyond = sorted(counts.items()), []
    keys, total = rest[0] + len(beyond), rest[1] + sum(v for _, v in beyond)
    out: dict[str, Any] = {"labels": [k for k, _ in items], "values": [v for _, v in items]}
    if keys:
        out["others_at"] = len(items)
        out["labels"].append(f"others ({keys:,} keys)")
        out["values"].append(total)
    return out


def _after(data: dict[str, Any], start: float) -> dict[str, Any]:
    """A line's or band's points after x = ``start``, and its markers and spans from there."""
    first = next((i for i, x in enumerate(data["x"]) if x > start), len(data["x"]))
    out = {k: (v[first:] if isinstance(v, list) and len(v) == len(data["x"]) else v)
           for k, v in data.items()}
    out["markers"] = [m for m in data.get("markers", []) if m[0] >= start]
    if "spans" in data:
        out["spans"] = [[max(a, start), b] for a, b in data["spans"] if b >= start]
    return out
