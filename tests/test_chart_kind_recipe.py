"""The README's recipe for a new chart kind: its module (declaring ``KIND``) and one line in
``buzzline.shapes.KINDS``; the window, the images, streams and the dashboard then know it."""

import sys
import textwrap

import pytest
from matplotlib.figure import Figure

from buzzline import shapes
from buzzline.charts import kinds
from buzzline.shapes import CATEGORIES, Feed
from buzzline.streams import Stream, sources
from buzzline.streams import analytics as a

DOTS = '''
from buzzline.charts.bar import BarChart
from buzzline.charts.kind import ChartKind


def make(ax, data, *, title, colors, **options):
    return BarChart(ax, data, title=title, colors=colors, **options)


KIND = ChartKind("dots", "Dots, one per category", {"top_k": "the K largest"},
                 {"top_k": int}, factory=make)
'''


@pytest.fixture
def dots(tmp_path, monkeypatch):
    (tmp_path / "dots_kind.py").write_text(textwrap.dedent(DOTS))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(shapes.KINDS, "dots", (CATEGORIES, "dots_kind"))
    monkeypatch.setitem(shapes.KIND_SHAPES, "dots", CATEGORIES)
    yield kinds._registered()
    sys.modules.pop("dots_kind", None)


def test_a_new_kind_is_its_module_and_one_line(dots):
    kind = dots.get("dots")
    assert kind.shape == CATEGORIES and "dots" in dots.names()
    ax = Figure().add_subplot()
    chart = kind.make(ax, lambda: {"a": 3.0, "b": 1.0}, title="t", top_k="1")
    chart.update(chart.snapshot())
    assert chart.drawn() == {"a": 3, "others": 1}  # the top 1, the rest as "others"
    # a stream may ask for it by name, and a feed of it draws through the registry
    stream = Stream("tally", fields={"k": str},
                    source=sources.generate(lambda rng, clock: {"k": "x"}),
                    analytic=a.counts("k"), chart="dots")
    assert stream.chart == "dots"
    feed = Feed("t", "dots", lambda: {"x": 2.0})
    chart = dots.get(feed.kind).make(Figure().add_subplot(), feed.data)
    chart.update(chart.snapshot())
    assert chart.drawn() == {"x": 2}


def test_a_module_that_declares_another_kind_is_one_clear_error(tmp_path, monkeypatch):
    (tmp_path / "wrong_kind.py").write_text(textwrap.dedent(DOTS))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(shapes.KINDS, "rings", (CATEGORIES, "wrong_kind"))
    monkeypatch.setitem(shapes.KIND_SHAPES, "rings", CATEGORIES)
    with pytest.raises(TypeError, match=r"wrong_kind should declare KIND = ChartKind\('rings'"):
        kinds._registered()
    sys.modules.pop("wrong_kind", None)


def test_every_registered_kind_comes_from_the_module_its_line_names():
    for name, (shape, module) in shapes.KINDS.items():
        kind = kinds.CHART_KINDS.get(name)
        assert kind is sys.modules[module].KIND and kind.shape == shape
