"""The messages on the wire: one UTF-8 JSON object each, with the teaching project's fields.

Decoding validates; a message that does not fit comes back as ``Rejected`` with a reason,
never as an exception.
"""

import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, TypeVar

import orjson

DEFAULT_MAX_BYTES = 1_048_576


def _compile_fast_build(schema: dict[str, tuple[type, ...]]) -> Callable:
    """Source for a tight ``dict -> message | None`` check (like dataclasses' own __init__),
    about 3x faster than a generic loop; anything unusual falls to the slow path."""
    lines = ["def fast_build(cls, obj):", "    try:"]
    lines += [f"        v{i} = obj[{field!r}]" for i, field in enumerate(schema)]
    lines += ["    except KeyError:", "        return None"]
    for i, types in enumerate(schema.values()):
        if float in types:  # an int becomes a float; orjson never yields NaN or inf
            lines += [f"    if type(v{i}) is int: v{i} = float(v{i})",
                      f"    elif type(v{i}) is not float: return None"]
        else:
            lines.append(f"    if type(v{i}) is not {types[0].__name__}: return None")
    args = ", ".join(f"v{i}" for i in range(len(schema)))
    lines.append(f"    return cls({args})")
    namespace: dict[str, Any] = {}
    exec("\n".join(lines), {"float": float}, namespace)  # noqa: S102 - fixed field names
    return namespace["fast_build"]


def _compile_fast_batch(schema: dict[str, tuple[type, ...]]) -> Callable:
    """Source for ``(cls, raws, max_bytes) -> (good messages, indexes for the slow path)``:
    the fast path of a whole batch in one function, no call per message but the JSON parser
    and the message's ``__init__``."""
    lines = ["def fast_batch(cls, raws, max_bytes):",
             "    good = []; keep = good.append; slow = []",
             "    for index, raw in enumerate(raws):",
             "        if len(raw) > max_bytes:",
             "            slow.append(index); continue",
             "        try:",
             "            obj = loads(raw)",
             "        except JSONDecodeError:",
             "            slow.append(index); continue",
             "        if type(obj) is not dict:",
             "            slow.append(index); continue",
             "        try:"]
    lines += [f"            v{i} = obj[{field!r}]" for i, field in enumerate(schema)]
    lines += ["        except KeyError:", "            slow.append(index); continue"]
    checks = []
    for i, types in enumerate(schema.values()):
        if float in types:  # an int becomes a float; orjson never yields NaN or inf
            lines.append(f"        if type(v{i}) is int: v{i} = float(v{i})")
            checks.append(f"type(v{i}) is float")
        else:
            checks.append(f"type(v{i}) is {types[0].__name__}")
    lines += [f"        if {' and '.join(checks)}:",
              # the dataclass __init__ without its call: a new object, its slots set
              "            m = new(cls)"]
    lines += [f"            m.{field} = v{i}" for i, field in enumerate(schema)]
    lines += ["            keep(m)",
              "        else:",
              "            slow.append(index)",
              "    return good, slow"]
    namespace: dict[str, Any] = {}
    exec("\n".join(lines), {"float": float, "loads": orjson.loads, "new": object.__new__,  # noqa: S102
                            "JSONDecodeError": orjson.JSONDecodeError}, namespace)
    return namespace["fast_batch"]


@dataclass(frozen=True, slots=True)
class Rejected:
    """A message that could not be used, with why."""

    reason: str
    raw: bytes


