"""Errors that end a command with one clear line and an exit code (never a stack trace)."""


class BuzzlineError(Exception):
    """An error the user can act on: printed as one line, process exits with `exit_code`."""

    exit_code = 2


class SettingsError(BuzzlineError):
    """A setting (environment, .env or option) has a value that cannot be used."""


class UnknownChoice(BuzzlineError):
    """A user-facing name (transport, app, writer...) that is not registered."""


class TransportUnavailable(BuzzlineError):
    """The chosen transport cannot be used here (not installed, not built yet, broker down)."""


class SourceError(BuzzlineError):
    """An input file is missing or unreadable."""


class WriteFailed(BuzzlineError):
    """A file could not be written (disk full, file too large, an I/O error): what was half
    written is rolled back; exit code 1, like a message that could not be delivered."""

    exit_code = 1
