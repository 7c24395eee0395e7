"""Bad input (issue #4: nothing lost, nothing counted twice, nothing crashes).

A hand-written corpus of bad messages, mixed among good ones (some odd but valid), for the
buzz and smoker message types: each is rejected with a reason by ``decode_batch``, and end to
end through the file transport and ``buzzline consume`` every bad one lands in the dead-letter
file with its exact bytes and a reason while the good ones are counted exactly. Hypothesis
checks that for arbitrary bytes and JSON-ish objects ``decode_batch`` never raises and accepts
exactly the valid messages (against an independent oracle built on the standard ``json``).
"""

import base64
import inspect
import json
import math
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buzzline.messages import (
    Buzz,
    Message,
    ProjectMessage,
    Rejected,
    SmokerReading,
    decode,
    decode_batch,
)
from buzzline.timestamps import seconds_of
from tests.conftest import run_buzzline

MAX_BYTES = 4096  # BUZZLINE_MAX_MESSAGE_BYTES for the corpus (the minimum is 64)
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Bad:
    id: str
    raw: bytes
    reason: str  # a fragment of the expected reason


def bad(id: str, raw: bytes | str, reason: str) -> Bad:
    return Bad(id, raw.encode() if isinstance(raw, str) else raw, reason)


UTF8 = "not valid UTF-8"
JSON = "not valid JSON"
OBJECT = "expected a JSON object"

# Bad for both message types: the line itself is not a JSON object.
NOT_AN_OBJECT = [
    bad("not-utf8-bytes", b'\xff\xfe{"message": "a", "author": "b"}', UTF8),
    bad("bad-utf8-in-string", b'{"message": "caf\xc3", "author": "b"}', UTF8),
    bad("utf8-encoded-surrogate", b'{"message": "\xed\xa0\x80", "author": "b"}', UTF8),
    bad("overlong-utf8", b'{"message": "\xc0\xaf", "author": "b"}', UTF8),
    # msgspec skips a field it does not read without looking at its bytes: checked apart
    bad("bad-utf8-in-unread-field", b'{"message": "a", "author": "b", "x": "caf\xe9"}', UTF8),
    bad("bad-utf8-in-unread-key", b'{"message": "a", "author": "b", "\xff": 1}', UTF8),
    bad("latin-1", '{"message": "café", "author": "Zoë"}'.encode("latin-1"), UTF8),
    bad("utf-16", '{"message": "a", "author": "b"}'.encode("utf-16"), UTF8),
    bad("binary-gunk", bytes(range(1, 10)) + b"\x00\x0b\x0c\xfe", "not valid"),
    bad("nul-byte-only", b"\x00", JSON),
    bad("plain-text", "hello world", JSON),
    bad("truncated-key", '{"message": "a", "auth', JSON),
    bad("truncated-after-value", '{"message": "a", "author": "b"', JSON),
    bad("truncated-in-escape", '{"message": "a\\u00', JSON),
    bad("trailing-garbage", '{"message": "a", "author": "b"} x', JSON),
    bad("two-objects-one-line", '{"message":"a","author":"b"}{"message":"c","author":"d"}',
        JSON),
    bad("single-quotes", "{'message': 'a', 'author': 'b'}", JSON),
    bad("unquoted-keys", '{message: "a", author: "b"}', JSON),
    bad("trailing-comma", '{"message": "a", "author": "b",}', JSON),
    bad("comment", '{"message": "a", "author": "b"} // hi', JSON),
    bad("key-not-a-string", '{1: "a"}', JSON),
    bad("raw-control-char", b'{"message": "a\x01b", "author": "b"}', JSON),
    bad("raw-tab-in-string", b'{"message": "a\tb", "author": "b"}', JSON),
    bad("raw-nul-in-string", b'{"message": "a\x00b", "author": "b"}', JSON),
    bad("raw-escape-char", b'{"message": "\x1b[31mred", "author": "b"}', JSON),
    bad("lone-high-surrogate", '{"message": "\\ud800", "author": "b"}', JSON),
    bad("lone-low-surrogate", '{"message": "x", "author": "\\udc00"}', JSON),
    bad("reversed-surrogates", '{"message": "\\ude00\\ud83d", "author": "b"}', JSON),
    bad("lone-surrogate-in-extra-key", '{"message": "a", "author": "b", "\\ud800": 1}', JSON),
    bad("bad-escape", '{"message": "\\x41", "author": "b"}', JSON),
    bad("short-unicode-escape", '{"message": "\\u12", "author": "b"}', JSON),
    bad("whitespace-only", b" \t ", JSON),
    bad("carriage-return-only", b"\r", JSON),
    bad("bom-then-garbage", BOM + b"garbage", JSON),
    bad("bom-only", BOM, JSON),
    bad("two-boms", BOM + BOM + b'{"message": "a", "author": "b"}', JSON),
    bad("bom-then-bad-utf8", BOM + b"\xff", UTF8),
    bad("deeper-than-1024", b'{"message":' + b"[" * 1100 + b"]" * 1100 + b',"author":"b"}',
        "depth limit"),
    bad("array", '[{"message": "a", "author": "b"}]', OBJECT),
    bad("empty-array", "[]", OBJECT),
    bad("string", '"hello"', OBJECT),
    bad("number", "42", OBJECT),
    bad("float", "4.2", OBJECT),
    bad("null", "null", OBJECT),
    bad("true", "true", OBJECT),
]

