"""Charts fit their data (issue 13): settled (end of stream, idle, the final image) an axis
leaves at most about 10 % of itself empty; live, the room kept for growth never hides the
data (the x room ahead at most a quarter of the readings' span); a window fits the screen.
Checked through the axes' limits read back, against the data's range."""

import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num
from matplotlib.figure import Figure

from buzzline.analytics.series import to_day_number
from buzzline.charts.band import BandChart, BandSnapshot
from buzzline.charts.bar import BarChart
from buzzline.charts.base import Chart
from buzzline.charts.groups import ChartGroup
from buzzline.charts.hbar import HBarChart
from buzzline.charts.histogram import HistogramChart
from buzzline.charts.line import LineChart, LineSnapshot
from buzzline.charts.scatter import ScatterChart
from buzzline.charts.view import LiveView
from tests.conftest import run_buzzline

SETTLED_ROOM = 0.11  # the share of an axis a settled chart leaves empty, at most ("about 10 %")
LIVE_ROOM = 0.5  # live: the data fills most of each axis


def empty_share(limits: tuple[float, float], lo: float, hi: float) -> float:
    """The share of the axis from ``limits`` that data from ``lo`` to ``hi`` leaves empty;
    the data must be inside."""
    a, b = sorted(limits)
    assert a <= lo and hi <= b, (limits, lo, hi)
    return 1 - (hi - lo) / (b - a)


def new_axes():
    fig = Figure()
    FigureCanvasAgg(fig)
    return fig.add_subplot()


START = date2num(datetime(2025, 1, 1, 15))
MS = 1 / 86_400_000  # a millisecond in date numbers


def line_data(n: int) -> tuple[list[float], list[float]]:
    """``n`` readings 4 ms apart (240 arrive within a second), warming up."""
    return [START + 4 * i * MS for i in range(n)], [70 + 0.1 * i + (i % 5) for i in range(n)]


# per kind: a chart fed by a growing data set, and the data's range on each axis it fits
# (None: an axis of categories); frame k shows the data of frame k
class Kind:
    def __init__(self, name: str, make: Callable, ranges: Callable) -> None:
        self.name, self.make, self.ranges = name, make, ranges


def _bar(frame):
    data = {"a": 50_000 * frame["n"] + 7, "b": 20_000 * frame["n"]}
    return data


KINDS = [
    Kind("bar", lambda ax, f: BarChart(ax, lambda: _bar(f)),
         lambda f: (None, (0, max(_bar(f).values())))),
    Kind("hbar", lambda ax, f: HBarChart(ax, lambda: _bar(f)),
         lambda f: ((0, max(_bar(f).values())), None)),
    Kind("line", lambda ax, f: LineChart(ax, lambda: LineSnapshot(*line_data(f["n"]))),
         lambda f: tuple((min(v), max(v)) for v in line_data(f["n"]))),
    Kind("band", lambda ax, f: BandChart(ax, lambda: BandSnapshot(
        line_data(f["n"])[0], line_data(f["n"])[1], [y - 2 for y in line_data(f["n"])[1]],
        [y + 3 for y in line_data(f["n"])[1]], timed=True)),
        lambda f: ((line_data(f["n"])[0][0], line_data(f["n"])[0][-1]),
                   (min(line_data(f["n"])[1]) - 2, max(line_data(f["n"])[1]) + 3))),
    Kind("scatter", lambda ax, f: ScatterChart(ax, lambda: (
        [float(i) for i in range(f["n"])], [i * i / 10 for i in range(f["n"])])),
        lambda f: ((0, f["n"] - 1), (0, (f["n"] - 1) ** 2 / 10))),
]


def drive(kind: Kind, frames: int, step: int) -> tuple[Chart, dict]:
    """Feed ``kind``'s chart ``frames`` frames of fast growth, checking the live rule at
    each; returns the chart and its data's frame."""
    frame = {"n": 0}
    chart = kind.make(new_axes(), frame)
    for _ in range(frames):
        frame["n"] += step
        chart.update(chart.snapshot())
        check_live(chart, kind.ranges(frame))
    return chart, frame


def check_live(chart: Chart, ranges) -> None:
    ax = chart.ax
    for limits, data in zip((ax.get_xlim(), ax.get_ylim()), ranges, strict=True):
        if data is not None and data[1] > data[0]:
            assert empty_share(limits, *data) <= LIVE_ROOM, (chart.title, limits, data)


