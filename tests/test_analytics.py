"""Analytics: counts, batches, the smoker stall, the bounded line series, totals, pipeline."""

from pathlib import Path

import pytest

from buzzline.analytics import (
    AlertEnded,
    AlertStarted,
    Batches,
    Counts,
    LineSeries,
    MeanBy,
    Pipeline,
    Stall,
    Totals,
    top_k,
)
from buzzline.analytics.counts import BatchCompleted, BatchesCompleted
from buzzline.analytics.series import to_day_number
from buzzline.clock import ManualClock
from buzzline.messages import Buzz, ProjectMessage, SmokerReading
from buzzline.sources.smoker import read_smoker_csv

SEED_CSV = Path(__file__).resolve().parents[2] / "shared" / "seed-data" / "smoker_temps.csv"


def buzzes(*authors: str) -> list[Buzz]:
    return [Buzz(message=f"m{i}", author=a) for i, a in enumerate(authors)]


def readings(temps: list[float], start_minute: int = 0) -> list[SmokerReading]:
    return [SmokerReading(f"2025-01-01 {15 + (start_minute + i) // 60:02d}:"
                          f"{(start_minute + i) % 60:02d}:00", t) for i, t in enumerate(temps)]


# --- counts ------------------------------------------------------------------------------

def test_top_k_orders_by_count_then_name() -> None:
    counts = {"Eve": 2, "Bob": 3, "Alice": 2, "Charlie": 1}
    assert top_k(counts, 2) == [("Bob", 3), ("Alice", 2)]
    assert top_k(counts, 3) == [("Bob", 3), ("Alice", 2), ("Eve", 2)]
    everything = [("Bob", 3), ("Alice", 2), ("Eve", 2), ("Charlie", 1)]
    assert top_k(counts, 0) == everything
    assert top_k(counts, -1) == everything
    assert top_k(counts, 99) == everything
    assert top_k({}, 3) == []


def test_counts_counts_across_updates_and_returns_a_copy() -> None:
    counts = Counts("author", top=2)
    counts.update(buzzes("Bob", "Alice", "Bob"))
    counts.update(buzzes("Eve", "Alice"))
    assert counts.counts() == {"Bob": 2, "Alice": 2, "Eve": 1}
    copy = counts.counts()
    copy["Bob"] = 100
    copy["Zed"] = 1
    assert counts.counts() == {"Bob": 2, "Alice": 2, "Eve": 1}
    assert counts.top_k() == [("Alice", 2), ("Bob", 2)]
    assert counts.top_k(0) == [("Alice", 2), ("Bob", 2), ("Eve", 1)]
    assert counts.result() == {"author_counts": {"Alice": 2, "Bob": 2, "Eve": 1},
                               "top_authors": ["Alice", "Bob"]}


def test_batches_of_five_over_uneven_chunks() -> None:
    messages = buzzes(*[f"a{i}" for i in range(23)])
    batches = Batches(5)
    events = []
    start = 0
    for size in (1, 7, 0, 3, 9, 2, 1):
        events += batches.update(messages[start:start + size])
        start += size
    assert start == 23
    assert all(isinstance(e, BatchesCompleted) for e in events)
    batches_made = [b for e in events for b in e.batches()]
    assert all(isinstance(b, BatchCompleted) for b in batches_made)
    assert [b.number for b in batches_made] == [1, 2, 3, 4]
    assert [b.messages for b in batches_made] == [tuple(messages[i:i + 5])
                                                  for i in range(0, 20, 5)]
    assert [e.describe() for e in events] == ["batch 1 of 5 messages", "batch 2 of 5 messages",
                                              "batches 3-4 of 5 messages"]
    assert batches.result() == {"batch_size": 5, "batches": 4, "batch_pending": 3}


def test_batches_rejects_size_zero() -> None:
    with pytest.raises(ValueError):
        Batches(0)


