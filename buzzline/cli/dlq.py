"""``buzzline dlq show TOPIC``: the dead letters of a topic."""

import click
import orjson

from buzzline.cli.options import settings_from, transport_option
from buzzline.logs import escape_controls
from buzzline.transports import create_transport


@click.group()
def dlq() -> None:
    """Dead letters: the messages consumers rejected, with why."""


@dlq.command("show")
@click.argument("topic")
@transport_option
@click.option("--limit", type=click.IntRange(min=0), default=0, help="Show the first N only.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def dlq_show(ctx: click.Context, topic: str, transport: str | None, limit: int,
             as_json: bool) -> None:
    """List the dead letters of TOPIC (the topic the consumer read, e.g. buzz_live)."""
    from buzzline.deadletter import dlq_topic, read_dead_letters

    settings = settings_from(ctx, transport=transport)
    shown = 0
    for letter in read_dead_letters(create_transport(settings.transport, settings), topic, limit):
        shown += 1
        if as_json:
            click.echo(orjson.dumps(letter).decode())
            continue
        where = ", ".join(f"{k} {v}" for k, v in letter["position"].items())
        value = letter.get("value", f"base64:{letter.get('value_base64', '')}")
        preview = value if len(value) <= 60 else value[:57] + "..."
        cut = ""
        if letter.get("truncated"):  # too large for the dead-letter topic: its start only
            digest = f", sha256 {letter['sha256']}" if letter.get("sha256") else ""
            cut = (f"  [truncated: {letter.get('original_bytes', 0):,} bytes{digest}, the "
                   f"first {letter.get('stored_bytes', 0):,} kept]")
        click.echo(escape_controls(f"{letter['time']}  {where}  {letter['reason']}  {preview!r}"
                                   f"{cut}"))
    if not shown:
        click.echo(f"no dead letters for {topic} ({dlq_topic(topic)} is empty)")
