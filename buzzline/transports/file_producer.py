"""Writing a topic file: whole lines, appended under an exclusive ``flock`` (POSIX) so several
producer processes never interleave lines, following the file's *name* across rotations, and
cut back to the last whole line when a write fails (see ``transports.file``)."""

import logging
import os
import stat
from pathlib import Path

from buzzline.errors import WriteFailed
from buzzline.transports.base import Producer

try:
    import fcntl
except ImportError:  # Windows: no flock; one write per flush
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("buzzline.transports.file")  # where its lines always went

FLUSH_BYTES = 256 * 1024
_BINARY = getattr(os, "O_BINARY", 0)


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


def replace_with_empty(path: Path) -> None:
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
