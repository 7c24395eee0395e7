"""The fence around matplotlib's internals (buzzline/charts/mpl_private.py): one test per
private access that fails, naming it and the matplotlib version, when matplotlib changes what
buzzline relies on; every chart kind drawn through the live frame loop with fast drawing on and
off gives the same pictures; with it off nothing in the fence runs; and no private matplotlib
attribute is used outside the fence (an AST check of buzzline/)."""

import ast
import inspect
import sys
import threading
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import NamedTuple

import matplotlib
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.axis import Axis, XTick, YTick
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image

from buzzline.charts import mpl_private
from buzzline.charts.blitter import Blitter
from buzzline.charts.figure import make_figure
from buzzline.charts.glyphs import GlyphText
from buzzline.charts.groups import ChartGroup
from buzzline.charts.kinds import CHART_KINDS, sample_data
from buzzline.charts.view import LiveView
from buzzline.charts.writers import PngWriter

ROOT = Path(__file__).resolve().parents[1]
FENCE = ROOT / "buzzline" / "charts" / "mpl_private.py"
FRAMES = 6


def changed(what: str) -> str:
    """The failure message: which private part of matplotlib changed, in which version."""
    return (f"matplotlib {matplotlib.__version__} changed {what} (buzzline/charts/"
            f"mpl_private.py was checked with {', '.join(mpl_private.CHECKED_VERSIONS)}); "
            f"fix the fence or run with BUZZLINE_FAST_DRAW=false")


def new_axes() -> tuple[Figure, object]:
    fig = Figure(figsize=(4, 3), dpi=100)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


# -- (a) one test per private access


def test_draw_idle_is_what_the_toolkits_call_and_can_be_held():
    from matplotlib.backends import _backend_tk

    source = inspect.getsource(_backend_tk.FigureCanvasTk)  # a resize asks for a draw so
    assert "self.draw_idle()" in source, changed("FigureCanvasTk (no draw_idle call)")
    fig, _ = new_axes()
    asked, drawn = [], []
    fig.canvas.mpl_connect("draw_event", drawn.append)
    mpl_private.hold_draw_requests(fig.canvas, lambda: asked.append(1))
    fig.canvas.draw_idle()
    assert (asked, drawn) == ([1], []), changed("FigureCanvasBase.draw_idle (not held)")


def test_autotitlepos_keeps_the_title_where_it_is():
    assert isinstance(getattr(new_axes()[1], mpl_private.AUTOTITLEPOS, None), bool), \
        changed("Axes._autotitlepos (missing or not a bool)")

    def title_y(fixed: bool) -> float:
        fig, ax = new_axes()
        ax.set_title("t")
        ax.xaxis.tick_top()  # Axes.draw moves the title above the top tick labels
        fig.canvas.draw()
        ax.title.set_y(1.0)
        with mpl_private.title_fixed(ax, fixed):
            fig.canvas.draw()
        assert getattr(ax, mpl_private.AUTOTITLEPOS) is True  # restored
        return ax.title.get_position()[1]

    assert title_y(False) > 1.0, changed("Axes.draw (the title is no longer placed)")
    assert title_y(True) == 1.0, changed("Axes._autotitlepos (False no longer keeps the title)")


def test_side_titles_are_the_left_and_right_titles():
    _, ax = new_axes()
    ax.set_title("L", loc="left")
    ax.set_title("R", loc="right")
    try:
        left, right = mpl_private.side_titles(ax)
    except AttributeError as exc:
        pytest.fail(changed(f"Axes._left_title / Axes._right_title ({exc})"))
    assert (left.get_text(), right.get_text()) == ("L", "R"), \
        changed("Axes._left_title / Axes._right_title (not the side titles)")
    assert {left, right} <= set(ax.get_children())


def test_update_ticks_gives_the_ticks_in_view_with_their_labels():
    fig, ax = new_axes()
    ax.set_xlim(0, 10)
    fig.canvas.draw()
    ax.set_xlim(0, 100)
    try:
        ticks = mpl_private.ticks_in_view(ax.xaxis)
    except AttributeError as exc:
        pytest.fail(changed(f"Axis._update_ticks ({exc})"))
    locs = [loc for loc in ax.xaxis.get_majorticklocs() if 0 <= loc <= 100]
    assert [t.get_loc() for t in ticks] == locs, \
        changed("Axis._update_ticks (not the ticks in view)")
    assert [t.label1.get_text() for t in ticks] == [f"{loc:g}" for loc in locs], \
        changed("Axis._update_ticks (labels not updated for the new limits)")


