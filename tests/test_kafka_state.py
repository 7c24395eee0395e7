"""State in Kafka (issue 15, BUZZLINE_KAFKA_STATE=changelog): consumers of one group on
"machines" that share nothing on disk (their own data dir and HOME each) count every message
exactly once, whoever held which partition, and ``buzzline state show`` gives the group's total
from the changelog."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest

from tests.kafka_state_helpers import (
    Producing,
    committed,
    consumer,
    counting,
    env_for,
    finish,
    members,
    produce,
    state_show,
    truth,
    wait_for,
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
AUTHORS = ("Alice", "Bob", "Charlie", "Eve", "Mallory")


def summary_of(folder) -> dict:
    return json.loads((folder / "s.json").read_text())


def test_two_machines_one_group_count_70000(kafka_broker, kafka_topic, tmp_path):
    """The "Why" of issue 15: 60,000 counted by a consumer with data dir A, 10,000 more
    produced, a consumer of the same group with data dir B (another HOME) reports 70,000."""
    boot, group = kafka_broker.bootstrap, f"g-{uuid.uuid4().hex[:8]}"
    authors = [AUTHORS[i % 5] for i in range(70_000)]
    produce(boot, kafka_topic, authors[:60_000])
    a, b = tmp_path / "a", tmp_path / "b"
    env_a, env_b = env_for(a, boot, group), env_for(b, boot, group)
    finish(consumer(a, env_a, kafka_topic, "--idle-exit", "3", "--summary-json", "s.json"), a)
    assert summary_of(a)["messages"] == 60_000
    produce(boot, kafka_topic, authors[60_000:], start=60_000)
    finish(consumer(b, env_b, kafka_topic, "--idle-exit", "3", "--summary-json", "s.json"), b)
    second = summary_of(b)
    assert not (b / "data" / "checkpoints.sqlite").exists()  # nothing on disk: all in Kafka
    assert second["messages"] == 70_000
    assert second["author_counts"] == dict(sorted(Counter(authors).items()))
    shown = state_show(env_b, kafka_topic, b)
    assert shown["messages"] == 70_000
    assert shown["author_counts"] == second["author_counts"]
    assert set(shown["positions"]) == {"0", "1", "2"}
    assert sum(shown["positions"].values()) == 70_000
    log = (b / "stderr.txt").read_text() + _log(b)
    assert re.search(r"restored 3 partitions, [\d,]+ keys in [\d.]+ s", log), log[-2000:]
    status = subprocess.run([sys.executable, "-m", "buzzline", "kafka", "status", "--json"],
                            cwd=b, env=env_b, capture_output=True, text=True, timeout=120,
                            check=False)
    assert status.returncode == 0, status.stderr[-2000:]
    listed = {t["name"]: t for t in json.loads(status.stdout)["topics"]}
    assert shown["changelog"] in listed  # the changelog is a topic like the others
    assert listed[shown["changelog"]]["partitions"] == listed[kafka_topic]["partitions"] == 3


def _log(folder) -> str:
    path = folder / "logs" / "buzzline.log"
    return path.read_text() if path.exists() else ""


def test_killed_member_with_new_data_dirs_and_a_passer_by_count_exactly(
        kafka_broker, kafka_topic, tmp_path):
    """Two members with separate data dirs and HOMEs, a producer writing meanwhile; one
    SIGKILLed 3 times and restarted each time with a new empty data dir; a third joins and
    leaves: the group's state equals the truth read back from the topic, key by key."""
    boot, group = kafka_broker.bootstrap, f"g-{uuid.uuid4().hex[:8]}"
    produce(boot, kafka_topic, ["warmup"] * 300)  # the topic exists (3 partitions)
    producing = Producing(boot, kafka_topic, 60_000, seconds=30.0)
    stayer_dir = tmp_path / "stayer"
    stayer = consumer(stayer_dir, env_for(stayer_dir, boot, group), kafka_topic,
                      "--idle-exit", "25", "--summary-json", "s.json")
    producing.start()
    for n in range(3):
        folder = tmp_path / f"killed-{n}"
        seen = set(members(boot, group))
        proc = consumer(folder, env_for(folder, boot, group), kafka_topic)
        wait_for(lambda seen=seen: any(parts for member, parts in members(boot, group).items()
                                       if member not in seen),
                 90, "the new member holds partitions")
        time.sleep(1.0 + 1.5 * n)  # the fault's moment: at some point of its counting
        assert proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        if n == 1:
            passer = tmp_path / "passer"
            finish(consumer(passer, env_for(passer, boot, group), kafka_topic, "--count", "500"),
                   passer)
    producing.join(timeout=120)
    assert producing.error is None and not producing.is_alive()
    finish(stayer, stayer_dir)
    expected = truth(boot, kafka_topic)
    assert sum(expected.values()) == 60_300
    shown = state_show(env_for(tmp_path / "viewer", boot, group), kafka_topic, tmp_path)
    assert shown["messages"] == 60_300
    assert shown["author_counts"] == dict(sorted(expected.items()))


