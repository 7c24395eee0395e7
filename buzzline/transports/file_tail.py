"""Following a topic file like ``tail -F``: a consumer that survives a file that does not exist
yet, partial last lines, truncation, rotation and deletion. Positions are byte offsets.

After a rotation the consumer finishes the old file, then reads the new one from 0. Like
``tail -F`` it follows the name: if the file is rotated twice before the consumer reached the
end of the first rotated file, the file in between is not read.

A line longer than ``max_line_bytes`` is never held whole (``file_lines``); it is handed on
in ``Batch.oversized`` (its first bytes and length) for the consumer to dead-letter.

A saved position is used only in the file it was saved in (``file_identity``): ``identity()``
describes that file for the checkpoint, and ``sources`` gives it back on resume. While it
runs, the consumer checks with every chunk it reads that the file still begins with the
bytes it began with, so a file truncated and refilled past the position in between two looks
is read again from 0, like a truncation, instead of from the middle of a line. It reads only
bytes no producer is writing (``file_handle``), so a write that fails and is cut back to the
last whole line (a full disk) is never counted."""

import logging
import os
import time
from pathlib import Path

from buzzline.transports.base import Batch, Consumer, StartAt
from buzzline.transports.file_handle import TopicFile
from buzzline.transports.file_identity import FileIdentity, begins_with, plan_resume
from buzzline.transports.file_lines import LineBuffer

log = logging.getLogger(__name__)


