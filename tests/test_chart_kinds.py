"""Chart kinds rendered headless: what the artists show matches the data, frames update the same
artists in place, the registry and `buzzline charts` list every kind."""

import math

import pytest
from click.testing import CliRunner
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from buzzline.charts.band import BandChart, BandSnapshot
from buzzline.charts.base import LAYOUT, LIMITS, SAME, UNCHANGED
from buzzline.charts.hbar import HBarChart
from buzzline.charts.histogram import HistogramChart
from buzzline.charts.kinds import (
    BAND,
    CATEGORIES,
    CHART_KINDS,
    POINTS,
    SERIES,
    SHAPES,
    VALUES,
    sample_data,
)
from buzzline.charts.line import LineSnapshot
from buzzline.charts.pie import PieChart
from buzzline.charts.scatter import ScatterChart
from buzzline.cli import cli
from buzzline.errors import SettingsError, UnknownChoice

KINDS = ["band", "bar", "hbar", "histogram", "line", "pie", "scatter"]


def new_axes():
    fig = Figure()
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def test_registry_holds_every_kind_with_the_contract_shapes():
    assert CHART_KINDS.names() == KINDS
    shapes = {name: CHART_KINDS.get(name).shape for name in CHART_KINDS}
    assert shapes == {"bar": "categories", "hbar": "categories", "pie": "categories",
                      "line": "series", "scatter": "points", "histogram": "values",
                      "band": "band"}
    assert tuple(SHAPES) == (CATEGORIES, SERIES, POINTS, VALUES, BAND)
    assert list(SHAPES) == ["categories", "series", "points", "values", "band"]
    with pytest.raises(UnknownChoice, match="choose one of: band, bar, hbar, histogram, line"):
        CHART_KINDS.get("radar")


def test_unknown_or_bad_option_lists_the_valid_ones():
    fig, ax = new_axes()
    with pytest.raises(SettingsError, match="valid options: top_k, unit, xlabel, ylabel"):
        CHART_KINDS.get("bar").make(ax, dict, bins=3)
    with pytest.raises(SettingsError, match="top_k"):
        CHART_KINDS.get("bar").make(ax, dict, top_k="many")
    with pytest.raises(SettingsError, match="both low and high"):
        CHART_KINDS.get("histogram").make(ax, list, low=0)


@pytest.mark.parametrize("name", KINDS)
def test_each_kind_renders_sample_data_and_updates_the_same_artists(name):
    kind = CHART_KINDS.get(name)
    fig, ax = new_axes()
    frame = {"n": 0}
    chart = kind.make(ax, lambda: sample_data(kind.shape, frame["n"]), title=name)
    assert chart.update(chart.snapshot()) >= SAME
    fig.canvas.draw()
    first, artists = chart.drawn(), chart.artists()
    assert first and artists
    frame["n"] = 1
    assert chart.update(chart.snapshot()) >= SAME
    fig.canvas.draw()
    assert chart.drawn() != first
    if name != "histogram":  # a histogram may add bins (new rectangles next to the old ones)
        assert all(a is b for a, b in zip(chart.artists(), artists, strict=True))
    assert chart.update(chart.snapshot()) == UNCHANGED


def test_kinds_use_given_colours_or_their_defaults():
    fig, ax = new_axes()
    line = CHART_KINDS.get("line").make(ax, lambda: sample_data(SERIES))
    assert line.alert_color == "red"
    fig, ax = new_axes()
    band = CHART_KINDS.get("band").make(ax, lambda: sample_data(BAND), colors="tab:green,black")
    assert band.alert_color == "black"
    fig, ax = new_axes()
    with pytest.raises(SettingsError, match="not a matplotlib colour"):
        CHART_KINDS.get("pie").make(ax, dict, colors="nocolour")


def test_bar_and_line_kinds_wrap_the_existing_charts():
    fig, ax = new_axes()
    bar = CHART_KINDS.get("bar").make(ax, lambda: {"a": 2.5, "b": 4.0, "c": 1.0}, top_k="2")
    bar.update(bar.snapshot())
    assert bar.drawn() == {"b": 4, "a": 2.5, "others": 1}  # the rest as "other" (issue 12)
    fig, ax = new_axes()
    line = CHART_KINDS.get("line").make(
        ax, lambda: LineSnapshot([1.0, 2.0, 3.0], [5.0, 6.0, 5.5], [(2.0, 6.0, "hot")],
                                 timed=False), window=2)
    line.update(line.snapshot())
    assert line.drawn() == {"points": 3, "markers": 1, "labels": ["hot"]}


