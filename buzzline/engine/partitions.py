"""A consumer's analytics, one pipeline per partition it holds, and their checkpoints.

Each partition's pipeline reflects exactly the messages before its position. Checkpoints save
both in one transaction; a partition that arrives (start, or a rebalance handing it over)
loads its pipeline and position from the last checkpoint, a partition that leaves saves them
first. ``view`` is the sum of the partitions: the pipeline the charts and the summary read.
"""

import logging
from collections.abc import Callable, Iterable

from buzzline.analytics import Pipeline
from buzzline.checkpoints import Checkpoint, CheckpointStore, StateKey

log = logging.getLogger(__name__)


class Partitions:
    def __init__(self, make: Callable[[], Pipeline], store: CheckpointStore | None,
                 key: StateKey) -> None:
        self.make, self.store, self.key = make, store, key
        self.view = make()
        self.parts: dict[int, Pipeline] = {}
        self.positions: dict[int, int] = {}  # partition -> next position, for those held
        self._saved: dict[int, int] = {}  # partition -> the position last checkpointed
        self.sources: dict[int, dict] = {}  # partition -> what its loaded position belongs to
        self._saved_source: dict[int, dict | None] = {}  # ... and the last saved one (_same)
        self._jump = 0  # messages that arrived with loaded or left with dropped partitions

    def part(self, partition: int) -> Pipeline:
        found = self.parts.get(partition)
        if found is None:
            found = self.parts[partition] = self.make()
        return found

    def restore(self, bounds: dict[int, tuple[int, int]] | None = None) -> dict[int, int]:
        """Load the checkpoints of the partitions in ``bounds`` (all saved ones when None),
        each checked against its partition's (first, next-to-write) positions; returns
        where each loaded partition resumes."""
        if self.store is None:
            return {}
        saved = self.store.load(self.key, None if bounds is None else list(bounds))
        resume: dict[int, int] = {}
        for partition, checkpoint in sorted(saved.items()):
            low, high = (bounds or {}).get(partition, (-1, -1))
            position = checkpoint.position
            if high >= 0 and position > high:
                log.warning("%s: partition %d has %d messages but the checkpoint is at %d: "
                            "the topic was emptied or recreated, counting it from the start",
                            self.key, partition, high, position)
                continue
            if low > position:
                log.warning("%s: partition %d lost messages %d to %d to retention before they "
                            "were read; resuming at %d", self.key, partition, position, low, low)
                position = low
            pipeline = self.make()
            pipeline.load_state(checkpoint.state)
            self._jump += _total(pipeline) - _total(self.parts.get(partition))
            self.parts[partition] = pipeline
            self.positions[partition] = self._saved[partition] = resume[partition] = position
            if checkpoint.source is not None:
                self.sources[partition] = checkpoint.source
            self._saved_source[partition] = _same(checkpoint.source)
        if resume:
            log.info("%s: resuming from the checkpoint at %s", self.key,
                     ", ".join(f"partition {p} position {o:,}" for p, o in resume.items()))
        return resume

    def start_over(self, partition: int) -> None:
        """Forget a partition's state (its topic went back: emptied or recreated)."""
        self.drop([partition])

    def drop(self, partitions: Iterable[int]) -> None:
        for partition in partitions:
            self._jump -= _total(self.parts.pop(partition, None))
            self.positions.pop(partition, None)
            self._saved.pop(partition, None)
            self._saved_source.pop(partition, None)

    def advance(self, positions: dict[int, int]) -> None:
        """Positions reached by a processed batch (or held before any message)."""
        self.positions.update(positions)

    def checkpoint(self, partitions: Iterable[int] | None = None,
                   sources: dict[int, dict | None] | None = None) -> dict[int, int]:
        """Save the state and position of the partitions that moved since their last save
        (with ``sources``: what each position belongs to); returns the positions now saved
        (to commit to the broker)."""
        wanted = self.positions.keys() if partitions is None else partitions
        found = sources or {}
        # a position that stayed while its file changed (0 in a new file) is saved again
        changed = {p: self.positions[p] for p in wanted
                   if p in self.positions and (self._saved.get(p) != self.positions[p] or
                                               self._saved_source.get(p) != _same(found.get(p)))}
        if self.store is not None and changed:
            self.store.save(self.key, {p: Checkpoint(position, self.part(p).state(), found.get(p))
                                       for p, position in changed.items()})
        self._saved.update(changed)
        self._saved_source.update((p, _same(found.get(p))) for p in changed)
        return {p: self.positions[p] for p in wanted if p in self.positions}

    def combine(self) -> None:
        """Make ``view`` the sum of the partitions (call with the view's lock held)."""
        totals = self.view["totals"]
        if self._jump:
            totals.rebase(self._jump)
            self._jump = 0
        self.view.combine([self.parts[p] for p in sorted(self.parts)])


def _same(source: dict | None) -> dict | None:
    """What tells one file from another in a source (its size grows without changing it)."""
    return None if source is None else {k: v for k, v in source.items() if k != "size"}


def _total(pipeline: Pipeline | None) -> int:
    if pipeline is None:
        return 0
    totals = pipeline["totals"]
    return totals.messages + totals.rejected
