"""A consumer job: batches from a transport, decoded, folded into the stream's analytics.

It runs in its own thread; the chart frame loop reads the combined analytics (``pipeline``)
under ``lock``. Each partition's analytics are checkpointed with their positions (see
``engine.partitions``; on Kafka in the group's changelog topic, with the offsets and dead
letters in one transaction: ``engine.stores``, ``engine.fence``), so a restart resumes exactly
where the last checkpoint left off, on any machine. Bad messages go to the dead-letter sink,
one log line each (the first ones, then every 1000th); they never stop the consumer.
"""

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from buzzline.checkpoints import StateKey
from buzzline.clock import Clock, SystemClock
from buzzline.deadletter import DeadLetters, dlq_topic
from buzzline.engine.fence import Fence
from buzzline.engine.gate import Gate
from buzzline.engine.partitions import Partitions
from buzzline.engine.rejections import Rejections
from buzzline.engine.stores import open_store
from buzzline.errors import WriteFailed
from buzzline.messages import Rejected, decode_batch
from buzzline.settings import Settings
from buzzline.state.base import Fenced
from buzzline.streams.base import Stream
from buzzline.transports.base import Batch, StartAt, Transport

log = logging.getLogger(__name__)
# after the producers finished: how long without a message before giving up on "caught up"
DRAIN_SECONDS = 15.0
BATCH_MESSAGES = 5_000
SLICE_MESSAGES = 250  # decoded and counted between two looks at the drawing gate


