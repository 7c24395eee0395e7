"""Choosing where charts go: a window (TkAgg or QtAgg, whichever is present) or headless Agg."""

import importlib.util
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def has_display() -> bool:
    """A screen to open a window on: always on macOS/Windows, DISPLAY/WAYLAND_DISPLAY elsewhere."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def window_backend() -> str | None:
    """The first GUI backend whose toolkit is installed, or None."""
    if importlib.util.find_spec("tkinter") is not None:
        try:
            import tkinter  # noqa: F401 - the import itself is the check (needs libtk)
        except ImportError:
            pass
        else:
            return "TkAgg"
    for toolkit in ("PyQt6", "PySide6", "PyQt5", "PySide2"):
        if importlib.util.find_spec(toolkit) is not None:
            return "QtAgg"
    return None


def resolve_display(requested: str, output_dir: Path | None) -> tuple[str, str | None]:
    """("window", backend) or ("headless", None).

    ``auto`` opens a window when a display and a GUI toolkit exist and no ``--output`` was
    asked for; ``window`` insists (falls back to headless with a warning when impossible).
    """
    if requested == "headless" or (requested == "auto" and output_dir is not None):
        return "headless", None
    if not has_display():
        if requested == "window":
            log.warning("no display found (DISPLAY is not set): charts go to image files")
        return "headless", None
    backend = window_backend()
    if backend is None:
        log.warning("no GUI toolkit (tkinter or Qt) found: charts go to image files")
        return "headless", None
    return "window", backend
