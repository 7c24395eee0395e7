"""One app model (issue 14): the built-in apps are Stream declarations; a stream has several
analytics and panels; every chart comes from its feed; the dashboard reads only
``buzzline.shapes`` of the data model; a checkpoint of the csv app's old shape starts over."""

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from buzzline.analytics import Totals
from buzzline.apps import APPS, get_app
from buzzline.checkpoints import FILE_NAME, Checkpoint, CheckpointStore, StateKey
from buzzline.clock import ManualClock
from buzzline.engine.consume import ConsumeJob
from buzzline.engine.produce import ProduceJob
from buzzline.engine.session import Session, SessionOptions
from buzzline.messages import Buzz, SmokerReading
from buzzline.registry import Registry
from buzzline.settings import load_settings
from buzzline.shapes import KIND_SHAPES
from buzzline.sources.buzz import generate_buzz
from buzzline.streams import Panel, Setting, Stream, StreamError, sources
from buzzline.streams import analytics as a
from buzzline.streams.configured import UnknownSetting
from buzzline.transports.file import FileTransport
from tests.conftest import ROOT


def settings_in(tmp_path: Path, **overrides):
    return load_settings(environ={}, env_file=None, data_dir=tmp_path / "data",
                         checkpoint_seconds=0, **overrides)


TWO_PANELS = Stream(
    "twopanels", fields={"sensor": str, "value": float},
    source=sources.iterate(lambda rng, clock: ({"sensor": "ABC"[i % 3], "value": float(i % 7)}
                                               for i in range(10**9))),
    analytics={"per_sensor": a.counts("sensor"), "hot": a.threshold("value", above=5)},
    panels=[Panel("per_sensor", "hbar", title="Per sensor", options={"xlabel": "Sensor"}),
            Panel("hot", "line", title="Too hot", colors=("tab:green", "black"))],
    interval=0.0)


