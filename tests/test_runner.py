"""`buzzline.run` / `buzzline.runner.prepare`: built-in names, stream files, app and Stream
objects, on the memory and file transports; produce only, consume only, both."""

import gc
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import buzzline
from buzzline.apps import get_app
from buzzline.engine.session import SessionOptions
from buzzline.errors import UnknownChoice
from buzzline.runner import ConsumeOptions, ProduceOptions, prepare, resolve_app, run
from buzzline.settings import Settings
from buzzline.stream_file import StreamFileError, load_stream
from buzzline.transports.memory import MemoryTransport
from tests.conftest import ROOT, SENSOR

FAST = ProduceOptions(count=60, interval=0, seed=1)


@pytest.fixture
def sensor_file(tmp_path: Path) -> Path:
    path = tmp_path / "sensor.py"
    path.write_text(SENSOR)
    return path


def test_a_built_in_name_produced_and_consumed_in_memory():
    transport = MemoryTransport()
    (summary,) = run("basic", transport=transport, produce=FAST)
    assert summary["app"] == "basic" and summary["transport"] == "memory"
    assert summary["messages"] == 60 and summary["rejected"] == 0
    assert sum(summary["author_counts"].values()) == 60
    assert len(transport.messages("buzz_live")) == 60


def test_the_same_seed_sends_the_same_messages():
    first, second = MemoryTransport(), MemoryTransport()
    run("basic", transport=first, produce=FAST, consume=False)
    run("basic", transport=second, produce=FAST, consume=False)
    assert first.messages("buzz_live") == second.messages("buzz_live")


def test_a_stream_file_on_the_file_transport(sensor_file, tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    (summary,) = run(sensor_file, settings=settings, transport="file", produce=FAST)
    assert summary["transport"] == "file" and summary["topic"] == "sensor"
    assert summary["sensor_counts"] == {"A": 20, "B": 20, "C": 20}
    assert len((tmp_path / "data" / "sensor.jsonl").read_bytes().splitlines()) == 60


def test_a_stream_file_named_as_text_and_a_stream_object(sensor_file):
    by_text = run(str(sensor_file), transport="memory", produce=FAST)[0]
    by_object = run(load_stream(sensor_file), transport="memory", produce=FAST)[0]
    assert by_text["sensor_counts"] == by_object["sensor_counts"] == {"A": 20, "B": 20, "C": 20}


def test_an_app_object_and_several_apps_in_one_session(sensor_file):
    summaries = run([get_app("basic"), sensor_file], transport="memory", produce=FAST)
    assert [s["app"] for s in summaries] == ["basic", "sensor"]
    assert [s["messages"] for s in summaries] == [60, 60]


def test_each_app_may_have_its_own_produce_options(sensor_file):
    options = [ProduceOptions(count=10, interval=0), ProduceOptions(count=30, interval=0)]
    summaries = run(["basic", sensor_file], transport="memory", produce=options)
    assert [s["messages"] for s in summaries] == [10, 30]
    with pytest.raises(ValueError, match="1 ProduceOptions for 2 apps"):
        prepare(["basic", sensor_file], transport="memory", produce=options[:1])


def test_produce_only_then_consume_only_from_the_beginning():
    transport = MemoryTransport()
    sent = run("basic", transport=transport, produce=FAST, consume=False)
    assert sent == [{"app": "basic", "transport": "memory", "topic": "buzz_live", "sent": 60}]
    (summary,) = run("basic", transport=transport, produce=False,
                     consume=ConsumeOptions(start="beginning", count=60))
    assert summary["messages"] == 60 and summary["positions"] == {"0": 60}


def test_topics_given_in_the_options_win():
    transport = MemoryTransport()
    run("basic", transport=transport, produce=ProduceOptions(topic="t", count=5, interval=0),
        consume=False)
    assert len(transport.messages("t")) == 5 and transport.messages("buzz_live") == []
    (summary,) = run("basic", transport=transport, produce=False,
                     consume=ConsumeOptions(topic="t", start="beginning", count=5))
    assert summary["topic"] == "t" and summary["messages"] == 5


def test_a_consumer_in_a_producing_run_counts_only_what_it_sends():
    transport = MemoryTransport()
    run("basic", transport=transport, produce=ProduceOptions(count=7, interval=0),
        consume=False)
    prepared = prepare("basic", transport=transport, produce=FAST)
    assert prepared.consumers[0].start == "end"
    assert prepared.run()[0]["messages"] == 60
    assert prepared.producers[0].sent == 60


def test_nothing_to_run_is_an_error():
    with pytest.raises(ValueError, match="neither produce nor consume"):
        prepare("basic", transport="memory", produce=False, consume=False)
    with pytest.raises(ValueError, match="no app"):
        prepare([], transport="memory")


def test_an_unknown_name_lists_the_apps_and_a_missing_file_says_so(tmp_path):
    with pytest.raises(UnknownChoice, match="choose one of: basic, csv, json, project"):
        resolve_app("nope")
    with pytest.raises(StreamFileError, match="no such file"):
        resolve_app(tmp_path / "missing.py")
    with pytest.raises(StreamFileError, match="no such file"):
        resolve_app("missing.py")


def test_a_view_draws_the_chart_headless(tmp_path):
    view = SessionOptions(title="Basic", image_name="basic", output_dir=tmp_path / "out",
                          display="headless")
    (summary,) = run("basic", transport="memory", produce=FAST, view=view)
    assert summary["chart"]["mode"] == "headless"
    assert sum(summary["chart"]["drawn"][0].values()) == 60
    assert (tmp_path / "out" / "basic.png").read_bytes().startswith(b"\x89PNG")


def test_a_library_run_leaves_the_garbage_collector_alone():
    gc.unfreeze()
    run("basic", transport="memory", produce=FAST)
    assert gc.get_freeze_count() == 0
    run("basic", transport="memory", produce=FAST,
        view=SessionOptions(title="t", image_name="t", charts=False, freeze_gc=True))
    assert gc.get_freeze_count() > 0  # the command line's choice, asked for
    gc.unfreeze()


def test_buzzline_run_is_the_runner_and_import_buzzline_stays_light():
    assert buzzline.run is run
    code = ("import sys, buzzline; heavy = [m for m in ('matplotlib', 'confluent_kafka', "
            "'buzzline.runner') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert orjson.loads(out.strip().replace("'", '"')) == []
    with pytest.raises(AttributeError):
        buzzline.nothing_here  # noqa: B018


def test_each_app_may_have_its_own_consume_options():
    transport = MemoryTransport()
    for topic, count in (("t", 4), ("u", 9)):
        run("basic", transport=transport, consume=False,
            produce=ProduceOptions(topic=topic, count=count, interval=0))
    summaries = run(["basic", "basic"], transport=transport, produce=False,
                    consume=[ConsumeOptions(topic="t", start="beginning", count=4),
                             ConsumeOptions(topic="u", start="beginning", count=9)])
    assert [(s["topic"], s["messages"]) for s in summaries] == [("t", 4), ("u", 9)]
    with pytest.raises(ValueError, match="3 ConsumeOptions for 2 apps"):
        prepare(["basic", "basic"], transport=transport, consume=[ConsumeOptions()] * 3)