BUZZ_BAD = NOT_AN_OBJECT + [
    bad("empty-object", "{}", "missing field 'message'"),
    bad("missing-author", '{"message": "a"}', "missing field 'author'"),
    bad("missing-message", '{"author": "a"}', "missing field 'message'"),
    bad("extra-fields-only", '{"text": "a", "user": "b"}', "missing field"),
    bad("keys-in-wrong-case", '{"Message": "a", "Author": "b"}', "missing field"),
    bad("smoker-reading-as-buzz", '{"timestamp": "t", "temperature": 1}', "missing field"),
    bad("author-number", '{"message": "a", "author": 42}', "'author' should be a string"),
    bad("author-float", '{"message": "a", "author": 4.2}', "got a number"),
    bad("author-true", '{"message": "a", "author": true}', "got a boolean"),
    bad("author-null", '{"message": "a", "author": null}', "got null"),
    bad("author-array", '{"message": "a", "author": ["Alice"]}', "got an array"),
    bad("author-object", '{"message": "a", "author": {"name": "Alice"}}', "got an object"),
    bad("message-number", '{"message": 1, "author": "b"}', "'message' should be a string"),
    bad("nested-100-deep", '{"message": ' + "[" * 100 + "]" * 100 + ', "author": "b"}',
        "got an array"),
    bad("duplicate-key-last-wrong", '{"message": "a", "author": "b", "author": 5}',
        "'author' should be a string"),
    bad("author-nan", '{"message": "a", "author": NaN}', JSON),
    bad("over-max-message-bytes", orjson.dumps({"message": "x" * MAX_BYTES, "author": "Big"}),
        f"over the {MAX_BYTES}-byte limit"),
    bad("garbage-over-max-message-bytes", b"\xff" * (MAX_BYTES + 1), "limit"),
]

