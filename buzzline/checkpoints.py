"""Checkpoints: a consumer's analytic state and the positions it reflects, saved together.

One SQLite file in the data folder (``checkpoints.sqlite``) holds a row per transport, app,
group, topic and partition: the position of the next message to read and the state of the
analytics after every message before it. A save is one transaction, so after a crash the
state and the positions always match: resuming from them counts every message exactly once.

A row that cannot be used (not JSON, a wrong position) comes back as ``Damaged`` with why; a
state that cannot be saved exactly (``state_codec``) is not saved (the row before it stays).
A damaged file is moved aside and a new one started (``checkpoint_file``).
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

import buzzline.state_codec as state_codec
from buzzline.checkpoint_file import SqliteFile

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


@dataclass(frozen=True, slots=True)
class Damaged:
    """A saved row that cannot be used, and why."""

    reason: str


class CheckpointStore:
    """Checkpoints in ``path`` (created when missing). Several processes may share it."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._file = SqliteFile(self.path, timeout, (_SCHEMA,))
        _add_source_column(self._file.db)
        self.cleared: set[StateKey] = set()  # forgotten by this process

    @property
    def _db(self) -> sqlite3.Connection:
        return self._file.db

    @property
    def generation(self) -> int:
        """+1 each time the file is replaced (damaged): save every partition again."""
        return self._file.generation

    def start_over(self, key: StateKey) -> str | None:
        """The damaged file set aside before this one, when ``key``'s partitions without a
        checkpoint here must start over from their beginning (unless forgotten on purpose)."""
        return None if key in self.cleared else self._file.moved_before()

    @staticmethod
    def _where(key: StateKey) -> tuple[str, tuple[str, ...]]:
        return ("transport = ? AND app = ? AND grp = ? AND topic = ?",
                (key.transport, key.app, key.group, key.topic))

    def load(self, key: StateKey,
             partitions: Iterable[int] | None = None) -> dict[int, Checkpoint | Damaged]:
        """The saved checkpoints of ``key`` (of ``partitions`` only, when given); a row that
        cannot be used is ``Damaged``. A damaged file: none (it is set aside)."""
        where, args = self._where(key)
        rows = self._file.run(lambda: self._db.execute(
            f"SELECT partition, position, state, source FROM checkpoints WHERE {where}",
            args).fetchall(), list)
        wanted = None if partitions is None else set(partitions)
        out: dict[int, Checkpoint | Damaged] = {}
        for partition, position, state, source in rows:
            if wanted is not None and partition not in wanted:
                continue
            if type(position) is not int or position < 0:
                out[partition] = Damaged(f"the position {position!r} is not an offset")
                continue
            try:
                out[partition] = Checkpoint(position, state_codec.decode(state), _source(source))
            except (state_codec.StateError, TypeError) as exc:
                out[partition] = Damaged(f"the state is {exc}")
        return out

    def save(self, key: StateKey, checkpoints: dict[int, Checkpoint]) -> dict[int, str]:
        """Save ``checkpoints`` in one transaction (all or nothing); a state that cannot be
        saved exactly is left out (its row stays as it was): returns those, with why."""
        now = time.time()
        rows, refused = [], {}
        for partition, cp in checkpoints.items():
            try:
                data = state_codec.encode(cp.state)
            except state_codec.StateError as exc:
                refused[partition] = str(exc)
                continue
            rows.append((key.transport, key.app, key.group, key.topic, partition, cp.position,
                         data, now,
                         None if cp.source is None else orjson.dumps(cp.source).decode()))
        if rows:
            self._file.run(lambda: self._write(rows), lambda: self._write(rows))
        return refused

    def save_pipelines(self, key: StateKey,
                       parts: dict[int, tuple[int, Any, dict | None]]) -> dict[int, str]:
        """``save`` of each partition's (position, pipeline, source)."""
        return self.save(key, {p: Checkpoint(position, pipeline.state(), source)
                               for p, (position, pipeline, source) in parts.items()})

    def loaded(self, partition: int, pipeline: Any, source: dict | None) -> None:
        """(Nothing to note: a save writes every state whole.)"""

    def forget(self, partitions: Iterable[int]) -> None:
        """(Nothing to note: a save writes every state whole.)"""

    def _write(self, rows: list[tuple]) -> None:
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO checkpoints (transport, app, grp, topic, partition, "
                "position, state, saved, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def clear(self, key: StateKey) -> int:
        """Forget ``key``'s checkpoints; returns how many partitions had one."""
        self.cleared.add(key)
        where, args = self._where(key)
        return self._file.run(lambda: self._delete(f"DELETE FROM checkpoints WHERE {where}", args),
                             lambda: 0)

    def clear_topic(self, transport: str, topic: str) -> int:
        """Forget every checkpoint of a topic (it was emptied or recreated)."""
        return self._file.run(lambda: self._delete(
            "DELETE FROM checkpoints WHERE transport = ? AND topic = ?", (transport, topic)),
            lambda: 0)

    def _delete(self, sql: str, args: tuple) -> int:
        with self._transaction():
            return self._db.execute(sql, args).rowcount

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
        self._file.close()


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
