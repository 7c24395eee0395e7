"""The browser dashboard's Python side: panels (a feed's data as JSON), the hub (time windows
over the consumers' live files, with a fake clock), the publisher (real consumers over the file
transport, in a session and through the CLI) and the server (a real ``buzzline dashboard``
process: health, frames, server-sent events, the page, a taken port, signals)."""

from __future__ import annotations

import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from buzzline.apps import get_app
from buzzline.dashboard import panels
from buzzline.dashboard.hub import (
    HISTORY_SECONDS,
    KEEP_SECONDS,
    MAX_RATES,
    STALE_SECONDS,
    Hub,
)
from buzzline.dashboard.panels import MAX_CATEGORIES, MAX_POINTS, css_color, panel
from buzzline.dashboard.publisher import LivePublisher
from buzzline.dashboard.server import STATIC
from buzzline.engine.consume import ConsumeJob
from buzzline.engine.session import SessionOptions
from buzzline.messages import Buzz
from buzzline.runner import ConsumeOptions, run
from buzzline.settings import load_settings
from buzzline.shapes import BandSnapshot, Feed, LineSnapshot
from buzzline.transports.file import FileTransport
from buzzline.transports.memory import MemoryTransport
from tests.conftest import run_buzzline, subprocess_env

T0 = 1_700_000_000.0  # the fake clock's start
DAY_MS = 86_400_000


# ---------------------------------------------------------------------------------- panels


def test_categories_keep_the_largest_and_name_keys_as_text() -> None:
    data = {f"k{i:03d}": i for i in range(MAX_CATEGORIES + 50)}
    counts = panels.categories(data)["counts"]
    assert len(counts) == MAX_CATEGORIES
    assert set(counts) == {f"k{i:03d}" for i in range(50, MAX_CATEGORIES + 50)}
    assert all(counts[k] == data[k] for k in counts)
    assert panels.categories({1: 3, "b": 2})["counts"] == {"1": 3, "b": 2}


@pytest.mark.parametrize("n", [1, MAX_POINTS, MAX_POINTS + 1, 2 * MAX_POINTS, 5 * MAX_POINTS + 3])
def test_series_and_band_thinned_to_max_points_keeping_the_last(n: int) -> None:
    x = [float(i) for i in range(n)]
    y = [float(i) * 2 for i in range(n)]
    body = panels.series(LineSnapshot(x, y, timed=False))
    assert len(body["x"]) == len(body["y"]) <= MAX_POINTS
    if n <= MAX_POINTS:
        assert body["x"] == x and body["y"] == y
    else:
        assert len(body["x"]) > MAX_POINTS // 2  # thinned, not emptied
        steps = {b - a for a, b in zip(body["x"], body["x"][1:], strict=False)}
        assert len(steps) == 1  # evenly spread
    assert body["x"][-1] == n - 1 and body["y"][-1] == 2 * (n - 1)
    assert all(yy == 2 * xx for xx, yy in zip(body["x"], body["y"], strict=True))
    band = panels.band(BandSnapshot(x, y, [v - 1 for v in y], [v + 1 for v in y]))
    assert len(band["x"]) == len(band["mean"]) == len(band["low"]) == len(band["high"])
    assert len(band["x"]) <= MAX_POINTS and band["x"][-1] == n - 1
    assert band["low"][-1] == 2 * (n - 1) - 1 and band["high"][-1] == 2 * (n - 1) + 1


def test_timed_x_becomes_epoch_milliseconds() -> None:
    snap = LineSnapshot([20000.5], [1.0], markers=[(20000.5, 1.0, "stall")],
                        spans=[(20000.0, 20000.5)], timed=True)
    body = panels.series(snap)
    assert body["x"] == [20000.5 * DAY_MS]
    assert body["markers"] == [[20000.5 * DAY_MS, 1.0, "stall"]]
    assert body["spans"] == [[20000.0 * DAY_MS, 20000.5 * DAY_MS]]
    assert body["timed"] is True
    moment = datetime.fromtimestamp(body["x"][0] / 1000, UTC)
    assert moment == datetime(2024, 10, 4, 12, tzinfo=UTC)  # matplotlib day 20000.5
    plain = panels.series(LineSnapshot([20000.5], [1.0], timed=False))
    assert plain["x"] == [20000.5] and plain["timed"] is False
    band = panels.band(BandSnapshot([2.0], [1.0], [0.0], [2.0], timed=True))
    assert band["x"] == [2 * DAY_MS]


