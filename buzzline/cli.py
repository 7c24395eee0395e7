"""The ``buzzline`` command: produce, consume, demo, data."""

import logging
import random
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import click
import orjson

from buzzline import __version__, cli_kafka, cli_types
from buzzline.apps import APPS, get_app
from buzzline.charts.writers import WRITERS
from buzzline.cli_charts import charts as charts_command
from buzzline.cli_dashboard import dashboard as dashboard_command
from buzzline.cli_run import run as run_command
from buzzline.dashboard.publisher import live_dir
from buzzline.engine.consume import ConsumeJob
from buzzline.engine.produce import ProduceJob
from buzzline.engine.session import Session, ViewOptions
from buzzline.engine.signals import defer_signals, ignore_signals, release_signals
from buzzline.envfile import read_env_file, unknown_names
from buzzline.errors import BuzzlineError, SettingsError, WriteFailed
from buzzline.logs import configure_logging, escape_controls
from buzzline.settings import Settings, env_names, load_settings
from buzzline.sources.sample_data import write_sample_data
from buzzline.transports import TRANSPORTS, create_transport

log = logging.getLogger("buzzline.cli")
DEMO_APPS = ("basic", "json", "csv", "project")
# the demo's own topics and groups (files data/demo_*.jsonl): `consume basic` never counts them
DEMO_STREAMS = {"basic_topic": "demo_basic", "buzz_topic": "demo_json",
                "smoker_topic": "demo_csv", "project_topic": "demo_project",
                "buzz_consumer_group_id": "demo_buzz", "smoker_consumer_group_id": "demo_smoker",
                "project_consumer_group_id": "demo_project"}
DEMO_SEED = 13  # the demo's messages without --seed: the README shows what it prints
# commands that run a Session: a Ctrl-C from the start of the process stops them cleanly
SESSION_COMMANDS = ("produce", "consume", "demo", "run")


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    """Build the one settings object for this command and set up logging from it."""
    root = ctx.find_root().params
    env_file = root["env_file"]
    if env_file is None:  # not given: .env when there is one
        env_file = Path(".env")
    elif not env_file.exists():
        raise SettingsError(f"--env-file {env_file}: no such file")
    settings = load_settings(env_file=env_file, log_level=root["log_level"], **overrides)
    configure_logging(settings.log_level, settings.log_dir,
                      secrets=(settings.kafka_sasl_password,))
    unknown = unknown_names(read_env_file(env_file), env_names().values()) \
        if env_file.exists() else []
    if unknown:
        log.warning("%s: unknown setting(s) ignored: %s", env_file, ", ".join(unknown))
    return settings


def transport_option(f: Any) -> Any:
    return click.option("--transport", "-t", type=click.Choice(TRANSPORTS.names()), default=None,
                        help="Where messages travel [default: BUZZLINE_TRANSPORT or file].")(f)


def view_options(f: Any) -> Any:
    options = [
        click.option("--output", "-o", "output_dir", type=click.Path(path_type=Path),
                     help="Write chart images to DIR (headless); the last one stays."),
        click.option("--format", "image_format", type=click.Choice(WRITERS.names()),
                     default="png", show_default=True, help="Image format for --output."),
        click.option("--display", type=click.Choice(["auto", "window", "headless"]), default=None,
                     help="Window or image files [default: auto: a window if there is a display]."),
        click.option("--fps", type=cli_types.FPS, default=None,
                     help="Chart frames per second [10]."),
        click.option("--duration", type=cli_types.DURATION, default=None,
                     help="Stop after SECONDS (saving the last chart)."),
        click.option("--summary-json", type=click.Path(path_type=Path),
                     help="Write the final analytics as JSON to PATH."),
        click.option("--no-chart", is_flag=True, help="Count only, draw nothing."),
        click.option("--no-live", is_flag=True,
                     help="Don't publish to the browser dashboard (data/live/)."),
        click.option("--colors", help="Chart colours, comma-separated (e.g. 'tab:green,#ff7f0e'; "
                                      "line chart: line,alert)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="buzzline")
@click.option("--env-file", type=click.Path(path_type=Path), default=None,
              help="Settings file (environment variables win over it) [default: .env if any].")
@click.option("--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"],
              case_sensitive=False), default=None, help="Log level [INFO].")
@click.pass_context
def cli(ctx: click.Context, env_file: Path, log_level: str | None) -> None:
    """Stream messages through a file or Kafka, with live analytics and live charts."""
    if ctx.invoked_subcommand not in SESSION_COMMANDS:
        release_signals()  # Ctrl-C as usual; only a session turns it into a clean stop


@cli.command()
@click.argument("app", type=click.Choice(APPS.names()))
@transport_option
@click.option("--topic", help="Topic (file data/TOPIC.jsonl) [default: the app's setting].")
@click.option("--interval", type=cli_types.INTERVAL,
              help="Seconds between messages [the app's setting].")
