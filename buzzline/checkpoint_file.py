"""The SQLite file the checkpoints live in, kept usable when it is damaged.

SQLite says a file is damaged ("database disk image is malformed", "file is not a database")
when it opens it or when a read or write meets a broken page. Then the file (and its WAL) is
moved aside as ``<name>.damaged-<UTC time>``, with one log line, and a new file is made that
remembers it (table ``damaged``): a consumer with no checkpoint in the new file starts over
from its beginning rather than where a transport would start without one. A file replaced by
another process (it moved a damaged one aside) is reopened; ``generation`` counts both, so the
writer saves every partition it holds again.
"""

import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from buzzline.errors import BuzzlineError

log = logging.getLogger(__name__)
T = TypeVar("T")
_DAMAGED = "CREATE TABLE IF NOT EXISTS damaged (moved_to TEXT NOT NULL, noticed REAL NOT NULL)"


def is_damaged(exc: sqlite3.Error) -> bool:
    """Whether SQLite says the file itself is broken (not busy, full or read-only)."""
    return getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))


class SqliteFile:
    """A connection (``db``) to ``path``, made with ``schema``; ``run`` guards a use of it."""

    def __init__(self, path: Path, timeout: float, schema: Sequence[str]) -> None:
        self.path, self.timeout, self.schema = Path(path), timeout, tuple(schema)
        self.generation = 0  # +1 each time the file is replaced
        self._identity = _identity(self.path)
        self.db = self._open()

    def _open(self, again: bool = False) -> sqlite3.Connection:
        """A connection to the file (a new file in place of a damaged one, unless ``again``)."""
        db = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._identity = _identity(self.path)
            db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                 check_same_thread=False)
            for statement in ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                              *self.schema, _DAMAGED):
                db.execute(statement)
            self._identity = _identity(self.path)
            return db
        except sqlite3.Error as exc:
            if again or not is_damaged(exc):
                raise BuzzlineError(f"cannot open the checkpoint file {self.path}: {exc}") \
                    from exc
            return self._set_aside(exc, db)
        except OSError as exc:
            raise BuzzlineError(f"cannot open the checkpoint file {self.path}: {exc}") from exc

    def _set_aside(self, exc: sqlite3.Error,
                   broken: sqlite3.Connection | None) -> sqlite3.Connection:
        """Move the damaged file and its WAL aside (``broken``: the connection to it, closed
        here); returns a connection to a new file that remembers it."""
        target = self.path.with_name(
            f"{self.path.name}.damaged-{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}")
        if broken is not None:
            with suppress(sqlite3.Error):  # it is set aside however it closes
                broken.close()
        if _identity(self.path) == self._identity:  # not replaced by another process already
            try:
                for suffix in ("", "-wal", "-shm"):
                    found = Path(f"{self.path}{suffix}")
                    if found.exists():
                        found.rename(f"{target}{suffix}")
            except OSError as move_error:
                raise BuzzlineError(f"the checkpoint file {self.path} is damaged ({exc}) and "
                                    f"cannot be moved aside: {move_error}") from exc
        log.warning("the checkpoint file %s is damaged (%s): moved to %s; every partition "
                    "without a checkpoint in the new file starts over from its beginning",
                    self.path, exc, target.name)
        self.generation += 1
        db = self._open(again=True)
        db.execute("INSERT INTO damaged VALUES (?, ?)", (target.name, time.time()))
        return db

    def run(self, action: Callable[[], T], fallback: Callable[[], T]) -> T:
        """``action()``; if the file turns out damaged: set it aside, then ``fallback()``."""
        if _identity(self.path) != self._identity:  # another process replaced it
            log.info("the checkpoint file %s was replaced: reopening it", self.path)
            self.close()
            self.generation += 1
            self.db = self._open()
        try:
            return action()
        except sqlite3.DatabaseError as exc:
            if not is_damaged(exc):
                raise
            self.db = self._set_aside(exc, self.db)
        return fallback()

    def moved_before(self) -> str | None:
        """The name of the damaged file set aside before this one was made, if any."""
        def newest() -> str | None:
            row = self.db.execute(
                "SELECT moved_to FROM damaged ORDER BY noticed DESC LIMIT 1").fetchone()
            return row[0] if row else None
        return self.run(newest, newest)

    def close(self) -> None:
        self.db.close()


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of ``path``, None when missing."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino
