"""Logging: stderr plus a rotating ``logs/buzzline.log``; the user's name and home path are
scrubbed from every line, and so is any secret registered with the filter."""

import getpass
import logging
import logging.handlers
import os
import sys
from pathlib import Path

from rich.console import Console

FILE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class ConsoleHandler(logging.Handler):
    """Log lines to stderr through a rich Console, so they print above a live status line
    (``buzzline.engine.status``) instead of through it."""

    def __init__(self) -> None:
        super().__init__()
        self.console = Console(stderr=True, highlight=False, soft_wrap=True)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.console.print(self.format(record), markup=False, emoji=False)
        except (OSError, ValueError):
            self.handleError(record)


class LogFileHandler(logging.handlers.RotatingFileHandler):
    """The rotating log file; when it cannot be written (a full disk), one line on stderr and
    no more writes to it, instead of a traceback for every log line."""

    broken = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.broken:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handleError(record)
            return
        self.broken = True
        reason = error.strerror or error
        sys.stderr.write(f"buzzline: cannot write the log file {Path(self.baseFilename).name}: "
                         f"{reason}; logging to the terminal only\n")


class ScrubFilter(logging.Filter):
    """Replaces the home path with ``~``, the user name with ``USER`` and secrets with ``***``."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        home = str(Path.home())
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = os.environ.get("USER", "")
        self.replacements: list[tuple[str, str]] = [(s, "***") for s in secrets if s]
        if home not in ("/", ""):
            self.replacements.append((home, "~"))
        if len(user) >= 3 and user != "root":
            self.replacements.append((user, "USER"))

    def scrub(self, text: str) -> str:
        for old, new in self.replacements:
            text = text.replace(old, new)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = self.scrub(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(level: str = "INFO", log_dir: Path | None = Path("logs"),
                      secrets: tuple[str, ...] = ()) -> None:
    """Set up the ``buzzline`` logger once per process (idempotent)."""
    logger = logging.getLogger("buzzline")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(level)
    logger.propagate = False
    scrub = ScrubFilter(secrets)
    stderr = ConsoleHandler()
    stderr.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    stderr.addFilter(scrub)
    logger.addHandler(stderr)
    if log_dir is not None:
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            file = LogFileHandler(
                log_dir / "buzzline.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        except OSError as exc:
            logger.warning("cannot write logs to %s: %s", log_dir, exc.strerror)
        else:
            file.setFormatter(logging.Formatter(FILE_FORMAT))
            file.addFilter(scrub)
            logger.addHandler(file)
