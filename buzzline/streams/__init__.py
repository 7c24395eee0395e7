"""Your own stream in a few lines::

    from buzzline.streams import Stream, sources, analytics as a

    stream = Stream(
        name="sensor", fields={"sensor": str, "value": float},
        source=sources.generate(lambda rng, clock: {"sensor": rng.choice("ABC"),
                                                    "value": rng.gauss(20, 2)}),
        analytic=a.rolling("value", window=50), chart="line", interval=0.05)

then ``buzzline run sensor.py``.
"""

from buzzline.streams import analytics, sources
from buzzline.streams.base import KIND_SHAPES, Stream, StreamApp, StreamError, message_type

__all__ = ["KIND_SHAPES", "Stream", "StreamApp", "StreamError", "analytics", "message_type",
           "sources"]
