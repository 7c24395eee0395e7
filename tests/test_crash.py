"""Crash test: a consumer SIGKILLed at 5 random moments while 100,000 messages stream in, and
restarted each time, ends with exactly the counts of a crash-free run (file and Kafka)."""

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from buzzline.messages import Buzz
from buzzline.settings import load_settings
from buzzline.transports.base import Transport
from buzzline.transports.file import FileTransport
from buzzline.transports.kafka import KafkaTransport
from tests.conftest import subprocess_env

MESSAGES = 100_000
KILLS = 5
AUTHORS = ("Alice", "Bob", "Charlie", "Eve", "Mallory", "Trent")


class PacedProducer(threading.Thread):
    """Sends MESSAGES buzz messages (each with a unique id) in bursts over ``seconds``."""

    def __init__(self, transport: Transport, topic: str, seconds: float, seed: int) -> None:
        super().__init__(daemon=True)
        self.transport, self.topic, self.seconds = transport, topic, seconds
        self.rng = random.Random(seed)
        self.truth: Counter[str] = Counter()
        self.error: BaseException | None = None

    def run(self) -> None:
        bursts = 100
        per_burst = MESSAGES // bursts
        try:
            with self.transport.producer(self.topic) as producer:
                for burst in range(bursts):
                    for i in range(per_burst):
                        author = self.rng.choice(AUTHORS)
                        uid = burst * per_burst + i
                        producer.send(Buzz(f"message #{uid:06d}", author).encode(),
                                      key=author.encode())
                        self.truth[author] += 1
                    producer.flush()
                    time.sleep(self.seconds / bursts)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


def consumer_args(topic: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "buzzline", "consume", "basic", "--topic", topic,
            "--no-chart", *extra]


def crash_and_restart(workdir: Path, topic: str, env: dict[str, str], first: list[str],
                      delays: tuple[float, float], producer: PacedProducer,
                      idle_exit: float = 4.0) -> dict:
    """Start the consumer, SIGKILL it KILLS times after random delays (restarting it each
    time), then let a last one run until the stream is drained; returns its summary."""
    seed = int(os.environ.get("TEST_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)  # printed below: TEST_CRASH_SEED=... replays the same kills
    kills = []
    producer.start()
    for n in range(KILLS):
        args = consumer_args(topic, *(first if n == 0 else []))
        proc = subprocess.Popen(args, cwd=workdir, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        delay = rng.uniform(*delays)
        time.sleep(delay)
        assert proc.poll() is None, f"consumer {n} ended before it was killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        kills.append(round(delay, 2))
    producer.join(timeout=300)
    assert producer.error is None and not producer.is_alive()
    args = consumer_args(topic, "--idle-exit", str(idle_exit), "--summary-json", "final.json")
    last = subprocess.run(args, cwd=workdir, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert last.returncode == 0, last.stderr[-2000:]
    summary = json.loads((workdir / "final.json").read_text())
    print(f"{MESSAGES:,} messages, {KILLS} SIGKILLs after {kills} s (seed {seed}); final: "
          f"{summary['messages']:,} counted, {last.stdout.strip()}")
    return summary


def assert_exact(summary: dict, truth: Counter[str]) -> None:
    assert summary["messages"] == MESSAGES, "lost or counted twice"
    assert summary["author_counts"] == dict(sorted(truth.items()))
    assert summary["rejected"] == 0


@pytest.mark.slow
def test_file_consumer_killed_five_times_counts_exactly(workdir: Path):
    env = subprocess_env(workdir)
    transport = FileTransport(workdir / "data")
    producer = PacedProducer(transport, "crash", seconds=12.0, seed=1)
    summary = crash_and_restart(workdir, "crash", env, ["--from-beginning"], (1.2, 2.8),
                                producer)
    assert_exact(summary, producer.truth)


@pytest.mark.slow
@pytest.mark.kafka
def test_kafka_consumer_killed_five_times_counts_exactly(kafka_broker, kafka_topic,
                                                         workdir: Path):
    # a killed member stays in the group until its session times out: the broker's minimum
    env = subprocess_env(workdir, KAFKA_BROKER_ADDRESS=kafka_broker.bootstrap,
                         BUZZLINE_TRANSPORT="kafka", KAFKA_SESSION_TIMEOUT_SECONDS="6")
    settings = load_settings(environ={"KAFKA_BROKER_ADDRESS": kafka_broker.bootstrap},
                             env_file=None, kafka_partitions=3)
    transport = KafkaTransport(settings)
    try:
        producer = PacedProducer(transport, kafka_topic, seconds=40.0, seed=2)
        # the last consumer waits for the killed one's session to expire before it reads
        summary = crash_and_restart(workdir, kafka_topic, env, [], (7.0, 10.0), producer,
                                    idle_exit=12.0)
    finally:
        transport.close()
    assert set(summary["positions"]) == {"0", "1", "2"}
    assert_exact(summary, producer.truth)
