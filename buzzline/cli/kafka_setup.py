"""What the `buzzline kafka` commands share: where Kafka is installed and keeps its data, the
broker's settings from the options and the environment, its SASL/SSL, the install itself."""

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from buzzline.errors import SettingsError
from buzzline.settings import Settings

if TYPE_CHECKING:  # imported when used, so that `buzzline --help` stays quick
    from buzzline.kafka.config import BrokerConfig
    from buzzline.kafka.install import Installation
    from buzzline.kafka.security import BrokerSecurity

SASL_CHOICES = ("plain", "scram-sha-256", "scram-sha-512")

port_option = click.option("--port", type=click.IntRange(1, 65534),
                           help="Broker port [the port of KAFKA_BROKER_ADDRESS, 9092]; "
                                "the controller uses the next one.")
data_option = click.option("--data-dir", type=click.Path(path_type=Path),
                           help="Where the broker keeps its data and log (kept across "
                                "restarts) [BUZZLINE_KAFKA_DATA or ~/.cache/buzzline/broker].")


def kafka_paths(settings: Settings) -> tuple[Path, Path]:
    """(install cache, broker data folder): settings, else the per-user defaults."""
    from buzzline.kafka.install import default_cache_dir

    cache = settings.kafka_cache_dir if str(settings.kafka_cache_dir) not in ("", ".") \
        else default_cache_dir()
    data = settings.kafka_data_dir if str(settings.kafka_data_dir) not in ("", ".") \
        else cache / "broker"
    return cache, data


def data_folder(settings: Settings, data_dir: Path | None) -> Path:
    return (data_dir or kafka_paths(settings)[1]).expanduser().absolute()


def default_address(settings: Settings, port: int | None) -> tuple[str, int]:
    """(host, port): ``port`` else the port of KAFKA_BROKER_ADDRESS (9092)."""
    host, _, default_port = settings.kafka_broker_address.rpartition(":")
    return host or "localhost", port or int(default_port or 9092)


def broker_config(settings: Settings, port: int | None, data_dir: Path | None,
                  security: "BrokerSecurity | None" = None) -> "BrokerConfig":
    from buzzline.kafka.config import BrokerConfig

    host, port = default_address(settings, port)
    return BrokerConfig(data_dir=data_folder(settings, data_dir), host=host, port=port,
                        controller_port=port + 1, security=security)


def broker_security(settings: Settings, sasl: tuple[str, ...], username: str | None,
                    password: str | None, ssl: bool | None) -> "BrokerSecurity | None":
    """The broker's SASL/SSL from the options, else from the client settings (a broker for
    KAFKA_SECURITY_PROTOCOL=SASL_*); None for a PLAINTEXT broker."""
    from buzzline.kafka.security import BrokerSecurity

    protocol = settings.kafka_security_protocol
    mechanisms = tuple(m.upper() for m in sasl) or (
        (settings.kafka_sasl_mechanism,) if protocol.startswith("SASL") else ())
    use_ssl = protocol == "SASL_SSL" if ssl is None else ssl
    if not mechanisms:
        if use_ssl or username or password:
            raise SettingsError("--ssl, --username and --password need --sasl MECHANISM "
                                "(buzzline's broker offers SSL only with SASL)")
        return None
    username = username or settings.kafka_sasl_username
    if not username:
        raise SettingsError("--sasl needs a user name: --username or KAFKA_SASL_USERNAME")
    password = password or settings.kafka_sasl_password
    if not password:
        if not sys.stdin.isatty():
            raise SettingsError("--sasl needs a password: set KAFKA_SASL_PASSWORD (or --password)")
        password = click.prompt(f"password for {username}", hide_input=True,
                                confirmation_prompt=True)
    return BrokerSecurity(mechanisms, username, password, ssl=use_ssl)


def echo_security(config: "BrokerConfig") -> None:
    """How clients log in (never the password itself)."""
    security = config.security
    if security is None:
        return
    click.echo(f"SASL ({', '.join(security.mechanisms)}) for user {security.username!r} over "
               f"{security.protocol}")
    ca_location = config.ca_location.resolve() if config.ca_location else None
    if ca_location is not None:
        click.echo(f"broker certificate (KAFKA_SSL_CA_LOCATION): {ca_location}")
    ca = f" KAFKA_SSL_CA_LOCATION={ca_location}" if ca_location else ""
    click.echo(f"clients: KAFKA_SECURITY_PROTOCOL={security.protocol} KAFKA_SASL_MECHANISM="
               f"{security.mechanisms[0]} KAFKA_SASL_USERNAME={security.username} "
               f"KAFKA_SASL_PASSWORD=<the password>{ca}")


def install_kafka(settings: Settings) -> "Installation":
    from buzzline.kafka.install import install

    home = os.environ.get("KAFKA_HOME")
    with click.progressbar(length=100, label="downloading Kafka", file=None) as bar:
        def progress(stage: str, done: int | None, total: int | None) -> None:
            if done is not None and total:
                bar.update(int(done * 100 / total) - bar.pos)

        return install(kafka_paths(settings)[0], Path(home).expanduser() if home else None,
                       progress=progress)


def installed_version(settings: Settings) -> str | None:
    """The version of the Kafka buzzline installed, if it is the one running."""
    from buzzline.kafka.install import cached, install_dir

    found = cached(install_dir(kafka_paths(settings)[0]))
    return found.version if found else None
