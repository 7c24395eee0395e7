"""The stream analytics: rolling stats, threshold and stall alerts, time windows, histograms,
each with a JSON state round trip and combine over partitions; the specs' chart views."""

import random
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
import pytest

from buzzline.analytics import Histogram, Rolling, Sliding, Stall, Threshold, Tumbling
from buzzline.analytics.alerts import AlertEnded, AlertStarted
from buzzline.clock import ManualClock
from buzzline.streams import analytics as a


@dataclass
class M:
    value: float
    name: str = "x"
    ts: str = "2025-01-01 00:00:00"


def msgs(values, **kw):
    return [M(v, **kw) for v in values]


def roundtrip(analytic, fresh):
    fresh.load_state(orjson.loads(orjson.dumps(analytic.state())))
    return fresh


def test_rolling_stats_window_and_band():
    r = Rolling("value", window=3)
    r.update(msgs([1, 2, 3, 4]))
    assert r.stats() == pytest.approx({"mean": 3.0, "min": 2.0, "max": 4.0,
                                       "std": (2 / 3) ** 0.5})
    x, mean, low, high = r.points("x", "mean", "low", "high")
    assert x == [0, 1, 2, 3] and mean == [1, 1.5, 2, 3] and low == [1, 1, 1, 2]
    assert high == [1, 2, 3, 4]
    assert r.result()["value_rolling"]["count"] == 4


def test_rolling_state_round_trip_continues_identically():
    values = [random.Random(1).gauss(0, 1) for _ in range(50)]
    whole = Rolling("value", window=7, max_points=16)
    whole.update(msgs(values))
    half = Rolling("value", window=7, max_points=16)
    half.update(msgs(values[:20]))
    resumed = roundtrip(half, Rolling("value", window=7, max_points=16))
    resumed.update(msgs(values[20:]))
    assert resumed.state() == whole.state()
    assert len(whole.points("x")[0]) < 16  # bounded


def test_rolling_combine_one_part_is_a_copy_and_several_merge():
    a1, a2 = Rolling("value", 5), Rolling("value", 5)
    a1.update(msgs([1, 2, 3]))
    a2.update(msgs([10, 20]))
    view = Rolling("value", 5)
    view.combine([a1])
    assert view.state() == a1.state()
    view.combine([a1, a2])
    assert view.seen == 5 and sorted(view.values) == [1, 2, 3, 10, 20]
    assert view.points("x")[0] == [0, 0, 1, 1, 2]


def test_threshold_alerts_once_per_crossing_with_markers_and_spans():
    t = Threshold("value", above=10, below=0)
    events = t.update(msgs([5, 11, 12, 5, -1, 3]))
    assert [type(e) for e in events] == [AlertStarted, AlertEnded, AlertStarted, AlertEnded]
    assert "started at message 1" in events[0].describe()
    assert t.alerts == [{"start": 1, "end": 3, "value": 11.0},
                        {"start": 4, "end": 5, "value": -1.0}]
    assert t.spans() == [(1.0, 3.0), (4.0, 5.0)]
    assert t.markers()[0][:2] == (1.0, 11.0)
    assert t.result()["value_threshold"]["count"] == 2
    with pytest.raises(ValueError):
        Threshold("value")


def test_threshold_state_round_trip_and_combine():
    t = Threshold("value", above=10)
    t.update(msgs([1, 20]))
    resumed = roundtrip(t, Threshold("value", above=10))
    assert resumed.active and resumed.update(msgs([30])) == []  # still the same alert
    assert [type(e) for e in resumed.update(msgs([1]))] == [AlertEnded]
    other = Threshold("value", above=10)
    other.update(msgs([50, 1, 2]))
    view = Threshold("value", above=10)
    view.combine([resumed, other])
    assert view.seen == 7 and view.count == 2 and not view.active
    assert [al["start"] for al in view.alerts] == [0, 1]


def test_stall_needs_a_full_flat_window_and_keeps_it_in_state():
    s = Stall("value", window=3, threshold=0.5)
    assert s.update(msgs([1, 1.1])) == []
    assert [type(e) for e in s.update(msgs([1.2]))] == [AlertStarted]
    resumed = roundtrip(s, Stall("value", window=3, threshold=0.5))
    assert [type(e) for e in resumed.update(msgs([5]))] == [AlertEnded]
    view = Stall("value", window=3, threshold=0.5)
    view.combine([resumed])
    assert view.state() == resumed.state()


def test_tumbling_by_time_field_counts_and_means_per_window():
    w = Tumbling(60, "value", time_field="ts")
    w.update([M(1, ts="2025-01-01 00:00:10"), M(3, ts="2025-01-01 00:00:50"),
              M(10, ts="2025-01-01 00:01:05")])
    rows = w.windows()
    assert [r[1] for r in rows] == [2, 1]
    assert rows[1][0] - rows[0][0] == 60
    assert [v for _, v in w.values()] == [2.0, 10.0]
    assert w.result()[w.name]["messages"] == 3


