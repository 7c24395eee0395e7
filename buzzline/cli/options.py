"""What the commands share: the settings of a command, the ``--transport`` and view options,
the session options they make, running a session and writing its summary."""

import logging
from pathlib import Path
from typing import Any

import click
import orjson

from buzzline.charts.writers import WRITERS
from buzzline.cli.param_types import DURATION, FPS
from buzzline.dashboard.publisher import live_dir
from buzzline.engine.session import SessionOptions
from buzzline.envfile import read_env_file, unknown_names
from buzzline.errors import SettingsError, WriteFailed
from buzzline.logs import configure_logging
from buzzline.runner import Prepared
from buzzline.settings import Settings, env_names, load_settings
from buzzline.transports import TRANSPORTS

log = logging.getLogger("buzzline.cli")


def settings_from(ctx: click.Context, **overrides: Any) -> Settings:
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
        click.option("--fps", type=FPS, default=None,
                     help="Chart frames per second [10]."),
        click.option("--duration", type=DURATION, default=None,
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


def view_settings(view: dict[str, Any]) -> dict[str, Any]:
    """The settings the view options override."""
    return {"fps": view["fps"], "display": view["display"], "chart_colors": view["colors"]}


def session_options(view: dict[str, Any], settings: Settings, title: str,
                    image_name: str) -> SessionOptions:
    """The session a command runs, from its view options. The command line owns its process:
    its sessions freeze the garbage collector (see ``SessionOptions.freeze_gc``)."""
    return SessionOptions(
        title=title, image_name=image_name, output_dir=view["output_dir"],
        default_output_dir=settings.output_dir,
        display=settings.display, image_format=view["image_format"], fps=settings.fps,
        save_every=settings.save_every_seconds, charts=not view["no_chart"],
        duration=view["duration"],
        live_dir=live_dir(settings.data_dir) if settings.live and not view["no_live"] else None,
        fast_draw=settings.fast_draw, freeze_gc=True)


def run_session(prepared: Prepared) -> list[dict[str, Any]]:
    """Run it; say where the last chart was saved."""
    summaries = prepared.run()
    image = prepared.session.saved_image()
    if image is not None:
        click.echo(f"chart: {image}")
    return summaries


def write_summary(path: Path | None, summary: dict[str, Any]) -> None:
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n")
        except OSError as exc:  # a full disk, a folder in the way
            raise WriteFailed(f"cannot write the summary {path}: {exc.strerror or exc}") \
                from None
