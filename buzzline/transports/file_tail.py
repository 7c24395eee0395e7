"""Following a topic file like ``tail -F``: a consumer that survives a file that does not exist
yet, partial last lines, truncation, rotation and deletion. Positions are byte offsets.

After a rotation the consumer finishes the old file, then reads the new one from 0. Like
``tail -F`` it follows the name: if the file is rotated twice before the consumer reached the
end of the first rotated file, the file in between is not read.

A line longer than ``max_line_bytes`` is never held whole: it is skipped in chunks, and the
batch whose positions move past it carries its first ``OVERSIZED_HEAD_BYTES`` and its full
length in ``Batch.oversized`` (in file order), for the consumer to dead-letter.

A saved position is used only in the file it was saved in (``file_identity``): ``identity()``
describes that file for the checkpoint, and ``sources`` gives it back on resume. While it
runs, the consumer checks with every chunk it reads that the file still begins with the
bytes it began with, so a file truncated and refilled past the position in between two looks
is read again from 0, like a truncation, instead of from the middle of a line. It reads only
bytes no producer is writing (``_settle``), so a write that fails and is cut back to the last
whole line (a full disk) is never counted."""

import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from buzzline.transports.base import Batch, Consumer, StartAt
from buzzline.transports.file_identity import (
    HEAD_BYTES,
    FileIdentity,
    begins_with,
    identify,
    plan_resume,
    read_head,
)

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from buzzline.transports.file import FileTransport

log = logging.getLogger(__name__)

_TAIL_SCAN = 64 * 1024  # start="end" looks back in steps of this for the last line end
OVERSIZED_HEAD_BYTES = 64 * 1024  # what Batch.oversized keeps of a line over the limit
_BINARY = getattr(os, "O_BINARY", 0)


