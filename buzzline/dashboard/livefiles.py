"""Reading ``data/live/`` without trusting it: only regular files named ``*.json`` (never a
FIFO, a device, a folder or a symbolic link: each is seen with ``lstat`` before anything opens
it, and opened non-blocking without following links, so nothing put there can block the
server), at most ``MAX_FILES`` of them, none larger than ``MAX_FILE_BYTES``."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from buzzline.dashboard.records import MAX_FILE_BYTES

MAX_FILES = 512  # live files looked at per scan (one per running consumer is the norm)
OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)


class NotALiveFile(Exception):
    """A file the dashboard will not read (why: the message)."""


@dataclass(frozen=True)
class Entry:
    key: str  # the file name without ``.json``
    path: Path
    stamp: tuple[int, ...]  # changes whenever the file is replaced or rewritten
    regular: bool
    size: int


def entries(directory: Path) -> list[Entry]:
    """The ``*.json`` entries of ``directory`` by name (the first ``MAX_FILES``), with their
    ``lstat``; [] when it is missing."""
    try:
        with os.scandir(directory) as found:
            names = sorted(e.name for e in found if e.name.endswith(".json"))[:MAX_FILES]
    except (FileNotFoundError, NotADirectoryError):
        return []
    out = []
    for name in names:
        path = directory / name
        try:
            st = os.lstat(path)
        except OSError:  # removed meanwhile
            continue
        # each write replaces the file (a new inode): a rewrite within one tick of the file
        # clock is still seen
        out.append(Entry(name[: -len(".json")], path,
                         (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns),
                         stat.S_ISREG(st.st_mode), st.st_size))
    return out


def read(entry: Entry) -> bytes:
    """The bytes of a regular file of at most ``MAX_FILE_BYTES``; else ``NotALiveFile``
    (``OSError`` when it went away meanwhile)."""
    if not entry.regular:
        raise NotALiveFile("not a regular file")
    if entry.size > MAX_FILE_BYTES:
        raise NotALiveFile(f"larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")
    fd = os.open(entry.path, OPEN_FLAGS)
    with open(fd, "rb") as handle:  # (closes fd)
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced by something else since
            raise NotALiveFile("not a regular file")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise NotALiveFile(f"larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")
    return data
