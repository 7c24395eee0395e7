"""The "project" app: richer messages (category, sentiment...); messages per category."""

from buzzline.apps.headlines import counted
from buzzline.messages import ProjectMessage
from buzzline.sources.project import generate_project
from buzzline.streams import Panel, Setting, Stream, sources
from buzzline.streams import analytics as a

PER_CATEGORY = {"top_k": Setting("top_k"), "xlabel": "Category", "ylabel": "Messages",
                "unit": "messages"}

project = Stream(
    "project", message=ProjectMessage, title="Project: messages per category",
    source=sources.iterate(lambda rng, clock: generate_project(rng, clock)),
    analytics={"categories": a.counts("category", top=3), "authors": a.counts("author", top=3),
               "sentiment": a.mean_by("category", "sentiment")},
    panels=[Panel("categories", "bar", options=PER_CATEGORY)], key="author",
    topic=Setting("project_topic"), interval=Setting("project_interval_seconds"),
    group=Setting("project_consumer_group_id"),
    headline=lambda summary: counted(summary, "category", "categories"))
