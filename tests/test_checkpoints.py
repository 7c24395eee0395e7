"""Checkpoints: analytics state round trips, per-partition combination, the SQLite store and
a consumer job that resumes from its checkpoint (memory and file transports, in process)."""

import random
import threading
from collections import Counter
from pathlib import Path

import orjson
import pytest

from buzzline.analytics import Batches, Counts, LineSeries, MeanBy, Stall, Totals
from buzzline.apps import get_app
from buzzline.checkpoints import Checkpoint, CheckpointStore, StateKey, forget_topic
from buzzline.clock import ManualClock
from buzzline.engine.consume import ConsumeJob
from buzzline.messages import Buzz, ProjectMessage, SmokerReading
from buzzline.settings import load_settings
from buzzline.transports.file import FileTransport
from buzzline.transports.memory import MemoryTransport

KEY = StateKey("file", "basic", "g", "t")


def buzzes(n: int, seed: int = 1) -> list[Buzz]:
    rng = random.Random(seed)
    return [Buzz(f"message {i}", rng.choice("ABCDE")) for i in range(n)]


def readings(n: int) -> list[SmokerReading]:
    temps = [70 + i * 0.5 if i < n // 3 or i > 2 * n // 3 else 90.0 for i in range(n)]
    return [SmokerReading(f"2025-01-01T10:{i // 60:02d}:{i % 60:02d}", t)
            for i, t in enumerate(temps)]


def through_json(state: dict) -> dict:
    return orjson.loads(orjson.dumps(state))


@pytest.mark.parametrize("make, messages", [
    (lambda: Counts("author"), buzzes(500)),
    (lambda: Batches(7, message_type=Buzz), buzzes(500)),
    (lambda: MeanBy("category", "sentiment"),
     [ProjectMessage("m", "a", "2025-01-01T00:00:00", f"c{i % 3}", i / 500, "k", 3)
      for i in range(500)]),
    (lambda: Stall("temperature", 10, 0.2, time_field="timestamp"), readings(300)),
    (lambda: LineSeries(max_points=100), readings(300)),
    (lambda: Totals(ManualClock()), buzzes(500)),
])
def test_saved_state_continues_exactly_like_an_uninterrupted_run(make, messages):
    whole = make()
    whole.update(messages)
    for cut in (0, 1, 137, len(messages) - 1):
        first = make()
        first.update(messages[:cut])
        resumed = make()
        resumed.load_state(through_json(first.state()))  # what a checkpoint stores
        resumed.update(messages[cut:])
        assert resumed.result() | {"elapsed_seconds": 0} == whole.result() | {
            "elapsed_seconds": 0}
        assert resumed.state() == whole.state()


@pytest.mark.parametrize("make", [lambda: Counts("author"), lambda: Totals(ManualClock())])
def test_partitions_combine_to_the_totals_of_one_stream(make):
    messages = buzzes(999)
    whole = make()
    whole.update(messages)
    parts = [make() for _ in range(3)]
    for i, message in enumerate(messages):
        parts[i % 3].update([message])
    view = make()
    view.combine(parts)
    assert view.result() | {"elapsed_seconds": 0} == whole.result() | {"elapsed_seconds": 0}


def test_batches_are_per_partition_and_add_up():
    parts = [Batches(5), Batches(5)]
    parts[0].update(buzzes(12))
    parts[1].update(buzzes(9))
    view = Batches(5)
    view.combine(parts)
    assert view.result() == {"batch_size": 5, "batches": 3, "batch_pending": 6}


def test_series_of_several_partitions_combine_in_time_order():
    stream = readings(60)
    a, b, view = LineSeries(100), LineSeries(100), LineSeries(100)
    a.update(stream[::2])
    b.update(stream[1::2])
    view.combine([a, b])
    whole = LineSeries(100)
    whole.update(stream)
    assert view.points() == whole.points()
    assert view.seen == 60 and view.last == whole.last


def test_store_saves_all_partitions_at_once_and_keys_apart(tmp_path: Path):
    store = CheckpointStore(tmp_path / "c.sqlite")
    other = StateKey("kafka", "basic", "g", "t")
    store.save(KEY, {0: Checkpoint(10, {"a": 1}), 1: Checkpoint(20, {"b": [1.5]})})
    store.save(other, {0: Checkpoint(99, {})})
    assert store.load(KEY) == {0: Checkpoint(10, {"a": 1}), 1: Checkpoint(20, {"b": [1.5]})}
    assert store.load(KEY, [1, 2]) == {1: Checkpoint(20, {"b": [1.5]})}
    with pytest.raises(ZeroDivisionError), store._transaction():
        store._db.execute("DELETE FROM checkpoints")
        raise ZeroDivisionError  # a failed save changes nothing
    assert len(store.load(KEY)) == 2
    assert store.clear(KEY) == 2 and store.load(KEY) == {}
    assert store.load(other) == {0: Checkpoint(99, {})}
    store.close()
    forget_topic(tmp_path, "kafka", "t")  # the file name is fixed: nothing there to forget
    assert CheckpointStore(tmp_path / "c.sqlite").load(other) == {0: Checkpoint(99, {})}


def _settings(tmp_path: Path, **overrides):
    return load_settings(environ={}, env_file=None, data_dir=tmp_path / "data",
                         checkpoint_seconds=0, **overrides)


def _job(transport, settings, **kw) -> ConsumeJob:
    app = get_app("basic")
    return ConsumeJob(app, settings, transport, "t", **kw)


def _produce(transport, messages) -> None:
    with transport.producer("t") as producer:
        for m in messages:
            producer.send(m.encode())


@pytest.mark.parametrize("transport_name", ["memory", "file"])
def test_a_restarted_job_resumes_from_its_checkpoint(tmp_path: Path, transport_name: str):
    settings = _settings(tmp_path)
    transport = (MemoryTransport(checkpoints=True) if transport_name == "memory"
                 else FileTransport(settings.data_dir, poll_interval=0.01))
    messages = buzzes(3000)
    truth = Counter(m.author for m in messages)
    _produce(transport, messages[:1000])
    first = _job(transport, settings, start="beginning", count=700)
    first.run()
    assert first.summary("x")["messages"] == 700
    _produce(transport, messages[1000:])
    second = _job(transport, settings, idle_exit=0.3)  # default start: resume
    second.run()
    summary = second.summary("x")
    assert summary["messages"] == 3000 and summary["author_counts"] == dict(sorted(truth.items()))
    assert second.read == 2300  # it read only what the first one had not counted

    again = _job(transport, settings, idle_exit=0.3, reset_state=True)
    again.run()  # forgot the state: a memory/file topic then starts at its end
    assert again.summary("x")["messages"] == 0
    fresh = _job(transport, settings, start="beginning", idle_exit=0.3)
    fresh.run()  # from the beginning: counts afresh, not on top of the saved state
    assert fresh.summary("x")["messages"] == 3000


def test_rate_leaves_the_restored_messages_out(tmp_path: Path):
    settings = _settings(tmp_path)
    transport = MemoryTransport(checkpoints=True)
    _produce(transport, buzzes(500))
    _job(transport, settings, start="beginning", idle_exit=0.2).run()
    clock = ManualClock()
    resumed = _job(transport, settings, clock=clock)
    assert resumed.totals.messages == 500
    clock.advance(2.0)
    assert resumed.totals.rate() == 0.0
    assert resumed.totals.result()["mean_rate"] == 0.0


def test_a_topic_emptied_since_the_checkpoint_is_counted_afresh(tmp_path: Path):
    settings = _settings(tmp_path)
    transport = MemoryTransport(checkpoints=True)
    _produce(transport, buzzes(500))
    _job(transport, settings, start="beginning", idle_exit=0.2).run()
    with transport.producer("t", reset=True) as producer:  # emptied (another process)
        for m in buzzes(100, seed=2):
            producer.send(m.encode())
    job = _job(transport, settings, idle_exit=0.2)
    job.run()  # the saved position is past the end: it reads the new messages, afresh
    assert job.summary("x")["messages"] == 100  # not 600: the old state is gone


def test_no_checkpoint_while_a_batch_is_half_applied(tmp_path: Path):
    settings = _settings(tmp_path)
    transport = MemoryTransport(checkpoints=True)
    _produce(transport, buzzes(50))
    job = _job(transport, settings, start="beginning")
    job._consistent = False
    assert job._checkpoint() == {}
    job._consistent = True
    assert job._checkpoint() == {0: 0}


def test_the_checkpoint_interval_is_a_setting(tmp_path: Path):
    settings = load_settings(environ={"BUZZLINE_CHECKPOINT_SECONDS": "2.5"}, env_file=None)
    assert settings.checkpoint_seconds == 2.5
    stop = threading.Event()
    stop.set()
    job = _job(MemoryTransport(checkpoints=True), _settings(tmp_path), stop=stop)
    job.run()  # stops at once; the final checkpoint still runs
    empty = get_app("basic").pipeline(settings, ManualClock()).state()
    assert CheckpointStore(tmp_path / "data" / "checkpoints.sqlite").load(
        StateKey("memory", "basic", "buzz_group", "t")) == {0: Checkpoint(0, empty)}
