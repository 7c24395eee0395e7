"""`buzzline kafka start | stop`: one local broker (the default), or a local cluster with
``--brokers N``; ``stop --broker ID [--kill]`` stops one broker of it (a failure drill) and
``start`` brings the missing ones back."""

from pathlib import Path
from typing import TYPE_CHECKING

import click

from buzzline.cli.kafka_setup import (
    SASL_CHOICES,
    broker_config,
    broker_security,
    data_folder,
    data_option,
    default_address,
    echo_security,
    install_kafka,
    port_option,
)
from buzzline.cli.options import settings_from
from buzzline.errors import SettingsError
from buzzline.settings import Settings

if TYPE_CHECKING:
    from buzzline.kafka.cluster import ClusterConfig


@click.command()
@port_option
@data_option
@click.option("--brokers", type=click.IntRange(1, 9), default=None,
              help="A local cluster of N brokers, each a controller too: ports P..P+N-1 for "
                   "clients, the next N for the controllers; its topics get 3 replicas, 2 in "
                   "sync [1, or the brokers of the cluster in the data folder].")
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
def start(ctx: click.Context, port: int | None, data_dir: Path | None, brokers: int | None,
          timeout: float, sasl: tuple[str, ...], username: str | None, password: str | None,
          ssl: bool | None) -> None:
    """Install if needed, then start the broker(s) in the background and wait for them."""
    from buzzline.kafka.broker import start as start_broker
    from buzzline.kafka.cluster import read_cluster
    from buzzline.logs import configure_logging

    settings = settings_from(ctx)
    cluster = read_cluster(data_folder(settings, data_dir))
    if cluster is not None or (brokers or 1) > 1:
        if sasl or username or password or ssl or settings.kafka_security_protocol != "PLAINTEXT":
            raise SettingsError("a local cluster is PLAINTEXT only: SASL and SSL are for a "
                                "single broker (KAFKA_SECURITY_PROTOCOL=PLAINTEXT)")
        _start_cluster(settings, cluster, data_dir, brokers, port, timeout)
        return
    security = broker_security(settings, sasl, username, password, ssl)
    if security is not None and security.password != settings.kafka_sasl_password:
        configure_logging(settings.log_level, settings.log_dir,
                          secrets=(security.password, settings.kafka_sasl_password))
    config = broker_config(settings, port, data_dir, security)
    info = start_broker(install_kafka(settings), config, timeout=timeout)
    if info.already_running:
        click.echo(f"Kafka is already running at {info.address} (pid {info.pid})")
    else:
        click.echo(f"Kafka is running at {info.address} (pid {info.pid}, started in "
                   f"{info.seconds:.1f} s; data and log in {config.data_dir})")
    echo_security(config)


def _start_cluster(settings: Settings, cluster: "ClusterConfig | None", data_dir: Path | None,
                   brokers: int | None, port: int | None, timeout: float) -> None:
    from buzzline.kafka.cluster import ClusterConfig, check_folder, start_cluster

    folder = data_folder(settings, data_dir)
    if cluster is None:
        host, first = default_address(settings, port)
        cluster = ClusterConfig.derived(folder, brokers or 1, first, host)
    elif brokers is not None and brokers != len(cluster.ports):
        raise SettingsError(f"{folder} holds a cluster of {len(cluster.ports)} brokers: start "
                            "it without --brokers, or choose another --data-dir")
    elif port is not None and port != cluster.ports[0]:
        raise SettingsError(f"the cluster in {folder} uses ports {cluster.ports[0]}-"
                            f"{cluster.ports[-1]}: start it without --port, or choose another "
                            "--data-dir")
    check_folder(cluster)  # before the install, which may download
    infos = start_cluster(install_kafka(settings), cluster, timeout=timeout)
    for info in infos:
        how = "already running" if info.already_running else \
            f"started in {info.seconds:.1f} s"
        click.echo(f"broker {info.node_id} at {info.address} (pid {info.pid}, {how})")
    state = "already running" if all(i.already_running for i in infos) else "running"
    click.echo(f"Kafka cluster of {len(infos)} brokers is {state} (data and logs in "
               f"{folder}/node-*)")
    click.echo(f"clients: KAFKA_BROKER_ADDRESS={cluster.bootstrap}")


@click.command()
@port_option
@data_option
@click.option("--broker", "broker_id", type=click.IntRange(min=1),
              help="Stop only this broker of a cluster (a failure drill); `buzzline kafka "
                   "start` brings it back.")
@click.option("--kill", is_flag=True,
              help="SIGKILL, as a crash would (no controlled shutdown): for failure drills.")
@click.pass_context
def stop(ctx: click.Context, port: int | None, data_dir: Path | None, broker_id: int | None,
         kill: bool) -> None:
    """Stop the broker(s) `buzzline kafka start` started (gracefully, then forcefully)."""
    from buzzline.kafka.broker import stop as stop_broker
    from buzzline.kafka.cluster import read_cluster, stop_nodes

    settings = settings_from(ctx)
    folder = data_folder(settings, data_dir)
    cluster = read_cluster(folder)
    how = "killed" if kill else "stopped"
    if cluster is None:
        if broker_id not in (None, 1):
            raise SettingsError(f"{folder} holds no cluster, only broker 1 (if any)")
        config = broker_config(settings, port, data_dir)
        click.echo(f"Kafka {how}" if stop_broker(config, kill=kill) else
                   f"no broker started by buzzline is running for {config.data_dir}")
        return
    stopped = stop_nodes(cluster, None if broker_id is None else [broker_id], kill=kill)
    if broker_id is not None:
        click.echo(f"Kafka broker {broker_id} {how}" if stopped else
                   f"Kafka broker {broker_id} of {folder} was not running")
    elif stopped:
        click.echo(f"Kafka {how} (broker{'s' if len(stopped) > 1 else ''} "
                   f"{', '.join(map(str, stopped))})")
    else:
        click.echo(f"no broker of the cluster in {folder} is running")
