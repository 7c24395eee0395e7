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
CHUNK = 1024


def generate_buzz(
    rng: random.Random, count: int | None = None, authors: tuple[str, ...] = AUTHORS
) -> Iterator[Buzz]:
    """Random "I just saw a movie! It was amazing." messages; endless unless ``count``.

    Every (sentence, author) pair is equally likely; they are drawn a chunk at a time
    (``rng.choices``), several times faster than four ``rng.choice`` calls per message."""
    sentences = [f"I just {action} {topic}! It was {adjective}."
                 for action in ACTIONS for topic in TOPICS for adjective in ADJECTIVES]
    pairs = [(text, author) for text in sentences for author in authors]
    produced = 0
    while count is None or produced < count:
        chunk = CHUNK if count is None else min(CHUNK, count - produced)
        for text, author in rng.choices(pairs, k=chunk):
            yield Buzz(text, author)
        produced += chunk


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
