"""Settings: the teaching project's defaults, precedence, and one-line errors naming the variable.

Every test passes ``environ`` and ``env_file`` explicitly: nothing depends on the real
``os.environ`` or on a ``.env`` in the working directory.
"""

import dataclasses
from pathlib import Path

import pytest

from buzzline.errors import BuzzlineError, SettingsError
from buzzline.settings import Settings, env_names, load_settings


def load(tmp_path: Path, environ: dict[str, str] | None = None, dotenv: str | None = None,
         **overrides: object) -> Settings:
    env_file = tmp_path / ".env"
    if dotenv is not None:
        env_file.write_text(dotenv, encoding="utf-8")
    return load_settings(environ=environ or {}, env_file=env_file, **overrides)


TEACHING_DEFAULTS = {
    "KAFKA_BROKER_ADDRESS": ("kafka_broker_address", "localhost:9092"),
    "BUZZ_TOPIC": ("buzz_topic", "buzzline_json"),
    "BUZZ_INTERVAL_SECONDS": ("buzz_interval_seconds", 3),
    "BUZZ_CONSUMER_GROUP_ID": ("buzz_consumer_group_id", "buzz_group"),
    "SMOKER_TOPIC": ("smoker_topic", "smoker_csv"),
    "SMOKER_INTERVAL_SECONDS": ("smoker_interval_seconds", 5),
    "SMOKER_CONSUMER_GROUP_ID": ("smoker_consumer_group_id", "smoker_group"),
    "SMOKER_STALL_THRESHOLD_F": ("smoker_stall_threshold_f", 0.2),
    "SMOKER_ROLLING_WINDOW_SIZE": ("smoker_rolling_window_size", 10),
    "PROJECT_TOPIC": ("project_topic", "project_json"),
    "PROJECT_INTERVAL_SECONDS": ("project_interval_seconds", 5),
    "PROJECT_CONSUMER_GROUP_ID": ("project_consumer_group_id", "project_group"),
}


@pytest.mark.parametrize("env_name", sorted(TEACHING_DEFAULTS))
def test_defaults_are_the_teaching_projects(tmp_path: Path, env_name: str) -> None:
    field, expected = TEACHING_DEFAULTS[env_name]
    settings = load(tmp_path)  # no .env file written: defaults only
    assert getattr(settings, field) == expected
    assert env_names()[field] == env_name


def test_defaults_match_a_bare_settings_object(tmp_path: Path) -> None:
    assert load(tmp_path) == Settings()


def test_environ_values_are_parsed_to_field_types(tmp_path: Path) -> None:
    s = load(tmp_path, {"BUZZ_INTERVAL_SECONDS": " 0.5 ", "SMOKER_ROLLING_WINDOW_SIZE": "12",
                        "BUZZLINE_LOG_LEVEL": "debug", "BUZZLINE_DATA_DIR": "some/dir"})
    assert s.buzz_interval_seconds == 0.5
    assert s.smoker_rolling_window_size == 12 and isinstance(s.smoker_rolling_window_size, int)
    assert s.log_level == "DEBUG"
    assert s.data_dir == Path("some/dir")


def test_env_file_overrides_defaults(tmp_path: Path) -> None:
    s = load(tmp_path, dotenv="BUZZ_TOPIC=from_file\nSMOKER_STALL_THRESHOLD_F=0.5\n")
    assert s.buzz_topic == "from_file"
    assert s.smoker_stall_threshold_f == 0.5
    assert s.smoker_topic == "smoker_csv"


def test_environ_beats_env_file(tmp_path: Path) -> None:
    s = load(tmp_path, {"BUZZ_TOPIC": "from_environ"},
             dotenv="BUZZ_TOPIC=from_file\nPROJECT_TOPIC=project_from_file\n")
    assert s.buzz_topic == "from_environ"
    assert s.project_topic == "project_from_file"


def test_overrides_beat_environ_and_env_file(tmp_path: Path) -> None:
    s = load(tmp_path, {"BUZZ_TOPIC": "from_environ", "BUZZ_INTERVAL_SECONDS": "7"},
             dotenv="BUZZ_TOPIC=from_file\n", buzz_topic="from_option")
    assert s.buzz_topic == "from_option"
    assert s.buzz_interval_seconds == 7.0


def test_overrides_of_none_are_ignored(tmp_path: Path) -> None:
    s = load(tmp_path, {"BUZZ_TOPIC": "from_environ"}, buzz_topic=None,
             smoker_rolling_window_size=None)
    assert s.buzz_topic == "from_environ"
    assert s.smoker_rolling_window_size == 10


def test_missing_env_file_is_not_an_error(tmp_path: Path) -> None:
    s = load_settings(environ={}, env_file=tmp_path / "nope" / ".env")
    assert s == Settings()


