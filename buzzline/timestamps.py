"""Timestamps: the one parser every part uses (messages, the CSV producer, the series, stalls,
windows) and the labels that show a time.

Accepted: ISO 8601 as the teaching project and common CSVs write it, with a ``T``, a space or
no separator between date and time (``2025-01-01 15:00:00``, ``2026-11-29T20:53:34.965675``),
fractions of a second (with a dot or a comma), an offset (``+02:00``, ``+0200``, ``Z``, or a
trailing ``UTC``), a date alone, lower-case ``t`` and ``z``, spaces around. Anything else is a
``TimestampError`` (a ValueError) whose text says why, one short line.

A time without an offset counts as UTC (charts show it as written); one with an offset is moved
to UTC."""

from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

EPOCH = datetime(1970, 1, 1)
EXAMPLE = "2025-01-01 15:00:00"
_SECOND = timedelta(seconds=1)
_FROMISO = datetime.fromisoformat
_SHOWN = 40  # characters of a bad timestamp quoted in a reason


class TimestampError(ValueError):
    """A text that is not a time, with why (one line)."""


def parse_time(text: str) -> datetime:
    """The moment ``text`` names, or ``TimestampError`` saying why not."""
    try:
        return _FROMISO(text)
    except (TypeError, ValueError):
        pass
    if not isinstance(text, str):
        raise TimestampError(f"timestamp should be a string, got {type(text).__name__}")
    tidy = text.strip()
    if not tidy:
        raise TimestampError("timestamp is empty")
    if tidy[-3:].upper() in ("UTC", "GMT"):
        tidy = tidy[:-3].rstrip() + "+00:00"
    if tidy.isascii():
        tidy = tidy.upper()  # 't' and 'z'
    try:
        return _FROMISO(tidy)
    except ValueError:
        pass
    shown = text if len(text) <= _SHOWN else text[:_SHOWN] + "..."
    raise TimestampError(f"timestamp {shown!r} is not an ISO 8601 time (e.g. {EXAMPLE})")


def check_time(text: str) -> None:
    """Nothing if ``text`` is a time, else ``TimestampError`` (the message decoders' check:
    the common form costs one C call)."""
    try:
        _FROMISO(text)
    except ValueError:
        parse_time(text)


def time_problem(names: Iterable[str], field: Callable[[str], Any]) -> str | None:
    """Why one of the fields ``names`` (``field(name)`` gives its text) is no time, or None."""
    for name in names:
        try:
            check_time(field(name))
        except TimestampError as exc:
            return str(exc)
    return None


def all_times(names: Iterable[str], messages: list[Any]) -> bool:
    """True when the fields ``names`` of every message are times: the usual forms in one
    C-level pass (``map`` of ``datetime.fromisoformat``), the others one by one."""
    for name in names:
        try:
            deque(map(_FROMISO, map(attrgetter(name), messages)), 0)
        except ValueError:
            try:
                deque(map(check_time, map(attrgetter(name), messages)), 0)
            except TimestampError:
                return False
    return True


def epoch_seconds(moment: datetime) -> float:
    """Seconds since 1970-01-01 UTC (a naive moment counts as UTC)."""
    offset = moment.utcoffset()
    since = moment.replace(tzinfo=None) - EPOCH  # (timedelta sums never overflow here)
    return ((since - offset) if offset else since) / _SECOND


def seconds_of(text: str) -> float | None:
    """``text``'s epoch seconds, or None if it is not a time."""
    try:
        return epoch_seconds(parse_time(text))
    except TimestampError:
        return None


def day_number(text: str) -> float | None:
    """Days since 1970-01-01 UTC (matplotlib's date numbers), or None if not a time."""
    seconds = seconds_of(text)
    return None if seconds is None else seconds / 86400.0


def time_format(span_seconds: float, step_seconds: float) -> str:
    """A strftime format for labels of readings over ``span_seconds``, ``step_seconds`` apart:
    seconds shown when they are under a minute apart, the date when they span days."""
    clock = "%H:%M:%S" if step_seconds < 60 else "%H:%M"
    return f"%Y-%m-%d {clock}" if span_seconds >= 86400 else clock


def time_label(text: str, span_seconds: float = 0.0, step_seconds: float = 1.0) -> str:
    """``text`` as a short time label (see ``time_format``); itself if it is not a time."""
    seconds = seconds_of(text)
    if seconds is None:
        return text
    try:
        moment = EPOCH + timedelta(seconds=seconds)
    except OverflowError:  # pragma: no cover - a parsed time moved out of range by its offset
        return text
    return moment.strftime(time_format(span_seconds, step_seconds))
