"""Where a stream's records come from: plain functions of (rng, clock), files, or functions
that read the settings too (``configured``). A source yields dicts, which ``Stream`` sends
each as one JSON message (a record that does not fit the stream's fields reaches the consumer
and becomes a dead letter, with why), or messages of the stream's own message type."""

from __future__ import annotations

import csv as _csv
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from buzzline.clock import Clock
from buzzline.errors import SourceError
from buzzline.settings import Settings
from buzzline.sources.text import file_not_utf8

Record = dict[str, Any]


@dataclass(frozen=True)
class Source:
    """``records(rng, clock)`` yields the stream's dicts (``records(settings, rng, clock)``
    when ``reads_settings``); ``finite``: it ends by itself."""

    records: Callable[..., Iterable[Any]]
    finite: bool = False
    describe: str = "generated"
    reads_settings: bool = False

    def __call__(self, rng: random.Random, clock: Clock, count: int | None,
                 settings: Settings | None = None) -> Iterator[Any]:
        if self.reads_settings:
            if settings is None:
                raise SourceError(f"the {self.describe} source reads the settings")
            return islice(iter(self.records(settings, rng, clock)), count)
        return islice(iter(self.records(rng, clock)), count)


def configured(make: Callable[[Settings, random.Random, Clock], Iterable[Any]], *,
               finite: bool = False, describe: str = "configured") -> Source:
    """Records (or messages) from ``make(settings, rng, clock)``: a source that reads the
    settings, e.g. its input file."""
    return Source(make, finite, describe, reads_settings=True)


def generate(make: Callable[[random.Random, Clock], Any]) -> Source:
    """Endless records: ``make(rng, clock)`` returns the next one."""

    def records(rng: random.Random, clock: Clock) -> Iterator[Record]:
        while True:
            yield make(rng, clock)

    return Source(records)


def iterate(make: Callable[[random.Random, Clock], Iterable[Any]], *,
            finite: bool = False) -> Source:
    """Records from an iterable ``make(rng, clock)`` returns (e.g. a generator function)."""
    return Source(make, finite)


def _open(path: str | Path) -> Path:
    file = Path(path).expanduser()
    if not file.is_file():
        raise SourceError(f"source file {str(file)!r} not found")
    return file


def csv(path: str | Path, *, loop: bool = False) -> Source:
    """The rows of a CSV file with a header line (values converted to the stream's field
    types when sent); ``loop``: start over at the end (endless)."""

    def records(rng: random.Random, clock: Clock) -> Iterator[Record]:
        while True:
            file = _open(path)
            with file.open(newline="", encoding="utf-8-sig") as handle:
                yield from _csv_rows(file, _csv.DictReader(handle))
            if not loop:
                return

    return Source(records, finite=not loop, describe=f"csv {path}")


def _csv_rows(file: Path, reader: _csv.DictReader) -> Iterator[Record]:
    """The rows of ``reader``; an error names the file's own line (blank lines counted)."""
    try:
        for row in reader:
            if None in row:
                raise SourceError(f"{file}:{reader.reader.line_num}: more values than the header's "
                                  f"{len(reader.fieldnames or ())} columns")
            yield row
    except UnicodeDecodeError:  # (decoded ahead of the rows: found again in the bytes)
        raise SourceError(f"{file}: {file_not_utf8(file)}") from None
    except _csv.Error as exc:
        raise SourceError(f"{file}:{reader.reader.line_num}: {exc}") from None


def jsonl(path: str | Path, *, loop: bool = False) -> Source:
    """One JSON object per line (blank lines skipped); ``loop``: start over at the end."""

    def records(rng: random.Random, clock: Clock) -> Iterator[Record]:
        while True:
            with _open(path).open("rb") as handle:
                for number, line in enumerate(handle, 1):
                    if line.strip():
                        try:
                            yield orjson.loads(line)
                        except orjson.JSONDecodeError as exc:
                            raise SourceError(f"{path}:{number}: not valid JSON: {exc}") from None
            if not loop:
                return

    return Source(records, finite=not loop, describe=f"jsonl {path}")
