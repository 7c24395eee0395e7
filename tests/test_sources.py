"""Sources: seeded generators, the seed files, bad files, and sample data in the seed formats."""

import csv
import json
import random
import re
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path

import pytest

from buzzline.analytics import AlertEnded, AlertStarted, Stall
from buzzline.clock import ManualClock
from buzzline.errors import SourceError
from buzzline.messages import Buzz, ProjectMessage, SmokerReading
from buzzline.sources.buzz import (
    ACTIONS,
    ADJECTIVES,
    AUTHORS,
    TOPICS,
    generate_buzz,
    read_buzz_file,
)
from buzzline.sources.project import KEYWORD_CATEGORIES, categorize, generate_project
from buzzline.sources.project import TOPICS as PROJECT_TOPICS
from buzzline.sources.sample_data import smoker_profile, write_sample_data
from buzzline.sources.smoker import read_smoker_csv

SEED_DIR = Path(__file__).resolve().parents[2] / "shared" / "seed-data"
SENTENCE = re.compile(r"^I just (\w+) (.+)! It was (\w+)\.$")


def write_buzz(path: Path, items: object) -> Path:
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


# --- generate_buzz -----------------------------------------------------------------------

def test_generate_buzz_is_deterministic_for_a_seed() -> None:
    a = list(generate_buzz(random.Random(42), 50))
    b = list(generate_buzz(random.Random(42), 50))
    c = list(generate_buzz(random.Random(43), 50))
    assert a == b
    assert a != c


@pytest.mark.parametrize("count", [0, 1, 7, 100])
def test_generate_buzz_respects_count(count: int) -> None:
    assert len(list(generate_buzz(random.Random(1), count))) == count


def test_generate_buzz_without_count_is_endless() -> None:
    assert len(list(islice(generate_buzz(random.Random(1)), 5000))) == 5000


def test_generate_buzz_uses_the_teaching_word_lists() -> None:
    assert ADJECTIVES == ("amazing", "funny", "boring", "exciting", "weird")
    assert ACTIONS == ("found", "saw", "tried", "shared", "loved")
    assert TOPICS == ("a movie", "a meme", "an app", "a trick", "a story")
    assert AUTHORS == ("Alice", "Bob", "Charlie", "Eve")
    messages = list(generate_buzz(random.Random(7), 500))
    seen_words = set()
    for m in messages:
        assert isinstance(m, Buzz)
        match = SENTENCE.match(m.message)
        assert match, m.message
        action, topic, adjective = match.groups()
        assert action in ACTIONS and topic in TOPICS and adjective in ADJECTIVES
        assert m.author in AUTHORS
        seen_words |= {action, topic, adjective, m.author}
    assert seen_words == set(ACTIONS) | set(TOPICS) | set(ADJECTIVES) | set(AUTHORS)


# --- read_buzz_file ----------------------------------------------------------------------

def test_read_buzz_file_cycles_forever(tmp_path: Path) -> None:
    items = [{"message": f"m{i}", "author": f"a{i % 3}"} for i in range(100)]
    path = write_buzz(tmp_path / "buzz.json", items)
    got = list(islice(read_buzz_file(path), 250))
    assert len(got) == 250
    assert [m.message for m in got] == [f"m{i % 100}" for i in range(250)]
    assert got[100] == got[0] and got[249] == Buzz("m49", "a1")


def test_read_buzz_file_stops_at_count(tmp_path: Path) -> None:
    path = write_buzz(tmp_path / "buzz.json", [{"message": "x", "author": "y"}] * 3)
    assert len(list(read_buzz_file(path, count=7))) == 7
    assert list(read_buzz_file(path, count=0)) == []


def test_read_buzz_file_reads_the_teaching_seed_file() -> None:
    path = SEED_DIR / "buzz.json"
    if not path.exists():
        pytest.skip(f"{path} not present")
    items = json.loads(path.read_text(encoding="utf-8"))
    got = list(read_buzz_file(path, count=len(items)))
    assert [m.to_dict() for m in got] == items


@pytest.mark.parametrize(
    ("content", "hint"),
    [
        (None, "not found"),
        ("this is not json", "not valid JSON"),
        ('{"message": "a", "author": "b"}', "array"),
        ('[{"message": "a", "author": "b"}, {"message": "c"}]', "item 1"),
        ("[]", "no messages"),
    ],
    ids=["missing", "not-json", "not-array", "item-missing-author", "empty-array"],
)
def test_bad_buzz_file_raises_source_error_with_path(
    tmp_path: Path, content: str | None, hint: str
) -> None:
    path = tmp_path / "buzz.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError) as info:
        read_buzz_file(path)
    assert str(path) in str(info.value)
    assert hint in str(info.value)


# --- read_smoker_csv ---------------------------------------------------------------------

