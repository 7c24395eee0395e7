"""A stream declared in a Python file (``buzzline.streams.Stream``): ``load_stream(path)``."""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from buzzline.errors import BuzzlineError, SettingsError

if TYPE_CHECKING:
    from buzzline.streams import Stream


class StreamFileError(SettingsError):
    """The file does not declare one stream (one line, exit code 2)."""


def load_stream(path: Path) -> Stream:
    """The module's ``stream`` variable, or the only ``Stream`` in it."""
    from buzzline.streams import Stream

    if not path.is_file():
        raise StreamFileError(f"{path}: no such file")
    name = f"buzzline_stream_{path.stem.replace('-', '_')}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise StreamFileError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BuzzlineError as exc:
        raise type(exc)(f"{path}: {exc}") from None
    except Exception as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if Path(f.filename).resolve() == path.resolve()]
        line = frames[-1].lineno if frames else "?"
        raise StreamFileError(f"{path}:{line}: {type(exc).__name__}: {exc}") from None
    found = getattr(module, "stream", None)
    if isinstance(found, Stream):
        return found
    streams = [v for v in vars(module).values() if isinstance(v, Stream)]
    if len(streams) == 1:
        return streams[0]
    what = "no Stream" if not streams else f"{len(streams)} Streams and no `stream` variable"
    raise StreamFileError(f"{path}: {what} (declare `stream = Stream(...)`)")