def test_zombie_is_fenced_and_counts_stay_exact(kafka_broker, kafka_topic, tmp_path):
    """A member frozen (SIGSTOP) past its session timeout, then resumed (SIGCONT) once the
    other member holds its partitions and has committed: its late transaction is refused (or
    the group tells it first), one line logged, it rejoins; the group's counts are exact."""
    boot, group = kafka_broker.bootstrap, f"g-{uuid.uuid4().hex[:8]}"
    produce(boot, kafka_topic, ["warmup"] * 300)
    producing = Producing(boot, kafka_topic, 50_000, seconds=40.0)
    zdir, odir = tmp_path / "zombie", tmp_path / "other"
    zombie = consumer(zdir, env_for(zdir, boot, group), kafka_topic, "--idle-exit", "20",
                      "--summary-json", "s.json")
    other = consumer(odir, env_for(odir, boot, group), kafka_topic, "--idle-exit", "20",
                     "--summary-json", "s.json")
    producing.start()
    try:
        wait_for(lambda: sorted(map(len, members(boot, group).values())) == [1, 2], 90,
                 "both consumers hold partitions")
        wait_for(lambda: counting(zdir) and counting(odir), 90, "both consumers counting")
        wait_for(lambda: min(committed(boot, group, kafka_topic).values()) > 0, 90,
                 "every partition committed")
        os.kill(zombie.pid, signal.SIGSTOP)
        # past its 6 s session timeout the group gives everything to the other member
        wait_for(lambda: list(members(boot, group).values()) == [{0, 1, 2}], 90,
                 "the other member holds every partition")
        before = committed(boot, group, kafka_topic)
        wait_for(lambda: committed(boot, group, kafka_topic) != before, 90,
                 "the other member committed since")
    finally:
        os.kill(zombie.pid, signal.SIGCONT)
    producing.join(timeout=120)
    assert producing.error is None and not producing.is_alive()
    finish(zombie, zdir)
    finish(other, odir)
    log = (zdir / "stderr.txt").read_text()
    # one line, whichever noticed first: its late transaction (refused), or the group
    assert len(re.findall(r"fenced: partitions|partitions \[[\d, ]+\] lost:", log)) == 1, \
        log[-3000:]
    expected = truth(boot, kafka_topic)
    shown = state_show(env_for(tmp_path / "viewer", boot, group), kafka_topic, tmp_path)
    said = "\n".join(f"{d.name}: {line}" for d in (zdir, odir)
                     for line in (d / "stderr.txt").read_text().splitlines()
                     if "msgs" not in line and not line.startswith("%"))
    assert shown["messages"] == 50_300 == sum(expected.values()), said
    assert shown["author_counts"] == dict(sorted(expected.items())), said


@pytest.mark.parametrize("keys", [int(os.environ.get("TEST_STATE_KEYS", "200000"))])
def test_many_distinct_keys_restore_exact(kafka_broker, kafka_topic, tmp_path, keys):
    """Distinct authors on one partition: written key by key (no record over the broker's
    limit), restored exactly by another machine, the restore timed in one line."""
    boot, group = kafka_broker.bootstrap, f"g-{uuid.uuid4().hex[:8]}"
    authors = [f"author-{i:07d}" for i in range(keys)]
    produce(boot, kafka_topic, authors, partitions=1)
    a, b = tmp_path / "a", tmp_path / "b"
    finish(consumer(a, env_for(a, boot, group), kafka_topic, "--idle-exit", "3",
                    "--summary-json", "s.json"), a)
    produce(boot, kafka_topic, authors[:10], partitions=1, start=keys)
    started = time.monotonic()
    finish(consumer(b, env_for(b, boot, group), kafka_topic, "--idle-exit", "3",
                    "--summary-json", "s.json"), b)
    second = summary_of(b)
    assert second["messages"] == keys + 10
    counts = second["author_counts"]
    assert len(counts) == keys and sum(counts.values()) == keys + 10
    assert all(counts[name] == 2 for name in authors[:10])
    line = re.search(r"restored 1 partition, ([\d,]+) keys in ([\d.]+) s",
                     (b / "stderr.txt").read_text())
    assert line and int(line[1].replace(",", "")) == keys
    print(f"{keys:,} keys: restored in {line[2]} s; second consumer ran "
          f"{time.monotonic() - started:.1f} s")


def test_dead_letters_go_in_the_transaction_once(kafka_broker, kafka_topic, tmp_path):
    """Bad messages: each one a dead letter on ``<topic>.dlq``, written in the transaction of
    its partition's state (visible to read_committed readers once, never twice)."""
    from tests.kafka_state_helpers import kafka

    boot, group = kafka_broker.bootstrap, f"g-{uuid.uuid4().hex[:8]}"
    produce(boot, kafka_topic, [AUTHORS[i % 5] for i in range(3000)])
    transport = kafka(boot)
    try:
        with transport.producer(kafka_topic) as producer:
            for i in range(20):
                producer.send(b"not json %d" % i, key=b"%d" % i)
    finally:
        transport.close()
    a, b = tmp_path / "a", tmp_path / "b"
    finish(consumer(a, env_for(a, boot, group), kafka_topic, "--idle-exit", "3",
                    "--summary-json", "s.json"), a)
    first = summary_of(a)
    assert first["messages"] == 3000 and first["rejected"] == 20 and first["dead_letters"] == 20
    finish(consumer(b, env_for(b, boot, group), kafka_topic, "--idle-exit", "3"), b)
    letters = truth_of_letters(boot, kafka_topic)
    assert sorted(letters) == sorted(f"not json {i}" for i in range(20))


def truth_of_letters(boot: str, topic: str) -> list[str]:
    import json

    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

    name = topic + ".dlq"
    reader = Consumer({"bootstrap.servers": boot, "group.id": "letters",
                       "isolation.level": "read_committed", "enable.partition.eof": True})
    found: list[str] = []
    try:
        parts = reader.list_topics(name, timeout=10).topics[name].partitions
        reader.assign([TopicPartition(name, p, OFFSET_BEGINNING) for p in parts])
        pending, deadline = set(parts), time.monotonic() + 60
        while pending and time.monotonic() < deadline:
            for message in reader.consume(1000, timeout=0.5):
                error = message.error()
                if error is not None:
                    assert error.code() == KafkaError._PARTITION_EOF, error.str()
                    pending.discard(message.partition())
                else:
                    found.append(json.loads(message.value())["value"])
    finally:
        reader.close()
    return found