def test_read_smoker_csv_yields_each_row_and_stops(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("timestamp,temperature\n2025-01-01 15:00:00,70.4\n"
                    "2025-01-01 15:01:00,71\n", encoding="utf-8")
    assert list(read_smoker_csv(path)) == [
        SmokerReading("2025-01-01 15:00:00", 70.4), SmokerReading("2025-01-01 15:01:00", 71.0)]
    assert len(list(read_smoker_csv(path, count=1))) == 1


def test_read_smoker_csv_reads_the_seed_file() -> None:
    path = SEED_DIR / "smoker_temps.csv"
    if not path.exists():
        pytest.skip(f"{path} not present")
    readings = list(read_smoker_csv(path))
    assert len(readings) == 240
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert readings[0] == SmokerReading(rows[0]["timestamp"], float(rows[0]["temperature"]))
    assert readings[-1].timestamp == rows[-1]["timestamp"]


@pytest.mark.parametrize(
    ("content", "hint"),
    [
        (None, "not found"),
        ("timestamp,temp\n2025-01-01 15:00:00,70\n", "temperature"),
        ("temperature\n70\n", "timestamp"),
        ("timestamp,temperature\n2025-01-01 15:00:00,70\n2025-01-01 15:01:00,hot\n", "line 3"),
        ("timestamp,temperature\n2025-01-01 15:00:00,nan\n", "line 2"),
    ],
    ids=["missing-file", "no-temperature-column", "no-timestamp-column", "not-numeric", "nan"],
)
def test_bad_smoker_csv_raises_source_error(tmp_path: Path, content: str | None,
                                            hint: str) -> None:
    path = tmp_path / "s.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError) as info:
        list(read_smoker_csv(path))
    assert str(path) in str(info.value)
    assert hint in str(info.value)


# --- generate_project --------------------------------------------------------------------

def test_generate_project_fields_are_consistent() -> None:
    clock = ManualClock(datetime(2025, 1, 1, 15, 0, 0))
    stream = generate_project(random.Random(3), clock)
    messages = []
    for _ in range(300):
        messages.append(next(stream))
        clock.advance(5)
    for i, m in enumerate(messages):
        assert isinstance(m, ProjectMessage)
        expected = datetime(2025, 1, 1, 15, 0, 0) + timedelta(seconds=5 * i)
        assert m.timestamp == expected.strftime("%Y-%m-%d %H:%M:%S")
        assert m.message_length == len(m.message)
        assert 0.0 <= m.sentiment <= 1.0
        assert m.category == KEYWORD_CATEGORIES.get(m.keyword_mentioned, "other")
        if m.keyword_mentioned != "other":
            assert m.keyword_mentioned in m.message
    assert {m.category for m in messages} >= {"humor", "tech", "food", "travel", "gaming"}


def test_generate_project_is_deterministic_and_counted() -> None:
    a = list(generate_project(random.Random(9), ManualClock(), count=20))
    b = list(generate_project(random.Random(9), ManualClock(), count=20))
    assert a == b and len(a) == 20


@pytest.mark.parametrize(
    ("topic", "expected"),
    [("a movie", ("movie", "entertainment")), ("a meme", ("meme", "humor")),
     ("Python", ("Python", "tech")), ("an app", ("other", "other")),
     ("game", ("game", "gaming"))],
)
def test_categorize(topic: str, expected: tuple[str, str]) -> None:
    assert topic in PROJECT_TOPICS
    assert categorize(topic) == expected


# --- sample data -------------------------------------------------------------------------

def test_write_sample_data_writes_seed_formats(tmp_path: Path) -> None:
    buzz, smoker = tmp_path / "d" / "buzz.json", tmp_path / "d" / "smoker_temps.csv"
    assert write_sample_data(buzz, smoker, random.Random(0)) == [buzz, smoker]
    items = json.loads(buzz.read_text(encoding="utf-8"))
    assert isinstance(items, list) and items
    assert all(list(item) == ["message", "author"] for item in items)
    assert len(list(read_buzz_file(buzz, count=len(items)))) == len(items)
    lines = smoker.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "timestamp,temperature"
    assert len(list(read_smoker_csv(smoker))) == len(lines) - 1 == 240


def test_write_sample_data_keeps_existing_files_unless_overwrite(tmp_path: Path) -> None:
    buzz, smoker = tmp_path / "buzz.json", tmp_path / "smoker.csv"
    buzz.write_text("mine", encoding="utf-8")
    assert write_sample_data(buzz, smoker, random.Random(0)) == [smoker]
    assert buzz.read_text(encoding="utf-8") == "mine"
    smoker.write_text("also mine", encoding="utf-8")
    assert write_sample_data(buzz, smoker, random.Random(0)) == []
    assert smoker.read_text(encoding="utf-8") == "also mine"
    assert write_sample_data(buzz, smoker, random.Random(0), overwrite=True) == [buzz, smoker]
    assert buzz.read_text(encoding="utf-8") != "mine"
    assert smoker.read_text(encoding="utf-8").startswith("timestamp,temperature\n")


@pytest.mark.parametrize("seed", [0, 1, 2, 123, 2025])
def test_sample_smoker_profile_has_one_stall(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "smoker.csv"
    write_sample_data(tmp_path / "buzz.json", path, random.Random(seed))
    detector = Stall("temperature", 10, 0.2, time_field="timestamp")
    events = detector.update(list(read_smoker_csv(path)))
    assert [type(e) for e in events] == [AlertStarted, AlertEnded]
    assert len(detector.alerts) == 1
    assert "2025-01-01 17:40:00" <= events[0].time < events[1].time


def test_smoker_profile_is_one_reading_a_minute() -> None:
    rows = smoker_profile(random.Random(0))
    assert len(rows) == 240
    assert rows[0] == ("2025-01-01 15:00:00", 70.0)
    assert rows[-1][0] == "2025-01-01 18:59:00"
