"""Hostile numbers (issue #12): any finite value a message may hold (1e308, -1e308, the largest
float, -0.0, 5e-324, an int of 400 digits) keeps every analytic finite and checkpointable and
every chart's limits and labels finite, through the real consumer and its restarts."""

import json
import math
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from buzzline import state_codec
from buzzline.analytics import (
    Batches,
    Histogram,
    LineSeries,
    MeanBy,
    Rolling,
    Sliding,
    Stall,
    Threshold,
    Tumbling,
)
from buzzline.analytics.finite import MAX, add_scaled, scaled_value, to_float
from buzzline.charts.band import BandSnapshot
from buzzline.charts.base import LIMIT
from buzzline.charts.kinds import CHART_KINDS
from buzzline.charts.line import LineSnapshot
from buzzline.clock import ManualClock
from buzzline.runner import ConsumeOptions, prepare
from buzzline.settings import load_settings
from buzzline.streams import Stream, sources
from buzzline.streams import analytics as a
from buzzline.transports.file import FileTransport
from tests.conftest import run_buzzline

BIG = 10 ** 400
HOSTILE = [1e308, 1e308, -1e308, MAX, -MAX, -0.0, 0.0, 5e-324, -5e-324, 2.5, BIG, -BIG, 7]


class Row(msgspec.Struct):
    """A message as the analytics see it (any number as ``value``)."""

    key: str = "c"
    value: int | float = 0.0
    when: int | float = 1_700_000_000
    timestamp: str = ""
    temperature: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return msgspec.structs.asdict(self)


def rows(values: list) -> list[Row]:
    return [Row(key="ab"[i % 2], value=v, when=1_700_000_000 + i, timestamp=f"t{i}",
                temperature=to_float(v)) for i, v in enumerate(values)]


def finite_everywhere(value: Any) -> bool:
    return state_codec.non_finite(value) is None


def exact_mean(values: list) -> Fraction:
    return sum((Fraction(to_float(v)) for v in values), Fraction(0)) / len(values)


def close_to(got: float, exact: Fraction, values: list) -> bool:
    """Within the error of a float sum of ``values`` (n ulps of the largest)."""
    largest = max(abs(to_float(v)) for v in values)
    return abs(Fraction(got) - exact) <= Fraction(largest) * len(values) / 2 ** 50 + Fraction(
        1, 10 ** 9)


ANALYTICS = {
    "mean_by": lambda: MeanBy("key", "value"),
    "rolling": lambda: Rolling("value", window=4, above=1.0, below=-1.0),
    "threshold": lambda: Threshold("value", above=1e300),
    "stall": lambda: Stall("value", window=3, threshold=0.5),
    "stall_timed": lambda: Stall("temperature", 3, 0.5, time_field="timestamp"),
    "histogram": lambda: Histogram("value", bins=4, lo=-1.0, hi=1.0),
    "histogram_wide": lambda: Histogram("value", bins=5, lo=-MAX, hi=MAX),
    "tumbling": lambda: Tumbling(2.0, "value", time_field="when", clock=ManualClock()),
    "tumbling_huge_times": lambda: Tumbling(2.0, "value", time_field="value",
                                            clock=ManualClock()),
    "sliding": lambda: Sliding(4.0, 2.0, "value", time_field="when", clock=ManualClock()),
    "series": lambda: LineSeries(max_points=8, x_field="timestamp", y_field="value"),
    "batches": lambda: Batches(4, message_type=Row),
}


@pytest.mark.parametrize("name", ANALYTICS)
def test_every_analytic_stays_finite_and_checkpointable(name):
    make = ANALYTICS[name]
    first, second = make(), make()
    messages = rows(HOSTILE * 3)
    first.update(messages[:17])
    second.update(messages[17:])
    for part in (first, second):
        assert finite_everywhere(part.result()) and finite_everywhere(part.state())
        loaded = make()
        loaded.load_state(state_codec.decode(state_codec.encode(part.state())))  # strict
        assert loaded.state() == part.state()
    whole = make()
    whole.combine([first, second])
    assert finite_everywhere(whole.result()) and finite_everywhere(whole.state())
    state_codec.encode(whole.state())


