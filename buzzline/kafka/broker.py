"""Starting, stopping and watching a local Kafka broker (KRaft, one node) in the background."""

import contextlib
import dataclasses
import re
import time
from dataclasses import dataclass

from buzzline.errors import BuzzlineError
from buzzline.kafka import process
from buzzline.kafka.config import BrokerConfig, server_properties_text, write_server_properties
from buzzline.kafka.install import Installation, read_version
from buzzline.kafka.probe import answers
from buzzline.kafka.process import free_port, running_pid
from buzzline.kafka.storage import format_storage, java_command
from buzzline.logs import mask

__all__ = ["BrokerConfig", "BrokerInfo", "answers", "broker_version", "format_storage", "free_port",
           "is_running", "start", "stop", "tail_log", "write_server_properties"]

MAX_LOG_BYTES = 20_000_000  # broker.log is moved to broker.log.1 at a start past this size


@dataclass(frozen=True)
class BrokerInfo:
    address: str
    pid: int
    seconds: float  # from the call to start() until the broker answered
    already_running: bool


def _absolute(config: BrokerConfig) -> BrokerConfig:
    return dataclasses.replace(config, data_dir=config.data_dir.expanduser().resolve())


def is_running(config: BrokerConfig) -> bool:
    """True when the pid file names a live broker of this data folder."""
    return running_pid(_absolute(config)) is not None


def broker_version(installation: Installation) -> str:
    return read_version(installation.libs) or installation.version


def tail_log(config: BrokerConfig, lines: int = 50) -> str:
    """The last ``lines`` lines of ``<data_dir>/broker.log`` ("" when there is none)."""
    if lines <= 0:
        return ""
    try:
        with open(config.log_file, "rb") as log:
            end = position = log.seek(0, 2)
            while position > 0:  # read back in blocks until there are enough lines
                position = max(0, position - 65536)
                log.seek(position)
                if log.read(end - position).count(b"\n") > lines:
                    break
            log.seek(position)
            text = log.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _reason(config: BrokerConfig, offset: int) -> str:
    """The most telling line the broker logged since ``offset``, without the stack trace."""
    try:
        with open(config.log_file, "rb") as log:
            log.seek(max(offset, log.seek(0, 2) - 500_000))
            lines = [ln.strip() for ln in log.read().decode("utf-8", "replace").splitlines()]
    except OSError:
        return "no broker log"
    lines = [re.sub(r"^\d{4}-\d\d-\d\d [\d:,]+ ", "", ln) for ln in lines if ln]
    picks = ([ln for ln in lines if "Address already in use" in ln]
             or [ln for ln in lines if re.match(r"(Caused by: )?[\w.$]+(Exception|Error): ", ln)]
             or [ln for ln in lines if re.match(r"(ERROR|FATAL) ", ln)]
             or (lines[:1] if len(lines) < 10 else lines[-1:]))
    if not picks:
        return "the broker logged nothing"
    line = re.sub(r"^(Caused by: )?(?:[a-z]\w*\.)+(?=[A-Z])", "", picks[0])  # drop packages
    return line[:300]


def _wait_ready(config: BrokerConfig, pid: int, started: float, timeout: float,
                offset: int) -> None:
    while True:
        if not process.alive(pid):
            child = process.CHILDREN.pop(pid, None)
            code = f" (exit code {child.returncode})" if child is not None else ""
            raise BuzzlineError(f"the Kafka broker stopped while starting{code}: "
                                f"{_reason(config, offset)} (log: {config.log_file})")
        remaining = started + timeout - time.monotonic()
        if remaining <= 0:
            raise BuzzlineError(f"the Kafka broker did not answer on {config.address} within "
                                f"{timeout:.0f} s: {_reason(config, offset)} "
                                f"(log: {config.log_file})")
        if answers(config, timeout=max(0.5, min(2.0, remaining))):
            return
        time.sleep(0.1)


def _log_offset(config: BrokerConfig, rotate: bool = True) -> int:
    """The log's size (where this start's lines begin); a big log first moves to .1."""
    log = config.log_file
    with contextlib.suppress(OSError):
        if rotate and log.stat().st_size > MAX_LOG_BYTES:
            log.replace(log.with_name(log.name + ".1"))
        return log.stat().st_size
    return 0


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
    try:
        return _start(installation, _absolute(config), timeout)
    except BuzzlineError as exc:
        secret = config.security.password if config.security else ""
        if secret and secret in str(exc):
            raise BuzzlineError(mask(str(exc), secret)) from None
        raise


def _start(installation: Installation, config: BrokerConfig, timeout: float) -> BrokerInfo:
    started = time.monotonic()
    pid = running_pid(config)
    if pid is not None:  # ours: it may still be starting, so wait for it as for a new one
        _same_settings(config)
        _wait_ready(config, pid, started, timeout, _log_offset(config, rotate=False))
        return BrokerInfo(config.address, pid, time.monotonic() - started, True)
    process.remove_pid(config)
    for port, role in ((config.port, "broker"), (config.controller_port, "controller")):
        if process.port_in_use(config.host, port):
            user = ("another Kafka broker (not the one of this data folder): use it as it is, "
                    "stop it" if role == "broker" and answers(config) else
                    "another program: stop it (another Kafka broker?)")
            raise BuzzlineError(f"port {port} on {config.host} (for the Kafka {role}) is already "
                                f"in use by {user} or choose another port")
    properties = write_server_properties(config)
    format_storage(installation, config)
    offset = _log_offset(config)
    command = java_command(installation, f"-Xms{config.heap}", f"-Xmx{config.heap}",
                           "-XX:+UseG1GC", "-Djava.awt.headless=true")
    child = process.spawn([*command, process.MAIN_CLASS, str(properties)], config)
    process.write_pid(config, child.pid)
    try:
        _wait_ready(config, child.pid, started, timeout, offset)
    except BaseException:  # BuzzlineError, or Ctrl-C while waiting: leave nothing running
        process.terminate(child.pid, 10.0)
        process.remove_pid(config)
        raise
    return BrokerInfo(config.address, child.pid, time.monotonic() - started, False)


def stop(config: BrokerConfig, timeout: float = 20.0) -> bool:
    """Stop this data folder's broker: SIGTERM (a controlled shutdown), SIGKILL after
    ``timeout`` seconds. False when it was not running. Never signals a process that is not
    this folder's broker (a stale pid file is just removed)."""
    config = _absolute(config)
    pid = running_pid(config)
    if pid is None:
        process.remove_pid(config)
        return False
    process.terminate(pid, timeout)
    process.remove_pid(config)
    return True
