"""Where a consumer job keeps its partitions' state: in its group's changelog topic when the
transport has one (Kafka: ``changelog_store``; written with the offsets in transactions), else
in the checkpoint file of the data folder (file transport), or nowhere (memory)."""

from pathlib import Path
from typing import Any

from buzzline.checkpoints import FILE_NAME, CheckpointStore, StateKey
from buzzline.state.base import StateStore
from buzzline.transports.base import Transport


def open_store(transport: Transport, data_dir: Path,
               key: StateKey) -> tuple[StateStore | None, Any]:
    """(the store, the same store when it is a changelog else None)."""
    if not transport.checkpoints:
        return None, None
    make_changelog = getattr(transport, "changelog_store", None)
    changelog = make_changelog(key) if make_changelog is not None else None
    if changelog is not None:
        return changelog, changelog
    return CheckpointStore(data_dir / FILE_NAME), None
