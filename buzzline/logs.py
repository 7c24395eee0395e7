"""Logging: stderr plus a rotating ``logs/buzzline.log``; the user's name and home path are
scrubbed from every line, and so is any secret registered with the filter."""

import getpass
import logging
import logging.handlers
import os
import re
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


# characters a terminal or an editor acts on instead of showing: C0 controls (newline and tab
# too: a message must not forge a second log line), DEL, C1 controls (ESC sequences start with
# one of these), the line and paragraph separators and the bidirectional marks and overrides
CONTROLS = [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, 0x2028, 0x2029,
            *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
ESCAPES = {c: (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in CONTROLS} | {
    0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
TRACEBACK_ESCAPES = {c: e for c, e in ESCAPES.items() if c != 0x0A}  # its lines stay lines


def escape_controls(text: str, keep_newlines: bool = False) -> str:
    """``text`` with every control character shown as an escape (ESC as ``\\x1b``)."""
    return text.translate(TRACEBACK_ESCAPES if keep_newlines else ESCAPES)


def _whole(word: str) -> str:
    """A pattern of ``word`` where it is not part of a longer word (a secret inside another
    word is not the secret; masking it there would show what the secret is)."""
    before = r"(?<!\w)" if re.match(r"\w", word) else ""
    after = r"(?!\w)" if re.search(r"\w$", word) else ""
    return before + re.escape(word) + after


def mask(text: str, secret: str) -> str:
    """``text`` with each whole occurrence of ``secret`` as ``***`` (see ``_whole``)."""
    return re.sub(_whole(secret), "***", text) if secret else text


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
    """Replaces the home path with ``~``, the user name with ``USER`` and secrets with ``***``
    (whole occurrences: never part of another word, never a hint of their length), and shows
    control characters as escapes (a rejected message's bytes cannot clear the screen or set
    the window title)."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        home = str(Path.home())
        try:
            user = getpass.getuser()
        except (KeyError, OSError, ImportError):  # Windows without USERNAME: no pwd module
            user = os.environ.get("USER", "")
        self.replacements: list[tuple[re.Pattern[str], str]] = [
            (re.compile(_whole(s)), "***") for s in sorted(set(secrets), key=len, reverse=True)
            if s]
        if home not in ("/", ""):
            self.replacements.append((re.compile(re.escape(home)), "~"))
        if len(user) >= 3 and user != "root":
            self.replacements.append((re.compile(_whole(user)), "USER"))

    def scrub(self, text: str) -> str:
        for old, new in self.replacements:
            text = old.sub(new, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = escape_controls(self.scrub(record.getMessage()))
        record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = escape_controls(self.scrub(record.exc_text), keep_newlines=True)
        if record.stack_info:
            record.stack_info = escape_controls(self.scrub(record.stack_info),
                                                keep_newlines=True)
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
