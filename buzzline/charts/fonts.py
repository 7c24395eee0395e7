"""Fonts for every alphabet: text is drawn in matplotlib's default font, and each character it
lacks in the first font of the chain that has it (matplotlib >= 3.6 falls back glyph by glyph
through a list in ``font.family``): a CJK font and a symbol font when one is installed (on
Debian and Ubuntu: ``fonts-noto-cjk``, ``fonts-symbola``; macOS and Windows have their own).
Characters no font of the chain has are drawn as boxes, and said once per run, in one line,
instead of matplotlib's warning per glyph. ``BUZZLINE_FONTS`` (comma-separated families)
replaces the chain."""

import logging
import os
import unicodedata
import warnings
from collections.abc import Sequence
from contextlib import suppress
from functools import cache
from pathlib import Path

from matplotlib import font_manager, get_cachedir, rcParams

log = logging.getLogger(__name__)

ENV = "BUZZLINE_FONTS"
# (a character to probe, the families that may have it), the first present one joins the chain
CJK = ("Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK KR",
       "Source Han Sans", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback",
       "Microsoft YaHei", "Yu Gothic", "Malgun Gothic", "SimHei", "MS Gothic", "PingFang SC",
       "Hiragino Sans", "Arial Unicode MS")
SYMBOLS = ("Symbola", "Noto Sans Symbols2", "Noto Emoji", "Segoe UI Emoji", "Segoe UI Symbol",
           "Apple Symbols")
FALLBACKS = (("\u674e", CJK), ("\U0001f642", SYMBOLS))
HINT = "install a font that has them (Debian/Ubuntu: apt-get install fonts-noto-cjk fonts-symbola)"
GLYPH_WARNING = r"Glyph \d+ \(.*\) missing from font"  # matplotlib's, one per glyph


class FontChain:
    """The families text is drawn in, first to last, and which characters none of them has."""

    def __init__(self, families: Sequence[str]) -> None:
        self.families = tuple(families)
        self._fonts = [font_manager.get_font(path) for path in _paths(self.families)]
        self._has: dict[str, bool] = {}
        self.warned = False

    def missing(self, text: str) -> str:
        """The characters of ``text`` that no font of the chain draws (each once)."""
        gone = ""
        for ch in dict.fromkeys(text):
            has = self._has.get(ch)
            if has is None:
                has = self._has[ch] = (unicodedata.category(ch)[0] in "CZ"  # controls, spaces
                                       or any(f.get_char_index(ord(ch)) for f in self._fonts))
            if not has:
                gone += ch
        return gone

    def check(self, text: str) -> None:
        """Say once per run (one log line) that some characters are drawn as boxes."""
        if self.warned or text.isascii():
            return
        gone = self.missing(text)
        if gone:
            self.warned = True
            shown = " ".join(f"U+{ord(ch):04X}" for ch in gone[:5]) + (" ..." if gone[5:] else "")
            log.warning("no font here has some characters of the chart's text (%s): they are "
                        "drawn as boxes; %s", shown, HINT)

    def apply(self) -> None:
        """Draw text in this chain from now on (texts made from now on), without matplotlib's
        warning per missing glyph (``check`` says it once)."""
        if list(rcParams["font.family"]) != list(self.families):
            rcParams["font.family"] = list(self.families)
        warnings.filterwarnings("ignore", GLYPH_WARNING, UserWarning)
        font_log = logging.getLogger("matplotlib.font_manager")
        if not any(isinstance(f, _NoWeightFallback) for f in font_log.filters):
            font_log.addFilter(_NoWeightFallback())


class _NoWeightFallback(logging.Filter):
    """Drops matplotlib's line for a bold text whose fallback font (a symbol font) has no
    bold: it is drawn in the regular weight, which is all a fallback can do."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("findfont: Failed to find font weight")


@cache
def font_chain() -> FontChain:
    """This run's chain: ``BUZZLINE_FONTS``, else matplotlib's families and the fallbacks."""
    given = [f.strip() for f in os.environ.get(ENV, "").split(",") if f.strip()]
    if given:
        return FontChain(given)
    families = list(rcParams["font.family"])
    names = _names()
    if any(not names.intersection(candidates) for _, candidates in FALLBACKS):
        names = _refresh()  # fonts installed after matplotlib listed them
    for probe, candidates in FALLBACKS:
        if FontChain(families).missing(probe):
            families += [c for c in candidates if c in names][:1]
    return FontChain(families)


def use_fonts() -> FontChain:
    """Apply this run's chain (see ``FontChain.apply``) and return it."""
    chain = font_chain()
    chain.apply()
    return chain


def _names() -> set[str]:
    return {entry.name for entry in font_manager.fontManager.ttflist}


def _paths(families: Sequence[str]) -> list[str]:
    """The font file of each family present (generic ones like "sans-serif" resolved)."""
    paths: list[str] = []
    for family in families:
        with suppress(ValueError):  # a family that is not installed draws nothing
            path = font_manager.findfont(font_manager.FontProperties(family=family),
                                         fallback_to_default=False)
            if path not in paths:
                paths.append(path)
    return paths


def _refresh() -> set[str]:
    """Add the system's fonts that matplotlib's cached list lacks (installed since it was
    made) to it, and save it, so later runs find them at once."""
    manager = font_manager.fontManager
    known = {entry.fname for entry in manager.ttflist}
    new = [path for path in font_manager.findSystemFonts() if path not in known]
    for path in new:
        with suppress(OSError, RuntimeError, ValueError):  # an unreadable font file: skipped
            manager.addfont(path)
    if new:
        cache_file = Path(get_cachedir(), f"fontlist-v{manager.__version__}.json")
        with suppress(OSError):  # a read-only cache: found again next run
            font_manager.json_dump(manager, cache_file)
    return _names()
