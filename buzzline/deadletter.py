"""Dead letters: every message a consumer rejects is set aside with its reason, its original
bytes (base64 when not UTF-8), where it was and when, on the same transport: the topic
``<topic>.dlq`` (Kafka) or the file ``data/<topic>.dlq.jsonl``. The consumer never stops for a
bad message, and no rejected message goes without a record:

- a record larger than the dead-letter topic takes (Kafka's limits; at most ``RECORD_BYTES``
  everywhere: escaping grows control characters 6x, base64 grows bytes 4/3) keeps the first
  bytes of the message that fit, marked ``truncated`` with the message's ``original_bytes``,
  the ``sha256`` of all of them and the ``stored_bytes`` it holds;
- a dead letter that cannot be written (delivery failed, disk full) stops the consumer with
  ``DeadLetterFailed`` before the batch that holds it is committed: a restart reads it again.
"""

import base64
import hashlib
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from buzzline.errors import BuzzlineError, WriteFailed
from buzzline.messages import Rejected
from buzzline.transports.base import Producer, Transport

log = logging.getLogger(__name__)
SUFFIX = ".dlq"
RECORD_BYTES = 1_000_000  # the largest dead letter on any transport (Kafka's producer default)
# what a record batch of one record adds to the value on Kafka (61 bytes of batch header, the
# record's own varints), with room to spare
KAFKA_OVERHEAD = 512


class DeadLetterFailed(BuzzlineError):
    """A dead letter could not be written: the consumer stops before committing its batch."""

    exit_code = 1


def dlq_topic(topic: str) -> str:
    return topic + SUFFIX


def record(rejected: Rejected, topic: str, app: str, position: dict[str, int],
           now: datetime | None = None) -> dict[str, Any]:
    """One dead letter as a JSON-ready dict (whole: see ``encode`` for the size limit)."""
    out: dict[str, Any] = {
        "time": (now or datetime.now(UTC)).isoformat(timespec="milliseconds"),
        "app": app,
        "topic": topic,
        "position": position,
        "reason": rejected.reason,
    }
    try:
        out["value"] = rejected.raw.decode("utf-8")
    except UnicodeDecodeError:
        out["value_base64"] = base64.b64encode(rejected.raw).decode("ascii")
    return out


def encode(letter: dict[str, Any], raw: bytes, limit: int = RECORD_BYTES) -> tuple[bytes, bool]:
    """``letter`` (of the message ``raw``) as JSON of at most ``limit`` bytes, and whether it
    was cut: whole when it fits, else with the value cut to fit, ``truncated``,
    ``original_bytes``, ``sha256`` and ``stored_bytes`` (the first bytes of ``raw`` it holds)."""
    body = orjson.dumps(letter)
    if len(body) <= limit:
        return body, False
    key = "value" if "value" in letter else "value_base64"
    cut = {**letter, key: "", "truncated": True, "original_bytes": len(raw),
           "sha256": hashlib.sha256(raw).hexdigest(), "stored_bytes": len(raw)}
    if letter.get("truncated"):  # a message known by its first bytes only: as it says
        cut.update(original_bytes=letter["original_bytes"], sha256=letter["sha256"])
    room = limit - len(orjson.dumps(cut))
    if room < 0:  # not even the metadata fits: a reason that long is cut too
        cut["reason"] = cut["reason"][:200]
        room = max(0, limit - len(orjson.dumps(cut)))
    if key == "value_base64":
        kept = room // 4 * 3
        cut[key] = base64.b64encode(raw[:kept]).decode("ascii")
    else:
        cut[key] = _longest_prefix(letter[key], room)
        kept = len(cut[key].encode("utf-8"))
    cut["stored_bytes"] = kept
    return orjson.dumps(cut), True


def _longest_prefix(text: str, room: int) -> str:
    """The longest start of ``text`` whose JSON string (quotes left out) takes <= ``room``."""
    low, high = 0, min(len(text), room)  # each character takes one byte or more
    while low < high:
        middle = (low + high + 1) // 2
        if len(orjson.dumps(text[:middle])) - 2 <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low]


