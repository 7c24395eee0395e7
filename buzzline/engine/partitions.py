"""A consumer's analytics, one pipeline per partition it holds, and their checkpoints.

Each partition's pipeline reflects exactly the messages before its position. Checkpoints save
both in one transaction; a partition that arrives (start, or a rebalance handing it over)
loads its pipeline and position from the last checkpoint, a partition that leaves saves them
first. ``combined`` is the sum of the partitions: the pipeline the charts and the summary read.

A checkpoint that cannot be used (damaged bytes, a state of the wrong shape, none in a file
made after a damaged one was set aside) is never used nor silently replaced: one log line, and
that partition is counted over from its beginning while the others resume. A state that
cannot be saved exactly is not saved: one log line, its last checkpoint stays.
"""

import logging
from collections.abc import Callable, Iterable

import buzzline.state_codec as state_codec
from buzzline.analytics import Pipeline
from buzzline.checkpoints import Damaged, StateKey
from buzzline.state.base import StateStore

log = logging.getLogger(__name__)
# what loading a state of the wrong shape raises (a key missing, a value of the wrong type...)
LOAD_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError,
               RecursionError)


class Partitions:
    def __init__(self, make: Callable[[], Pipeline], store: StateStore | None,
                 key: StateKey) -> None:
        self.make, self.store, self.key = make, store, key
        self.combined = make()
        self.parts: dict[int, Pipeline] = {}
        self.positions: dict[int, int] = {}  # partition -> next position, for those held
        self._saved: dict[int, int] = {}  # partition -> the position last checkpointed
        self.sources: dict[int, dict] = {}  # partition -> what its loaded position belongs to
        self._saved_source: dict[int, dict | None] = {}  # ... and the last saved one (_same)
        self._jump = 0  # messages that arrived with loaded or left with dropped partitions
        self._generation = store.generation if store is not None else 0
        self._unsaved: set[int] = set()  # partitions whose state could not be saved
        self._saved_total: dict[int, int] = {}  # partition -> its messages when last saved
        # messages counted but dropped before they were saved (a refused or lost partition,
        # read again from its last save, here or by another member)
        self.undone = 0

    def part(self, partition: int) -> Pipeline:
        found = self.parts.get(partition)
        if found is None:
            found = self.parts[partition] = self.make()
        return found

    def restore(self, bounds: dict[int, tuple[int, int]] | None = None,
                recheck: Callable[[int], tuple[int, int]] | None = None) -> dict[int, int]:
        """Load the checkpoints of the partitions in ``bounds`` (all saved ones when None),
        each checked against its partition's (first, next-to-write) positions (asked again
        from ``recheck`` before a checkpoint is found past them: the group may have gone on
        while this consumer was frozen); returns where each loaded partition resumes."""
        if self.store is None:
            return {}
        saved = self.store.load(self.key, None if bounds is None else list(bounds))
        resume: dict[int, int] = {}
        moved = self.store.start_over(self.key)
        if moved is not None:  # a transport without groups has partition 0 only
            held = bounds if bounds is not None else {0: (0, -1)}
            fresh = {p: max(low, 0) for p, (low, _) in held.items() if p not in saved}
            for partition, position in fresh.items():
                self._start_over(partition, position, "", resume)
            if fresh:
                log.warning("%s: no checkpoint since the damaged checkpoint file was moved to "
                            "%s: counting %s over from the beginning", self.key, moved,
                            ", ".join(f"partition {p} from position {o:,}"
                                      for p, o in fresh.items()))
        for partition, checkpoint in sorted(saved.items()):
            low, high = (bounds or {}).get(partition, (-1, -1))
            if isinstance(checkpoint, Damaged):
                self._start_over(partition, max(low, 0), checkpoint.reason, resume)
                continue
            position = checkpoint.position
            if high >= 0 and position > high and recheck is not None:
                low, high = recheck(partition)
            if high >= 0 and position > high:
                log.warning("%s: partition %d has %d messages but the checkpoint is at %d: "
                            "the topic was emptied or recreated, counting it from the start",
                            self.key, partition, high, position)
                continue
            if low > position:
                log.warning("%s: partition %d lost messages %d to %d to retention before they "
                            "were read; resuming at %d", self.key, partition, position, low, low)
                position = low
            pipeline = self._loaded(checkpoint.state)
            if isinstance(pipeline, str):
                self._start_over(partition, max(low, 0), pipeline, resume)
                continue
            self._jump += _total(pipeline) - _total(self.parts.get(partition))
            self.parts[partition] = pipeline
            self._saved_total[partition] = _total(pipeline)
            self.store.loaded(partition, pipeline, checkpoint.source)
            self.positions[partition] = self._saved[partition] = resume[partition] = position
            if checkpoint.source is not None:
                self.sources[partition] = checkpoint.source
            self._saved_source[partition] = _same(checkpoint.source)
        loaded = {p: o for p, o in resume.items() if p in self._saved}  # not started over
        if loaded:
            log.info("%s: resuming from the checkpoint at %s", self.key,
                     ", ".join(f"partition {p} position {o:,}" for p, o in loaded.items()))
        return resume

    def _loaded(self, state: dict) -> Pipeline | str:
        """A pipeline with ``state`` loaded, or why the state does not fit."""
        pipeline = self.make()
        try:
            pipeline.load_state(state)
            probe = self.make()  # what combining and the next checkpoint will do with it
            probe.combine([pipeline])
            probe.result()
            state_codec.encode(pipeline.state())
        except LOAD_ERRORS as exc:
            return f"its state does not fit: {type(exc).__name__}: {exc}"
        return pipeline

    def _start_over(self, partition: int, position: int, reason: str,
                    resume: dict[int, int]) -> None:
        """Count ``partition`` afresh from ``position`` (its beginning), saying why (if a
        ``reason`` is given)."""
        if reason:
                log.warning("%s: the checkpoint of partition %d cannot be used (%s): counting "
                        "that partition over from its beginning (position %d)", self.key,
                        partition, reason[:300], position)
        pipeline = self.make()
        self._jump += _total(pipeline) - _total(self.parts.get(partition))
        self.parts[partition] = pipeline
        self._saved.pop(partition, None)  # the next checkpoint replaces the damaged one
        self.positions[partition] = resume[partition] = position

    def start_over(self, partition: int) -> None:
        """Forget a partition's state (its topic went back: emptied or recreated)."""
        self.drop([partition], undo=False)

    def drop(self, partitions: Iterable[int], undo: bool = True) -> None:
        """Partitions no longer held, or held again from their last save; with ``undo``
        what they counted since that save is added to ``undone``."""
        partitions = list(partitions)
        if self.store is not None:
            self.store.forget(partitions)
        for partition in partitions:
            total = _total(self.parts.pop(partition, None))
            saved = self._saved_total.pop(partition, 0)
            if undo and partition in self.positions:
                self.undone += max(0, total - saved)
            self._jump -= total
            self.positions.pop(partition, None)
            self._saved.pop(partition, None)
            self._unsaved.discard(partition)
            self._saved_source.pop(partition, None)

    def advance(self, positions: dict[int, int]) -> None:
        """Positions reached by a processed batch (or held before any message)."""
        self.positions.update(positions)

    def checkpoint(self, partitions: Iterable[int] | None = None,
                   sources: dict[int, dict | None] | None = None) -> dict[int, int]:
        """Save the state and position of the partitions that moved since their last save
        (with ``sources``: what each position belongs to); returns the positions now saved
        (to commit to the broker)."""
        store = self.store
        if store is not None and store.generation != self._generation:
            self._generation = store.generation  # a new file: every partition saved again
            self._saved.clear()
            if partitions is not None:
                self.checkpoint(None, sources)
        wanted = list(self.positions if partitions is None else partitions)
        found = sources or {}
        # a position that stayed while its file changed (0 in a new file) is saved again
        changed = {p: self.positions[p] for p in wanted
                   if p in self.positions and (self._saved.get(p) != self.positions[p] or
                                               self._saved_source.get(p) != _same(found.get(p)))}
        if store is not None and changed:
            refused = store.save_pipelines(self.key, {
                p: (position, self.part(p), found.get(p)) for p, position in changed.items()})
            if store.generation != self._generation:  # replaced while saving: all again
                return self.checkpoint(partitions, sources)
            for partition, why in refused.items():
                del changed[partition]
                if partition not in self._unsaved:
                    log.warning("%s: the state of partition %d cannot be saved (%s): its last "
                                "checkpoint stays, a restart resumes there", self.key,
                                partition, why)
            self._unsaved = (self._unsaved | set(refused)) - set(changed)
        self._saved.update(changed)
        self._saved_total.update((p, _total(self.parts.get(p))) for p in changed)
        self._saved_source.update((p, _same(found.get(p))) for p in changed)
        return {p: self._saved[p] for p in wanted if p in self._saved}

    def combine(self) -> None:
        """Make ``combined`` the sum of the partitions (call with its lock held)."""
        totals = self.combined["totals"]
        if self._jump:
            totals.rebase(self._jump)
            self._jump = 0
        self.combined.combine([self.parts[p] for p in sorted(self.parts)])


def _same(source: dict | None) -> dict | None:
    """What tells one file from another in a source (its size grows without changing it)."""
    return None if source is None else {k: v for k, v in source.items() if k != "size"}


def _total(pipeline: Pipeline | None) -> int:
    if pipeline is None:
        return 0
    totals = pipeline["totals"]
    return totals.messages + totals.rejected