SMOKER_BAD = NOT_AN_OBJECT + [
    bad("empty-object", "{}", "missing field 'timestamp'"),
    bad("missing-temperature", '{"timestamp": "2025-01-01 15:00:00"}', "'temperature'"),
    bad("missing-timestamp", '{"temperature": 70.4}', "missing field 'timestamp'"),
    bad("extra-fields-only", '{"time": "2025-01-01 15:00:00", "temp": 70}', "missing field"),
    bad("buzz-as-smoker-reading", '{"message": "a", "author": "b"}', "missing field"),
    bad("temperature-string", '{"timestamp": "t", "temperature": "70.4"}',
        "'temperature' should be an integer or a number, got a string"),
    bad("temperature-nan-string", '{"timestamp": "t", "temperature": "NaN"}', "got a string"),
    bad("temperature-true", '{"timestamp": "t", "temperature": true}', "got a boolean"),
    bad("temperature-false", '{"timestamp": "t", "temperature": false}', "got a boolean"),
    bad("temperature-null", '{"timestamp": "t", "temperature": null}', "got null"),
    bad("temperature-array", '{"timestamp": "t", "temperature": [70.4]}', "got an array"),
    bad("temperature-object", '{"timestamp": "t", "temperature": {"f": 70.4}}', "got an object"),
    bad("timestamp-number", '{"timestamp": 1735743600, "temperature": 70.4}',
        "'timestamp' should be a string, got an integer"),
    bad("timestamp-null", '{"timestamp": null, "temperature": 70.4}', "got null"),
    bad("timestamp-object", '{"timestamp": {"iso": "t"}, "temperature": 70.4}', "got an object"),
    # issue 13: a timestamp that is no time is a dead letter (it drew a stray line to 1970)
    bad("timestamp-not-a-time", '{"timestamp": "not a time, still a string", "temperature": 75}',
        "is not an ISO 8601 time"),
    bad("timestamp-empty", '{"timestamp": "", "temperature": 72.0}', "timestamp is empty"),
    bad("nan-literal", '{"timestamp": "t", "temperature": NaN}', JSON),
    bad("infinity-literal", '{"timestamp": "t", "temperature": Infinity}', JSON),
    bad("minus-infinity-literal", '{"timestamp": "t", "temperature": -Infinity}', JSON),
    bad("1e999", '{"timestamp": "t", "temperature": 1e999}', "infinity"),
    bad("minus-1e999", '{"timestamp": "t", "temperature": -1e999}', "infinity"),
    bad("just-over-max-double", '{"timestamp": "t", "temperature": 1.8e308}', "infinity"),
    bad("400-digit-integer", '{"timestamp": "t", "temperature": 1' + "0" * 400 + "}", "infinity"),
    bad("hex-number", '{"timestamp": "t", "temperature": 0x46}', JSON),
    bad("leading-zero", '{"timestamp": "t", "temperature": 070}', JSON),
    bad("plus-sign", '{"timestamp": "t", "temperature": +70}', JSON),
    bad("leading-dot", '{"timestamp": "t", "temperature": .5}', JSON),
    bad("trailing-dot", '{"timestamp": "t", "temperature": 70.}', JSON),
    bad("decimal-comma", '{"timestamp": "t", "temperature": 70,4}', JSON),
    bad("over-max-message-bytes",
        orjson.dumps({"timestamp": "t" * MAX_BYTES, "temperature": 70.4}), "limit"),
]

# Good lines, some odd but valid, with what they count as: (raw, author) / (raw, temperature).
BUZZ_GOOD: list[tuple[bytes, str]] = [
    (b'{"message": "I just saw a movie! It was amazing.", "author": "Alice"}', "Alice"),
    (b'{"message":"hi","author":"Alice"}', "Alice"),
    (b'{"message": "hi", "author": "Bob", "extra": [1, {"x": null}], "n": 1e308}', "Bob"),
    (b'{"message": "big", "author": "Bob", "n": 18446744073709551616}', "Bob"),
    # a field that is not read is checked for JSON syntax only (and UTF-8): a number out of
    # a double's range there harms nothing
    (b'{"message": "huge", "author": "Inf", "x": [1e999, -1e999]}', "Inf"),
    (b'{"message": "caf\\u00e9", "author": "Zo\\u00eb"}', "Zoë"),
    ('{"message": "日本語", "author": "日本"}'.encode(), "日本"),
    (b'{"message": "party", "author": "\\ud83c\\udf89"}', "🎉"),  # a surrogate pair
    (BOM + b'{"message": "from Notepad", "author": "Bom"}', "Bom"),  # one BOM is skipped
    (b'{"message": "m", "author": "Dup1", "author": "Dup2"}', "Dup2"),  # last wins, like JS
    (b'{"message": "windows line end", "author": "Crlf"}\r', "Crlf"),
    (b' \t{"message": "padded", "author": "Pad"} \t', "Pad"),
    (b'{"message": "a\\u0000b\\u001f\\nc\\t", "author": "Ctl"}', "Ctl"),  # escaped: fine
    (b'{"message": "del \x7f is no control", "author": "Ctl"}', "Ctl"),
    (b'{"message": "", "author": "Empty"}', "Empty"),
    (orjson.dumps({"message": "x" * (MAX_BYTES - 40), "author": "Long"}), "Long"),
    (b'{"message":"m","author":"Deep","x":' + b"[" * 1000 + b"]" * 1000 + b"}", "Deep"),
    (b'{"author": "Order", "message": "keys in any order"}', "Order"),
]
SMOKER_GOOD: list[tuple[bytes, float]] = [
    (b'{"timestamp": "2025-01-01 15:00:00", "temperature": 70.4}', 70.4),
    (b'{"timestamp": "2025-01-01 15:00:30", "temperature": 70}', 70.0),
    (b'{"timestamp": "2025-01-01 15:01:00", "temperature": -5.5}', -5.5),
    (b'{"timestamp": "2025-01-01 15:01:30", "temperature": 7.04e1}', 70.4),
    (b'{"timestamp": "2025-01-01 15:02:00", "temperature": 1E2}', 100.0),
    (b'{"timestamp": "2025-01-01 15:02:30", "temperature": -0.0}', 0.0),
    (b'{"timestamp": "2025-01-01 15:03:00", "temperature": 1e-400}', 0.0),  # underflow: 0
    (b'{"timestamp": "2025-01-01 15:03:30", "temperature": 71, "unit": "F", "probe": [1]}', 71.0),
    (b'{"timestamp": "2025-01-01 15:04:00", "temperature": 1, "temperature": 72}', 72.0),
    (BOM + b'{"timestamp": "2025-01-01 15:04:30", "temperature": 73.5}', 73.5),
    (b'{"temperature": 74, "timestamp": "2025-01-01 15:05:00"}', 74.0),
]

