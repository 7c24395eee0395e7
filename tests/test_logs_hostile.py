"""Logs under hostile text: escape sequences and bidirectional overrides from rejected messages
reach neither the terminal nor logs/buzzline.log as raw characters (they show as ``\\x1b``
escapes), a message cannot forge a second log line, and the SASL password is masked where it
stands as a whole, never inside another word (which would show what it is)."""

import logging
import re
import unicodedata
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from buzzline import logs
from buzzline.logs import CONTROLS, ScrubFilter, configure_logging, escape_controls
from tests.conftest import run_buzzline

CLEAR = "\x1b[2J\x1b[H"
TITLE = "\x1b]0;pwned\x07"
CSI = "\x9b31m"  # the one-byte C1 form of ESC [
RLO = "\u202e"
ISOLATE = "\u2066"
FORBIDDEN = set("\x1b\x07\x9b\u202e\u2066\u2069\x00\x7f\r")


def unsafe(text: str) -> list[str]:
    """The raw control characters left in ``text`` (newlines between lines are fine)."""
    return [c for c in text if c in FORBIDDEN]


@pytest.fixture
def fake_user(monkeypatch, tmp_path):
    home = tmp_path / "home" / "janedoe"
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: home))
    monkeypatch.setattr(logs.getpass, "getuser", lambda: "janedoe")
    return home


def record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("buzzline", logging.WARNING, __file__, 1, msg, args, None)


def scrubbed(scrub: ScrubFilter, msg: str, *args: object) -> str:
    item = record(msg, *args)
    assert scrub.filter(item)
    return item.getMessage()


def test_escape_controls_shows_every_kind_as_an_escape() -> None:
    assert escape_controls(CLEAR) == "\\x1b[2J\\x1b[H"
    assert escape_controls(TITLE) == "\\x1b]0;pwned\\x07"
    assert escape_controls(CSI) == "\\x9b31m"
    assert escape_controls(f"a{RLO}b{ISOLATE}c\u2069") == "a\\u202eb\\u2066c\\u2069"
    assert escape_controls("one\ntwo\tthree\r") == "one\\ntwo\\tthree\\r"
    assert escape_controls("\x00\x7f\x85\u2028") == "\\x00\\x7f\\x85\\u2028"
    assert escape_controls("plain text, accents é and ünïcödé 💡") == \
        "plain text, accents é and ünïcödé 💡"
    assert escape_controls("tb\nline\x1b", keep_newlines=True) == "tb\nline\\x1b"


def test_a_message_cannot_forge_a_log_line_or_reach_the_terminal(fake_user) -> None:
    text = scrubbed(ScrubFilter(), "rejected message (%s): %s", "not valid JSON",
                    f"x{CLEAR}{TITLE}\nINFO: all good{RLO}")
    assert "\n" not in text and not unsafe(text)
    assert text == ("rejected message (not valid JSON): x\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07"
                    "\\nINFO: all good\\u202e")


def test_an_exception_text_keeps_its_lines_but_loses_its_escapes(fake_user) -> None:
    try:
        raise ValueError(f"bad value {CLEAR} in {fake_user}")
    except ValueError as exc:
        item = logging.LogRecord("buzzline", logging.ERROR, __file__, 1, "failed", None,
                                 (type(exc), exc, exc.__traceback__))
    assert ScrubFilter().filter(item)
    assert item.exc_text.count("\n") >= 2 and not unsafe(item.exc_text)
    assert "ValueError: bad value \\x1b[2J\\x1b[H in ~" in item.exc_text


@pytest.mark.parametrize(("line", "want"), [
    ("with other settings", "with other settings"),  # not the password: a word that holds it
    ("connecting with another client", "connecting with another client"),
    ("others", "others"),
    ("password=s3cr3t", "password=***"),
    ("password='s3cr3t'", "password='***'"),
    ("sasl.password: s3cr3t, user: bob", "sasl.password: ***, user: bob"),
    ("token s3cr3tive and xs3cr3t", "token s3cr3tive and xs3cr3t"),
    ("s3cr3t", "***"),
])
def test_the_password_is_masked_whole_only(line: str, want: str) -> None:
    scrub = ScrubFilter(secrets=("s3cr3t", "other!"))
    assert scrubbed(scrub, "%s", line) == want


