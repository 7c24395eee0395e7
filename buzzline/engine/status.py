"""A one-line status (messages, msgs/s, rejected) refreshed in place on a terminal, or logged
every ``log_every`` seconds when stderr is not a terminal; one short line whatever it holds."""

import logging
import time
from collections.abc import Callable

from rich.console import Console
from rich.live import Live
from rich.text import Text

from buzzline.logs import escape_controls

log = logging.getLogger("buzzline.status")
WIDTH = 120  # characters of a headline at most
STATUS_WIDTH = 240  # ... of a status line (a few consumers' numbers side by side)


def one_line(text: str, width: int = WIDTH) -> str:
    """``text`` as one printable line of at most ``width`` characters (cut with "...")."""
    text = escape_controls(text[: width * 4])  # what is left out is never looked at
    text = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def _log_console() -> Console | None:
    """The console buzzline's log lines go to, so they print above the status line."""
    from buzzline.logs import ConsoleHandler

    handlers = logging.getLogger("buzzline").handlers
    return next((h.console for h in handlers if isinstance(h, ConsoleHandler)), None)


class StatusLine:
    def __init__(self, render: Callable[[], str], console: Console | None = None,
                 refresh_every: float = 0.25, log_every: float = 10.0) -> None:
        self._render = render
        self.console = console or _log_console() or Console(stderr=True)
        self.refresh_every = refresh_every
        self.log_every = log_every
        self._live: Live | None = None
        self._last = 0.0

    def __enter__(self) -> "StatusLine":
        self._last = time.monotonic()
        if self.console.is_terminal:
            self._live = Live(Text(""), console=self.console, auto_refresh=False,
                              transient=False, redirect_stdout=False, redirect_stderr=False)
            self._live.__enter__()
        return self

    def render(self) -> str:
        return one_line(self._render(), STATUS_WIDTH)

    def tick(self) -> None:
        now = time.monotonic()
        if self._live is not None:
            if now - self._last >= self.refresh_every:
                self._last = now
                self._live.update(self._text(), refresh=True)
        elif now - self._last >= self.log_every:
            self._last = now
            log.info("%s", self.render())

    def _text(self) -> Text:
        return Text(self.render(), no_wrap=True, overflow="ellipsis")

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.update(self._text(), refresh=True)
            self._live.__exit__(None, None, None)
            self._live = None
