"""``buzzline state show APP --topic T``: a consumer group's analytics, read from Kafka."""

import click
import orjson

from buzzline.cli.options import settings_from
from buzzline.cli.param_types import APP
from buzzline.logs import escape_controls


@click.group()
def state() -> None:
    """The analytic state consumer groups keep in Kafka (a changelog topic per group)."""


@state.command("show")
@click.argument("app", type=APP, metavar="APP")
@click.option("--topic", help="Topic [default: the app's setting].")
@click.option("--group", help="Consumer group [default: the app's setting].")
@click.option("--json", "as_json", is_flag=True, help="The summary as JSON (the keys of "
              "consume --summary-json).")
@click.pass_context
def state_show(ctx: click.Context, app: str, topic: str | None, group: str | None,
               as_json: bool) -> None:
    """Print the combined analytics of all partitions of APP's group, read from its changelog
    topic: no consumer need be running, from any machine that reaches the broker."""
    from buzzline.runner import resolve_app
    from buzzline.state.show import group_summary
    from buzzline.transports.kafka import KafkaTransport

    settings = settings_from(ctx, transport="kafka")
    the_app = resolve_app(app)
    kafka = KafkaTransport(settings)
    try:
        summary = group_summary(the_app, settings, kafka, topic or the_app.topic(settings),
                                group or the_app.group(settings))
    finally:
        kafka.close()
    if as_json:
        click.echo(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode())
        return
    click.echo(escape_controls(f"{the_app.name}: {the_app.headline(summary)}"))
    click.echo(escape_controls(f"group {summary['group']} on topic {summary['topic']} "
                               f"(changelog {summary['changelog']})"))
    for partition, position in summary["positions"].items():
        click.echo(f"  partition {partition}: position {position:,}")