KINDS = {"basic": (Buzz, BUZZ_BAD, BUZZ_GOOD), "csv": (SmokerReading, SMOKER_BAD, SMOKER_GOOD)}
TOPICS = {"basic": "buzz_live", "csv": "smoker_csv"}


def test_the_corpus_is_big_and_unique() -> None:
    for kind, bads, goods in KINDS.values():
        raws = [b.raw for b in bads] + [raw for raw, _ in goods]
        assert len(set(raws)) == len(raws), kind
        assert len({b.id for b in bads}) == len(bads) >= 60
        assert all(b"\n" not in raw and raw for raw in raws)  # one non-empty line each


CASES = [pytest.param(kind, case, id=f"{app}-{case.id}")
         for app, (kind, bads, _) in KINDS.items() for case in bads]


@pytest.mark.parametrize(("kind", "case"), CASES)
def test_decode_batch_rejects_each_bad_case_with_a_reason(kind: type[Message], case: Bad) -> None:
    good, bad_ = decode_batch(kind, [case.raw], MAX_BYTES)
    assert good == [] and len(bad_) == 1
    index, rejected = bad_[0]
    assert index == 0 and isinstance(rejected, Rejected)
    assert rejected.raw == case.raw  # the original bytes, BOM and all
    assert case.reason in rejected.reason
    assert rejected.reason.strip() and "\n" not in rejected.reason


@pytest.mark.parametrize("app", list(KINDS))
def test_decode_batch_keeps_good_and_bad_apart_in_a_mix(app: str) -> None:
    kind, bads, goods = KINDS[app]
    raws = mix(bads, [raw for raw, _ in goods])
    good, bad_ = decode_batch(kind, raws, MAX_BYTES)
    assert len(good) + len(bad_) == len(raws)
    assert [raws[i] for i, _ in bad_] == [b.raw for b in bads]
    assert [r.raw for _, r in bad_] == [b.raw for b in bads]
    if kind is Buzz:
        assert [m.author for m in good] == [author for _, author in goods]
    else:
        assert [m.temperature for m in good] == [t for _, t in goods]
        assert all(type(m.temperature) is float for m in good)