def test_tumbling_by_arrival_time_uses_the_clock_and_combines_exactly():
    clock = ManualClock(datetime(2025, 1, 1))
    p1, p2 = Tumbling(10, clock=clock), Tumbling(10, clock=clock)
    p1.update(msgs([1, 2]))
    p2.update(msgs([3]))
    clock.advance(10)
    p1.update(msgs([4]))
    view = Tumbling(10, clock=clock)
    view.combine([p1, p2])
    assert [r[1] for r in view.windows()] == [3, 1]
    resumed = roundtrip(view, Tumbling(10, clock=clock))
    assert resumed.windows() == view.windows()


def test_tumbling_keeps_the_newest_windows():
    w = Tumbling(1, time_field="value", kept=3)
    w.update(msgs([0, 1, 2, 3, 4]))  # epoch seconds
    assert [r[0] for r in w.windows()] == [2, 3, 4]


def test_sliding_windows_overlap():
    w = Sliding(3, 1, time_field="value")
    w.update(msgs([0, 1, 1, 2, 5]))
    assert [(r[0], r[1]) for r in w.windows()] == [(-2, 1), (-1, 3), (0, 4), (3, 1)]
    with pytest.raises(ValueError):
        Sliding(1, 2)


def test_histogram_bins_round_trip_and_combine():
    h = Histogram("value", bins=4, lo=0, hi=1)
    h.update(msgs([0.0, 0.1, 0.3, 0.99, 1.5, -2]))
    assert h.counts == [3, 1, 0, 2]
    assert h.by_label() == {"0": 3, "0.25": 1, "0.5": 0, "0.75": 2}
    resumed = roundtrip(h, Histogram("value", bins=4))
    assert resumed.state() == h.state()
    view = Histogram("value", bins=4)
    view.combine([])
    assert view.counts == [0, 0, 0, 0]
    view.combine([h, resumed])
    assert view.counts == [6, 2, 0, 4] and len(view.recent) == 12


def test_specs_say_their_shapes_and_views_give_them():
    clock = ManualClock()
    roll = a.rolling("value", window=2)
    analytic = roll.build(clock, M)
    analytic.update(msgs([1, 3]))
    assert roll.shapes[0] == "band" and "series" in roll.shapes
    assert roll.reader(analytic, "values")() == [1.0, 3.0]
    assert roll.reader(analytic, "series")().y == [1.0, 2.0]
    counts = a.top_k("name", 1)
    c = counts.build(clock, M)
    c.update([M(1, "a"), M(1, "b"), M(1, "b")])
    assert counts.reader(c, "categories")() == {"b": 2}
    with pytest.raises(ValueError, match="gives categories, not series"):
        counts.reader(c, "series")
    batches = a.batches(2)
    b = batches.build(clock, M)
    b.update(msgs([1, 2, 3]))
    assert batches.reader(b, "categories")() == {"complete batches": 1, "pending messages": 1}
    assert orjson.loads(orjson.dumps(b.state()))["pending"] == [{"value": 3, "name": "x",
                                                                 "ts": "2025-01-01 00:00:00"}]
    alert = a.threshold("value", above=2)
    t = alert.build(clock, M)
    t.update(msgs([1, 3]))
    snap = alert.reader(t, "series")()
    assert snap.markers and snap.spans and "1 alert" in snap.status
    win = a.tumbling(60, "value", time_field="ts")
    w = win.build(clock, M)
    w.update(msgs([4, 6]))
    assert win.reader(w, "series")().y == [5.0]
    assert list(win.reader(w, "categories")().values()) == [5.0]


def test_rolling_with_limits_alerts_once_per_crossing_and_keeps_them_in_state():
    r = Rolling("value", window=3, above=10)
    events = r.update(msgs([1, 11, 12, 2, 30]))
    assert [type(e) for e in events] == [AlertStarted, AlertEnded, AlertStarted]
    assert r.markers() == [(1.0, 11.0, "11"), (4.0, 30.0, "30")]
    assert r.result()["value_rolling"]["alert_count"] == 2
    resumed = roundtrip(r, Rolling("value", window=3, above=10))
    assert resumed.update(msgs([40])) == [] and resumed.state()["alerts"] == r.state()["alerts"]
    view = Rolling("value", window=3, above=10)
    view.combine([r, resumed])
    assert view.alert_count == 4 and view.active
    plain = Rolling("value", window=3)
    assert plain.update(msgs([100])) == [] and "alerts" not in plain.result()["value_rolling"]


def test_window_labels_keep_sub_second_windows_apart():
    spec = a.sliding(1, 0.25, time_field="value")
    w = spec.build(ManualClock(), M)
    w.update(msgs([0.0, 0.3, 0.6, 3600.9]))
    assert list(spec.reader(w, "categories")()) == ["23:59:59.25", "23:59:59.50", "23:59:59.75",
                                                  "01:00:00.00"]
    assert list(spec.reader(w, "categories")().values()) == [1, 2, 3, 1]
    by_arrival = Tumbling(60, clock=ManualClock(datetime(2025, 1, 1, 15, 0, 0)))
    by_arrival.update(msgs([1]))  # a naive wall time counts as UTC, as LineSeries reads it
    assert by_arrival.windows()[0][0] == datetime(2025, 1, 1, 15).replace(tzinfo=UTC).timestamp()
