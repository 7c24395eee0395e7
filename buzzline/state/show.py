"""The group's total from anywhere: a group's changelog read back and its partitions'
analytics combined, with no consumer running (``buzzline state show``)."""

import logging
from typing import Any

from buzzline.checkpoints import Damaged, StateKey
from buzzline.clock import SystemClock
from buzzline.errors import BuzzlineError
from buzzline.settings import Settings
from buzzline.state.changelog import ChangelogStore
from buzzline.state.names import changelog_topic
from buzzline.streams.base import Stream

log = logging.getLogger(__name__)


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
    clock = SystemClock()
    parts, positions = [], {}
    for partition, checkpoint in sorted(store.load(key).items()):
        if isinstance(checkpoint, Damaged):
            log.warning("partition %d of %s cannot be read (%s): left out", partition,
                        changelog, checkpoint.reason)
            continue
        pipeline = app.pipeline(settings, clock)
        pipeline.load_state(checkpoint.state)
        parts.append(pipeline)
        positions[str(partition)] = checkpoint.position
    combined = app.pipeline(settings, clock)
    combined.combine(parts)
    out: dict[str, Any] = {"app": app.name, "transport": transport.name, "topic": topic,
                           "group": group, "changelog": changelog}
    out.update(app.summary(combined))
    out["positions"] = positions
    return out
