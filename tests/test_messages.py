"""Wire messages: decode validates and never raises; encode gives the teaching project's JSON."""

import json

import pytest

from buzzline.messages import (
    Buzz,
    ProjectMessage,
    Rejected,
    SmokerReading,
    decode,
    decode_many,
    field_names,
)

BUZZ = {"message": "I just saw a movie! It was amazing.", "author": "Alice"}
READING = {"timestamp": "2025-01-01 15:00:00", "temperature": 70.4}
PROJECT = {
    "message": "I just loved Python! It was exciting.",
    "author": "Bob",
    "timestamp": "2025-01-01 15:00:00",
    "category": "tech",
    "sentiment": 0.82,
    "keyword_mentioned": "Python",
    "message_length": 37,
}
# The teaching project's key order for each message type.
TEACHING_ORDER = {
    Buzz: ["message", "author"],
    SmokerReading: ["timestamp", "temperature"],
    ProjectMessage: ["message", "author", "timestamp", "category", "sentiment",
                     "keyword_mentioned", "message_length"],
}
VALID = [(Buzz, BUZZ), (SmokerReading, READING), (ProjectMessage, PROJECT)]


def raw(obj: object) -> bytes:
    return json.dumps(obj).encode()


@pytest.mark.parametrize(("kind", "obj"), VALID)
def test_decode_valid(kind: type, obj: dict) -> None:
    result = decode(kind, raw(obj))
    assert isinstance(result, kind)
    for name, value in obj.items():
        assert getattr(result, name) == value


@pytest.mark.parametrize(("kind", "obj"), VALID)
def test_encode_decode_round_trip(kind: type, obj: dict) -> None:
    message = kind(**obj)
    assert decode(kind, message.encode()) == message


@pytest.mark.parametrize(("kind", "obj"), VALID)
def test_encoded_bytes_are_standard_json_in_teaching_order(kind: type, obj: dict) -> None:
    encoded = kind(**obj).encode()
    assert isinstance(encoded, bytes)
    parsed = json.loads(encoded.decode())
    assert parsed == obj
    assert list(parsed) == TEACHING_ORDER[kind]
    assert field_names(kind) == TEACHING_ORDER[kind]


def test_non_ascii_text_round_trips() -> None:
    message = Buzz(message="café ☕ — 日本語 🎉", author="Zoë")
    encoded = message.encode()
    assert json.loads(encoded.decode("utf-8")) == {"message": message.message, "author": "Zoë"}
    assert decode(Buzz, encoded) == message


def test_integer_temperature_is_accepted_as_float() -> None:
    result = decode(SmokerReading, b'{"timestamp": "2025-01-01 15:00:00", "temperature": 70}')
    assert isinstance(result, SmokerReading)
    assert result.temperature == 70.0 and isinstance(result.temperature, float)


def test_integer_sentiment_is_accepted_as_float() -> None:
    result = decode(ProjectMessage, raw({**PROJECT, "sentiment": 1}))
    assert isinstance(result, ProjectMessage)
    assert result.sentiment == 1.0 and isinstance(result.sentiment, float)


def test_extra_fields_are_accepted_and_dropped() -> None:
    result = decode(Buzz, raw({**BUZZ, "extra": 1, "more": [1, 2]}))
    assert result == Buzz(**BUZZ)


def test_leading_and_trailing_whitespace_is_fine() -> None:
    assert decode(Buzz, b"  " + raw(BUZZ) + b"\n") == Buzz(**BUZZ)


def with_(obj: dict, **changes: object) -> bytes:
    return raw({**obj, **changes})


def without(obj: dict, name: str) -> bytes:
    return raw({k: v for k, v in obj.items() if k != name})


