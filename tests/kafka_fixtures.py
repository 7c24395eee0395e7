"""Pytest plugin: a real Kafka broker (KRaft) for the tests that need one.

Load it with ``pytest_plugins = ["tests.kafka_fixtures"]``. Kafka is installed once into a cache
kept between runs (``~/.cache/buzzline``, or ``BUZZLINE_TEST_KAFKA_CACHE``); each session starts
its own broker on free ports with a temporary data folder and stops it at the end. When the
broker cannot start the tests that need it are skipped, except in CI (``CI=true``): they fail.
``kafka_cluster`` does the same for a local cluster of 3 brokers (``buzzline.kafka.cluster``).
"""

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

from buzzline.errors import BuzzlineError
from buzzline.kafka.broker import BrokerInfo, start, stop
from buzzline.kafka.cluster import ClusterConfig, start_cluster, stop_nodes
from buzzline.kafka.config import BrokerConfig
from buzzline.kafka.install import Installation, default_cache_dir, install
from buzzline.kafka.process import free_port
from buzzline.kafka.storage import new_cluster_id


@dataclass(frozen=True)
class KafkaTestBroker:
    bootstrap: str  # "localhost:PORT"
    config: BrokerConfig
    installation: Installation
    info: BrokerInfo


@dataclass(frozen=True)
class KafkaTestCluster:
    bootstrap: str  # "localhost:P1,localhost:P2,localhost:P3"
    cluster: ClusterConfig
    installation: Installation
    infos: list[BrokerInfo]


def kafka_cache_dir() -> Path:
    """Where the tests install Kafka: kept between runs, so only the first run downloads."""
    configured = os.environ.get("BUZZLINE_TEST_KAFKA_CACHE")
    return Path(configured) if configured else default_cache_dir()


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"Kafka broker unavailable in CI: {reason}")
    pytest.skip(f"Kafka broker unavailable: {reason}")


def broker_config(data_dir: Path) -> BrokerConfig:
    """A broker config on two free ports of localhost."""
    port = free_port()
    controller_port = free_port()
    while controller_port == port:
        controller_port = free_port()
    return BrokerConfig(data_dir=data_dir, port=port, controller_port=controller_port)


def cluster_config(data_dir: Path, brokers: int = 3) -> ClusterConfig:
    """A cluster of ``brokers`` nodes on free ports of localhost (one for clients and one for
    the controller each)."""
    ports: list[int] = []
    while len(ports) < 2 * brokers:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ClusterConfig(data_dir, tuple(ports[:brokers]), tuple(ports[brokers:]),
                         new_cluster_id())


@pytest.fixture(scope="session")
def kafka_installation() -> Installation:
    """Kafka installed into the persistent test cache (fast after the first run)."""
    try:
        return install(kafka_cache_dir())
    except BuzzlineError as exc:
        _unavailable(str(exc))


@pytest.fixture(scope="session")
def kafka_broker(kafka_installation: Installation,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaTestBroker]:
    """One running broker for the whole session (its data in a temporary folder)."""
    config = broker_config(tmp_path_factory.mktemp("kafka-data"))
    try:
        info = start(kafka_installation, config, timeout=90.0)
    except BuzzlineError as exc:
        _unavailable(str(exc))
    try:
        yield KafkaTestBroker(config.address, config, kafka_installation, info)
    finally:
        stop(config)


@pytest.fixture
def kafka_topic() -> str:
    """A topic name no other test uses."""
    return f"t-{uuid.uuid4().hex}"


@pytest.fixture(scope="session")
def kafka_cluster(kafka_installation: Installation,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaTestCluster]:
    """A running cluster of 3 brokers for the whole session, started as `buzzline kafka start
    --brokers 3` does. Tests that stop brokers start them again before they end."""
    cluster = cluster_config(tmp_path_factory.mktemp("kafka-cluster"))
    try:
        infos = start_cluster(kafka_installation, cluster, timeout=180.0)
    except BuzzlineError as exc:
        _unavailable(str(exc))
    try:
        yield KafkaTestCluster(cluster.bootstrap, cluster, kafka_installation, infos)
    finally:
        stop_nodes(cluster)
