"""Smoker temperatures: rows of a ``timestamp,temperature`` CSV, one message each, ending at EOF.

The file may start with a UTF-8 byte order mark (a spreadsheet's "CSV UTF-8"); blank lines are
skipped; a row whose timestamp is empty or not a time (``buzzline.timestamps``) is refused, as
is one whose temperature is not a number: the producer stops there with one line (the rows
before it are sent, none after); an error names the file's own line number (blank lines and
quoted line breaks counted: the csv reader's own ``line_num``, as ``DictReader.line_num`` lags
behind blank lines)."""

import csv
import math
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from buzzline.errors import SourceError
from buzzline.messages import SmokerReading
from buzzline.sources.text import file_not_utf8
from buzzline.timestamps import TimestampError, check_time


def read_smoker_csv(path: Path, count: int | None = None) -> Iterator[SmokerReading]:
    """Yield each row as a reading; stops at end of file (or after ``count`` rows)."""
    return islice(_rows(Path(path)), count)


def _rows(path: Path) -> Iterator[SmokerReading]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise SourceError(f"CSV file not found: {path} (`buzzline data` writes a sample)") from None
    except OSError as exc:
        raise SourceError(f"CSV file {path} cannot be read: {exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        try:
            yield from _readings(path, reader)
        except UnicodeDecodeError:  # (decoded ahead of the rows: found again in the bytes)
            raise SourceError(f"CSV file {path}, {file_not_utf8(path)}") from None
        except csv.Error as exc:
            raise SourceError(f"CSV file {path}, line {reader.reader.line_num}: {exc}") from None
        except OSError as exc:
            raise SourceError(f"CSV file {path} cannot be read: {exc.strerror}") from None


def _readings(path: Path, reader: csv.DictReader) -> Iterator[SmokerReading]:
    missing = {"timestamp", "temperature"} - set(reader.fieldnames or ())
    if missing:
        raise SourceError(f"CSV file {path} lacks column(s): {', '.join(sorted(missing))}")
    for row in reader:
        where = f"CSV file {path}, line {reader.reader.line_num}"
        raw, timestamp = row["temperature"], row["timestamp"]
        if raw is None or timestamp is None:
            raise SourceError(f"{where}: the row has too few values")
        try:
            temperature = float(raw)
        except ValueError:
            raise SourceError(f"{where}: temperature {raw!r} is not a number") from None
        if not math.isfinite(temperature):
            raise SourceError(f"{where}: temperature is not finite")
        try:
            check_time(timestamp)
        except TimestampError as exc:
            raise SourceError(f"{where}: {exc}") from None
        yield SmokerReading(timestamp=timestamp, temperature=temperature)

