"""Changelog records (no broker): a partition's state written as records, only what changed,
and read back exactly; records of an older epoch are ignored; large states are chunked."""

import pytest

from buzzline.analytics import Counts, Pipeline, Totals
from buzzline.messages import Buzz
from buzzline.state import records as r
from buzzline.state.names import MAX_TOPIC, changelog_topic
from buzzline.state_codec import StateError


def pipeline() -> Pipeline:
    return Pipeline({"authors": Counts("author"), "totals": Totals()})


def apply(log: dict[bytes, bytes], written: list[r.Record]) -> None:
    for key, value in written:
        if value is None:
            log.pop(key, None)
        else:
            log[key] = value


def buzz(*authors: str) -> list[Buzz]:
    return [Buzz(f"m{i}", a) for i, a in enumerate(authors)]


def test_full_then_delta_then_restore_exact():
    p = pipeline()
    p.update(buzz("a", "b", "a"))
    log: dict[bytes, bytes] = {}
    first, written = r.partition_records(3, p, None)
    apply(log, first)
    assert {k for k, _ in first} >= {b"authors\0\"a\"", b"authors\0\"b\"", r.META}
    p.update(buzz("c", "a"))
    second, written = r.partition_records(5, p, written)
    keys = {k for k, _ in second}
    assert b"authors\0\"b\"" not in keys  # unchanged: not written again
    assert {b"authors\0\"a\"", b"authors\0\"c\"", r.META} <= keys
    apply(log, second)
    restored = r.decode_partition(log)
    assert restored is not None and restored.position == 5 and restored.keys == 3
    back = pipeline()
    back.load_state(restored.state)
    assert back["authors"].counts() == {"a": 3, "b": 1, "c": 1}
    assert back["totals"].messages == 5
    third, _ = r.partition_records(5, p, written)  # nothing moved: the meta record only
    assert [k for k, _ in third] == [r.META]


def test_a_fresh_pipeline_gets_a_new_epoch_and_old_keys_are_ignored():
    old = pipeline()
    old.update(buzz("x", "y"))
    log: dict[bytes, bytes] = {}
    records, written = r.partition_records(2, old, None)
    apply(log, records)
    fresh = pipeline()  # counted over from the beginning: "x" and "y" are stale
    fresh.update(buzz("z"))
    records, again = r.partition_records(1, fresh, written)
    assert again.epoch != written.epoch
    apply(log, records)
    restored = r.decode_partition(log)
    assert restored is not None and restored.state["authors"]["counts"] == {"z": 1}


def test_large_small_state_is_chunked_and_read_back(monkeypatch):
    monkeypatch.setattr(r, "CHUNK_BYTES", 10)
    p = pipeline()
    p["totals"].add(123_456_789)
    log: dict[bytes, bytes] = {}
    records, _ = r.partition_records(7, p, None)
    assert any(k.startswith(b"totals\0#") for k, _ in records)
    apply(log, records)
    restored = r.decode_partition(log)
    assert restored is not None and restored.state["totals"]["messages"] == 123_456_789
    del log[b"totals\0#1"]
    with pytest.raises(StateError, match="missing"):
        r.decode_partition(log)


def test_cleared_and_missing_meta():
    assert r.decode_partition({}) is None
    log: dict[bytes, bytes] = {}
    apply(log, r.partition_records(4, pipeline(), None)[0])
    apply(log, list(r.cleared()))
    restored = r.decode_partition(log)
    assert restored is not None and restored.position is None and restored.state == {}


def test_damaged_records_are_refused():
    with pytest.raises(StateError):
        r.decode_partition({r.META: b"no epoch"})
    with pytest.raises(StateError):
        r.decode_partition({r.META: b'e|{"position": -1, "epoch": "e"}'})
    with pytest.raises(StateError):
        r.decode_partition({r.META: b'e|{"position": 1, "epoch": "e"}',
                            b"authors\0\"a\"": b"e|many"})


def test_many_keys_delta_is_only_what_changed():
    p = pipeline()
    p.update([Buzz("m", f"k{i}") for i in range(50_000)])
    records, written = r.partition_records(50_000, p, None)
    assert len(records) == 50_000 + 2  # every key, totals, meta
    p.update(buzz("k1", "new"))
    records, _ = r.partition_records(50_002, p, written)
    assert len(records) == 2 + 2


def test_changelog_topic_names():
    name = changelog_topic("g", "basic", "t")
    assert name.startswith("t.state.basic.") and name != changelog_topic("h", "basic", "t")
    assert "g1" not in changelog_topic("g1", "basic", "t")  # kafka status lists groups apart
    odd = changelog_topic("g", "basic", "tö/pic")
    assert all(c.isalnum() and c.isascii() or c in "._-" for c in odd)
    assert odd != changelog_topic("g", "basic", "to/pic")
    assert len(changelog_topic("g", "a", "t" * 249)) <= MAX_TOPIC


def test_dead_letters_into_a_sink_are_kept_by_partition():
    """With a sink (a changelog store's transaction), dead letters go there with their
    partition, not to a producer; flush has nothing to wait for."""
    from buzzline.deadletter import DeadLetters
    from buzzline.messages import Rejected
    from buzzline.transports.memory import MemoryTransport

    transport = MemoryTransport()
    letters = DeadLetters(transport, "t", "basic")
    got: list[tuple[int, bytes]] = []
    letters.sink = lambda partition, body: got.append((partition, body))
    letters.add(Rejected("not JSON", b"oops"), {"partition": 2, "offset": 7})
    letters.flush()
    letters.close()
    assert letters.count == 1 and [p for p, _ in got] == [2]
    assert b'"offset":7' in got[0][1] and b"oops" in got[0][1]
    assert "t.dlq" not in transport._topics  # nothing went through a producer


def test_records_purged_by_an_abort_or_timed_out_are_not_refusals():
    """A fenced or given-up transaction purges its queued records: their delivery reports
    carry _PURGE_QUEUE/_PURGE_INFLIGHT (or _MSG_TIMED_OUT in an outage). Taken for refusals,
    they stopped the consumer with "cannot write the state" instead of fencing it."""
    from confluent_kafka import KafkaError

    from buzzline.checkpoints import StateKey
    from buzzline.state.changelog import ChangelogStore

    class Message:
        def topic(self) -> str:
            return "t.state"

    store = ChangelogStore({}, "t.state", StateKey("kafka", "basic", "g", "t"))
    for code in (KafkaError._PURGE_QUEUE, KafkaError._PURGE_INFLIGHT, KafkaError._MSG_TIMED_OUT):
        store._on_delivery(KafkaError(code), Message())
    assert store._refused == []
    store._on_delivery(KafkaError(KafkaError.MSG_SIZE_TOO_LARGE), Message())
    assert [topic for topic, _ in store._refused] == ["t.state"]
