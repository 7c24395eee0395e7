"""Analytic states as checkpoint bytes, strictly: a state that JSON cannot hold exactly (NaN,
an infinity, a key that is not a string) is refused before it is saved, and bytes that are
not a JSON object are refused when loaded, each with a reason.

orjson is fast but writes NaN and infinities as ``null`` and refuses ints beyond 64 bits;
a state holding such an int (a message's field kept whole, e.g. a batch's pending messages) is
written and read by the standard ``json`` module instead, which keeps it exactly.
"""

import json
import math
import re
from typing import Any

import orjson

# an int literal of 19 digits or more (an int64 has at most 19)
_LONG_INT = re.compile(rb"(?<![\d.eE])\d{19,}(?![\d.eE])")


class StateError(ValueError):
    """A state that cannot be saved, or saved bytes that are no state."""


def encode(state: dict[str, Any]) -> bytes:
    """``state`` as JSON bytes, or ``StateError`` saying why it cannot be saved."""
    try:
        data = orjson.dumps(state)
    except orjson.JSONEncodeError as exc:
        if "64-bit" not in str(exc):  # a key that is not a string, an object JSON lacks
            raise StateError(f"not JSON: {exc}") from exc
        try:
            return json.dumps(state, allow_nan=False, separators=(",", ":")).encode()
        except (TypeError, ValueError) as exc2:
            raise StateError(f"not JSON: {exc2}") from exc2
    # orjson writes NaN and infinities as null: look for them only when a null is there
    if b"null" in data:
        where = non_finite(state)
        if where is not None:
            raise StateError(f"a number that is not finite at {where}")
    return data


def decode(data: bytes | str) -> dict[str, Any]:
    """The state saved as ``data`` (a BLOB, or TEXT written by another tool), or
    ``StateError``."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    try:
        # orjson reads an int beyond 64 bits as a float: such states are read by json
        if _LONG_INT.search(data) is None:
            state = orjson.loads(data)
        else:
            state = json.loads(data, parse_constant=_refuse, parse_float=_finite_float)
    except orjson.JSONDecodeError as exc:
        raise StateError(f"not JSON: {str(exc).splitlines()[0]}") from exc
    except (ValueError, RecursionError) as exc:  # json's errors, and a number out of range
        raise StateError(f"not JSON: {exc}") from exc
    if type(state) is not dict:
        raise StateError(f"a JSON {type(state).__name__}, not an object")
    return state


def non_finite(value: Any, path: str = "state") -> str | None:
    """Where in ``value`` a float is NaN or infinite (a path like ``state.series.y[3]``)."""
    kind = type(value)
    if kind is float:
        return None if math.isfinite(value) else path
    if kind is dict or kind is list or kind is tuple:
        items = value.items() if kind is dict else enumerate(value)
        try:  # most lists are numbers: checked in one pass
            if all(map(math.isfinite, value.values() if kind is dict else value)):
                return None
        except (TypeError, OverflowError):
            pass
        for key, item in items:
            found = non_finite(item, f"{path}.{key}" if kind is dict else f"{path}[{key}]")
            if found is not None:
                return found
    return None


def _refuse(constant: str) -> float:
    raise ValueError(f"{constant} is not a finite number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is beyond the float range")
    return number
