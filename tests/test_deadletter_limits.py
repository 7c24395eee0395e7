"""Dead letters never vanish: a rejected message whose dead letter would be larger than the
dead-letter topic takes (escaping grows control characters 6x, base64 grows invalid UTF-8
4/3) is stored cut to fit, with its original size, the sha256 of all its bytes and the reason;
a dead letter that cannot be written stops the consumer with one line and exit code 1, before
the batch that holds it is committed (the next start reads it again: nothing lost)."""

import base64
import hashlib
import json
import os
from pathlib import Path

import orjson
import pytest

from buzzline.apps import get_app
from buzzline.deadletter import (
    KAFKA_OVERHEAD,
    RECORD_BYTES,
    DeadLetterFailed,
    dlq_topic,
    encode,
    record,
)
from buzzline.engine.consume import ConsumeJob
from buzzline.messages import Rejected
from buzzline.settings import load_settings
from tests.conftest import run_buzzline

GOOD = b'{"message": "hi", "author": "Eve"}'


def control(n: int) -> bytes:
    """A message of ``n`` control characters in a JSON string: not JSON (rejected), and
    each character escapes to 6 bytes (\\u0001) in its dead letter."""
    return b'{"message": "' + b"\x01" * n + b'", "author": "x"}'


def binary(n: int) -> bytes:
    """``n`` bytes that are not UTF-8: base64 in the dead letter (4/3 of the size)."""
    return bytes([0xFF, 0xFE]) * (n // 2)


def assert_letter(letter: dict, raw: bytes, limit: int) -> None:
    """``letter`` is the dead letter of ``raw``: whole, or cut to fit ``limit`` bytes with
    the size and hash of all of ``raw`` and a value that is the start of ``raw``."""
    size = len(orjson.dumps(letter))
    assert size <= limit, (size, limit)
    if "value_base64" in letter:
        stored = base64.b64decode(letter["value_base64"])
    else:
        stored = letter["value"].encode("utf-8")
    if not letter.get("truncated"):
        assert stored == raw and "sha256" not in letter
        return
    assert letter["original_bytes"] == len(raw) > letter["stored_bytes"] == len(stored)
    assert letter["sha256"] == hashlib.sha256(raw).hexdigest()
    assert raw.startswith(stored) and letter["reason"]
    # cut at most one escaped character (6 bytes) or base64 group short, and stored_bytes
    # may have fewer digits than original_bytes
    assert size > limit - 16, (size, limit)


@pytest.mark.parametrize("raw", [
    control(5000), binary(5000), b'"\\' * 3000, "é😀\u2028".encode() * 700,
    b"x" * 10_000, b"ok"])
def test_encode_cuts_to_the_limit_and_keeps_size_and_hash(raw):
    letter = record(Rejected("not JSON: something", raw), "t", "basic", {"offset": 3})
    body, cut = encode(letter, raw, 2000)
    assert cut == (raw != b"ok")
    assert_letter(orjson.loads(body), raw, 2000)


def consume(workdir: Path, count: int, *extra: str, **env: str):
    return run_buzzline(["consume", "basic", "--from-beginning", "--count", str(count),
                         "--no-chart", "--summary-json", "s.json", *extra], workdir,
                        timeout=180, **env)


def test_file_dead_letters_are_capped_and_listed_as_truncated(workdir):
    bad = [control(300_000), binary(900_000), b"not json"]
    lines = [GOOD, bad[0], GOOD, bad[1], bad[2]]
    data = workdir / "data"
    data.mkdir()
    (data / "buzz_live.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    done = consume(workdir, len(lines))
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((workdir / "s.json").read_text())
    assert (summary["messages"], summary["rejected"], summary["dead_letters"]) == (2, 3, 3)
    letters = [orjson.loads(x) for x in (data / "buzz_live.dlq.jsonl").read_bytes().splitlines()]
    assert len(letters) == 3
    for letter, raw in zip(letters, bad, strict=True):
        assert_letter(letter, raw, RECORD_BYTES)
    assert [bool(x.get("truncated")) for x in letters] == [True, True, False]
    shown = run_buzzline(["dlq", "show", "buzz_live"], workdir).stdout.splitlines()
    assert len(shown) == 3
    digest = hashlib.sha256(bad[0]).hexdigest()
    assert f"[truncated: {len(bad[0]):,} bytes, sha256 {digest}, the first " in shown[0]
    assert f"truncated: {len(bad[1]):,} bytes" in shown[1] and "truncated" not in shown[2]


@pytest.mark.parametrize("blocker", ["directory", "full disk"])
def test_a_dead_letter_that_cannot_be_written_stops_with_one_line(workdir, blocker):
    if blocker == "full disk" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    data = workdir / "data"
    data.mkdir()
    lines = [GOOD, b"not json", GOOD]
    (data / "buzz_live.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    dlq = data / "buzz_live.dlq.jsonl"
    if blocker == "directory":
        dlq.mkdir()
    else:
        dlq.symlink_to("/dev/full")  # every write: ENOSPC
    done = run_buzzline(["consume", "basic", "--from-beginning", "--count", "3", "--no-chart"],
                        workdir, timeout=60)
    assert done.returncode == 1, done.stderr[-2000:]
    errors = [ln for ln in done.stderr.splitlines() if "error" in ln.lower()]
    assert errors == [errors[-1]] and "Traceback" not in done.stderr, done.stderr[-2000:]
    why = "Is a directory" if blocker == "directory" else "No space left on device"
    assert errors[0].startswith("buzzline: error: cannot write the dead letters of "
                                f"'buzz_live' to {dlq} ({why})"), errors[0]
    # nothing was committed past the rejected message: once writable, a run that resumes
    # from the checkpoint reads it again
    (dlq.rmdir if blocker == "directory" else dlq.unlink)()
    again = run_buzzline(["consume", "basic", "--count", "3", "--no-chart", "--summary-json",
                          "s.json"], workdir, timeout=60)
    assert again.returncode == 0, again.stderr[-2000:]
    summary = json.loads((workdir / "s.json").read_text())
    assert (summary["messages"], summary["rejected"], summary["dead_letters"]) == (2, 1, 1)
    assert [orjson.loads(x)["value"] for x in dlq.read_bytes().splitlines()] == ["not json"]


# ---- Kafka: the broker's limits ---------------------------------------------------------------

def kafka_settings(broker, workdir: Path, **overrides):
    return load_settings(environ={"KAFKA_BROKER_ADDRESS": broker.bootstrap}, env_file=None,
                         kafka_partitions=1, data_dir=workdir / "data", **overrides)


def send_raw(transport, topic: str, values: list[bytes]) -> None:
    with transport.producer(topic) as producer:
        for value in values:
            producer.send(value)


def small_dlq_topic(transport, topic: str, limit: int) -> None:
    from confluent_kafka.admin import NewTopic

    created = transport.admin.create_topics([NewTopic(dlq_topic(topic), 1, 1, config={
        "max.message.bytes": str(limit)})])
    created[dlq_topic(topic)].result()


@pytest.mark.kafka
def test_kafka_dead_letters_near_the_default_limit_are_cut_to_fit(kafka_broker, kafka_topic,
                                                                 workdir):
    """900 KB of control characters (5.4 MB escaped) and 800 KB that are not UTF-8 (1.07 MB
    in base64): both over the 1 MB a Kafka message may have by default."""
    from buzzline.deadletter import read_dead_letters
    from buzzline.transports.kafka import KafkaTransport

    kafka = KafkaTransport(kafka_settings(kafka_broker, workdir))
    bad = [control(900_000), binary(800_000), b"[1, 2]"]
    send_raw(kafka, kafka_topic, [GOOD, bad[0], GOOD, bad[1], GOOD, bad[2]])
    done = consume(workdir, 6, "--topic", kafka_topic, KAFKA_BROKER_ADDRESS=kafka_broker.bootstrap,
                   BUZZLINE_TRANSPORT="kafka", KAFKA_PARTITIONS="1")
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((workdir / "s.json").read_text())
    assert (summary["messages"], summary["rejected"], summary["dead_letters"]) == (3, 3, 3)
    letters = list(read_dead_letters(kafka, kafka_topic))
    assert [x["position"]["offset"] for x in letters] == [1, 3, 5]
    for letter, raw in zip(letters, bad, strict=True):
        assert_letter(letter, raw, 1_000_000 - KAFKA_OVERHEAD)  # the producer's limit
    assert [bool(x.get("truncated")) for x in letters] == [True, True, False]


@pytest.mark.kafka
def test_kafka_dead_letter_topic_with_a_small_limit(kafka_broker, kafka_topic, workdir):
    """The dead-letter topic takes 4 KB: a 3,000-character message (18 KB escaped) is kept
    cut to fit the topic's max.message.bytes, read from the broker."""
    from buzzline.deadletter import read_dead_letters
    from buzzline.transports.kafka import KafkaTransport

    settings = kafka_settings(kafka_broker, workdir)
    kafka = KafkaTransport(settings)
    small_dlq_topic(kafka, kafka_topic, 4096)
    assert kafka.max_message_bytes(dlq_topic(kafka_topic)) == 4096
    bad = [control(3000), b"not json"]
    send_raw(kafka, kafka_topic, [bad[0], GOOD, bad[1]])
    job = ConsumeJob(get_app("basic"), settings, kafka, kafka_topic, start="beginning", count=3)
    job.run()
    assert (job.totals.messages, job.totals.rejected, job.dead_letters.count) == (1, 2, 2)
    letters = list(read_dead_letters(kafka, kafka_topic))
    assert len(letters) == 2 and letters[0]["truncated"] and not letters[1].get("truncated")
    for letter, raw in zip(letters, bad, strict=True):
        assert_letter(letter, raw, 4096 - KAFKA_OVERHEAD)


@pytest.mark.kafka
def test_kafka_dead_letter_the_broker_refuses_is_an_error(kafka_broker, kafka_topic, workdir,
                                                          monkeypatch):
    """Told the wrong limit, the producer sends a dead letter the topic refuses: the consumer
    stops with DeadLetterFailed (exit code 1) and commits nothing past it; a run that knows
    the limit then stores it, and the counts are exact."""
    from buzzline.deadletter import read_dead_letters
    from buzzline.transports.kafka import KafkaTransport

    settings = kafka_settings(kafka_broker, workdir)
    kafka = KafkaTransport(settings)
    small_dlq_topic(kafka, kafka_topic, 4096)
    send_raw(kafka, kafka_topic, [GOOD, control(3000), GOOD])
    with monkeypatch.context() as patch:
        patch.setattr(KafkaTransport, "max_message_bytes", lambda self, topic: None)
        job = ConsumeJob(get_app("basic"), settings, kafka, kafka_topic, count=3)
        with pytest.raises(DeadLetterFailed, match="Message size too large") as failed:
            job.run()
    assert failed.value.exit_code == 1 and job.error is failed.value
    assert job.state.store is not None
    job = ConsumeJob(get_app("basic"), settings, kafka, kafka_topic, count=3)
    job.run()
    assert (job.totals.messages, job.totals.rejected) == (2, 1)
    letters = list(read_dead_letters(kafka, kafka_topic))
    assert len(letters) == 1 and letters[0]["position"] == {"partition": 0, "offset": 1}


def memory_job(count: int = 2) -> ConsumeJob:
    from buzzline.settings import Settings
    from buzzline.transports.memory import MemoryTransport

    transport = MemoryTransport()
    with transport.producer("t") as producer:
        for value in [GOOD, b"not json"][:count]:
            producer.send(value)
    return ConsumeJob(get_app("basic"), Settings(), transport, "t", start="beginning",
                      count=count)


def test_a_failure_while_closing_is_the_jobs_error_never_swallowed(monkeypatch):
    """The old bug: DeadLetters.close raised in run()'s finally, and nobody saw it (exit 0)."""
    from buzzline.deadletter import DeadLetters

    def refuse(self) -> None:
        raise DeadLetterFailed("cannot write the dead letters: refused")

    monkeypatch.setattr(DeadLetters, "close", refuse)
    job = memory_job()
    job.run_quietly()  # as the session runs it: the main thread raises job.error
    assert isinstance(job.error, DeadLetterFailed) and job.done.is_set()


def test_when_both_fail_the_first_error_stands_and_the_second_is_logged(monkeypatch,
                                                                       caplog):
    from buzzline.deadletter import DeadLetters

    def broken(self, batch) -> None:
        raise RuntimeError("first")

    def refuse(self) -> None:
        raise DeadLetterFailed("second")

    monkeypatch.setattr(ConsumeJob, "_apply", broken)
    monkeypatch.setattr(DeadLetters, "close", refuse)
    job = memory_job()
    with pytest.raises(RuntimeError, match="first"):
        job.run()
    assert str(job.error) == "first"
    assert "basic: also, while closing: second" in caplog.text