def test_env_file_none_reads_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("BUZZ_TOPIC=should_not_be_read\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_settings(environ={}, env_file=None).buzz_topic == "buzzline_json"


def test_settings_are_frozen(tmp_path: Path) -> None:
    s = load(tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.buzz_topic = "changed"  # type: ignore[misc]


def test_with_overrides_returns_a_copy(tmp_path: Path) -> None:
    s = load(tmp_path)
    t = s.with_overrides(buzz_topic="other")
    assert t.buzz_topic == "other" and s.buzz_topic == "buzzline_json"


BAD_ENVIRON = [
    ("BUZZ_INTERVAL_SECONDS", "abc", "number"),
    ("BUZZ_INTERVAL_SECONDS", "-1", "at least"),
    ("SMOKER_INTERVAL_SECONDS", "-0.5", "at least"),
    ("SMOKER_ROLLING_WINDOW_SIZE", "1", "at least 2"),
    ("SMOKER_ROLLING_WINDOW_SIZE", "ten", "whole number"),
    ("SMOKER_ROLLING_WINDOW_SIZE", "10.5", "whole number"),
    ("SMOKER_STALL_THRESHOLD_F", "nan", "finite"),
    ("SMOKER_STALL_THRESHOLD_F", "NaN", "finite"),
    ("SMOKER_STALL_THRESHOLD_F", "inf", "finite"),
    ("PROJECT_INTERVAL_SECONDS", "-inf", "finite"),
    ("BUZZLINE_LOG_LEVEL", "LOUD", "DEBUG"),
    ("BUZZLINE_DISPLAY", "bogus", "headless"),
    ("BUZZ_TOPIC", "", "empty"),
    ("BUZZ_INTERVAL_SECONDS", "1\n2", "number"),
]


@pytest.mark.parametrize(("name", "raw", "hint"), BAD_ENVIRON)
def test_bad_environ_value_raises_one_line_error_naming_it(
    tmp_path: Path, name: str, raw: str, hint: str
) -> None:
    with pytest.raises(SettingsError) as info:
        load(tmp_path, {name: raw})
    message = str(info.value)
    assert name in message
    assert hint in message
    assert "\n" not in message
    assert isinstance(info.value, BuzzlineError) and info.value.exit_code == 2


def test_bad_env_file_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SMOKER_ROLLING_WINDOW_SIZE"):
        load(tmp_path, dotenv="SMOKER_ROLLING_WINDOW_SIZE=1\n")


def test_environ_good_value_hides_a_bad_env_file_value(tmp_path: Path) -> None:
    s = load(tmp_path, {"BUZZ_INTERVAL_SECONDS": "2"}, dotenv="BUZZ_INTERVAL_SECONDS=abc\n")
    assert s.buzz_interval_seconds == 2.0


@pytest.mark.parametrize(
    ("overrides", "option"),
    [
        ({"buzz_interval_seconds": -1.0}, "--buzz-interval-seconds"),
        ({"smoker_rolling_window_size": 1}, "--smoker-rolling-window-size"),
        ({"smoker_stall_threshold_f": float("nan")}, "--smoker-stall-threshold-f"),
        ({"display": "bogus"}, "--display"),
    ],
)
def test_bad_override_raises_naming_the_option(
    tmp_path: Path, overrides: dict[str, object], option: str
) -> None:
    with pytest.raises(SettingsError) as info:
        load(tmp_path, **overrides)
    assert option in str(info.value)
    assert "\n" not in str(info.value)


def test_window_size_two_and_zero_interval_are_allowed(tmp_path: Path) -> None:
    s = load(tmp_path, {"SMOKER_ROLLING_WINDOW_SIZE": "2", "BUZZ_INTERVAL_SECONDS": "0"})
    assert s.smoker_rolling_window_size == 2
    assert s.buzz_interval_seconds == 0.0


def test_sample_files_follow_the_data_folder(tmp_path) -> None:
    moved = load_settings(environ={"BUZZLINE_DATA_DIR": "/srv/stream"}, env_file=None)
    assert moved.buzz_json_file == Path("/srv/stream/buzz.json")
    assert moved.smoker_csv_file == Path("/srv/stream/smoker_temps.csv")
    own = load_settings(environ={"BUZZLINE_DATA_DIR": "/srv/stream",
                                 "SMOKER_CSV_FILE": "/home/me/cook.csv"}, env_file=None)
    assert own.smoker_csv_file == Path("/home/me/cook.csv")
    assert own.buzz_json_file == Path("/srv/stream/buzz.json")


def test_env_example_loads_to_the_defaults() -> None:
    example = Path(__file__).resolve().parents[1] / ".env.example"
    assert load_settings(environ={}, env_file=example) == load_settings(environ={},
                                                                        env_file=None)
