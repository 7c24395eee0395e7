"""Starting, stopping and watching local Kafka nodes (KRaft) in the background: one broker, or
the nodes of a local cluster, which are all launched before any is waited for (a node answers
only once a majority of the controller quorum runs)."""

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass

from buzzline.errors import BuzzlineError
from buzzline.kafka import process
from buzzline.kafka.broker_log import failure_reason, log_offset, tail_log
from buzzline.kafka.config import BrokerConfig, server_properties_text, write_server_properties
from buzzline.kafka.install import Installation, read_version
from buzzline.kafka.probe import answers
from buzzline.kafka.process import free_port, running_pid
from buzzline.kafka.storage import format_storage, java_command
from buzzline.logs import mask

__all__ = ["BrokerConfig", "BrokerInfo", "answers", "broker_version", "format_storage", "free_port",
           "is_running", "pid_of", "start", "start_nodes", "stop", "tail_log",
           "write_server_properties"]


@dataclass(frozen=True)
class BrokerInfo:
    address: str
    pid: int
    seconds: float  # from the call to start() until the broker answered
    already_running: bool
    node_id: int = 1


@dataclass(frozen=True)
class _Launch:
    config: BrokerConfig
    pid: int
    started: float
    offset: int  # where this start's lines begin in broker.log
    already_running: bool


def _absolute(config: BrokerConfig) -> BrokerConfig:
    return dataclasses.replace(config, data_dir=config.data_dir.expanduser().resolve())


def is_running(config: BrokerConfig) -> bool:
    """True when the pid file names a live broker of this data folder."""
    return pid_of(config) is not None


def pid_of(config: BrokerConfig) -> int | None:
    """The pid of this data folder's broker, None when it does not run."""
    return running_pid(_absolute(config))


def broker_version(installation: Installation) -> str:
    return read_version(installation.libs) or installation.version


def _wait_ready(launch: _Launch, timeout: float) -> None:
    config, pid = launch.config, launch.pid
    while True:
        if not process.alive(pid):
            child = process.CHILDREN.pop(pid, None)
            code = f" (exit code {child.returncode})" if child is not None else ""
            raise BuzzlineError(f"the Kafka broker stopped while starting{code}: "
                                f"{failure_reason(config, launch.offset)} "
                                f"(log: {config.log_file})")
        remaining = launch.started + timeout - time.monotonic()
        if remaining <= 0:
            raise BuzzlineError(f"the Kafka broker did not answer on {config.address} within "
                                f"{timeout:.0f} s: {failure_reason(config, launch.offset)} "
                                f"(log: {config.log_file})")
        if answers(config, timeout=max(0.5, min(2.0, remaining))):
            return
        time.sleep(0.1)


def _same_settings(config: BrokerConfig) -> None:
    """A running broker keeps the settings it started with: say so when they differ."""
    try:
        current = config.server_properties.read_text(encoding="utf-8")
    except OSError:
        return
    if current != server_properties_text(config):
        raise BuzzlineError(f"the Kafka broker of {config.data_dir} is already running with "
                            "other settings (ports, host or security): stop it first to apply "
                            "new ones")


def start(installation: Installation, config: BrokerConfig, timeout: float = 60.0) -> BrokerInfo:
    """Start the broker in the background and wait until it answers (``already_running`` when
    this data folder's broker was running). Raises BuzzlineError with the reason otherwise
    (never with the SASL password in it)."""
    return start_nodes(installation, [config], timeout)[0]


def start_nodes(installation: Installation, configs: Sequence[BrokerConfig],
                timeout: float = 60.0, cluster_id: str | None = None) -> list[BrokerInfo]:
    """Start the nodes that are not running (storage formatted with ``cluster_id``), then wait
    until every node answers. On failure the nodes started by this call are stopped again."""
    launches: list[_Launch] = []
    try:
        for config in configs:
            launches.append(_launch(installation, _absolute(config), cluster_id))
        for launch in launches:
            _wait_ready(launch, timeout)
    except BaseException as exc:  # BuzzlineError, or Ctrl-C while waiting: leave nothing new
        for launch in launches:
            if not launch.already_running:
                process.terminate(launch.pid, 10.0)
                process.remove_pid(launch.config)
        secrets = {c.security.password for c in configs if c.security and c.security.password}
        if isinstance(exc, BuzzlineError) and any(s in str(exc) for s in secrets):
            text = str(exc)
            for secret in secrets:
                text = mask(text, secret)
            raise BuzzlineError(text) from None
        raise
    return [BrokerInfo(launch.config.address, launch.pid, time.monotonic() - launch.started,
                       launch.already_running, launch.config.node_id) for launch in launches]


def _launch(installation: Installation, config: BrokerConfig,
            cluster_id: str | None) -> _Launch:
    started = time.monotonic()
    pid = running_pid(config)
    if pid is not None:  # ours: it may still be starting, so wait for it as for a new one
        _same_settings(config)
        return _Launch(config, pid, started, log_offset(config, rotate=False), True)
    process.remove_pid(config)
    for port, role in ((config.port, "broker"), (config.controller_port, "controller")):
        if process.port_in_use(config.host, port):
            user = ("another Kafka broker (not the one of this data folder): use it as it is, "
                    "stop it" if role == "broker" and answers(config) else
                    "another program: stop it (another Kafka broker?)")
            raise BuzzlineError(f"port {port} on {config.host} (for the Kafka {role}) is already "
                                f"in use by {user} or choose another port")
    properties = write_server_properties(config)
    format_storage(installation, config, cluster_id)
    offset = log_offset(config)
    command = java_command(installation, f"-Xms{config.heap}", f"-Xmx{config.heap}",
                           "-XX:+UseG1GC", "-Djava.awt.headless=true")
    child = process.spawn([*command, process.MAIN_CLASS, str(properties)], config)
    process.write_pid(config, child.pid)
    return _Launch(config, child.pid, started, offset, False)


def stop(config: BrokerConfig, timeout: float = 20.0, kill: bool = False) -> bool:
    """Stop this data folder's broker: SIGTERM (a controlled shutdown), SIGKILL after
    ``timeout`` seconds (at once with ``kill``: a crash, for failure drills). False when it
    was not running. Never signals a process that is not this folder's broker (a stale pid
    file is just removed)."""
    config = _absolute(config)
    pid = running_pid(config)
    if pid is None:
        process.remove_pid(config)
        return False
    if kill:
        process.kill(pid)
    else:
        process.terminate(pid, timeout)
    process.remove_pid(config)
    return True
