"""The value types of the command line's options, in one place: a number of seconds or of
frames per second is finite and within sane bounds (no ``nan``, ``inf``, ``1e308`` or a
negative time reaching a timer that would overflow or spin); an app is a built-in name or a
stream file."""

import math
from pathlib import Path
from typing import Any

import click

DAY = 86_400.0
YEAR = 365 * DAY
MAX_FPS = 1000.0


class FiniteFloat(click.FloatRange):
    """A float within ``[min, max]`` (``min_open``: above ``min``) that is finite."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


# (click types hold no state: one of each serves every command)
INTERVAL = FiniteFloat(min=0.0, max=DAY)  # seconds between messages (0: at full speed)
DURATION = FiniteFloat(min=0.0, max=YEAR, min_open=True)  # run for SECONDS
IDLE = FiniteFloat(min=0.0, max=YEAR)  # stop after SECONDS without a message (0: caught up)
EVERY = FiniteFloat(min=0.0, max=DAY)  # a period that may be 0 (after every batch)
FPS = FiniteFloat(min=0.1, max=MAX_FPS)  # frames per second


class AppOrFile(click.ParamType):
    """A built-in app's name or the path of a stream file (``sensor.py``), kept as typed; the
    command resolves it (``buzzline.runner.resolve_app``) once its settings are loaded. An
    unknown name fails with the valid choices."""

    name = "app"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "APP|FILE.py"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        from buzzline.apps import APPS
        from buzzline.runner import is_stream_path

        text = str(value)
        if text in APPS.names() or is_stream_path(text) or Path(text).is_file():
            return text
        choices = ", ".join(APPS.names())
        self.fail(f"unknown app {text!r}; choose one of: {choices} (or a stream file, FILE.py)",
                  param, ctx)


APP = AppOrFile()
