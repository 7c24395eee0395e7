"""Is a Kafka broker answering at an address? (A metadata request, as a client would send.)"""

import contextlib
import logging
import socket
import struct
from typing import Any

from buzzline.kafka.config import BrokerConfig

_quiet = logging.getLogger("buzzline.kafka.librdkafka")  # librdkafka's "connection refused"...
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False
_quiet.setLevel(logging.CRITICAL + 1)  # ...while the broker is still starting: dropped


def _api_versions(host: str, port: int, timeout: float) -> bool:
    """An ApiVersions request over a plain socket (when confluent-kafka is not installed)."""
    body = struct.pack(">hhih", 18, 0, 7, 8) + b"buzzline"
    with socket.create_connection((host, port), timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(struct.pack(">i", len(body)) + body)
        reply = sock.recv(10)
    return len(reply) >= 8 and struct.unpack(">i", reply[4:8])[0] == 7


def answers(config: BrokerConfig, timeout: float = 2.0) -> bool:
    """True when a broker at ``config.address`` answers a metadata request (logged in with
    ``config.security`` when it has some)."""
    try:
        socket.create_connection((config.host, config.port), min(timeout, 1.0)).close()
    except OSError:
        return False
    try:
        from confluent_kafka.admin import AdminClient
    except ImportError:
        with contextlib.suppress(OSError, struct.error):
            return _api_versions(config.host, config.port, timeout)
        return False
    # dict[str, Any]: AdminClient's stub leaves out the callbacks its config takes
    settings: dict[str, Any] = {**config.client_config(), "logger": _quiet,
                                "error_cb": lambda _error: None, "reconnect.backoff.max.ms": 250}
    admin = AdminClient(settings)
    try:
        return bool(admin.list_topics(timeout=timeout).brokers)
    except Exception:  # KafkaException: not (yet) answering
        return False
