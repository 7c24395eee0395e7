"""``buzzline produce APP|FILE.py``: send an app's messages to a topic."""

import logging
from dataclasses import replace
from pathlib import Path

import click

from buzzline.cli.options import settings_from, transport_option
from buzzline.cli.param_types import APP, INTERVAL
from buzzline.engine.session import SessionOptions
from buzzline.errors import BuzzlineError
from buzzline.runner import ProduceOptions, prepare, resolve_app
from buzzline.settings import Settings
from buzzline.transports import create_transport
from buzzline.transports.base import Transport

log = logging.getLogger("buzzline.cli")


@click.command()
@click.argument("app", type=APP, metavar="APP")
@transport_option
@click.option("--topic", help="Topic (file data/TOPIC.jsonl) [default: the app's setting].")
@click.option("--interval", type=INTERVAL, help="Seconds between messages [the app's setting].")
@click.option("--count", type=click.IntRange(min=1), help="Stop after N messages.")
@click.option("--input", "input_path", type=click.Path(path_type=Path),
              help="Input file (json: a JSON array of buzz messages; csv: timestamp,temperature).")
@click.option("--seed", type=int, help="Random seed for generated messages.")
@click.option("--partitions", type=click.IntRange(min=1),
              help="Kafka: partitions of a topic it creates [KAFKA_PARTITIONS or 3].")
@click.option("--replication-factor", type=click.IntRange(min=1),
              help="Kafka: replication factor of a topic it creates [KAFKA_REPLICATION_FACTOR "
                   "or the broker's default: 1 on one broker, 3 on a local cluster].")
@click.option("--reset-topic", is_flag=True,
              help="Empty the topic first (the teaching project recreated it at every start).")
@click.option("--also-kafka", is_flag=True,
              help="Also send to Kafka when a broker answers (the project producer's way).")
@click.pass_context
def produce(ctx: click.Context, app: str, transport: str | None, topic: str | None,
            interval: float | None, count: int | None, input_path: Path | None,
            seed: int | None, partitions: int | None, replication_factor: int | None,
            reset_topic: bool, also_kafka: bool) -> None:
    """Send APP's messages to a topic.

    APP: a built-in app (basic, json, csv, project) or a stream file (FILE.py)."""
    the_app = resolve_app(app)
    field = the_app.input_setting
    extra = {field: input_path} if input_path and field else {}
    settings = settings_from(ctx, transport=transport, kafka_partitions=partitions,
                             kafka_replication_factor=replication_factor, **extra)
    options = ProduceOptions(topic=topic, interval=interval, count=count, seed=seed,
                             reset_topic=reset_topic,
                             also=tuple(_kafka_if_reachable(settings)) if also_kafka else ())
    view = SessionOptions(title=the_app.title, image_name=the_app.name, charts=False,
                          freeze_gc=True)
    prepared = prepare(the_app, settings=settings, produce=options, consume=False, view=view)
    prepared.run()
    job = prepared.producers[0]
    where = " and ".join([settings.transport, *(t.name for t in job.also)])
    click.echo(f"{the_app.name}: sent {job.sent:,} messages to {where} topic '{job.topic}'")


def _kafka_if_reachable(settings: Settings) -> list[Transport]:
    """[the Kafka transport] when a broker answers within 3 s, else [] (and one line why)."""
    if settings.transport == "kafka":
        return []
    try:
        return [create_transport("kafka", replace(settings, kafka_connect_timeout=3.0))]
    except BuzzlineError as exc:
        log.info("not sending to Kafka: %s", exc)
        return []