def test_tick_class_makes_the_axis_ticks():
    for axis_of, tick in ((lambda ax: ax.xaxis, XTick), (lambda ax: ax.yaxis, YTick)):
        _, ax = new_axes()
        axis: Axis = axis_of(ax)
        mine = type("MyTick", (tick,), {})
        assert getattr(type(axis), mpl_private.TICK_CLASS, None) is tick, \
            changed(f"{type(axis).__name__}._tick_class (missing or not {tick.__name__})")
        mpl_private.make_ticks_of(axis, mine)
        axis.set_ticks(range(7))  # more ticks than at first: made by Axis._get_tick
        assert all(type(t) is mine for t in axis.get_major_ticks()), \
            changed(f"{type(axis).__name__}._tick_class (no longer the class of new ticks)")


def test_glyph_text_adds_no_state_so_a_label_may_become_one():
    plain = Text(0, 0, "a")
    assert set(vars(GlyphText(0, 0, "a"))) == set(vars(plain)), changed("Text's attributes")
    _, ax = new_axes()
    mpl_private.make_ticks_of(ax.yaxis, type("GlyphY", (YTick,), {}))
    tick = ax.yaxis.get_major_ticks()[0]
    before = dict(vars(tick.label1))
    mpl_private.recast_text(tick.label1, GlyphText)
    assert type(tick.label1) is GlyphText and vars(tick.label1) == before
    assert tick.label1 in tick.get_children(), changed("Tick.label1 (not the drawn label)")


def test_make_figure_draws_tick_labels_from_glyphs_only_when_fast():
    for fast in (True, False):
        fig, (ax,) = make_figure(1, "t", fast_draw=fast)
        fig.canvas.draw()
        labels = [t.label1 for t in ax.yaxis.get_major_ticks()]
        assert labels and all(isinstance(t, GlyphText) == fast for t in labels)


# -- (b) every chart kind, fast drawing on and off, through the frame loop


class Run(NamedTuple):
    window: np.ndarray  # the window's last picture (RGBA)
    window_labels: list[Bbox]  # where its tick labels are
    png: np.ndarray  # the saved PNG's
    png_labels: list[Bbox]
    view: LiveView


def frames(name: str, fast: bool, out: Path) -> Run:
    """``FRAMES`` window frames (blitting on an Agg canvas) of kind ``name``, its data moving
    on each frame, then a headless run saving a PNG. The window's last picture is checked
    against a whole-figure draw of it."""
    kind = CHART_KINDS.get(name)
    fig, (ax,) = make_figure(1, name, fast_draw=fast)
    frame = [0]
    chart = kind.make(ax, lambda: sample_data(kind.shape, frame[0]), title=name)
    view = LiveView(fig, [ChartGroup(nullcontext(), [chart])], fps=1000, stop=threading.Event(),
                    writer=PngWriter(out, name), fast_draw=fast)
    blitter, requested = Blitter(fig, view.charts(), fast), view.draw_requests()
    for frame[0] in range(FRAMES):
        view.window_frame(blitter, requested)
    window, window_labels = picture(fig), tick_label_boxes(ax)
    fig.canvas.draw()  # blits and rescales drew what a whole-figure draw does
    differing = np.count_nonzero(np.any(window != picture(fig), axis=-1))
    assert differing < 0.002 * window[..., 0].size, (name, fast, differing)

    def moving() -> bool:
        frame[0] += 1
        return frame[0] >= 2 * FRAMES

    view.finished = moving
    view.run_headless()
    view.finish()
    png = np.asarray(Image.open(out / f"{name}.png").convert("RGBA"))
    return Run(window, window_labels, png, tick_label_boxes(ax), view)


def picture(fig: Figure) -> np.ndarray:
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def tick_label_boxes(ax: Axes) -> list[Bbox]:
    ticks = [*ax.xaxis.get_major_ticks(), *ax.yaxis.get_major_ticks()]
    return [t.label1.get_window_extent().padded(2) for t in ticks
            if t.label1.get_visible() and t.label1.get_text()]


def assert_same_picture(fast: np.ndarray, public: np.ndarray, labels: list[Bbox],
                        what: str) -> None:
    """Equal but for the anti-aliased edges of some tick labels' glyphs (tick labels are
    drawn from glyph pictures when fast: see test_charts)."""
    assert fast.shape == public.shape, what
    differ = np.abs(fast[..., :3].astype(int) - public[..., :3].astype(int)).sum(axis=-1)
    assert (differ > 150).mean() < 0.01, (what, (differ > 150).mean())
    height = differ.shape[0]
    rows, cols = np.nonzero(differ)
    outside = [(int(x), int(y)) for y, x in zip(rows, cols, strict=True)
               if not any(b.contains(x + 0.5, height - y - 0.5) for b in labels)]
    assert outside == [], (what, "pixels differ outside the tick labels", outside[:10])


