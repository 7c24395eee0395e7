"""The embedded default transport: topic ``T`` is the JSON-lines file ``data_dir/T.jsonl``.

Producers append whole lines under an exclusive ``flock`` (POSIX), so several producer
processes never interleave lines. Consumers follow the file like ``tail -F``: they survive
truncation, rotation, deletion and a file that does not exist yet. Positions are byte offsets.

Rotation (logrotate's default: rename ``T.jsonl`` to ``T.jsonl.1``, perhaps create a new
``T.jsonl``): a producer follows the *name*, not the file it opened. Under its lock, before
each write, it checks that the path still names its open file, and if not (renamed away or
deleted) it opens the path again (creating it), so its next lines land where consumers look,
with no restart or signal. A consumer that sees the path name another file takes the old
file's lock (shared) before its last read, so a write already under way lands before it
switches and every later one goes to the new file: nothing is lost or read twice. (A writer
that does not take part, e.g. ``echo >>``, may still append to the renamed file after that.)

``--reset-topic`` replaces the file with a new empty one (a new inode, renamed over it)
rather than emptying it in place, so a consumer following it sees a new file even if the
next lines pass its position before it looks.

A write that fails (disk full, ``EFBIG``, an I/O error) is rolled back under the lock: the file
is cut back to its size before the write, so it holds whole lines only, and the producer
raises ``WriteFailed`` (exit code 1) with the number of messages not written.
"""

import logging
import os
from pathlib import Path

from buzzline.errors import SettingsError
from buzzline.transports.base import StartAt, Transport
from buzzline.transports.file_producer import FileProducer, replace_with_empty
from buzzline.transports.file_tail import FileConsumer

log = logging.getLogger(__name__)

CHUNK_BYTES = 256 * 1024
MAX_LINE_BYTES = 8 * 1024 * 1024


class FileTransport(Transport):
    """Topics are ``data_dir/<topic>.jsonl`` files, one JSON object per line."""

    name = "file"

    def __init__(
        self,
        data_dir: Path,
        poll_interval: float = 0.01,  # the wait for new lines: latency, 100 cheap stats/s idle
        max_line_bytes: int = MAX_LINE_BYTES,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.poll_interval = poll_interval
        self.max_line_bytes = max_line_bytes
        self.chunk_bytes = chunk_bytes

    def path(self, topic: str) -> Path:
        """The file that holds ``topic``."""
        if not topic or topic.startswith(".") or any(c in topic for c in "/\\:\0"):
            raise SettingsError(f"topic {topic!r} cannot be used as a file name")
        return self.data_dir / f"{topic}.jsonl"

    def producer(self, topic: str, reset: bool = False) -> FileProducer:
        path = self.path(topic)
        if reset and path.exists():
            log.info("emptying %s (--reset-topic)", path)
            replace_with_empty(path)
        return FileProducer(path)

    def consumer(
        self,
        topic: str,
        *,
        group: str,
        start: StartAt = "end",
        start_positions: dict[int, int] | None = None,
        sources: dict[int, dict] | None = None,
    ) -> FileConsumer:
        return FileConsumer(self.path(topic), group, start, start_positions, sources,
                            poll_interval=self.poll_interval,
                            max_line_bytes=self.max_line_bytes, chunk_bytes=self.chunk_bytes)

    def describe(self) -> str:
        return f"file ({self.data_dir}{os.sep})"


__all__ = ["FileConsumer", "FileProducer", "FileTransport", "MAX_LINE_BYTES"]