def test_nan_and_infinity_become_none() -> None:
    bad = [1.0, math.nan, math.inf, -math.inf, 2.0]
    want = [1.0, None, None, None, 2.0]
    line = panels.series(LineSnapshot([0.0, 1, 2, 3, 4], bad, timed=False))
    band = panels.band(BandSnapshot([0.0, 1, 2, 3, 4], bad, bad, bad))
    pts = panels.points((bad, bad))
    assert line["y"] == want
    assert band["mean"] == band["low"] == band["high"] == want
    assert pts == {"x": want, "y": want}
    for body in (line, band, pts):
        assert orjson.loads(orjson.dumps(body)) == body
        json.dumps({k: v for k, v in body.items() if k != "markers"}, allow_nan=False)


def test_points_keep_the_newest() -> None:
    xs, ys = list(range(10)), list(range(100, 110))
    assert panels.points((xs, ys), last=3) == {"x": [7.0, 8.0, 9.0], "y": [107.0, 108.0, 109.0]}
    assert panels.points((xs, ys[:4])) == {"x": [0.0, 1.0, 2.0, 3.0],
                                           "y": [100.0, 101.0, 102.0, 103.0]}
    many = list(range(MAX_POINTS + 10))
    body = panels.points((many, many), last=MAX_POINTS * 5)
    assert len(body["x"]) == MAX_POINTS and body["x"][-1] == MAX_POINTS + 9


def test_histogram_edges_and_counts() -> None:
    free = panels.histogram([float(v) for v in range(10)], bins=5)
    assert free["edges"] == pytest.approx([0, 1.8, 3.6, 5.4, 7.2, 9.0])
    assert free["counts"] == [2, 2, 2, 2, 2]  # the maximum lands in the last bin
    fixed = panels.histogram([-1, 0, 4.9, 5, 10, 11, math.nan, math.inf], bins=2, low=0, high=10)
    assert fixed["edges"] == [0, 5, 10]
    assert fixed["counts"] == [2, 2]  # -1, 11, nan and inf left out
    same = panels.histogram([3.0, 3.0, 3.0], bins=4)
    assert sum(same["counts"]) == 3 and len(same["edges"]) == 5
    assert same["edges"][0] < 3.0 < same["edges"][-1]
    assert all(math.isfinite(e) for e in same["edges"])
    empty = panels.histogram([], bins=3)
    assert empty["counts"] == [0, 0, 0] and len(empty["edges"]) == 4
    # options come as text from a stream declaration: parsed, both bounds used
    body = panel(Feed("h", "histogram", lambda: None, {"bins": "2", "low": "0", "high": 10}),
                 [1.0, 6.0, 7.0, 12.0])
    assert body["shape"] == "values" and body["data"]["counts"] == [1, 2]


def test_css_colors_and_panel_options() -> None:
    assert css_color("tab:blue") == "#1f77b4"
    assert css_color(" TAB:Orange ") == "#ff7f0e"
    assert css_color("red") == "red" and css_color("#abcdef") == "#abcdef"
    feed = Feed("Authors", "bar", dict, {"top_k": None, "xlabel": "Author"},
                ("tab:green", "#123456"))
    body = panel(feed, {"A": 2, "B": 5})
    assert body["title"] == "Authors" and body["kind"] == "bar" and body["shape"] == "categories"
    assert body["data"] == {"counts": {"B": 5, "A": 2}}
    assert body["options"] == {"xlabel": "Author", "colors": ["#2ca02c", "#123456"]}
    line = panel(Feed("T", "line", dict), LineSnapshot([1.0], [2.0], status="ok", timed=False))
    assert line["shape"] == "series" and line["data"]["status"] == "ok"
    scatter = panel(Feed("S", "scatter", dict, {"max_points": 2}), ([1, 2, 3], [4, 5, 6]))
    assert scatter["shape"] == "points" and scatter["data"] == {"x": [2.0, 3.0], "y": [5.0, 6.0]}


# ------------------------------------------------------------------------------------- hub


def bars(counts: dict[str, float], top_k: int | None = None) -> dict[str, Any]:
    return panel(Feed("Authors", "bar", dict, {"top_k": top_k}), counts)


