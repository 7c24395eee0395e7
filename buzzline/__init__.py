"""buzzline: stream data as it arrives, compute live analytics, draw live charts."""

__version__ = "0.1.0"
