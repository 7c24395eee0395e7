"""``buzzline demo [APP|FILE.py]...``: every built-in app's producer and consumer (and any
stream files or apps named) together, with one window or image of all their charts."""

import random
from dataclasses import replace
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
from buzzline.cli.param_types import APP, DAY, FiniteFloat
from buzzline.dashboard.publisher import live_dir
from buzzline.logs import escape_controls
from buzzline.runner import ConsumeOptions, ProduceOptions, prepare, resolve_app
from buzzline.settings import Settings
from buzzline.sources.sample_data import write_sample_data

DEMO_APPS = ("basic", "json", "csv", "project")
# the demo's own topics and groups (files data/demo_*.jsonl): `consume basic` never counts them
DEMO_STREAMS: dict[str, Any] = {"basic_topic": "demo_basic", "buzz_topic": "demo_json",
                "smoker_topic": "demo_csv", "project_topic": "demo_project",
                "buzz_consumer_group_id": "demo_buzz", "smoker_consumer_group_id": "demo_smoker",
                "project_consumer_group_id": "demo_project"}
DEMO_SEED = 13  # the demo's messages without --seed: the README shows what it prints


@click.command()
@click.argument("extra", nargs=-1, type=APP)
@transport_option
@click.option("--count", type=click.IntRange(min=1), default=None,
              help="Buzz messages per stream [300 headless; endless in a window].")
@click.option("--interval", type=FiniteFloat(min=0.001, max=DAY),
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
def demo(ctx: click.Context, extra: tuple[str, ...], transport: str | None, count: int | None,
         interval: float, seed: int | None, dashboard_port: int | None, **view: Any) -> None:
    """Run every app's producer and consumer together with a dashboard of all charts.

    EXTRA: more stream files (FILE.py) or apps to run along with the built-in ones."""
    settings = settings_from(ctx, transport=transport, **view_settings(view))
    stop_dashboard = None
    if dashboard_port is not None:
        from buzzline.cli.dashboard import serve_in_background

        stop_dashboard = serve_in_background(live_dir(settings.data_dir), "127.0.0.1",
                                             dashboard_port, settings.fps)
        click.echo(f"buzzline dashboard: http://localhost:{dashboard_port}/")
    try:  # with the dashboard, the streams run until Ctrl-C (or --count), as in a window
        _demo(settings, extra, count, interval, seed, view, endless=dashboard_port is not None)
    finally:
        if stop_dashboard is not None:
            stop_dashboard()


def _demo(settings: Settings, extra: tuple[str, ...], count: int | None, interval: float,
          seed: int | None, view: dict[str, Any], endless: bool) -> None:
    rng = random.Random(DEMO_SEED if seed is None else seed)
    write_sample_data(settings.buzz_json_file, settings.smoker_csv_file,
                      None if seed is None else random.Random(seed))
    settings = replace(settings, **DEMO_STREAMS)
    from buzzline.charts.display import resolve_display

    mode, _ = resolve_display(settings.display, view["output_dir"])
    if view["no_chart"]:
        mode = "headless"
    per_stream = count if count is not None else (None if mode == "window" or endless else 300)
    apps = [resolve_app(name) for name in dict.fromkeys((*DEMO_APPS, *extra))]
    producing = [ProduceOptions(interval=interval, count=None if app.finite else per_stream,
                                seed=rng.random()) for app in apps]
    prepared = prepare(apps, settings=settings, produce=producing,
                       consume=ConsumeOptions(start="end"),
                       view=session_options(view, settings, "buzzline demo", "demo"))
    summaries = run_session(prepared)
    for summary, job in zip(summaries, prepared.consumers, strict=True):
        click.echo(escape_controls(f"{job.app.name:>8}: {job.app.headline(summary)}"))
    write_summary(view["summary_json"], {"apps": {s["app"]: s for s in summaries}})

