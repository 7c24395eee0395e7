"""A consumer whose state lives in a changelog, when the group takes partitions away without
asking (it was frozen or cut off past its session timeout: another member has them now).

Whatever it counted since its last commit is dropped, with one log line; nothing is written
for those partitions (a transaction that tries is refused and aborted); the group's next
assignment gives partitions back with the state the group committed."""

import logging
import threading
from typing import Any

from buzzline.engine.partitions import Partitions

log = logging.getLogger("buzzline.engine.consume")  # the consumer's own lines


class Fence:
    def __init__(self, name: str, state: Partitions, lock: threading.Lock) -> None:
        self.name, self.state, self.lock = name, state, lock
        self.consumer: Any = None
        self.fenced = 0  # times partitions were taken away
        self._told: set[int] = set()  # partitions a refused transaction already spoke of

    def attach(self, consumer: Any, store: Any) -> None:
        """Offsets go in ``store``'s transactions, fenced by ``consumer``'s generation."""
        self.consumer = consumer
        consumer.offsets_in_transactions = True
        store.group_metadata = consumer.group_metadata

    def lost(self, partitions: list[int]) -> None:
        """The group went on without this consumer (it was frozen, or could not reach the
        broker) and gave ``partitions`` away: kept for the display, never written."""
        held = sorted(p for p in partitions if p in self.state.parts)
        told, self._told = self._told & set(partitions), self._told - set(partitions)
        if held and not told:  # (a refused transaction said it already)
            self.fenced += 1
            log.warning("%s: partitions %s lost: no answer from the group within the session "
                        "timeout (frozen, or the broker out of reach); nothing is committed for "
                        "them, the group's committed state comes back with them", self.name,
                        held)

    def taken(self, partitions: list[int], why: str, rewind: bool = False) -> None:
        """A transaction was refused: what it held is dropped; with ``rewind`` (not in a
        rebalance, which restores them anyway) the partitions the consumer still reads are
        restored from the changelog and read again from there (if they are another member's
        now, the group takes them away at the next heartbeat, and nothing is written)."""
        held = sorted(p for p in partitions if p in self.state.parts)
        if held:
            self.fenced += 1
            log.warning("%s: fenced: partitions %s were taken over by another member (%s); "
                        "the counts since the last commit are dropped, the group's committed "
                        "state comes back with them", self.name, held, why)
        with self.lock:
            self.state.drop(partitions)
            self.state.combine()
        if rewind and self.consumer is not None:
            reading = self.consumer.positions()
            self._told = set(reading)  # if the group takes them away now: the same story
            resume = self.state.restore({p: (-1, -1) for p in reading})
            self.consumer.rewind({p: resume.get(p) for p in reading})
            with self.lock:
                self.state.combine()
