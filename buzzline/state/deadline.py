"""A blocking client call that is given up after a deadline.

librdkafka (2.16 and before) can leave ``send_offsets_to_transaction`` blocked far past its
own timeout when the group coordinator's broker went away and came back: the request waits
on a broker handle that was replaced while the broker was out of reach, and nothing wakes it
(confluentinc/librdkafka#5456 and #5511; reproduced here by stopping the one broker for 5 s
in a transaction). A C call cannot be interrupted, so it runs in a helper thread; past the
deadline the caller gets ``Stuck`` and must abandon the client (the thread stays blocked in
it, harmless: the broker aborts the open transaction after its transaction timeout).
"""

import threading
from collections.abc import Callable
from typing import TypeVar

from buzzline.errors import BuzzlineError

T = TypeVar("T")


class Stuck(BuzzlineError):
    """The call did not return before its deadline."""


def within(call: Callable[[], T], seconds: float, what: str) -> T:
    """``call()``'s result or exception, or ``Stuck`` after ``seconds``."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            outcome["error"] = exc

    worker = threading.Thread(target=run, name=f"buzzline-{what}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise Stuck(f"{what} did not return within {seconds:.0f} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