def test_mean_by_key() -> None:
    def pm(category: str, sentiment: float) -> ProjectMessage:
        return ProjectMessage("m", "a", "2025-01-01 15:00:00", category, sentiment, "k", 1)

    mean = MeanBy("category", "sentiment")
    mean.update([pm("tech", 0.5), pm("food", 0.2), pm("tech", 1.0)])
    mean.update([pm("tech", 0.0)])
    assert mean.means() == pytest.approx({"tech": 0.5, "food": 0.2})
    assert mean.result() == {"mean_sentiment_by_category": {"food": 0.2, "tech": 0.5}}


# --- stall -------------------------------------------------------------------------------

def test_stall_on_the_seed_csv() -> None:
    if not SEED_CSV.exists():
        pytest.skip(f"{SEED_CSV} not present")
    detector = smoker_stall(window=10, threshold=0.2)
    events = []
    readings_ = list(read_smoker_csv(SEED_CSV))
    for reading in readings_:
        events += detector.update([reading])
    started = [e for e in events if isinstance(e, AlertStarted)]
    assert len(started) == 1
    assert "2025-01-01 17:45:00" <= started[0].time <= "2025-01-01 18:15:00"
    window = [r.temperature for r in readings_[started[0].index - 9: started[0].index + 1]]
    assert len(window) == 10 and max(window) - min(window) <= 0.2  # the spread when it began
    assert len(detector.alerts) == 1
    assert detector.alerts[0]["start_time"] == started[0].time
    assert started[0].describe() == f"stall started at {started[0].time} " \
                                     f"({started[0].value:.1f} °F)"  # the csv app's log line


def smoker_stall(window: int = 10, threshold: float = 0.2, **kwargs) -> Stall:
    """The stall the csv app uses: on the readings' times, named "stall", in °F."""
    return Stall("temperature", window, threshold, time_field="timestamp", name="stall",
                 unit="°F", **kwargs)


def stall_recover_stall() -> list[SmokerReading]:
    climb = [100.0 + i for i in range(12)]
    flat = [111.0 + 0.01 * (i % 3) for i in range(15)]
    climb2 = [112.0 + i for i in range(8)]
    flat2 = [119.5] * 12
    return readings(climb + flat + climb2 + flat2)


def test_stall_recover_stall_gives_started_ended_started() -> None:
    detector = smoker_stall(10, 0.2)
    events = detector.update(stall_recover_stall())
    assert [type(e) for e in events] == [AlertStarted, AlertEnded, AlertStarted]
    assert [s["end"] is None for s in detector.alerts] == [False, True]
    assert [s["end_time"] is None for s in detector.alerts] == [False, True]
    assert detector.active


def test_window_not_full_never_stalls() -> None:
    detector = smoker_stall(10, 0.2)
    assert detector.update(readings([150.0] * 9)) == []
    assert not detector.active and detector.alerts == []
    assert [type(e) for e in detector.update(readings([150.0], 9))] == [AlertStarted]


def test_stall_same_result_one_at_a_time_or_in_one_batch() -> None:
    data = stall_recover_stall()
    if SEED_CSV.exists():
        data += list(read_smoker_csv(SEED_CSV))
    batch, single = smoker_stall(), smoker_stall()
    batch_events = batch.update(data)
    single_events = [e for r in data for e in single.update([r])]
    assert batch_events == single_events
    assert batch.result() == single.result()


# --- line series -------------------------------------------------------------------------

def test_to_day_number() -> None:
    assert to_day_number("1970-01-02 00:00:00") == 1.0
    assert to_day_number("1970-01-01T12:00:00") == 0.5
    assert to_day_number("1970-01-02T01:00:00+01:00") == 1.0
    assert to_day_number("not a time") is None
    assert to_day_number("") is None


def test_line_series_timed_and_untimed() -> None:
    timed = LineSeries(max_points=100)
    timed.update([SmokerReading("1970-01-02 00:00:00", 70.0),
                  SmokerReading("1970-01-03 00:00:00", 71.0)])
    assert timed.timed is True
    assert timed.points() == ([1.0, 2.0], [70.0, 71.0])
    untimed = LineSeries(max_points=100)
    untimed.update([SmokerReading("first", 70.0), SmokerReading("second", 72.5),
                    SmokerReading("third", 71.0)])
    assert untimed.timed is False
    assert untimed.points() == ([0.0, 1.0, 2.0], [70.0, 72.5, 71.0])
    assert untimed.points(last=2) == ([1.0, 2.0], [72.5, 71.0])


