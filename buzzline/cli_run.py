"""``buzzline run FILE.py``: a stream declared in a Python file (``buzzline.streams.Stream``),
its producer and consumer in one session with its live chart."""

from __future__ import annotations

import importlib.util
import random
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from buzzline import cli_types
from buzzline.errors import BuzzlineError, SettingsError
from buzzline.logs import escape_controls
from buzzline.transports import TRANSPORTS

HEADLESS_COUNT = 300  # messages of an endless source when no window shows them


class StreamFileError(SettingsError):
    """The file does not declare one stream (one line, exit code 2)."""


def load_stream(path: Path) -> Any:
    """The module's ``stream`` variable, or the only ``Stream`` in it."""
    from buzzline.streams import Stream

    if not path.is_file():
        raise StreamFileError(f"{path}: no such file")
    name = f"buzzline_stream_{path.stem.replace('-', '_')}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise StreamFileError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BuzzlineError as exc:
        raise type(exc)(f"{path}: {exc}") from None
    except Exception as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if Path(f.filename).resolve() == path.resolve()]
        line = frames[-1].lineno if frames else "?"
        raise StreamFileError(f"{path}:{line}: {type(exc).__name__}: {exc}") from None
    found = getattr(module, "stream", None)
    if isinstance(found, Stream):
        return found
    streams = [v for v in vars(module).values() if isinstance(v, Stream)]
    if len(streams) == 1:
        return streams[0]
    what = "no Stream" if not streams else f"{len(streams)} Streams and no `stream` variable"
    raise StreamFileError(f"{path}: {what} (declare `stream = Stream(...)`)")


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--transport", "-t", type=click.Choice(TRANSPORTS.names()), default=None,
              help="Where messages travel [default: BUZZLINE_TRANSPORT or file].")
@click.option("--count", type=click.IntRange(min=1), default=None,
              help=f"Messages to send [{HEADLESS_COUNT} headless from an endless source; "
                   "endless in a window; a file source: all of it].")
@click.option("--interval", type=cli_types.INTERVAL, default=None,
              help="Seconds between messages [the stream's interval].")
@click.option("--seed", type=int, help="Random seed for generated records.")
@click.option("--output", "-o", "output_dir", type=click.Path(path_type=Path),
              help="Write the chart to DIR/<stream name>.png (headless).")
@click.option("--display", type=click.Choice(["auto", "window", "headless"]), default=None,
              help="Window or image file [default: auto: a window if there is a display].")
@click.option("--duration", type=cli_types.DURATION, default=None,
              help="Stop after SECONDS (saving the last chart).")
@click.option("--fps", type=cli_types.FPS, default=None, help="Chart frames per second [10].")
@click.option("--colors", help="Chart colours, comma-separated.")
@click.option("--summary-json", type=click.Path(path_type=Path),
              help="Write the final analytics as JSON to PATH.")
@click.option("--no-chart", is_flag=True, help="Count only, draw nothing.")
@click.option("--no-live", is_flag=True,
              help="Don't publish to the browser dashboard (data/live/).")
@click.pass_context
def run(ctx: click.Context, file: Path, transport: str | None, count: int | None,
        interval: float | None, seed: int | None, **view: Any) -> None:
    """Run the stream declared in FILE.py: its producer, consumer and live chart."""
    from buzzline import cli as main
    from buzzline.engine.consume import ConsumeJob
    from buzzline.engine.produce import ProduceJob
    from buzzline.transports import create_transport

    settings = main._settings(ctx, transport=transport, fps=view["fps"],
                              display=view["display"], chart_colors=view["colors"])
    stream = load_stream(file)
    mode = "headless"
    if not view["no_chart"]:
        stream.check_chart_available()
        from buzzline.charts.display import resolve_display

        mode, _ = resolve_display(settings.display, view["output_dir"])
    if count is None and not stream.source.finite and mode != "window":
        count = HEADLESS_COUNT
    app = stream
    the_transport = create_transport(settings.transport, settings)
    topic = app.topic(settings)
    consumer = ConsumeJob(app, settings, the_transport, topic, start="end")
    producer = ProduceJob(app, settings, the_transport, topic,
                          stream.interval(settings) if interval is None else interval, count=count,
                          rng=random.Random(seed))
    view.update(image_format="png")
    summaries = main._run_session([producer], [consumer], view, settings, stream.title,
                                  stream.name)
    summary = summaries[0]
    summary["sent"] = producer.sent
    click.echo(escape_controls(f"{stream.name}: sent {producer.sent:,}; {app.headline(summary)}"))
    main._write_summary(view["summary_json"], summary)
