"""librdkafka client settings from buzzline's Settings: address, security, logging.

The SASL password goes to the client and nowhere else: ``describe`` and log lines use
``redacted``; librdkafka's own log lines are routed into Python logging (and scrubbed there).
"""

import logging
from typing import Any

from buzzline.settings import Settings

log = logging.getLogger("buzzline.kafka.client")

# librdkafka syslog levels -> logging levels; its connection chatter goes to DEBUG
_LEVELS = {0: logging.ERROR, 1: logging.ERROR, 2: logging.ERROR, 3: logging.DEBUG,
           4: logging.DEBUG, 5: logging.DEBUG, 6: logging.DEBUG, 7: logging.DEBUG}
SECRET_KEYS = ("sasl.password", "ssl.key.password")


class _ClientLog(logging.LoggerAdapter):
    """Receives librdkafka's log lines (it calls ``log(level, fmt, *args)``)."""

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        self.logger.log(_LEVELS.get(level, logging.DEBUG), msg, *args)


def client_config(settings: Settings) -> dict[str, Any]:
    """The settings every client shares (producer, consumer, admin)."""
    config: dict[str, Any] = {
        "bootstrap.servers": settings.kafka_broker_address,
        "security.protocol": settings.kafka_security_protocol,
        "logger": _ClientLog(log, {}),
        "socket.connection.setup.timeout.ms": int(settings.kafka_connect_timeout * 1000),
    }
    if settings.kafka_security_protocol.startswith("SASL"):
        config.update({
            "sasl.mechanism": settings.kafka_sasl_mechanism,
            "sasl.username": settings.kafka_sasl_username,
            "sasl.password": settings.kafka_sasl_password,
        })
    if settings.kafka_ssl_ca_location:
        config["ssl.ca.location"] = settings.kafka_ssl_ca_location
    return config


def redacted(config: dict[str, Any]) -> dict[str, Any]:
    """A copy safe to print: secrets masked, objects dropped."""
    return {k: ("***" if k in SECRET_KEYS else v) for k, v in config.items()
            if isinstance(v, str | int | float | bool)}
