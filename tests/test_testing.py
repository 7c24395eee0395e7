"""`buzzline.testing`: a stream's summary from given records or its own messages, in memory."""

import pytest

from buzzline.deadletter import dlq_topic
from buzzline.streams import Stream, sources
from buzzline.streams import analytics as a
from buzzline.testing import consume_records, encode, run_stream, send
from buzzline.transports.memory import MemoryTransport


def sensor() -> Stream:
    return Stream(name="sensor", fields={"sensor": str, "value": float},
                  source=sources.generate(lambda rng, clock: {"sensor": rng.choice("AB"),
                                                              "value": rng.random()}),
                  analytic=a.counts("sensor"), chart="bar")


def test_records_of_every_kind_are_consumed_and_the_bad_ones_rejected():
    transport = MemoryTransport()
    records = [{"message": "hi", "author": "Alice"}, '{"message": "yo", "author": "Bob"}',
               b'{"message": "hey", "author": "Alice"}', "not json", {"author": "Eve"}]
    summary = consume_records("basic", records, transport=transport)
    assert summary["author_counts"] == {"Alice": 2, "Bob": 1}
    assert summary["messages"] == 3 and summary["rejected"] == 2
    assert summary["dead_letters"] == 2
    assert len(transport.messages(dlq_topic("buzz_live"))) == 2


def test_a_stream_object_reads_records_with_its_fields():
    summary = consume_records(sensor(), [{"sensor": "A", "value": 1.5}, {"sensor": "B",
                                                                          "value": "x"}])
    assert summary["sensor_counts"] == {"A": 1} and summary["rejected"] == 1


def test_run_stream_sends_and_counts_the_apps_own_messages_the_same_each_time():
    first = run_stream("basic", count=80, seed=3)
    second = run_stream("basic", count=80, seed=3)
    assert first["sent"] == first["messages"] == 80
    assert first["author_counts"] == second["author_counts"]
    assert sum(run_stream(sensor(), count=25)["sensor_counts"].values()) == 25


def test_an_endless_stream_needs_a_count_and_records_are_needed():
    with pytest.raises(ValueError, match="never ends"):
        run_stream("basic", count=None)
    with pytest.raises(ValueError, match="no records"):
        consume_records("basic", [])


def test_encode_and_send():
    assert encode({"a": 1}) == b'{"a":1}' and encode("x") == b"x" and encode(b"y") == b"y"
    transport = MemoryTransport()
    assert send(transport, "t", [{"a": 1}, "b"]) == 2
    assert transport.messages("t") == [b'{"a":1}', b"b"]
