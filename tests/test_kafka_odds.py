"""What a user sees is right, with a real broker (issue 13, items 8, 9, 10): the idle clock
of a group member starts at its first assignment, `kafka logs --data-dir` finds the broker's
log, the project producer's last line names Kafka when it sent there too."""

import json
import subprocess
import sys
import time
import uuid

from confluent_kafka import Consumer, ConsumerGroupState
from confluent_kafka.admin import AdminClient

from tests.conftest import run_buzzline, subprocess_env


def group_state(admin: AdminClient, group: str) -> ConsumerGroupState:
    future = admin.describe_consumer_groups([group], request_timeout=10)[group]
    return future.result().state


def wait_for(condition, timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_idle_exit_counts_from_the_first_assignment(kafka_broker, workdir):
    """A group join held up longer than --idle-exit (here by a member that does not answer
    the rebalance, as a broker's 3 s initial delay does) is not idle time."""
    topic, group = f"t-{uuid.uuid4().hex}", f"g-{uuid.uuid4().hex}"
    env = {"KAFKA_BROKER_ADDRESS": kafka_broker.bootstrap, "BUZZLINE_TRANSPORT": "kafka",
           "BUZZ_CONSUMER_GROUP_ID": group}
    produced = run_buzzline(["produce", "basic", "--topic", topic, "--count", "200",
                             "--interval", "0"], workdir, **env)
    assert produced.returncode == 0, produced.stderr[-2000:]
    holder = Consumer({"bootstrap.servers": kafka_broker.bootstrap, "group.id": group,
                       "enable.auto.commit": False})
    assigned = []
    # a rebalance callback: the member answers a rebalance only from inside poll()
    holder.subscribe([topic], on_assign=lambda c, ps: assigned.append(ps),
                     on_revoke=lambda c, ps: None)
    admin = AdminClient({"bootstrap.servers": kafka_broker.bootstrap})
    try:
        wait_for(lambda: holder.poll(0.1) is None and bool(assigned), what="the first member")
        wait_for(lambda: group_state(admin, group) == ConsumerGroupState.STABLE, what="stable")
        consumer = subprocess.Popen(
            [sys.executable, "-m", "buzzline", "consume", "basic", "--topic", topic,
             "--from-beginning", "--idle-exit", "1", "--no-chart", "--summary-json", "s.json"],
            cwd=workdir, env=subprocess_env(workdir, **env), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        wait_for(lambda: group_state(admin, group) == ConsumerGroupState.PREPARING_REBALANCING
                 or consumer.poll() is not None, what="the consumer's join")
        joining = time.monotonic()  # the join waits for the holder: longer than --idle-exit
        wait_for(lambda: time.monotonic() - joining > 2.5 or consumer.poll() is not None)
    finally:
        holder.close()  # leaves the group: the join completes, the consumer gets every partition
    out, err = consumer.communicate(timeout=120)
    assert consumer.returncode == 0, err[-2000:]
    assert json.loads((workdir / "s.json").read_text())["messages"] == 200, err[-2000:]


def test_produce_also_kafka_names_both_transports(kafka_broker, workdir, kafka_topic):
    result = run_buzzline(["produce", "project", "--topic", kafka_topic, "--count", "20",
                           "--interval", "0", "--also-kafka"], workdir,
                          KAFKA_BROKER_ADDRESS=kafka_broker.bootstrap)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == f"project: sent 20 messages to file and kafka topic " \
                                    f"'{kafka_topic}'"


def test_kafka_logs_with_the_data_dir_of_a_running_broker(kafka_broker, workdir):
    result = run_buzzline(["kafka", "logs", "-n", "2000", "--data-dir",
                           str(kafka_broker.config.data_dir)], workdir)
    assert result.returncode == 0, result.stderr
    assert "Kafka Server started" in result.stdout or "started" in result.stdout.lower()
    # without --data-dir: the default folder has no log; one line says where it looked
    result = run_buzzline(["kafka", "logs"], workdir,
                          BUZZLINE_KAFKA_DATA=str(workdir / "elsewhere"))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "no broker log at" in result.stderr
