"""Sensor readings drifting around 20 degrees, with spikes: an alert while a reading is above
25 (red markers and shaded spans on a line chart).

    buzzline run examples/sensor.py --count 400 --output out
"""

import math

from buzzline.streams import Stream, sources
from buzzline.streams import analytics as a


def reading(rng, clock):
    reading.n = getattr(reading, "n", 0) + 1
    spike = 9.0 if reading.n % 120 > 100 else 0.0  # a heat spike every 120 readings
    value = 20 + 2 * math.sin(reading.n / 15) + spike + rng.gauss(0, 0.5)
    return {"sensor": rng.choice("ABC"), "value": round(value, 2)}


stream = Stream(
    name="sensor", fields={"sensor": str, "value": float},
    source=sources.generate(reading),
    analytic=a.threshold("value", above=25),
    chart="line", interval=0.01, colors=("tab:blue", "red"),
    title="Sensor readings: alert above 25",
)
