"""The drawing gate: consumers pause at it while a chart frame draws.

Consumers and the frame loop share one interpreter. A frame drawn while a consumer still runs
takes turns with it (the GIL hands over every few milliseconds), which makes a 7 ms frame
last 20 ms and more. So a frame closes the gate, waits a moment for the running consumers to
reach it (each looks at it between slices of about a millisecond of work), draws alone, and
opens it again. A consumer waits at most ``hold`` seconds: a long frame (a whole-figure
redraw) shares the interpreter after that rather than stall the stream.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# how long a frame waits for the consumers to pause: longer than a slice of work between two
# looks at the gate, short enough not to matter when a consumer is idle (waiting for input)
ARRIVE_SECONDS = 0.010


class Gate:
    def __init__(self, hold: float = 0.025) -> None:
        self.hold = hold
        self._open = threading.Event()
        self._open.set()
        self._changed = threading.Condition()
        self._running = 0  # consumers working (between join and leave)
        self._paused = 0  # of them, waiting at the gate now
        self._away = 0  # of them, waiting for input (not at the gate, not in the way either)

    # -- the consumers' side
    def join(self) -> None:
        with self._changed:
            self._running += 1

    def leave(self) -> None:
        with self._changed:
            self._running -= 1
            self._changed.notify_all()

    def pause(self) -> None:
        """Wait here while a frame draws (at most ``hold`` seconds)."""
        if self._open.is_set():
            return
        with self._changed:
            self._paused += 1
            self._changed.notify_all()
        try:
            self._open.wait(self.hold)
        finally:
            with self._changed:
                self._paused -= 1

    @contextmanager
    def away(self) -> Iterator[None]:
        """Around a wait for input: a frame does not wait for this consumer meanwhile (it
        would wait for nothing at a low message rate); it pauses at its next look."""
        with self._changed:
            self._away += 1
            self._changed.notify_all()
        try:
            yield
        finally:
            with self._changed:
                self._away -= 1

    # -- the frame's side
    def close(self, arrive: float = ARRIVE_SECONDS) -> None:
        """Close the gate and wait up to ``arrive`` seconds for the running consumers."""
        self._open.clear()
        deadline = time.monotonic() + arrive
        with self._changed:
            while self._paused + self._away < self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)

    def open(self) -> None:
        self._open.set()

    def is_open(self) -> bool:
        return self._open.is_set()
