"""The group's total a Kafka consumer's dashboard card shows beside its own counts: what every
member of its group has committed to the group's changelog, read back (``state.show``).

Each read goes through the whole changelog (every partition, every key) and loads the states:
cheap for a few thousand keys, seconds for millions. So it runs on a thread of its own (never
the consumer's, never the publisher's: a slow or stuck read does not hold up the live file),
at most every ``interval`` seconds and never more often than ``COST_FACTOR`` times its own last
duration (reading takes at most about a tenth of that thread's time). A read that fails (the
broker out of reach, no changelog yet) keeps the last total, marked stale: one log line per
episode, no exception out."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from confluent_kafka import KafkaException

from buzzline.errors import BuzzlineError

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 5.0
COST_FACTOR = 10.0
READ_TIMEOUT = 20.0  # seconds a read may take (the read's own bound: state.restore)
# what a read raises when the changelog cannot be read now or its state does not load
READ_ERRORS = (BuzzlineError, KafkaException, KeyError, TypeError, ValueError, AttributeError,
               IndexError, ArithmeticError, RecursionError, OSError)
Reader = Callable[[], dict[str, int]]


class GroupTotal:
    """``read()`` -> {"messages", "rejected", "partitions"}, refreshed by ``refresh_if_due``
    (the thread ``start`` runs calls it); ``value()`` is the last one read, for the record."""

    def __init__(self, read: Reader, interval: float = INTERVAL_SECONDS, what: str = "",
                 monotonic: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        self.read, self.interval, self.what = read, interval, what
        self.monotonic, self.wall = monotonic, wall
        self.reads = 0
        self._lock = threading.Lock()
        self._value: dict[str, Any] | None = None
        self._stale = False  # the last read failed (an episode, logged once)
        self._next = 0.0
        self._stop = threading.Event()
        self._final = False
        self._thread: threading.Thread | None = None

    def value(self) -> dict[str, Any] | None:
        """{"messages", "rejected", "partitions", "as_of" (unix time of the read), "stale"}
        or None before a first read succeeded."""
        with self._lock:
            return None if self._value is None else {**self._value, "stale": self._stale}

    def refresh_if_due(self) -> bool:
        """Read when due (``interval`` since the last read, and ``COST_FACTOR`` times its
        duration); True when it read."""
        began = self.monotonic()
        if began < self._next:
            return False
        self.reads += 1
        try:
            totals = self.read()
        except READ_ERRORS as exc:
            self._failed(exc)
        else:
            with self._lock:
                self._value = {"messages": totals["messages"], "rejected": totals["rejected"],
                               "partitions": totals["partitions"], "as_of": self.wall()}
                self._stale = False
        took = self.monotonic() - began
        self._next = began + max(self.interval, COST_FACTOR * took)
        return True

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            episode, self._stale = not self._stale, True
            have = self._value is not None
        if episode:
            log.warning("dashboard: cannot read the group's total%s (%s): %s", self.what,
                        exc, "showing the last one, marked stale" if have else "not shown yet")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="group-total", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(max(0.05, self._next - self.monotonic())):
            self.refresh_if_due()
        if self._final:  # the members' last commits are in: the total they came to
            self._next = 0.0
            self.refresh_if_due()

    def stop(self, final: bool = False, timeout: float = 5.0) -> None:
        """Stop the thread (with ``final``: after one more read), waiting up to ``timeout``
        for it (a daemon thread: a read still under way then does not hold up the exit)."""
        self._final = final
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


def group_total_of(job: Any, interval: float = INTERVAL_SECONDS) -> GroupTotal | None:
    """The group total of a consumer job whose state is in a changelog (else None): its app's
    totals read from ``job.state.store.changelog`` with the transport's client settings."""
    changelog = getattr(job.state.store, "changelog", None) if job.transactional else None
    if not isinstance(changelog, str):
        return None
    from buzzline.state.show import group_totals

    app, settings, config = job.app, job.settings, dict(job.transport.config)
    return GroupTotal(lambda: group_totals(app, settings, config, changelog, READ_TIMEOUT),
                      interval, f" of {changelog}")

