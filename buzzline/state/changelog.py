"""A consumer group's analytic state in a compacted changelog topic, written with the
consumer's offsets in one Kafka transaction (exactly once, Kafka's EOS v2).

A transactional producer per consumer instance; ``send_offsets_to_transaction`` with the
consumer's group metadata makes the group coordinator refuse a member whose generation is
over (a zombie): its transaction is aborted (``Fenced``) and none of its records or offsets
are ever seen by a read_committed reader.
"""

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Producer, TopicPartition

from buzzline.analytics import Pipeline
from buzzline.checkpoints import Checkpoint, Damaged, StateKey
from buzzline.errors import BuzzlineError, TransportUnavailable, WriteFailed
from buzzline.state.base import Fenced, NotNow
from buzzline.state.deadline import Stuck, within
from buzzline.state.records import (
    Record,
    Written,
    cleared,
    decode_partition,
    keyed,
    partition_records,
    small_states,
)
from buzzline.state.restore import read_partitions, watermarks
from buzzline.state_codec import StateError

log = logging.getLogger(__name__)
COMMIT_TRIES = 3
OFFSETS_TIMEOUT = 20.0  # seconds for send_offsets_to_transaction; given up 10 s later
PURGED = {KafkaError._PURGE_QUEUE, KafkaError._PURGE_INFLIGHT}
# errors that say "the broker or coordinator cannot be reached now", not "you are fenced"
UNREACHABLE = {KafkaError._TIMED_OUT, KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN,
               KafkaError._MSG_TIMED_OUT, KafkaError.COORDINATOR_NOT_AVAILABLE,
               KafkaError.NOT_COORDINATOR, KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
               KafkaError.REQUEST_TIMED_OUT}


