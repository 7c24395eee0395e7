"""The ``buzzline`` command group, its commands (registered in ``COMMANDS``, the one place)
and ``main``, the entry point that turns errors into one line and an exit code."""

import logging
import sys
from pathlib import Path
from typing import NoReturn

import click

from buzzline import __version__
from buzzline.cli.charts import charts
from buzzline.cli.consume import consume
from buzzline.cli.dashboard import dashboard
from buzzline.cli.data import data
from buzzline.cli.demo import demo
from buzzline.cli.dlq import dlq
from buzzline.cli.kafka import kafka
from buzzline.cli.produce import produce
from buzzline.cli.run import run
from buzzline.cli.state import state
from buzzline.engine.signals import defer_signals, ignore_signals, release_signals
from buzzline.errors import BuzzlineError

log = logging.getLogger("buzzline.cli")
COMMANDS: tuple[click.Command, ...] = (produce, consume, demo, run, data, dlq, kafka, charts,
                                       dashboard, state)
# commands that run a Session: a Ctrl-C from the start of the process stops them cleanly
SESSION_COMMANDS = ("produce", "consume", "demo", "run")


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


for _command in COMMANDS:
    cli.add_command(_command)


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
