"""What `buzzline kafka status` shows: topics with partitions and message counts, consumer
groups with their lag, read from a running broker with the admin API."""

from dataclasses import dataclass, field

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient


@dataclass
class TopicReport:
    name: str
    partitions: int
    messages: int  # held now: sum over partitions of high - low watermark
    ends: dict[int, int] = field(default_factory=dict)  # partition -> high watermark


@dataclass
class GroupReport:
    group: str
    state: str
    lag: dict[str, int] = field(default_factory=dict)  # topic -> messages not yet committed


@dataclass
class ClusterReport:
    address: str
    topics: list[TopicReport]
    groups: list[GroupReport]


def cluster_report(config: dict, timeout: float = 10.0) -> ClusterReport:
    admin = AdminClient(config)
    metadata = admin.list_topics(timeout=timeout)
    probe = Consumer({**config, "group.id": "buzzline-status", "enable.auto.commit": False})
    topics = []
    try:
        for name in sorted(metadata.topics):
            if name.startswith("__"):
                continue
            ends, held = {}, 0
            for partition in metadata.topics[name].partitions:
                low, high = probe.get_watermark_offsets(TopicPartition(name, partition),
                                                        timeout=timeout)
                ends[partition] = high
                held += high - low
            topics.append(TopicReport(name, len(ends), held, ends))
    finally:
        probe.close()
    return ClusterReport(config["bootstrap.servers"], topics, _groups(admin, topics, timeout))


def _groups(admin: AdminClient, topics: list[TopicReport], timeout: float) -> list[GroupReport]:
    ends = {t.name: t.ends for t in topics}
    listing = admin.list_consumer_groups(request_timeout=timeout).result()
    reports = []
    for group in sorted(listing.valid, key=lambda g: g.group_id):
        if group.group_id.startswith("buzzline-"):
            continue  # our own probes
        request = [ConsumerGroupTopicPartitions(group.group_id)]
        try:
            committed = admin.list_consumer_group_offsets(request)[group.group_id].result()
        except KafkaException:
            continue
        lag: dict[str, int] = {}
        for tp in committed.topic_partitions:
            end = ends.get(tp.topic, {}).get(tp.partition)
            if end is not None and tp.offset >= 0:
                lag[tp.topic] = lag.get(tp.topic, 0) + max(0, end - tp.offset)
        state = getattr(group.state, "name", str(group.state)).lower()
        reports.append(GroupReport(group.group_id, state, lag))
    return reports


def format_report(report: ClusterReport, version: str | None = None) -> str:
    lines = [f"Kafka at {report.address}" + (f" (Apache Kafka {version})" if version else "")]
    lines.append("topics:" if report.topics else "topics: none yet")
    width = max((len(t.name) for t in report.topics), default=0)
    for topic in report.topics:
        lines.append(f"  {topic.name:<{width}}  {topic.partitions} partition"
                     f"{'s' if topic.partitions != 1 else ''}  {topic.messages:,} messages")
    lines.append("consumer groups:" if report.groups else "consumer groups: none yet")
    for group in report.groups:
        lags = ", ".join(f"{t} lag {n:,}" for t, n in sorted(group.lag.items())) or "no offsets"
        lines.append(f"  {group.group} ({group.state}): {lags}")
    return "\n".join(lines)