class FileConsumer(Consumer):
    """Follows one topic file; see the module docstring for the edge cases it handles."""

    def __init__(
        self,
        transport: "FileTransport",
        path: Path,
        group: str,
        start: StartAt,
        start_positions: dict[int, int] | None,
        sources: dict[int, dict] | None = None,
    ) -> None:
        self.path, self.group = path, group
        self._interval = transport.poll_interval
        self._limit = transport.max_line_bytes
        self._chunk = transport.chunk_bytes
        self.oversized_lines = 0  # lines over the limit seen so far (counted when found)
        self._fd: int | None = None
        self._id: tuple[int, int] = (0, 0)  # (device, inode) of the open handle
        self._first = b""  # its first HEAD_BYTES bytes (fewer while it is shorter), as checked
        self._quiet_switch = False  # the next switch to the new file was logged already
        self._waiting_logged = self._closed = False
        self._passed: list[tuple[bytes, int]] = []  # the oversized lines passed in this _take
        self._reset(0)
        wanted = (start_positions or {}).get(0)
        self._open()
        if wanted is not None:  # a saved position: in the file it was saved in, at a line start
            saved = FileIdentity.from_json((sources or {}).get(0))
            fd, wanted, why = plan_resume(path, self._fd, wanted, saved)
            if why is not None:
                log.warning("%s", why)
            if fd != self._fd:  # the rotated file, to finish first (no second log line)
                self._close_fd()
                self._fd, self._quiet_switch = fd, True
                st = os.fstat(fd)
                self._id, self._first = (st.st_dev, st.st_ino), self._settled_head()
        if self._fd is None:
            log.info("waiting for %s to appear", path)
            self._waiting_logged = True
            return
        size = os.fstat(self._fd).st_size
        if wanted is None and start in ("end", "committed"):  # no stored positions yet
            wanted = self._last_line_end(size)
        if wanted is None or wanted >= 0:
            self._reset(wanted or 0)
        else:  # start="end" inside an oversized partial line: skip to its end
            # It began before the consumer's start (like the complete lines start="end"
            # skips), and its head is more than max_line_bytes back: logged and counted, but
            # not handed on in Batch.oversized (_head None: nothing to report).
            self.oversized(size, self._limit, complete=False)
            self._reset(size)
            self._discard = 0

    def _reset(self, offset: int) -> None:
        """Forget buffered data; the next read (and the next message) starts at ``offset``."""
        self._lines: list[bytes] = []
        self._li = 0
        # index in _lines -> (head, length) of an oversized line (its _lines entry is b"")
        self._extra: dict[int, tuple[bytes, int]] = {}
        self._tail = b""  # an incomplete last line
        self._discard: int | None = None  # bytes skipped so far of an oversized partial line
        self._head: bytearray | None = None  # ... and its first bytes (None: not reported)
        self._pos = self._end = self._read_pos = offset  # next message / after _lines / next read
        self._settled = offset  # the file holds no write under way before this (_settle)
        if self._fd is not None:
            os.lseek(self._fd, offset, os.SEEK_SET)

    def _open(self) -> bool:
        try:
            self._fd = os.open(self.path, os.O_RDONLY | _BINARY)
        except FileNotFoundError:
            return False
        st = os.fstat(self._fd)
        self._id, self._first = (st.st_dev, st.st_ino), self._settled_head()
        return True

    def _close_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _last_line_end(self, size: int) -> int:
        """Offset after the last newline (start="end"); -1 if the last line is oversized."""
        end = size
        while end > 0 and size - end <= self._limit:
            base = max(0, end - _TAIL_SCAN)
            os.lseek(self._fd, base, os.SEEK_SET)
            i = os.read(self._fd, end - base).rfind(b"\n")
            if i >= 0:
                return base + i + 1
            end = base
        return 0 if end == 0 else -1

    def oversized(self, offset: int, length: int, complete: bool) -> None:
        """Called once per line over ``max_line_bytes``, when it is found (it is handed on in
        ``Batch.oversized`` once the position passes its end)."""
        self.oversized_lines += 1
        log.warning("skipping a line of %s%d bytes at offset %d of %s (max_line_bytes=%d)",
                    "" if complete else "more than ", length, offset, self.path, self._limit)

    def _read(self) -> bool:
        """Read one chunk into the line buffer (only when _lines is used up). False at EOF."""
        want = self._chunk
        if fcntl is not None:  # only what no producer is writing: a failed write is cut back
            if self._read_pos >= self._settled:
                self._settle(block=False)
            want = min(want, self._settled - self._read_pos)
        chunk = os.read(self._fd, want) if want > 0 else b""
        if not chunk:
            return False
        if not self._same_start(self._read_pos + len(chunk)):
            log.warning("%s was truncated and refilled past byte %d; reading it from 0",
                        self.path, self._read_pos)
            self._reset(0)
            return True
        self._read_pos += len(chunk)
        if self._discard is not None:
            i = chunk.find(b"\n")
            head = self._head
            if head is not None and len(head) < OVERSIZED_HEAD_BYTES:
                head += chunk[: min(len(chunk) if i < 0 else i,
                                    OVERSIZED_HEAD_BYTES - len(head))]
            if i < 0:
                self._discard += len(chunk)
                return True
            length = self._discard + i
            # _lines is used up here, so _pos == _end: the position moves past the line
            self._pos = self._end = self._end + length + 1
            if head is not None:
                self._passed.append((bytes(head), length))
            self._discard = self._head = None
            chunk = chunk[i + 1 :]
        data = self._tail + chunk if self._tail else chunk
        parts = data.split(b"\n")
        self._tail = parts.pop()
        self._lines, self._li, self._extra = parts, 0, {}
        if parts and max(map(len, parts)) > self._limit:
            offset = self._end
            for i, part in enumerate(parts):
                if len(part) > self._limit:
                    self.oversized(offset, len(part), True)
                    self._extra[i], parts[i] = (part[:OVERSIZED_HEAD_BYTES], len(part)), b""
                offset += len(part) + 1
        self._end += len(data) - len(self._tail)
        if len(self._tail) > self._limit:
            self.oversized(self._end, len(self._tail), False)
            self._head = bytearray(self._tail[:OVERSIZED_HEAD_BYTES])
            self._discard, self._tail = len(self._tail), b""
        return True

    def _same_start(self, settled: int) -> bool:
        """True if the open file still begins as it did (a 4 KiB read: cheap per chunk);
        ``settled``: where no producer is writing (a write rolled back is not remembered)."""
        now = read_head(self._fd, max(len(self._first), min(HEAD_BYTES, settled)))
        same = now.startswith(self._first)
        self._first = now
        return same

    def _settled_head(self) -> bytes:
        return read_head(self._fd, min(HEAD_BYTES, self._settle(block=False)))

    def _at_eof(self) -> bool:
        """Handle truncation, rotation and deletion at end of data. True: go on reading."""
        st = os.fstat(self._fd)
        if st.st_size < self._read_pos:
            log.warning("%s was truncated (%d < %d bytes); reading from 0",
                        self.path, st.st_size, self._read_pos)
            self._reset(0)
            self._first = self._settled_head()
            return True
        try:
            now = os.stat(self.path)
        except FileNotFoundError:
            now = None
        if (now is not None and (now.st_dev, now.st_ino) == self._id
                and (now.st_ino or begins_with(self.path, self._first, self._read_pos))):
            return False
        if self._settle(block=True) > self._read_pos:
            return True  # finish the old file's complete lines first
        self._close_fd()
        self._reset(0)
        quiet, self._quiet_switch = self._quiet_switch, False
        if now is None:
            if not quiet:
                log.warning("%s vanished; waiting for it to reappear", self.path)
            self._waiting_logged = True
            return False
        if not quiet:
            log.warning("%s was replaced (rotated); reading the new file from 0", self.path)
        return self._open()

    def _settle(self, block: bool) -> int:
        """The size of the open file with no producer writing to it (under a shared lock;
        producers write and roll a failed write back under their exclusive one), kept as
        ``_settled``: bytes before it never change. Without ``block``, if a producer is
        writing right now, what was settled before (a producer stopped mid-write never
        stops a consumer). After a rotation (``block``): a producer checks under its lock
        that the path still names its file, so the lines it is writing land before this
        returns, and later ones go to the new file."""
        if fcntl is None:
            self._settled = os.fstat(self._fd).st_size
            return self._settled
        try:
            fcntl.flock(self._fd, fcntl.LOCK_SH if block else fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return self._settled
        try:
            self._settled = os.fstat(self._fd).st_size
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        return self._settled

    def _take(self, max_messages: int) -> tuple[list[bytes], list[tuple[bytes, int]], bool]:
        """Up to ``max_messages`` lines and oversized lines (together), and whether the file
        had nothing more to read."""
        out: list[bytes] = []
        over: list[tuple[bytes, int]] = []
        self._passed = over  # _read adds an oversized partial line here when it ends
        if self._fd is None:
            if not self._open():
                if not self._waiting_logged:
                    log.info("waiting for %s to appear", self.path)
                    self._waiting_logged = True
                return out, over, True
            log.info("%s appeared; reading it from 0", self.path)
            self._waiting_logged = False
            self._reset(0)
        while len(out) + len(over) < max_messages:
            if self._li < len(self._lines):
                li = self._li
                taken = self._lines[li : li + max_messages - len(out) - len(over)]
                self._li += len(taken)
                self._pos += sum(map(len, taken)) + len(taken)
                if self._extra:
                    for i in sorted(i for i in self._extra if li <= i < self._li):
                        head, length = self._extra.pop(i)
                        self._pos += length
                        over.append((head, length))
                out.extend([v for v in taken if v] if b"" in taken else taken)
            elif not self._read() and not self._at_eof():
                return out, over, True
        done = self._li >= len(self._lines) and os.fstat(self._fd).st_size <= self._read_pos
        return out, over, done

    def poll(self, max_messages: int = 10_000, timeout: float = 0.1) -> Batch:
        if self._closed:
            raise ValueError(f"consumer of {self.path} is closed")
        deadline = time.monotonic() + timeout
        while True:
            values, oversized, caught_up = self._take(max_messages)
            left = deadline - time.monotonic()
            if values or oversized or left <= 0:
                return Batch(values, {0: self._pos}, caught_up, oversized=oversized)
            time.sleep(min(self._interval, left))

    lag_unit = "bytes"

    def lag(self) -> dict[int, int] | None:
        """Bytes written to the file but not read yet (None while it does not exist)."""
        if self._fd is None:
            return None
        return {0: max(0, os.fstat(self._fd).st_size - self._pos)}

    def identity(self) -> dict[int, dict | None]:
        """The file the position is in (device, inode, size, a hash of its first bytes), None
        while there is none (waiting for it: the position is then 0)."""
        if self._fd is None:
            return {0: None}
        return {0: identify(self._fd, self._first[:HEAD_BYTES]).to_json()}

    def positions(self) -> dict[int, int]:
        """Where the next message starts: below a saved start position when that could not be
        used (the file was truncated, or is missing), so the caller can start over."""
        return {0: self._pos}

    def close(self) -> None:
        self._closed = True
        self._close_fd()
