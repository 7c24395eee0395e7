"""The "json" app: buzz messages from a JSON array file, looped (the Kafka pair); messages
per author, as the basic app."""

from buzzline.apps.basic import BUZZ
from buzzline.sources.buzz import read_buzz_file
from buzzline.sources.sample_data import ensure_sample
from buzzline.streams import Setting, Stream, sources

json_file = Stream(
    "json", title="JSON: messages per author", topic=Setting("buzz_topic"),
    source=sources.configured(
        lambda settings, rng, clock: read_buzz_file(ensure_sample(settings.buzz_json_file)),
        describe="buzz JSON file"),
    input_setting="buzz_json_file", **BUZZ)