def test_hbar_widths_in_place_and_top_k_on_top():
    fig, ax = new_axes()
    values = {"Alice": 3.0, "Bob": 8.0, "Carol": 5.0}
    chart = HBarChart(ax, lambda: dict(values), top_k=2)
    assert chart.render(chart.snapshot()) == LAYOUT
    # the rest as an "other" bar at the bottom (issue 12)
    assert list(chart.drawn().items()) == [("Bob", 8), ("Carol", 5), ("others", 3)]
    bars = list(chart.bars)
    values["Carol"] = 6.5
    assert chart.render(chart.snapshot()) == SAME
    assert chart.drawn() == {"Bob": 8, "Carol": 6.5, "others": 3}
    assert list(chart.bars) == bars
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Bob", "Carol", "others"]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # the first key on top


def test_scatter_offsets_are_the_points():
    fig, ax = new_axes()
    pts = ([1.0, 2.0, 3.0], [4.0, 5.0, float("nan")])
    chart = ScatterChart(ax, lambda: pts, max_points=2)
    chart.render(chart.snapshot())
    assert chart.drawn() == {"points": 1, "offsets": [(2.0, 5.0)]}  # last 2, NaN dropped
    collection = chart.points
    pts = ([1.0, 2.0, 30.0], [4.0, 5.0, 60.0])
    chart.render(chart.snapshot())
    assert chart.drawn()["offsets"] == [(2.0, 5.0), (30.0, 60.0)]
    assert chart.points is collection
    assert ax.get_xlim()[1] >= 30 and ax.get_ylim()[1] >= 60


def test_histogram_fixed_bins_count_values():
    fig, ax = new_axes()
    values = [0.0, 0.5, 1.0, 1.5, 2.9, 3.0, 3.5, -1.0]
    chart = HistogramChart(ax, lambda: list(values), bins=3, low=0, high=3)
    chart.render(chart.snapshot())
    assert chart.drawn() == {"edges": [0.0, 1.0, 2.0, 3.0], "counts": [2, 2, 2]}
    assert "2 outside" in chart._status.get_text()
    rects = list(chart.rects)
    values += [2.5, 2.5]
    # the bins stay (issue 13: the count axis follows the tallest bar, 2 then 4, instead
    # of staying at 0-10: LIMITS, not SAME)
    assert chart.render(chart.snapshot()) == LIMITS
    assert chart.drawn()["counts"] == [2, 2, 4]
    assert chart.rects == rects


def test_histogram_bins_grow_and_merge():
    fig, ax = new_axes()
    values = [float(v) for v in range(10)]
    chart = HistogramChart(ax, lambda: list(values), bins=5)
    chart.render(chart.snapshot())
    shown = chart.drawn()
    assert shown["counts"] == [2, 2, 2, 2, 2] and shown["edges"][0] == 0.0
    assert shown["edges"][-1] == pytest.approx(9.0)
    old = list(chart.rects)
    values.append(12.0)  # two more bins on the right; the old rectangles stay
    assert chart.render(chart.snapshot()) == LAYOUT
    shown = chart.drawn()
    assert len(shown["counts"]) == 7 and sum(shown["counts"]) == 11
    assert chart.rects[:5] == old
    values.append(100.0)  # far away: bins merge so there are at most 2 * bins
    chart.render(chart.snapshot())
    shown = chart.drawn()
    assert len(shown["counts"]) <= 10 and sum(shown["counts"]) == 12
    assert shown["edges"][0] <= 0 and shown["edges"][-1] >= 100


def test_pie_wedge_angles_are_proportional_and_set_in_place():
    fig, ax = new_axes()
    values = {"a": 1.0, "b": 3.0}
    chart = PieChart(ax, lambda: dict(values), donut=True)
    assert chart.render(chart.snapshot()) == LAYOUT
    assert chart.drawn() == pytest.approx({"a": 90.0, "b": 270.0})
    wedges = list(chart.wedges)
    values.update(a=2.0, b=2.0)
    assert chart.render(chart.snapshot()) == SAME
    assert chart.drawn() == pytest.approx({"a": 180.0, "b": 180.0})
    assert chart.wedges == wedges and all(w.width == pytest.approx(0.42) for w in wedges)
    assert chart._center.get_text() == "4"
    values["c"] = 4.0  # a new category: new wedges and legend
    assert chart.render(chart.snapshot()) == LAYOUT
    assert chart.drawn() == pytest.approx({"a": 90.0, "b": 90.0, "c": 180.0})
    assert sum(chart.drawn().values()) == pytest.approx(360.0)


def test_pie_top_k_adds_the_rest_up_as_other():
    fig, ax = new_axes()
    chart = PieChart(ax, lambda: {"a": 5, "b": 3, "c": 1, "d": 1}, top_k=2)
    chart.render(chart.snapshot())
    # "others", as the bar charts name it (issue 12), labelled with the keys it holds
    assert chart.drawn() == pytest.approx({"a": 180.0, "b": 108.0, "others": 72.0})
    assert chart.labels[-1].get_text() == "20%\n2 keys"