def check_settled(chart: Chart, ranges) -> None:
    ax = chart.ax
    for limits, data in zip((ax.get_xlim(), ax.get_ylim()), ranges, strict=True):
        if data is not None:
            assert empty_share(limits, *data) <= SETTLED_ROOM, (chart.title, limits, data)


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_a_settled_chart_fits_its_data_and_a_live_one_shows_it(kind):
    chart, frame = drive(kind, 30, 24)
    chart.settle()  # the stream ended: the last picture
    assert chart.update(chart.snapshot()) != 0
    check_settled(chart, kind.ranges(frame))
    frame["n"] += 24  # data again: live, the room for growth comes back, the data shown
    chart.update(chart.snapshot())
    check_live(chart, kind.ranges(frame))


def test_the_x_room_ahead_of_a_fast_line_is_a_quarter_of_its_span_at_most():
    """240 readings within a second: the x axis spans about that second, not minutes."""
    frame = {"n": 0}
    chart = LineChart(new_axes(), lambda: LineSnapshot(*line_data(frame["n"])))
    for _ in range(10):
        frame["n"] += 24
        chart.update(chart.snapshot())
        xs = line_data(frame["n"])[0]
        x0, x1 = chart.ax.get_xlim()
        span = xs[-1] - xs[0]
        assert x0 <= xs[0] and xs[-1] <= x1 <= xs[-1] + 0.3 * span
    assert (chart.ax.get_xlim()[1] - chart.ax.get_xlim()[0]) * 86400 < 1.3  # seconds


def test_a_bar_of_a_million_is_not_drawn_on_a_two_million_axis():
    counts = {"a": 0, "b": 0}
    chart = BarChart(new_axes(), lambda: dict(counts))
    for _ in range(100):  # up to 1,000,000
        counts["a"] += 10_000
        counts["b"] += 3_000
        chart.update(chart.snapshot())
        # room for a quarter more at most, in steps a third apart: the bar fills 60 %
        assert counts["a"] <= chart.ax.get_ylim()[1] <= 1.25 * 4 / 3 * counts["a"]
    chart.settle()
    chart.update(chart.snapshot())
    assert chart.ax.get_ylim() == (0, pytest.approx(1_080_000))


def test_a_histogram_settles_on_bins_and_counts_that_fit():
    values: list[float] = []
    chart = HistogramChart(new_axes(), lambda: list(values), bins=10)
    for i in range(40):  # values spreading out: the bins grow and merge
        values.extend([i * 0.5, -i * 0.25, i * 0.1])
        chart.update(chart.snapshot())
        counts = chart.drawn()["counts"]
        assert empty_share(chart.ax.get_ylim(), 0, max(counts)) <= LIVE_ROOM
    del values[:60]  # the oldest values leave (a rolling window): bins stay, too wide
    chart.update(chart.snapshot())
    chart.settle()
    chart.update(chart.snapshot())
    shown = chart.drawn()
    assert sum(shown["counts"]) == len(values)
    assert empty_share(chart.ax.get_ylim(), 0, max(shown["counts"])) <= SETTLED_ROOM
    assert empty_share(chart.ax.get_xlim(), min(values), max(values)) <= SETTLED_ROOM


def test_an_idle_chart_settles_and_comes_back_to_life():
    """No new data for a second of frames (the stream paused): the chart fits its data;
    the next data is drawn live again."""
    counts = {"a": 0}
    chart = BarChart(new_axes(), lambda: dict(counts))
    view = LiveView(chart.ax.figure, [ChartGroup(threading.Lock(), [chart])], fps=10,
                    stop=threading.Event())
    for _ in range(12):  # fast growth: room kept ahead
        counts["a"] += 40_000
        view.update()
    assert chart.ax.get_ylim()[1] > 1.1 * counts["a"]
    levels = [view.update()[chart] for _ in range(10)]  # a second of frames, no new data
    assert levels[:-1] == [0] * 9 and levels[-1] != 0  # settled on the tenth
    assert chart.settled and chart.ax.get_ylim()[1] == pytest.approx(1.08 * counts["a"])
    assert [view.update()[chart] for _ in range(20)] == [0] * 20  # settled once per idle spell
    counts["a"] += 40_000
    view.update()
    assert not chart.settled and counts["a"] <= chart.ax.get_ylim()[1]


