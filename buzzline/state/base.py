"""What a consumer's partitions save their state in: a SQLite file on one machine
(``checkpoints.CheckpointStore``) or a Kafka changelog (``state.changelog.ChangelogStore``)."""

from collections.abc import Iterable
from typing import Protocol

from buzzline.analytics import Pipeline
from buzzline.checkpoints import Checkpoint, Damaged, StateKey
from buzzline.errors import BuzzlineError


class Fenced(BuzzlineError):
    """A transaction was refused (another member holds the partitions now): aborted."""


class NotNow(BuzzlineError):
    """A transaction could not be committed now (the broker out of reach): aborted, the
    state kept in memory and written at the next save."""


class StateStore(Protocol):
    @property
    def generation(self) -> int:
        """+1 each time the store was replaced: every partition is saved again."""

    def start_over(self, key: StateKey) -> str | None:
        """Why partitions without a checkpoint start over from their beginning, if they do."""

    def load(self, key: StateKey,
             partitions: Iterable[int] | None = None) -> dict[int, Checkpoint | Damaged]:
        """The saved checkpoints of ``key`` (of ``partitions`` only, when given)."""

    def loaded(self, partition: int, pipeline: Pipeline, source: dict | None) -> None:
        """``pipeline`` was loaded from the checkpoint of ``partition`` (and ``source``)."""

    def save_pipelines(self, key: StateKey,
                       parts: dict[int, tuple[int, Pipeline, dict | None]]) -> dict[int, str]:
        """Save each partition's (position, pipeline, source); returns the refused ones."""

    def forget(self, partitions: Iterable[int]) -> None:
        """Partitions no longer held by this consumer."""

    def clear(self, key: StateKey) -> int:
        """Forget ``key``'s state; returns how many partitions had one."""

    def close(self) -> None: ...
