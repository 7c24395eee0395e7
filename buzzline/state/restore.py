"""Reading changelog partitions back: every committed record (read_committed) up to the end,
the latest value of each key kept (a tombstone removes it)."""

import time
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

from buzzline.errors import TransportUnavailable

BATCH = 10_000


def read_partitions(config: dict[str, Any], topic: str, partitions: list[int],
                    timeout: float = 120.0) -> dict[int, dict[bytes, bytes]]:
    """partition -> key -> latest value, for ``partitions`` of the changelog ``topic``."""
    out: dict[int, dict[bytes, bytes]] = {p: {} for p in partitions}
    if not partitions:
        return out
    reader = Consumer({**config, "group.id": "buzzline-state-reader",
                       "enable.auto.commit": False, "enable.partition.eof": True,
                       "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                       "fetch.queue.backoff.ms": 10})
    try:
        pending = set()
        assign = []
        for p in partitions:
            low, high = reader.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            if high > low:  # (for read_committed, high is the last stable offset)
                pending.add(p)
                assign.append(TopicPartition(topic, p, OFFSET_BEGINNING))
        if assign:
            reader.assign(assign)
        deadline = time.monotonic() + timeout
        while pending:
            if time.monotonic() > deadline:
                raise TransportUnavailable(f"the changelog {topic!r} could not be read to its "
                                           f"end within {timeout:.0f} s")
            for message in reader.consume(num_messages=BATCH, timeout=0.5):
                error = message.error()
                part = message.partition()
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        pending.discard(part)
                        continue
                    raise TransportUnavailable(f"cannot read the changelog {topic!r}: "
                                               f"{error.str()}")
                key, value = message.key(), message.value()
                if key is None or part is None:
                    continue
                if value is None:
                    out[part].pop(key, None)
                else:
                    out[part][key] = value
    except KafkaException as exc:
        raise TransportUnavailable(f"cannot read the changelog {topic!r}: "
                                   f"{exc.args[0].str()}") from None
    finally:
        reader.close()
    return out
