"""Which categories do the project's messages talk about? Their shares in a donut
(``chart="bar"`` draws them as bars).

    buzzline run examples/categories.py --count 500 --output out
"""

from buzzline.sources.project import generate_project
from buzzline.streams import Stream, sources
from buzzline.streams import analytics as a

stream = Stream(
    name="categories",
    fields={"author": str, "category": str, "keyword_mentioned": str},
    source=sources.iterate(lambda rng, clock: (m.to_dict() for m in generate_project(rng, clock))),
    analytic=a.counts("category"),
    chart="pie", interval=0.01, key="author", title="Project messages per category",
    chart_options={"donut": True},
    colors=("#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#7f7f7f"),
)
