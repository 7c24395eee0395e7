"""A single-node Kafka in KRaft mode (broker and controller in one process, no ZooKeeper): its
settings, the files it keeps in its data folder and its ``server.properties``."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BrokerConfig:
    """One local broker. Everything it writes lives under ``data_dir``, which is kept across
    restarts (topics and their messages survive ``stop`` / ``start``)."""

    data_dir: Path
    host: str = "localhost"
    port: int = 9092
    controller_port: int = 9093
    heap: str = "512m"
    node_id: int = 1

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def server_properties(self) -> Path:
        return self.data_dir / "server.properties"

    @property
    def log_dirs(self) -> Path:
        return self.data_dir / "logs-data"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "broker.pid"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "broker.log"


def server_properties_text(config: BrokerConfig) -> str:
    host, node = config.host, config.node_id
    settings = {
        "process.roles": "broker,controller",
        "node.id": node,
        "controller.quorum.voters": f"{node}@{host}:{config.controller_port}",
        "listeners": f"PLAINTEXT://{host}:{config.port},CONTROLLER://{host}:{config.controller_port}",
        "advertised.listeners": f"PLAINTEXT://{host}:{config.port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        # forward slashes: a Windows path's backslashes would be escapes in a .properties file
        "log.dirs": config.log_dirs.resolve().as_posix(),
        "num.partitions": 1,
        "auto.create.topics.enable": "true",
        # one broker: every internal topic has a single replica
        "offsets.topic.replication.factor": 1,
        "transaction.state.log.replication.factor": 1,
        "transaction.state.log.min.isr": 1,
        "share.coordinator.state.topic.replication.factor": 1,
        "share.coordinator.state.topic.min.isr": 1,
        "default.replication.factor": 1,
        "min.insync.replicas": 1,
        # a consumer group gets its partitions at once instead of after 3 s
        "group.initial.rebalance.delay.ms": 0,
    }
    lines = ["# Written by buzzline at each `buzzline kafka start`: edits here are overwritten."]
    lines += [f"{key}={value}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def write_server_properties(config: BrokerConfig) -> Path:
    """Write ``<data_dir>/server.properties`` (rewritten at each start) and return its path."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    path = config.server_properties
    path.write_text(server_properties_text(config), encoding="utf-8")
    return path
