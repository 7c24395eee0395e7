"""Project messages: a buzz sentence with timestamp, category (from its keyword), sentiment
and length."""

import random
from collections.abc import Iterator

from buzzline.clock import Clock
from buzzline.messages import ProjectMessage
from buzzline.sources.buzz import ACTIONS, ADJECTIVES, AUTHORS

TOPICS = ("a movie", "a meme", "an app", "a trick", "a story", "Python", "JavaScript",
          "recipe", "travel", "game")
KEYWORD_CATEGORIES = {
    "meme": "humor",
    "Python": "tech",
    "JavaScript": "tech",
    "recipe": "food",
    "travel": "travel",
    "movie": "entertainment",
    "game": "gaming",
}
# A stand-in sentiment: adjectives carry a tone, the rest is noise.
ADJECTIVE_TONE = {"amazing": 0.9, "exciting": 0.8, "funny": 0.7, "weird": 0.45, "boring": 0.2}


def categorize(topic: str) -> tuple[str, str]:
    """(keyword_mentioned, category) for a topic; ("other", "other") without a keyword."""
    keyword = next((word for word in KEYWORD_CATEGORIES if word in topic), "other")
    return keyword, KEYWORD_CATEGORIES.get(keyword, "other")


def generate_project(
    rng: random.Random, clock: Clock, count: int | None = None
) -> Iterator[ProjectMessage]:
    """Endless (or ``count``) project messages stamped with ``clock.now()``."""
    produced = 0
    while count is None or produced < count:
        adjective = rng.choice(ADJECTIVES)
        topic = rng.choice(TOPICS)
        text = f"I just {rng.choice(ACTIONS)} {topic}! It was {adjective}."
        keyword, category = categorize(topic)
        tone = ADJECTIVE_TONE[adjective] + rng.uniform(-0.1, 0.1)
        yield ProjectMessage(
            message=text,
            author=rng.choice(AUTHORS),
            timestamp=clock.now().strftime("%Y-%m-%d %H:%M:%S"),
            category=category,
            sentiment=round(min(1.0, max(0.0, tone)), 2),
            keyword_mentioned=keyword,
            message_length=len(text),
        )
        produced += 1