def mix(bads: list[Bad], goods: list[bytes]) -> list[bytes]:
    """Bad and good lines interleaved: a good one after every few bad ones."""
    out: list[bytes] = []
    step = max(1, len(bads) // len(goods))
    pending = list(goods)
    for i, case in enumerate(bads):
        out.append(case.raw)
        if i % step == step - 1 and pending:
            out.append(pending.pop(0))
    return out + pending


def dead_letter_raw(letter: dict[str, Any]) -> bytes:
    if "value_base64" in letter:
        return base64.b64decode(letter["value_base64"])
    return letter["value"].encode("utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("app", list(KINDS))
def test_end_to_end_through_the_file_transport(workdir: Path, app: str) -> None:
    kind, bads, goods = KINDS[app]
    lines = mix(bads, [raw for raw, _ in goods])
    topic = TOPICS[app]
    data = workdir / "data"
    data.mkdir()
    # blank lines are not messages in a JSON-lines file: neither counted nor dead-lettered
    (data / f"{topic}.jsonl").write_bytes(b"\n".join(lines).replace(b"\n", b"\n\n", 3) + b"\n")
    result = run_buzzline(
        ["consume", app, "--from-beginning", "--no-chart", "--count", str(len(lines)),
         "--idle-exit", "20", "--summary-json", "out.json"],
        workdir, BUZZLINE_MAX_MESSAGE_BYTES=str(MAX_BYTES))
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((workdir / "out.json").read_text())
    assert summary["messages"] == len(goods)
    assert summary["rejected"] == len(bads)
    assert summary["dead_letters"] == len(bads)
    if kind is Buzz:
        assert summary["author_counts"] == dict(Counter(author for _, author in goods))
    else:
        temperatures = [t for _, t in goods]
        assert summary["readings"] == len(goods)
        assert summary["min_value"] == min(temperatures)
        assert summary["max_value"] == max(temperatures)
        assert summary["last_value"] == temperatures[-1]
    letters = [orjson.loads(line)
               for line in (data / f"{topic}.dlq.jsonl").read_bytes().splitlines()]
    assert [dead_letter_raw(letter) for letter in letters] == [b.raw for b in bads]
    for letter, case in zip(letters, bads, strict=True):
        assert letter["reason"].strip() and case.reason in letter["reason"], case.id
        assert letter["topic"] == topic and letter["app"] == app


def consume_job_dead_letters_oversized() -> bool:
    from buzzline.engine import consume

    return "oversized" in inspect.getsource(consume)


@pytest.mark.slow
@pytest.mark.skipif(not consume_job_dead_letters_oversized(),
                    reason="ConsumeJob does not dead-letter Batch.oversized yet")
def test_end_to_end_a_line_over_the_file_line_limit(workdir: Path) -> None:
    """A line over the file transport's 8 MiB line limit is never held whole: its head goes
    to the dead letters with its length."""
    huge = b'{"message": "' + b"x" * (9 * 1024 * 1024) + b'", "author": "Huge"}'
    good = b'{"message": "hi", "author": "Eve"}'
    data = workdir / "data"
    data.mkdir()
    (data / "buzz_live.jsonl").write_bytes(b"\n".join([good, huge, good, b"nope"]) + b"\n")
    result = run_buzzline(["consume", "basic", "--from-beginning", "--no-chart", "--idle-exit",
                           "3", "--summary-json", "out.json"], workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((workdir / "out.json").read_text())
    assert summary["messages"] == 2 and summary["author_counts"] == {"Eve": 2}
    letters = [orjson.loads(line)
               for line in (data / "buzz_live.dlq.jsonl").read_bytes().splitlines()]
    assert len(letters) == 2 == summary["dead_letters"]
    too_large = next(x for x in letters if "too large" in x["reason"])
    assert f"{len(huge)} bytes" in too_large["reason"].replace(",", "")  # 9,437,217
    assert huge.startswith(dead_letter_raw(too_large))
    assert 0 < len(dead_letter_raw(too_large)) <= 64 * 1024
    # marked as what it is: the start of a longer message, never held whole (no hash)
    assert too_large["truncated"] is True and too_large["sha256"] is None
    assert too_large["original_bytes"] == len(huge)
    assert too_large["stored_bytes"] == len(dead_letter_raw(too_large))


# --- property tests: an oracle on the standard library's json --------------------------------

class _Invalid(ValueError):
    pass


def _parse_float(text: str) -> float:
    return float(text)  # 1e999 is inf: valid JSON, refused only in a field that is read


def _reject_constant(text: str) -> None:
    raise _Invalid(text)  # NaN, Infinity, -Infinity: not JSON


def _has_surrogate(obj: Any) -> bool:
    if isinstance(obj, str):
        return any("\ud800" <= ch <= "\udfff" for ch in obj)
    if isinstance(obj, list):
        return any(map(_has_surrogate, obj))
    if isinstance(obj, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in obj.items())
    return False


def oracle(kind: type[Message], raw: bytes, max_bytes: int) -> dict[str, Any] | None:
    """The fields of the message ``raw`` should decode to, or None if it is not valid."""
    if len(raw) > max_bytes:
        return None
    body = raw[len(BOM):] if raw.startswith(BOM) else raw
    try:
        obj = json.loads(body.decode("utf-8"), parse_float=_parse_float,
                         parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None
    if type(obj) is not dict or _has_surrogate(obj):
        return None
    out = {}
    for name, types in kind.schema.items():
        if name not in obj:
            return None
        value = obj[name]
        if type(value) not in types:
            return None
        if float in types:  # a number field: finite, as a double (an int too)
            try:
                value = float(value)
            except OverflowError:
                return None
            if not math.isfinite(value):
                return None
        if name == "timestamp" and seconds_of(value) is None:  # a time (tests/test_timestamps)
            return None
        out[name] = value
    return out


def check(kind: type[Message], raws: list[bytes], max_bytes: int = 1_048_576) -> None:
    good, bad_ = decode_batch(kind, raws, max_bytes)  # never raises
    assert len(good) + len(bad_) == len(raws)
    bad_at = [i for i, _ in bad_]
    assert bad_at == sorted(set(bad_at))
    expected = [oracle(kind, raw, max_bytes) for raw in raws]
    assert bad_at == [i for i, fields in enumerate(expected) if fields is None]
    assert [m.to_dict() for m in good] == [f for f in expected if f is not None]
    for i, rejected in bad_:
        assert rejected.raw == raws[i] and rejected.reason.strip()


KIND = st.sampled_from([Buzz, SmokerReading, ProjectMessage])
PROPERTY = settings(max_examples=300, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(kind=KIND, raws=st.lists(st.binary(max_size=80) | st.builds(
    lambda b: BOM + b, st.binary(max_size=20)), max_size=8), max_bytes=st.sampled_from(
    [64, 1_048_576]))
def test_arbitrary_bytes_never_raise(kind: type[Message], raws: list[bytes],
                                     max_bytes: int) -> None:
    check(kind, raws, max_bytes)


TEXT = st.text(st.characters(exclude_categories=()), max_size=12)  # with lone surrogates
SCALAR = (st.none() | st.booleans() | TEXT
          | st.integers(min_value=-(2**70), max_value=2**70)
          | st.floats(allow_nan=True, allow_infinity=True)
          | st.sampled_from([0, -0.0, 1e308, 5e-324, 2**53 + 1, 2**63, 2**64, -(2**63) - 1]))
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8)
RIGHT = {str: TEXT, float: st.floats(allow_nan=False, allow_infinity=False) | st.integers(
    min_value=-(2**70), max_value=2**70), int: st.integers(min_value=-(2**70), max_value=2**70)}


@st.composite
def message_like(draw: st.DrawFn, kind: type[Message]) -> bytes:
    """A JSON object that is often, but not always, a valid ``kind``, perhaps mangled."""
    obj: dict[str, Any] = {}
    for name, types in kind.schema.items():
        choice = draw(st.sampled_from(["right", "right", "right", "other", "missing"]))
        if choice == "right":
            obj[name] = draw(RIGHT[types[-1]])
        elif choice == "other":
            obj[name] = draw(VALUE)
    obj.update(draw(st.dictionaries(TEXT, VALUE, max_size=2)))
    text = json.dumps(draw(st.sampled_from([obj, obj, list(obj.values())])),
                      ensure_ascii=draw(st.booleans()), allow_nan=True)
    raw = text.encode("utf-8", "surrogatepass")
    how = draw(st.sampled_from(["as is", "as is", "bom", "spaces", "cut", "byte", "twice"]))
    if how == "bom":
        raw = BOM + raw
    elif how == "spaces":
        raw = b" \t\r" + raw + b"\r\n "
    elif how == "cut":
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif how == "byte":
        i = draw(st.integers(0, len(raw)))
        raw = raw[:i] + bytes([draw(st.integers(0, 255))]) + raw[i:]
    elif how == "twice":
        raw = raw + raw
    return raw


@st.composite
def kind_and_raws(draw: st.DrawFn) -> tuple[type[Message], list[bytes]]:
    kind = draw(KIND)
    return kind, draw(st.lists(message_like(kind), max_size=6))


@PROPERTY
@given(kind_and_raws(), st.sampled_from([64, 1_048_576]))
def test_json_like_objects_are_accepted_exactly_when_valid(
    kind_raws: tuple[type[Message], list[bytes]], max_bytes: int
) -> None:
    kind, raws = kind_raws
    check(kind, raws, max_bytes)


def test_the_oracle_agrees_with_the_corpus() -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 5000))  # json nests by recursion: the 1000-deep line
    try:
        for kind, bads, goods in KINDS.values():
            assert [c.id for c in bads if oracle(kind, c.raw, MAX_BYTES) is not None] == []
            assert all(oracle(kind, raw, MAX_BYTES) is not None for raw, _ in goods)
            check(kind, [case.raw for case in bads] + [raw for raw, _ in goods], MAX_BYTES)
    finally:
        sys.setrecursionlimit(limit)


def test_decode_of_many_byte_order_marks_does_not_recurse() -> None:
    """It used to strip one BOM per recursive call: a line of BOMs raised RecursionError."""
    raw = BOM * 100_000
    result = decode(Buzz, raw, max_bytes=len(raw))
    assert isinstance(result, Rejected) and result.raw == raw
