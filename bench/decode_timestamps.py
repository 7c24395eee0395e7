"""decode_batch in ns per message on 5,000 smoker readings with the teaching project's ISO
timestamps (``2026-11-29T20:53:34.965675``), best of 200 batches: the time check's cost.

    python -m bench.decode_timestamps [--space]
"""

import sys
import time
from datetime import datetime, timedelta

from buzzline.messages import SmokerReading, decode_batch

READINGS, RUNS = 5_000, 200


def wire(space: bool) -> list[bytes]:
    start = datetime(2026, 11, 29, 20, 53, 34, 965675)
    moments = (start + timedelta(seconds=i) for i in range(READINGS))
    return [SmokerReading(m.isoformat(" " if space else "T"), 70.0 + i % 50 / 10).encode()
            for i, m in enumerate(moments)]


def ns_per_message(raws: list[bytes]) -> float:
    best = float("inf")
    for _ in range(RUNS):
        began = time.perf_counter_ns()
        good, bad = decode_batch(SmokerReading, raws)
        best = min(best, time.perf_counter_ns() - began)
    if len(good) != len(raws) or bad:
        raise SystemExit("a reading was rejected")
    return best / len(raws)


def main() -> None:
    space = "--space" in sys.argv[1:]
    print(f"decode_batch: {ns_per_message(wire(space)):.0f} ns/message "
          f"({READINGS:,} smoker readings, best of {RUNS})")


if __name__ == "__main__":
    main()
