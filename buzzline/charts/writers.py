"""Image writers for headless output: "png" (the latest chart, replaced atomically) and "gif"."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib loads only when a chart is drawn (fast `produce` start)
    from matplotlib.figure import Figure

from buzzline.errors import WriteFailed
from buzzline.registry import Registry


class ImageWriter(ABC):
    """``save`` is called every few seconds and once at the end with ``final=True``."""

    def __init__(self, directory: Path, name: str) -> None:
        self.directory = Path(directory)
        self.name = name

    @property
    def png_path(self) -> Path:
        return self.directory / f"{self.name}.png"

    def save_png(self, fig: Figure) -> Path:
        _check_fonts(fig)
        tmp = self.png_path.with_suffix(".png.tmp")
        with _disk_errors(self.png_path, tmp):
            self.directory.mkdir(parents=True, exist_ok=True)
            fig.savefig(tmp, format="png")
            os.replace(tmp, self.png_path)  # readers never see a half-written image
        return self.png_path

    @abstractmethod
    def save(self, fig: Figure, final: bool = False) -> Path: ...


class PngWriter(ImageWriter):
    def save(self, fig: Figure, final: bool = False) -> Path:
        return self.save_png(fig)


class GifWriter(ImageWriter):
    """Every save becomes a frame of an animated GIF (written at the end); PNG as well."""

    def __init__(self, directory: Path, name: str, fps: float = 2.0) -> None:
        super().__init__(directory, name)
        self.fps = fps
        self._frames: list = []

    def save(self, fig: Figure, final: bool = False) -> Path:
        from io import BytesIO

        from PIL import Image

        png = self.save_png(fig)
        buffer = BytesIO(png.read_bytes())
        self._frames.append(Image.open(buffer).convert("P", palette=Image.Palette.ADAPTIVE))
        del self._frames[:-300]  # bounded: the last 300 frames
        if final and self._frames:
            gif = self.directory / f"{self.name}.gif"
            with _disk_errors(gif, gif):
                self._frames[0].save(gif, save_all=True, append_images=self._frames[1:],
                                     duration=int(1000 / self.fps), loop=0)
            return gif
        return png


def _check_fonts(fig: Figure) -> None:
    """Say once per run when some text has characters that no font here draws (titles and
    legends too: the glyph labels check their own)."""
    from matplotlib.text import Text

    from buzzline.charts.fonts import font_chain

    chain = font_chain()
    if not chain.warned:
        for text in fig.findobj(Text):
            chain.check(text.get_text())


@contextmanager
def _disk_errors(image: Path, partial: Path) -> Iterator[None]:
    """A write that fails (a full disk) becomes one line, exit code 1; the partial file goes."""
    try:
        yield
    except OSError as exc:
        with suppress(OSError):  # the error below says what went wrong
            partial.unlink(missing_ok=True)
        raise WriteFailed(f"cannot write the chart image {image}: {exc.strerror or exc}") from exc


WRITERS: Registry[type[ImageWriter]] = Registry("image format")
WRITERS.add("png", PngWriter)
WRITERS.add("gif", GifWriter)