def record(ident: str = "basic-file-1", messages: int = 0, counts: dict | None = None, *,
           updated: float, state: str = "running", rate: float = 5.0, top_k: int | None = None,
           panel_list: list | None = None) -> dict[str, Any]:
    """A version 1 record as ``LivePublisher.record`` writes it (with ``updated``)."""
    return {"version": 1, "id": ident, "app": "basic", "title": "Basic", "transport": "file",
            "topic": "buzz_live", "group": "g", "pid": 1, "started": T0, "state": state,
            "messages": messages, "rejected": 0, "dead_letters": 0, "rate": rate, "lag": 0,
            "lag_unit": "bytes",
            "panels": panel_list if panel_list is not None else [bars(counts or {}, top_k)],
            "updated": updated}


class LiveDir:
    """Writes records like the publisher (atomic replace), each with a new mtime (file
    timestamps are coarser than the writes of a test)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.ticks = 0

    def write(self, rec: dict[str, Any] | bytes, name: str | None = None) -> Path:
        body = rec if isinstance(rec, bytes) else orjson.dumps(rec)
        path = self.path / f"{name or rec['id']}.json"  # type: ignore[index]
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(body)
        os.replace(tmp, path)
        self.ticks += 1
        ns = 1_600_000_000_000_000_000 + self.ticks * 1_000_000
        os.utime(path, ns=(ns, ns))
        return path


@pytest.fixture
def live(tmp_path: Path) -> LiveDir:
    return LiveDir(tmp_path / "live")


@pytest.fixture
def clock() -> list[float]:
    return [T0]


def hub_of(live: LiveDir, clock: list[float]) -> Hub:
    return Hub(live.path, clock=lambda: clock[0])


def only(frame: dict[str, Any]) -> dict[str, Any]:
    assert len(frame["consumers"]) == 1, frame
    return frame["consumers"][0]


def test_hub_window_zero_is_cumulative_and_a_window_counts_the_increase(live, clock) -> None:
    hub = hub_of(live, clock)
    steps = [(0, 10, {"a": 5, "b": 3, "c": 2}), (30, 20, {"a": 9, "b": 6, "c": 5}),
             (70, 35, {"a": 15, "b": 10, "c": 5, "d": 1}), (100, 50, {"a": 20, "b": 10, "c": 4,
                                                                       "d": 8})]
    for offset, messages, counts in steps:
        clock[0] = T0 + offset
        live.write(record(messages=messages, counts=counts, updated=clock[0]))
        assert hub.scan()
    everything = only(hub.frame(0))
    assert everything["messages"] == everything["window_messages"] == 50
    assert everything["window_since"] is None
    assert everything["panels"][0]["data"] == {"labels": ["a", "b", "c", "d"],
                                               "values": [20, 10, 4, 8]}
    # the window starts at T0 + 40: the increase since the sample at T0 + 30
    last_minute = only(hub.frame(60))
    assert last_minute["messages"] == 50 and last_minute["window_messages"] == 30
    assert last_minute["window_since"] == T0 + 30
    assert last_minute["panels"][0]["data"] == {"labels": ["a", "b", "c", "d"],
                                                "values": [11, 4, 0, 8]}  # c fell: 0
    assert only(hub.frame(70))["window_since"] == T0 + 30  # a sample exactly at the start
    earlier = only(hub.frame(75))
    assert earlier["window_since"] == T0 and earlier["window_messages"] == 40
    assert earlier["panels"][0]["data"]["values"] == [15, 7, 2, 8]
    longest = only(hub.frame(HISTORY_SECONDS))  # began before the hub looked: the oldest
    assert longest["window_since"] == T0 and longest["window_messages"] == 40


def test_hub_top_k_ranks_the_window_largest_first(live, clock) -> None:
    hub = hub_of(live, clock)
    live.write(record(messages=27, counts={"a": 1, "b": 7, "c": 7, "d": 3, "e": 9}, top_k=3,
                      updated=T0))
    hub.scan()
    data = only(hub.frame(0))["panels"][0]["data"]
    assert data == {"labels": ["e", "b", "c", "others (2 keys)"], "values": [9, 7, 7, 4],
                    "others_at": 3}  # ties by name; the rest as one bar, as the charts draw
    clock[0] = T0 + 10
    live.write(record(messages=40, counts={"a": 11, "b": 8, "c": 7, "d": 3, "e": 10}, top_k=3,
                      updated=clock[0]))
    hub.scan()
    assert only(hub.frame(0))["panels"][0]["data"]["labels"][:3] == ["a", "e", "b"]
    windowed = only(hub.frame(5))["panels"][0]["data"]  # ranked on the window's counts
    assert windowed == {"labels": ["a", "b", "e", "others (2 keys)"], "values": [10, 1, 1, 0],
                        "others_at": 3}


def test_hub_shows_the_keys_left_out_as_one_grey_others_bar(live, clock) -> None:
    """A feed of many keys sends its top K and what the rest hold: the page gets them as one
    last bar, all time and within a window (what the rest gained since the window began)."""
    from buzzline.analytics.ranking import leading

    hub = hub_of(live, clock)
    many = {f"k{i:04d}": 1 for i in range(1000)} | {"big": 50, "mid": 20}
    sent = bars(leading(many, 2), 2)["data"]
    assert sent["others"] == {"keys": 1000, "total": 1000}  # the feed is bounded
    live.write(record(messages=1070, panel_list=[bars(leading(many, 2), 2)], updated=T0))
    hub.scan()
    assert only(hub.frame(0))["panels"][0]["data"] == {
        "labels": ["big", "mid", "others (1,000 keys)"], "values": [50, 20, 1000],
        "others_at": 2}
    clock[0] = T0 + 10
    more = many | {f"k{i:04d}": 3 for i in range(100)} | {"big": 51}
    live.write(record(messages=1271, panel_list=[bars(leading(more, 2), 2)], updated=clock[0]))
    hub.scan()
    windowed = only(hub.frame(5))["panels"][0]["data"]
    assert windowed["labels"][-1] == "others (1,000 keys)" and windowed["values"][-1] == 200
    assert sum(windowed["values"]) == 1271 - 1070


def test_hub_line_and_band_windows_keep_the_points_that_arrived_since(live, clock) -> None:
    hub = hub_of(live, clock)

    def panels_at(n: int) -> list[dict[str, Any]]:
        x = [float(i) for i in range(1, n + 1)]
        y = [v * 10 for v in x]
        line = panel(Feed("L", "line", dict), LineSnapshot(
            x, y, markers=[(2.0, 20.0, "old"), (5.0, 50.0, "new")][: 1 if n < 5 else 2],
            spans=[(2.0, 5.0)] if n >= 5 else [], timed=False))
        band = panel(Feed("B", "band", dict), BandSnapshot(x, y, [v - 1 for v in y],
                                                           [v + 1 for v in y]))
        return [line, band]

    live.write(record(messages=3, panel_list=panels_at(3), updated=T0))
    hub.scan()
    clock[0] = T0 + 70
    live.write(record(messages=6, panel_list=panels_at(6), updated=clock[0]))
    hub.scan()
    line, band = only(hub.frame(60))["panels"]
    assert line["data"]["x"] == [4.0, 5.0, 6.0] and line["data"]["y"] == [40.0, 50.0, 60.0]
    assert [m[2] for m in line["data"]["markers"]] == ["new"]
    assert line["data"]["spans"] == [[3.0, 5.0]]  # clipped at the window's start
    assert band["data"]["x"] == [4.0, 5.0, 6.0] and band["data"]["low"] == [39.0, 49.0, 59.0]
    line, band = only(hub.frame(0))["panels"]
    assert len(line["data"]["x"]) == len(band["data"]["high"]) == 6


def test_hub_passes_an_outage_of_a_running_consumer(live, clock) -> None:
    """A consumer whose broker is out of reach keeps its numbers and says why (the card shows
    "broker unreachable" instead of "running"); a finished one, or a bad value, shows none."""
    hub = hub_of(live, clock)
    live.write({**record("down", messages=7, updated=T0), "outage": "broker unreachable"})
    live.write({**record("fin", messages=2, updated=T0, state="finished"), "outage": "x"})
    live.write({**record("odd", messages=3, updated=T0), "outage": 5})
    hub.scan()
    shown = {c["id"]: (c["state"], c["outage"], c["messages"]) for c in hub.frame(0)["consumers"]}
    assert shown == {"down": ("running", "broker unreachable", 7),
                     "fin": ("finished", None, 2), "odd": ("running", None, 3)}


def test_hub_states_running_finished_gone_and_forgotten(live, clock) -> None:
    hub = hub_of(live, clock)
    live.write(record("run", messages=1, updated=T0, rate=12.5))
    live.write(record("fin", messages=2, updated=T0, state="finished", rate=12.5))
    hub.scan()

    def states() -> dict[str, tuple[str, float]]:
        return {c["id"]: (c["state"], c["rate"]) for c in hub.frame(0)["consumers"]}

    clock[0] = T0 + STALE_SECONDS
    hub.scan()
    assert states() == {"run": ("running", 12.5), "fin": ("finished", 0.0)}
    clock[0] = T0 + STALE_SECONDS + 0.5
    hub.scan()
    assert states() == {"run": ("gone", 0.0), "fin": ("finished", 0.0)}
    clock[0] = T0 + KEEP_SECONDS - 1
    hub.scan()
    assert set(states()) == {"run", "fin"}
    clock[0] = T0 + KEEP_SECONDS + 1
    hub.scan()
    assert states() == {}
    # a consumer that comes back is shown again
    live.write(record("run", messages=3, updated=clock[0]))
    hub.scan()
    assert states() == {"run": ("running", 5.0)}


def test_hub_skips_corrupt_and_half_written_files(live, clock) -> None:
    hub = hub_of(live, clock)
    good = orjson.dumps(record("a", messages=10, counts={"x": 10}, updated=T0))
    live.write(good, "a")
    live.write(good[: len(good) // 2], "half")
    live.write(b"not json at all", "garbage")
    live.write(b"", "empty")
    live.write(orjson.dumps({**record("v2", updated=T0), "version": 2}), "v2")  # a newer format
    hub.scan()
    assert [c["id"] for c in hub.frame(0)["consumers"]] == ["a"]
    assert hub.errors >= 3
    # the file of a consumer seen before goes bad: its last good numbers stay
    errors = hub.errors
    live.write(good[:-7], "a")
    clock[0] += 1
    hub.scan()
    assert hub.errors > errors
    assert only(hub.frame(0))["messages"] == 10
    live.write(record("a", messages=20, counts={"x": 20}, updated=clock[0]))
    hub.scan()
    assert only(hub.frame(0))["messages"] == 20


def test_hub_skips_a_version_1_file_with_missing_fields(live, clock) -> None:
    hub = hub_of(live, clock)
    live.write(record("a", messages=10, updated=T0))
    live.write(b'{"version": 1, "id": "foreign"}', "foreign")
    live.write(orjson.dumps({**record("b", updated=T0), "messages": None}), "b")
    hub.scan()
    assert [c["id"] for c in hub.frame(0)["consumers"]] == ["a"]
    assert hub.errors >= 2


def test_hub_sees_a_rewrite_within_one_timestamp_tick(live, clock) -> None:
    hub = hub_of(live, clock)
    path = live.write(record("a", messages=10, updated=T0))
    hub.scan()
    tick = path.stat().st_mtime_ns
    live.write(record("a", messages=11, updated=T0, state="finished"))
    os.utime(path, ns=(tick, tick))  # the same timestamp, as a coarse file clock gives
    clock[0] += 1
    hub.scan()
    assert only(hub.frame(0))["state"] == "finished"


def test_hub_forgets_a_removed_file(live, clock) -> None:
    hub = hub_of(live, clock)
    live.write(record("a", updated=T0))
    gone = live.write(record("b", updated=T0))
    assert hub.scan()
    assert [c["id"] for c in hub.frame(0)["consumers"]] == ["a", "b"]
    clock[0] += 1
    assert not hub.scan()  # nothing changed
    gone.unlink()
    assert hub.scan()
    assert [c["id"] for c in hub.frame(0)["consumers"]] == ["a"]
    assert set(hub.watched) == {"a"}


def test_hub_rates_are_bounded_and_keep_the_newest(live, clock) -> None:
    hub = hub_of(live, clock)
    total = HISTORY_SECONDS + 100
    for i in range(total):
        clock[0] = T0 + i
        live.write(record(messages=i, rate=float(i), updated=clock[0]))
        hub.scan()
    rates = only(hub.frame(0))["rates"]
    assert MAX_RATES // 2 < len(rates) <= MAX_RATES
    assert rates[-1] == [round(clock[0], 3), float(total - 1)]
    times = [t for t, _ in rates]
    assert times == sorted(set(times))
    assert times[0] >= clock[0] - HISTORY_SECONDS - 2  # the history is bounded too
    minute = only(hub.frame(60))["rates"]
    assert [t for t, _ in minute] == [T0 + i for i in range(total - 61, total)]
    # a consumer gone silent samples a rate of 0
    clock[0] += STALE_SECONDS + 2
    hub.scan()
    assert only(hub.frame(0))["rates"][-1] == [round(clock[0], 3), 0.0]


# ------------------------------------------------------------------------------- publisher


def topic_lines(n: int) -> tuple[bytes, dict[str, int]]:
    """``n`` buzz messages and one bad line; the author counts the consumer should find."""
    authors = "ABC"
    lines = [Buzz(f"message {i}", authors[i % 3]).encode() for i in range(n)]
    lines.insert(n // 2, b'{"message": "no author"')  # cut short: rejected
    counts = {a: sum(1 for i in range(n) if authors[i % 3] == a) for a in authors}
    return b"\n".join(lines) + b"\n", counts


def settings_for(tmp_path: Path):
    return load_settings(environ={}, env_file=None, data_dir=tmp_path / "data",
                         checkpoint_seconds=0)


def run_session(tmp_path: Path, live_dir: Path | None, topics: tuple[str, ...] = ("t",)):
    settings = settings_for(tmp_path)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    body, counts = topic_lines(50)
    for topic in topics:
        (settings.data_dir / f"{topic}.jsonl").write_bytes(body)
    transport = FileTransport(settings.data_dir, poll_interval=0.01)
    reading = [ConsumeOptions(topic=topic, start="beginning", idle_exit=0.3) for topic in topics]
    options = SessionOptions(title="t", image_name="t", charts=False, fps=20, live_dir=live_dir)
    return run(["basic"] * len(topics), settings=settings, transport=transport, produce=False,
               consume=reading, view=options), counts


def test_session_publishes_the_final_numbers(tmp_path: Path) -> None:
    live_dir = tmp_path / "data" / "live"
    summaries, counts = run_session(tmp_path, live_dir, ("t", "u"))
    files = sorted(live_dir.glob("*.json"))
    pid = os.getpid()
    assert [f.name for f in files] == [f"basic-file-{pid}-1.json", f"basic-file-{pid}.json"]
    assert not list(live_dir.glob(".*"))  # no temporary file left
    records = {r["topic"]: r for r in (orjson.loads(f.read_bytes()) for f in files)}
    for summary in summaries:
        rec = records[summary["topic"]]
        assert rec["version"] == 1 and rec["state"] == "finished"
        assert rec["app"] == "basic" and rec["transport"] == "file"
        assert rec["messages"] == summary["messages"] == 50
        assert rec["rejected"] == summary["rejected"] == 1
        assert rec["dead_letters"] == summary["dead_letters"]
        assert rec["panels"][0]["data"]["counts"] == summary["author_counts"] == counts
        assert rec["lag"] == sum(summary["lag"].values()) and rec["lag_unit"] == "bytes"
        assert abs(rec["updated"] - time.time()) < 60
    # the hub shows them as the page would
    hub = Hub(live_dir)
    hub.scan()
    frame = hub.frame(0)
    assert [c["state"] for c in frame["consumers"]] == ["finished", "finished"]
    data = frame["consumers"][0]["panels"][0]["data"]
    assert dict(zip(data["labels"], data["values"], strict=True)) == counts


def test_session_without_live_dir_writes_nothing(tmp_path: Path) -> None:
    summaries, _ = run_session(tmp_path, None)
    assert summaries[0]["messages"] == 50
    assert not (tmp_path / "data" / "live").exists()


def test_publisher_skips_unchanged_writes_and_always_writes_finished(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    transport = MemoryTransport()
    jobs = [ConsumeJob(get_app("basic"), settings, transport, "t"),
            ConsumeJob(get_app("basic"), settings, transport, "t")]
    directory = tmp_path / "live"
    publisher = LivePublisher(jobs, directory)
    assert len(set(publisher.ids)) == 2
    directory.mkdir()
    publisher.publish()
    assert publisher.writes == 2
    publisher.publish()  # nothing changed, within the heartbeat
    assert publisher.writes == 2
    with jobs[0].lock:
        jobs[0].pipeline.update([Buzz("hi", "Z")])
    publisher.publish()
    assert publisher.writes == 3
    first = orjson.loads((directory / f"{publisher.ids[0]}.json").read_bytes())
    assert first["state"] == "running" and first["panels"][0]["data"]["counts"] == {"Z": 1}
    publisher.finish()  # never started: still writes the final numbers
    assert publisher.writes == 5
    states = {orjson.loads(p.read_bytes())["state"] for p in directory.glob("*.json")}
    assert states == {"finished"}


def test_cli_consume_publishes_what_it_reports(workdir: Path) -> None:
    (workdir / "data").mkdir()
    body, counts = topic_lines(40)
    (workdir / "data" / "buzz_live.jsonl").write_bytes(body)
    result = run_buzzline(["consume", "basic", "--no-chart", "--from-beginning", "--idle-exit",
                           "0.3", "--summary-json", "s.json"], workdir, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((workdir / "s.json").read_text())
    files = list((workdir / "data" / "live").glob("basic-file-*.json"))
    assert len(files) == 1
    rec = orjson.loads(files[0].read_bytes())
    assert rec["state"] == "finished"
    assert rec["messages"] == summary["messages"] == 40
    assert rec["rejected"] == summary["rejected"] == 1
    assert rec["panels"][0]["data"]["counts"] == summary["author_counts"] == counts


@pytest.mark.parametrize("how", ["--no-live", "BUZZLINE_LIVE=false"])
def test_cli_consume_without_live_writes_nothing(workdir: Path, how: str) -> None:
    (workdir / "data").mkdir()
    (workdir / "data" / "buzz_live.jsonl").write_bytes(topic_lines(10)[0])
    flags, env = ([how], {}) if how.startswith("--") else ([], dict([how.split("=")]))
    result = run_buzzline(["consume", "basic", "--no-chart", "--from-beginning", "--idle-exit",
                           "0.3", "--summary-json", "s.json", *flags], workdir, timeout=60, **env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads((workdir / "s.json").read_text())["messages"] == 10
    assert not (workdir / "data" / "live").exists()


# ---------------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@contextmanager
def dashboard(workdir: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "buzzline", "dashboard", "--port", str(port),
                             "--fps", "20"], cwd=workdir, env=subprocess_env(workdir),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            try:
                if get(port, "/api/health", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the dashboard did not answer within 30 s"
            time.sleep(0.05)
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr_text = proc.communicate(timeout=10)[1]  # type: ignore[attr-defined]


def parse_frames(buffer: bytes) -> list[dict[str, Any]]:
    """The frames of the complete events in ``buffer``."""
    out = []
    for event in buffer.split(b"\n\n")[:-1]:
        lines = event.split(b"\n")
        if b"event: frame" in lines:
            data = [line[len(b"data: "):] for line in lines if line.startswith(b"data: ")]
            out.append(orjson.loads(b"".join(data)))
    return out


class Events:
    """A server-sent-event stream read as it comes."""

    def __init__(self, port: int, path: str = "/events?window=0") -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        self.conn.request("GET", path)
        self.response = self.conn.getresponse()
        self.buffer = b""

    def read_until(self, done: Callable[[bytes], bool], seconds: float = 10.0) -> None:
        deadline = time.monotonic() + seconds
        while not done(self.buffer):
            assert time.monotonic() < deadline, self.buffer[-500:]
            chunk = self.response.read1(65536)
            assert chunk, "the stream ended"
            self.buffer += chunk

    def frames(self) -> list[dict[str, Any]]:
        return parse_frames(self.buffer)

    def close(self) -> None:
        self.conn.close()


def live_record(messages: int, counts: dict[str, int]) -> dict[str, Any]:
    return record("basic-file-4242", messages=messages, counts=counts, updated=time.time())


def test_server_health_frame_page_and_static_files(workdir: Path) -> None:
    live = LiveDir(workdir / "data" / "live")
    live.write(live_record(12, {"A": 5, "B": 7}))
    with dashboard(workdir) as (_, port):
        status, headers, body = get(port, "/api/health")
        health = orjson.loads(body)
        assert status == 200 and health["ok"] is True
        assert Path(health["directory"]).resolve() == live.path.resolve()
        status, headers, body = get(port, "/api/frame?window=0")
        assert status == 200 and headers["content-type"].startswith("application/json")
        frame = orjson.loads(body)
        consumer = only(frame)
        assert consumer["id"] == "basic-file-4242" and consumer["state"] == "running"
        assert consumer["messages"] == consumer["window_messages"] == 12
        assert consumer["panels"][0]["data"] == {"labels": ["A", "B"], "values": [5, 7]}
        assert orjson.loads(get(port, "/api/frame?window=abc")[2])["window"] == 0
        assert orjson.loads(get(port, "/api/frame?window=1e9")[2])["window"] == HISTORY_SECONDS
        status, headers, body = get(port, "/")
        assert status == 200 and headers["content-type"].startswith("text/html")
        assert b"/static/dashboard.js" in body
        status, headers, body = get(port, "/static/dashboard.js")
        assert status == 200 and body == (STATIC / "dashboard.js").read_bytes()
        vendor = STATIC / "vendor" / "chart.umd.min.js"
        if vendor.exists():  # another change adds the vendored Chart.js
            status, _, body = get(port, "/static/vendor/chart.umd.min.js")
            assert status == 200 and len(body) == vendor.stat().st_size
        assert get(port, "/static/nothing-here.js")[0] == 404


def test_server_streams_frames_and_follows_the_file(workdir: Path) -> None:
    live = LiveDir(workdir / "data" / "live")
    live.write(live_record(12, {"A": 5, "B": 7}))
    with dashboard(workdir) as (_, port):
        events = Events(port)
        try:
            assert events.response.status == 200
            assert events.response.getheader("content-type", "").startswith("text/event-stream")
            events.read_until(lambda b: any(c["consumers"] for c in parse_frames(b)))
            assert events.buffer.startswith(b"retry:")
            first = next(f for f in events.frames() if f["consumers"])
            assert only(first)["id"] == "basic-file-4242" and only(first)["messages"] == 12
            live.write(live_record(77, {"A": 40, "B": 37}))
            events.read_until(lambda b: any(c["messages"] == 77 for f in parse_frames(b)
                                            for c in f["consumers"]))
            later = next(f for f in events.frames()
                         if f["consumers"] and only(f)["messages"] == 77)
            assert later["seq"] > first["seq"]
            assert only(later)["panels"][0]["data"]["values"] == [40, 37]
        finally:
            events.close()


def health(port: int) -> dict[str, Any]:
    return orjson.loads(get(port, "/api/health")[2])


def test_server_keeps_sending_frames_after_a_bad_file(workdir: Path) -> None:
    live = LiveDir(workdir / "data" / "live")
    with dashboard(workdir) as (_, port):
        live.write(b'{"version": 1, "id": "foreign"}', "foreign")
        deadline = time.monotonic() + 10
        while health(port)["errors"] == 0:  # the frame task has read it, and set it aside
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert health(port)["consumers"] == 0
        (live.path / "foreign.json").unlink()
        seq = health(port)["seq"]
        deadline = time.monotonic() + 3  # a heartbeat frame comes every second
        while health(port)["seq"] <= seq:
            assert time.monotonic() < deadline, "no new frame: the frame task died"
            time.sleep(0.1)


def test_dashboard_on_a_taken_port_says_so_in_one_line(workdir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_buzzline(["dashboard", "--port", str(port)], workdir, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(port) in lines[0] and "--port" in lines[0], result.stderr
    assert "http://" not in result.stdout


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_dashboard_stops_on_a_signal_with_a_page_open(workdir: Path, sig: int) -> None:
    with dashboard(workdir) as (proc, port):
        events = Events(port)
        try:
            events.read_until(lambda b: b"event: frame" in b)
            proc.send_signal(sig)
            start = time.monotonic()
            code = proc.wait(timeout=10)
            took = time.monotonic() - start
        finally:
            events.close()
    assert took < 5
    assert code == 0  # as `buzzline consume` does on Ctrl-C and SIGTERM


def test_dashboard_stops_without_a_traceback_with_a_page_open(workdir: Path) -> None:
    with dashboard(workdir) as (proc, port):
        events = Events(port)
        try:
            events.read_until(lambda b: b"event: frame" in b)
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=10)
        finally:
            events.close()
    stderr = proc.stderr_text  # type: ignore[attr-defined]
    assert "Traceback" not in stderr and "ERROR" not in stderr, stderr[-3000:]


def test_demo_with_dashboard_serves_its_consumers_and_stops_with_it(workdir: Path) -> None:
    """`buzzline demo --dashboard PORT`: one command, the streams and the page; the server
    shows the four consumers running and goes away when the demo ends."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "buzzline", "--log-level", "WARNING", "demo",
                             "--no-chart", "--dashboard", str(port), "--duration", "6"],
                            cwd=workdir, env=subprocess_env(workdir), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        running: list[str] = []
        while len(running) < 4:
            assert time.monotonic() < deadline, "the demo's consumers never showed"
            time.sleep(0.2)
            try:
                frame = orjson.loads(get(port, "/api/frame")[2])
            except OSError:
                continue
            running = [c["app"] for c in frame["consumers"] if c["state"] == "running"]
        assert sorted(running) == ["basic", "csv", "json", "project"]
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert f"http://localhost:{port}/" in out and "basic:" in out
    with socket.socket() as probe:  # the server stopped with the demo: the port is free
        probe.bind(("127.0.0.1", port))
