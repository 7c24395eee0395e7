"""SASL (PLAIN, SCRAM-SHA-256/512), optionally over SSL, for the local broker: its listener
settings and JAAS text, and the client settings buzzline itself uses to reach it.

The password lives in ``BrokerSecurity`` (never in its repr) and in the broker's own
``server.properties``, which is written with mode 0600.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buzzline.errors import SettingsError

MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
_MODULES = {"PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule",
            "SCRAM": "org.apache.kafka.common.security.scram.ScramLoginModule"}


@dataclass(frozen=True)
class BrokerSecurity:
    """One user (``username``/``password``) who may use every enabled mechanism; the broker
    also talks to itself as this user (inter-broker traffic over the SASL listener)."""

    mechanisms: tuple[str, ...]
    username: str
    password: str = field(repr=False)
    ssl: bool = False

    def __post_init__(self) -> None:
        mechanisms = tuple(dict.fromkeys(m.upper() for m in self.mechanisms))
        object.__setattr__(self, "mechanisms", mechanisms)
        if not mechanisms:
            raise SettingsError("SASL needs at least one mechanism: "
                                f"choose from {', '.join(MECHANISMS)}")
        unknown = [m for m in mechanisms if m not in MECHANISMS]
        if unknown:
            raise SettingsError(f"unknown SASL mechanism {unknown[0]!r}: "
                                f"choose from {', '.join(MECHANISMS)}")
        if not USERNAME.fullmatch(self.username):
            raise SettingsError(f"SASL user name {self.username!r} is not valid: use letters, "
                                "digits and . _ @ - (starting with a letter or digit)")
        if not self.password:
            raise SettingsError("SASL needs a password (--password or KAFKA_SASL_PASSWORD)")
        if any(ord(c) < 32 or ord(c) == 127 for c in self.password):
            raise SettingsError("the SASL password must not contain control characters")

    @property
    def protocol(self) -> str:
        """The client listener's security protocol (also its listener name)."""
        return "SASL_SSL" if self.ssl else "SASL_PLAINTEXT"

    @property
    def inter_broker_mechanism(self) -> str:
        """The first mechanism: the broker's own logins (and buzzline's probe) use it."""
        return self.mechanisms[0]

    @property
    def scram_mechanisms(self) -> tuple[str, ...]:
        return tuple(m for m in self.mechanisms if m.startswith("SCRAM"))


def jaas_quote(text: str) -> str:
    """A JAAS option value: double quotes, with ``\\`` and ``"`` escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def jaas_config(security: BrokerSecurity, mechanism: str) -> str:
    """The listener's login module for ``mechanism``: the broker's own credentials (as a client
    of itself) and, for PLAIN, the users it accepts (SCRAM users live in the metadata log)."""
    user, password = security.username, jaas_quote(security.password)
    options = f"username={jaas_quote(user)} password={password}"
    if mechanism == "PLAIN":
        options += f" user_{user}={password}"
    return f"{_MODULES[mechanism.split('-')[0]]} required {options};"


def listener_properties(security: BrokerSecurity, host: str, port: int, controller_port: int,
                        tls: dict[str, str] | None = None) -> dict[str, Any]:
    """The server.properties entries of a SASL client listener (the controller's stays
    PLAINTEXT on ``host``). ``tls``: the ``ssl.*`` entries for SASL_SSL (from ``tls.py``)."""
    name = security.protocol
    prefix = f"listener.name.{name.lower()}"
    settings: dict[str, Any] = {
        "listeners": f"{name}://{host}:{port},CONTROLLER://{host}:{controller_port}",
        "advertised.listeners": f"{name}://{host}:{port}",
        "inter.broker.listener.name": name,
        "listener.security.protocol.map": f"CONTROLLER:PLAINTEXT,{name}:{name}",
        "sasl.enabled.mechanisms": ",".join(security.mechanisms),
        "sasl.mechanism.inter.broker.protocol": security.inter_broker_mechanism,
    }
    for mechanism in security.mechanisms:
        settings[f"{prefix}.{mechanism.lower()}.sasl.jaas.config"] = jaas_config(security,
                                                                                 mechanism)
    if security.ssl:
        if not tls:
            raise ValueError("SASL_SSL needs the listener's ssl.* settings")
        settings.update({f"{prefix}.{key}": value for key, value in tls.items()})
    return settings


def client_properties(security: BrokerSecurity, ca_location: Path | None) -> dict[str, Any]:
    """librdkafka settings with which buzzline checks that its own broker answers."""
    config: dict[str, Any] = {"security.protocol": security.protocol,
                              "sasl.mechanism": security.inter_broker_mechanism,
                              "sasl.username": security.username,
                              "sasl.password": security.password}
    if security.ssl and ca_location is not None:
        config["ssl.ca.location"] = str(ca_location)
    return config


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600, also when it existed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.chmod(0o600)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
