"""The Kafka transport on confluent-kafka (librdkafka).

Producers: idempotent, acks=all, batched (linger), optional compression, delivery reports
counted; a message that finally fails makes ``close`` raise (exit code 1). Consumers: a group,
read_committed; offsets committed with the group's analytic state in one transaction
(BUZZLINE_KAFKA_STATE=changelog, the default: ``changelog_store``, exactly once, any machine)
or after each saved checkpoint (=sqlite: one machine), close = commit + leave the group.
A broker that does not answer is one line and exit code 2 within the connect timeout.
"""

import logging
import time
from typing import TYPE_CHECKING, Any

from confluent_kafka import Consumer as RdConsumer
from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, ResourceType

from buzzline.checkpoints import StateKey
from buzzline.errors import TransportUnavailable
from buzzline.settings import Settings
from buzzline.transports.base import StartAt, Transport
from buzzline.transports.kafka_client import KafkaConsumer, KafkaProducer
from buzzline.transports.kafka_config import client_config
from buzzline.transports.kafka_reach import Failures, refusal, tcp_outcome, unreachable

if TYPE_CHECKING:
    from buzzline.state.changelog import ChangelogStore

log = logging.getLogger(__name__)
PRODUCER_MESSAGE_BYTES = 1_000_000  # librdkafka's message.max.bytes default


