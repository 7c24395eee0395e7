"""A topic file open for reading: what it is (device, inode, first bytes), how far it is read,
and how far it is settled: bytes before the settled size never change, because producers
write, and cut a failed write back to its last whole line, under an exclusive ``flock`` (see
``transports.file``) and readers take a shared one to measure the file."""

import os
from pathlib import Path

from buzzline.transports.file_identity import HEAD_BYTES, FileIdentity, identify, read_head

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None  # type: ignore[assignment]

_BINARY = getattr(os, "O_BINARY", 0)
_TAIL_SCAN = 64 * 1024  # last_line_end looks back in steps of this for the last line end


class TopicFile:
    """One open topic file; ``read`` hands out only settled bytes, checking with each chunk
    that the file still begins as it did."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        st = os.fstat(fd)
        self.id: tuple[int, int] = (st.st_dev, st.st_ino)
        self.read_pos = 0  # the next read
        self.settled = 0  # the file holds no write under way before this
        # its first HEAD_BYTES bytes (fewer while it is shorter), as last checked
        self.first = b""
        self.first = self.settled_head()

    @classmethod
    def open(cls, path: Path) -> "TopicFile | None":
        """``path`` open for reading; None if there is no such file."""
        try:
            fd = os.open(path, os.O_RDONLY | _BINARY)
        except FileNotFoundError:
            return None
        return cls(fd)

    def close(self) -> None:
        os.close(self.fd)

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def seek(self, offset: int) -> None:
        """Read on from ``offset`` (a line start: nothing is under way before it)."""
        self.read_pos = self.settled = offset
        os.lseek(self.fd, offset, os.SEEK_SET)

    def read(self, size: int) -> bytes | None:
        """Up to ``size`` settled bytes from the read position (b"": none now); None if the
        file no longer begins as it did (truncated and refilled past the read position)."""
        if fcntl is not None:  # only what no producer is writing: a failed write is cut back
            if self.read_pos >= self.settled:
                self.settle(block=False)
            size = min(size, self.settled - self.read_pos)
        chunk = os.read(self.fd, size) if size > 0 else b""
        if chunk and not self._same_start(self.read_pos + len(chunk)):
            return None
        self.read_pos += len(chunk)
        return chunk

    def _same_start(self, settled: int) -> bool:
        """True if the file still begins as it did (a 4 KiB read: cheap per chunk);
        ``settled``: where no producer is writing (a write rolled back is not remembered)."""
        now = read_head(self.fd, max(len(self.first), min(HEAD_BYTES, settled)))
        same = now.startswith(self.first)
        self.first = now
        return same

    def settled_head(self) -> bytes:
        """The file's first settled bytes (up to HEAD_BYTES)."""
        return read_head(self.fd, min(HEAD_BYTES, self.settle(block=False)))

    def settle(self, block: bool) -> int:
        """The size of the file with no producer writing to it (under a shared lock), kept as
        ``settled``. Without ``block``, if a producer is writing right now, what was settled
        before (a producer stopped mid-write never stops a consumer). After a rotation
        (``block``): a producer checks under its lock that the path still names its file, so
        the lines it is writing land before this returns, and later ones go to the new file."""
        if fcntl is None:
            self.settled = self.size()
            return self.settled
        try:
            fcntl.flock(self.fd, fcntl.LOCK_SH if block else fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return self.settled
        try:
            self.settled = self.size()
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        return self.settled

    def last_line_end(self, size: int, limit: int) -> int:
        """The offset after the last newline in the first ``size`` bytes (0 if there is
        none); -1 if the last line is longer than ``limit``."""
        end = size
        while end > 0 and size - end <= limit:
            base = max(0, end - _TAIL_SCAN)
            os.lseek(self.fd, base, os.SEEK_SET)
            i = os.read(self.fd, end - base).rfind(b"\n")
            if i >= 0:
                return base + i + 1
            end = base
        return 0 if end == 0 else -1

    def identity(self) -> FileIdentity:
        """What the file is, for a saved position (``file_identity``)."""
        return identify(self.fd, self.first[:HEAD_BYTES])
