"""Reading changelog partitions back: every committed record (read_committed) up to the end
the partition had when the read began, the latest value of each key kept (a tombstone removes
it). A transaction still open there (a member frozen mid-commit) is waited for: read_committed
stops before it until it is committed or aborted (at the latest after its timeout)."""

import time
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

from buzzline.errors import TransportUnavailable

BATCH = 10_000


def read_partitions(config: dict[str, Any], topic: str, partitions: list[int],
                    timeout: float = 180.0) -> dict[int, dict[bytes, bytes]]:
    """partition -> key -> latest value, for ``partitions`` of the changelog ``topic``."""
    out: dict[int, dict[bytes, bytes]] = {p: {} for p in partitions}
    if not partitions:
        return out
    reader = Consumer({**config, "group.id": "buzzline-state-reader",
                       "enable.auto.commit": False, "enable.partition.eof": True,
                       "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                       "fetch.queue.backoff.ms": 10})
    try:
        ends = watermarks(config, topic, partitions)
        pending = {p for p, (low, high) in ends.items() if high > low}
        if pending:
            reader.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in pending])
        deadline = time.monotonic() + timeout
        while pending:
            if time.monotonic() > deadline:
                raise TransportUnavailable(f"the changelog {topic!r} could not be read to its "
                                           f"end within {timeout:.0f} s")
            messages = reader.consume(num_messages=BATCH, timeout=0.2)
            eof = False
            for message in messages:
                error = message.error()
                part = message.partition()
                if error is not None:
                    if error.code() != KafkaError._PARTITION_EOF:
                        raise TransportUnavailable(f"cannot read the changelog {topic!r}: "
                                                   f"{error.str()}")
                    eof = True
                    continue
                key, value = message.key(), message.value()
                if key is None or part is None:
                    continue
                if value is None:
                    out[part].pop(key, None)
                else:
                    out[part][key] = value
            if eof or not messages:
                pending = _unfinished(reader, topic, pending, ends)
    except KafkaException as exc:
        raise TransportUnavailable(f"cannot read the changelog {topic!r}: "
                                   f"{exc.args[0].str()}") from None
    finally:
        reader.close()
    return out


def watermarks(config: dict[str, Any], topic: str,
               partitions: list[int]) -> dict[int, tuple[int, int]]:
    """(low, high) watermarks, the high one counting open transactions too."""
    probe = Consumer({**config, "group.id": "buzzline-state-reader",
                      "isolation.level": "read_uncommitted"})
    deadline = time.monotonic() + 30.0
    try:
        while True:
            try:
                return {p: probe.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                        for p in partitions}
            except KafkaException as exc:  # a new topic's leaders are still being elected
                if time.monotonic() > deadline:
                    raise TransportUnavailable(f"cannot read the end of the changelog "
                                               f"{topic!r}: {exc.args[0].str()}") from None
                time.sleep(0.2)
    finally:
        probe.close()


def _unfinished(reader: Consumer, topic: str, pending: set[int],
                ends: dict[int, tuple[int, int]]) -> set[int]:
    """The partitions not read up to their end yet (the position moves past commit markers
    and aborted records; it stops before a transaction still open)."""
    positions = reader.position([TopicPartition(topic, p) for p in pending])
    return {tp.partition for tp in positions if tp.offset < ends[tp.partition][1]}