def test_a_stream_with_two_analytics_and_two_panels_runs_through_a_file(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    transport = FileTransport(settings.data_dir, poll_interval=0.01)
    topic = TWO_PANELS.topic(settings)
    consumer = ConsumeJob(TWO_PANELS, settings, transport, topic, start="end")
    producer = ProduceJob(TWO_PANELS, settings, transport, topic, 0.0, count=70)
    (summary,) = Session([producer], [consumer], SessionOptions(
        title=TWO_PANELS.title, image_name="two", output_dir=tmp_path / "out",
        display="headless", live_dir=settings.data_dir / "live")).run()
    assert summary["messages"] == 70 and summary["rejected"] == 0
    assert summary["sensor_counts"] == {"A": 24, "B": 23, "C": 23}
    assert summary["value_threshold"]["messages"] == 70
    assert summary["value_threshold"]["count"] == 10  # each 6 of the 0..6 cycle
    drawn = summary["chart"]["drawn"]
    assert len(drawn) == 2 and drawn[0] == {"A": 24, "B": 23, "C": 23}
    titles = {entry["title"] for entry in summary["chart"]["limits"]}
    assert titles == {"Per sensor", "Too hot"}
    assert (tmp_path / "out" / "two.png").stat().st_size > 0
    (live,) = (settings.data_dir / "live").glob("*.json")
    panels = json.loads(live.read_text())["panels"]
    assert [(p["title"], p["kind"], p["shape"]) for p in panels] == [
        ("Per sensor", "hbar", "categories"), ("Too hot", "line", "series")]
    assert panels[1]["options"]["colors"] == ["#2ca02c", "black"]
    assert panels[0]["options"]["xlabel"] == "Sensor"


def test_a_new_built_in_style_app_is_one_declaration(tmp_path: Path) -> None:
    """What apps/basic.py holds: a message type of its own, values from the settings, a
    headline; registered with one line."""
    loud = Stream(
        "loud", message=Buzz, title="Loud: messages per author",
        source=sources.iterate(lambda rng, clock: generate_buzz(rng)),
        analytics={"authors": a.counts("author")},
        panels=[Panel("authors", "pie", options={"top_k": Setting("top_k")})],
        topic=Setting("buzz_topic"), interval=Setting("buzz_interval_seconds"),
        group=Setting("buzz_consumer_group_id"), key="author",
        headline=lambda summary: f"{summary['messages']} loud messages")
    registry: Registry[Stream] = Registry("app")
    registry.add("loud", loud)
    settings = settings_in(tmp_path, buzz_topic="shouts", top_k=2)
    app = registry.get("loud")
    assert (app.topic(settings), app.group(settings)) == ("shouts", settings.buzz_consumer_group_id)
    assert app.interval(settings) == settings.buzz_interval_seconds and not app.finite
    pipeline = app.pipeline(settings, ManualClock())
    pipeline.update([Buzz("m", "Ann"), Buzz("m", "Bo"), Buzz("m", "Ann")])
    (feed,) = app.feeds(pipeline, settings)
    assert (feed.title, feed.kind, feed.options["top_k"]) == ("Loud: messages per author", "pie", 2)
    assert dict(feed.data()) == {"Ann": 2, "Bo": 1}
    assert app.key(Buzz("m", "Ann")) == b"Ann"
    assert app.headline({"messages": 3}) == "3 loud messages"


def test_the_built_in_apps_are_streams_reading_their_settings(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    assert APPS.names() == ["basic", "csv", "json", "project"]
    for name in APPS:
        app = get_app(name)
        assert isinstance(app, Stream) and app.name == name
        assert app.panels and all(p.kind in KIND_SHAPES for p in app.panels)
    csv, json_app = get_app("csv"), get_app("json")
    assert csv.topic(settings) == settings.smoker_topic and csv.finite
    assert csv.group(settings) == settings.smoker_consumer_group_id
    assert csv.key(SmokerReading("2025-01-01 00:00:00", 1.0)) == b"smoker"
    assert (csv.input_setting, json_app.input_setting) == ("smoker_csv_file", "buzz_json_file")
    assert get_app("basic").input_setting is None
    assert get_app("project").interval(settings) == settings.project_interval_seconds


def test_a_declaration_with_a_wrong_name_fails_in_one_line() -> None:
    with pytest.raises(UnknownSetting, match="no setting 'buzz_topik'"):
        Setting("buzz_topik")
    source = sources.generate(lambda rng, clock: {"v": 1.0})
    with pytest.raises(StreamError, match="a panel shows 'nope'"):
        Stream("s", {"v": float}, source, analytics={"x": a.rolling("v")}, panels=[Panel("nope")])
    with pytest.raises(StreamError, match="chart 'bar' draws categories"):
        Stream("s", {"v": float}, source, analytics={"x": a.rolling("v")},
               panels=[Panel("x", "bar")])
    with pytest.raises(StreamError, match="'totals' is the stream's own analytic"):
        Stream("s", {"v": float}, source, analytics={"totals": a.rolling("v")})
    with pytest.raises(StreamError, match="give panels, or chart"):
        Stream("s", {"v": float}, source, a.rolling("v"), chart="band", panels=[Panel("stream")])


def test_the_dashboard_imports_no_app_model_nor_engine() -> None:
    code = ("import sys, buzzline.dashboard.panels, buzzline.dashboard.records, "
            "buzzline.dashboard.publisher, buzzline.dashboard.hub, buzzline.dashboard.livefiles\n"
            "print(sorted(m for m in sys.modules if m.startswith(('buzzline.apps', "
            "'buzzline.streams', 'buzzline.engine'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


def test_a_csv_checkpoint_of_the_old_shape_starts_over_in_one_line(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Before the one stall analytic, the csv app saved a "stall" (StallDetector) and a
    "series" (LineSeries): such a state does not fit, and that partition is counted over."""
    settings = settings_in(tmp_path)
    app = get_app("csv")
    settings.data_dir.mkdir(parents=True)
    transport = FileTransport(settings.data_dir, poll_interval=0.01)
    topic = app.topic(settings)
    readings = [SmokerReading(f"2025-01-01 10:{m:02d}:00", 150.0 + m) for m in range(30)]
    with transport.producer(topic) as producer:
        for reading in readings:
            producer.send(reading.encode())
    old = {"stall": {"window": [150.0, 151.0], "stalled": False, "stalls": [], "count": 0},
           "series": {"x": [1.0, 2.0], "y": [150.0, 151.0], "timed": True, "seen": 2,
                      "untimed": 0, "last": [2.0, 151.0]},
           "totals": {**Totals(ManualClock()).state(), "messages": 1000}}
    store = CheckpointStore(settings.data_dir / FILE_NAME)
    key = StateKey("file", "csv", app.group(settings), topic)
    assert store.save(key, {0: Checkpoint(0, old, None)}) == {}
    store.close()
    with caplog.at_level(logging.WARNING):
        job = ConsumeJob(app, settings, transport, topic, count=len(readings))
        job.run()
    assert job.error is None
    problems = [r.getMessage() for r in caplog.records if "cannot be used" in r.getMessage()]
    assert len(problems) == 1 and "does not fit" in problems[0]
    summary = job.summary("file")
    assert summary["messages"] == len(readings) == summary["readings"]  # not 1000 + 30
    assert summary["stalls"] == [] and summary["last_value"] == 179.0
    # and its next checkpoint is of the new shape: a restart resumes from it
    again = ConsumeJob(app, settings, transport, topic, idle_exit=0.2)
    again.run()
    assert again.summary("file")["messages"] == len(readings) and again.read == 0
