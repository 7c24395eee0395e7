"""The messages on the wire: one UTF-8 JSON object each, with the teaching project's fields.

Decoding validates; a message that does not fit comes back as ``Rejected`` with a reason,
never as an exception. A time field (``time_fields``: a timestamp) must be a time by
``buzzline.timestamps``; it is kept as written (the wire text is what the producer sent).
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, TypeVar

import msgspec
import orjson

from buzzline.timestamps import all_times, time_problem

DEFAULT_MAX_BYTES = 1_048_576


@dataclass(frozen=True, slots=True)
class Rejected:
    """A message that could not be used, with why."""

    reason: str
    raw: bytes


class Message(msgspec.Struct, gc=False):
    """Base of the message types: field order is the wire order. A message type is a msgspec
    Struct: decoding a wire message into it parses and checks every field in C, about five
    times faster than parsing to a dict and checking in Python. Its fields hold strings and
    numbers only, so the garbage collector need not track it (``gc=False``)."""

    # field name -> accepted JSON types (for the reasons given when a message is rejected)
    schema: ClassVar[dict[str, tuple[type, ...]]]
    # the string fields that must be times (``buzzline.timestamps``), checked when decoded
    time_fields: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def decoder(cls) -> msgspec.json.Decoder:
        """This type's JSON decoder, made at first use (msgspec cannot make one while the
        class is being defined)."""
        found = cls.__dict__.get("_json_decoder")
        if found is None:
            found = msgspec.json.Decoder(cls)
            setattr(cls, "_json_decoder", found)  # noqa: B010 - a class attribute, once
        return found

    def to_dict(self) -> dict[str, Any]:
        return msgspec.structs.asdict(self)

    def encode(self) -> bytes:
        """Compact UTF-8 JSON, fields in wire order."""
        return msgspec.json.encode(self)


class Buzz(Message):
    message: str
    author: str
    schema: ClassVar = {"message": (str,), "author": (str,)}


class SmokerReading(Message):
    timestamp: str
    temperature: float
    schema: ClassVar = {"timestamp": (str,), "temperature": (int, float)}
    time_fields: ClassVar = ("timestamp",)


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
    time_fields: ClassVar = ("timestamp",)


M = TypeVar("M", bound=Message)

_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "a boolean"}


_BOM = b"\xef\xbb\xbf"


# what msgspec raises for a message it cannot take: DecodeError (a ValueError, as is bad
# UTF-8 in a string) and RecursionError (nesting deeper than its limit)
DECODE_ERRORS = (ValueError, RecursionError)


def decode(kind: type[M], raw: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> M | Rejected:
    """Decode one wire message into ``kind`` or say why not."""
    if len(raw) > max_bytes:
        return Rejected(f"message of {len(raw)} bytes is over the {max_bytes}-byte limit", raw)
    text = raw
    if raw.startswith(_BOM):
        # a byte-order mark (Windows editors write one): skip that one; the rejected message
        # keeps its original bytes (a dead letter must show what was really sent)
        text = raw[len(_BOM):]
    try:
        message = kind.decoder().decode(text)
    except DECODE_ERRORS as exc:
        return _second_look(kind, text, raw, exc)
    # msgspec skips the fields it does not read without checking their UTF-8
    if not utf8(text):
        return Rejected("not valid UTF-8", raw)
    problem = time_problem(kind.time_fields, partial(getattr, message))
    return message if problem is None else Rejected(problem, raw)


def utf8(data: bytes) -> bool:
    """True when ``data`` is valid UTF-8 (pure ASCII, the usual case, is checked fastest)."""
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _second_look(kind: type[M], text: bytes, raw: bytes, exc: Exception) -> M | Rejected:
    """msgspec refused ``text`` (``raw`` without its BOM): orjson and the schema say why in
    plain words. If they find nothing wrong (msgspec nests less deep than orjson), the
    message is good."""
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as json_error:
        return _not_json(json_error, raw)
    if type(obj) is not dict:
        return Rejected(f"expected a JSON object, got {type(obj).__name__}", raw)
    problem = _problem(kind, obj)
    if problem is not None:
        return Rejected(problem, raw)
    try:
        return kind(**{name: float(obj[name]) if float in types else obj[name]
                       for name, types in kind.schema.items()})
    except (TypeError, ValueError) as error:  # a value check (a timestamp that is no time)
        reason = str(error) or str(exc)
        return Rejected(reason.splitlines()[0] if reason.strip() else "not valid", raw)


def _not_json(exc: orjson.JSONDecodeError, raw: bytes) -> Rejected:
    text = str(exc)
    if isinstance(exc.__cause__, UnicodeDecodeError) or "not valid utf-8" in text.lower():
        return Rejected("not valid UTF-8", raw)
    first_line = text.splitlines()[0] if text.strip() else "unreadable"
    return Rejected(f"not valid JSON: {first_line}", raw)


def _problem(kind: type[Message], obj: dict) -> str | None:
    """The first field that is missing or of the wrong type, as a reason."""
    for name, types in kind.schema.items():
        if name not in obj:
            return f"missing field {name!r}"
        value = obj[name]
        if isinstance(value, bool) and bool not in types or not isinstance(value, types):
            expected = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)
            return f"field {name!r} should be {expected}, got {_json_type(value)}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"field {name!r} is not a finite number"
    return time_problem(kind.time_fields, obj.__getitem__)


def decode_many(
    kind: type[M], raws: Iterable[bytes], max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[M], list[Rejected]]:
    """The good messages in order, and the rejected ones."""
    good, bad = decode_batch(kind, list(raws), max_bytes)
    return good, [rejected for _, rejected in bad]


def decode_batch(
    kind: type[M], raws: list[bytes], max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[M], list[tuple[int, Rejected]]]:
    """Like ``decode_many``, with the index in ``raws`` of each rejected message.

    The common case, every message good, is one C-level pass (``map`` of msgspec's decoder:
    no Python code per message), and one more over the time fields (``all_times``). A batch
    with a bad message in it is decoded again one by one, to keep the good ones and say why
    each bad one is bad."""
    if not raws:
        return [], []
    if max(map(len, raws)) <= max_bytes and utf8(b"\n".join(raws)):
        try:
            messages = list(map(kind.decoder().decode, raws))
        except DECODE_ERRORS:
            pass
        else:
            if all_times(kind.time_fields, messages):
                return messages, []
    good: list[M] = []
    bad: list[tuple[int, Rejected]] = []
    for index, raw in enumerate(raws):
        item = decode(kind, raw, max_bytes)
        if isinstance(item, Rejected):
            bad.append((index, item))
        else:
            good.append(item)
    return good, bad


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", str: "a string", int: "an integer", float: "a number",
            list: "an array", dict: "an object"}.get(type(value), type(value).__name__)


def field_names(kind: type[Message]) -> list[str]:
    """The wire order of ``kind``'s fields."""
    return list(kind.__struct_fields__)
