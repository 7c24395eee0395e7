"""Logs: the user's name and home path never reach them; levels; the file under logs/."""

import logging
from pathlib import Path

import pytest

from buzzline import logs
from buzzline.logs import ScrubFilter, configure_logging


@pytest.fixture
def fake_user(monkeypatch, tmp_path):
    home = tmp_path / "home" / "janedoe"
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: home))
    monkeypatch.setattr(logs.getpass, "getuser", lambda: "janedoe")
    return home


def test_scrub_filter_hides_home_user_and_secrets(fake_user):
    scrub = ScrubFilter(secrets=("hunter2",))
    record = logging.LogRecord("buzzline", logging.INFO, __file__, 1,
                               "reading %s as %s with %s", (fake_user / "data" / "x.jsonl",
                                                          "janedoe", "hunter2"), None)
    assert scrub.filter(record)
    text = record.getMessage()
    assert text == "reading ~/data/x.jsonl as USER with ***"


def test_log_file_is_scrubbed_and_quiet_per_message(fake_user, tmp_path):
    configure_logging("INFO", tmp_path / "logs")
    logger = logging.getLogger("buzzline.test")
    logger.info("opened %s", fake_user / "buzz.json")
    logger.debug("per message detail")
    try:
        raise ValueError(f"bad file {fake_user}/secret.csv")
    except ValueError:
        logger.exception("failed")
    for handler in logging.getLogger("buzzline").handlers:
        handler.flush()
    text = (tmp_path / "logs" / "buzzline.log").read_text()
    assert "opened ~/buzz.json" in text
    assert "janedoe" not in text and str(fake_user) not in text
    assert "per message detail" not in text  # DEBUG is off at the default level
    assert "ValueError: bad file ~/secret.csv" in text


def test_configure_logging_twice_keeps_one_set_of_handlers(tmp_path):
    configure_logging("WARNING", tmp_path / "logs")
    configure_logging("WARNING", tmp_path / "logs")
    assert len(logging.getLogger("buzzline").handlers) == 2
