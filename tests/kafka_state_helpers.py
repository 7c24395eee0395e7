"""Helpers of the state-in-Kafka drills: consumers as users run them (``python -m buzzline``
subprocesses, each with its own data dir and HOME: nothing on disk shared), a producer, and
the truth read back from the topic by an independent client."""

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    ConsumerGroupTopicPartitions,
    KafkaError,
    KafkaException,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient

from buzzline.messages import Buzz
from buzzline.settings import load_settings
from buzzline.transports.kafka import KafkaTransport
from tests.conftest import ROOT, subprocess_env


def kafka(bootstrap: str, **values) -> KafkaTransport:
    return KafkaTransport(load_settings(environ={"KAFKA_BROKER_ADDRESS": bootstrap},
                                        env_file=None, **values))


def produce(bootstrap: str, topic: str, authors: list[str], partitions: int = 3,
            start: int = 0) -> None:
    transport = kafka(bootstrap, kafka_partitions=partitions)
    try:
        with transport.producer(topic) as producer:
            for i, author in enumerate(authors, start):
                producer.send(Buzz(f"message #{i}", author).encode(), key=author.encode())
    finally:
        transport.close()


class Producing(threading.Thread):
    """Sends ``total`` messages (unique ids) in bursts over about ``seconds``."""

    def __init__(self, bootstrap: str, topic: str, total: int, seconds: float) -> None:
        super().__init__(daemon=True)
        self.bootstrap, self.topic, self.total, self.seconds = bootstrap, topic, total, seconds
        self.error: BaseException | None = None

    def run(self) -> None:
        bursts = 50
        per = self.total // bursts
        try:
            for burst in range(bursts):
                produce(self.bootstrap, self.topic,
                        [f"author{(burst * per + i) % 13}" for i in range(per)],
                        start=burst * per)
                time.sleep(self.seconds / bursts)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


def truth(bootstrap: str, topic: str, timeout: float = 120.0) -> Counter[str]:
    """Messages per author on ``topic``, read by a plain consumer of its own (no group)."""
    reader = Consumer({"bootstrap.servers": bootstrap, "group.id": "truth-reader",
                       "enable.auto.commit": False, "enable.partition.eof": True})
    counts: Counter[str] = Counter()
    try:
        partitions = reader.list_topics(topic, timeout=10).topics[topic].partitions
        reader.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        pending = set(partitions)
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for message in reader.consume(10_000, timeout=0.5):
                error = message.error()
                if error is not None:
                    assert error.code() == KafkaError._PARTITION_EOF, error.str()
                    pending.discard(message.partition())
                    continue
                counts[json.loads(message.value())["author"]] += 1
        assert not pending, "the topic could not be read to its end"
    finally:
        reader.close()
    return counts


def wait_for(condition, timeout: float, what: str, every: float = 0.2) -> None:
    """Until ``condition()`` is true, else fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        time.sleep(every)


def members(bootstrap: str, group: str) -> dict[str, set[int]]:
    """The group's members now (member id -> the partitions assigned to it), from the
    group coordinator; empty while the group rebalances or has none."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    try:
        found = admin.describe_consumer_groups([group], request_timeout=10)[group].result()
    except KafkaException:  # the coordinator not known yet, or moving: ask again
        return {}
    if str(found.state).rsplit(".", 1)[-1] != "STABLE":
        return {}
    return {m.member_id: {tp.partition for tp in m.assignment.topic_partitions}
            for m in found.members}


def committed(bootstrap: str, group: str, topic: str, partitions: int = 3) -> dict[int, int]:
    """The group's committed offsets on ``topic`` (-1001: none yet)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    request = ConsumerGroupTopicPartitions(
        group, [TopicPartition(topic, p) for p in range(partitions)])
    result = admin.list_consumer_group_offsets([request], require_stable=True)[group].result()
    return {tp.partition: tp.offset for tp in result.topic_partitions}


def counted(folder: Path) -> int:
    """The messages a consumer's last status line says it counted (0 before any)."""
    lines = [line for line in (folder / "stderr.txt").read_text().splitlines()
             if " msgs " in line]
    if not lines:
        return 0
    return int(lines[-1].split(" msgs ")[0].rsplit(" ", 1)[-1].replace(",", ""))


def live_record(folder: Path) -> dict | None:
    """What a consumer run in ``folder`` publishes for the dashboard now (None: nothing yet)."""
    for path in sorted((folder / "data" / "live").glob("*.json")):
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):  # replaced as it was read: the next look sees it
            return None
    return None


def counting(folder: Path) -> bool:
    """Whether the consumer in ``folder`` holds partitions and has counted messages."""
    record = live_record(folder)
    return bool(record and record.get("partitions") and record.get("messages"))


def env_for(folder: Path, bootstrap: str, group: str, **extra: str) -> dict[str, str]:
    """A machine of its own: data dir and HOME under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess_env(folder, KAFKA_BROKER_ADDRESS=bootstrap, BUZZLINE_TRANSPORT="kafka",
                          BUZZ_CONSUMER_GROUP_ID=group, HOME=str(folder),
                          KAFKA_SESSION_TIMEOUT_SECONDS="6", BUZZLINE_KAFKA_STATE="changelog",
                          **extra)


def consumer(folder: Path, env: dict[str, str], topic: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "buzzline", "consume", "basic", "--topic", topic, "--no-chart",
         *extra], cwd=folder, env=env, stdout=subprocess.PIPE,
        stderr=open(folder / "stderr.txt", "a"), text=True)  # noqa: SIM115 - the child's


def finish(proc: subprocess.Popen, folder: Path, timeout: float = 240.0) -> str:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, (folder / "stderr.txt").read_text()[-3000:]
    return out


def state_show(env: dict[str, str], topic: str, cwd: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "buzzline", "state", "show", "basic",
                           "--topic", topic, "--json"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


__all__ = ["ROOT", "Producing", "committed", "consumer", "counted", "counting",
           "live_record", "env_for", "finish",
           "kafka", "members", "produce", "state_show", "truth", "wait_for"]