class DeadLetters:
    """Sends rejected messages of one topic to its dead-letter topic (opened on first use)."""

    def __init__(self, transport: Transport, topic: str, app: str) -> None:
        self.transport, self.topic, self.app = transport, topic, app
        self.count = 0
        self.limit = RECORD_BYTES
        self.failure: DeadLetterFailed | None = None  # the first one raised
        self._producer: Producer | None = None
        # (partition, record) -> written in the consumer's transaction with the state of that
        # partition (Kafka, state in a changelog): exactly once; None: sent by a producer
        self.sink: Callable[[int, bytes], None] | None = None
        self._sink_ready = False

    def add(self, rejected: Rejected, position: dict[str, Any],
            original_bytes: int | None = None) -> None:
        """Queue the dead letter of ``rejected`` (``original_bytes``: the size of a message
        whose first bytes only were read, e.g. a file line over the transport's limit)."""
        if self.sink is not None:
            self._open_sink()
        else:
            producer = self._producer or self._open()
        letter = record(rejected, self.topic, self.app, position)
        if original_bytes is not None and original_bytes > len(rejected.raw):
            letter.update(truncated=True, original_bytes=original_bytes, sha256=None,
                          stored_bytes=len(rejected.raw))  # never held whole: no hash
        body, _ = encode(letter, rejected.raw, self.limit)
        if self.sink is not None:
            self.sink(int(position.get("partition") or 0), body)
            self.count += 1
            return
        try:
            producer.send(body)
        except (OSError, WriteFailed) as exc:
            raise self._failed(exc) from None
        self.count += 1

    def _open_sink(self) -> None:
        """The dead-letter topic made, its size limit known (once)."""
        if self._sink_ready:
            return
        target = dlq_topic(self.topic)
        ensure = getattr(self.transport, "ensure_topic", None)
        try:
            if ensure is not None:
                ensure(target)
        except (OSError, BuzzlineError) as exc:
            raise self._failed(exc) from None
        allowed = self.transport.max_message_bytes(target)
        if allowed is not None:
            self.limit = max(1024, min(RECORD_BYTES, allowed - KAFKA_OVERHEAD))
        self._sink_ready = True

    def _open(self) -> Producer:
        target = dlq_topic(self.topic)
        try:
            self._producer = self.transport.producer(target)
        except (OSError, WriteFailed) as exc:
            raise self._failed(exc) from None
        allowed = self.transport.max_message_bytes(target)
        if allowed is not None:
            self.limit = max(1024, min(RECORD_BYTES, allowed - KAFKA_OVERHEAD))
        return self._producer

    def flush(self) -> None:
        """Return once every dead letter added is stored; DeadLetterFailed if one is not
        (with a ``sink``: they are committed with the state, or read again)."""
        if self._producer is not None:
            try:
                self._producer.confirm()
            except (OSError, BuzzlineError) as exc:
                raise self._failed(exc) from None

    def close(self) -> None:
        """Close the producer; DeadLetterFailed for dead letters it could not store (unless
        that failure was raised already: the same letters, the same error)."""
        if self._producer is None:
            return
        try:
            self._producer.close()
        except (OSError, BuzzlineError) as exc:
            if self.failure is None:
                raise self._failed(exc) from None
            log.debug("dead letters of %r, closing after the failure: %s", self.topic, exc)
        finally:
            self._producer = None

    def refused(self, why: str) -> DeadLetterFailed:
        """The error for dead letters the broker refused (in a transaction: ``sink``)."""
        return self._failed(BuzzlineError(why))

    def _failed(self, exc: BaseException) -> DeadLetterFailed:
        if isinstance(exc, WriteFailed) and isinstance(exc.__cause__, OSError):
            exc = exc.__cause__  # the file transport's own words name the file again
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        where = getattr(exc, "filename", None) or getattr(self._producer, "path", None)
        where = where or dlq_topic(self.topic)  # a file's path, else the topic
        self.failure = DeadLetterFailed(
            f"cannot write the dead letters of {self.topic!r} to {where} ({why}): stopped "
            "before the batch that holds them, which is read again at the next start")
        return self.failure


def read_dead_letters(transport: Transport, topic: str, limit: int = 0,
                      wait: float = 10.0) -> Iterator[dict[str, Any]]:
    """The dead letters of ``topic``, oldest first (``limit`` > 0: the first ones only)."""
    seen = 0
    with transport.consumer(dlq_topic(topic), group="buzzline-dlq-reader",
                            start="beginning") as consumer:
        idle = 0.0
        while idle < wait:
            batch = consumer.poll(max_messages=1000, timeout=0.2)
            idle = 0.0 if batch.values else idle + 0.2
            for value in batch.values:
                yield orjson.loads(value)
                seen += 1
                if limit and seen >= limit:
                    return
            if batch.caught_up and not batch.values:
                return
