"""Test a stream without files or a broker: everything travels in memory.

    from buzzline.testing import consume_records, run_stream

    summary = consume_records("sensor.py", [{"sensor": "A", "value": 20.5}, "not json"])
    assert summary["messages"] == 1 and summary["rejected"] == 1

    summary = run_stream("basic", count=200, seed=1)  # the app's own messages, produced
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from buzzline.runner import AppLike, ConsumeOptions, ProduceOptions, prepare, resolve_app, run
from buzzline.settings import Settings
from buzzline.transports.memory import MemoryTransport

Record = Mapping[str, Any] | str | bytes


def encode(record: Record) -> bytes:
    """A message as sent: a mapping as JSON, text as UTF-8, bytes as they are."""
    if isinstance(record, bytes):
        return record
    if isinstance(record, str):
        return record.encode()
    return orjson.dumps(dict(record))


def send(transport: MemoryTransport, topic: str, records: Iterable[Record]) -> int:
    """Append ``records`` to ``topic``; how many were sent."""
    sent = 0
    with transport.producer(topic) as producer:
        for record in records:
            producer.send(encode(record))
            sent += 1
    return sent


def consume_records(app: AppLike, records: Iterable[Record], *,
                    settings: Settings | None = None,
                    transport: MemoryTransport | None = None) -> dict[str, Any]:
    """The app's consumer summary after reading exactly ``records`` (in memory) from its
    topic: what the app counts, rejects and dead-letters. Pass ``transport`` to look at the
    topics afterwards (e.g. the dead letters)."""
    settings = settings if settings is not None else Settings()
    transport = transport if transport is not None else MemoryTransport()
    the_app = resolve_app(app)
    sent = send(transport, the_app.topic(settings), records)
    if not sent:
        raise ValueError("no records to consume")
    return run(the_app, settings=settings, transport=transport, produce=False,
               consume=ConsumeOptions(start="beginning", count=sent))[0]


def run_stream(app: AppLike, *, count: int | None = 100, seed: float | None = 0,
               settings: Settings | None = None,
               transport: MemoryTransport | None = None) -> dict[str, Any]:
    """Produce ``count`` of the app's own messages at full speed (a finite source: all of it
    when ``count`` is None) and consume them in memory; the consumer's summary with
    ``"sent"`` added."""
    transport = transport if transport is not None else MemoryTransport()
    the_app = resolve_app(app)
    if count is None and not the_app.finite:
        raise ValueError(f"{the_app.name} never ends: give a count")
    prepared = prepare(the_app, settings=settings, transport=transport,
                       produce=ProduceOptions(count=count, interval=0, seed=seed))
    summary = prepared.run()[0]
    summary["sent"] = prepared.producers[0].sent
    return summary