class ChangelogStore:
    """Loads and saves ``StateKey``'s partitions in ``changelog`` (a topic of as many
    partitions as the source topic)."""

    generation = 0  # never replaced (unlike a damaged SQLite file)

    def __init__(self, config: dict[str, Any], changelog: str, key: StateKey,
                 transaction_timeout: float = 30.0) -> None:
        self.config, self.changelog, self.key = config, changelog, key
        self.group_metadata: Callable[[], Any] | None = None  # set with the consumer
        self._timeout_ms = int(transaction_timeout * 1000)
        self._written: dict[int, Written] = {}
        self._producer: Producer | None = None
        self.restored_keys = 0
        # dead letters, committed with the state of the partition they came from
        self.letters_topic: str | None = None
        self.letters_failure: Callable[[str], BuzzlineError] | None = None  # says it
        self._letters: dict[int, list[bytes]] = {}
        self._refused: list[tuple[str, str]] = []  # (topic, why) of records the broker refused
        self._abandoned: list[Producer] = []  # stuck in a call (see state.deadline): kept

    # -- the CheckpointStore interface the Partitions use
    def start_over(self, key: StateKey) -> str | None:
        return None

    def load(self, key: StateKey,
             partitions: Iterable[int] | None = None) -> dict[int, Checkpoint | Damaged]:
        wanted = sorted(partitions) if partitions is not None else self._all_partitions()
        started = time.monotonic()
        found = read_partitions(self.config, self.changelog, wanted)
        out: dict[int, Checkpoint | Damaged] = {}
        keys = 0
        for partition, records in found.items():
            try:
                restored = decode_partition(records)
            except StateError as exc:
                out[partition] = Damaged(f"the changelog's state is {exc}")
                continue
            if restored is None or restored.position is None:
                continue
            keys += restored.keys
            out[partition] = Checkpoint(restored.position, restored.state,
                                        {"epoch": restored.epoch})
        if out:
            log.info("restored %d partition%s, %s keys in %.1f s", len(out),
                     "" if len(out) == 1 else "s", f"{keys:,}", time.monotonic() - started)
        self.restored_keys = keys
        return out

    def loaded(self, partition: int, pipeline: Pipeline, source: dict | None) -> None:
        """``pipeline`` holds what the changelog holds for ``partition``: write its changes."""
        epoch = (source or {}).get("epoch")
        if not isinstance(epoch, str):
            return
        for _, analytic in pipeline.items():
            if keyed(analytic):
                analytic.track_changes()  # type: ignore[attr-defined]
        try:
            small = small_states(pipeline)
        except StateError:
            return
        self._written[partition] = Written(pipeline, epoch, small)

    def save_pipelines(self, key: StateKey,
                       parts: dict[int, tuple[int, Pipeline, dict | None]]) -> dict[int, str]:
        """Write what changed in ``parts`` (partition -> position, pipeline) and commit the
        positions as the group's offsets, in one transaction; returns the partitions whose
        state cannot be written (left out), with why. ``Fenced`` when refused (aborted)."""
        records: dict[int, list[Record]] = {}
        refused: dict[int, str] = {}
        written: dict[int, Written] = {}
        for partition, (position, pipeline, _) in parts.items():
            try:
                records[partition], written[partition] = partition_records(
                    position, pipeline, self._written.get(partition))
            except StateError as exc:
                refused[partition] = str(exc)
        offsets = [TopicPartition(key.topic, p, parts[p][0]) for p in records]
        if records:
            try:
                self._transaction(records, offsets)
            except NotNow as exc:  # kept in memory, written at the next save
                return {**refused, **{p: str(exc) for p in records}}
            self._written.update(written)
        return refused

    def add_letter(self, partition: int, body: bytes) -> None:
        """A dead letter of ``partition``: written in the transaction of its next save."""
        self._letters.setdefault(partition, []).append(body)

    def forget(self, partitions: Iterable[int]) -> None:
        """Partitions no longer held: their next write starts afresh, their dead letters not
        committed yet are dropped (the messages are read again, by whoever holds them)."""
        for partition in partitions:
            self._written.pop(partition, None)
            self._letters.pop(partition, None)

    def clear(self, key: StateKey) -> int:
        """Forget every partition's state (``--reset-state``); returns how many had one."""
        ends = watermarks(self.config, self.changelog, self._all_partitions())
        had = [p for p, (low, high) in ends.items() if high > low]
        if had:
            self._transaction({p: list(cleared()) for p in had}, [])
        self._written.clear()
        return len(had)

    def prepare(self) -> None:
        """Start the transactional producer now (a new broker takes seconds to answer the
        first one): TransportUnavailable if it cannot."""
        try:
            self._ready()
        except KafkaException as exc:
            raise TransportUnavailable(f"cannot start the transactions of {self.key}: "
                                       f"{exc.args[0].str()}") from None

    def close(self) -> None:
        if self._producer is not None:
            self._producer.flush(10)
            self._producer = None

    # -- the transaction
    def _transaction(self, records: dict[int, list[Record]],
                     offsets: list[TopicPartition]) -> None:
        producer = None
        self._refused.clear()
        letters = {p: self._letters.pop(p) for p in records if offsets and p in self._letters}
        try:
            producer = self._ready()
            producer.begin_transaction()
            for partition, batch in records.items():
                for record_key, value in batch:
                    self._produce(producer, self.changelog, partition, record_key, value)
                for letter in letters.get(partition, []):
                    self._produce(producer, self.letters_topic or "", None, None, letter)
            if offsets:
                if self.group_metadata is None:
                    raise BuzzlineError("the changelog store has no consumer group metadata")
                metadata, tx = self.group_metadata(), producer
                within(lambda: tx.send_offsets_to_transaction(offsets, metadata,
                                                              OFFSETS_TIMEOUT),
                       OFFSETS_TIMEOUT + 10, "the offsets of the transaction")
            self._commit(producer)
        except Stuck as exc:
            self._give_up(producer, letters)
            raise NotNow(f"the transaction of {self.key} is not committed ({exc}): tried again "
                         "at the next save") from None
        except KafkaException as exc:
            error = exc.args[0]
            self._abort(producer, error)
            if not self._refused and error.code() in UNREACHABLE:
                self._keep(letters)
                raise NotNow(f"the transaction of {self.key} is not committed (the broker is out "
                             f"of reach: {error.str()}): tried again at the next save") from None
            self._letters.clear()  # their messages are read again
            raise self._failure(error) from None

    def _give_up(self, producer: Producer | None, letters: dict[int, list[bytes]]) -> None:
        """``producer`` is stuck in a call: left to itself (the broker aborts its transaction
        after the transaction timeout); the next save starts a new one and writes every
        partition whole."""
        if producer is not None:
            self._abandoned.append(producer)
        self._producer = None
        self._written.clear()
        self._keep(letters)

    def _keep(self, letters: dict[int, list[bytes]]) -> None:
        """Dead letters of a transaction that did not happen: in the next one."""
        for partition, bodies in letters.items():
            self._letters[partition] = bodies + self._letters.get(partition, [])

    def _failure(self, error: Any) -> BuzzlineError:
        """A record the broker refused (too large...): the consumer stops, nothing committed
        past it; else the transaction itself was refused (fenced: another member holds the
        partitions now, or the producer's epoch is over)."""
        if self._refused:
            topic, why = self._refused[0]
            if topic == self.letters_topic and self.letters_failure is not None:
                return self.letters_failure(why)
            return WriteFailed(f"cannot write the state of {self.key} to {topic} ({why}): "
                               "stopped; the last committed state stays")
        return Fenced(f"the transaction of {self.key} was refused ({error.str()}): aborted")

    def _on_delivery(self, error: Any, message: Any) -> None:
        # purged (the transaction was aborted: fenced, or given up) or timed out (the broker
        # out of reach): not refused by the broker
        if error is not None and error.code() not in PURGED | UNREACHABLE:
            self._refused.append((message.topic() if message is not None else "?", error.str()))

    def _produce(self, producer: Producer, topic: str, partition: int | None,
                 key: bytes | None, value: bytes | None) -> None:
        while True:
            try:
                if partition is None:
                    producer.produce(topic, value, key)
                else:
                    producer.produce(topic, value, key, partition=partition)
                return
            except BufferError:  # the local queue is full: let deliveries drain
                producer.poll(0.05)
            except KafkaException as exc:  # refused at once (larger than the producer takes)
                self._refused.append((topic, exc.args[0].str()))
                raise

    def _commit(self, producer: Producer) -> None:
        for attempt in range(COMMIT_TRIES):
            try:
                producer.commit_transaction(60)
                return
            except KafkaException as exc:
                if not exc.args[0].retriable() or attempt == COMMIT_TRIES - 1:
                    raise

    def _abort(self, producer: Producer | None, error: Any) -> None:
        self._written.clear()  # what the changelog holds is not known any more
        if producer is None or error.fatal():
            self._producer = None  # a new producer (a new transactional.id) next time
            return
        try:
            producer.abort_transaction(30)
        except KafkaException as exc:
            log.debug("aborting the transaction of %s: %s", self.key, exc.args[0].str())
            self._producer = None

    def _ready(self) -> Producer:
        if self._producer is None:
            producer = Producer({
                **self.config,
                "transactional.id": f"buzzline-{self.key.group}-{self.key.app}-"
                                    f"{self.key.topic}-{uuid.uuid4().hex[:12]}",
                "transaction.timeout.ms": self._timeout_ms,
                "linger.ms": 5,
                "delivery.report.only.error": True,
                "on_delivery": self._on_delivery,
                "queue.buffering.max.messages": 1_000_000,
            })
            producer.init_transactions(30)
            self._producer = producer
        return self._producer

    def _all_partitions(self) -> list[int]:
        producer = Producer({k: v for k, v in self.config.items()})
        try:
            info = producer.list_topics(self.changelog, timeout=10).topics.get(self.changelog)
        finally:
            producer.flush(0)
        return sorted(info.partitions) if info is not None and info.partitions else []
