"""The "basic" app: generated buzz messages (the file pair); messages per author."""

from typing import Any

from buzzline.apps.headlines import counted
from buzzline.messages import Buzz
from buzzline.sources.buzz import generate_buzz
from buzzline.streams import Panel, Setting, Stream, sources
from buzzline.streams import analytics as a

# what both buzz apps (basic and json) count and draw
BUZZ_ANALYTICS = {"authors": a.counts("author", top=3),
                  "batches": a.batches(Setting("batch_size"))}
PER_AUTHOR = {"top_k": Setting("top_k"), "xlabel": "Author", "ylabel": "Messages",
              "unit": "messages"}
BUZZ: dict[str, Any] = {"message": Buzz, "analytics": BUZZ_ANALYTICS, "key": "author",
        "panels": [Panel("authors", "bar", options=PER_AUTHOR)],
        "interval": Setting("buzz_interval_seconds"), "group": Setting("buzz_consumer_group_id"),
        "headline": lambda summary: counted(summary, "author", "authors")}

basic = Stream("basic", title="Basic: messages per author", topic=Setting("basic_topic"),
               source=sources.iterate(lambda rng, clock: generate_buzz(rng)), **BUZZ)
