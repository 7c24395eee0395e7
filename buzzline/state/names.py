"""The name of a group's changelog topic: derived from group, app and topic, in the
characters Kafka allows (a hash keeps names that had to be changed or cut apart)."""

import hashlib
import re

_ALLOWED = re.compile(r"[^A-Za-z0-9._-]")
MAX_TOPIC = 249  # Kafka's longest topic name
PREFIX = "buzzline-state"


def changelog_topic(group: str, app: str, topic: str) -> str:
    """``buzzline-state.<group>.<app>.<topic>``, made safe for Kafka."""
    raw = f"{PREFIX}.{group}.{app}.{topic}"
    safe = _ALLOWED.sub("_", raw)
    if safe == raw and len(raw) <= MAX_TOPIC:
        return raw
    digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{safe[:MAX_TOPIC - 13]}.{digest}"
