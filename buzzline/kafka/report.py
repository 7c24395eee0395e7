"""What `buzzline kafka status` shows, read from the running brokers with the admin API: the
brokers, the topics with partitions, message counts and each partition's leader and in-sync
replicas, the internal topics (``__consumer_offsets``...) apart, consumer groups with their lag.
``format_report`` / ``report_json`` (in ``report_text``) turn it into text or JSON."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType


@dataclass(frozen=True)
class PartitionReport:
    partition: int
    leader: int  # -1: none (offline)
    replicas: list[int]
    isr: list[int]  # the in-sync replicas


@dataclass
class TopicReport:
    name: str
    partitions: int
    messages: int  # held now: sum over partitions of high - low watermark
    ends: dict[int, int] = field(default_factory=dict)  # partition -> high watermark
    layout: list[PartitionReport] = field(default_factory=list)
    min_insync: int | None = None  # the topic's min.insync.replicas (None: not read)
    unread: int = 0  # partitions whose messages no broker could count (leader down)

    @property
    def replication(self) -> int:
        return max((len(p.replicas) for p in self.layout), default=0)


@dataclass(frozen=True)
class BrokerReport:
    node_id: int
    address: str
    pid: int | None  # None: not started by buzzline here (or not running)
    running: bool


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
    brokers: list[BrokerReport] = field(default_factory=list)
    internal: list[TopicReport] = field(default_factory=list)  # names starting with "__"


def cluster_report(config: dict, timeout: float = 10.0,
                   local: Sequence[BrokerReport] = ()) -> ClusterReport:
    """The report of the cluster ``config`` reaches; ``local`` are the brokers buzzline runs
    here (with their pids, stopped ones included), the others come from the metadata."""
    admin = AdminClient(config)
    metadata = admin.list_topics(timeout=timeout)
    probe = Consumer({**config, "group.id": "buzzline-status", "enable.auto.commit": False})
    topics = []
    silent: set[int] = set()  # leaders that did not answer (killed, not yet replaced)
    try:
        for name in sorted(metadata.topics):
            count = not name.startswith("__")  # internal topics: their layout only
            topics.append(_topic(probe, name, metadata.topics[name].partitions, timeout,
                                 silent if count else None))
    finally:
        probe.close()
    users = [t for t in topics if not t.name.startswith("__")]
    _read_min_insync(admin, users, timeout)
    seen = [(b.id, f"{b.host}:{b.port}") for b in metadata.brokers.values()]
    return ClusterReport(config["bootstrap.servers"], users, _groups(admin, users, timeout),
                         _brokers(local, seen), [t for t in topics if t.name.startswith("__")])


def _topic(probe: Consumer, name: str, partitions: dict, timeout: float,
           silent: set[int] | None) -> TopicReport:
    """A topic's layout, and its messages unless ``silent`` is None (then 0)."""
    ends, held, layout = {}, 0, []
    for number in sorted(partitions):
        info = partitions[number]
        layout.append(PartitionReport(number, info.leader, list(info.replicas), list(info.isrs)))
        if silent is None:
            continue
        try:
            if info.leader < 0 or info.leader in silent:
                raise KafkaException("offline: no broker can tell its watermarks")
            low, high = probe.get_watermark_offsets(TopicPartition(name, number),
                                                    timeout=timeout)
        except KafkaException:  # its leader just went away: skip its other partitions
            silent.add(info.leader)
            continue
        ends[number] = high
        held += high - low
    unread = 0 if silent is None else len(partitions) - len(ends)
    return TopicReport(name, len(partitions), held, ends, layout, unread=unread)


def _read_min_insync(admin: AdminClient, topics: list[TopicReport], timeout: float) -> None:
    if not topics:
        return
    resources = [ConfigResource(ResourceType.TOPIC, t.name) for t in topics]
    futures = admin.describe_configs(resources, request_timeout=timeout)
    for topic, resource in zip(topics, resources, strict=True):
        try:
            entry = futures[resource].result(timeout=timeout)["min.insync.replicas"]
            topic.min_insync = int(entry.value)
        except (KafkaException, KeyError, ValueError, TypeError, TimeoutError):
            topic.min_insync = None


def _brokers(local: Sequence[BrokerReport],
             seen: list[tuple[int, str]]) -> list[BrokerReport]:
    """The local brokers, then those the metadata names that are not among them."""
    brokers = list(local)
    ports = {(b.node_id, b.address.rpartition(":")[2]) for b in local}
    for node_id, address in sorted(seen):
        if (node_id, address.rpartition(":")[2]) not in ports:
            brokers.append(BrokerReport(node_id, address, None, True))
    return brokers


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
