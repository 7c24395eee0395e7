"""The broker's process: its pid file, whether a pid is really our broker, ending it, ports."""

import contextlib
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from buzzline.kafka.config import BrokerConfig

MAIN_CLASS = "kafka.Kafka"
# client secrets buzzline reads from the environment: the broker gets its own from its files
# (server.properties, mode 0600), never these (readable in /proc/<pid>/environ, crash dumps)
SECRET_VARIABLES = ("KAFKA_SASL_PASSWORD",)
# processes this Python process started: polling them reaps them (no zombie looks alive)
CHILDREN: dict[int, subprocess.Popen] = {}


def read_pid(config: BrokerConfig) -> int | None:
    try:
        return int(config.pid_file.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def write_pid(config: BrokerConfig, pid: int) -> None:
    config.pid_file.write_text(f"{pid}\n", encoding="ascii")


def remove_pid(config: BrokerConfig) -> None:
    with contextlib.suppress(OSError):
        config.pid_file.unlink()


def alive(pid: int) -> bool:
    child = CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None
    if os.name == "nt":
        return _command_line(pid) is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError, IndexError):
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead
    return True


def _command_line(pid: int) -> str | None:
    """The command line of ``pid`` (from /proc, else ``ps``), None when it cannot be read."""
    proc = Path(f"/proc/{pid}/cmdline")
    if Path("/proc/self").exists():
        try:
            return proc.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            return None
    if os.name == "nt":
        query = ["wmic", "process", "where", f"ProcessId={pid}", "get", "CommandLine"]
    else:
        query = ["ps", "-ww", "-o", "command=", "-p", str(pid)]
    try:
        done = subprocess.run(query, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def is_our_broker(pid: int, config: BrokerConfig) -> bool:
    """True when ``pid`` is alive and is the Kafka broker of this data folder."""
    if pid <= 0 or not alive(pid):
        return False
    command = _command_line(pid)
    if command is None:  # cannot check (no /proc, no ps): trust the pid file we wrote
        return True
    return MAIN_CLASS in command and str(config.server_properties) in command


def running_pid(config: BrokerConfig) -> int | None:
    pid = read_pid(config)
    return pid if pid is not None and is_our_broker(pid, config) else None


def wait_exit(pid: int, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for ``pid`` to end; True when it did."""
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    CHILDREN.pop(pid, None)
    return True


def terminate(pid: int, timeout: float) -> None:
    """SIGTERM (Kafka then shuts down in order), SIGKILL after ``timeout`` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if not wait_exit(pid, timeout) and hasattr(signal, "SIGKILL"):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        wait_exit(pid, 10.0)


def send_stop(pid: int, kill: bool = False) -> None:
    """SIGTERM (a controlled shutdown), or SIGKILL with ``kill``; nothing when it is gone."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM) if kill else signal.SIGTERM)


def kill(pid: int) -> None:
    """SIGKILL (a crash: no controlled shutdown), then wait for the process to end."""
    send_stop(pid, kill=True)
    wait_exit(pid, 10.0)


def java_environment() -> dict[str, str]:
    """This process's environment without the client secrets (for the JVMs it starts)."""
    return {name: value for name, value in os.environ.items()
            if name.upper() not in SECRET_VARIABLES}


def spawn(command: list[str], config: BrokerConfig) -> subprocess.Popen:
    """Start the broker detached (own session), output appended to ``broker.log``, without
    the client secrets in its environment."""
    options: dict = {"start_new_session": True}
    if sys.platform == "win32":
        options = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP
                   | subprocess.DETACHED_PROCESS}
    with open(config.log_file, "ab") as log:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, cwd=config.data_dir,
                                 env=java_environment(), **options)
    CHILDREN[child.pid] = child
    return child


def port_in_use(host: str, port: int) -> bool:
    """True when something listens on ``host:port`` (binding one of its addresses fails)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        infos = [(socket.AF_INET, socket.SOCK_STREAM, 0, "", ("127.0.0.1", port))]
    in_use = {errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", 10048)}
    for family, address in dict.fromkeys((info[0], info[4][:2]) for info in infos):
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            if os.name != "nt":  # as Java does: a port in TIME_WAIT after a restart is free
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                if exc.errno in in_use:
                    return True
    return False


def free_port() -> int:
    """A TCP port free on localhost right now (for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
