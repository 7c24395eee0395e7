"""Labels drawn from pictures of their characters. matplotlib lays out and renders a text glyph
by glyph in Python each time it is drawn (about 2 ms a label); a chart's value labels change
every frame, and five of them took most of a bar chart's frame. A ``GlyphText`` renders each
character once per font, colour and dpi, and a frame only pastes those pictures side by side
(the characters' advances, as matplotlib's own layout gives them) and blends the result: a few
hundredths of a millisecond. On other canvases (PDF, SVG), rotated, multi-line or math text,
or with a box behind it, it is an ordinary ``Text``. Either way in the font chain of
``buzzline.charts.fonts`` (the font properties come from ``font.family``): the CJK or symbol
font's glyphs are pictures like the others."""

import math
from typing import Any, NamedTuple

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.axis import Axis, XAxis, XTick, YTick
from matplotlib.backend_bases import GraphicsContextBase
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.colors import to_rgb
from matplotlib.text import Text
from matplotlib.transforms import TransformedPath

from buzzline.charts.fonts import font_chain
from buzzline.charts.mpl_private import make_ticks_of, recast_text

PAD = 2  # pixels around the glyphs of a picture
ALIGN_X = {"left": 0.0, "center": 0.5, "right": 1.0}
VERTICAL = ("baseline", "bottom", "top", "center", "center_baseline")
# spaces of other widths (tick labels are padded with figure spaces): one line still
SPACES = str.maketrans({ch: " " for ch in "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005"
                        "\u2006\u2007\u2008\u2009\u200a\u202f\u205f"})


class Glyph(NamedTuple):
    picture: np.ndarray  # RGBA, rows bottom first, the baseline ``baseline`` rows up
    advance: float


class Line(NamedTuple):
    height: float  # of a line of text ("lp": with ascender and descender), as matplotlib
    descent: float
    baseline: int  # rows from a picture's bottom to its baseline


class GlyphText(Text):
    _glyphs: dict[tuple, Glyph] = {}
    _lines: dict[tuple, Line] = {}
    _strings: dict[tuple, tuple[np.ndarray, float]] = {}

    def _plain(self, renderer: Any, text: str) -> bool:
        return (isinstance(renderer, RendererAgg) and not self.get_rotation()
                and text.translate(SPACES).isprintable() and "$" not in text
                and not self.get_usetex()
                and self.get_bbox_patch() is None and not self.get_path_effects()
                and self.get_horizontalalignment() in ALIGN_X
                and self.get_verticalalignment() in VERTICAL)

    def draw(self, renderer: Any) -> None:
        text = self.get_text()
        if not text.isascii():
            font_chain().check(text)  # characters no font has: said once per run
        if not self._plain(renderer, text):
            return super().draw(renderer)
        if not self.get_visible() or not text:
            return
        x, y = self.get_transform().transform(self.get_unitless_position())
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        font = (hash(self.get_fontproperties()), str(self.get_color()), self.get_alpha(),
                renderer.dpi, self.get_antialiased())
        line = self._line(renderer, font)
        picture, width = self._string(renderer, text, font, line)
        va = self.get_verticalalignment()
        bottom = {"baseline": y - line.descent, "bottom": y, "top": y - line.height,
                  "center": y - line.height / 2,
                  # the baseline half the ascent below y (matplotlib's y tick labels)
                  "center_baseline": y - (line.height - line.descent) / 2 - line.descent}[va]
        left = x - ALIGN_X[self.get_horizontalalignment()] * width
        gc = renderer.new_gc()
        clip_like(gc, self)
        # the picture's baseline row on the text's baseline
        renderer.draw_image(gc, round(left) - PAD,
                            round(bottom + line.descent) - line.baseline, picture)
        gc.restore()
        self.stale = False

    def _line(self, renderer: RendererAgg, font: tuple) -> Line:
        found = self._lines.get(font)
        if found is None:
            _, height, descent = renderer.get_text_width_height_descent(
                "lp", self.get_fontproperties(), False)
            found = self._lines[font] = Line(height, descent, PAD + math.ceil(descent))
        return found

    def _string(self, renderer: RendererAgg, text: str, font: tuple,
                line: Line) -> tuple[np.ndarray, float]:
        """The picture of ``text`` (glyphs pasted at their advances) and its width."""
        key = (text, font)
        found = self._strings.get(key)
        if found is None:
            glyphs = [self._glyph(renderer, ch, font, line) for ch in text]
            width = sum(g.advance for g in glyphs)
            rows = glyphs[0].picture.shape[0]
            picture = np.zeros((rows, math.ceil(width) + 2 * PAD + 2, 4), np.uint8)
            # one colour (the glyphs' own, where they have ink); the strongest coverage of
            # each pixel wins where neighbouring glyphs' pictures overlap
            picture[..., :3] = np.round(np.array(to_rgb(self.get_color())) * 255)
            alpha = picture[..., 3]
            pen = 0.0
            for glyph in glyphs:
                at = round(pen)
                cols = min(glyph.picture.shape[1], picture.shape[1] - at)
                np.maximum(alpha[:, at:at + cols], glyph.picture[:, :cols, 3],
                           out=alpha[:, at:at + cols])
                pen += glyph.advance
            if len(self._strings) >= 2048:  # values change all the time: keep it bounded
                self._strings.clear()
            found = self._strings[key] = (picture, width)
        return found

    def _glyph(self, renderer: RendererAgg, ch: str, font: tuple, line: Line) -> Glyph:
        key = (ch, font)
        found = self._glyphs.get(key)
        if found is None:
            prop = self.get_fontproperties()
            advance, _, _ = renderer.get_text_width_height_descent(ch, prop, False)
            small = RendererAgg(math.ceil(advance) + 2 * PAD + 2,
                                math.ceil(line.height) + 2 * PAD + 2, renderer.dpi)
            if ch.strip():
                gc = small.new_gc()
                gc.set_foreground(self.get_color())
                gc.set_alpha(self.get_alpha())  # type: ignore[arg-type]  # stub: None is valid
                gc.set_antialiased(self.get_antialiased())
                # Agg's draw_text counts y from the top
                small.draw_text(gc, PAD, small.height - line.baseline, ch, prop, 0)
                gc.restore()
            picture = np.asarray(small.buffer_rgba())[::-1].copy()
            found = self._glyphs[key] = Glyph(picture, advance)
        return found


