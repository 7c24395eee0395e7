"""Cutting a topic file's bytes, read in chunks, into lines, without ever holding a line over
the limit whole: such a line is skipped in chunks, and what is kept of it (its first
``OVERSIZED_HEAD_BYTES`` and its full length) is handed on, in file order, once the position
moves past its end. No I/O here: ``file_tail`` reads the chunks."""

from collections.abc import Callable

OVERSIZED_HEAD_BYTES = 64 * 1024  # what Batch.oversized keeps of a line over the limit

# told of each line over the limit when it is found: (offset, length, complete); an
# incomplete line's length is what was seen of it so far
FoundOversized = Callable[[int, int, bool], None]


class LineBuffer:
    """The lines read from byte ``start`` on and not taken yet. ``pos``: where the next line
    to take starts (the position a batch reaches); ``end``: after the last whole line read."""

    def __init__(self, start: int, limit: int, found: FoundOversized) -> None:
        self._limit, self._found = limit, found
        self.pos = self.end = start
        self._lines: list[bytes] = []
        self._li = 0  # the next line to take
        # index in _lines -> (head, length) of an oversized line (its _lines entry is b"")
        self._extra: dict[int, tuple[bytes, int]] = {}
        self._tail = b""  # an incomplete last line
        self._discard: int | None = None  # bytes skipped so far of an oversized partial line
        self._head: bytearray | None = None  # ... and its first bytes (None: not reported)

    @property
    def used_up(self) -> bool:
        """Every whole line read so far was taken: read the next chunk."""
        return self._li >= len(self._lines)

    def skip_partial(self) -> None:
        """The bytes from ``start`` to the next newline are the rest of an oversized line that
        began before it: skip them without handing the line on (there is no head to report)."""
        self._discard = 0

    def feed(self, chunk: bytes, passed: list[tuple[bytes, int]]) -> None:
        """Add the next chunk (only when ``used_up``). An oversized partial line that ends in
        it is appended to ``passed`` as (head, length)."""
        if self._discard is not None:
            i = chunk.find(b"\n")
            head = self._head
            if head is not None and len(head) < OVERSIZED_HEAD_BYTES:
                head += chunk[: min(len(chunk) if i < 0 else i,
                                    OVERSIZED_HEAD_BYTES - len(head))]
            if i < 0:
                self._discard += len(chunk)
                return
            length = self._discard + i
            # _lines is used up here, so pos == end: the position moves past the line
            self.pos = self.end = self.end + length + 1
            if head is not None:
                passed.append((bytes(head), length))
            self._discard = self._head = None
            chunk = chunk[i + 1 :]
        data = self._tail + chunk if self._tail else chunk
        parts = data.split(b"\n")
        self._tail = parts.pop()
        self._lines, self._li, self._extra = parts, 0, {}
        if parts and max(map(len, parts)) > self._limit:
            offset = self.end
            for i, part in enumerate(parts):
                if len(part) > self._limit:
                    self._found(offset, len(part), True)
                    self._extra[i], parts[i] = (part[:OVERSIZED_HEAD_BYTES], len(part)), b""
                offset += len(part) + 1
        self.end += len(data) - len(self._tail)
        if len(self._tail) > self._limit:
            self._found(self.end, len(self._tail), False)
            self._head = bytearray(self._tail[:OVERSIZED_HEAD_BYTES])
            self._discard, self._tail = len(self._tail), b""

    def take(self, count: int, out: list[bytes], over: list[tuple[bytes, int]]) -> None:
        """Move up to ``count`` lines (whole ones to ``out``, empty ones dropped; oversized
        ones to ``over`` as (head, length)) past the position."""
        li = self._li
        taken = self._lines[li : li + count]
        self._li += len(taken)
        self.pos += sum(map(len, taken)) + len(taken)
        if self._extra:
            for i in sorted(i for i in self._extra if li <= i < self._li):
                head, length = self._extra.pop(i)
                self.pos += length
                over.append((head, length))
        out.extend([v for v in taken if v] if b"" in taken else taken)
