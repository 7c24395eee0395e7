"""How positive are the project's messages? A histogram of their sentiment (0..1), from
messages like the "project" app's (buzzline.sources.project).

    buzzline run examples/sentiment.py --count 500 --output out

(The summary has exact counts per bin; the chart bins the newest 5,000 values.)
"""

from buzzline.sources.project import generate_project
from buzzline.streams import Stream, sources
from buzzline.streams import analytics as a


def project_messages(rng, clock):
    return (m.to_dict() for m in generate_project(rng, clock))


stream = Stream(
    name="sentiment",
    fields={"message": str, "author": str, "category": str, "sentiment": float},
    source=sources.iterate(project_messages),
    analytic=a.histogram("sentiment", bins=10, lo=0.0, hi=1.0),
    chart="histogram", interval=0.01, title="Sentiment of project messages",
    chart_options={"bins": 10, "low": 0, "high": 1, "xlabel": "Sentiment", "ylabel": "Messages"},
)
