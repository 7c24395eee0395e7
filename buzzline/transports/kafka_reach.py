"""Why a Kafka broker cannot be used, as the one line the user sees (exit code 2): what
librdkafka reported (refused credentials, a failed SSL handshake) and what a plain TCP
connection to the address meets."""

import re
import socket

from confluent_kafka import KafkaError

from buzzline.settings import Settings


class Failures:
    """librdkafka's ``error_cb``: keeps the first authentication and SSL failure it reports
    (those never end a request by themselves: librdkafka retries until its timeout)."""

    def __init__(self) -> None:
        self.auth: str | None = None
        self.ssl: str | None = None

    def __call__(self, error: KafkaError) -> None:
        if error.code() == KafkaError._AUTHENTICATION and self.auth is None:
            self.auth = error.str()
        elif error.code() == KafkaError._SSL and self.ssl is None:
            self.ssl = error.str()


def refusal(settings: Settings, failures: Failures) -> str | None:
    """One line for a broker that refused our credentials or our SSL handshake."""
    address = settings.kafka_broker_address
    offered = re.search(r"supported mechanisms: ([\w,-]+)", failures.auth or "")
    if offered:
        return (f"Kafka at {address} does not offer SASL mechanism "
                f"{settings.kafka_sasl_mechanism} (it offers {offered.group(1)}): check "
                "KAFKA_SASL_MECHANISM")
    if failures.auth is not None:
        return (f"Kafka at {address} refused the credentials of user "
                f"{settings.kafka_sasl_username!r} (SASL authentication failed, "
                f"{settings.kafka_sasl_mechanism}): check KAFKA_SASL_USERNAME, "
                "KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM")
    if failures.ssl is not None:
        found = re.search(r"SSL routines::([^:(]+)", failures.ssl)
        reason = found.group(1).strip() if found else "SSL handshake failed"
        return (f"Kafka at {address}: SSL handshake failed ({reason}): check "
                "KAFKA_SSL_CA_LOCATION (the broker's certificate, or its CA, as PEM) and "
                "that the broker's address is in its certificate")
    return None


def unreachable(settings: Settings, timeout: float, found: str) -> str:
    """One line on what happened: no answer in time, a refusal, a name that does not
    resolve."""
    address = settings.kafka_broker_address
    if found == "listening":
        return (f"Kafka at {address} accepts connections but did not answer within "
                f"{timeout:g} s over {settings.kafka_security_protocol}: check "
                "KAFKA_SECURITY_PROTOCOL (does the broker need SASL or SSL?)")
    if found == "unresolved":
        return (f"cannot reach Kafka at {address}: the host name does not resolve; check "
                "KAFKA_BROKER_ADDRESS")
    if found == "refused":
        return (f"cannot reach Kafka at {address}: connection refused (no broker listens "
                "there); start a local broker with `buzzline kafka start` (or set "
                "KAFKA_BROKER_ADDRESS)")
    return (f"cannot reach Kafka at {address}: no answer within {timeout:g} s; check "
            "KAFKA_BROKER_ADDRESS and that the broker runs (or start a local one with "
            "`buzzline kafka start`)")


def tcp_outcome(bootstrap: str, timeout: float = 1.0) -> str:
    """What a TCP connection to the ``host:port`` of ``bootstrap`` meets: "listening" (one
    accepts), "refused", "unresolved" (no name resolves) or "timeout"."""
    outcomes = []
    for server in bootstrap.split(","):
        host, _, port = server.strip().split("://")[-1].rpartition(":")
        try:
            socket.create_connection((host.strip("[]") or "localhost", int(port)),
                                     timeout).close()
            return "listening"
        except socket.gaierror:
            outcomes.append("unresolved")
        except ConnectionRefusedError:
            outcomes.append("refused")
        except (OSError, ValueError):
            outcomes.append("timeout")
    for outcome in ("timeout", "refused", "unresolved"):
        if outcome in outcomes:
            return outcome
    return "timeout"
