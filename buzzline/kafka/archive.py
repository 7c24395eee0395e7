"""The official Kafka binary release: download with progress, SHA-512 check, safe extraction."""

import hashlib
import http.client
import os
import re
import tarfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

from buzzline.errors import BuzzlineError

MIRRORS = ("https://downloads.apache.org/kafka/{version}/",
           "https://archive.apache.org/dist/kafka/{version}/")
CONNECT_TIMEOUT = 5.0   # first contact (the .sha512 file): an unreachable site fails fast
DOWNLOAD_TIMEOUT = 30.0  # per socket operation while streaming the archive
CHUNK = 1 << 20

Progress = Callable[[str, int | None, int | None], None]


class ChecksumError(BuzzlineError):
    """A downloaded file does not match its published SHA-512."""


def open_url(url: str, timeout: float):
    """``urllib.request.urlopen`` (a seam for tests: they replace it to play the network)."""
    return urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 (https URLs we build)


def parse_sha512(text: str) -> str:
    """The hex digest from a ``.sha512`` file, in either the ``sha512sum`` format
    (``<hex>  <name>``) or the ``gpg --print-md`` one Apache uses (``<name>: 8A4C 6ED1 ...``
    over several lines)."""
    text = text.strip()
    match = re.match(r"([0-9a-fA-F]{128})\b", text)
    if match:
        return match.group(1).lower()
    _, sep, rest = text.partition(":")
    digest = re.sub(r"\s+", "", rest) if sep else ""
    if re.fullmatch(r"[0-9a-fA-F]{128}", digest):
        return digest.lower()
    raise ChecksumError("the published .sha512 file has no SHA-512 digest in a known format")


def fetch_text(url: str, timeout: float = CONNECT_TIMEOUT) -> str:
    with open_url(url, timeout) as response:
        return response.read(1 << 16).decode("utf-8", "replace")


def download(url: str, dest: Path, progress: Progress | None = None) -> str:
    """Stream ``url`` into ``dest``; returns the SHA-512 hex digest of what was written."""
    sha = hashlib.sha512()
    with open_url(url, DOWNLOAD_TIMEOUT) as response, open(dest, "wb") as out:
        length = response.headers.get("Content-Length") if response.headers else None
        total = int(length) if length and length.isdigit() else None
        done = 0
        while chunk := response.read(CHUNK):
            out.write(chunk)
            sha.update(chunk)
            done += len(chunk)
            if progress:
                progress(f"downloading {url.rsplit('/', 1)[-1]}", done, total)
    return sha.hexdigest()


def verify_sha512(actual: str, published_text: str, name: str) -> None:
    if actual.lower() != parse_sha512(published_text):
        raise ChecksumError(f"{name} does not match its published SHA-512 (corrupt or tampered "
                            "download)")


def _inside(root: Path, path: Path) -> bool:
    return path == root or root in path.parents


def check_members(tar: tarfile.TarFile, dest: Path) -> list[tarfile.TarInfo]:
    """The members to extract; a BuzzlineError for any whose path or link leaves ``dest``."""
    root = dest.resolve()
    members = []
    for member in tar.getmembers():
        name = member.name
        target = (root / name).resolve()
        if os.path.isabs(name) or re.match(r"^[A-Za-z]:", name) or not _inside(root, target):
            raise BuzzlineError(f"unsafe path in the Kafka archive: {name!r} (not extracted)")
        if member.issym() or member.islnk():
            base = target.parent if member.issym() else root
            link = (base / member.linkname).resolve()
            if os.path.isabs(member.linkname) or not _inside(root, link):
                raise BuzzlineError(f"unsafe link in the Kafka archive: {name!r} -> "
                                    f"{member.linkname!r} (not extracted)")
        if member.isdev() or member.isfifo():
            continue
        members.append(member)
    return members


def safe_extract(archive: Path, dest: Path) -> None:
    """Extract a .tgz into ``dest``, refusing members that would land outside it."""
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = check_members(tar, dest)
            if hasattr(tarfile, "data_filter"):
                tar.extractall(dest, members=members, filter="data")
            else:  # pragma: no cover - Python < 3.11.4; members were checked above
                tar.extractall(dest, members=members)  # noqa: S202
    except (tarfile.TarError, EOFError) as exc:
        raise BuzzlineError(f"cannot unpack {archive.name}: {exc}") from None


def fetch_release(version: str, filename: str, workdir: Path,
                  progress: Progress | None = None) -> Path:
    """Download ``filename`` of Kafka ``version`` from the Apache sites into ``workdir`` and
    check it; raises OSError (network) or ChecksumError when no site gives a good copy."""
    errors: list[str] = []
    for base in MIRRORS:
        base = base.format(version=version)
        try:
            published = fetch_text(base + filename + ".sha512")
            path = workdir / filename
            digest = download(base + filename, path, progress)
            verify_sha512(digest, published, filename)
            return path
        except ChecksumError as exc:
            errors.append(f"{base}: {exc}")
        except (OSError, ValueError, http.client.HTTPException) as exc:  # URLError: OSError
            errors.append(f"{base}: {getattr(exc, 'reason', None) or exc}")
    raise OSError("; ".join(errors))
