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
import stat
from pathlib import Path

from buzzline.errors import SettingsError, WriteFailed
from buzzline.transports.base import Producer, StartAt, Transport
from buzzline.transports.file_tail import FileConsumer

try:
    import fcntl
except ImportError:  # Windows: no flock; one write per flush
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

FLUSH_BYTES = 256 * 1024
CHUNK_BYTES = 256 * 1024
MAX_LINE_BYTES = 8 * 1024 * 1024
_BINARY = getattr(os, "O_BINARY", 0)


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

    def producer(self, topic: str, reset: bool = False) -> "FileProducer":
        path = self.path(topic)
        if reset and path.exists():
            log.info("emptying %s (--reset-topic)", path)
            _replace_with_empty(path)
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


class FileProducer(Producer):
    """Buffers lines and appends them to the topic file in whole-line writes."""

    def __init__(self, path: Path, flush_bytes: int = FLUSH_BYTES) -> None:
        self.path = path
        self._flush_bytes = flush_bytes
        self._buf: bytearray | None = bytearray()  # None once closed
        self._fd = -1
        self._id: tuple[int, int] = (0, 0)  # (device, inode) of the open file
        self._open()

    def _open(self) -> None:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | _BINARY
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            lost = self._buf.count(b"\n") if self._buf else 0
            raise WriteFailed(f"cannot open {self.path}: {exc.strerror or exc}"
                              + (f"; {lost:,} messages not written" if lost else "")) from exc
        st = os.fstat(self._fd)
        self._id = (st.st_dev, st.st_ino)

    def _moved(self) -> bool:
        """True if the path no longer names the open file (rotated away or deleted)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return True
        return (st.st_dev, st.st_ino) != self._id

    def _reopen(self) -> None:
        log.info("%s was rotated or deleted: writing to a new %s", self.path, self.path.name)
        os.close(self._fd)
        self._fd = -1
        self._open()

    def send(self, value: bytes, key: bytes | None = None) -> None:
        buf = self._buf  # a local: this is the hot path
        if buf is None:
            raise ValueError(f"producer for {self.path} is closed")
        if 10 in value:  # b"\n" (int membership is a fast memchr)
            raise ValueError("a message must be one line: it contains a newline byte")
        buf += value
        buf += b"\n"
        if len(buf) > self._flush_bytes:
            self.flush()

    def flush(self, timeout: float | None = None) -> None:
        buf = self._buf
        if not buf:
            return
        try:
            if fcntl is None:
                if self._moved():
                    self._reopen()
                self._write(self._fd, buf)
            else:
                while True:  # lock the file the path names (see the module docstring)
                    fd = self._fd
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    if not self._moved():
                        break
                    fcntl.flock(fd, fcntl.LOCK_UN)
                    self._reopen()
                try:
                    self._write(fd, buf)
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        except WriteFailed:
            buf.clear()  # reported as not written; close() must not try them again
            raise
        buf.clear()

    def _write(self, fd: int, buf: bytearray) -> None:
        """Append ``buf`` whole, or cut the file back to its size before and raise."""
        size = os.fstat(fd).st_size
        try:
            with memoryview(buf) as view:
                done = 0
                while done < len(view):
                    done += os.write(fd, view[done:])
        except OSError as exc:
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode):  # (a device such as /dev/full: no)
                    os.ftruncate(fd, size)  # no torn last line for the next producer
            except OSError as undo:
                log.error("cannot cut %s back to its last whole line: %s", self.path, undo)
            lost = buf.count(b"\n")
            raise WriteFailed(f"cannot write to {self.path}: {exc.strerror or exc}; {lost:,} "
                              "messages not written; the file ends with whole lines") from exc

    def close(self) -> None:
        if self._buf is None:
            return
        try:
            self.flush()
        finally:
            self._buf = None
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def _replace_with_empty(path: Path) -> None:
    """A new empty file in place of ``path`` (a new inode, so consumers following it switch
    to it); where an open file cannot be replaced (Windows), ``path`` is emptied in place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.empty")
    try:
        tmp.write_bytes(b"")
        os.replace(tmp, path)
    except PermissionError:
        tmp.unlink(missing_ok=True)
        path.write_bytes(b"")
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteFailed(f"cannot empty {path}: {exc.strerror or exc}") from exc


__all__ = ["FileConsumer", "FileProducer", "FileTransport", "MAX_LINE_BYTES"]
