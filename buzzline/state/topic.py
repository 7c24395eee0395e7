"""The changelog topic: made like its source topic (as many partitions, the same replication
factor), compacted, when missing."""

import logging
import time

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from buzzline.errors import TransportUnavailable

log = logging.getLogger(__name__)


def ensure_changelog(admin: AdminClient, source: str, changelog: str) -> None:
    """Create ``changelog`` for ``source`` if missing; TransportUnavailable if it cannot be
    made or has fewer partitions than the source."""
    topics = admin.list_topics(timeout=10).topics
    info = topics.get(source)
    if info is None or not info.partitions:
        raise TransportUnavailable(f"topic {source!r} is not there")
    partitions = len(info.partitions)
    replication = max(1, len(next(iter(info.partitions.values())).replicas))
    found = topics.get(changelog)
    if found is not None and found.partitions:
        if len(found.partitions) < partitions:
            raise TransportUnavailable(
                f"the changelog {changelog!r} has {len(found.partitions)} partitions, topic "
                f"{source!r} {partitions}: delete the changelog (its state is lost) or the "
                "partitions added to the topic")
        return
    config = {"cleanup.policy": "compact"}
    if replication > 1:
        config["min.insync.replicas"] = str(min(2, replication))
    future = admin.create_topics([NewTopic(changelog, partitions, replication,
                                           config=config)])[changelog]
    try:
        future.result()
        log.info("created the changelog topic %r (%d partitions, compacted)", changelog,
                 partitions)
    except KafkaException as exc:
        if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise TransportUnavailable(f"cannot create the changelog {changelog!r}: "
                                       f"{exc.args[0].str()}") from None
    _wait_for_leaders(admin, changelog)


def _wait_for_leaders(admin: AdminClient, topic: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = admin.list_topics(topic=topic, timeout=5).topics.get(topic)
        if info is not None and info.error is None and info.partitions and all(
                p.leader >= 0 and p.error is None for p in info.partitions.values()):
            return
        time.sleep(0.1)
    raise TransportUnavailable(f"the changelog {topic!r} did not appear")
