"""The group's total from anywhere: a group's changelog read back and its partitions'
analytics combined, with no consumer running (``buzzline state show``, and the dashboard's
"group total" of a consumer: ``group_totals``).

Either reads the whole changelog (every partition, every key) and loads each partition's state
into a pipeline: its cost grows with the state (a 1,000,000-key group takes seconds)."""

import logging
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import Consumer, KafkaException

from buzzline.analytics import Pipeline
from buzzline.checkpoints import Checkpoint, Damaged, StateKey
from buzzline.clock import SystemClock
from buzzline.errors import BuzzlineError, TransportUnavailable
from buzzline.settings import Settings
from buzzline.state.changelog import ChangelogStore
from buzzline.state.names import changelog_topic
from buzzline.state.records import decode_partition
from buzzline.state.restore import read_partitions
from buzzline.state_codec import StateError
from buzzline.streams.base import Stream

log = logging.getLogger(__name__)
# what loading a state of the wrong shape raises (as engine.partitions.LOAD_ERRORS)
LOAD_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError,
               RecursionError)


@dataclass
class Combined:
    """The partitions' analytics summed, where each partition's state stands, and the
    partitions left out (partition -> why)."""

    pipeline: Pipeline
    positions: dict[int, int] = field(default_factory=dict)
    left_out: dict[int, str] = field(default_factory=dict)


def combine(app: Stream, settings: Settings,
            checkpoints: dict[int, Checkpoint | Damaged]) -> Combined:
    """``app``'s pipelines loaded from ``checkpoints`` and combined (a damaged one, or one
    whose state does not fit the app, is left out)."""
    clock = SystemClock()
    parts, positions, left_out = [], {}, {}
    for partition, checkpoint in sorted(checkpoints.items()):
        if isinstance(checkpoint, Damaged):
            left_out[partition] = checkpoint.reason
            continue
        pipeline = app.pipeline(settings, clock)
        try:
            pipeline.load_state(checkpoint.state)
        except LOAD_ERRORS as exc:
            left_out[partition] = f"its state does not fit: {type(exc).__name__}: {exc}"
            continue
        parts.append(pipeline)
        positions[partition] = checkpoint.position
    combined = app.pipeline(settings, clock)
    combined.combine(parts)
    return Combined(combined, positions, left_out)


def group_summary(app: Stream, settings: Settings, transport: Any, topic: str,
                  group: str) -> dict[str, Any]:
    """The summary keys of ``consume --summary-json`` for the whole group, from its changelog
    (BuzzlineError when the group has none); ``transport``: a KafkaTransport."""
    changelog = changelog_topic(group, app.name, topic)
    if changelog not in transport.admin.list_topics(timeout=10).topics:
        raise BuzzlineError(f"no state kept in Kafka for {app.name} group {group!r} on topic "
                            f"{topic!r} (no changelog topic {changelog!r})")
    key = StateKey(transport.name, app.name, group, topic)
    store = ChangelogStore(transport.config, changelog, key)
    found = combine(app, settings, store.load(key))
    for partition, reason in found.left_out.items():
        log.warning("partition %d of %s cannot be read (%s): left out", partition, changelog,
                    reason)
    out: dict[str, Any] = {"app": app.name, "transport": transport.name, "topic": topic,
                           "group": group, "changelog": changelog}
    out.update(app.summary(found.pipeline))
    out["positions"] = {str(p): position for p, position in found.positions.items()}
    return out


def read_checkpoints(config: dict[str, Any], changelog: str,
                     timeout: float = 180.0) -> dict[int, Checkpoint | Damaged]:
    """The state each partition of ``changelog`` has committed, read as ``ChangelogStore.load``
    reads it but quietly (no "restored" line: the dashboard reads it every few seconds)."""
    out: dict[int, Checkpoint | Damaged] = {}
    for partition, records in read_partitions(config, changelog, _partitions(config, changelog),
                                              timeout).items():
        try:
            restored = decode_partition(records)
        except StateError as exc:
            out[partition] = Damaged(f"the changelog's state is {exc}")
            continue
        if restored is not None and restored.position is not None:
            out[partition] = Checkpoint(restored.position, restored.state,
                                        {"epoch": restored.epoch})
    return out


def group_totals(app: Stream, settings: Settings, config: dict[str, Any], changelog: str,
                 timeout: float = 30.0) -> dict[str, int]:
    """The group's messages and rejected messages, and how many partitions have committed
    state, from ``changelog`` (TransportUnavailable when it cannot be read)."""
    found = combine(app, settings, read_checkpoints(config, changelog, timeout))
    totals = found.pipeline["totals"]
    return {"messages": int(totals.messages), "rejected": int(totals.rejected),
            "partitions": len(found.positions)}


def _partitions(config: dict[str, Any], changelog: str) -> list[int]:
    probe = Consumer({**config, "group.id": "buzzline-state-reader"})
    try:
        info = probe.list_topics(changelog, timeout=10).topics.get(changelog)
    except KafkaException as exc:
        raise TransportUnavailable(f"cannot list the changelog {changelog!r}: "
                                   f"{exc.args[0].str()}") from None
    finally:
        probe.close()
    if info is None or info.error is not None or not info.partitions:
        raise TransportUnavailable(f"no changelog topic {changelog!r} (yet)")
    return sorted(info.partitions)
