"""A local cluster of 3 brokers (`buzzline kafka start --brokers 3`): its layout and
settings offline, then against real brokers: status with leaders and in-sync replicas, topics
with 3 replicas and min.insync.replicas=2, a broker stopped and brought back, and the drill:
the leader of a partition SIGKILLed mid-stream and restarted, nothing lost, nothing duplicated,
counts exact."""

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException
from confluent_kafka.admin import AdminClient

from buzzline.errors import BuzzlineError
from buzzline.kafka.cluster import (
    ClusterConfig,
    node_states,
    read_cluster,
    start_cluster,
    write_cluster,
)
from buzzline.kafka.config import write_server_properties
from buzzline.kafka.process import free_port, port_in_use
from buzzline.kafka.report import BrokerReport, ClusterReport, PartitionReport, TopicReport
from buzzline.kafka.report_text import format_report, report_json
from buzzline.settings import load_settings
from buzzline.transports.kafka import KafkaTransport
from tests.conftest import run_buzzline, subprocess_env
from tests.kafka_fixtures import KafkaTestCluster, kafka_cache_dir
from tests.test_crash import MESSAGES, PacedProducer
from tests.test_kafka_faults import read_ids, wait_for

live = [pytest.mark.kafka, pytest.mark.slow]


# ---- offline: the layout, the properties, the report ----------------------------------------

def test_cluster_layout_ports_and_file(tmp_path):
    cluster = ClusterConfig.derived(tmp_path, 3, 9092)
    assert cluster.ports == (9092, 9093, 9094) and cluster.controller_ports == (9095, 9096, 9097)
    assert cluster.bootstrap == "localhost:9092,localhost:9093,localhost:9094"
    assert [n.data_dir.name for n in cluster.nodes()] == ["node-1", "node-2", "node-3"]
    assert read_cluster(tmp_path) is None
    write_cluster(cluster)
    assert read_cluster(tmp_path) == cluster
    with pytest.raises(BuzzlineError, match="has no broker 4"):
        cluster.node(4)
    with pytest.raises(BuzzlineError, match="choose a lower --port"):
        ClusterConfig.derived(tmp_path, 3, 65531)
    (tmp_path / "cluster.json").write_text("{not json")
    with pytest.raises(BuzzlineError, match="cannot read the cluster layout"):
        read_cluster(tmp_path)


def test_each_node_is_a_voter_and_topics_get_three_replicas(tmp_path):
    cluster = ClusterConfig(tmp_path, (19100, 19101, 19102), (19103, 19104, 19105), "id")
    lines = write_server_properties(cluster.node(2)).read_text().splitlines()
    for line in ("node.id=2", "process.roles=broker,controller",
                 "controller.quorum.voters=1@localhost:19103,2@localhost:19104,"
                 "3@localhost:19105",
                 "listeners=PLAINTEXT://localhost:19101,CONTROLLER://localhost:19104",
                 "advertised.listeners=PLAINTEXT://localhost:19101",
                 f"log.dirs={(tmp_path / 'node-2' / 'logs-data').resolve().as_posix()}",
                 "default.replication.factor=3", "min.insync.replicas=2",
                 "offsets.topic.replication.factor=3",
                 "transaction.state.log.replication.factor=3", "transaction.state.log.min.isr=2"):
        assert line in lines, line


