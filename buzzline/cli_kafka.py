"""`buzzline kafka install | start | stop | status | logs`: a local Apache Kafka in KRaft mode
(broker and controller in one process, no ZooKeeper), installed and run by buzzline."""

import os
from pathlib import Path

import click

from buzzline.settings import Settings


def _paths(settings: Settings) -> tuple[Path, Path]:
    """(install cache, broker data folder): settings, else the per-user defaults."""
    from buzzline.kafka.install import default_cache_dir

    cache = settings.kafka_cache_dir if str(settings.kafka_cache_dir) not in ("", ".") \
        else default_cache_dir()
    data = settings.kafka_data_dir if str(settings.kafka_data_dir) not in ("", ".") \
        else cache / "broker"
    return cache, data


def _broker_config(settings: Settings, port: int | None, data_dir: Path | None):
    from buzzline.kafka.config import BrokerConfig

    host, _, default_port = settings.kafka_broker_address.rpartition(":")
    port = port or int(default_port or 9092)
    return BrokerConfig(data_dir=data_dir or _paths(settings)[1], host=host or "localhost",
                        port=port, controller_port=port + 1)


def _install(settings: Settings):
    from buzzline.kafka.install import install

    home = os.environ.get("KAFKA_HOME")
    with click.progressbar(length=100, label="downloading Kafka", file=None) as bar:
        def progress(stage: str, done: int | None, total: int | None) -> None:
            if done is not None and total:
                bar.update(int(done * 100 / total) - bar.pos)

        return install(_paths(settings)[0], Path(home).expanduser() if home else None,
                       progress=progress)


def register(cli: click.Group, settings_of) -> None:
    """Add the ``kafka`` command group to ``cli``; ``settings_of(ctx)`` builds the settings."""

    @cli.group()
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
        found = _install(settings_of(ctx))
        click.echo(f"Apache Kafka {found.version} ({found.source}) in {found.root}")

    @kafka.command()
    @port_option
    @data_option
    @click.option("--timeout", type=float, default=90.0, show_default=True,
                  help="Seconds to wait for the broker to answer.")
    @click.pass_context
    def start(ctx: click.Context, port: int | None, data_dir: Path | None,
              timeout: float) -> None:
        """Install if needed, then start the broker in the background and wait for it."""
        from buzzline.kafka.broker import start as start_broker

        settings = settings_of(ctx)
        config = _broker_config(settings, port, data_dir)
        info = start_broker(_install(settings), config, timeout=timeout)
        if info.already_running:
            click.echo(f"Kafka is already running at {info.address} (pid {info.pid})")
        else:
            click.echo(f"Kafka is running at {info.address} (pid {info.pid}, started in "
                       f"{info.seconds:.1f} s; data and log in {config.data_dir})")

    @kafka.command()
    @port_option
    @data_option
    @click.pass_context
    def stop(ctx: click.Context, port: int | None, data_dir: Path | None) -> None:
        """Stop the broker `buzzline kafka start` started (gracefully, then forcefully)."""
        from buzzline.kafka.broker import stop as stop_broker

        config = _broker_config(settings_of(ctx), port, data_dir)
        click.echo("Kafka stopped" if stop_broker(config) else
                   f"no broker started by buzzline is running for {config.data_dir}")

    @kafka.command()
    @click.pass_context
    def status(ctx: click.Context) -> None:
        """Address, version, topics with partitions and message counts, groups with lag."""
        from buzzline.kafka.report import cluster_report, format_report
        from buzzline.transports.kafka import KafkaTransport

        settings = settings_of(ctx)
        transport = KafkaTransport(settings)  # one clear line when no broker answers
        click.echo(format_report(cluster_report(transport.config), _version(settings)))

    @kafka.command()
    @click.option("--lines", "-n", type=click.IntRange(min=1), default=50, show_default=True)
    @data_option
    @click.pass_context
    def logs(ctx: click.Context, lines: int, data_dir: Path | None) -> None:
        """The tail of the broker's log."""
        from buzzline.kafka.broker import tail_log

        click.echo(tail_log(_broker_config(settings_of(ctx), None, data_dir), lines))


def _version(settings: Settings) -> str | None:
    """The version of the Kafka buzzline installed, if it is the one running."""
    from buzzline.kafka.install import cached, install_dir

    found = cached(install_dir(_paths(settings)[0]))
    return found.version if found else None
