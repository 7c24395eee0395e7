"""`buzzline kafka install | start | stop | status | logs`: a local Apache Kafka in KRaft mode
(broker and controller in one process, no ZooKeeper), installed and run by buzzline: one broker,
or a local cluster (``start --brokers 3``)."""

from pathlib import Path

import click

from buzzline.cli.kafka_setup import broker_config, data_folder, data_option, install_kafka
from buzzline.cli.kafka_start import start, stop
from buzzline.cli.kafka_status import status
from buzzline.cli.options import settings_from
from buzzline.errors import BuzzlineError, SettingsError


class NoBrokerLog(BuzzlineError):
    """`kafka logs` found no log where it looked (exit code 1, as `tail` of a missing file)."""

    exit_code = 1


@click.group()
def kafka() -> None:
    """A local Kafka broker or cluster (KRaft, no ZooKeeper): install, start, stop, status,
    logs."""


@kafka.command()
@click.pass_context
def install(ctx: click.Context) -> None:
    """Put Apache Kafka in the cache (KAFKA_HOME, the release archive, or Maven Central)."""
    found = install_kafka(settings_from(ctx))
    click.echo(f"Apache Kafka {found.version} ({found.source}) in {found.root}")


@kafka.command()
@click.option("--lines", "-n", type=click.IntRange(min=1), default=50, show_default=True)
@data_option
@click.option("--broker", "broker_id", type=click.IntRange(min=1),
              help="The broker of a cluster whose log to show.")
@click.pass_context
def logs(ctx: click.Context, lines: int, data_dir: Path | None, broker_id: int | None) -> None:
    """The tail of the broker's log."""
    from buzzline.kafka.broker import tail_log
    from buzzline.kafka.cluster import read_cluster

    settings = settings_from(ctx)
    cluster = read_cluster(data_folder(settings, data_dir))
    if cluster is not None and broker_id is None:
        raise SettingsError(f"{cluster.data_dir} holds a cluster: choose a broker with "
                            f"--broker ID ({', '.join(map(str, cluster.node_ids))})")
    config = cluster.node(broker_id or 1) if cluster is not None else \
        broker_config(settings, None, data_dir)
    if not config.log_file.is_file():
        hint = "" if data_dir else " (for a broker started with --data-dir D: " \
            "buzzline kafka logs --data-dir D)"
        raise NoBrokerLog(f"no broker log at {config.log_file}{hint}")
    click.echo(tail_log(config, lines))


for _command in (start, stop, status):
    kafka.add_command(_command)