def test_a_password_with_punctuation_is_masked_whole_and_without_its_length() -> None:
    scrub = ScrubFilter(secrets=("p@ss w0rd!",))
    assert scrubbed(scrub, "auth failed for 'p@ss w0rd!'") == "auth failed for '***'"
    assert scrubbed(scrub, "x=p@ss w0rd!!") == "x=***!"
    assert scrubbed(scrub, "ap@ss w0rd!") == "ap@ss w0rd!"  # inside a longer word
    long = ScrubFilter(secrets=("a" * 40,))
    assert scrubbed(long, "pw=" + "a" * 40) == "pw=***"  # the same mask for any length


def test_mask_for_other_modules() -> None:
    assert logs.mask("auth with other: other failed", "other") == "auth with ***: *** failed"
    assert logs.mask("another", "other") == "another" and logs.mask("x", "") == "x"


def test_the_user_name_is_not_masked_inside_other_words(fake_user) -> None:
    scrub = ScrubFilter()
    assert scrubbed(scrub, "janedoe ran janedoes_file") == "USER ran janedoes_file"


def test_consume_of_hostile_messages_keeps_the_terminal_and_log_file_clean(workdir) -> None:
    data = workdir / "data"
    data.mkdir()
    lines = [orjson.dumps({"message": "hi", "author": "Eve"}),
             f"{CLEAR}{TITLE} not json {RLO}".encode(),
             f'{{"message": "{CSI}", "author": 3}}'.encode(),
             b"\x00\x7f\xc2\x9b2J" + ISOLATE.encode(),
             orjson.dumps({"message": "bye", "author": "Eve"})]
    (data / "buzz_live.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    result = run_buzzline(["consume", "basic", "--from-beginning", "--no-chart", "--count",
                           str(len(lines)), "--idle-exit", "20"], workdir)
    assert result.returncode == 0, result.stderr
    log_file = (workdir / "logs" / "buzzline.log").read_text(encoding="utf-8")
    for where in (result.stderr, log_file):
        assert where.count("rejected message") == 3, where
        assert not unsafe(where), [c for c in unsafe(where)]
    assert "\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07 not json \\u202e" in result.stderr
    assert "\\x1b[2J" in log_file and "\\u2066" in log_file and "\\x9b" in log_file


def test_an_accepted_name_with_escapes_reaches_the_terminal_escaped(workdir) -> None:
    data = workdir / "data"
    data.mkdir()
    author = f"{TITLE}Eve{RLO}"
    (data / "buzz_live.jsonl").write_bytes(orjson.dumps({"message": "hi", "author": author})
                                           + b"\n")
    result = run_buzzline(["consume", "basic", "--from-beginning", "--no-chart", "--count", "1",
                           "--idle-exit", "20", "--summary-json", "out.json"], workdir)
    assert result.returncode == 0, result.stderr
    assert not unsafe(result.stdout + result.stderr)
    assert "\\x1b]0;pwned\\x07Eve\\u202e" in result.stdout
    summary = orjson.loads((workdir / "out.json").read_bytes())
    assert summary["author_counts"] == {author: 1}  # the data itself is kept as it came


def test_the_log_file_masks_the_password_of_the_settings(workdir, tmp_path) -> None:
    configure_logging("INFO", tmp_path / "logs", secrets=("other",))
    logger = logging.getLogger("buzzline.test")
    logger.warning("another way, otherwise; password=other; others")
    for handler in logging.getLogger("buzzline").handlers:
        handler.flush()
    text = (tmp_path / "logs" / "buzzline.log").read_text()
    assert "another way, otherwise; password=***; others" in text


@given(st.text())
def test_no_control_character_survives_escaping(text: str) -> None:
    out = escape_controls(text)
    assert not any(ord(c) in CONTROLS for c in out)
    assert all(unicodedata.category(c) != "Cc" for c in out)
    if not any(ord(c) in CONTROLS for c in text):
        assert out == text  # nothing else changes


SECRET_CHARS = st.characters(categories=("L", "N"), include_characters="!@#$%^&*-_.")
SEPARATORS = " ,;=:'\"()[]{}<>/"


@given(st.text(SECRET_CHARS, min_size=1, max_size=12), st.text(SEPARATORS, max_size=5),
       st.text(SEPARATORS, max_size=5))
def test_a_secret_between_separators_is_always_masked(secret, before, after) -> None:
    scrub = ScrubFilter(secrets=(secret,))
    assert scrubbed(scrub, "%s", f"{before}{secret}{after}") == f"{before}***{after}"
    if re.fullmatch(r"\w(.*\w)?", secret, re.S):  # twice in a row: a longer word, not it
        assert scrubbed(scrub, "%s", f"{before}{secret}{secret}{after}") == \
            f"{before}{secret}{secret}{after}"
