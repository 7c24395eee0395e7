"""Dead letters: each rejected message is set aside with its reason, bytes and position; the
good ones are counted exactly; `buzzline dlq show` lists them."""

import base64
import json

import orjson
import pytest
from click.testing import CliRunner

from buzzline.apps import get_app
from buzzline.cli import cli
from buzzline.deadletter import dlq_topic, read_dead_letters
from buzzline.engine.consume import ConsumeJob
from buzzline.settings import Settings
from buzzline.transports.memory import MemoryTransport

GOOD = [b'{"message": "hi", "author": "Eve"}', b'{"message": "yo", "author": "Bob"}']
BAD = [b"not json", b'{"message": 1, "author": "Bob"}', b"\xff\xfe\x00", b"[1, 2]",
       b'{"author": "x"}', b'{"message": "m", "author": NaN}', b"x" * 2000]


def mixed() -> list[bytes]:
    return [GOOD[0], *BAD[:3], GOOD[1], *BAD[3:], GOOD[0]]


def test_memory_consumer_sets_every_bad_message_aside():
    transport = MemoryTransport()
    with transport.producer("t") as producer:
        for value in mixed():
            producer.send(value)
    job = ConsumeJob(get_app("basic"), Settings(max_message_bytes=1000), transport, "t",
                     start="beginning", count=len(mixed()))
    job.run()
    assert job.totals.messages == 3 and job.totals.rejected == len(BAD)
    assert job.pipeline["authors"].counts() == {"Eve": 2, "Bob": 1}
    letters = [orjson.loads(v) for v in transport.messages(dlq_topic("t"))]
    assert len(letters) == len(BAD)
    positions = [letter["position"]["offset"] for letter in letters]
    assert positions == [i for i, v in enumerate(mixed()) if v in BAD]
    assert all(letter["reason"] and letter["topic"] == "t" for letter in letters)
    binary = next(letter for letter in letters if "value_base64" in letter)
    assert base64.b64decode(binary["value_base64"]) == b"\xff\xfe\x00"
    assert "over the 1000-byte limit" in letters[-1]["reason"]


def test_file_consumer_dead_letters_and_dlq_show(workdir):
    data = workdir / "data"
    data.mkdir()
    (data / "buzz_live.jsonl").write_bytes(b"\n".join(mixed()) + b"\n")
    runner = CliRunner()
    result = runner.invoke(cli, ["consume", "basic", "--from-beginning", "--count",
                                 str(len(mixed())), "--no-chart", "--summary-json", "s.json"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = json.loads((workdir / "s.json").read_text())
    assert summary["messages"] == 3 and summary["rejected"] == len(BAD)
    assert summary["dead_letters"] == len(BAD)
    lines = (data / "buzz_live.dlq.jsonl").read_bytes().splitlines()
    assert len(lines) == len(BAD)
    first = orjson.loads(lines[0])
    assert first["value"] == "not json" and first["position"] == {
        "partition": 0, "after": 0, "line": 1}
    shown = runner.invoke(cli, ["dlq", "show", "buzz_live"], catch_exceptions=False).output
    assert shown.count("\n") == len(BAD) and "not valid UTF-8" in shown
    as_json = runner.invoke(cli, ["dlq", "show", "buzz_live", "--json", "--limit", "2"],
                            catch_exceptions=False).output.splitlines()
    assert [json.loads(x)["value"] for x in as_json] == ["not json", BAD[1].decode()]


def test_dlq_show_with_none(workdir):
    result = CliRunner().invoke(cli, ["dlq", "show", "nothing_here"], catch_exceptions=False)
    assert "no dead letters" in result.output


@pytest.mark.kafka
def test_kafka_dead_letters_carry_partition_and_offset(kafka_broker, kafka_topic):
    from confluent_kafka import Producer

    from buzzline.settings import load_settings
    from buzzline.transports.kafka import KafkaTransport

    settings = load_settings(environ={"KAFKA_BROKER_ADDRESS": kafka_broker.bootstrap},
                             env_file=None, kafka_partitions=1, max_message_bytes=1000)
    kafka = KafkaTransport(settings)
    kafka.ensure_topic(kafka_topic)
    raw = Producer({"bootstrap.servers": kafka_broker.bootstrap})
    for value in mixed():
        raw.produce(kafka_topic, value)
    raw.flush(30)
    job = ConsumeJob(get_app("basic"), settings, kafka, kafka_topic, start="beginning",
                     count=len(mixed()))
    job.run()
    assert job.totals.messages == 3 and job.totals.rejected == len(BAD)
    letters = list(read_dead_letters(kafka, kafka_topic))
    assert [x["position"] for x in letters] == [
        {"partition": 0, "offset": i} for i, v in enumerate(mixed()) if v in BAD]
