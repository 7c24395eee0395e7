"""The built-in apps' end-of-run lines: bounded, whatever the number of keys."""

from __future__ import annotations

from typing import Any

from buzzline.analytics.keycounts import plural as plural_of
from buzzline.engine.status import WIDTH, one_line


def counted(summary: dict[str, Any], field: str, plural: str) -> str:
    """The headline of a count per ``field``: every count while that is short, "1,234
    messages (Alice 3, Bob 2)", else "1,000,000 messages (1,000,000 authors; top: a 3, b 2,
    c 1)"; one line of at most ``WIDTH`` characters whatever the number of keys."""
    counts = summary.get(f"{field}_counts", {})
    head = f"{summary.get('messages', 0):,} messages"
    if len(counts) <= 10:
        every = ", ".join(f"{k} {n}" for k, n in counts.items())
        if len(head) + len(every) + 3 <= WIDTH:
            return one_line(f"{head} ({every})")
    top = ", ".join(f"{k} {counts[k]:,}" for k in summary.get(f"top_{plural_of(field)}", [])
                    if k in counts)
    return one_line(f"{head} ({len(counts):,} {plural}; top: {top})")
