"""``buzzline run FILE.py|APP``: a stream declared in a Python file (``buzzline.streams.Stream``)
or a built-in app, its producer and consumer in one session with its live chart."""

from pathlib import Path
from typing import Any

import click

from buzzline.cli.options import (
    run_session,
    session_options,
    settings_from,
    transport_option,
    view_settings,
    write_summary,
)
from buzzline.cli.param_types import APP, DURATION, FPS, INTERVAL
from buzzline.logs import escape_controls
from buzzline.runner import ProduceOptions, prepare, resolve_app

HEADLESS_COUNT = 300  # messages of an endless source when no window shows them


@click.command()
@click.argument("file", type=APP, metavar="FILE")
@transport_option
@click.option("--count", type=click.IntRange(min=1), default=None,
              help=f"Messages to send [{HEADLESS_COUNT} headless from an endless source; "
                   "endless in a window; a file source: all of it].")
@click.option("--interval", type=INTERVAL, default=None,
              help="Seconds between messages [the stream's interval].")
@click.option("--seed", type=int, help="Random seed for generated records.")
@click.option("--output", "-o", "output_dir", type=click.Path(path_type=Path),
              help="Write the chart to DIR/<stream name>.png (headless).")
@click.option("--display", type=click.Choice(["auto", "window", "headless"]), default=None,
              help="Window or image file [default: auto: a window if there is a display].")
@click.option("--duration", type=DURATION, default=None,
              help="Stop after SECONDS (saving the last chart).")
@click.option("--fps", type=FPS, default=None, help="Chart frames per second [10].")
@click.option("--colors", help="Chart colours, comma-separated.")
@click.option("--summary-json", type=click.Path(path_type=Path),
              help="Write the final analytics as JSON to PATH.")
@click.option("--no-chart", is_flag=True, help="Count only, draw nothing.")
@click.option("--no-live", is_flag=True,
              help="Don't publish to the browser dashboard (data/live/).")
@click.pass_context
def run(ctx: click.Context, file: str, transport: str | None, count: int | None,
        interval: float | None, seed: int | None, **view: Any) -> None:
    """Run the stream declared in FILE.py: its producer, consumer and live chart.

    FILE may also name a built-in app (basic, json, csv, project)."""
    settings = settings_from(ctx, transport=transport, **view_settings(view))
    app = resolve_app(file)
    mode = "headless"
    if not view["no_chart"]:
        app.check_chart_available()  # its chart kinds against the kinds registered
        from buzzline.charts.display import resolve_display

        mode, _ = resolve_display(settings.display, view["output_dir"])
    if count is None and not app.finite and mode != "window":
        count = HEADLESS_COUNT
    view.update(image_format="png")
    prepared = prepare(app, settings=settings,
                       produce=ProduceOptions(interval=interval, count=count, seed=seed),
                       view=session_options(view, settings, app.title, app.name))
    summary = run_session(prepared)[0]
    sent = prepared.producers[0].sent
    summary["sent"] = sent
    click.echo(escape_controls(f"{app.name}: sent {sent:,}; {app.headline(summary)}"))
    write_summary(view["summary_json"], summary)
