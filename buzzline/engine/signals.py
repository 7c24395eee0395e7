"""Ctrl-C and SIGTERM as a request to stop, from the first moment of the process.

The entry point installs ``Pending`` before anything slow (imports, settings, connecting): a
signal that comes then is remembered, not raised in the middle of setting up, and the session
that follows stops at once (``stop_on_signals``), leaving its summary and last chart like a
Ctrl-C at any later moment. Commands that run no session hand the signals back to Python
(``release_signals``) and a signal remembered meanwhile is raised then.
"""

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

log = logging.getLogger(__name__)
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Pending:
    """A signal handler that remembers the first Ctrl-C / SIGTERM; a second Ctrl-C interrupts."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.signum = signum


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def defer_signals() -> None:
    """Remember Ctrl-C and SIGTERM from now on (kept if already deferring)."""
    if _in_main_thread() and not isinstance(signal.getsignal(signal.SIGINT), Pending):
        pending = Pending()
        for sig in _SIGNALS:
            signal.signal(sig, pending)


def release_signals() -> None:
    """Python's own handling again; a Ctrl-C or SIGTERM remembered until now is raised."""
    if not _in_main_thread():
        return
    pending = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if isinstance(pending, Pending) and pending.signum is not None:
        raise KeyboardInterrupt


def ignore_signals() -> None:
    """The command's work is done: a Ctrl-C or SIGTERM now changes nothing, not even the exit
    code (while Python shuts down it would otherwise end the process by the signal)."""
    if _in_main_thread():
        for sig in _SIGNALS:
            signal.signal(sig, signal.SIG_IGN)


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C and SIGTERM set ``stop`` (a second Ctrl-C interrupts at once); one that came
    before (see ``defer_signals``) sets it on entry."""
    if not _in_main_thread():
        yield
        return

    received: list[int] = []  # a stop the session reached by itself is no first Ctrl-C

    def handler(signum: int, frame: FrameType | None) -> None:
        if received and signum == signal.SIGINT:
            raise KeyboardInterrupt
        received.append(signum)
        log.info("stopping (%s): flushing and saving", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in _SIGNALS}
    earlier = previous[signal.SIGINT]
    if isinstance(earlier, Pending) and earlier.signum is not None:
        handler(earlier.signum, None)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
