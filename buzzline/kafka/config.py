"""A Kafka node in KRaft mode (broker and controller in one process, no ZooKeeper), alone or one
of a local cluster's voters: its settings, the files it keeps in its data folder and its
``server.properties``."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buzzline.kafka.security import (
    BrokerSecurity,
    client_properties,
    listener_properties,
    write_private,
)
from buzzline.kafka.tls import ensure_certificate, tls_files

_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f"}


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
    security: BrokerSecurity | None = None  # None: a PLAINTEXT listener, no authentication
    # the controller quorum, (node id, controller port) of every voter on ``host``; empty:
    # this node alone (a single broker)
    voters: tuple[tuple[int, int], ...] = ()

    @property
    def quorum(self) -> tuple[tuple[int, int], ...]:
        return self.voters or ((self.node_id, self.controller_port),)

    @property
    def replication(self) -> int:
        """The replication factor of the topics it creates: one per node, at most 3."""
        return min(3, len(self.quorum))

    @property
    def min_insync(self) -> int:
        """``min.insync.replicas``: 2 of 3 replicas (a write survives one broker down)."""
        return 2 if self.replication >= 3 else 1

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

    @property
    def ca_location(self) -> Path | None:
        """The certificate (PEM) clients trust, for a SASL_SSL broker."""
        return tls_files(self.data_dir).certificate if self.security and self.security.ssl \
            else None

    def client_config(self) -> dict[str, Any]:
        """librdkafka settings to reach this broker (with its security, if any)."""
        config: dict[str, Any] = {"bootstrap.servers": self.address}
        if self.security is not None:
            config.update(client_properties(self.security, self.ca_location))
        return config


def server_properties_text(config: BrokerConfig) -> str:
    host, node = config.host, config.node_id
    replicas, min_isr = config.replication, config.min_insync
    settings = {
        "process.roles": "broker,controller",
        "node.id": node,
        "controller.quorum.voters": ",".join(f"{n}@{host}:{p}" for n, p in config.quorum),
        "listeners": f"PLAINTEXT://{host}:{config.port},CONTROLLER://{host}:{config.controller_port}",
        "advertised.listeners": f"PLAINTEXT://{host}:{config.port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        # forward slashes: a Windows path's backslashes would be escapes in a .properties file
        "log.dirs": config.log_dirs.resolve().as_posix(),
        "num.partitions": 1,
        "auto.create.topics.enable": "true",
        # one broker: every topic has a single replica; a cluster: 3 (2 in sync to write)
        "offsets.topic.replication.factor": replicas,
        "transaction.state.log.replication.factor": replicas,
        "transaction.state.log.min.isr": min_isr,
        "share.coordinator.state.topic.replication.factor": replicas,
        "share.coordinator.state.topic.min.isr": min_isr,
        "default.replication.factor": replicas,
        "min.insync.replicas": min_isr,
        # a consumer group gets its partitions at once instead of after 3 s
        "group.initial.rebalance.delay.ms": 0,
    }
    if config.security is not None:
        tls = tls_files(config.data_dir).broker_properties() if config.security.ssl else None
        settings.update(listener_properties(config.security, host, config.port,
                                            config.controller_port, tls))
    lines = ["# Written by buzzline at each `buzzline kafka start`: edits here are overwritten."]
    lines += [f"{key}={properties_value(str(value))}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def properties_value(text: str) -> str:
    """``text`` as a Java .properties value (read as ISO-8859-1): backslashes and line breaks
    escaped, characters beyond ASCII as ``\\uXXXX``, a leading space kept."""
    escaped = []
    for char in text:
        if char in _ESCAPES:
            escaped.append(_ESCAPES[char])
        elif " " <= char <= "~":
            escaped.append(char)
        else:  # beyond U+FFFF: a surrogate pair
            units = char.encode("utf-16-be")
            escaped += [f"\\u{units[i] << 8 | units[i + 1]:04x}" for i in range(0, len(units), 2)]
    value = "".join(escaped)
    return "\\" + value if value.startswith(" ") else value


def write_server_properties(config: BrokerConfig) -> Path:
    """Write ``<data_dir>/server.properties`` (rewritten at each start) and return its path.
    With security it holds passwords: mode 0600 (and SASL_SSL first makes the certificate)."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    path = config.server_properties
    if config.security is None:
        path.write_text(server_properties_text(config), encoding="utf-8")
        return path
    if config.security.ssl:
        ensure_certificate(config.data_dir, config.host)
    write_private(path, server_properties_text(config))
    return path