def test_band_vertices_follow_low_and_high():
    fig, ax = new_axes()
    snap = BandSnapshot([0.0, 1.0, 2.0], [2.0, 3.0, 4.0], [1.0, 2.0, 3.0], [3.0, 4.0, 6.0],
                        [(1.0, 3.0, "alert")])
    chart = BandChart(ax, lambda: snap)
    chart.render(chart.snapshot())
    shown = chart.drawn()
    assert shown["band"] == [(0.0, 1.0), (1.0, 2.0), (2.0, 3.0), (2.0, 6.0), (1.0, 4.0),
                             (0.0, 3.0)]
    assert (shown["points"], shown["markers"], shown["labels"]) == (3, 1, ["alert"])
    band, line = chart.band, chart.line
    snap = BandSnapshot([1.0, 2.0, 3.0], [3.0, 4.0, 5.0], [2.0, 3.0, 4.0], [4.0, 6.0, 7.0])
    chart.render(chart.snapshot())
    assert chart.drawn()["band"][0] == (1.0, 2.0) and chart.drawn()["markers"] == 0
    assert chart.band is band and chart.line is line
    assert ax.get_ylim()[1] >= 7


def test_band_window_shows_the_last_points():
    fig, ax = new_axes()
    xs = [float(i) for i in range(10)]
    chart = BandChart(ax, lambda: BandSnapshot(xs, xs, xs, xs), window=4)
    chart.render(chart.snapshot())
    assert chart.drawn()["points"] == 4 and chart.drawn()["band"][0] == (6.0, 6.0)


def test_empty_data_draws_without_error():
    for name in KINDS:
        kind = CHART_KINDS.get(name)
        empty = {CATEGORIES: {}, SERIES: LineSnapshot([], []), POINTS: ([], []), VALUES: [],
                 BAND: BandSnapshot([], [], [], [])}[kind.shape]
        fig, ax = new_axes()
        chart = kind.make(ax, lambda empty=empty: empty)
        chart.update(chart.snapshot())
        fig.canvas.draw()


def test_charts_command_lists_kinds_and_writes_a_gallery(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["charts"])
    assert result.exit_code == 0, result.output
    for name in KINDS:
        assert f"\n{name}: " in f"\n{result.output}"
    for shape in SHAPES:
        assert f"data: {shape} -> " in result.output
    assert "top_k" in result.output and "donut" in result.output and "bins" in result.output
    assert "Default palette: #1f77b4" in result.output
    result = runner.invoke(cli, ["charts", "--gallery", str(tmp_path / "gallery")])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "gallery").iterdir())
    assert written == [f"gallery-{name}.png" for name in KINDS]
    for name in written:
        data = (tmp_path / "gallery" / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000


def test_sample_data_has_each_shape():
    for shape in SHAPES:
        assert sample_data(shape) == sample_data(shape)
    assert math.isclose(sum(sample_data(CATEGORIES).values()), 69.0)
    with pytest.raises(ValueError):
        sample_data("cube")


def test_blitted_frames_of_every_kind_match_a_full_redraw():
    import numpy as np

    from buzzline.charts.base import LIMITS
    from buzzline.charts.figure import make_figure
    from buzzline.charts.view import Blitter

    fig, axes = make_figure(len(KINDS), "all kinds")
    frame = {"n": 0}
    kinds = [CHART_KINDS.get(name) for name in KINDS]
    charts = [kind.make(ax, lambda shape=kind.shape: sample_data(shape, frame["n"]))
              for ax, kind in zip(axes, kinds, strict=True)]
    for chart in charts:
        chart.update(chart.snapshot())
    blitter = Blitter(fig, charts)
    blitter.full(layout=True)
    for n in (1, 2):
        frame["n"] = n
        levels = [chart.update(chart.snapshot()) for chart in charts]
        if max(levels) >= LAYOUT:
            blitter.full(layout=True)
        elif max(levels) >= LIMITS:
            blitter.redraw_axes([c for c, lv in zip(charts, levels, strict=True) if lv >= LIMITS])
            blitter.fast([c for c, lv in zip(charts, levels, strict=True) if lv == SAME])
        else:
            blitter.fast()
        shown = np.asarray(fig.canvas.buffer_rgba()).copy()
        blitter.full()
        full = np.asarray(fig.canvas.buffer_rgba())
        differing = np.count_nonzero(np.any(shown != full, axis=-1))
        assert differing < 0.002 * full.shape[0] * full.shape[1], (n, levels, differing)


def test_pie_other_is_grey_only_for_the_rest():
    fig, ax = new_axes()
    chart = PieChart(ax, lambda: {"a": 5, "b": 3, "c": 1, "d": 1}, top_k=2)
    chart.render(chart.snapshot())
    assert chart.wedges[-1].get_facecolor()[:3] == pytest.approx((0.7, 0.7, 0.7))
    fig, ax = new_axes()
    chart = PieChart(ax, lambda: {"other": 1, "tech": 1}, colors=("red", "blue"))
    chart.render(chart.snapshot())
    assert [w.get_facecolor()[:3] for w in chart.wedges] == [(1, 0, 0), (0, 0, 1)]
