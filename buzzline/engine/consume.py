"""A consumer job: batches from a transport, decoded, folded into the app's analytics.

It runs in its own thread; the chart frame loop reads the analytics under ``lock``. Bad
messages are counted and logged in one line each (the first ones, then every 1000th);
they never stop the consumer.
"""

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from buzzline.apps.base import App
from buzzline.clock import Clock, SystemClock
from buzzline.deadletter import DeadLetters
from buzzline.messages import decode_batch
from buzzline.settings import Settings
from buzzline.transports.base import Batch, StartAt, Transport

log = logging.getLogger(__name__)
LOGGED_REJECTIONS = 20
# after the producers finished: how long without a message before giving up on "caught up"
DRAIN_SECONDS = 15.0
BATCH_MESSAGES = 5_000


@dataclass
class ConsumeJob:
    app: App
    settings: Settings
    transport: Transport
    topic: str
    start: StartAt = "committed"
    count: int | None = None
    idle_exit: float | None = None
    clock: Clock = field(default_factory=SystemClock)
    stop: threading.Event = field(default_factory=threading.Event)
    # set by the caller when no more messages will come (producers finished)
    input_done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # cleared by the chart while it draws a frame: the consumer waits between batches
    # instead of fighting the drawing thread for the GIL (both would be slower)
    gate: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def __post_init__(self) -> None:
        self.gate.set()
        self.pipeline = self.app.pipeline(self.settings, self.clock)
        self.totals = self.pipeline["totals"]
        self.rejections: Counter[str] = Counter()
        self.positions: dict[int, int] = {}
        self.lag: dict[int, int] | None = None
        self.dead_letters = DeadLetters(self.transport, self.topic, self.app.name)
        self._consumer = self.transport.consumer(
            self.topic, group=self.app.group(self.settings), start=self.start)

    def run(self) -> None:
        last_message = time.monotonic()
        max_bytes = self.settings.max_message_bytes
        try:
            with self._consumer as consumer:
                while not self.stop.is_set():
                    limit = BATCH_MESSAGES
                    if self.count is not None:
                        limit = max(1, min(limit, self.count - self.seen))
                    self.gate.wait(1.0)
                    before = dict(self.positions)
                    batch = consumer.poll(max_messages=limit, timeout=0.1)
                    if batch.values:
                        good, bad = decode_batch(self.app.message_type, batch.values, max_bytes)
                        self._set_aside(bad, batch, before)
                        self.gate.wait(1.0)
                        with self.lock:
                            events = self.pipeline.update(good)
                            self.totals.add(0, len(bad))
                            self.positions = batch.positions
                        consumer.commit(batch.positions)
                        self.lag = consumer.lag()
                        self._report(events, bad)
                        last_message = time.monotonic()
                    if self.count is not None and self.seen >= self.count:
                        break
                    idle = time.monotonic() - last_message
                    if self.input_done.is_set() and (batch.caught_up or idle >= DRAIN_SECONDS):
                        if not batch.caught_up:
                            log.warning("%s: the producers finished and nothing came for %ss: "
                                        "stopping", self.app.name, DRAIN_SECONDS)
                        break
                    if self.idle_exit is not None and idle >= self.idle_exit:
                        log.info("%s: no message for %ss, stopping", self.app.name, self.idle_exit)
                        break
        except BaseException as exc:
            self.error = exc
            raise
        finally:
            try:
                self.dead_letters.close()
            finally:
                self.done.set()

    def _set_aside(self, bad: list, batch: Batch, before: dict[int, int]) -> None:
        """Rejected messages go to the dead-letter sink before the batch is committed."""
        for index, rejected in bad:
            if batch.origins is not None:
                partition, offset = batch.origins[index]
                position = {"partition": partition, "offset": offset}
            else:  # a file: the index-th (non-blank) line after byte offset "after"
                after = before.get(0)
                if after is None:  # the first batch: it began where its lines began
                    after = max(0, batch.positions.get(0, 0) - sum(map(len, batch.values))
                                - len(batch.values))
                position = {"partition": 0, "after": after, "line": index}
            self.dead_letters.add(rejected, position)
        if bad:
            self.dead_letters.flush()

    def run_quietly(self) -> None:
        try:
            self.run()
        except BaseException:  # noqa: BLE001 - handed to the main thread, which re-raises
            self.stop.set()

    @property
    def seen(self) -> int:
        return self.totals.messages + self.totals.rejected

    def _report(self, events: list, bad: list) -> None:
        for event in events:
            if log.isEnabledFor(event.level):
                log.log(event.level, "%s: %s", self.app.name, event.describe())
        for _, rejected in bad:
            self.rejections[rejected.reason.split(":")[0]] += 1
            n = self.totals.rejected
            if n <= LOGGED_REJECTIONS or n % 1000 == 0:
                preview = rejected.raw[:80].decode("utf-8", "replace")
                log.warning("%s: rejected message (%s): %s", self.app.name, rejected.reason,
                            preview)

    def summary(self, transport_name: str) -> dict[str, Any]:
        with self.lock:
            out = {"app": self.app.name, "transport": transport_name, "topic": self.topic}
            out.update(self.app.summary(self.pipeline))
            out["rejected_reasons"] = dict(self.rejections)
            out["dead_letters"] = self.dead_letters.count
            out["positions"] = {str(k): v for k, v in self.positions.items()}
            if self.lag is not None:
                out["lag"] = {str(k): v for k, v in self.lag.items()}
        return out

    def status(self) -> str:
        text = f"{self.app.name} {self.totals.messages:,} msgs {self.totals.rate():,.0f}/s"
        lag = self.lag
        return text if lag is None else f"{text} lag {sum(lag.values()):,}"