def glyph_text(ax: Axes, x: float, y: float, s: str, **kwargs: Any) -> GlyphText:
    """``ax.text(x, y, s, **kwargs)``, drawn from glyph pictures (see ``GlyphText``)."""
    kwargs = {"clip_on": False, **kwargs}  # as ax.text: clipped to the Axes when asked
    text = GlyphText(x, y, s, **{k: v for k, v in kwargs.items() if k != "transform"})
    text.set_transform(kwargs.get("transform", ax.transData))
    ax.add_artist(text)  # (sets the Axes patch as clip path: used when clip_on)
    return text


class _GlyphLabels:
    """A tick (mixed in before XTick or YTick) whose labels are drawn from glyph pictures."""

    label1: Text
    label2: Text

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for label in (self.label1, self.label2):
            recast_text(label, GlyphText)  # adds no state: only how the label draws


class _GlyphXTick(_GlyphLabels, XTick):
    pass


class _GlyphYTick(_GlyphLabels, YTick):
    pass


def glyph_ticks(axis: Axis) -> None:
    """Draw ``axis``' tick labels from glyph pictures from now on: an axis that rescales
    draws all its tick labels again (about 1 ms each with matplotlib's text, ~0.05 ms so).
    It uses matplotlib's internals (``mpl_private``): for fast drawing only."""
    make_ticks_of(axis, _GlyphXTick if isinstance(axis, XAxis) else _GlyphYTick)


def clip_like(gc: GraphicsContextBase, artist: Artist) -> None:
    """Clip what ``gc`` draws as ``artist`` is clipped (its clip box and path when clipping is
    on), through the public API: what ``Artist.draw`` does for an artist's own drawing."""
    if artist.get_clip_on():
        box = artist.get_clip_box()
        if box is not None:
            gc.set_clip_rectangle(box)
        path = artist.get_clip_path()  # as set_clip_path stores it: a TransformedPath
        gc.set_clip_path(path if isinstance(path, TransformedPath) else None)
    else:
        gc.set_clip_rectangle(None)
        gc.set_clip_path(None)