class KafkaTransport(Transport):
    name = "kafka"
    rebalances = True  # a group moves partitions between consumers (see Consumer.listener)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.config = client_config(settings)
        self._failures = Failures()
        # typed as Consumer's and Producer's configs are: AdminClient's stub leaves out the
        # callbacks (error_cb, logger) its config takes like theirs
        config: dict[str, Any] = {**self.config, "error_cb": self._failures}
        self.admin = AdminClient(config)
        self._check_reachable()

    def describe(self) -> str:
        return f"kafka ({self.settings.kafka_broker_address})"

    def _check_reachable(self) -> None:
        """Ask for metadata until it comes, the broker refuses us, or the connect timeout."""
        timeout = self.settings.kafka_connect_timeout
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.admin.list_topics(timeout=max(0.1, min(0.5, deadline - time.monotonic())))
                return
            except KafkaException:
                pass
            self.admin.poll(0)  # runs error_cb
            refused = refusal(self.settings, self._failures)
            if refused:
                raise TransportUnavailable(refused) from None
            found = tcp_outcome(self.settings.kafka_broker_address)
            if found in ("refused", "unresolved") or time.monotonic() >= deadline:
                raise TransportUnavailable(unreachable(self.settings, timeout, found)) from None
            time.sleep(0.1)

    def ensure_topic(self, topic: str, partitions: int | None = None,
                     replication: int | None = None, reset: bool = False) -> None:
        """Create ``topic`` if missing (or delete and recreate it with ``reset``)."""
        partitions = partitions or self.settings.kafka_partitions
        replication = replication or self.settings.kafka_replication_factor
        # 0, the default: the broker's default.replication.factor (-1), which is 1 on a single
        # broker and 3 on a cluster of `buzzline kafka start --brokers 3`
        factor = replication or -1
        exists = topic in self.admin.list_topics(timeout=10).topics
        if exists and reset:
            log.info("deleting topic %r (--reset-topic)", topic)
            self.admin.delete_topics([topic], operation_timeout=30)[topic].result()
            self._wait_for(topic, present=False)
            exists = False
        if not exists:
            future = self.admin.create_topics([NewTopic(topic, partitions, factor)])[topic]
            try:
                future.result()
                log.info("created topic %r (%d partitions)", topic, partitions)
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise TransportUnavailable(f"cannot create topic {topic!r}: "
                                               f"{exc.args[0].str()}") from None
            self._wait_for(topic, present=True)

    def _wait_for(self, topic: str, present: bool, timeout: float = 30.0) -> None:
        """Until the topic is gone, or there with a leader for every partition."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            metadata = self.admin.list_topics(topic=topic if present else None, timeout=5)
            info = metadata.topics.get(topic)
            found = info is not None and info.error is None and bool(info.partitions) and all(
                p.leader >= 0 and p.error is None for p in info.partitions.values())
            if found == present:
                return
            time.sleep(0.1)
        raise TransportUnavailable(f"topic {topic!r} did not {'appear' if present else 'go'}")

    def end_offsets(self, topic: str, timeout: float = 15.0) -> dict[int, int]:
        """partition -> high watermark (the offset the next message will get)."""
        partitions = self.admin.list_topics(topic=topic, timeout=10).topics[topic].partitions
        probe = RdConsumer({**self.config, "group.id": "buzzline-probe",
                            "enable.auto.commit": False})
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    return {p: probe.get_watermark_offsets(TopicPartition(topic, p),
                                                           timeout=5)[1] for p in partitions}
                except KafkaException as exc:  # a new topic's leaders are still being elected
                    if time.monotonic() > deadline:
                        raise TransportUnavailable(
                            f"cannot read the end of topic {topic!r}: {exc.args[0].str()}"
                        ) from None
                    time.sleep(0.2)
        finally:
            probe.close()

    def max_message_bytes(self, topic: str) -> int | None:
        """The smaller of the producer's message.max.bytes and the topic's max.message.bytes
        (the broker's message.max.bytes unless the topic sets its own)."""
        limit = int(self.config.get("message.max.bytes", PRODUCER_MESSAGE_BYTES))
        resource = ConfigResource(ResourceType.TOPIC, topic)
        try:
            entry = self.admin.describe_configs([resource])[resource].result(timeout=10)
            return min(limit, int(entry["max.message.bytes"].value))
        except (KafkaException, KeyError, ValueError, TypeError, TimeoutError) as exc:
            log.warning("cannot read max.message.bytes of topic %r (%s): assuming %d", topic,
                        exc, limit)
            return limit

    def changelog_store(self, key: StateKey) -> "ChangelogStore | None":
        """Where a group keeps the state of ``key`` (its topic made first): a changelog topic,
        written with the offsets in transactions (BUZZLINE_KAFKA_STATE=changelog, the
        default); None with BUZZLINE_KAFKA_STATE=sqlite (the data folder's checkpoint file)."""
        if self.settings.kafka_state != "changelog":
            return None
        from buzzline.state.changelog import ChangelogStore
        from buzzline.state.names import changelog_topic
        from buzzline.state.topic import ensure_changelog

        self.ensure_topic(key.topic)
        changelog = changelog_topic(key.group, key.app, key.topic)
        ensure_changelog(self.admin, key.topic, changelog)
        return ChangelogStore(self.config, changelog, key,
                              max(30.0, 2 * self.settings.kafka_session_timeout))

    def producer(self, topic: str, reset: bool = False) -> KafkaProducer:
        self.ensure_topic(topic, reset=reset)
        return KafkaProducer(self.config, topic, self.settings.kafka_compression)

    def consumer(self, topic: str, *, group: str, start: StartAt = "committed",
                 start_positions: dict[int, int] | None = None,
                 sources: dict[int, dict] | None = None) -> KafkaConsumer:
        self.ensure_topic(topic)
        if start_positions is None and start == "end":
            start_positions = self.end_offsets(topic)  # exactly what arrives from now on
        timeout = int(self.settings.kafka_session_timeout * 1000)
        config = {**self.config, "session.timeout.ms": timeout,
                  "isolation.level": "read_committed",
                  "heartbeat.interval.ms": max(100, min(3000, timeout // 3)),
                  **FETCH_CONFIG}
        return KafkaConsumer(config, topic, group, start, start_positions)


# librdkafka stops fetching a partition whose local queue holds queued.min.messages (100,000)
# and waits fetch.queue.backoff.ms (1 s by default) before it looks again: a consumer that
# empties its queue faster than that sits idle most of each second (about 190,000 msgs/s at
# most here). Looking again after 10 ms keeps the queue fed at no cost when it is full.
FETCH_CONFIG = {"fetch.queue.backoff.ms": 10}
