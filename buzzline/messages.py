"""The messages on the wire: one UTF-8 JSON object each, with the teaching project's fields.

Decoding validates; a message that does not fit comes back as ``Rejected`` with a reason,
never as an exception.
"""

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, TypeVar

import orjson

DEFAULT_MAX_BYTES = 1_048_576


@dataclass(frozen=True, slots=True)
class Rejected:
    """A message that could not be used, with why."""

    reason: str
    raw: bytes


class Message:
    """Base of the message types: field order is the wire order."""

    # field name -> accepted JSON types
    schema: ClassVar[dict[str, tuple[type, ...]]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    def encode(self) -> bytes:
        return orjson.dumps(self.to_dict())


@dataclass(frozen=True, slots=True)
class Buzz(Message):
    message: str
    author: str
    schema: ClassVar = {"message": (str,), "author": (str,)}


@dataclass(frozen=True, slots=True)
class SmokerReading(Message):
    timestamp: str
    temperature: float
    schema: ClassVar = {"timestamp": (str,), "temperature": (int, float)}


@dataclass(frozen=True, slots=True)
class ProjectMessage(Message):
    message: str
    author: str
    timestamp: str
    category: str
    sentiment: float
    keyword_mentioned: str
    message_length: int
    schema: ClassVar = {
        "message": (str,),
        "author": (str,),
        "timestamp": (str,),
        "category": (str,),
        "sentiment": (int, float),
        "keyword_mentioned": (str,),
        "message_length": (int,),
    }


M = TypeVar("M", bound=Message)
_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number"}


def decode(kind: type[M], raw: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> M | Rejected:
    """Decode one wire message into ``kind`` or say why not."""
    if len(raw) > max_bytes:
        return Rejected(f"message of {len(raw)} bytes is over the {max_bytes}-byte limit", raw)
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if isinstance(exc.__cause__, UnicodeDecodeError) or "utf-8" in str(exc).lower():
            return Rejected("not valid UTF-8", raw)
        return Rejected(f"not valid JSON: {str(exc).splitlines()[0]}", raw)
    if not isinstance(obj, dict):
        return Rejected(f"expected a JSON object, got {type(obj).__name__}", raw)
    values = {}
    for name, types in kind.schema.items():
        if name not in obj:
            return Rejected(f"missing field {name!r}", raw)
        value = obj[name]
        if isinstance(value, bool) or not isinstance(value, types):
            expected = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)
            return Rejected(f"field {name!r} should be {expected}, got {_json_type(value)}", raw)
        if isinstance(value, float) and not math.isfinite(value):
            return Rejected(f"field {name!r} is not a finite number", raw)
        values[name] = float(value) if float in types and isinstance(value, int) else value
    return kind(**values)


def decode_many(
    kind: type[M], raws: Iterable[bytes], max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[M], list[Rejected]]:
    good: list[M] = []
    bad: list[Rejected] = []
    for raw in raws:
        item = decode(kind, raw, max_bytes)
        (bad if isinstance(item, Rejected) else good).append(item)  # type: ignore[arg-type]
    return good, bad


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", str: "a string", int: "an integer", float: "a number",
            list: "an array", dict: "an object"}.get(type(value), type(value).__name__)


def field_names(kind: type[Message]) -> list[str]:
    return [f.name for f in fields(kind)]  # type: ignore[arg-type]
