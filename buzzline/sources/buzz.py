"""Buzz messages: generated sentences (the basic producer) or read from a JSON array file."""

import random
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import orjson

from buzzline.errors import SourceError
from buzzline.messages import Buzz, Rejected, decode

ADJECTIVES = ("amazing", "funny", "boring", "exciting", "weird")
ACTIONS = ("found", "saw", "tried", "shared", "loved")
TOPICS = ("a movie", "a meme", "an app", "a trick", "a story")
AUTHORS = ("Alice", "Bob", "Charlie", "Eve")


def generate_buzz(
    rng: random.Random, count: int | None = None, authors: tuple[str, ...] = AUTHORS
) -> Iterator[Buzz]:
    """Random "I just saw a movie! It was amazing." messages; endless unless ``count``."""
    produced = 0
    while count is None or produced < count:
        action, topic, adjective = rng.choice(ACTIONS), rng.choice(TOPICS), rng.choice(ADJECTIVES)
        text = f"I just {action} {topic}! It was {adjective}."
        yield Buzz(message=text, author=rng.choice(authors))
        produced += 1


def load_buzz_file(path: Path) -> list[Buzz]:
    """Read a JSON array of ``{"message", "author"}`` objects (like the seed's buzz.json)."""
    try:
        items = orjson.loads(Path(path).read_bytes())
    except FileNotFoundError:
        raise SourceError(f"file not found: {path} (`buzzline data` writes a sample)") from None
    except orjson.JSONDecodeError as exc:
        raise SourceError(f"buzz file {path} is not valid JSON: {exc}") from None
    if not isinstance(items, list):
        raise SourceError(f"buzz file {path} should hold a JSON array of messages")
    messages = []
    for index, item in enumerate(items):
        result = decode(Buzz, orjson.dumps(item))
        if isinstance(result, Rejected):
            raise SourceError(f"buzz file {path}, item {index}: {result.reason}")
        messages.append(result)
    if not messages:
        raise SourceError(f"buzz file {path} holds no messages")
    return messages


def read_buzz_file(path: Path, count: int | None = None) -> Iterator[Buzz]:
    """Loop over the file's messages forever (the JSON producer's way), or ``count`` of them."""
    messages = load_buzz_file(path)

    def forever() -> Iterator[Buzz]:
        while True:
            yield from messages

    return islice(forever(), count)
