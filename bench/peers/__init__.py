"""What the Kafka bench cases compare buzzline with, each written the way its own docs show,
and the messages those cases send.

  raw_confluent   confluent-kafka loops: Producer.produce, Consumer.consume that only counts
  quix            a Quix Streams Application counting per author in its state store
  kafka_python    kafka-python: KafkaProducer.send per message; the teaching project's consumer
                  (``for message in consumer``, a full matplotlib redraw per message)

A peer whose package is missing is skipped (``missing(name)``) and the result says so.
"""

import importlib.util
import random
from collections.abc import Iterator
from itertools import islice

from buzzline.sources.buzz import generate_buzz

# distinct generated messages; longer runs cycle through them (generating 1,000,000 takes
# longer than sending them; every subject sends the very same bytes)
POOL = 100_000


def buzz_lines(n: int, seed: int = 1) -> list[tuple[bytes, bytes]]:
    """``n`` encoded buzz messages with their keys (the author), as ``buzzline produce basic``
    sends them."""
    pool = [(m.encode(), m.author.encode())
            for m in generate_buzz(random.Random(seed), min(n, POOL))]
    return list(islice(_cycle(pool), n))


def _cycle(pool: list) -> Iterator:
    while True:
        yield from pool


def missing(module: str) -> str | None:
    """A note when ``module`` cannot be imported (the peer is skipped), else None."""
    if importlib.util.find_spec(module) is None:
        return (f"{module} is not installed: its subject was skipped "
                "(pip install -e '.[bench]')")
    return None
