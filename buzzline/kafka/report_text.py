"""`buzzline kafka status` as text for people and as JSON for scripts (the same facts)."""

from typing import Any

from buzzline.kafka.report import ClusterReport, PartitionReport, TopicReport


def _ids(ids: list[int]) -> str:
    return ",".join(map(str, ids)) or "none"


def _partition_line(p: PartitionReport, stopped: set[int]) -> str:
    leader = str(p.leader) if p.leader >= 0 else "none (offline)"
    if p.leader in stopped:  # the controller notices a crash after broker.session.timeout.ms
        leader += " (stopped, not replaced yet)"
    short = "" if len(p.isr) >= len(p.replicas) else \
        f"  ({len(p.replicas) - len(p.isr)} out of sync)"
    return (f"    partition {p.partition}  leader {leader}  replicas {_ids(p.replicas)}  "
            f"in sync {_ids(p.isr)}{short}")


def _internal_line(topic: TopicReport, width: int) -> str:
    in_sync = sum(1 for p in topic.layout if p.leader >= 0 and len(p.isr) >= len(p.replicas))
    plural = "s" if topic.partitions != 1 else ""
    return (f"  {topic.name:<{width}}  {topic.partitions} partition{plural}  "
            f"{topic.replication} "
            f"replica{'s' if topic.replication != 1 else ''}  {in_sync} of "
            f"{topic.partitions} fully in sync")


def format_report(report: ClusterReport, version: str | None = None) -> str:
    lines = [f"Kafka at {report.address}" + (f" (Apache Kafka {version})" if version else "")]
    if report.brokers:
        lines.append("brokers:")
    for broker in report.brokers:
        pid = f"pid {broker.pid}" if broker.pid is not None else \
            ("not started here" if broker.running else "no pid")
        lines.append(f"  {broker.node_id}  {broker.address}  "
                     f"{'running' if broker.running else 'stopped'}  ({pid})")
    stopped = {b.node_id for b in report.brokers if not b.running}
    lines.append("topics:" if report.topics else "topics: none yet")
    width = max((len(t.name) for t in report.topics), default=0)
    for topic in report.topics:
        lines.append(f"  {topic.name:<{width}}  {topic.partitions} partition"
                     f"{'s' if topic.partitions != 1 else ''}  {topic.messages:,} messages"
                     + (f" ({topic.unread} partition{'s' if topic.unread != 1 else ''} not "
                        "counted: no leader answers)" if topic.unread else ""))
        if topic.layout:
            insync = f", min.insync.replicas {topic.min_insync}" \
                if topic.min_insync is not None else ""
            lines.append(f"    replication factor {topic.replication}{insync}")
        lines += [_partition_line(p, stopped) for p in topic.layout]
    if report.internal:
        lines.append("internal topics:")
        width = max(len(t.name) for t in report.internal)
        lines += [_internal_line(t, width) for t in report.internal]
    lines.append("consumer groups:" if report.groups else "consumer groups: none yet")
    for group in report.groups:
        lags = ", ".join(f"{t} lag {n:,}" for t, n in sorted(group.lag.items())) or "no offsets"
        lines.append(f"  {group.group} ({group.state}): {lags}")
    return "\n".join(lines)


def _topic_json(topic: TopicReport, internal: bool = False) -> dict[str, Any]:
    counts = {} if internal else {"messages": topic.messages,
                                  "uncounted_partitions": topic.unread}
    return {"name": topic.name, "partitions": topic.partitions, **counts,
            "replication_factor": topic.replication, "min_insync_replicas": topic.min_insync,
            "layout": [{"partition": p.partition, "leader": p.leader if p.leader >= 0 else None,
                        "replicas": p.replicas, "isr": p.isr} for p in topic.layout]}


def report_json(report: ClusterReport, version: str | None = None) -> dict[str, Any]:
    return {
        "address": report.address,
        "version": version,
        "brokers": [{"id": b.node_id, "address": b.address, "pid": b.pid,
                     "running": b.running} for b in report.brokers],
        "topics": [_topic_json(t) for t in report.topics],
        "internal_topics": [_topic_json(t, internal=True) for t in report.internal],
        "groups": [{"group": g.group, "state": g.state, "lag": g.lag} for g in report.groups],
    }