def test_the_report_as_text_and_json_says_the_same():
    layout = [PartitionReport(0, 1, [1, 2, 3], [1, 3]), PartitionReport(1, -1, [2, 3, 1], []),
              PartitionReport(2, 2, [2, 3, 1], [2, 3, 1])]
    report = ClusterReport(
        "localhost:1,localhost:2", [TopicReport("t", 2, 42, {0: 42}, layout, 2, unread=1)],
        [], [BrokerReport(1, "localhost:1", 11, True),
             BrokerReport(2, "localhost:2", None, False), BrokerReport(3, "h:3", 33, True)],
        [TopicReport("__consumer_offsets", 1, 0, {}, [PartitionReport(0, 1, [1, 3], [1, 3])])])
    text = format_report(report, "4.1.1").splitlines()
    for line in ("Kafka at localhost:1,localhost:2 (Apache Kafka 4.1.1)", "brokers:",
                 "  1  localhost:1  running  (pid 11)", "  2  localhost:2  stopped  (no pid)",
                 "  t  2 partitions  42 messages (1 partition not counted: no leader "
                 "answers)",
                 "    replication factor 3, min.insync.replicas 2",
                 "    partition 0  leader 1  replicas 1,2,3  in sync 1,3  (1 out of sync)",
                 "    partition 1  leader none (offline)  replicas 2,3,1  in sync none  "
                 "(3 out of sync)",
                 "    partition 2  leader 2 (stopped, not replaced yet)  replicas 2,3,1  "
                 "in sync 2,3,1",
                 "internal topics:", "  __consumer_offsets  1 partition  2 replicas  1 of 1 "
                 "fully in sync"):
        assert line in text, (line, text)
    data = report_json(report, "4.1.1")
    assert data["brokers"][1] == {"id": 2, "address": "localhost:2", "pid": None,
                                  "running": False}
    topic = data["topics"][0]
    assert (topic["replication_factor"], topic["min_insync_replicas"], topic["messages"],
            topic["uncounted_partitions"]) == (3, 2, 42, 1)
    assert topic["layout"][0] == {"partition": 0, "leader": 1, "replicas": [1, 2, 3],
                                  "isr": [1, 3]}
    assert topic["layout"][1]["leader"] is None
    assert data["internal_topics"][0]["name"] == "__consumer_offsets"


def test_a_cluster_and_a_single_broker_never_share_a_folder(workdir):
    single = workdir / "single"
    single.mkdir()
    (single / "broker.pid").write_text("1\n")
    mixed = run_buzzline(["kafka", "start", "--brokers", "3", "--data-dir", str(single)],
                         workdir)
    assert mixed.returncode == 2 and "holds a single broker's data" in mixed.stderr
    assert not (single / "cluster.json").exists()
    write_cluster(ClusterConfig.derived(workdir / "three", 3, 9092))
    other = run_buzzline(["kafka", "start", "--brokers", "1", "--data-dir", "three"], workdir)
    assert other.returncode == 2 and "holds a cluster of 3 brokers" in other.stderr
    moved = run_buzzline(["kafka", "start", "--port", "9100", "--data-dir", "three"], workdir)
    assert moved.returncode == 2 and "uses ports 9092-9094" in moved.stderr
    secured = run_buzzline(["kafka", "start", "--data-dir", "three", "--sasl", "plain"],
                           workdir)
    assert secured.returncode == 2 and "PLAINTEXT only" in secured.stderr
    logs = run_buzzline(["kafka", "logs", "--data-dir", "three"], workdir)
    assert logs.returncode == 2 and "--broker ID (1, 2, 3)" in logs.stderr
    one = run_buzzline(["kafka", "stop", "--data-dir", "single", "--broker", "2"], workdir)
    assert one.returncode == 2 and "holds no cluster" in one.stderr
    down = run_buzzline(["kafka", "status", "--data-dir", "three"], workdir)
    assert down.returncode == 2 and "no broker of the cluster" in down.stderr
    assert "buzzline kafka start --data-dir" in down.stderr
    stopped = run_buzzline(["kafka", "stop", "--data-dir", "three", "--broker", "2"], workdir)
    assert stopped.returncode == 0 and "Kafka broker 2 of" in stopped.stdout
    assert "Traceback" not in mixed.stderr + other.stderr + down.stderr


# ---- against real brokers -------------------------------------------------------------------

def free_block(size: int) -> int:
    """The first of ``size`` consecutive ports free on localhost (for --port P)."""
    for _ in range(200):
        first = free_port()
        if first + size < 65535 and not any(port_in_use("localhost", first + n)
                                            for n in range(size)):
            return first
    raise AssertionError(f"no {size} consecutive free ports")


def kafka_env(bootstrap: str) -> dict[str, str]:
    return {"KAFKA_BROKER_ADDRESS": bootstrap, "BUZZLINE_KAFKA_CACHE": str(kafka_cache_dir())}


