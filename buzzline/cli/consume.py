"""``buzzline consume APP|FILE.py``: read an app's messages with live analytics and chart."""

from typing import Any

import click

from buzzline.cli.options import (
    run_session,
    session_options,
    settings_from,
    transport_option,
    view_options,
    view_settings,
    write_summary,
)
from buzzline.cli.param_types import APP, EVERY, IDLE
from buzzline.logs import escape_controls
from buzzline.runner import ConsumeOptions, prepare, resolve_app


@click.command()
@click.argument("app", type=APP, metavar="APP")
@transport_option
@click.option("--topic", help="Topic [default: the app's setting].")
@click.option("--from-beginning", is_flag=True,
              help="Count everything the topic holds afresh (default: resume from the saved "
                   "state; without one, where the group left off on Kafka, the end of a file).")
@click.option("--reset-state", is_flag=True,
              help="Forget the saved state and positions of this app, group and topic.")
@click.option("--checkpoint-every", type=EVERY, default=None,
              help="Save state and positions every SECONDS (0: after each batch) [1].")
@click.option("--count", type=click.IntRange(min=1), help="Stop after reading N messages.")
@click.option("--idle-exit", type=IDLE,
              help="Stop when no message came for SECONDS (Kafka: from the first assignment).")
@click.option("--top-k", type=click.IntRange(min=0), help="Bar charts show the top K only.")
@click.option("--line-window", type=click.IntRange(min=0), help="Line chart shows the last N.")
@click.option("--title", help="Chart title.")
@view_options
@click.pass_context
def consume(ctx: click.Context, app: str, transport: str | None, topic: str | None,
            from_beginning: bool, reset_state: bool, checkpoint_every: float | None,
            count: int | None, idle_exit: float | None, top_k: int | None,
            line_window: int | None, title: str | None, **view: Any) -> None:
    """Read APP's messages, keep live analytics and draw its live chart.

    APP: a built-in app (basic, json, csv, project) or a stream file (FILE.py).

    The analytics are saved with the positions they reflect (data/checkpoints.sqlite): a
    consumer stopped or killed at any moment resumes where it left off, counting each message
    once."""
    settings = settings_from(ctx, transport=transport, top_k=top_k, line_window=line_window,
                             checkpoint_seconds=checkpoint_every, **view_settings(view))
    the_app = resolve_app(app)
    options = ConsumeOptions(topic=topic, start="beginning" if from_beginning else "committed",
                             count=count, idle_exit=idle_exit, reset_state=reset_state)
    summaries = run_session(prepare(
        the_app, settings=settings, produce=False, consume=options,
        view=session_options(view, settings, title or the_app.title, the_app.name)))
    click.echo(escape_controls(f"{the_app.name}: {the_app.headline(summaries[0])}"))
    write_summary(view["summary_json"], summaries[0])