@pytest.mark.parametrize("name", list(CHART_KINDS))
def test_every_kind_looks_the_same_with_fast_drawing_on_and_off(name, tmp_path):
    fast, public = frames(name, True, tmp_path / "fast"), frames(name, False, tmp_path / "public")
    assert_same_picture(fast.window, public.window, fast.window_labels,
                        f"{name}: the window's last frame")
    assert_same_picture(fast.png, public.png, fast.png_labels, f"{name}: the saved PNG")
    assert fast.view.stats()["limits"] == public.view.stats()["limits"]
    assert fast.view.frames == public.view.frames > FRAMES


def test_the_frames_rescale_some_axes(tmp_path):
    """The test above goes through the rescale path (not only whole-figure redraws)."""
    redraws = 0
    for name in CHART_KINDS:
        redraws += frames(name, True, tmp_path / name).view.axes_redraws
    assert redraws > 0


@pytest.fixture
def fence_calls() -> Iterator[list[str]]:
    """The functions of the fence called meanwhile (any thread's frames: the main one's)."""
    calls: list[str] = []
    fence = mpl_private.side_titles.__code__.co_filename

    def profile(frame, event, arg):  # noqa: ANN001 - sys.setprofile's signature
        if event == "call" and frame.f_code.co_filename == fence:
            calls.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        yield calls
    finally:
        sys.setprofile(None)


@pytest.mark.parametrize("fast", [False, True])
def test_with_fast_drawing_off_nothing_in_the_fence_runs(fast, fence_calls, tmp_path):
    for name in CHART_KINDS:
        frames(name, fast, tmp_path / name)
    assert bool(fence_calls) == fast, sorted(set(fence_calls))


# -- (c) no private matplotlib attribute outside the fence


def private_uses(source: str, filename: str) -> list[str]:
    """``file:line attribute`` for each private attribute of a matplotlib object used in
    ``source``: ``x._name`` on anything but ``self`` / ``cls``; ``self._name`` in a class
    derived from a matplotlib class when the class does not define ``_name`` itself; an
    assignment to ``__class__``; a function assigned over a matplotlib method."""
    tree = ast.parse(source, filename)
    mpl_names = {alias.asname or alias.name for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)
                 and (node.module or "").startswith("matplotlib") for alias in node.names}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            found += _inherited_privates(node, mpl_names, filename)
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            dunder = node.attr.startswith("__") and node.attr.endswith("__")
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            if not dunder and owner not in ("self", "cls"):
                found.append(f"{filename}:{node.lineno} {node.attr}")
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and (
                        target.attr == "__class__" or target.attr in MPL_METHODS
                        and not (isinstance(target.value, ast.Name)
                                 and target.value.id == "self")):
                    found.append(f"{filename}:{node.lineno} {target.attr} (replaced)")
    return sorted(found, key=lambda use: int(use.split(":")[1].split()[0]))


def _methods() -> set[str]:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import FigureCanvasBase

    return {name for cls in (FigureCanvasBase, Figure, Axes, Axis, Text)
            for name, _ in inspect.getmembers(cls, callable) if not name.startswith("__")}


MPL_METHODS = _methods()


def _inherited_privates(cls: ast.ClassDef, mpl_names: set[str], filename: str) -> list[str]:
    if not any(isinstance(b, ast.Name) and b.id in mpl_names for b in cls.bases):
        return []
    own = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
    own |= {t.id for n in cls.body if isinstance(n, ast.Assign | ast.AnnAssign)
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
            if isinstance(t, ast.Name)}
    own |= {n.attr for n in ast.walk(cls) if isinstance(n, ast.Attribute)
            and isinstance(n.ctx, ast.Store)}
    return [f"{filename}:{n.lineno} {n.attr}" for n in ast.walk(cls)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
            and n.value.id == "self" and n.attr.startswith("_")
            and not n.attr.startswith("__") and n.attr not in own]


def imports_matplotlib(source: str) -> bool:
    return any(name.split(".")[0] == "matplotlib" for node in ast.walk(ast.parse(source))
               for name in ([a.name for a in node.names] if isinstance(node, ast.Import) else
                            [node.module or ""] if isinstance(node, ast.ImportFrom) else []))


def checked_files() -> list[Path]:
    """buzzline/charts, and any module of buzzline that imports matplotlib."""
    return [path for path in sorted((ROOT / "buzzline").rglob("*.py")) if path != FENCE
            and ("charts" in path.parts or imports_matplotlib(path.read_text()))]


def test_no_private_matplotlib_attribute_outside_the_fence():
    files = checked_files()
    assert any(p.name == "glyphs.py" for p in files)
    found = [use for path in files
             for use in private_uses(path.read_text(), str(path.relative_to(ROOT)))]
    assert found == [], "private matplotlib attributes outside mpl_private.py:\n" + "\n".join(found)


PLANTED = '''
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image

class Label(Text):
    _cache = {}

    def draw(self, renderer):
        self._cache.clear()
        return self._antialiased

def setup(ax, canvas, label):
    ax._autotitlepos = False
    ticks = ax.xaxis._update_ticks()
    self_like = canvas
    self_like.draw_idle = lambda: None
    label.__class__ = Label
    return ticks
'''


