"""The Kafka consumer behind the transport interface (the producer: ``kafka_producer``; a
batch from the messages of a poll: ``kafka_batch``; broker outages: ``kafka_outage``)."""

import logging
import time
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_INVALID,
    KafkaException,
    Message,
    TopicPartition,
)
from confluent_kafka import Consumer as RdConsumer

from buzzline.transports.base import Batch, Consumer, StartAt
from buzzline.transports.kafka_batch import consumed_batch
from buzzline.transports.kafka_outage import BrokerWatch
from buzzline.transports.kafka_producer import DeliveryFailed, KafkaProducer

__all__ = ["DeliveryFailed", "KafkaConsumer", "KafkaProducer"]
log = logging.getLogger(__name__)


class KafkaConsumer(Consumer):
    """A member of ``group``; commits what the caller says it processed."""

    def __init__(self, config: dict[str, Any], topic: str, group: str, start: StartAt,
                 start_positions: dict[int, int] | None) -> None:
        self.topic, self.group, self.start = topic, group, start
        self._start_positions = dict(start_positions or {})
        self._committed: dict[int, int] = {}
        self._assigned: set[int] = set()
        self._positions: dict[int, int] = {}  # partition -> next offset to read, when known
        self._started: set[int] = set()  # partitions that had their first assignment
        self._first_assigned: float | None = None  # when the group first gave us partitions
        self._broker = BrokerWatch(topic)
        self._consumer = RdConsumer({
            **config, "group.id": group, "enable.auto.commit": False,
            "auto.offset.reset": "latest" if start == "end" else "earliest",
            "error_cb": self._broker.on_error})
        self._consumer.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke,
                                 on_lost=self._on_lost)
        self._closed = False

    # True: offsets are committed by the caller, in its transactions (with its state), not here
    offsets_in_transactions = False

    def outage(self) -> str | None:
        return "broker unreachable" if self._broker.down_since is not None else None

    def idle_from(self) -> float | None:
        return self._first_assigned  # joining a group (3 s on a broker's defaults) is no idle

    def group_metadata(self) -> object:
        """The group generation and member, for ``send_offsets_to_transaction``."""
        return self._consumer.consumer_group_metadata()

    def rewind(self, positions: dict[int, int | None]) -> None:
        """Read the partitions again from ``positions`` (None: the group's committed offset,
        else the beginning), e.g. after a refused transaction; a partition that is no longer
        this consumer's is left to the group's next assignment."""
        unknown = [TopicPartition(self.topic, p) for p, o in positions.items() if o is None]
        committed = self._committed_offsets(unknown)
        for partition, position in positions.items():
            offset = position if position is not None else committed.get(partition, -1)
            try:
                self._consumer.seek(TopicPartition(self.topic, partition,
                                                   offset if offset >= 0 else OFFSET_BEGINNING))
            except KafkaException as exc:
                log.debug("%s: cannot read partition %d again: %s", self.topic, partition,
                          exc.args[0].str())
                continue
            if offset >= 0:
                self._positions[partition] = offset
            else:
                self._positions.pop(partition, None)

    def _on_assign(self, consumer: RdConsumer, partitions: list[TopicPartition]) -> None:
        # offsets committed in transactions: read first, which waits for a transaction still
        # open (a zombie's) to end, so the state restored next is the one that goes with them;
        # the watermarks after that wait (seconds, while producers go on): a position saved
        # meanwhile is never past them
        stable = self._committed_offsets(partitions) if self.offsets_in_transactions else None
        bounds = {tp.partition: self._bounds(tp) for tp in partitions}
        saved = self.listener.assigned(bounds) if self.listener is not None else {}
        for tp in partitions:
            # the start rule applies to a partition's first assignment only: when a rebalance
            # hands it back, the saved or committed offset is where processing stopped
            first = tp.partition not in self._started
            if tp.partition in saved:
                tp.offset = saved[tp.partition]
            elif tp.partition in self._start_positions:
                tp.offset = self._start_positions.pop(tp.partition)
            elif first and self.start == "beginning":
                tp.offset = OFFSET_BEGINNING
            self._started.add(tp.partition)
        unsaved = [tp for tp in partitions if tp.offset < 0]
        committed = self._committed_offsets(unsaved) if stable is None else stable
        for tp in partitions:
            # a concrete offset for every partition, so positions() knows it before any message
            low, high = bounds[tp.partition]
            if tp.offset == OFFSET_BEGINNING:
                tp.offset = low if low >= 0 else OFFSET_BEGINNING
            elif tp.offset < 0:  # no saved offset: the committed one, else the reset policy's
                tp.offset = committed.get(tp.partition, OFFSET_INVALID)
                if tp.offset < 0 and low >= 0:
                    tp.offset = high if self.start == "end" else low
            if tp.offset >= 0:
                self._positions[tp.partition] = tp.offset
            else:  # the broker did not say: librdkafka decides (see lag())
                self._positions.pop(tp.partition, None)
        self._assigned |= {tp.partition for tp in partitions}
        if self._first_assigned is None:
            self._first_assigned = time.monotonic()
        self._broker.reached()  # the group answered
        consumer.assign(partitions)
        log.debug("%s: assigned %s", self.group, {tp.partition: tp.offset for tp in partitions})

    def bounds(self, partition: int) -> tuple[int, int]:
        return self._bounds(TopicPartition(self.topic, partition))

    def _bounds(self, tp: TopicPartition) -> tuple[int, int]:
        """(low, high) watermarks of a partition, (-1, -1) when the broker does not say."""
        try:
            low, high = self._consumer.get_watermark_offsets(tp, timeout=5)
        except KafkaException:
            return -1, -1
        return low, high

    def _committed_offsets(self, partitions: list[TopicPartition]) -> dict[int, int]:
        if not partitions:
            return {}
        try:
            found = self._consumer.committed(partitions, timeout=10)
        except KafkaException as exc:
            log.warning("%s: cannot read committed offsets: %s", self.topic, exc.args[0].str())
            return {}
        return {tp.partition: tp.offset for tp in found}

    def _on_revoke(self, consumer: RdConsumer, partitions: list[TopicPartition]) -> None:
        mine = {tp.partition for tp in partitions}
        if self.listener is not None:
            self._committed.update(self.listener.revoked(sorted(mine)))
        self._commit({p: o for p, o in self._committed.items() if p in mine}, wait=True)
        self._assigned -= mine
        for partition in mine:
            self._positions.pop(partition, None)

    def _on_lost(self, consumer: RdConsumer, partitions: list[TopicPartition]) -> None:
        """The session timed out (the broker out of reach): the partitions may be another
        member's already, so nothing is committed for them."""
        mine = {tp.partition for tp in partitions}
        log.log(logging.DEBUG if self.offsets_in_transactions else logging.INFO,
                "%s: partitions %s lost (no answer from the group within the session "
                "timeout); their counts stay until the group answers", self.topic, sorted(mine))
        if self.listener is not None:
            self.listener.lost(sorted(mine))
        self._assigned -= mine
        for partition in mine:
            self._positions.pop(partition, None)
            self._committed.pop(partition, None)

    def poll(self, max_messages: int = 10_000, timeout: float = 0.1) -> Batch:
        # what is already fetched, at once; else wait for the first message only: consume()
        # with a timeout waits for all of max_messages, up to 100 ms of latency at 1,000/s
        messages = self._consumer.consume(num_messages=max_messages, timeout=0)
        if not messages:
            first = self._consumer.poll(timeout)
            if first is None:
                self._broker.probe(self._consumer)
                return Batch(caught_up=self._broker.down_since is None and self._at_end())
            messages = [first]
            if max_messages > 1:
                messages += self._consumer.consume(num_messages=max_messages - 1, timeout=0)
        if any(map(Message.error, messages)):  # rare: errors come on their own
            messages = self._broker.without_errors(messages)
            if not messages:
                return Batch(caught_up=False)
        self._broker.reached()
        batch = consumed_batch(messages)
        if self.offsets_in_transactions and batch.runs and any(
                p not in self._assigned for p, _, _ in batch.runs):
            # fetched before a partition was taken away (lost, or a refused transaction)
            messages = [m for m in messages if m.partition() in self._assigned]
            if not messages:
                return Batch(caught_up=False)
            batch = consumed_batch(messages)
        self._positions.update(batch.positions)
        return batch

    def _at_end(self) -> bool:
        """Assigned partitions all read up to their high watermark."""
        lag = self.lag() if self._assigned else None
        return lag is not None and not any(lag.values())

    def lag(self) -> dict[int, int] | None:
        """partition -> messages not yet read: high watermark (the last fetched one, else
        asked for) minus the next offset this consumer will read."""
        out = {}
        try:
            for partition in sorted(self._assigned):
                tp = TopicPartition(self.topic, partition)
                low, high = self._consumer.get_watermark_offsets(tp, cached=True)
                if high < 0 or low < 0:
                    low, high = self._consumer.get_watermark_offsets(tp, timeout=2)
                # no position yet: "end" reads from the high watermark, else from the low one
                default = high if self.start == "end" else low
                out[partition] = max(0, high - self._positions.get(partition, default))
        except KafkaException:
            return None
        return out

    def positions(self) -> dict[int, int]:
        return {p: self._positions[p] for p in self._assigned if p in self._positions}

    def commit(self, positions: dict[int, int]) -> None:
        mine = {p: o for p, o in positions.items() if p in self._assigned}  # not lost ones
        self._committed.update(mine)
        self._commit(mine, wait=False)

    def _commit(self, positions: dict[int, int], wait: bool) -> None:
        if not positions or self.offsets_in_transactions:
            return
        offsets = [TopicPartition(self.topic, p, o) for p, o in positions.items()]
        try:
            if wait:
                self._consumer.commit(offsets=offsets, asynchronous=False)
            else:
                self._consumer.commit(offsets=offsets, asynchronous=True)
        except KafkaException as exc:  # e.g. a rebalance took the partition meanwhile
            log.warning("%s: commit failed: %s", self.topic, exc.args[0].str())

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._commit({p: o for p, o in self._committed.items() if p in self._assigned},
                         wait=True)
        finally:
            self._consumer.close()  # leaves the group: its partitions move at once
