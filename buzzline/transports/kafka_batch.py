"""A ``Batch`` from the messages librdkafka handed over in one poll (none with an error): one
C-level pass per field, not a Python loop with calls, as this is the consumer's hot path.

confluent-kafka's stubs type a message's ``value``, ``partition`` and ``offset`` Optional for
every message (a produced one may lack a partition and offset); librdkafka sets the last two
on every message it hands to a consumer without an error. This module is where that is said."""

from itertools import groupby
from typing import cast

from confluent_kafka import Message

from buzzline.transports.base import Batch


def consumed_batch(messages: list[Message]) -> Batch:
    """The values (a message without one, a tombstone: empty bytes, to be rejected), the
    position after each partition's last message, its runs, and where each message is."""
    raw = list(map(Message.value, messages))
    values = [v or b"" for v in raw] if None in raw else cast(list[bytes], raw)
    runs = partition_runs(cast(list[int], list(map(Message.partition, messages))))
    positions = {partition: located(messages[end - 1])[1] + 1 for partition, _, end in runs}
    return Batch(values, positions, False, runs, lambda index: located(messages[index]))


def located(message: Message) -> tuple[int, int]:
    """(partition, offset) of a consumed message."""
    partition, offset = message.partition(), message.offset()
    if partition is None or offset is None:
        raise ValueError(f"a consumed message of {message.topic()} has no partition or offset")
    return partition, offset


def partition_runs(partitions: list[int]) -> list[tuple[int, int, int]]:
    """(partition, first index, end index) of each run of one partition's messages. A fetch
    hands over each partition's messages together, so each partition is usually one run:
    found with list.index and list.count (C speed); runs that tile the batch that way are
    proof of it. Otherwise (a partition in several runs) the runs are found one by one."""
    starts = sorted((partitions.index(p), p) for p in set(partitions))
    runs, at = [], 0
    for start, partition in starts:
        if start != at:
            break
        end = at + partitions.count(partition)
        runs.append((partition, at, end))
        at = end
    else:
        return runs
    runs, at = [], 0
    for partition, group in groupby(partitions):
        end = at + sum(1 for _ in group)
        runs.append((partition, at, end))
        at = end
    return runs
