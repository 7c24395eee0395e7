"""Every alphabet and one colour per key (issue 13, items 4 and 5): a name in Chinese and a
symbol draw with ink and without missing-glyph warnings; where no font has them, one warning
line per run; a key has one colour in every chart, on the dashboard feed and in every run."""

import json
import subprocess
import sys
import warnings

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from buzzline.analytics import Counts
from buzzline.apps import get_app
from buzzline.charts.bar import BarChart
from buzzline.charts.fonts import font_chain, use_fonts
from buzzline.charts.glyphs import glyph_text
from buzzline.charts.hbar import HBarChart
from buzzline.charts.kinds import charts_of
from buzzline.charts.palette import PALETTE, key_colors, slot
from buzzline.charts.pie import PieChart
from buzzline.clock import ManualClock
from buzzline.dashboard.panels import panel
from buzzline.messages import Buzz
from buzzline.settings import load_settings
from tests.conftest import IN_CI, run_buzzline, subprocess_env

NAMES = ("\u674e\u96f7", "\u2605 \U0001f642")  # 李雷, a star and a smile


def bar_colors(chart: BarChart) -> dict[str, str]:
    return {k: to_hex(r.get_facecolor()) for k, r in zip(chart.keys, chart.bars, strict=True)}


def app_chart_and_feed(name: str, authors: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """The colours of ``authors`` in app ``name``'s chart and on its dashboard feed."""
    app, settings = get_app(name), load_settings(environ={}, env_file=None)
    pipeline = app.pipeline(settings, ManualClock())
    pipeline.update([Buzz(message="m", author=a) for a in authors])
    fig = Figure()
    FigureCanvasAgg(fig)
    (feed,) = app.feeds(pipeline, settings)
    (chart,) = charts_of([feed], [fig.add_subplot()])
    chart.update(chart.snapshot())
    return bar_colors(chart), panel(feed, feed.data())["options"]["key_colors"]


COLOR_OF_EVE = """
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from buzzline.charts.bar import BarChart
chart = BarChart(Figure().add_subplot(), lambda: {"Eve": 3, "Bob": 1})
chart.update(chart.snapshot())
print(to_hex(chart.bars[chart.keys.index("Eve")].get_facecolor()))
"""


def test_eve_has_one_colour_in_basic_json_the_dashboard_and_every_run(tmp_path) -> None:
    basic, basic_feed = app_chart_and_feed("basic", ["Alice", "Bob", "Charlie", "Eve"])
    json_chart, json_feed = app_chart_and_feed("json", ["Alice", "Bob", "Charlie", "Diana",
                                                         "Eve", "Eve"])
    eve = basic["Eve"]
    assert json_chart["Eve"] == basic_feed["Eve"] == json_feed["Eve"] == eve
    assert basic == basic_feed and json_chart == json_feed  # every key, chart and feed alike
    runs = {subprocess.run([sys.executable, "-c", COLOR_OF_EVE], capture_output=True, text=True,
                           env=subprocess_env(tmp_path, PYTHONHASHSEED=seed), check=True,
                           timeout=120).stdout.strip() for seed in ("1", "2")}
    assert runs == {eve}  # not Python's salted hash(): the same in every run


def test_twenty_keys_twenty_colours_and_others_stays_grey() -> None:
    assert len(set(PALETTE)) >= 20
    keys = [f"author{i}" for i in range(20)]
    assert len({slot(k) for k in keys}) < 20  # they collide: the next free colour is taken
    fig = Figure()
    charts = [BarChart(fig.add_subplot(3, 1, 1), lambda: dict.fromkeys(keys, 1)),
              HBarChart(fig.add_subplot(3, 1, 2), lambda: dict.fromkeys(keys, 1)),
              PieChart(fig.add_subplot(3, 1, 3), lambda: dict.fromkeys(keys, 1))]
    for chart in charts:
        chart.update(chart.snapshot())
    patches = [charts[0].bars, charts[1].bars, charts[2].wedges]
    colours = [[to_hex(p.get_facecolor()) for p in group] for group in patches]
    assert len(set(colours[0])) == 20 and colours[0] == colours[1] == colours[2]
    assert charts[0].keys == charts[1].keys == charts[2].keys
    assert dict(zip(charts[0].keys, colours[0], strict=True)) == key_colors(keys)  # the feed's
    # a 21st key: one "others" bar, grey; --colors still go in turn
    more = BarChart(Figure().add_subplot(), lambda: dict.fromkeys([*keys, "z"], 1), top_k=20)
    more.update(more.snapshot())
    assert more.bars[-1].get_facecolor()[:3] == pytest.approx((0.7, 0.7, 0.7))
    given = BarChart(Figure().add_subplot(), lambda: {"b": 1, "a": 2}, colors=("red", "blue"))
    given.update(given.snapshot())
    assert bar_colors(given) == {"a": "#ff0000", "b": "#0000ff"}


def test_colliding_keys_take_the_next_free_colour_whatever_their_order() -> None:
    keys = [f"k{i}" for i in range(200)]
    first = next(k for k in keys[1:] if slot(k) == slot(keys[0]))
    pair = key_colors([keys[0], first])
    assert pair == key_colors([first, keys[0]]) and len(set(pair.values())) == 2
    assert pair[min(keys[0], first)] == PALETTE[slot(keys[0])]  # the first by name keeps it


def ink(text: str, family: list[str] | None, rotation: float = 0) -> np.ndarray:
    """The picture of ``text`` as a glyph label (or rotated: matplotlib's own text)."""
    fig = Figure(figsize=(2.4, 1.2), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    label = glyph_text(ax, 0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
                       fontsize=24, rotation=rotation)
    if family:
        label.set_fontfamily(family)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].min(axis=2)


def test_a_chinese_name_and_a_symbol_draw_with_ink_and_no_warning() -> None:
    chain = use_fonts()
    if IN_CI or chain.missing("".join(NAMES)) == "":  # CI installs the fonts (.ci/run)
        assert chain.missing("".join(NAMES)) == "", chain.families
    else:
        pytest.skip("no CJK or symbol font here (apt-get install fonts-noto-cjk fonts-symbola)")
    for name in NAMES:
        for rotation in (0, 30):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                drawn = ink(name, None, rotation)
                box = ink(name, ["DejaVu Sans"], rotation)
            missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
            # only the picture drawn without the chain misses glyphs (so the check can fail)
            assert missing and all("DejaVu Sans." in m for m in missing), missing
            assert (drawn < 128).sum() > 30  # ink where the glyphs are
            assert (drawn != box).sum() > 30  # not the empty boxes


def test_no_font_for_a_name_is_one_warning_line_per_run(workdir) -> None:
    data = workdir / "data"
    data.mkdir()
    lines = [json.dumps({"message": "hi", "author": a}) for a in
             ["\u674e\u96f7", "\u738b\u82b3", "\u5f20\u4f1f", "\U0001f642", "Eve"] * 4]
    (data / "buzz_live.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["consume", "basic", "--from-beginning", "--count", "20", "--output", "out"]
    result = run_buzzline(args, workdir, BUZZLINE_FONTS="DejaVu Sans")
    assert result.returncode == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "drawn as boxes" in line]
    assert len(warned) == 1 and "fonts-noto-cjk" in warned[0], result.stderr
    assert "missing from font" not in result.stderr
    assert (workdir / "out" / "basic.png").exists()
    if not font_chain().missing("".join(NAMES)):  # with the chain: no line at all
        result = run_buzzline(args, workdir)
        assert result.returncode == 0, result.stderr
        assert "drawn as boxes" not in result.stderr
        assert "missing from font" not in result.stderr


def test_a_key_keeps_its_colour_as_keys_come_and_go() -> None:
    counts = Counts()
    counts.update([Buzz(message="m", author=a) for a in ("Eve", "Bob")])
    chart = BarChart(Figure().add_subplot(), lambda: counts.ranking(20))
    chart.update(chart.snapshot())
    before = bar_colors(chart)["Eve"]
    counts.update([Buzz(message="m", author="Zed")])
    chart.update(chart.snapshot())
    assert bar_colors(chart)["Eve"] == before == PALETTE[slot("Eve")]
