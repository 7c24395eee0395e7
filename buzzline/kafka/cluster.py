"""A local Kafka cluster: N KRaft nodes on one machine, each a broker and a voter of the
controller quorum, each with its own folder ``<data_dir>/node-<id>``. ``<data_dir>/cluster.json``
keeps the layout (ports, cluster id), so that ``start`` brings stopped nodes back as they were
(same ids, same folders, same ports). Topics it creates get 3 replicas, 2 of them in sync for a
write to succeed (``min.insync.replicas=2``): the cluster goes on with one broker down."""

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from buzzline.errors import BuzzlineError
from buzzline.kafka import process
from buzzline.kafka.broker import BrokerInfo, start_nodes
from buzzline.kafka.config import BrokerConfig
from buzzline.kafka.install import Installation
from buzzline.kafka.storage import new_cluster_id

CLUSTER_FILE = "cluster.json"
CLUSTER_HEAP = "384m"  # per node: three JVMs start faster on a small machine than with 512m


@dataclass(frozen=True)
class NodeState:
    node_id: int
    address: str
    pid: int | None
    running: bool


@dataclass(frozen=True)
class ClusterConfig:
    data_dir: Path
    ports: tuple[int, ...]  # the client port of node 1, 2, ...
    controller_ports: tuple[int, ...]  # the controller port of node 1, 2, ...
    cluster_id: str
    host: str = "localhost"
    heap: str = CLUSTER_HEAP

    @classmethod
    def derived(cls, data_dir: Path, brokers: int, port: int, host: str = "localhost",
                heap: str = CLUSTER_HEAP) -> "ClusterConfig":
        """Nodes on ports P, P+1... for clients, then the next ``brokers`` for controllers."""
        if brokers < 1 or port < 1 or port + 2 * brokers - 1 > 65535:
            raise BuzzlineError(f"{brokers} brokers need ports {port} to "
                                f"{port + 2 * brokers - 1}: choose a lower --port")
        ports = tuple(range(port, port + brokers))
        controllers = tuple(range(port + brokers, port + 2 * brokers))
        return cls(data_dir, ports, controllers, new_cluster_id(), host, heap)

    @property
    def node_ids(self) -> tuple[int, ...]:
        return tuple(range(1, len(self.ports) + 1))

    @property
    def bootstrap(self) -> str:
        """Every node's address, as clients' bootstrap servers (KAFKA_BROKER_ADDRESS)."""
        return ",".join(f"{self.host}:{port}" for port in self.ports)

    def node(self, node_id: int) -> BrokerConfig:
        if node_id not in self.node_ids:
            raise BuzzlineError(f"the cluster in {self.data_dir} has no broker {node_id} "
                                f"(its brokers: {', '.join(map(str, self.node_ids))})")
        index = node_id - 1
        return BrokerConfig(self.data_dir / f"node-{node_id}", self.host, self.ports[index],
                            self.controller_ports[index], self.heap, node_id,
                            voters=tuple(zip(self.node_ids, self.controller_ports, strict=True)))

    def nodes(self) -> list[BrokerConfig]:
        return [self.node(n) for n in self.node_ids]


def cluster_file(data_dir: Path) -> Path:
    return data_dir / CLUSTER_FILE


def read_cluster(data_dir: Path) -> ClusterConfig | None:
    """The cluster set up in ``data_dir``; None when it holds none (or a single broker)."""
    path = cluster_file(data_dir)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return ClusterConfig(data_dir, tuple(int(p) for p in raw["ports"]),
                             tuple(int(p) for p in raw["controller_ports"]),
                             str(raw["cluster_id"]), str(raw["host"]), str(raw["heap"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BuzzlineError(f"cannot read the cluster layout {path}: {exc}") from None


def write_cluster(cluster: ClusterConfig) -> None:
    cluster.data_dir.mkdir(parents=True, exist_ok=True)
    layout = {"host": cluster.host, "ports": list(cluster.ports),
              "controller_ports": list(cluster.controller_ports),
              "cluster_id": cluster.cluster_id, "heap": cluster.heap}
    cluster_file(cluster.data_dir).write_text(json.dumps(layout, indent=2) + "\n",
                                              encoding="utf-8")


def holds_single_broker(data_dir: Path) -> bool:
    """True when ``data_dir`` is a single broker's folder (formatted, or with a pid file)."""
    return (data_dir / "logs-data" / "meta.properties").exists() or \
        (data_dir / "broker.pid").exists()


def check_folder(cluster: ClusterConfig) -> None:
    """A cluster never shares its folder with a single broker's data."""
    if holds_single_broker(cluster.data_dir):
        raise BuzzlineError(f"{cluster.data_dir} holds a single broker's data: choose another "
                            "folder for a cluster (--data-dir)")


def start_cluster(installation: Installation, cluster: ClusterConfig,
                  timeout: float = 120.0) -> list[BrokerInfo]:
    """Start every node that is not running, then wait until all answer."""
    check_folder(cluster)
    write_cluster(cluster)
    return start_nodes(installation, cluster.nodes(), timeout, cluster.cluster_id)


def node_states(cluster: ClusterConfig) -> list[NodeState]:
    states = []
    for config in cluster.nodes():
        pid = process.running_pid(_resolved(config))
        states.append(NodeState(config.node_id, config.address, pid, pid is not None))
    return states


def stop_nodes(cluster: ClusterConfig, node_ids: Iterable[int] | None = None,
               kill: bool = False, timeout: float = 30.0) -> list[int]:
    """Stop the given nodes (all by default) at once: SIGTERM, SIGKILL after ``timeout``
    (at once with ``kill``). Returns the ids of the nodes that were running."""
    chosen = [cluster.node(n) for n in (cluster.node_ids if node_ids is None else node_ids)]
    running = []
    for config in map(_resolved, chosen):
        pid = process.running_pid(config)
        if pid is None:
            process.remove_pid(config)  # a stale pid file
        else:
            running.append((config, pid))
    for _config, pid in running:  # all at once: a quorum stopped node by node can hang
        process.send_stop(pid, kill)
    for config, pid in running:
        if not process.wait_exit(pid, 10.0 if kill else timeout):
            process.kill(pid)
        process.remove_pid(config)
    return [config.node_id for config, _pid in running]


def _resolved(config: BrokerConfig) -> BrokerConfig:
    return replace(config, data_dir=config.data_dir.expanduser().resolve())
