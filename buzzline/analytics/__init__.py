"""Analytics: pure, no I/O. Each takes batches of messages and keeps a small state."""

from buzzline.analytics.alerts import AlertEnded, Alerts, AlertStarted, Stall, Threshold
from buzzline.analytics.base import Analytic, Event, Pipeline
from buzzline.analytics.counts import Batches, Counts, MeanBy, top_k
from buzzline.analytics.histogram import Histogram
from buzzline.analytics.rolling import Rolling
from buzzline.analytics.series import LineSeries
from buzzline.analytics.totals import Totals
from buzzline.analytics.windows import Sliding, Tumbling

__all__ = [
    "AlertEnded", "AlertStarted", "Alerts", "Analytic", "Batches", "Counts", "Event",
    "Histogram", "LineSeries", "MeanBy", "Pipeline", "Rolling", "Sliding", "Stall",
    "Threshold", "Totals", "Tumbling", "top_k",
]
