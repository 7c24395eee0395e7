"""Which file a byte offset belongs to: a saved file position is only good in that file.

A consumer saves, with each checkpoint, the identity of the file its position is in: device
and inode, the size then, and a fingerprint of its first bytes (a hash of the first
``min(size, HEAD_BYTES)`` bytes, with that length). On resume the position is used only if
the file at the path is still that file (same inode, the same first bytes, at least as long
as the position, and the byte before the position ends a line). Otherwise the file was
rotated, replaced, truncated or refilled while the consumer was stopped: the rotated file is
looked for by its inode next to the topic file (``T.jsonl.1`` first, then any sibling) and
finished, or else the new file is read from its beginning.

Where inode numbers mean nothing (``st_ino`` 0, some Windows file systems) the fingerprint
and the size decide alone, and only siblings named after the topic file are looked at. A file
refilled with the very same first bytes cannot be told apart (nor by any tool that keeps no
copy of the data). The device is recorded but not compared: its number may change when the
machine restarts or the disk is mounted elsewhere.
"""

import hashlib
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HEAD_BYTES = 4096
_BINARY = getattr(os, "O_BINARY", 0)


@dataclass(frozen=True, slots=True)
class FileIdentity:
    device: int
    inode: int
    size: int  # when saved
    head_len: int  # how many first bytes ``head`` is the hash of
    head: str  # blake2b-128 of them, hex

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: object) -> "FileIdentity | None":
        """The identity saved as ``data`` (None if there is none or it is not one)."""
        if not isinstance(data, dict):
            return None
        try:
            found = cls(**{k: data[k] for k in ("device", "inode", "size", "head_len", "head")})
        except (KeyError, TypeError):
            return None
        ints = (found.device, found.inode, found.size, found.head_len)
        if not all(type(v) is int and v >= 0 for v in ints) or not isinstance(found.head, str):
            return None
        return found


def read_head(fd: int, length: int = HEAD_BYTES) -> bytes:
    """Up to ``length`` first bytes of the open file (its read position is left alone)."""
    if hasattr(os, "pread"):
        return os.pread(fd, length, 0)
    here = os.lseek(fd, 0, os.SEEK_CUR)  # Windows: no pread
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, length)
    finally:
        os.lseek(fd, here, os.SEEK_SET)


def fingerprint(head: bytes) -> str:
    return hashlib.blake2b(head, digest_size=16).hexdigest()


def identify(fd: int, head: bytes) -> FileIdentity:
    """The identity of the open file whose first bytes (as read and checked) are ``head``."""
    st = os.fstat(fd)
    return FileIdentity(st.st_dev, st.st_ino, st.st_size, len(head), fingerprint(head))


def is_same(saved: FileIdentity, fd: int, position: int) -> bool:
    """True if the open file is the one ``saved`` describes and ``position`` fits in it."""
    st = os.fstat(fd)
    if saved.inode and st.st_ino and st.st_ino != saved.inode:
        return False
    if not (saved.inode and st.st_ino) and st.st_size < saved.size:
        return False  # no inodes: a file that shrank is another one
    if st.st_size < max(position, saved.head_len):
        return False
    return fingerprint(read_head(fd, saved.head_len)) == saved.head


def at_line_start(fd: int, position: int) -> bool:
    """True if ``position`` is 0 or right after a newline of the open file."""
    if position <= 0:
        return True
    if hasattr(os, "pread"):
        return os.pread(fd, 1, position - 1) == b"\n"
    here = os.lseek(fd, 0, os.SEEK_CUR)
    try:
        os.lseek(fd, position - 1, os.SEEK_SET)
        return os.read(fd, 1) == b"\n"
    finally:
        os.lseek(fd, here, os.SEEK_SET)


def begins_with(path: Path, head: bytes, size: int) -> bool:
    """True if the file at ``path`` begins with ``head`` and has at least ``size`` bytes (where
    inode numbers mean nothing, this is how a consumer tells its file is still at the path)."""
    try:
        fd = os.open(path, os.O_RDONLY | _BINARY)
    except OSError:
        return False
    try:
        return read_head(fd, len(head)) == head and os.fstat(fd).st_size >= size
    finally:
        os.close(fd)


def find_moved(path: Path, saved: FileIdentity, position: int) -> tuple[int, Path] | None:
    """The file ``saved`` describes, if it is still next to ``path`` under another name
    (rotated): an open descriptor and its path; None if it is gone."""
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return None
    # names made from the topic file's first (T.jsonl.1, T.jsonl-20250101), then the rest
    entries.sort(key=lambda e: (not e.name.startswith(path.name), e.name))
    for entry in entries:
        if entry.name == path.name:
            continue
        try:
            if saved.inode and entry.inode() and entry.inode() != saved.inode:
                continue
            # any name only with an inode and a fingerprint to go by (an empty file has none,
            # and its inode number may since name another file: SQLite's journal, say)
            weak = not (saved.inode and entry.inode() and saved.head_len)
            if weak and not entry.name.startswith(path.name):
                continue
            if not entry.is_file(follow_symlinks=False):
                continue
            fd = os.open(entry.path, os.O_RDONLY | _BINARY)
        except OSError:
            continue
        if is_same(saved, fd, position):
            return fd, Path(entry.path)
        os.close(fd)
    return None


def plan_resume(path: Path, fd: int | None, position: int,
                saved: FileIdentity | None) -> tuple[int | None, int, str | None]:
    """Where a consumer resumes a saved ``position`` of ``path`` (open as ``fd``, None if it
    does not exist): (the descriptor to read: ``fd`` or the rotated file's, the position in
    it, the warning to log or None). A position that does not fit its file, or is not at the
    start of a line, starts over from 0 (the engine then starts the state over too)."""
    if saved is not None and (fd is None or not is_same(saved, fd, position)):
        moved = find_moved(path, saved, position)
        if moved is not None and at_line_start(moved[0], position):
            return moved[0], position, (
                f"{path} was rotated while the consumer was stopped: finishing {moved[1].name} "
                f"from byte {position:,}, then the new {path.name} from 0")
        if moved is not None:
            os.close(moved[0])
        if fd is not None and position > 0:
            return fd, 0, (f"{path} is not the file the saved position {position:,} belongs "
                           "to (replaced, truncated or refilled since): reading it from 0")
    if fd is None:
        return None, 0, (f"saved position {position} but {path} does not exist; reading it "
                         "from 0 when it appears") if position > 0 else None
    size = os.fstat(fd).st_size
    if position > size:
        return fd, 0, (f"saved position {position} is past the end of {path} ({size} bytes): "
                       "it was truncated; reading from 0")
    if not at_line_start(fd, position):
        return fd, 0, (f"saved position {position:,} of {path} is not at the start of a line "
                       "(the file changed in place): reading it from 0")
    return fd, position, None
