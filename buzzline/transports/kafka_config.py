"""librdkafka client settings from buzzline's Settings: address, security, logging.

The SASL password goes to the client and nowhere else: ``describe`` names the address only;
librdkafka's own log lines are routed into Python logging (and scrubbed there).
"""

import logging
from pathlib import Path
from typing import Any

from buzzline.errors import SettingsError
from buzzline.settings import Settings

log = logging.getLogger("buzzline.kafka.client")

# librdkafka syslog levels -> logging levels; its connection chatter goes to DEBUG
_LEVELS = {0: logging.ERROR, 1: logging.ERROR, 2: logging.ERROR, 3: logging.DEBUG,
           4: logging.DEBUG, 5: logging.DEBUG, 6: logging.DEBUG, 7: logging.DEBUG}


class _ClientLog(logging.LoggerAdapter):
    """Receives librdkafka's log lines (it calls ``log(level, fmt, *args)``)."""

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        self.logger.log(_LEVELS.get(level, logging.DEBUG), msg, *args)


def client_config(settings: Settings) -> dict[str, Any]:
    """The settings every client shares (producer, consumer, admin). Raises SettingsError for
    SASL without a user name or password, or a CA file that is not there."""
    protocol = settings.kafka_security_protocol
    config: dict[str, Any] = {
        "bootstrap.servers": settings.kafka_broker_address,
        "security.protocol": protocol,
        "logger": _ClientLog(log, {}),
        "socket.connection.setup.timeout.ms": int(settings.kafka_connect_timeout * 1000),
    }
    if protocol.startswith("SASL"):
        if not settings.kafka_sasl_username or not settings.kafka_sasl_password:
            raise SettingsError(f"KAFKA_SECURITY_PROTOCOL={protocol} needs KAFKA_SASL_USERNAME "
                                "and KAFKA_SASL_PASSWORD")
        config.update({
            "sasl.mechanism": settings.kafka_sasl_mechanism,
            "sasl.username": settings.kafka_sasl_username,
            "sasl.password": settings.kafka_sasl_password,
        })
    ca_location = settings.kafka_ssl_ca_location
    if protocol.endswith("SSL"):
        config["ssl.endpoint.identification.algorithm"] = "https"  # the host must be in the SAN
        if ca_location and not Path(ca_location).expanduser().is_file():
            raise SettingsError(f"KAFKA_SSL_CA_LOCATION={ca_location} is not a file (the PEM "
                                "certificate of the broker or of its CA)")
    if ca_location:
        config["ssl.ca.location"] = str(Path(ca_location).expanduser())
    return config

