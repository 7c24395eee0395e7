"""Properties of the whole consumer (issue #12): hypothesis writes hostile messages (numbers
from -0.0 and 5e-324 to the largest float, ints of 400 digits, strings in other alphabets,
empty or full of control characters) and bad lines (NaN, 1e400, wrong types, not JSON, raw
control characters) for several apps to a file topic in a temporary folder; the real consumer
reads them in up to three runs (decode -> analytics -> checkpoint -> stop -> resume from the
checkpoint -> more messages). The final numbers equal an oracle computed here from what was
written: exact counts, the rejected count and every dead letter, finite results, a summary
that is strict JSON, and the app's chart drawn from it without a warning."""

import json
import math
import tempfile
import warnings
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buzzline.analytics.finite import MAX, to_float
from buzzline.analytics.windows import FIRST_SECOND, LAST_SECOND
from buzzline.apps import get_app
from buzzline.charts.figure import make_figure
from buzzline.charts.kinds import charts_of
from buzzline.clock import ManualClock
from buzzline.engine.consume import ConsumeJob
from buzzline.messages import Message
from buzzline.settings import load_settings
from buzzline.streams import Setting, Stream, sources
from buzzline.streams import analytics as a
from buzzline.transports.file import FileTransport

BIG = 10 ** 400


class HostileMessage(Message):
    key: str
    value: float
    n: int
    when: float
    schema: ClassVar = {"key": (str,), "value": (int, float), "n": (int,), "when": (int, float)}


# every numeric analytic over one message type (no chart)
HOSTILE = Stream(
    "hostile", message=HostileMessage, title="hostile",
    source=sources.iterate(lambda rng, clock: ()), panels=[],
    analytics={"keys": a.counts("key"), "mean": a.mean_by("key", "value"),
               "rolling": a.rolling("value", 5, above=1e300, below=-1e300),
               "n_rolling": a.rolling("n", 3), "histogram": a.histogram("value", 4, -1.0, 1.0),
               "windows": a.tumbling(3600.0, "value", time_field="when"),
               "stall": a.stall("value", 3, 0.5), "threshold": a.threshold("n", above=0),
               "batches": a.batches(3)},
    topic=Setting("basic_topic"), interval=Setting("buzz_interval_seconds"),
    group=Setting("buzz_consumer_group_id"))

APPS = {"basic": get_app("basic"), "project": get_app("project"), "csv": get_app("csv"),
        "hostile": HOSTILE}
FIELDS = {name: app.message_type.schema for name, app in APPS.items()}

# strings: any alphabet, empty, control characters (escaped by the JSON encoder); no lone
# surrogates, which UTF-8 cannot carry
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
edge_floats = st.sampled_from([1e308, -1e308, MAX, -MAX, -0.0, 0.0, 5e-324, -5e-324, 0.5])
floats = st.one_of(edge_floats, st.floats(allow_nan=False, allow_infinity=False),
                   st.integers(-10 ** 300, 10 ** 300))  # an int is a number for a float field
ints = st.one_of(st.sampled_from([BIG, -BIG, 2 ** 63, 2 ** 64, -(2 ** 63) - 1, 0]),
                 st.integers())
VALUES = {str: texts, float: floats, int: ints}
NOT_FINITE = ["NaN", "Infinity", "-Infinity", "1e400", "-1e999", str(BIG)]


# a timestamp must be a time (issue 13): any moment, written with a T or a space
times = st.builds(lambda moment, sep: moment.isoformat(sep), st.datetimes(),
                  st.sampled_from(["T", " "]))


def good(app: str) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({
        name: times if name == "timestamp" else VALUES[float if float in types else types[0]]
        for name, types in FIELDS[app].items()})


@st.composite
def bad_line(draw: st.DrawFn, app: str) -> bytes:
    """A line the consumer must reject: broken JSON, a wrong or missing field, a number
    beyond the float range or not a number."""
    fields = FIELDS[app]
    message = draw(good(app))
    name = draw(st.sampled_from(sorted(fields)))
    how = draw(st.sampled_from(["missing", "wrong-type", "not-finite", "control", "not-json",
                                "bad-utf8"]))
    if how == "not-finite" and float not in fields[name]:
        how = "wrong-type"
    if how == "missing":
        del message[name]
    elif how == "wrong-type":
        message[name] = draw(st.sampled_from(
            [None, [1], {"a": 1}, True] + (["12"] if str not in fields[name] else [12.5])))
    elif how == "not-finite":
        message[name] = "@@"
        return encode(message).replace(b'"@@"', draw(st.sampled_from(NOT_FINITE)).encode())
    elif how == "control":  # a raw control character inside a string: not JSON
        message[name] = "@@"
        return encode(message).replace(b'"@@"', b'"a\x01b"')
    elif how == "bad-utf8":
        message[name] = "@@"
        return encode(message).replace(b'"@@"', b'"caf\xe9"')
    else:
        return draw(st.sampled_from([b"{", b"hello", b"[1, 2]", b"null", b'"x"', b"{}"]))
    return encode(message)


def encode(message: dict) -> bytes:
    return json.dumps(message, ensure_ascii=False).encode()


def items(app: str) -> st.SearchStrategy[list[tuple[bool, Any]]]:
    one = st.one_of(good(app).map(lambda m: (True, m)),
                    bad_line(app).map(lambda b: (False, b)))
    return st.lists(one, min_size=1, max_size=40)


