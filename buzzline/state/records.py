"""A partition's analytic state as changelog records, and back.

Each changelog partition holds the state of the source partition of the same number:

- ``\\0meta``: JSON ``{"position": P, "epoch": E}`` (P: the next message to read);
- ``NAME\\0<JSON key>``: one key of a keyed analytic (``Counts``): its count;
- ``NAME\\0``: any other analytic's whole state (JSON), or ``NAME\\0#i``: its i-th chunk
  when the state is larger than ``CHUNK_BYTES`` (the whole record then says how many).

Every value starts with the epoch it was written in (``E|``): a pipeline written afresh (a
partition counted over) gets a new epoch, so records left from an older one are ignored when
read back. Only what changed since the last write is written: the keys counted since, the
states whose bytes differ, and the meta record (in one transaction with the offsets).
"""

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

import buzzline.state_codec as state_codec
from buzzline.analytics import Pipeline
from buzzline.state_codec import StateError

META = b"\0meta"
SEP = b"\0"
CHUNK_BYTES = 256_000  # well under the broker's 1 MB default message size
Record = tuple[bytes, bytes | None]  # (key, value); a None value is a tombstone


def new_epoch() -> str:
    return secrets.token_hex(4)


@dataclass
class Written:
    """What was last written for one partition: its pipeline, epoch and small states."""

    pipeline: Pipeline
    epoch: str
    small: dict[str, bytes] = field(default_factory=dict)


def keyed(analytic: Any) -> bool:
    """Whether ``analytic`` is written key by key (``Counts``: any number of keys)."""
    return hasattr(analytic, "take_changed")


def analytics_of(pipeline: Pipeline) -> dict[str, Any]:
    return dict(pipeline.items())


def encode_key(name: str, key: Any) -> bytes:
    if not isinstance(key, str | int) or isinstance(key, bool):
        raise StateError(f"a key of {name} is a {type(key).__name__}, not a string or int")
    return name.encode() + SEP + orjson.dumps(key)


def small_states(pipeline: Pipeline) -> dict[str, bytes]:
    """The JSON bytes of each analytic that is not keyed (StateError if one cannot be)."""
    return {name: state_codec.encode(analytic.state())
            for name, analytic in analytics_of(pipeline).items() if not keyed(analytic)}


def partition_records(position: int, pipeline: Pipeline,
                      before: Written | None) -> tuple[list[Record], Written]:
    """The records that bring partition state ``before`` (None: nothing known written) to
    ``pipeline`` at ``position``, and what is then written. StateError (nothing taken) if a
    state cannot be written exactly."""
    small = small_states(pipeline)  # the part that can fail: before any change is taken
    fresh = before is None or before.pipeline is not pipeline
    written = Written(pipeline, new_epoch()) if fresh or before is None else before
    tag = written.epoch.encode() + b"|"
    out: list[Record] = []
    for name, analytic in analytics_of(pipeline).items():
        if not keyed(analytic):
            continue
        if fresh:
            analytic.track_changes()
            changed = analytic.counts()
        else:
            changed = analytic.take_changed()
        out += [(encode_key(name, k), tag + b"%d" % n) for k, n in changed.items()]
    for name, data in small.items():
        if not fresh and written.small.get(name) == data:
            continue
        out += _whole(name, data, tag)
    written.small = small
    out.append((META, tag + orjson.dumps({"position": position, "epoch": written.epoch})))
    return out, written


def _whole(name: str, data: bytes, tag: bytes) -> list[Record]:
    key = name.encode() + SEP
    if len(data) <= CHUNK_BYTES:
        return [(key, tag + b"S" + data)]
    chunks = [data[i:i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)]
    return [*((key + b"#%d" % i, tag + chunk) for i, chunk in enumerate(chunks)),
            (key, tag + b"C%d" % len(chunks))]


@dataclass
class Restored:
    position: int | None  # None: the state was cleared (``--reset-state``)
    epoch: str
    state: dict[str, Any]
    keys: int  # keys of keyed analytics


def decode_partition(records: dict[bytes, bytes]) -> Restored | None:
    """The state in one changelog partition's latest records (None: no meta record, nothing
    saved); StateError when they do not make a state."""
    meta_value = records.get(META)
    if meta_value is None:
        return None
    _, meta = _split(META, meta_value)
    try:
        info = orjson.loads(meta)
        position, epoch = info["position"], str(info["epoch"])
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise StateError(f"the meta record is not one: {exc}") from None
    if position is not None and (type(position) is not int or position < 0):
        raise StateError(f"the position {position!r} is not an offset")
    state: dict[str, Any] = {}
    wanted = epoch.encode()
    keys = 0
    for key, value in records.items():
        if key == META:
            continue
        at, payload = _split(key, value)
        if at != wanted:
            continue  # left from an older epoch
        name_bytes, _, rest = key.partition(SEP)
        name = name_bytes.decode()
        if not rest:
            state[name] = _whole_state(records, key, payload, wanted)
        elif rest[:1] != b"#":
            counts = state.setdefault(name, {"counts": {}})["counts"]
            try:
                counts[orjson.loads(rest)] = int(payload)
            except (orjson.JSONDecodeError, ValueError, TypeError) as exc:
                raise StateError(f"record {key!r} is not a key and count: {exc}") from None
            keys += 1
    return Restored(position, epoch, state, keys)


def _whole_state(records: dict[bytes, bytes], key: bytes, payload: bytes,
                 epoch: bytes) -> dict[str, Any]:
    kind, body = payload[:1], payload[1:]
    if kind == b"C":
        parts = []
        for i in range(int(body)):
            found = records.get(key + b"#%d" % i)
            if found is None:
                raise StateError(f"chunk {i} of {key!r} is missing")
            at, chunk = _split(key, found)
            if at != epoch:
                raise StateError(f"chunk {i} of {key!r} is from another epoch")
            parts.append(chunk)
        body = b"".join(parts)
    elif kind != b"S":
        raise StateError(f"record {key!r} is not a state")
    return state_codec.decode(body)


def _split(key: bytes, value: bytes) -> tuple[bytes, bytes]:
    epoch, bar, payload = value.partition(b"|")
    if not bar:
        raise StateError(f"record {key!r} has no epoch")
    return epoch, payload


def cleared(epoch: str | None = None) -> Iterator[Record]:
    """The meta record that forgets a partition's state (``--reset-state``)."""
    tag = (epoch or new_epoch()).encode()
    yield META, tag + b"|" + orjson.dumps({"position": None, "epoch": tag.decode()})
