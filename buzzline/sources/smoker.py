"""Smoker temperatures: rows of a ``timestamp,temperature`` CSV, one message each, ending at EOF."""

import csv
import math
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from buzzline.errors import SourceError
from buzzline.messages import SmokerReading


def read_smoker_csv(path: Path, count: int | None = None) -> Iterator[SmokerReading]:
    """Yield each row as a reading; stops at end of file (or after ``count`` rows)."""
    return islice(_rows(Path(path)), count)


def _rows(path: Path) -> Iterator[SmokerReading]:
    try:
        handle = path.open(newline="", encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(f"CSV file not found: {path} (`buzzline data` writes a sample)") from None
    with handle:
        reader = csv.DictReader(handle)
        missing = {"timestamp", "temperature"} - set(reader.fieldnames or ())
        if missing:
            raise SourceError(f"CSV file {path} lacks column(s): {', '.join(sorted(missing))}")
        for line_no, row in enumerate(reader, start=2):
            try:
                temperature = float(row["temperature"])
            except (TypeError, ValueError):
                raise SourceError(
                    f"CSV file {path}, line {line_no}: temperature {row['temperature']!r} "
                    "is not a number"
                ) from None
            if not math.isfinite(temperature):
                raise SourceError(f"CSV file {path}, line {line_no}: temperature is not finite")
            yield SmokerReading(timestamp=row["timestamp"], temperature=temperature)