def oracle(app: str, messages: list[dict]) -> dict[str, Any]:
    """What the summary must say about the good ``messages``, computed from them alone."""
    expect: dict[str, Any] = {"messages": len(messages)}
    if app == "basic":
        expect["author_counts"] = Counter(m["author"] for m in messages)
    elif app == "project":
        expect["category_counts"] = Counter(m["category"] for m in messages)
        expect["author_counts"] = Counter(m["author"] for m in messages)
    elif app == "csv" and messages:
        temps = [to_float(m["temperature"]) for m in messages]
        expect.update(readings=len(messages), min_value=min(temps), max_value=max(temps))
    elif app == "hostile":
        expect["key_counts"] = Counter(m["key"] for m in messages)
        expect["batches"], expect["batch_pending"] = divmod(len(messages), 3)
        expect["late"] = sum(not FIRST_SECOND <= to_float(m["when"]) <= LAST_SECOND
                             for m in messages)
    return expect


def mean_close(got: float, values: list) -> bool:
    """``got`` is the mean of ``values`` up to a float sum's error (n ulps of the largest)."""
    exact = sum((Fraction(to_float(v)) for v in values), Fraction(0)) / len(values)
    largest = max(abs(to_float(v)) for v in values)
    return abs(Fraction(got) - exact) <= Fraction(largest) * len(values) / 2 ** 50 + Fraction(
        1, 10 ** 4)


def run_segments(app: str, folder: Path, segments: list[list[bytes]]) -> ConsumeJob:
    setup = load_settings(environ={}, env_file=None, data_dir=folder / "data",
                          checkpoint_seconds=0)
    topic = setup.data_dir / "t.jsonl"
    topic.parent.mkdir(parents=True, exist_ok=True)
    job = None
    for number, lines in enumerate(segments):
        with topic.open("ab") as out:
            out.write(b"".join(line + b"\n" for line in lines))
        transport = FileTransport(setup.data_dir, poll_interval=0.01)
        job = ConsumeJob(APPS[app], setup, transport, "t", count=len(lines),
                         start="beginning" if number == 0 else "committed", clock=ManualClock())
        job.run()  # stops after its lines; checkpoints; the next run resumes from there
        assert job.error is None and job.read == len(lines)
    assert job is not None
    return job


def check(app: str, drawn: list[tuple[bool, Any]], cuts: list[int]) -> None:
    lines = [encode(x) if ok else x for ok, x in drawn]
    bounds = sorted({0, len(lines), *(c % (len(lines) + 1) for c in cuts)})
    segments = [lines[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    messages = [x for ok, x in drawn if ok]
    with tempfile.TemporaryDirectory() as folder:
        job = run_segments(app, Path(folder), segments)
        summary = json.loads(json.dumps(job.summary("file"), allow_nan=False))  # strict JSON
        dead = (Path(folder) / "data" / "t.dlq.jsonl").read_bytes().splitlines() \
            if len(messages) < len(lines) else []
        expect = oracle(app, messages)
        assert summary["messages"] == expect.pop("messages")
        assert summary["rejected"] == len(lines) - len(messages) == len(dead)
        late = expect.pop("late", None)
        for key, value in expect.items():
            assert summary[key] == (dict(value) if isinstance(value, Counter) else value), key
        if app == "project":
            for category, mean in summary["mean_sentiment_by_category"].items():
                values = [m["sentiment"] for m in messages if m["category"] == category]
                assert mean_close(mean, values), (category, mean)
        if app == "hostile":
            windows = job.pipeline["windows"]
            assert windows.late == late and sum(r[1] for r in windows.windows()) == len(messages)
            for key, mean in job.pipeline["mean"].means().items():
                assert mean_close(mean, [m["value"] for m in messages if m["key"] == key])
            assert sum(job.pipeline["histogram"].counts) == len(messages)
            assert summary["value_rolling"].get("count", 0) == len(messages)
        assert all(math.isfinite(v) for v in _numbers(summary))
        draw_charts(job)


def _numbers(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return [float(value)] if isinstance(value, float) else []


def draw_charts(job: ConsumeJob) -> None:
    """The app's charts from the final analytics: one frame, without even a warning."""
    if job.app.name == "hostile":
        return
    feeds = job.app.feeds(job.pipeline, job.settings)
    fig, axes = make_figure(len(feeds), job.app.title)
    charts = charts_of(feeds, axes)
    with warnings.catch_warnings():  # an overflow, or limits matplotlib has to widen
        warnings.simplefilter("error", RuntimeWarning)
        warnings.filterwarnings("error", message=".*identical low and high")
        warnings.filterwarnings("ignore", message="Glyph .* missing")  # a CJK author, say
        for chart in charts:
            chart.update(chart.snapshot())
        fig.canvas.draw()
    for ax in axes:
        assert all(math.isfinite(v) for v in (*ax.get_xlim(), *ax.get_ylim()))


PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PROPERTY
@given(items("basic"), st.lists(st.integers(0, 40), max_size=2))
def test_basic_app_counts_exactly_across_restarts(drawn, cuts):
    check("basic", drawn, cuts)


@PROPERTY
@given(items("project"), st.lists(st.integers(0, 40), max_size=2))
def test_project_app_counts_exactly_across_restarts(drawn, cuts):
    check("project", drawn, cuts)


@PROPERTY
@given(items("csv"), st.lists(st.integers(0, 40), max_size=2))
def test_smoker_app_counts_exactly_across_restarts(drawn, cuts):
    check("csv", drawn, cuts)


@PROPERTY
@given(items("hostile"), st.lists(st.integers(0, 40), max_size=2))
def test_every_numeric_analytic_counts_exactly_across_restarts(drawn, cuts):
    check("hostile", drawn, cuts)
