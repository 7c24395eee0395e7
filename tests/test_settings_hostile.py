"""Settings and options a user gets wrong: a missing or non-UTF-8 settings file, misspelled
names in it, and numbers no timer can take (negative, nan, inf, 1e308) - each one clear line
and exit code 2 through the real command, never a traceback or a silent default."""

from pathlib import Path

import click
import pytest

from buzzline.cli.param_types import DAY, FPS, INTERVAL, FiniteFloat
from buzzline.envfile import unknown_names
from buzzline.errors import SettingsError
from buzzline.settings import Settings, env_names, load_settings
from tests.conftest import run_buzzline


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "error" in line.lower()]


def assert_one_error(result, *needles: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_a_missing_env_file_given_is_one_line_and_exit_2(workdir: Path) -> None:
    result = run_buzzline(["--env-file", "nope.env", "data"], workdir)
    assert_one_error(result, "nope.env", "no such file")
    assert result.stderr.strip().count("\n") == 0
    assert not (workdir / "data").exists()  # nothing ran


def test_no_env_file_at_all_is_still_fine(workdir: Path) -> None:
    result = run_buzzline(["data"], workdir)
    assert result.returncode == 0 and result.stderr == ""


def test_a_non_utf8_env_file_is_one_line_naming_the_line(workdir: Path) -> None:
    (workdir / ".env").write_bytes(b"BUZZ_TOPIC=fine\n# comment\nSMOKER_TOPIC=caf\xe9\n")
    result = run_buzzline(["data"], workdir)
    assert_one_error(result, ".env", "line 3", "UTF-8")
    assert result.stderr.strip().count("\n") == 0


def test_an_env_file_that_is_a_folder_is_one_line(workdir: Path) -> None:
    (workdir / "conf").mkdir()
    assert_one_error(run_buzzline(["--env-file", "conf", "data"], workdir), "conf")


def test_misspelled_env_file_names_are_one_warning_with_a_suggestion(workdir: Path) -> None:
    (workdir / ".env").write_text("BUZ_TOPIC=a\nSMOKER_CSV_FILES=b\nBUZZLINE_WHATEVER=1\n"
                                  "BUZZ_TOPIC=ok\nEDITOR=vim\n", encoding="utf-8")
    result = run_buzzline(["data"], workdir)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1 and result.stderr.strip() == warnings[0]
    line = warnings[0]
    assert "BUZ_TOPIC (did you mean BUZZ_TOPIC?)" in line
    assert "SMOKER_CSV_FILES (did you mean SMOKER_CSV_FILE?)" in line
    assert "BUZZLINE_WHATEVER" in line
    assert "EDITOR" not in line and "BUZZ_TOPIC=" not in line


def test_unknown_names_keeps_ours_and_leaves_the_rest() -> None:
    known = env_names().values()
    assert unknown_names(["BUZZ_TOPIC", "PATH", "KAFKA_HOME", "PROJECT_TOPICS"], known) == [
        "KAFKA_HOME", "PROJECT_TOPICS (did you mean PROJECT_TOPIC?)"]
    assert unknown_names([], known) == []


BAD_OPTIONS = [
    (["produce", "basic", "--interval", "1e308"], "--interval"),
    (["produce", "basic", "--interval", "-1"], "--interval"),
    (["produce", "basic", "--interval", "nan"], "--interval"),
    (["produce", "basic", "--count", "-1"], "--count"),
    (["consume", "basic", "--idle-exit", "-1"], "--idle-exit"),
    (["consume", "basic", "--idle-exit", "inf"], "--idle-exit"),
    (["consume", "basic", "--duration", "-1"], "--duration"),
    (["consume", "basic", "--duration", "0"], "--duration"),
    (["consume", "basic", "--duration", "nan"], "--duration"),
    (["consume", "basic", "--fps", "0"], "--fps"),
    (["consume", "basic", "--fps", "-5"], "--fps"),
    (["consume", "basic", "--fps", "inf"], "--fps"),
    (["consume", "basic", "--checkpoint-every", "nan"], "--checkpoint-every"),
    (["consume", "basic", "--checkpoint-every", "1e308"], "--checkpoint-every"),
    (["consume", "basic", "--top-k", "-1"], "--top-k"),
    (["demo", "--interval", "nan"], "--interval"),
    (["dashboard", "--fps", "0"], "--fps"),
    (["run", "stream.py", "--duration", "-1"], "--duration"),
]


@pytest.mark.parametrize(("args", "option"), BAD_OPTIONS, ids=[" ".join(a) for a, _ in BAD_OPTIONS])
def test_bad_numbers_in_options_are_one_error_and_exit_2(workdir: Path, args: list[str],
                                                         option: str) -> None:
    result = run_buzzline(["--log-level", "WARNING", *args, "--no-chart"]
                          if args[0] == "consume" else args, workdir, timeout=30)
    assert_one_error(result, option)
    assert not (workdir / "data").exists()  # refused before doing anything


@pytest.mark.parametrize(("name", "raw"), [
    ("BUZZ_INTERVAL_SECONDS", "1e308"), ("SMOKER_INTERVAL_SECONDS", "86401"),
    ("PROJECT_INTERVAL_SECONDS", "1e400"), ("KAFKA_CONNECT_TIMEOUT_SECONDS", "1e300"),
    ("BUZZLINE_CHECKPOINT_SECONDS", "9e99"), ("BUZZLINE_FPS", "1e9"),
    ("BUZZLINE_SAVE_EVERY_SECONDS", "nan")])
def test_settings_in_seconds_are_finite_and_at_most_a_day(name: str, raw: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(environ={name: raw}, env_file=None)
    assert name in str(info.value) and "\n" not in str(info.value)


def test_a_day_is_still_a_valid_interval() -> None:
    assert load_settings(environ={"BUZZ_INTERVAL_SECONDS": "86400"},
                         env_file=None).buzz_interval_seconds == DAY
    assert Settings().buzz_interval_seconds == 3.0


def test_a_huge_interval_setting_through_the_cli_is_one_line(workdir: Path) -> None:
    result = run_buzzline(["produce", "json", "--count", "1"], workdir,
                          BUZZ_INTERVAL_SECONDS="1e308")
    assert_one_error(result, "BUZZ_INTERVAL_SECONDS", "at most")
    assert result.stderr.strip().count("\n") == 0


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e400", "-0.5", "86400.5"])
def test_finite_float_refuses(text: str) -> None:
    with pytest.raises(click.BadParameter):
        INTERVAL.convert(text, None, None)


def test_finite_float_accepts_the_bounds() -> None:
    assert INTERVAL.convert("0", None, None) == 0.0
    assert INTERVAL.convert(str(DAY), None, None) == DAY
    assert FPS.convert("0.1", None, None) == 0.1
    assert FiniteFloat(min=1, max=2).convert(1.5, None, None) == 1.5