def status_of(data_dir: Path, workdir: Path, *extra: str) -> subprocess.CompletedProcess:
    done = run_buzzline(["kafka", "status", "--data-dir", str(data_dir), *extra], workdir,
                        timeout=120, **kafka_env("localhost:1"))
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def quiet(bootstrap: str) -> dict:
    """A client's settings without librdkafka's "connection refused" lines (a broker is
    down on purpose)."""
    return {"bootstrap.servers": bootstrap, "log_level": 0}


def layout(bootstrap: str, topic: str) -> dict[int, tuple[int, list[int]]]:
    """partition -> (leader, in-sync replicas), from the metadata ({} when it did not come)."""
    admin = AdminClient(quiet(bootstrap))
    try:
        info = admin.list_topics(topic=topic, timeout=10).topics[topic]
    except KafkaException:  # no broker answered in time (one was just killed)
        return {}
    return {n: (p.leader, sorted(p.isrs)) for n, p in info.partitions.items()}


def leader(bootstrap: str, topic: str, partition: int) -> int:
    return layout(bootstrap, topic).get(partition, (-1, []))[0]


def all_in_sync(bootstrap: str, topic: str, brokers: list[int]) -> bool:
    found = layout(bootstrap, topic)
    return bool(found) and all(isr == brokers and leader in brokers
                               for leader, isr in found.values())


def bring_back(cluster: KafkaTestCluster) -> None:
    """Start the brokers a test left stopped (the session's cluster is shared)."""
    if not all(s.running for s in node_states(cluster.cluster)):
        start_cluster(cluster.installation, cluster.cluster, timeout=180.0)


@pytest.mark.kafka
@pytest.mark.slow
def test_cli_starts_a_cluster_on_derived_ports_and_stops_it(kafka_installation, workdir):
    port = free_block(6)
    env = kafka_env(f"localhost:{port}")
    data = workdir / "cluster"
    try:
        started = run_buzzline(["kafka", "start", "--brokers", "3", "--data-dir", str(data)],
                               workdir, timeout=300, **env)
        assert started.returncode == 0, started.stderr[-3000:]
        for n in range(3):
            assert f"broker {n + 1} at localhost:{port + n} (pid" in started.stdout
        bootstrap = f"localhost:{port},localhost:{port + 1},localhost:{port + 2}"
        assert f"clients: KAFKA_BROKER_ADDRESS={bootstrap}" in started.stdout
        assert f"localhost:{port + 3}" in (data / "node-1" / "server.properties").read_text()
        again = run_buzzline(["kafka", "start", "--data-dir", str(data)], workdir, timeout=120,
                             **env)
        assert "Kafka cluster of 3 brokers is already running" in again.stdout, again.stderr
    finally:
        stopped = run_buzzline(["kafka", "stop", "--data-dir", str(data)], workdir,
                               timeout=120, **env)
    assert stopped.returncode == 0 and "Kafka stopped (brokers 1, 2, 3)" in stopped.stdout
    assert not any(s.running for s in node_states(read_cluster(data)))
    down = run_buzzline(["kafka", "status", "--data-dir", str(data)], workdir, **env)
    assert down.returncode == 2 and "no broker of the cluster" in down.stderr


@pytest.mark.kafka
@pytest.mark.slow
def test_status_lists_three_brokers_and_topics_get_three_replicas(kafka_cluster, kafka_topic,
                                                                   workdir):
    produced = run_buzzline(["produce", "json", "--transport", "kafka", "--topic", kafka_topic,
                             "--count", "30", "--interval", "0"], workdir, timeout=120,
                            **kafka_env(kafka_cluster.bootstrap))
    assert produced.returncode == 0, produced.stderr[-2000:]
    data_dir = kafka_cluster.cluster.data_dir
    report = json.loads(status_of(data_dir, workdir, "--json").stdout)
    assert [(b["id"], b["address"], b["running"]) for b in report["brokers"]] == [
        (n, f"localhost:{p}", True) for n, p in zip((1, 2, 3), kafka_cluster.cluster.ports,
                                                    strict=True)]
    assert all(isinstance(b["pid"], int) for b in report["brokers"])
    topic = next(t for t in report["topics"] if t["name"] == kafka_topic)
    assert (topic["partitions"], topic["messages"]) == (3, 30)
    assert (topic["replication_factor"], topic["min_insync_replicas"]) == (3, 2)
    for partition in topic["layout"]:
        assert sorted(partition["replicas"]) == sorted(partition["isr"]) == [1, 2, 3]
        assert partition["leader"] in (1, 2, 3)
    text = status_of(data_dir, workdir).stdout
    assert f"  {kafka_topic}  3 partitions  30 messages" in text
    assert "    replication factor 3, min.insync.replicas 2" in text
    assert f"  2  localhost:{kafka_cluster.cluster.ports[1]}  running  (pid" in text


