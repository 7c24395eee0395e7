"""`buzzline kafka status [--data-dir D] [--json]`: the brokers (id, address, pid, running),
topics with partitions, messages and each partition's leader and in-sync replicas, internal
topics in brief, consumer groups with their lag."""

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from buzzline.cli.kafka_setup import broker_config, data_folder, data_option, installed_version
from buzzline.cli.options import settings_from
from buzzline.errors import TransportUnavailable
from buzzline.settings import Settings

if TYPE_CHECKING:
    from buzzline.kafka.report import BrokerReport


@click.command()
@data_option
@click.option("--json", "as_json", is_flag=True, help="The same report as JSON, for scripts.")
@click.pass_context
def status(ctx: click.Context, data_dir: Path | None, as_json: bool) -> None:
    """Brokers, topics with partitions, message counts, leaders and in-sync replicas, groups
    with lag (a cluster in the data folder: its brokers, else KAFKA_BROKER_ADDRESS)."""
    from buzzline.kafka.report import cluster_report
    from buzzline.kafka.report_text import format_report, report_json
    from buzzline.transports.kafka import KafkaTransport

    settings, local = _local_brokers(settings_from(ctx), data_dir)
    transport = KafkaTransport(settings)  # one clear line when no broker answers
    report = cluster_report(transport.config, local=local)
    version = installed_version(settings)
    if as_json:
        click.echo(json.dumps(report_json(report, version), indent=2))
    else:
        click.echo(format_report(report, version))


def _local_brokers(settings: Settings,
                   data_dir: Path | None) -> "tuple[Settings, list[BrokerReport]]":
    """The settings to reach the brokers and the brokers buzzline runs in the data folder: a
    cluster's (addressed through its running nodes), else the single broker, if it runs."""
    from buzzline.kafka.broker import pid_of
    from buzzline.kafka.cluster import node_states, read_cluster
    from buzzline.kafka.report import BrokerReport

    folder = data_folder(settings, data_dir)
    cluster = read_cluster(folder)
    if cluster is None:
        if "," in settings.kafka_broker_address:
            return settings, []
        config = broker_config(settings, None, data_dir)
        pid = pid_of(config)
        return settings, [BrokerReport(config.node_id, config.address, pid, True)] \
            if pid is not None else []
    states = node_states(cluster)
    running = [s.address for s in states if s.running]
    if not running:
        where = f" --data-dir {folder}" if data_dir else ""
        raise TransportUnavailable(f"no broker of the cluster in {folder} is running: start "
                                   f"it with `buzzline kafka start{where}`")
    local = [BrokerReport(s.node_id, s.address, s.pid, s.running) for s in states]
    return settings.with_overrides(kafka_broker_address=",".join(running)), local