def test_the_check_finds_planted_uses(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(PLANTED)
    found = private_uses(planted.read_text(), "planted.py")
    assert found == ["planted.py:11 _antialiased", "planted.py:14 _autotitlepos",
                     "planted.py:15 _update_ticks", "planted.py:17 draw_idle (replaced)",
                     "planted.py:18 __class__ (replaced)"], found
    assert private_uses("class A:\n    def f(self):\n        return self._x\n", "ok.py") == []
    assert private_uses(FENCE.read_text(), "mpl_private.py")  # the fence itself would fail


# -- the switch: BUZZLINE_FAST_DRAW, SessionOptions.fast_draw


def test_fast_draw_is_a_setting_from_the_environment_or_env_file(tmp_path):
    from buzzline.settings import load_settings

    env = tmp_path / ".env"
    assert load_settings(environ={}, env_file=env).fast_draw is True
    assert load_settings(environ={"BUZZLINE_FAST_DRAW": "false"}, env_file=env).fast_draw is False
    env.write_text("BUZZLINE_FAST_DRAW=false\n")
    assert load_settings(environ={}, env_file=env).fast_draw is False
    assert load_settings(environ={"BUZZLINE_FAST_DRAW": "true"}, env_file=env).fast_draw is True


@pytest.mark.parametrize("fast", [True, False])
def test_the_session_draws_as_its_view_options_say(fast, tmp_path):
    from types import SimpleNamespace

    from buzzline.engine.session import Session, SessionOptions
    from buzzline.shapes import Feed

    app = SimpleNamespace(name="stub", feeds=lambda pipeline, settings: [
        Feed("t", "bar", lambda: {"a": 1.0})])
    job = SimpleNamespace(app=app, pipeline=None, settings=None, lock=nullcontext())
    options = SessionOptions("t", "t", output_dir=tmp_path, display="headless", fast_draw=fast)
    view = Session([], [job], options)._make_view()  # type: ignore[list-item]
    assert view is not None and view.fast_draw is fast
    (chart,) = view.charts()
    chart.ax.figure.canvas.draw()
    labels = [t.label1 for t in chart.ax.yaxis.get_major_ticks()]
    assert labels and all(isinstance(t, GlyphText) == fast for t in labels)


@pytest.mark.parametrize("fast", [True, False])
def test_a_frame_without_rescale_draws_only_the_artists(fast):
    from buzzline.charts.bar import BarChart

    fig, (ax,) = make_figure(1, "t", fast_draw=fast)
    counts = {"a": 1000, "b": 500}
    chart = BarChart(ax, lambda: dict(counts))
    view = LiveView(fig, [ChartGroup(nullcontext(), [chart])], 10, threading.Event(),
                    fast_draw=fast)
    blitter, requested = Blitter(fig, view.charts(), fast), view.draw_requests()
    view.window_frame(blitter, requested)
    draws: list[object] = []
    fig.canvas.mpl_connect("draw_event", draws.append)
    counts["a"] += 1  # no rescale: the bars and labels change, not the limits
    view.window_frame(blitter, requested)
    assert (draws, view.full_redraws, view.axes_redraws) == ([], 1, 0)


WINDOW_SCRIPT = '''
import json, sys, threading
from contextlib import nullcontext
from buzzline.charts.bar import BarChart
from buzzline.charts.figure import make_figure
from buzzline.charts.groups import ChartGroup
from buzzline.charts.view import LiveView

fast = sys.argv[1] == "on"
fig, (ax,) = make_figure(1, "t", "TkAgg", fast_draw=fast)
counts = {"a": 10, "b": 5}
chart = BarChart(ax, lambda: dict(counts))
stop = threading.Event()
held = []

def grow():
    held.append("draw_idle" in vars(fig.canvas))
    counts["a"] = int(counts["a"] * 1.5)  # rescales now and then
    if view.frames >= 20:
        stop.set()

view = LiveView(fig, [ChartGroup(nullcontext(), [chart])], 50, stop, on_frame=grow,
                fast_draw=fast)
view.run_window()
print(json.dumps({**view.stats(), "held": all(held)}))
'''


@pytest.mark.parametrize("fast", ["on", "off"])
def test_a_window_runs_with_fast_drawing_on_and_off(fast, xvfb_display, tmp_path):
    import json
    import os
    import subprocess

    script = tmp_path / "window.py"
    script.write_text(WINDOW_SCRIPT)
    env = {**os.environ, "DISPLAY": xvfb_display, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(script), fast], env=env, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout.splitlines()[-1])
    assert stats["frames"] >= 20 and stats["axes_redraws"] > 0, stats
    assert stats["held"] == (fast == "on")  # draw_idle replaced only when fast
