"""`buzzline kafka install | start | stop | status | logs`: a local Apache Kafka in KRaft mode
(broker and controller in one process, no ZooKeeper), installed and run by buzzline."""

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from buzzline.cli.options import settings_from
from buzzline.errors import BuzzlineError, SettingsError
from buzzline.settings import Settings

if TYPE_CHECKING:  # imported when used, so that `buzzline --help` stays quick
    from buzzline.kafka.config import BrokerConfig
    from buzzline.kafka.security import BrokerSecurity

SASL_CHOICES = ("plain", "scram-sha-256", "scram-sha-512")


class NoBrokerLog(BuzzlineError):
    """`kafka logs` found no log where it looked (exit code 1, as `tail` of a missing file)."""

    exit_code = 1


def _paths(settings: Settings) -> tuple[Path, Path]:
    """(install cache, broker data folder): settings, else the per-user defaults."""
    from buzzline.kafka.install import default_cache_dir

    cache = settings.kafka_cache_dir if str(settings.kafka_cache_dir) not in ("", ".") \
        else default_cache_dir()
    data = settings.kafka_data_dir if str(settings.kafka_data_dir) not in ("", ".") \
        else cache / "broker"
    return cache, data


def _broker_config(settings: Settings, port: int | None, data_dir: Path | None,
                   security: "BrokerSecurity | None" = None) -> "BrokerConfig":
    from buzzline.kafka.config import BrokerConfig

    host, _, default_port = settings.kafka_broker_address.rpartition(":")
    port = port or int(default_port or 9092)
    data_dir = (data_dir or _paths(settings)[1]).expanduser().absolute()
    return BrokerConfig(data_dir=data_dir, host=host or "localhost",
                        port=port, controller_port=port + 1, security=security)


def _security(settings: Settings, sasl: tuple[str, ...], username: str | None,
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


def _echo_security(config: "BrokerConfig") -> None:
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


def _install(settings: Settings):
    from buzzline.kafka.install import install

    home = os.environ.get("KAFKA_HOME")
    with click.progressbar(length=100, label="downloading Kafka", file=None) as bar:
        def progress(stage: str, done: int | None, total: int | None) -> None:
            if done is not None and total:
                bar.update(int(done * 100 / total) - bar.pos)

        return install(_paths(settings)[0], Path(home).expanduser() if home else None,
                       progress=progress)


@click.group()
def kafka() -> None:
    """A local Kafka broker (KRaft, no ZooKeeper): install, start, stop, status, logs."""


port_option = click.option("--port", type=click.IntRange(1, 65534),
                           help="Broker port [the port of KAFKA_BROKER_ADDRESS, 9092]; "
                                "the controller uses the next one.")
data_option = click.option("--data-dir", type=click.Path(path_type=Path),
                           help="Where the broker keeps its data and log (kept across "
                                "restarts) [BUZZLINE_KAFKA_DATA or ~/.cache/buzzline/broker].")


@kafka.command()
@click.pass_context
def install(ctx: click.Context) -> None:
    """Put Apache Kafka in the cache (KAFKA_HOME, the release archive, or Maven Central)."""
    found = _install(settings_from(ctx))
    click.echo(f"Apache Kafka {found.version} ({found.source}) in {found.root}")


@kafka.command()
@port_option
@data_option
@click.option("--timeout", type=float, default=90.0, show_default=True,
              help="Seconds to wait for the broker to answer.")
@click.option("--sasl", multiple=True, type=click.Choice(SASL_CHOICES, case_sensitive=False),
              help="Clients must log in with this SASL mechanism (repeat for several) "
                   "[KAFKA_SASL_MECHANISM when KAFKA_SECURITY_PROTOCOL is SASL_*].")
@click.option("--username", help="The SASL user [KAFKA_SASL_USERNAME].")
@click.option("--password", help="The SASL user's password [KAFKA_SASL_PASSWORD, which is "
                                 "safer: options show in `ps`; asked for when unset].")
@click.option("--ssl/--no-ssl", default=None,
              help="SASL over SSL, with a self-signed certificate made in the data folder "
                   "[on when KAFKA_SECURITY_PROTOCOL=SASL_SSL].")
@click.pass_context
def start(ctx: click.Context, port: int | None, data_dir: Path | None, timeout: float,
          sasl: tuple[str, ...], username: str | None, password: str | None,
          ssl: bool | None) -> None:
    """Install if needed, then start the broker in the background and wait for it."""
    from buzzline.kafka.broker import start as start_broker
    from buzzline.logs import configure_logging

    settings = settings_from(ctx)
    security = _security(settings, sasl, username, password, ssl)
    if security is not None and security.password != settings.kafka_sasl_password:
        configure_logging(settings.log_level, settings.log_dir,
                          secrets=(security.password, settings.kafka_sasl_password))
    config = _broker_config(settings, port, data_dir, security)
    info = start_broker(_install(settings), config, timeout=timeout)
    if info.already_running:
        click.echo(f"Kafka is already running at {info.address} (pid {info.pid})")
    else:
        click.echo(f"Kafka is running at {info.address} (pid {info.pid}, started in "
                   f"{info.seconds:.1f} s; data and log in {config.data_dir})")
    _echo_security(config)


@kafka.command()
@port_option
@data_option
@click.pass_context
def stop(ctx: click.Context, port: int | None, data_dir: Path | None) -> None:
    """Stop the broker `buzzline kafka start` started (gracefully, then forcefully)."""
    from buzzline.kafka.broker import stop as stop_broker

    config = _broker_config(settings_from(ctx), port, data_dir)
    click.echo("Kafka stopped" if stop_broker(config) else
               f"no broker started by buzzline is running for {config.data_dir}")


@kafka.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Address, version, topics with partitions and message counts, groups with lag."""
    from buzzline.kafka.report import cluster_report, format_report
    from buzzline.transports.kafka import KafkaTransport

    settings = settings_from(ctx)
    transport = KafkaTransport(settings)  # one clear line when no broker answers
    click.echo(format_report(cluster_report(transport.config), _version(settings)))


@kafka.command()
@click.option("--lines", "-n", type=click.IntRange(min=1), default=50, show_default=True)
@data_option
@click.pass_context
def logs(ctx: click.Context, lines: int, data_dir: Path | None) -> None:
    """The tail of the broker's log."""
    from buzzline.kafka.broker import tail_log

    config = _broker_config(settings_from(ctx), None, data_dir)
    if not config.log_file.is_file():
        hint = "" if data_dir else " (for a broker started with --data-dir D: " \
            "buzzline kafka logs --data-dir D)"
        raise NoBrokerLog(f"no broker log at {config.log_file}{hint}")
    click.echo(tail_log(config, lines))


def _version(settings: Settings) -> str | None:
    """The version of the Kafka buzzline installed, if it is the one running."""
    from buzzline.kafka.install import cached, install_dir

    found = cached(install_dir(_paths(settings)[0]))
    return found.version if found else None
