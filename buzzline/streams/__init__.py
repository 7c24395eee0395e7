"""Your own stream in a few lines::

    from buzzline.streams import Stream, sources, analytics as a

    stream = Stream(
        name="sensor", fields={"sensor": str, "value": float},
        source=sources.generate(lambda rng, clock: {"sensor": rng.choice("ABC"),
                                                    "value": rng.gauss(20, 2)}),
        analytic=a.rolling("value", window=50), chart="line", interval=0.05)

then ``buzzline run sensor.py``. Several analytics and panels::

    Stream(..., analytics={"mean": a.rolling("value"), "hot": a.threshold("value", above=25)},
           panels=[Panel("mean", "band"), Panel("hot", "line", title="Too hot")])

A value may come from the settings: ``topic=Setting("buzz_topic")``.
"""

from buzzline.shapes import KIND_SHAPES
from buzzline.streams import analytics, sources
from buzzline.streams.base import Stream
from buzzline.streams.configured import Setting
from buzzline.streams.messages import StreamError, message_type
from buzzline.streams.panels import Panel

__all__ = ["KIND_SHAPES", "Panel", "Setting", "Stream", "StreamError", "analytics",
           "message_type", "sources"]
