"""Quix Streams: an Application whose StreamingDataFrame counts messages per author in its
state store, as the Quix docs show stateful processing (``sdf.apply(func, stateful=True)``,
``state.get`` / ``state.set``). The messages' key is their author, and Quix state is kept per
key, so no ``group_by`` is needed. ``app.run(count=N)`` stops after N processed messages."""

import logging
import time
import warnings
from contextlib import suppress
from pathlib import Path


def count_by_author(bootstrap: str, topic: str, n: int, state_dir: Path,
                    group: str, extra: dict | None = None) -> tuple[dict[str, int], float]:
    """Run the application over ``topic`` from the earliest offset until ``n`` messages are
    processed; returns the counts it kept and when (perf_counter) the first message came.
    ``extra``: more librdkafka settings for its consumer (``consumer_extra_config``)."""
    with warnings.catch_warnings():
        with suppress(ImportError):  # a dependency's: it adds an "always" filter on import
            import authlib.deprecate  # noqa: F401
        warnings.simplefilter("ignore")  # deprecations in its dependencies
        from quixstreams import Application, State

    app = Application(broker_address=bootstrap, consumer_group=group,
                      auto_offset_reset="earliest", state_dir=str(state_dir),
                      loglevel=logging.WARNING, consumer_extra_config=dict(extra or {}))
    counts: dict[str, int] = {}
    first: list[float] = []

    def count(value: dict, state: State) -> int:
        if not counts:
            first.append(time.perf_counter())
        total = state.get("count", 0) + 1
        state.set("count", total)
        counts[value["author"]] = total  # what a chart would read
        return total

    sdf = app.dataframe(app.topic(topic, value_deserializer="json", key_deserializer="str"))
    sdf = sdf.apply(count, stateful=True)
    app.run(count=n, collect=False)
    return counts, first[0]
