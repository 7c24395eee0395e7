"""buzzline: stream data as it arrives, compute live analytics, draw live charts.

``buzzline.run(apps, ...)`` runs streams from Python (see ``buzzline.runner``);
``buzzline.testing`` runs them in memory for tests."""

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "run"]


def __getattr__(name: str) -> Any:
    """``buzzline.run``, imported on first use: ``import buzzline`` stays quick."""
    if name == "run":
        from buzzline.runner import run

        return run
    raise AttributeError(f"module 'buzzline' has no attribute {name!r}")