def feed(series: LineSeries, total: int, chunk: int = 10_000) -> None:
    """``total`` untimed readings; y cycles 0..chunk-1 (one chunk list reused, for speed)."""
    block = [SmokerReading("n/a", float(i)) for i in range(chunk)]
    for _ in range(total // chunk):
        series.update(block)


def test_line_series_stays_bounded_over_a_million_updates() -> None:
    series = LineSeries(max_points=1000)
    feed(series, 1_000_000)
    assert series.seen == 1_000_000
    assert 0 < len(series.x) == len(series.y) <= 1000
    assert series.last == (999_999.0, 9_999.0)
    assert list(series.x) == sorted(series.x) and series.x[0] == 0.0
    series.update([SmokerReading("n/a", -5.0)])  # not at a halving: it is the newest point
    assert series.points()[0][-1] == 1_000_000.0 and series.y[-1] == -5.0
    assert series.result()["readings"] == 1_000_001 and series.result()["last_value"] == -5.0


def test_line_series_keeps_the_newest_point_after_halving() -> None:
    series = LineSeries(max_points=1000)
    series.update([SmokerReading("n/a", float(i)) for i in range(1000)])
    assert series.points()[1][-1] == 999.0
    assert series.result()["last_value"] == 999.0


def test_line_series_rejects_tiny_max_points() -> None:
    with pytest.raises(ValueError):
        LineSeries(max_points=3)


# --- totals and pipeline -----------------------------------------------------------------

def test_totals_rate_over_its_window() -> None:
    clock = ManualClock()
    totals = Totals(clock, rate_window=5.0)
    assert totals.rate() == 0.0
    for _ in range(20):  # 100 msgs/s for 20 s
        clock.advance(1.0)
        totals.update(buzzes(*["a"] * 100))
    assert totals.rate() == pytest.approx(100.0)
    for _ in range(10):  # then 10 msgs/s: the old rate must leave the window
        clock.advance(1.0)
        totals.update(buzzes(*["a"] * 10))
    assert totals.rate() == pytest.approx(10.0)
    totals.add(0, rejected=7)
    assert totals.rejected == 7 and totals.messages == 2100
    assert totals.result() == {"messages": 2100, "rejected": 7, "elapsed_seconds": 30.0,
                               "mean_rate": round(2107 / 30, 1)}


def test_totals_rate_falls_to_zero_when_idle_past_the_window() -> None:
    clock = ManualClock()
    totals = Totals(clock, rate_window=5.0)
    clock.advance(1.0)
    totals.add(1000)
    clock.advance(60.0)
    assert totals.rate() == 0.0


def test_pipeline_runs_all_and_merges_results() -> None:
    clock = ManualClock()
    pipeline = Pipeline({"counts": Counts("author"), "batches": Batches(2),
                         "totals": Totals(clock)})
    events = pipeline.update(buzzes("Bob", "Alice", "Bob"))
    assert [b.number for e in events for b in e.batches()] == [1]
    assert pipeline.update([]) == []
    assert "counts" in pipeline and "nope" not in pipeline
    assert pipeline["totals"].messages == 3
    result = pipeline.result()
    assert result["author_counts"] == {"Alice": 1, "Bob": 2}
    assert result["batches"] == 1 and result["batch_pending"] == 1
    assert result["messages"] == 3 and result["rejected"] == 0


def test_stall_detector_keeps_the_newest_stalls_and_counts_them_all() -> None:
    readings = []
    for cook in range(5):  # five stalls: a climb, then a flat stretch
        readings += [SmokerReading(f"2025-01-01T{cook:02d}:{i:02d}:00", 100.0 + i * 2)
                     for i in range(5)]
        readings += [SmokerReading(f"2025-01-01T{cook:02d}:{i:02d}:30", 200.0)
                     for i in range(5, 9)]
    detector = smoker_stall(window=3, threshold=0.2, kept=3)
    detector.update(readings)
    assert detector.count == 5
    assert [s["start_time"][11:13] for s in detector.alerts] == ["02", "03", "04"]
    assert detector.result()["stall"]["count"] == 5
