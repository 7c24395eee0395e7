"""Sensor readings drifting around 20 degrees, with a heat spike every 120 readings: the
rolling mean in its min-max band over the last 20 readings, a red marker where a reading goes
above 25.

    buzzline run examples/sensor.py --count 500 --output out
"""

import math

from buzzline.streams import Stream, sources
from buzzline.streams import analytics as a


def reading(rng, clock):
    reading.n = getattr(reading, "n", 0) + 1
    spike = 9.0 if reading.n % 120 > 100 else 0.0
    value = 20 + 2 * math.sin(reading.n / 15) + spike + rng.gauss(0, 0.5)
    return {"sensor": rng.choice("ABC"), "value": round(value, 2)}


stream = Stream(
    name="sensor", fields={"sensor": str, "value": float},
    source=sources.generate(reading),
    analytic=a.rolling("value", window=20, above=25),
    chart="band", interval=0.01, title="Sensor readings: rolling mean, alert above 25",
    chart_options={"ylabel": "°C"},
)