def test_mean_by_is_right_for_any_finite_values():
    mean = MeanBy("key", "value")
    values = [1e308, 1e308, 1e308, -0.0, 5e-324, 0.5]
    mean.update([Row(key="c", value=v) for v in values])
    assert mean.means()["c"] == float(exact_mean(values))  # 5e307: no overflow, exact
    parts = [MeanBy("key", "value") for _ in range(3)]
    everything = []
    for i, part in enumerate(parts):
        chunk = [MAX, MAX, -1e308, float(i), BIG] if i != 1 else [-MAX, 3.0]
        everything += chunk
        part.update([Row(key="c", value=v) for v in chunk])
    whole = MeanBy("key", "value")
    whole.combine(parts)
    assert close_to(whole.means()["c"], exact_mean(everything), everything)
    back = MeanBy("key", "value")
    back.load_state(state_codec.decode(state_codec.encode(whole.state())))
    assert back.means() == whole.means()
    small = MeanBy("key", "value")  # values that never overflow: the plain float sum
    small.update([Row(key="k", value=v) for v in (0.1, 0.2, 0.3)])
    assert small.means()["k"] == (0.1 + 0.2 + 0.3) / 3 and "scaled" not in small.state()


def test_a_scaled_sum_comes_back_down_and_stays_exact():
    total, scale = 0.0, 0
    for value in (MAX, MAX, -MAX, -MAX, 0.25):
        total, scale = add_scaled(total, scale, value)
        assert math.isfinite(total)
    assert (total, scale) == (0.25, 0)
    total, scale = add_scaled(MAX, 0, MAX)
    assert scale > 0 and scaled_value(total, scale) == MAX  # clamped when shown


def test_rolling_and_windows_report_true_means_of_huge_values():
    rolling = Rolling("value", window=3)
    rolling.update(rows([1e308, 1e308, 1e308]))
    stats = rolling.stats()
    assert stats["mean"] == 1e308 and stats["std"] == 0.0
    rolling.update(rows([-1e308]))
    assert rolling.stats()["std"] == pytest.approx(math.sqrt(8 / 9) * 1e308)  # in range
    window = Tumbling(10.0, "value", time_field="when", clock=ManualClock())
    window.update(rows([MAX, MAX, MAX, 1.0]))
    (start, count, total, low, high), = window.windows()
    assert (count, total, low, high) == (4, MAX, 1.0, MAX)
    assert window.values()[0][1] == float(exact_mean([MAX, MAX, MAX, 1.0]))


def test_a_number_as_time_outside_the_years_1_to_9999_is_no_time():
    window = Tumbling(1.0, time_field="when", clock=ManualClock())
    window.update([Row(when=w) for w in (1e308, -1e308, BIG, 1e12, 1_700_000_000)])
    assert window.late == 4  # counted at arrival (the clock's time), not lost
    assert sum(n for _, n, *_ in window.windows()) == 5


def test_histogram_bins_hostile_values_exactly():
    hist = Histogram("value", bins=4, lo=-1.0, hi=1.0)
    hist.update(rows([1e308, -1e308, MAX, -MAX, BIG, -BIG, -0.0, 0.0, 5e-324, 0.999, -0.75,
                      -0.25]))
    # below lo: the first bin; at or above hi: the last; -0.0 and 0.0 at the middle edge
    assert hist.counts == [4, 1, 3, 4]
    wide = Histogram("value", bins=2, lo=-MAX, hi=MAX)  # wider than the float range
    wide.update(rows([-MAX, -1e308, 1e308, MAX, -BIG, BIG]))
    assert wide.counts == [3, 3] and list(wide.by_label()) == [f"{-MAX:g}", "0"]


def test_a_huge_int_clamps_and_a_batch_keeps_it_whole():
    assert to_float(BIG) == MAX and to_float(-BIG) == -MAX and to_float(7) == 7.0
    batches = Batches(3)
    batches.update([{"n": BIG}, {"n": -BIG}])
    data = state_codec.encode(batches.state())
    assert state_codec.decode(data)["pending"] == [{"n": BIG}, {"n": -BIG}]


HOSTILE_DATA = {
    "huge": [1e308, -1e308, 5.0],
    "largest": [MAX, -MAX],
    "all-largest": [MAX, MAX],
    "tiny": [5e-324, -0.0, 0.0, -5e-324],
    "one-huge": [1e308],
    "mixed": [1e308, 1.0, 2.0, -5e307, 5e-324],
}


