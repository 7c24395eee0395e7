"""The name of a group's changelog topic, derived from topic, app and group:
``<topic>.state.<app>.<group hash>``, next to the topic (as its ``.dlq`` is) in listings. The
group is named by a hash (a group's name is any string; the topic's name says which data)."""

import hashlib
import re

_ALLOWED = re.compile(r"[^A-Za-z0-9._-]")
MAX_TOPIC = 249  # Kafka's longest topic name


def _digest(text: str, size: int = 10) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:size]


def changelog_topic(group: str, app: str, topic: str) -> str:
    """The changelog of ``group`` reading ``topic`` with ``app``, made safe for Kafka."""
    raw = f"{topic}.state.{app}.{_digest(group)}"
    safe = _ALLOWED.sub("_", raw)
    if safe == raw and len(raw) <= MAX_TOPIC:
        return raw
    return f"{safe[:MAX_TOPIC - 13]}.{_digest(raw, 12)}"