@pytest.mark.kafka
@pytest.mark.slow
def test_a_replication_factor_given_is_kept_on_the_cluster(kafka_cluster, kafka_topic, workdir):
    """Only the default (KAFKA_REPLICATION_FACTOR=0) follows the brokers' 3; 1 asked is 1."""
    produced = run_buzzline(["produce", "json", "--transport", "kafka", "--topic", kafka_topic,
                             "--count", "5", "--interval", "0", "--replication-factor", "1"],
                            workdir, timeout=120, **kafka_env(kafka_cluster.bootstrap))
    assert produced.returncode == 0, produced.stderr[-2000:]
    report = json.loads(status_of(kafka_cluster.cluster.data_dir, workdir, "--json").stdout)
    topic = next(t for t in report["topics"] if t["name"] == kafka_topic)
    assert topic["replication_factor"] == 1
    assert all(len(partition["replicas"]) == 1 for partition in topic["layout"])


@pytest.mark.kafka
@pytest.mark.slow
def test_a_stopped_broker_leaves_the_isr_and_start_brings_it_back(kafka_cluster, kafka_topic,
                                                                  workdir):
    bootstrap, data_dir = kafka_cluster.bootstrap, str(kafka_cluster.cluster.data_dir)
    transport = KafkaTransport(load_settings(environ={"KAFKA_BROKER_ADDRESS": bootstrap},
                                             env_file=None))
    try:
        transport.ensure_topic(kafka_topic, partitions=3)
        wait_for(lambda: all_in_sync(bootstrap, kafka_topic, [1, 2, 3]), 60, "3 in sync")
        stopped = run_buzzline(["kafka", "stop", "--data-dir", data_dir, "--broker", "2"],
                               workdir, timeout=120)
        assert stopped.returncode == 0 and "Kafka broker 2 stopped" in stopped.stdout
        wait_for(lambda: all_in_sync(bootstrap, kafka_topic, [1, 3]), 60, "the ISR shrinks")
        report = json.loads(status_of(Path(data_dir), workdir, "--json").stdout)
        assert [(b["id"], b["running"], b["pid"] is None) for b in report["brokers"]] == [
            (1, True, False), (2, False, True), (3, True, False)]
        topic = next(t for t in report["topics"] if t["name"] == kafka_topic)
        assert all(sorted(p["isr"]) == [1, 3] for p in topic["layout"])
        assert "stopped  (no pid)" in status_of(Path(data_dir), workdir).stdout
        began = time.monotonic()
        restarted = run_buzzline(["kafka", "start", "--data-dir", data_dir], workdir,
                                 timeout=300, **kafka_env("localhost:1"))
        assert restarted.returncode == 0, restarted.stderr[-3000:]
        assert "broker 2 at" in restarted.stdout and "started in" in restarted.stdout
        assert restarted.stdout.count("already running") == 2
        wait_for(lambda: all_in_sync(bootstrap, kafka_topic, [1, 2, 3]), 120,
                 "the ISR grows back")
        print(f"broker 2 back in every ISR {time.monotonic() - began:.1f} s after `kafka start`")
    finally:
        transport.close()
        bring_back(kafka_cluster)