@click.option("--count", type=click.IntRange(min=1), help="Stop after N messages.")
@click.option("--input", "input_path", type=click.Path(path_type=Path),
              help="Input file (json: a JSON array of buzz messages; csv: timestamp,temperature).")
@click.option("--seed", type=int, help="Random seed for generated messages.")
@click.option("--partitions", type=click.IntRange(min=1),
              help="Kafka: partitions of a topic it creates [KAFKA_PARTITIONS or 3].")
@click.option("--replication-factor", type=click.IntRange(min=1),
              help="Kafka: replication factor of a topic it creates [1].")
@click.option("--reset-topic", is_flag=True,
              help="Empty the topic first (the teaching project recreated it at every start).")
@click.option("--also-kafka", is_flag=True,
              help="Also send to Kafka when a broker answers (the project producer's way).")
@click.pass_context
def produce(ctx: click.Context, app: str, transport: str | None, topic: str | None,
            interval: float | None, count: int | None, input_path: Path | None,
            seed: int | None, partitions: int | None, replication_factor: int | None,
            reset_topic: bool, also_kafka: bool) -> None:
    """Send APP's messages to a topic."""
    files = {"json": "buzz_json_file", "csv": "smoker_csv_file"}
    extra = {files[app]: input_path} if input_path and app in files else {}
    settings = _settings(ctx, transport=transport, kafka_partitions=partitions,
                         kafka_replication_factor=replication_factor, **extra)
    the_app = get_app(app)
    job = ProduceJob(the_app, settings, create_transport(settings.transport, settings),
                     topic or the_app.topic(settings),
                     the_app.interval(settings) if interval is None else interval,
                     count=count, rng=random.Random(seed), reset_topic=reset_topic,
                     also=_kafka_if_reachable(settings) if also_kafka else [])
    session = Session([job], [], ViewOptions(title=the_app.title, image_name=app, charts=False))
    session.run()
    where = " and ".join([settings.transport, *(t.name for t in job.also)])
    click.echo(f"{app}: sent {job.sent:,} messages to {where} topic '{job.topic}'")


@cli.command()
@click.argument("app", type=click.Choice(APPS.names()))
@transport_option
@click.option("--topic", help="Topic [default: the app's setting].")
@click.option("--from-beginning", is_flag=True,
              help="Count everything the topic holds afresh (default: resume from the saved "
                   "state; without one, where the group left off on Kafka, the end of a file).")
@click.option("--reset-state", is_flag=True,
              help="Forget the saved state and positions of this app, group and topic.")
@click.option("--checkpoint-every", type=cli_types.EVERY, default=None,
              help="Save state and positions every SECONDS (0: after each batch) [1].")
