"""Checkpoints: a consumer's analytic state and the positions it reflects, saved together.

One SQLite file in the data folder (``checkpoints.sqlite``) holds a row per transport, app,
group, topic and partition: the position of the next message to read and the state of the
analytics after every message before it. A save is one transaction, so after a crash the
state and the positions always match: resuming from them counts every message exactly once.
"""

import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from buzzline.errors import BuzzlineError

log = logging.getLogger(__name__)

FILE_NAME = "checkpoints.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS checkpoints (
    transport TEXT NOT NULL, app TEXT NOT NULL, grp TEXT NOT NULL, topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    position INTEGER NOT NULL,   -- the next message to read
    state BLOB NOT NULL,         -- JSON: the analytics after every message before it
    saved REAL NOT NULL,         -- unix time
    source TEXT,                 -- JSON or NULL: the file the position is in (file_identity)
    PRIMARY KEY (transport, app, grp, topic, partition)
)"""


@dataclass(frozen=True, slots=True)
class StateKey:
    transport: str
    app: str
    group: str
    topic: str

    def __str__(self) -> str:
        return f"{self.app}/{self.group} on {self.transport} topic {self.topic!r}"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    position: int
    state: dict[str, Any]
    source: dict[str, Any] | None = None  # what the position belongs to (Consumer.identity)


class CheckpointStore:
    """Checkpoints in ``path`` (created when missing). Several processes may share it."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                       check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(_SCHEMA)
            _add_source_column(self._db)
        except sqlite3.Error as exc:
            raise BuzzlineError(f"cannot open the checkpoint file {self.path}: {exc}") from exc

    @staticmethod
    def _where(key: StateKey) -> tuple[str, tuple[str, ...]]:
        return ("transport = ? AND app = ? AND grp = ? AND topic = ?",
                (key.transport, key.app, key.group, key.topic))

    def load(self, key: StateKey, partitions: Iterable[int] | None = None) -> dict[int, Checkpoint]:
        """The saved checkpoints of ``key`` (of ``partitions`` only, when given)."""
        where, args = self._where(key)
        rows = self._db.execute(
            f"SELECT partition, position, state, source FROM checkpoints WHERE {where}",
            args).fetchall()
        wanted = None if partitions is None else set(partitions)
        out = {}
        for partition, position, state, source in rows:
            if wanted is not None and partition not in wanted:
                continue
            try:
                out[partition] = Checkpoint(position, orjson.loads(state), _source(source))
            except orjson.JSONDecodeError:
                log.warning("%s: the checkpoint of partition %d is damaged: starting it over",
                            key, partition)
        return out

    def save(self, key: StateKey, checkpoints: dict[int, Checkpoint]) -> None:
        """Save all of ``checkpoints`` in one transaction (all or nothing)."""
        if not checkpoints:
            return
        now = time.time()
        rows = [(key.transport, key.app, key.group, key.topic, partition, cp.position,
                 orjson.dumps(cp.state), now,
                 None if cp.source is None else orjson.dumps(cp.source).decode())
                for partition, cp in checkpoints.items()]
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO checkpoints (transport, app, grp, topic, partition, "
                "position, state, saved, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def clear(self, key: StateKey) -> int:
        """Forget ``key``'s checkpoints; returns how many partitions had one."""
        where, args = self._where(key)
        with self._transaction():
            return self._db.execute(f"DELETE FROM checkpoints WHERE {where}", args).rowcount

    def clear_topic(self, transport: str, topic: str) -> int:
        """Forget every checkpoint of a topic (it was emptied or recreated)."""
        with self._transaction():
            return self._db.execute("DELETE FROM checkpoints WHERE transport = ? AND topic = ?",
                                    (transport, topic)).rowcount

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        # BEGIN IMMEDIATE takes the write lock up front: two writers never deadlock
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()


def _add_source_column(db: sqlite3.Connection) -> None:
    """Checkpoint files from before file identities lack the ``source`` column: add it."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(checkpoints)")}
    if "source" in columns:
        return
    try:
        db.execute("ALTER TABLE checkpoints ADD COLUMN source TEXT")
    except sqlite3.OperationalError as exc:  # another process added it first
        if "duplicate column" not in str(exc):
            raise


def _source(text: str | None) -> dict[str, Any] | None:
    """A saved ``source`` (None if there is none or it is damaged: the position is then
    checked as before identities, by size and line start)."""
    if text is None:
        return None
    try:
        found = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return found if isinstance(found, dict) else None


def forget_topic(data_dir: Path, transport: str, topic: str) -> None:
    """Forget the checkpoints of a topic that is being emptied (``--reset-topic``)."""
    path = Path(data_dir) / FILE_NAME
    if not path.exists():
        return
    store = CheckpointStore(path)
    try:
        if store.clear_topic(transport, topic):
            log.info("forgot the saved consumer state of %s topic %r", transport, topic)
    finally:
        store.close()
