"""What a consumer does with the messages it rejects: each one is set aside as a dead letter
with where it was (before its batch is checkpointed), and logged in one line, the first ones
and then every 1000th, so a flood of bad input never floods the log."""

import logging
from collections import Counter

from buzzline.deadletter import DeadLetters
from buzzline.messages import Rejected
from buzzline.transports.base import Batch

log = logging.getLogger("buzzline.engine.consume")  # the consumer's own lines
LOGGED_REJECTIONS = 20

# (index in the batch, why): a negative index -1-k is the batch's k-th oversized line
Bad = list[tuple[int, Rejected]]


def position_of(index: int, batch: Batch, before: dict[int, int]) -> dict[str, int | None]:
    """Where the ``index``-th message of ``batch`` was: a Kafka partition and offset, or a
    file's byte offset "after" which it is the ``line``-th line (``before``: the positions
    held before the batch)."""
    if index < 0:  # a line the file transport could not hold (Batch.oversized)
        return {"partition": 0, "after": before.get(0, 0), "line": None}
    if batch.locate is not None:
        partition, offset = batch.locate(index)
        return {"partition": partition, "offset": offset}
    after = before.get(0)
    if after is None:  # the first batch: it began where its lines began
        after = max(0, batch.positions.get(0, 0) - sum(map(len, batch.values))
                    - len(batch.values))
    return {"partition": 0, "after": after, "line": index}


class Rejections:
    """A consumer's rejected messages: set aside (``dead_letters``), counted by reason."""

    def __init__(self, name: str, dead_letters: DeadLetters) -> None:
        self.name, self.dead_letters = name, dead_letters
        self.reasons: Counter[str] = Counter()

    def set_aside(self, bad: Bad, batch: Batch, before: dict[int, int]) -> None:
        """Each one a dead letter, flushed before the batch is committed."""
        for index, rejected in bad:
            # the full size of a message known by its first bytes only
            held = batch.oversized[-1 - index][1] if index < 0 else None
            self.dead_letters.add(rejected, position_of(index, batch, before), held)
        if bad:
            self.dead_letters.flush()

    def report(self, bad: Bad) -> None:
        """Count them by reason; one line each for the first ones, then every 1000th."""
        for _, rejected in bad:
            self.reasons[rejected.reason.split(":")[0]] += 1
            n = self.reasons.total()
            if n <= LOGGED_REJECTIONS or n % 1000 == 0:
                preview = rejected.raw[:80].decode("utf-8", "replace")
                log.warning("%s: rejected message (%s): %s", self.name, rejected.reason,
                            preview)