BAD = [
    ("not-utf8", Buzz, b"\xff\xfe{\"message\": \"a\"}", "UTF-8"),
    ("bad-utf8-in-string", Buzz, b'{"message": "a\xc3", "author": "b"}', "UTF-8"),
    ("truncated", Buzz, b'{"message": "a", "auth', "not valid JSON"),
    ("empty", Buzz, b"", "not valid JSON"),
    ("whitespace-only", Buzz, b"  \n", "not valid JSON"),
    ("trailing-garbage", Buzz, raw(BUZZ) + b" x", "not valid JSON"),
    ("array", Buzz, b'[{"message": "a", "author": "b"}]', "JSON object"),
    ("string", Buzz, b'"hello"', "JSON object"),
    ("null", Buzz, b"null", "JSON object"),
    ("number", Buzz, b"42", "JSON object"),
    ("missing-author", Buzz, without(BUZZ, "author"), "missing field 'author'"),
    ("missing-temperature", SmokerReading, without(READING, "temperature"), "'temperature'"),
    ("missing-length", ProjectMessage, without(PROJECT, "message_length"), "'message_length'"),
    ("author-int", Buzz, with_(BUZZ, author=5), "'author' should be a string"),
    ("author-true", Buzz, with_(BUZZ, author=True), "got a boolean"),
    ("author-null", Buzz, with_(BUZZ, author=None), "got null"),
    ("temperature-str", SmokerReading, with_(READING, temperature="hot"), "'temperature'"),
    ("temperature-true", SmokerReading, with_(READING, temperature=True), "boolean"),
    ("length-float", ProjectMessage, with_(PROJECT, message_length=4.5), "integer"),
    ("sentiment-str", ProjectMessage, with_(PROJECT, sentiment="0.5"), "'sentiment'"),
    ("nan-literal", SmokerReading, b'{"timestamp": "t", "temperature": NaN}', "not valid JSON"),
    ("inf-literal", SmokerReading, b'{"timestamp": "t", "temperature": Infinity}', "JSON"),
    ("1e999", SmokerReading, b'{"timestamp": "t", "temperature": 1e999}', "JSON"),
    ("-1e999", SmokerReading, b'{"timestamp": "t", "temperature": -1e999}', "JSON"),
    ("nested-object", Buzz, with_(BUZZ, message={"text": "hi"}), "got an object"),
    ("nested-array", Buzz, with_(BUZZ, author=["Alice"]), "got an array"),
    ("lone-surrogate", Buzz, b'{"message": "\\ud800", "author": "b"}', "JSON"),
    ("deep-array", Buzz, b"[" * 100_000, "not valid JSON"),
    ("deep-object", Buzz, b'{"a":' * 100_000, "not valid JSON"),
]


@pytest.mark.parametrize(("kind", "data", "reason"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_is_rejected_with_a_reason(kind: type, data: bytes, reason: str) -> None:
    result = decode(kind, data)
    assert isinstance(result, Rejected)
    assert reason in result.reason
    assert result.raw == data
    assert "\n" not in result.reason


def test_over_the_size_limit_is_rejected_before_parsing() -> None:
    data = raw(BUZZ)
    result = decode(Buzz, data, max_bytes=len(data) - 1)
    assert isinstance(result, Rejected)
    assert "limit" in result.reason and str(len(data)) in result.reason
    assert decode(Buzz, data, max_bytes=len(data)) == Buzz(**BUZZ)


def test_size_limit_applies_even_to_garbage() -> None:
    result = decode(Buzz, b"\xff" * 100, max_bytes=64)
    assert isinstance(result, Rejected) and "limit" in result.reason


def test_utf8_bom_prefix_is_handled_without_exception() -> None:
    data = b"\xef\xbb\xbf" + raw(BUZZ)
    result = decode(Buzz, data)  # must not raise
    # a byte-order mark (as Windows editors write) is skipped: the message is accepted
    assert result == Buzz(**BUZZ)


def test_decode_many_splits_good_and_bad_keeping_order() -> None:
    goods = [Buzz(message=f"m{i}", author=a) for i, a in enumerate("ABCDE")]
    raws = [goods[0].encode(), b"nope", goods[1].encode(), b"[]", goods[2].encode(),
            goods[3].encode(), b'{"message": 1, "author": "x"}', goods[4].encode()]
    good, bad = decode_many(Buzz, raws)
    assert good == goods
    assert [r.raw for r in bad] == [b"nope", b"[]", b'{"message": 1, "author": "x"}']
    assert all(isinstance(r, Rejected) for r in bad)


def test_decode_many_passes_max_bytes() -> None:
    small, big = Buzz("a", "b"), Buzz("a" * 200, "b")
    good, bad = decode_many(Buzz, [small.encode(), big.encode()], max_bytes=100)
    assert good == [small]
    assert len(bad) == 1 and "limit" in bad[0].reason


def test_decode_many_of_nothing() -> None:
    assert decode_many(Buzz, []) == ([], [])