class Message:
    """Base of the message types: field order is the wire order."""

    __slots__ = ()  # the slotted dataclasses below get no __dict__ (smaller, faster to build)

    # built per subclass: dict -> message when every field has exactly an accepted type
    fast_build: ClassVar[Callable[[dict], Any]]
    # built per subclass: a batch's common case (see _compile_fast_batch)
    fast_batch: ClassVar[Callable[..., tuple[list, list[int]]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.fast_build = classmethod(_compile_fast_build(cls.schema))  # type: ignore[assignment]
        cls.fast_batch = classmethod(_compile_fast_batch(cls.schema))  # type: ignore[assignment]

    # field name -> accepted JSON types
    schema: ClassVar[dict[str, tuple[type, ...]]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    def encode(self) -> bytes:
        """Compact UTF-8 JSON, fields in wire order (orjson serializes dataclasses natively)."""
        return orjson.dumps(self)


@dataclass(slots=True)  # not frozen: its __init__ is 3x faster, and decoding is hot
class Buzz(Message):
    message: str
    author: str
    schema: ClassVar = {"message": (str,), "author": (str,)}


@dataclass(slots=True)  # not frozen: its __init__ is 3x faster, and decoding is hot
class SmokerReading(Message):
    timestamp: str
    temperature: float
    schema: ClassVar = {"timestamp": (str,), "temperature": (int, float)}
    float_fields: ClassVar = ("temperature",)


@dataclass(slots=True)  # not frozen: its __init__ is 3x faster, and decoding is hot
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
    float_fields: ClassVar = ("sentiment",)


M = TypeVar("M", bound=Message)

_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number"}


_BOM = b"\xef\xbb\xbf"


def decode(kind: type[M], raw: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> M | Rejected:
    """Decode one wire message into ``kind`` or say why not."""
    if len(raw) > max_bytes:
        return Rejected(f"message of {len(raw)} bytes is over the {max_bytes}-byte limit", raw)
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if not raw.startswith(_BOM):
            return _not_json(exc, raw)
        # a byte-order mark (Windows editors write one): skip that one; the rejected message
        # keeps its original bytes (a dead letter must show what was really sent)
        try:
            obj = orjson.loads(raw[len(_BOM):])
        except orjson.JSONDecodeError as exc_after_bom:
            return _not_json(exc_after_bom, raw)
    if type(obj) is not dict:
        return Rejected(f"expected a JSON object, got {type(obj).__name__}", raw)
    message = kind.fast_build(obj)
    return _validate(kind, obj, raw) if message is None else message


def _not_json(exc: orjson.JSONDecodeError, raw: bytes) -> Rejected:
    text = str(exc)
    if isinstance(exc.__cause__, UnicodeDecodeError) or "not valid utf-8" in text.lower():
        return Rejected("not valid UTF-8", raw)
    first_line = text.splitlines()[0] if text.strip() else "unreadable"
    return Rejected(f"not valid JSON: {first_line}", raw)


def _validate(kind: type[M], obj: dict, raw: bytes) -> M | Rejected:
    """The slow path: the first problem, as a reason (or the message, ints made floats)."""
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
    """The good messages in order, and the rejected ones."""
    good, bad = decode_batch(kind, list(raws), max_bytes)
    return good, [rejected for _, rejected in bad]


def decode_batch(
    kind: type[M], raws: list[bytes], max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[M], list[tuple[int, Rejected]]]:
    """Like ``decode_many``, with the index in ``raws`` of each rejected message."""
    good, slow = kind.fast_batch(raws, max_bytes)
    if not slow:
        return good, []
    bad: list[tuple[int, Rejected]] = []
    rescued = False  # a message the fast path could not take but decode() accepts (a BOM...)
    for index in slow:
        item = decode(kind, raws[index], max_bytes)
        if isinstance(item, Rejected):
            bad.append((index, item))
        else:
            rescued = True
    if rescued:  # rare: rebuild the good ones in stream order
        good = [m for m in (decode(kind, raw, max_bytes) for raw in raws)
                if not isinstance(m, Rejected)]
    return good, bad


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", str: "a string", int: "an integer", float: "a number",
            list: "an array", dict: "an object"}.get(type(value), type(value).__name__)


def field_names(kind: type[Message]) -> list[str]:
    """The wire order of ``kind``'s fields."""
    return [f.name for f in fields(kind)]  # type: ignore[arg-type]
