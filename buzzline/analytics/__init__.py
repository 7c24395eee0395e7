"""Analytics: pure, no I/O. Each takes batches of messages and keeps a small state."""

from buzzline.analytics.base import Analytic, Event, Pipeline
from buzzline.analytics.counts import Batches, Counts, MeanBy, top_k
from buzzline.analytics.series import LineSeries
from buzzline.analytics.stall import StallDetector, StallEnded, StallStarted
from buzzline.analytics.totals import Totals

__all__ = [
    "Analytic", "Batches", "Counts", "Event", "LineSeries", "MeanBy", "Pipeline",
    "StallDetector", "StallEnded", "StallStarted", "Totals", "top_k",
]
