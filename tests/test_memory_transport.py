"""The in-process memory transport: same position semantics as the file one, thread-safe."""

import threading
import time

import pytest

from buzzline.settings import Settings
from buzzline.transports import create_transport
from buzzline.transports.memory import MemoryConsumer, MemoryTransport


def drain(consumer: MemoryConsumer, count: int, deadline: float = 10.0) -> list[bytes]:
    """Poll until ``count`` messages arrived or the deadline passed; return what arrived."""
    got: list[bytes] = []
    end = time.monotonic() + deadline
    while len(got) < count and time.monotonic() < end:
        got.extend(consumer.poll(max_messages=count - len(got), timeout=0.05).values)
    return got


def test_producer_thread_and_consumer_thread_50k_in_order() -> None:
    t = MemoryTransport()
    sent = [b'{"i":%d}' % i for i in range(50_000)]
    consumer = t.consumer("t", group="g", start="end")
    received: list[bytes] = []

    def consume() -> None:
        received.extend(drain(consumer, len(sent), deadline=30.0))

    def produce() -> None:
        with t.producer("t") as p:
            for value in sent:
                p.send(value)

    threads = [threading.Thread(target=consume), threading.Thread(target=produce)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert received == sent
    last = consumer.poll(timeout=0)
    assert len(last) == 0 and last.caught_up and last.positions == {0: 50_000}


def test_poll_waits_for_a_message_from_another_thread() -> None:
    t = MemoryTransport()
    consumer = t.consumer("t", group="g")
    timer = threading.Timer(0.05, lambda: t.producer("t").send(b'{"late":1}'))
    timer.start()
    batch = consumer.poll(timeout=5.0)
    timer.join()
    assert batch.values == [b'{"late":1}'] and batch.positions == {0: 1} and batch.caught_up


def test_empty_poll_times_out() -> None:
    consumer = MemoryTransport().consumer("t", group="g")
    started = time.monotonic()
    batch = consumer.poll(timeout=0.05)
    assert batch.values == [] and batch.caught_up and batch.positions == {0: 0}
    assert time.monotonic() - started >= 0.04


def test_start_end_beginning_and_saved_positions(caplog: pytest.LogCaptureFixture) -> None:
    t = MemoryTransport()
    with t.producer("t") as p:
        for i in range(5):
            p.send(b"%d" % i)
    end = t.consumer("t", group="g", start="end")
    beginning = t.consumer("t", group="g", start="beginning")
    first = beginning.poll(max_messages=2, timeout=0)
    assert first.values == [b"0", b"1"] and first.positions == {0: 2} and not first.caught_up
    resumed = t.consumer("t", group="g", start="end", start_positions=first.positions)
    past = t.consumer("t", group="g", start_positions={0: 99})
    with t.producer("t") as p:
        p.send(b"5")
    assert end.poll(timeout=0).values == [b"5"]
    assert resumed.poll(timeout=0).values == [b"2", b"3", b"4", b"5"]
    assert past.poll(timeout=0).values == [b"0", b"1", b"2", b"3", b"4", b"5"]
    assert sum("past the end" in r.getMessage() for r in caplog.records) == 1


def test_transports_do_not_share_topics() -> None:
    a, b = MemoryTransport(), MemoryTransport()
    a.producer("t").send(b"{}")
    assert a.messages("t") == [b"{}"] and b.messages("t") == []
    assert b.consumer("t", group="g", start="beginning").poll(timeout=0).values == []


def test_producer_rules() -> None:
    t = MemoryTransport()
    p = t.producer("t")
    with pytest.raises(ValueError, match="one line"):
        p.send(b"{\n}")
    p.send(b"")  # an empty message is skipped by consumers but still takes a position
    p.send(b"{}")
    p.flush()
    p.close()
    p.close()
    with pytest.raises(ValueError, match="closed"):
        p.send(b"{}")
    batch = t.consumer("t", group="g", start="beginning").poll(timeout=0)
    assert batch.values == [b"{}"] and batch.positions == {0: 2}


def test_registry_builds_a_memory_transport() -> None:
    t = create_transport("memory", Settings())
    assert isinstance(t, MemoryTransport) and t.describe() == "memory"