def committed(bootstrap: str, group: str, topic: str) -> int:
    """The offsets ``group`` committed on ``topic``, summed over its partitions."""
    admin = AdminClient(quiet(bootstrap))
    request = [ConsumerGroupTopicPartitions(group)]
    try:
        found = admin.list_consumer_group_offsets(request)[group].result(timeout=10)
    except (KafkaException, TimeoutError):  # the coordinator not known yet, or moving
        return 0
    return sum(tp.offset for tp in found.topic_partitions if tp.topic == topic and tp.offset > 0)


@pytest.mark.kafka
@pytest.mark.slow
def test_leader_killed_mid_stream_loses_and_duplicates_nothing(kafka_cluster, kafka_topic,
                                                               workdir):
    """A producer (buzzline's, idempotent, acks=all) and a consumer (the CLI) run while the
    leader of partition 0 is SIGKILLed (`kafka stop --broker ID --kill`) and then restarted
    (`kafka start`): every message once on the topic, the consumer's counts exact."""
    bootstrap, data_dir = kafka_cluster.bootstrap, str(kafka_cluster.cluster.data_dir)
    settings = load_settings(environ={"KAFKA_BROKER_ADDRESS": bootstrap}, env_file=None,
                             kafka_partitions=3)
    transport = KafkaTransport(settings)
    producer = PacedProducer(transport, kafka_topic, seconds=30.0, seed=15)
    group = f"drill-{uuid.uuid4().hex[:8]}"
    env = subprocess_env(workdir, KAFKA_BROKER_ADDRESS=bootstrap, BUZZLINE_TRANSPORT="kafka",
                         BUZZ_CONSUMER_GROUP_ID=group)
    producer.start()
    consumer = subprocess.Popen(
        [sys.executable, "-m", "buzzline", "consume", "basic", "--topic", kafka_topic,
         "--no-chart", "--count", str(MESSAGES), "--summary-json", "s.json"],
        cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # mid-stream: the consumer has committed a part, the producer is still sending
        wait_for(lambda: committed(bootstrap, group, kafka_topic) >= MESSAGES // 10, 120,
                 "the consumer under way")
        assert producer.is_alive(), "the producer ended before the kill"
        victim = leader(bootstrap, kafka_topic, 0)
        assert victim in (1, 2, 3)
        killed_at = time.monotonic()
        killed = run_buzzline(["kafka", "stop", "--data-dir", data_dir, "--broker", str(victim),
                               "--kill"], workdir, timeout=60)
        assert killed.returncode == 0 and f"Kafka broker {victim} killed" in killed.stdout
        wait_for(lambda: leader(bootstrap, kafka_topic, 0) not in (victim, -1), 60,
                 "a new leader for partition 0")
        failover = time.monotonic() - killed_at
        restarted = run_buzzline(["kafka", "start", "--data-dir", data_dir], workdir,
                                 timeout=300, **kafka_env("localhost:1"))
        assert restarted.returncode == 0, restarted.stderr[-3000:]
        wait_for(lambda: all_in_sync(bootstrap, kafka_topic, [1, 2, 3]), 120,
                 "the restarted broker back in every ISR")
        recovered = time.monotonic() - killed_at
        producer.join(timeout=240)
        assert not producer.is_alive() and producer.error is None, producer.error
        out, err = consumer.communicate(timeout=240)
    finally:
        if consumer.poll() is None:
            consumer.kill()
        transport.close()
        bring_back(kafka_cluster)
    assert consumer.returncode == 0, err[-3000:]
    summary = json.loads((workdir / "s.json").read_text())
    ids = read_ids(bootstrap, kafka_topic, 3)
    lost, duplicated = MESSAGES - len(set(ids)), len(ids) - len(set(ids))
    print(f"drill: {MESSAGES:,} sent; leader {victim} of partition 0 killed mid-stream; new "
          f"leader after {failover:.1f} s; back in every ISR after {recovered:.1f} s; on the "
          f"topic: {lost} lost, {duplicated} duplicated; counted {summary['messages']:,}")
    assert (lost, duplicated) == (0, 0)
    assert summary["messages"] == MESSAGES
    assert summary["author_counts"] == dict(sorted(producer.truth.items()))
