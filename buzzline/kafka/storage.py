"""Formatting a broker's storage (KRaft needs its log folder formatted once with a cluster id)."""

import base64
import contextlib
import os
import re
import subprocess
from collections.abc import Iterator

from buzzline.errors import BuzzlineError
from buzzline.kafka import scram
from buzzline.kafka.config import BrokerConfig, write_server_properties
from buzzline.kafka.install import Installation
from buzzline.kafka.jvm import find_java
from buzzline.kafka.process import java_environment
from buzzline.kafka.security import write_private

STORAGE_TOOL = "kafka.tools.StorageTool"  # what bin/kafka-storage.sh runs (in kafka_2.13.jar)
FORMAT_TIMEOUT = 120.0


def new_cluster_id() -> str:
    """A random id in Kafka's Uuid text form: 16 random bytes, URL-safe base64 without padding
    (22 characters), never starting with '-' (it would read as a command-line option)."""
    while True:
        text = base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode("ascii")
        if not text.startswith("-"):
            return text


def meta_properties(config: BrokerConfig):
    return config.log_dirs / "meta.properties"


def read_cluster_id(config: BrokerConfig) -> str | None:
    """The cluster id the storage was formatted with, None when not formatted yet."""
    try:
        text = meta_properties(config).read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r"^cluster\.id=(\S+)", text, re.M)
    return match.group(1) if match else None


def java_command(installation: Installation, *options: str, level: str = "INFO") -> list[str]:
    """``java <options>`` with buzzline's log4j2 configuration and the Kafka class path."""
    return [find_java(), *options, f"-Dlog4j2.configurationFile={installation.log_config}",
            f"-Dbuzzline.kafka.loglevel={level}", "-cp", installation.classpath]


def format_storage(installation: Installation, config: BrokerConfig,
                   cluster_id: str | None = None) -> str:
    """Format ``<data_dir>/logs-data`` once (skipped when its meta.properties exists); returns
    the cluster id (``cluster_id``, the one all nodes of a cluster share, else a new one).
    Runs ``kafka.tools.StorageTool format -t <id> -c <server.properties>``, adding the SCRAM
    users of ``config.security`` (which a formatted storage must already
    have: checked against ``scram-users``)."""
    existing = read_cluster_id(config)
    if existing is not None and cluster_id is not None and existing != cluster_id:
        raise BuzzlineError(f"the Kafka storage in {config.log_dirs} belongs to another "
                            f"cluster ({existing}, not {cluster_id}): remove that folder")
    if existing is not None:
        if config.security is not None:
            scram.check_formatted(config.security, config.data_dir)
        return existing
    properties = config.server_properties
    if not properties.is_file():
        properties = write_server_properties(config)
    cluster_id = cluster_id or new_cluster_id()
    arguments, records = (scram.format_arguments(config.security) if config.security
                          else ([], []))
    tool = [STORAGE_TOOL, "format", "-t", cluster_id, "-c", str(properties), *arguments]
    with _hidden(config, tool, hide=bool(arguments)) as tool_arguments:
        command = [*java_command(installation, level="WARN"), *tool_arguments]
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=FORMAT_TIMEOUT, check=False,
                                  env=java_environment())
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BuzzlineError(f"cannot format the Kafka storage in {config.log_dirs}: "
                                f"{exc}") from None
    formatted = read_cluster_id(config)
    if done.returncode != 0 or formatted is None:
        raise BuzzlineError(f"cannot format the Kafka storage in {config.log_dirs}: "
                            f"{_first_error(done.stdout + done.stderr)}")
    if records:
        scram.write_records(config.data_dir, records)
    else:
        scram.record_file(config.data_dir).unlink(missing_ok=True)
    return formatted


@contextlib.contextmanager
def _hidden(config: BrokerConfig, arguments: list[str], hide: bool) -> Iterator[list[str]]:
    """``arguments``, or with ``hide`` ``["@<argfile>"]``: a Java argument file (mode 0600,
    removed afterwards), so that salted SCRAM passwords never show on a command line (ps)."""
    if not hide:
        yield arguments
        return
    path = config.data_dir / "format.args"
    quoted = ['"' + a.replace("\\", "\\\\").replace('"', '\\"') + '"' for a in arguments]
    write_private(path, "\n".join(quoted) + "\n")
    try:
        yield [f"@{path}"]
    finally:
        path.unlink(missing_ok=True)


def _first_error(output: str) -> str:
    """The line of a Java tool's output that says what went wrong, without the stack trace."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("at ") and not ln.startswith("...")]
    for line in lines:
        if "Exception" in line or "Error" in line or "error" in line:
            return re.sub(r"^Exception in thread \"main\" ", "", line)[:300]
    return (lines[-1] if lines else "the storage tool printed nothing")[:300]
