"""A settings file (``.env``) read with care: one clear error when it is missing, a folder or
not UTF-8 text (naming the line), and the names in it that look like ours but are none."""

import difflib
import io
from collections.abc import Iterable
from pathlib import Path

from dotenv import dotenv_values

from buzzline.errors import SettingsError

OUR_PREFIXES = ("BUZZ", "SMOKER_", "PROJECT_", "KAFKA_", "BASIC_")  # (BUZZ: BUZZLINE_ too)


def read_env_file(path: str | Path) -> dict[str, str | None]:
    """The names and values of a ``.env`` file; one clear error when it cannot be read."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SettingsError(f"cannot read settings file {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise SettingsError(f"settings file {path}, line {line}: not UTF-8 text (byte "
                            f"{raw[exc.start]:#04x}); save it as UTF-8") from None
    return dotenv_values(stream=io.StringIO(text))


def unknown_names(names: Iterable[str], known: Iterable[str]) -> list[str]:
    """The ``names`` that look like settings of ours but are not ``known`` (a typo), each with
    the nearest known name when there is one: ``BUZ_TOPIC (did you mean BUZZ_TOPIC?)``."""
    choices = sorted(known)
    found = []
    for name in names:
        if name in choices:
            continue
        near = difflib.get_close_matches(name.upper(), choices, n=1, cutoff=0.75)
        if near:
            found.append(f"{name} (did you mean {near[0]}?)")
        elif name.upper().startswith(OUR_PREFIXES):
            found.append(name)
    return found