@click.option("--count", type=click.IntRange(min=1), help="Stop after reading N messages.")
@click.option("--idle-exit", type=cli_types.IDLE,
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

    The analytics are saved with the positions they reflect (data/checkpoints.sqlite): a
    consumer stopped or killed at any moment resumes where it left off, counting each message
    once."""
    settings = _settings(ctx, transport=transport, top_k=top_k, line_window=line_window,
                         fps=view["fps"], display=view["display"], chart_colors=view["colors"],
                         checkpoint_seconds=checkpoint_every)
    the_app = get_app(app)
    job = ConsumeJob(the_app, settings, create_transport(settings.transport, settings),
                     topic or the_app.topic(settings),
                     start="beginning" if from_beginning else "committed", count=count,
                     idle_exit=idle_exit, reset_state=reset_state)
    summaries = _run_session([], [job], view, settings, title or the_app.title, app)
    click.echo(escape_controls(f"{app}: {the_app.headline(summaries[0])}"))  # (names from data)
    _write_summary(view["summary_json"], summaries[0])


@cli.command()
@transport_option
@click.option("--count", type=click.IntRange(min=1), default=None,
              help="Buzz messages per stream [300 headless; endless in a window].")
@click.option("--interval", type=cli_types.FiniteFloat(min=0.001, max=cli_types.DAY),
              default=0.015, show_default=True,
              help="Seconds between messages of each stream (accelerated; for full speed run "
                   "`buzzline produce APP --interval 0` in another terminal).")
@click.option("--seed", type=int,
              help="Random seed for generated messages [a fixed one: the same run every time].")
@click.option("--dashboard", "dashboard_port", type=click.IntRange(1, 65535), default=None,
              is_flag=False, flag_value=8050,
              help="Also serve the browser dashboard on PORT (8050 when none is given); the "
                   "streams then run until Ctrl-C.")
@view_options
@click.pass_context
def demo(ctx: click.Context, transport: str | None, count: int | None, interval: float,
         seed: int | None, dashboard_port: int | None, **view: Any) -> None:
    """Run every app's producer and consumer together with a dashboard of all charts."""
    settings = _settings(ctx, transport=transport, fps=view["fps"], display=view["display"],
                         chart_colors=view["colors"])
    stop_dashboard = None
    if dashboard_port is not None:
        from buzzline.cli_dashboard import serve_in_background

        stop_dashboard = serve_in_background(live_dir(settings.data_dir), "127.0.0.1",
                                             dashboard_port, settings.fps)
        click.echo(f"buzzline dashboard: http://localhost:{dashboard_port}/")
    try:  # with the dashboard, the streams run until Ctrl-C (or --count), as in a window
        _demo(settings, count, interval, seed, view, endless=dashboard_port is not None)
    finally:
        if stop_dashboard is not None:
            stop_dashboard()


def _demo(settings: Settings, count: int | None, interval: float, seed: int | None,
          view: dict[str, Any], endless: bool) -> None:
    rng = random.Random(DEMO_SEED if seed is None else seed)
    write_sample_data(settings.buzz_json_file, settings.smoker_csv_file,
                      None if seed is None else random.Random(seed))
    settings = replace(settings, **DEMO_STREAMS)
    the_transport = create_transport(settings.transport, settings)
    from buzzline.charts.display import resolve_display

    mode, _ = resolve_display(settings.display, view["output_dir"])
    if view["no_chart"]:
        mode = "headless"
    per_stream = count if count is not None else (None if mode == "window" or endless else 300)
    consumers, producers = [], []
    for name in DEMO_APPS:
        app = get_app(name)
        topic = app.topic(settings)
        consumers.append(ConsumeJob(app, settings, the_transport, topic, start="end"))
        producers.append(ProduceJob(app, settings, the_transport, topic, interval,
                                    count=None if app.finite else per_stream,
                                    rng=random.Random(rng.random())))
    summaries = _run_session(producers, consumers, view, settings, "buzzline demo", "demo")
    for summary, job in zip(summaries, consumers, strict=True):
        click.echo(escape_controls(f"{job.app.name:>8}: {job.app.headline(summary)}"))
    _write_summary(view["summary_json"], {"apps": {s["app"]: s for s in summaries}})


@cli.command()
@click.option("--force", is_flag=True, help="Overwrite existing sample files.")
@click.option("--seed", type=int, default=None,
              help="Random seed [a fixed one: the same files every time].")
@click.pass_context
def data(ctx: click.Context, force: bool, seed: int | None) -> None:
    """Write buzzline's sample data (buzz.json, smoker_temps.csv) into the data folder."""
    settings = _settings(ctx)
    written = write_sample_data(settings.buzz_json_file, settings.smoker_csv_file,
                                None if seed is None else random.Random(seed), overwrite=force)
    for path in written:
        click.echo(f"wrote {path}")
    if not written:
        click.echo("sample data already there (use --force to rewrite)")


cli_kafka.register(cli, lambda ctx: _settings(ctx))
cli.add_command(charts_command)
cli.add_command(run_command)
cli.add_command(dashboard_command)


def _kafka_if_reachable(settings: Settings) -> list:
    """[the Kafka transport] when a broker answers within 3 s, else [] (and one line why)."""
    if settings.transport == "kafka":
        return []
    try:
        return [create_transport("kafka", replace(settings, kafka_connect_timeout=3.0))]
    except BuzzlineError as exc:
        log.info("not sending to Kafka: %s", exc)
        return []


def _run_session(producers: list, consumers: list, view: dict[str, Any], settings: Settings,
                 title: str, image_name: str) -> list[dict[str, Any]]:
    options = ViewOptions(
        title=title, image_name=image_name, output_dir=view["output_dir"],
        default_output_dir=settings.output_dir,
        display=settings.display, image_format=view["image_format"], fps=settings.fps,
        save_every=settings.save_every_seconds, charts=not view["no_chart"],
        duration=view["duration"],
        live_dir=live_dir(settings.data_dir) if settings.live and not view["no_live"] else None)
    session = Session(producers, consumers, options)
    summaries = session.run()
    image = session.saved_image()
    if image is not None:
        click.echo(f"chart: {image}")
    return summaries


def _write_summary(path: Path | None, summary: dict[str, Any]) -> None:
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n")
        except OSError as exc:  # a full disk, a folder in the way
            raise WriteFailed(f"cannot write the summary {path}: {exc.strerror or exc}") \
                from None


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point: one line and exit code 2 for an error the user can fix; 0 on Ctrl-C."""
    defer_signals()
    try:
        code = cli.main(args=argv, prog_name="buzzline", standalone_mode=False)
    except click.exceptions.Abort:
        code = 0
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except BuzzlineError as exc:
        click.echo(f"buzzline: error: {exc}", err=True)
        code = exc.exit_code
    except KeyboardInterrupt:
        code = 0
    except Exception as exc:
        if not type(exc).__module__.startswith(("confluent_kafka", "cimpl")):
            raise
        error = exc.args[0] if exc.args else exc  # a Kafka error nothing above expected
        click.echo(f"buzzline: kafka error: {getattr(error, 'str', lambda: error)()}", err=True)
        code = 2
    ignore_signals()
    sys.exit(code if isinstance(code, int) else 0)


@cli.group()
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

    settings = _settings(ctx, transport=transport)
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
