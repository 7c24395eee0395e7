"""A value a stream declaration takes from the settings when it runs (``Setting("top_k")``:
what ``--top-k`` or ``BUZZLINE_TOP_K`` say), or gives as it is."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from buzzline.errors import SettingsError
from buzzline.settings import Settings


class UnknownSetting(SettingsError):
    """A declaration names a settings field that does not exist (one line, exit code 2)."""


def check_setting(name: str) -> str:
    known = {f.name for f in fields(Settings)}
    if name not in known:
        raise UnknownSetting(f"no setting {name!r} (settings: {', '.join(sorted(known))})")
    return name


@dataclass(frozen=True)
class Setting:
    """The value of the Settings field ``name`` (checked when declared)."""

    name: str

    def __post_init__(self) -> None:
        check_setting(self.name)

    def __str__(self) -> str:
        return f"setting {self.name}"

    def __call__(self, settings: Settings) -> Any:
        return getattr(settings, self.name)


def resolve(value: Any, settings: Settings | None) -> Any:
    """``value``, or its setting's value when it is a ``Setting``."""
    if isinstance(value, Setting):
        if settings is None:
            raise UnknownSetting(f"{value} needs the settings")
        return value(settings)
    return value