@dataclass
class ConsumeJob:
    app: Stream  # (a built-in app is a Stream too)
    settings: Settings
    transport: Transport
    topic: str
    # "committed": resume from the saved checkpoint (else where the group left off);
    # "beginning" / "end": count afresh from there (the saved state is forgotten)
    start: StartAt = "committed"
    count: int | None = None  # stop after reading this many messages in this run
    idle_exit: float | None = None
    reset_state: bool = False
    clock: Clock = field(default_factory=SystemClock)
    stop: threading.Event = field(default_factory=threading.Event)
    # set by the caller when no more messages will come (producers finished)
    input_done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # closed by the chart while it draws a frame: the consumer waits between slices instead
    # of fighting the drawing thread for the GIL (both would be slower)
    gate: Gate = field(default_factory=Gate)
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def __post_init__(self) -> None:
        group = self.app.group(self.settings)
        key = StateKey(self.transport.name, self.app.name, group, self.topic)
        store, changelog = open_store(self.transport, self.settings.data_dir, key)
        self.transactional = changelog is not None
        fresh = self.reset_state or self.start != "committed"
        if store is not None and fresh and store.clear(key):
            log.info("%s: saved state forgotten (%s)", key,
                     "--reset-state" if self.reset_state else f"reading from the {self.start}")
        self.state = Partitions(lambda: self.app.pipeline(self.settings, self.clock), store, key)
        self.pipeline = self.state.combined
        self.totals = self.pipeline["totals"]
        self.read = 0  # messages read in this run (a restored state counts earlier ones too)
        self.lag: dict[int, int] | None = None
        self.dead_letters = DeadLetters(self.transport, self.topic, self.app.name)
        self.rejections = Rejections(self.app.name, self.dead_letters)
        if changelog is not None:  # dead letters in the state's transactions: exactly once
            changelog.letters_topic = dlq_topic(self.topic)
            self.dead_letters.sink = changelog.add_letter
            changelog.letters_failure = self.dead_letters.refused
            changelog.prepare()  # its transactions ready before the first message
        self._consistent = True  # false while a batch is half applied: no checkpoint then
        self._closing = False
        self._lost: set[int] = set()  # lost in an outage, still in the combined counts
        self._lost_here: set[int] = set()  # ... in a changelog: never written again
        resume = {} if self.transport.rebalances else self.state.restore()
        self._consumer = self.transport.consumer(
            self.topic, group=group, start=self.start, start_positions=resume or None,
            sources=self.state.sources or None)
        self._consumer.listener = self
        self._fence = Fence(self.app.name, self.state, self.lock) if self.transactional else None
        if self._fence is not None:
            self._fence.attach(self._consumer, store)
        self.lag_unit = self._consumer.lag_unit
        for partition, position in self._consumer.positions().items():
            if position < resume.get(partition, 0):  # the transport could not resume there
                self.state.start_over(partition)
        self.state.combine()

    # -- the Assignments listener: called from inside poll when a group rebalances
    def assigned(self, bounds: dict[int, tuple[int, int]]) -> dict[int, int]:
        gone, self._lost = self._lost - bounds.keys(), set()
        if self.transactional:  # lost ones given back: the changelog's state, not ours
            self.state.drop(self._lost_here & bounds.keys())
            gone |= self._lost_here - bounds.keys()
            self._lost_here = set()
        resume = self.state.restore(bounds, recheck=self._consumer.bounds)
        with self.lock:
            self.state.drop(gone)  # lost during an outage and not given back
            self.state.combine()
        return resume

    def lost(self, partitions: list[int]) -> None:
        """The broker was out of reach: saved, and kept in the combined counts until
        the next assignment says which ones come back (in a changelog: not saved, as another
        member may have them; the next assignment brings back the group's committed state)."""
        if self._fence is not None:  # nothing can be committed for them: kept for the display
            self._fence.lost(partitions)
            self._lost_here.update(partitions)
        else:
            self._checkpoint(partitions)
        self._lost.update(partitions)

    def revoked(self, partitions: list[int]) -> dict[int, int]:
        saved = self._checkpoint(partitions, revoking=True)
        if self._closing:  # leaving the group: the chart and summary keep the last numbers
            return saved
        with self.lock:
            self.state.drop(partitions)
            self.state.combine()
        return saved

    def _checkpoint(self, partitions: list[int] | None = None,
                    revoking: bool = False) -> dict[int, int]:
        """Save state and positions (only between whole batches); returns what is saved.
        ``revoking``: in a rebalance (a refused transaction needs no rejoining then)."""
        if not self._consistent:
            return {}
        held, sources = self._consumer.positions(), self._consumer.identity()
        if sources is not None:  # a file: it may have moved on to another with no message
            self.state.advance({p: held[p] for p in sources if p in held})
        self.state.advance({p: o for p, o in held.items() if p not in self.state.positions})
        if self.transactional:  # a lost partition may be another member's: not written
            partitions = [p for p in (self.state.positions if partitions is None else
                                      partitions) if p not in self._lost_here]
        try:
            return self.state.checkpoint(partitions, sources)
        except Fenced as exc:
            assert self._fence is not None
            self._fence.taken(list(self.state.parts), str(exc), rewind=not revoking)
            return {}
        except sqlite3.Error as exc:  # a full disk: "database or disk is full"
            self._consistent = False  # nothing more is saved in this run (it stops)
            raise WriteFailed(f"cannot save the checkpoint in {self.settings.data_dir}: {exc}; "
                              "the previous checkpoint is kept (a restart resumes from it)"
                              ) from exc
        except BaseException:
            self._consistent = False
            raise

    def counted(self) -> int:
        """Messages read in this run that stand (not dropped to be read again)."""
        return self.read - self.state.undone

    def run(self) -> None:
        last_message = time.monotonic()
        every = self.settings.checkpoint_seconds
        next_checkpoint = time.monotonic() + every
        self.gate.join()
        try:
            with self._consumer as consumer:
                consumer.commit(self._checkpoint())  # where it starts, before any message
                while not self.stop.is_set():
                    limit = BATCH_MESSAGES
                    if self.count is not None:
                        limit = max(1, min(limit, self.count - self.counted()))
                    self.gate.pause()
                    batch = consumer.poll(max_messages=limit, timeout=0)
                    if not (batch.values or batch.oversized):
                        with self.gate.away():  # waiting for input: frames need not wait
                            batch = consumer.poll(max_messages=limit, timeout=0.1)
                    if batch.values or batch.oversized:
                        self._apply(batch)
                        self.lag = consumer.lag()
                        last_message = time.monotonic()
                    if time.monotonic() >= next_checkpoint:
                        began = time.monotonic()
                        consumer.commit(self._checkpoint())
                        next_checkpoint = time.monotonic() + every
                        last_message += next_checkpoint - every - began  # saving is not idle
                    if self.count is not None and self.counted() >= self.count:
                        break
                    since = consumer.idle_from()  # None: not assigned yet, not idle
                    idle = 0.0 if since is None else time.monotonic() - max(last_message, since)
                    if self.input_done.is_set() and (batch.caught_up or idle >= DRAIN_SECONDS):
                        if not batch.caught_up:
                            log.warning("%s: the producers finished and nothing came for %ss: "
                                        "stopping", self.app.name, DRAIN_SECONDS)
                        break
                    if self.idle_exit is not None and idle >= self.idle_exit:
                        log.info("%s: no message for %ss, stopping", self.app.name, self.idle_exit)
                        break
                consumer.commit(self._checkpoint())
                self._closing = True
        except BaseException as exc:
            self.error = exc
            raise
        finally:
            self.gate.leave()
            try:
                self._release()
            finally:
                self.done.set()

    def _release(self) -> None:
        """Close the dead letters and the checkpoints. A failure here is the job's error (and
        raised) unless the run failed already: then the first error stands, this one logged."""
        failed = self.error is not None
        closers = [self.dead_letters.close]
        if self.state.store is not None:
            closers.append(self.state.store.close)
        for close in closers:
            try:
                close()
            except Exception as exc:  # noqa: BLE001 - kept or logged, never lost
                if self.error is None:
                    self.error = exc
                else:
                    log.error("%s: also, while closing: %s", self.app.name, exc)
        if not failed and self.error is not None:
            raise self.error

    def _apply(self, batch: Batch) -> None:
        """Decode, dead-letter and count one batch, partition by partition."""
        self._consistent = False
        # positions may go back (a file rotated or emptied): the stream goes on, and so do
        # the counts; a saved position past the end at start is checked in __post_init__
        max_bytes, before = self.settings.max_message_bytes, dict(self.state.positions)
        events: list = []
        all_bad = [(-1 - k, Rejected(f"too large: {size:,} bytes", head))
                   for k, (head, size) in enumerate(batch.oversized)]
        if all_bad:
            self.rejections.set_aside(all_bad, batch, before)
            self.state.part(0)["totals"].add(0, len(all_bad))
        for partition, lo, hi in _runs(batch):
            part = self.state.part(partition)
            for start in range(lo, max(hi, lo + 1), SLICE_MESSAGES):
                # a frame waiting to be drawn gets the interpreter within one slice
                self.gate.pause()
                end = min(hi, start + SLICE_MESSAGES)
                good, bad = decode_batch(self.app.message_type, batch.values[start:end],
                                         max_bytes)
                if bad:
                    bad = [(start + index, rejected) for index, rejected in bad]
                    self.rejections.set_aside(bad, batch, before)
                    part["totals"].add(0, len(bad))
                    all_bad += bad
                events += part.update(good)
        self.read += len(batch.values) + len(batch.oversized)
        self.state.advance(batch.positions)
        self._consistent = True
        with self.lock:
            self.state.combine()
        self._report(events, all_bad)

    def run_quietly(self) -> None:
        try:
            self.run()
        except BaseException:  # noqa: BLE001 - handed to the main thread, which re-raises
            self.stop.set()

    def _report(self, events: list, bad: list) -> None:
        for event in events:
            if log.isEnabledFor(event.level):
                log.log(event.level, "%s: %s", self.app.name, event.describe())
        self.rejections.report(bad)

    def summary(self, transport_name: str) -> dict[str, Any]:
        with self.lock:
            out: dict[str, Any] = {"app": self.app.name, "transport": transport_name,
                                   "topic": self.topic}
            out.update(self.app.summary(self.pipeline))
            out["rejected_reasons"] = dict(self.rejections.reasons)
            out["dead_letters"] = self.dead_letters.count
            out["positions"] = {str(k): v for k, v in sorted(self.state.positions.items())}
            if self.lag is not None:
                out["lag"] = {str(k): v for k, v in self.lag.items()}
                out["lag_unit"] = self.lag_unit
        return out

    def status(self) -> str:
        text = f"{self.app.name} {self.totals.messages:,} msgs {self.totals.rate():,.0f}/s"
        lag = self.lag
        if lag is not None:
            text += f" lag {sum(lag.values()):,}{' B' if self.lag_unit == 'bytes' else ''}"
        outage = self.outage()
        return f"{text} ({outage})" if outage else text

    def outage(self) -> str | None:
        """Why nothing can be read now ("broker unreachable"), None while it can."""
        return self._consumer.outage()


def _runs(batch: Batch) -> list[tuple[int, int, int]]:
    """(partition, first index, end index) of each run of one partition's messages."""
    return [(0, 0, len(batch.values))] if batch.runs is None else batch.runs