class FileConsumer(Consumer):
    """Follows one topic file; see the module docstring for the edge cases it handles."""

    lag_unit = "bytes"

    def __init__(self, path: Path, group: str, start: StartAt,
                 start_positions: dict[int, int] | None, sources: dict[int, dict] | None = None,
                 *, poll_interval: float, max_line_bytes: int, chunk_bytes: int) -> None:
        self.path, self.group = path, group
        self._interval, self._limit, self._chunk = poll_interval, max_line_bytes, chunk_bytes
        self.oversized_lines = 0  # lines over the limit seen so far (counted when found)
        self._quiet_switch = False  # the next switch to the new file was logged already
        self._waiting_logged = self._closed = False
        self._buffer = LineBuffer(0, self._limit, self.oversized)
        file = self._file = TopicFile.open(path)
        wanted = (start_positions or {}).get(0)
        if wanted is not None:  # a saved position: in the file it was saved in, at a line start
            fd, wanted, why = plan_resume(path, file.fd if file else None, wanted,
                                          FileIdentity.from_json((sources or {}).get(0)))
            if why is not None:
                log.warning("%s", why)
            if fd is not None and (file is None or fd != file.fd):  # the rotated file, first
                if file is not None:
                    file.close()
                file = self._file = TopicFile(fd)
                self._quiet_switch = True  # (no second log line when switching from it)
        if file is None:
            log.info("waiting for %s to appear", path)
            self._waiting_logged = True
            return
        size = file.size()
        if wanted is None and start in ("end", "committed"):  # no stored positions yet
            wanted = file.last_line_end(size, self._limit)
        if wanted is None or wanted >= 0:
            self._reset(wanted or 0)
        else:  # start="end" inside an oversized line that began before: like the lines
            # start="end" skips, and its head is too far back: counted, not handed on
            self.oversized(size, self._limit, complete=False)
            self._reset(size)
            self._buffer.skip_partial()

    @property
    def _id(self) -> tuple[int, int]:
        """(device, inode) of the file being read ((0, 0): none)."""
        return self._file.id if self._file is not None else (0, 0)

    def _reset(self, offset: int) -> None:
        """Forget buffered data; the next read (and the next message) starts at ``offset``."""
        self._buffer = LineBuffer(offset, self._limit, self.oversized)
        if self._file is not None:
            self._file.seek(offset)

    def oversized(self, offset: int, length: int, complete: bool) -> None:
        """Called once per line over ``max_line_bytes``, when it is found (it is handed on in
        ``Batch.oversized`` once the position passes its end)."""
        self.oversized_lines += 1
        log.warning("skipping a line of %s%d bytes at offset %d of %s (max_line_bytes=%d)",
                    "" if complete else "more than ", length, offset, self.path, self._limit)

    def _read(self, file: TopicFile, passed: list[tuple[bytes, int]]) -> bool:
        """Read one chunk into the line buffer (only when it is used up). False at EOF."""
        chunk = file.read(self._chunk)
        if chunk is None:
            log.warning("%s was truncated and refilled past byte %d; reading it from 0",
                        self.path, file.read_pos)
            self._reset(0)
            return True
        if not chunk:
            return False
        self._buffer.feed(chunk, passed)
        return True

    def _at_eof(self, file: TopicFile) -> TopicFile | None:
        """Handle truncation, rotation and deletion at the end of ``file``'s data: the file
        to go on reading (``file`` or the new one); None: nothing more to read now."""
        size = file.size()
        if size < file.read_pos:
            log.warning("%s was truncated (%d < %d bytes); reading from 0",
                        self.path, size, file.read_pos)
            self._reset(0)
            file.first = file.settled_head()
            return file
        try:
            now: os.stat_result | None = os.stat(self.path)
        except FileNotFoundError:
            now = None
        if (now is not None and (now.st_dev, now.st_ino) == file.id
                and (now.st_ino or begins_with(self.path, file.first, file.read_pos))):
            return None
        if file.settle(block=True) > file.read_pos:
            return file  # finish the old file's complete lines first
        file.close()
        self._file = None
        self._reset(0)
        quiet, self._quiet_switch = self._quiet_switch, False
        if now is None:
            if not quiet:
                log.warning("%s vanished; waiting for it to reappear", self.path)
            self._waiting_logged = True
            return None
        if not quiet:
            log.warning("%s was replaced (rotated); reading the new file from 0", self.path)
        self._file = TopicFile.open(self.path)
        return self._file

    def _take(self, max_messages: int) -> tuple[list[bytes], list[tuple[bytes, int]], bool]:
        """Up to ``max_messages`` lines and oversized lines (together), and whether the file
        had nothing more to read."""
        out: list[bytes] = []
        over: list[tuple[bytes, int]] = []  # _read adds an oversized partial line when it ends
        file = self._file
        if file is None:
            file = self._file = TopicFile.open(self.path)
            if file is None:
                if not self._waiting_logged:
                    log.info("waiting for %s to appear", self.path)
                    self._waiting_logged = True
                return out, over, True
            log.info("%s appeared; reading it from 0", self.path)
            self._waiting_logged = False
            self._reset(0)
        while len(out) + len(over) < max_messages:
            if not self._buffer.used_up:
                self._buffer.take(max_messages - len(out) - len(over), out, over)
            elif not self._read(file, over):
                file = self._at_eof(file)
                if file is None:
                    return out, over, True
        return out, over, self._buffer.used_up and file.size() <= file.read_pos

    def poll(self, max_messages: int = 10_000, timeout: float = 0.1) -> Batch:
        if self._closed:
            raise ValueError(f"consumer of {self.path} is closed")
        deadline = time.monotonic() + timeout
        while True:
            values, oversized, caught_up = self._take(max_messages)
            left = deadline - time.monotonic()
            if values or oversized or left <= 0:
                return Batch(values, {0: self._buffer.pos}, caught_up, oversized=oversized)
            time.sleep(min(self._interval, left))

    def lag(self) -> dict[int, int] | None:
        """Bytes written to the file but not read yet (None while it does not exist)."""
        if self._file is None:
            return None
        return {0: max(0, self._file.size() - self._buffer.pos)}

    def identity(self) -> dict[int, dict | None]:
        """The file the position is in (device, inode, size, a hash of its first bytes), None
        while there is none (waiting for it: the position is then 0)."""
        return {0: self._file.identity().to_json() if self._file is not None else None}

    def positions(self) -> dict[int, int]:
        """Where the next message starts: below a saved start position when that could not be
        used (the file was truncated, or is missing), so the caller can start over."""
        return {0: self._buffer.pos}

    def close(self) -> None:
        self._closed = True
        file, self._file = self._file, None
        if file is not None:
            file.close()
