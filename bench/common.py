"""What the benchmark scripts share: timing and the results table (ratios to a baseline
measured in the same run)."""

import statistics
import time
from collections.abc import Callable

# case -> one (buzzline seconds, baseline seconds) pair per run
Runs = dict[str, list[tuple[float, float]]]


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def repeat(runs: int, run_once: Callable[[], dict[str, tuple[float, float]]]) -> Runs:
    results: Runs = {}
    for _ in range(runs):
        for case, pair in run_once().items():
            results.setdefault(case, []).append(pair)
    return results


def print_table(title: str, messages: int, results: Runs, baseline: str) -> None:
    """Median msgs/s (min-max) of each case, the baseline's median, and their ratio."""
    runs = len(next(iter(results.values()), []))
    print(f"{title}, {messages:,} buzz messages, {runs} runs (median, min-max msgs/s)")
    print(f"{'case':<9} {'buzzline msgs/s':>28} {baseline:>17} {'ratio':>6}")
    for case, pairs in results.items():
        rates = [messages / ours for ours, _ in pairs]
        base = statistics.median(messages / theirs for _, theirs in pairs)
        median = statistics.median(rates)
        print(f"{case:<9} {median:>12,.0f} ({min(rates):,.0f}-{max(rates):,.0f}) "
              f"{base:>17,.0f} {median / base:>6.2f}")