def shaped(shape: str, values: list[float]) -> Any:
    xs = [float(i) for i in range(len(values))]
    if shape == "categories":
        return {f"k{i}": v for i, v in enumerate(values)}
    if shape == "series":
        return LineSnapshot(xs, values, [(0.0, values[0], "alert")], [(0.0, 1.0)], "", False)
    if shape == "points":
        return values, list(reversed(values))
    if shape == "values":
        return values
    return BandSnapshot(xs, values, [min(values)] * len(values), [max(values)] * len(values),
                        [(0.0, values[0], "alert")], False)


@pytest.mark.parametrize("kind_name", CHART_KINDS.names())
@pytest.mark.parametrize("data", HOSTILE_DATA, ids=HOSTILE_DATA.keys())
def test_chart_limits_and_labels_stay_finite(kind_name, data):
    kind = CHART_KINDS.get(kind_name)
    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    frame = {"values": HOSTILE_DATA[data]}
    chart = kind.make(ax, lambda: shaped(kind.shape, frame["values"]), title=kind_name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even an overflow warning
        for values in (frame["values"], [*frame["values"], 0.5], frame["values"] * 2):
            frame["values"] = values
            chart.update(chart.snapshot())
            fig.canvas.draw()
            limits = [*ax.get_xlim(), *ax.get_ylim()]
            assert all(math.isfinite(v) and abs(v) <= 2 * LIMIT for v in limits), limits
            assert ax.get_xlim()[0] != ax.get_xlim()[1] and ax.get_ylim()[0] != ax.get_ylim()[1]
            texts = [t.get_text() for t in (*ax.get_xticklabels(), *ax.get_yticklabels(),
                                            *ax.texts)]
            assert not any("inf" in t or "nan" in t or len(t) > 40 for t in texts), texts


PROJECT = ('{{"message": "m", "author": "{author}", "timestamp": "2025-01-01 00:00:00", '
           '"category": "{category}", "sentiment": {sentiment}, "keyword_mentioned": "k", '
           '"message_length": {length}}}')


def project_lines(items: list[tuple[str, str, Any, int]]) -> bytes:
    return b"".join(PROJECT.format(author=au, category=c, sentiment=s, length=n).encode() + b"\n"
                    for au, c, s, n in items)


def consume_project(workdir: Path, *extra: str) -> tuple[Any, dict]:
    result = run_buzzline(["consume", "project", "--no-live", "--output", "out", "--idle-exit",
                           "0.5", "--summary-json", "s.json", *extra], workdir)
    summary = json.loads((workdir / "s.json").read_text()) if result.returncode == 0 else {}
    return result, summary


def test_project_sentiments_of_1e308_never_poison_the_checkpoint(workdir):
    """The issue's reproduction: the running sum overflowed, the checkpoint stored null and
    every resume raised TypeError (exit 1)."""
    topic = workdir / "data" / "project_json.jsonl"
    topic.parent.mkdir(parents=True)
    first = [("a", "tech", "1e308", 1), ("b", "tech", "1e308", BIG), ("a", "food", "-0.0", 3),
             ("c", "food", "5e-324", -BIG)]
    later = [("a", "tech", "-1e308", 4), ("c", "tech", "1.7976931348623157e308", 5),
             ("b", "food", "0.5", 6)]
    topic.write_bytes(project_lines(first))
    result, summary = consume_project(workdir, "--from-beginning")
    assert result.returncode == 0, result.stderr[-2000:]
    assert summary["mean_sentiment_by_category"] == {"food": 0.0, "tech": 1e308}
    for run in range(2):  # resume twice: once with new messages, once with none
        if run == 0:
            with topic.open("ab") as out:
                out.write(project_lines(later))
        result, summary = consume_project(workdir)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
        assert summary["messages"] == 7 and summary["rejected"] == 0
        assert summary["category_counts"] == {"food": 3, "tech": 4}
        assert summary["author_counts"] == {"a": 3, "b": 2, "c": 2}
        tech = [1e308, 1e308, -1e308, MAX]
        assert summary["mean_sentiment_by_category"]["tech"] == float(exact_mean(tech))
        assert summary["mean_sentiment_by_category"]["food"] == round(0.5 / 3, 4)
    assert (workdir / "out" / "project.png").read_bytes().startswith(b"\x89PNG")


def test_smoker_readings_of_1e308_draw_a_chart_on_every_start(workdir):
    """The issue's reproduction: 'Axis limits cannot be NaN or Inf' on every start."""
    temps = [70.0, 1e308, -1e308, 71.5, MAX, -0.0, 5e-324, 72.0]
    csv_file = workdir / "hostile.csv"
    csv_file.write_text("timestamp,temperature\n" + "".join(
        f"2025-01-01 10:{i:02d}:00,{t!r}\n" for i, t in enumerate(temps)))
    produce = run_buzzline(["produce", "csv", "--input", str(csv_file), "--interval", "0"],
                           workdir)
    assert produce.returncode == 0, produce.stderr[-2000:]
    # three starts: afresh, resumed with the readings sent again, resumed with nothing new
    for start, expected in ((["--from-beginning"], len(temps)), ([], 2 * len(temps)),
                            ([], 2 * len(temps))):
        if start == [] and expected == 2 * len(temps) and not (workdir / "sent").exists():
            (workdir / "sent").touch()
            again = run_buzzline(["produce", "csv", "--input", str(csv_file), "--interval", "0"],
                                 workdir)
            assert again.returncode == 0, again.stderr[-2000:]
        result = run_buzzline(["consume", "csv", "--no-live", "--output", "out", "--idle-exit",
                               "0.5", "--summary-json", "s.json", *start], workdir)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
        summary = json.loads((workdir / "s.json").read_text())
        assert summary["messages"] == expected
        assert (summary["min_value"], summary["max_value"]) == (-1e308, MAX)
        assert summary["chart"]["drawn"][0]["points"] == summary["messages"]
        assert (workdir / "out" / "csv.png").read_bytes().startswith(b"\x89PNG")


def test_huge_ints_go_through_the_consumer_and_its_restarts(tmp_path):
    """msgspec takes an int of any size for an int field: a rolling window over it and the
    pending messages of a batch (kept whole in the checkpoint) survive restarts."""
    settings = load_settings(environ={}, env_file=None, data_dir=tmp_path / "data",
                             checkpoint_seconds=0)
    values = [BIG, -BIG, 5, 2 ** 64, -(2 ** 63) - 1, 0, BIG * 3, 1]
    for spec, check in ((a.rolling("n", window=3),
                         lambda s: s["n_rolling"]["count"] == len(values)
                         and s["n_rolling"]["max"] == MAX),
                        (a.batches(3), lambda s: (s["batches"], s["batch_pending"]) == (2, 2))):
        stream = Stream(name="big", fields={"n": int},
                        source=sources.generate(lambda rng, clock: {"n": 1}), analytic=spec)
        transport = FileTransport(settings.data_dir, poll_interval=0.01)
        topic = f"big{spec.describe[:4]}"
        lines = [orjson.dumps({"n": v}) if abs(v) < 2 ** 63 else f'{{"n": {v}}}'.encode()
                 for v in values]
        for run, chunk in enumerate((lines[:3], lines[3:5], lines[5:])):
            with transport.producer(topic) as producer:
                for line in chunk:
                    producer.send(line)
            (job,) = prepare(stream, settings=settings, transport=transport, produce=False,
                             consume=ConsumeOptions(topic=topic, count=len(chunk),
                                                    start="beginning" if run == 0
                                                    else "committed")).consumers
            job.run()
            assert job.error is None and job.read == len(chunk)
        summary = job.summary("file")
        assert summary["messages"] == len(values) and summary["rejected"] == 0
        assert check(summary), summary
        json.dumps(summary, allow_nan=False)


def test_numbers_beyond_the_float_range_are_rejected_with_a_reason_not_clamped():
    from buzzline.messages import ProjectMessage, Rejected, decode

    for text in ("1e309", "-1e400", str(BIG)):
        raw = PROJECT.format(author="a", category="c", sentiment=text, length=1).encode()
        found = decode(ProjectMessage, raw)
        assert isinstance(found, Rejected) and "infinity" in found.reason
    raw = PROJECT.format(author="a", category="c", sentiment="1", length=BIG).encode()
    assert decode(ProjectMessage, raw).message_length == BIG  # an int field keeps it whole



def test_pie_shares_of_huge_values_add_up():
    from buzzline.charts.pie import PieChart

    fig = Figure()
    FigureCanvasAgg(fig)
    chart = PieChart(fig.add_subplot(), lambda: {"a": MAX, "b": MAX, "c": 5e-324, "d": 0.0},
                     donut=True)
    chart.update(chart.snapshot())
    fig.canvas.draw()
    angles = chart.drawn()
    assert angles["a"] == angles["b"] == pytest.approx(180.0) and angles["c"] == 0.0
    assert chart._center.get_text() == "1.8e+308"  # the total, beyond the float range
