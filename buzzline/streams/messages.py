"""The messages of a stream declared by its fields: a ``Message`` type made from the fields'
schema (decoding, validation and dead letters work as for the built-in types), and the
records a source yields on their way out."""

from __future__ import annotations

import keyword
from collections.abc import Callable
from operator import attrgetter
from typing import Any, cast

import msgspec
import orjson

from buzzline.errors import SettingsError
from buzzline.messages import Message
from buzzline.streams.sources import Record

KeyOf = Callable[[Any], bytes | None]  # a message -> its Kafka key
ACCEPTED = {str: (str,), int: (int,), float: (int, float), bool: (bool,)}
RESERVED = {"schema", "decoder", "to_dict", "encode"}


class StreamError(SettingsError):
    """A stream declaration that cannot work (one line, exit code 2)."""


def message_type(name: str, fields: dict[str, type]) -> type[Message]:
    """A ``Message`` type (a msgspec Struct) with ``fields`` (wire order) and their schema."""
    if not fields:
        raise StreamError(f"stream {name!r} needs at least one field")
    schema = {}
    for field_name, kind in fields.items():
        if not field_name.isidentifier() or keyword.iskeyword(field_name) \
                or field_name.startswith("_") or field_name in RESERVED:
            raise StreamError(f"stream {name!r}: {field_name!r} cannot be a field name")
        if kind not in ACCEPTED:
            raise StreamError(f"stream {name!r}: field {field_name!r} has type "
                              f"{getattr(kind, '__name__', kind)}; use str, int, float or bool")
        schema[field_name] = ACCEPTED[kind]
    class_name = "".join(p.capitalize() for p in name.replace("-", "_").split("_")) + "Message"
    return cast(type[Message], msgspec.defstruct(class_name, list(fields.items()),
                                                 bases=(Message,), namespace={"schema": schema}))


def fields_of(kind: type[Message]) -> dict[str, type]:
    """A message type's fields (wire order) and the first type each accepts."""
    schema = getattr(kind, "schema", {})
    return {name: schema.get(name, (object,))[0] for name in kind.__struct_fields__}


class OutgoingRecord:
    """A source record on its way out: sent as JSON (the consumer validates it)."""

    __slots__ = ("data",)

    def __init__(self, data: Record) -> None:
        self.data = data

    def encode(self) -> bytes:
        return orjson.dumps(self.data)


def converted(value: Any, kind: type) -> Any:
    """A CSV string made the field's type when it reads as one (else left for the consumer to
    reject); an int for a float field made a float."""
    if isinstance(value, str) and kind is not str:
        text = value.strip()
        try:
            if kind is bool:
                return {"true": True, "false": False, "1": True, "0": False}[text.lower()]
            return kind(text)
        except (KeyError, ValueError):
            return value
    if kind is float and type(value) is int:
        return float(value)
    return value


def _no_key(message: Any) -> None:
    return None


def key_function(key: str | KeyOf | None, own_type: bool) -> KeyOf:
    """The key of a message: none, ``key(message)``, or a field's value as text (a source's
    dict on its way out, or a message of the stream's own type)."""
    if key is None:
        return _no_key
    if callable(key):
        return key
    field = key
    get = attrgetter(field)
    if own_type:
        return lambda message: str(get(message)).encode()
    return lambda message: str(message.data.get(field) if isinstance(message, OutgoingRecord)
                               else get(message)).encode()
