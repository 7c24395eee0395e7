"""Where an input file stops being UTF-8 text, for an error line that names its line (a text
reader decodes ahead of the rows it hands out, so the row being read is not the place)."""

from pathlib import Path


def not_utf8(data: bytes) -> str:
    """``line N: not UTF-8 text (byte 0xNN)`` for the first byte of ``data`` that is not."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return f"line {line}: not UTF-8 text (byte {data[exc.start]:#04x})"
    return "not UTF-8 text"


def file_not_utf8(path: Path) -> str:
    """``not_utf8`` of the file at ``path`` (read again, after a decoding error)."""
    try:
        return not_utf8(path.read_bytes())
    except OSError:
        return "not UTF-8 text"