def test_the_last_frame_of_a_view_fits_every_chart():
    frame = {"n": 240}
    line = LineChart(new_axes(), lambda: LineSnapshot(*line_data(frame["n"])))
    view = LiveView(line.ax.figure, [ChartGroup(threading.Lock(), [line])], fps=10,
                    stop=threading.Event())
    view.update()
    view.finish()
    xs, ys = line_data(240)
    check_settled(line, ((xs[0], xs[-1]), (min(ys), max(ys))))
    assert view.stats()["limits"] == [{"title": line.title, "x": list(line.ax.get_xlim()),
                                       "y": list(line.ax.get_ylim())}]


def test_240_readings_in_under_a_second_through_the_consumer(workdir):
    """The smoker's readings 4 ms apart (a producer at interval 0): the consumer's last
    picture spans that second."""
    start = datetime(2025, 1, 1, 15)
    stamps = [(start + timedelta(milliseconds=4 * i)).isoformat(" ", "milliseconds")
              for i in range(240)]
    (workdir / "data").mkdir()
    (workdir / "data" / "fast.csv").write_text(
        "timestamp,temperature\n" + "".join(f"{t},{70 + i / 10:.1f}\n"
                                            for i, t in enumerate(stamps)))
    env = {"SMOKER_CSV_FILE": str(workdir / "data" / "fast.csv")}
    produced = run_buzzline(["produce", "csv", "--interval", "0"], workdir, **env)
    assert produced.returncode == 0, produced.stderr[-2000:]
    consumed = run_buzzline(["consume", "csv", "--from-beginning", "--count", "240",
                             "--display", "headless", "--output", "out",
                             "--summary-json", "s.json"], workdir, **env)
    assert consumed.returncode == 0, consumed.stderr[-2000:]
    chart = json.loads((workdir / "s.json").read_text())["chart"]
    assert chart["drawn"][0]["points"] == 240
    (limits,) = chart["limits"]
    first, last = to_day_number(stamps[0]), to_day_number(stamps[-1])
    assert empty_share(limits["x"], first, last) <= SETTLED_ROOM
    assert empty_share(limits["y"], 70.0, 93.9) <= SETTLED_ROOM
    assert (limits["x"][1] - limits["x"][0]) * 86400 < 1.1  # seconds, not minutes


def test_the_demo_smoker_panel_ends_with_its_data(workdir):
    result = run_buzzline(["demo", "--output", "out", "--summary-json", "s.json",
                           "--seed", "7"], workdir, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    apps = json.loads((workdir / "s.json").read_text())["apps"]
    limits = {entry["title"]: entry for entry in apps["csv"]["chart"]["limits"]}
    smoker = limits["Smoker: temperature vs. time"]
    rows = (workdir / "data" / "smoker_temps.csv").read_text().splitlines()[1:241]
    times = [to_day_number(row.split(",")[0]) for row in rows]
    temps = [float(row.split(",")[1]) for row in rows]
    assert empty_share(smoker["x"], min(times), max(times)) <= SETTLED_ROOM
    assert empty_share(smoker["y"], min(temps), max(temps)) <= SETTLED_ROOM
    # and the bar panels: the tallest bar and its headroom, not a 1-2-5 step above it
    for name, key, title in (("basic", "author_counts", "Basic: messages per author"),
                             ("project", "category_counts", "Project: messages per category")):
        top = max(apps[name][key].values())
        assert empty_share(limits[title]["y"], 0, top) <= SETTLED_ROOM


@pytest.mark.display
def test_the_window_fits_a_1280x1000_screen(workdir, xvfb_small_screen):
    result = run_buzzline(["demo", "--transport", "memory", "--duration", "4", "--output",
                           "out", "--display", "window", "--summary-json", "s.json"],
                          workdir, timeout=120, DISPLAY=xvfb_small_screen)
    assert result.returncode == 0, result.stderr[-2000:]
    chart = json.loads((workdir / "s.json").read_text())["apps"]["basic"]["chart"]
    assert chart["mode"] == "window"
    width, height = chart["window"]  # read back from the toolkit
    assert width <= 0.9 * 1280 and height <= 0.9 * 1000
    assert width >= 0.8 * 1280 or height >= 0.8 * 1000  # made smaller, not tiny
    assert chart["dpi"] == 100.0  # the same dpi: a smaller figure, not smaller text
