"""One typed settings object, built once: CLI options > environment > .env > defaults.

The environment names are the teaching project's (``BUZZ_TOPIC``, ``SMOKER_STALL_THRESHOLD_F``...)
plus buzzline's own ``BUZZLINE_*``. Nothing is read at import time.
"""

import math
import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from buzzline.envfile import read_env_file
from buzzline.errors import SettingsError

DAY = 86_400.0  # the longest interval, period or timeout a setting may ask for


def _env(name: str, default: Any, minimum: float | None = None, choices: tuple = (),
         secret: bool = False, maximum: float | None = None) -> Any:
    return field(default=default, repr=not secret,
                 metadata={"env": name, "min": minimum, "max": maximum, "choices": choices,
                           "secret": secret})


@dataclass(frozen=True)
class Settings:
    # Kafka (the teaching project's names)
    kafka_broker_address: str = _env("KAFKA_BROKER_ADDRESS", "localhost:9092")
    kafka_security_protocol: str = _env(
        "KAFKA_SECURITY_PROTOCOL", "PLAINTEXT",
        choices=("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"))
    kafka_sasl_mechanism: str = _env("KAFKA_SASL_MECHANISM", "PLAIN",
                                     choices=("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"))
    kafka_sasl_username: str = _env("KAFKA_SASL_USERNAME", "")
    kafka_sasl_password: str = _env("KAFKA_SASL_PASSWORD", "", secret=True)
    kafka_ssl_ca_location: str = _env("KAFKA_SSL_CA_LOCATION", "")
    kafka_partitions: int = _env("KAFKA_PARTITIONS", 3, minimum=1)
    # replicas of a topic buzzline creates; 0: the broker's default.replication.factor (1 on
    # one broker, 3 on a cluster of `buzzline kafka start --brokers 3`)
    kafka_replication_factor: int = _env("KAFKA_REPLICATION_FACTOR", 0, minimum=0)
    kafka_compression: str = _env("KAFKA_COMPRESSION", "none",
                                  choices=("none", "gzip", "snappy", "lz4", "zstd"))
    kafka_connect_timeout: float = _env("KAFKA_CONNECT_TIMEOUT_SECONDS", 8.0, minimum=1,
                                        maximum=DAY)
    # a consumer that died without leaving its group is replaced after this long
    kafka_session_timeout: float = _env("KAFKA_SESSION_TIMEOUT_SECONDS", 10.0, minimum=1,
                                        maximum=DAY)
    # where a Kafka consumer keeps its analytic state: "sqlite" (the data folder's checkpoint
    # file) or "changelog" (the group's changelog topic, in transactions: any machine)
    kafka_state: str = _env("BUZZLINE_KAFKA_STATE", "changelog", choices=("sqlite", "changelog"))
    # where `buzzline kafka` keeps the broker: its install cache and its data
    kafka_cache_dir: Path = _env("BUZZLINE_KAFKA_CACHE", Path(""))
    kafka_data_dir: Path = _env("BUZZLINE_KAFKA_DATA", Path(""))
    # basic app: JSON lines appended to a file (the teaching project's buzz_live file)
    basic_topic: str = _env("BASIC_TOPIC", "buzz_live")
    # buzz (JSON) app
    buzz_topic: str = _env("BUZZ_TOPIC", "buzzline_json")
    buzz_interval_seconds: float = _env("BUZZ_INTERVAL_SECONDS", 3.0, minimum=0,
                                        maximum=DAY)
    buzz_consumer_group_id: str = _env("BUZZ_CONSUMER_GROUP_ID", "buzz_group")
    buzz_json_file: Path = _env("BUZZ_JSON_FILE", Path("data/buzz.json"))
    # smoker (CSV) app
    smoker_topic: str = _env("SMOKER_TOPIC", "smoker_csv")
    smoker_interval_seconds: float = _env("SMOKER_INTERVAL_SECONDS", 5.0, minimum=0,
                                          maximum=DAY)
    smoker_consumer_group_id: str = _env("SMOKER_CONSUMER_GROUP_ID", "smoker_group")
    smoker_stall_threshold_f: float = _env("SMOKER_STALL_THRESHOLD_F", 0.2, minimum=0)
    smoker_rolling_window_size: int = _env("SMOKER_ROLLING_WINDOW_SIZE", 10, minimum=2)
    smoker_csv_file: Path = _env("SMOKER_CSV_FILE", Path("data/smoker_temps.csv"))
    # project app
    project_topic: str = _env("PROJECT_TOPIC", "project_json")
    project_interval_seconds: float = _env("PROJECT_INTERVAL_SECONDS", 5.0, minimum=0,
                                           maximum=DAY)
    project_consumer_group_id: str = _env("PROJECT_CONSUMER_GROUP_ID", "project_group")
    # buzzline's own
    transport: str = _env("BUZZLINE_TRANSPORT", "file")
    data_dir: Path = _env("BUZZLINE_DATA_DIR", Path("data"))
    output_dir: Path = _env("BUZZLINE_OUTPUT_DIR", Path("out"))
    log_dir: Path = _env("BUZZLINE_LOG_DIR", Path("logs"))
    log_level: str = _env(
        "BUZZLINE_LOG_LEVEL", "INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR")
    )
    fps: float = _env("BUZZLINE_FPS", 10.0, minimum=0.1, maximum=1000)
    save_every_seconds: float = _env("BUZZLINE_SAVE_EVERY_SECONDS", 2.0, minimum=0.1,
                                      maximum=DAY)
    # consumers save their state with their positions this often (0: after every batch)
    checkpoint_seconds: float = _env("BUZZLINE_CHECKPOINT_SECONDS", 1.0, minimum=0,
                                      maximum=DAY)
    top_k: int = _env("BUZZLINE_TOP_K", 0, minimum=0)
    batch_size: int = _env("BUZZLINE_BATCH_SIZE", 5, minimum=1)
    line_window: int = _env("BUZZLINE_LINE_WINDOW", 0, minimum=0)
    # comma-separated matplotlib colours ("tab:blue,#ff7f0e,green"); empty: each chart's own
    chart_colors: str = _env("BUZZLINE_CHART_COLORS", "")
    max_points: int = _env("BUZZLINE_MAX_POINTS", 10_000, minimum=100)
    max_message_bytes: int = _env("BUZZLINE_MAX_MESSAGE_BYTES", 1_048_576, minimum=64)
    # consumers publish their numbers and panels to data/live/ for `buzzline dashboard`
    live: bool = _env("BUZZLINE_LIVE", True)
    display: str = _env("BUZZLINE_DISPLAY", "auto", choices=("auto", "window", "headless"))
    # live charts draw fast through matplotlib's internals (false: its public API alone)
    fast_draw: bool = _env("BUZZLINE_FAST_DRAW", True)

    def with_overrides(self, **values: Any) -> "Settings":
        """A copy with CLI options applied (None means: option not given)."""
        given = {k: v for k, v in values.items() if v is not None}
        for f in fields(self):
            if f.name in given:
                given[f.name] = _check(f, given[f.name], f"--{f.name.replace('_', '-')}")
        return replace(self, **given)


def _parse(f: Any, raw: str, where: str) -> Any:
    kind = type(f.default) if f.default is not MISSING else str
    text = raw.strip()
    try:
        if kind is bool:
            value: Any = {"1": True, "true": True, "yes": True, "0": False, "false": False,
                          "no": False}[text.lower()]
        elif kind is int:
            value = int(text)
        elif kind is float:
            value = float(text)
        elif kind is Path or issubclass(kind, Path):
            value = Path(os.path.expanduser(text))
        else:
            choices = f.metadata.get("choices") or ()
            value = next((c for c in choices if c.lower() == text.lower()), text)
    except (ValueError, KeyError):
        noun = {int: "a whole number", float: "a number", bool: "true or false"}.get(kind, kind)
        raise SettingsError(f"{where}={raw!r} is not valid: expected {noun}") from None
    return _check(f, value, where)


def _check(f: Any, value: Any, where: str) -> Any:
    minimum = f.metadata.get("min")
    choices = f.metadata.get("choices")
    if isinstance(value, float) and not math.isfinite(value):
        raise SettingsError(f"{where}={value!r} is not valid: expected a finite number")
    if minimum is not None and value < minimum:
        raise SettingsError(f"{where}={value!r} is not valid: must be at least {minimum}")
    maximum = f.metadata.get("max")
    if maximum is not None and value > maximum:
        raise SettingsError(f"{where}={value!r} is not valid: must be at most {maximum:g}")
    if choices and value not in choices:
        raise SettingsError(f"{where}={value!r} is not valid: choose one of {', '.join(choices)}")
    if isinstance(value, str) and not value and f.default:
        raise SettingsError(f"{where} is empty")
    return value


def env_names() -> dict[str, str]:
    """Field name -> environment variable name."""
    return {f.name: f.metadata["env"] for f in fields(Settings)}


def load_settings(
    environ: Mapping[str, str] | None = None,
    env_file: str | Path | None = ".env",
    **overrides: Any,
) -> Settings:
    """Build the settings once. Precedence: overrides > environ > env_file > defaults."""
    environ = os.environ if environ is None else environ
    from_file = read_env_file(env_file) if env_file is not None and Path(env_file).exists() \
        else {}
    values: dict[str, Any] = {}
    for f in fields(Settings):
        name = f.metadata["env"]
        if name in environ:
            values[f.name] = _parse(f, environ[name], name)
        elif from_file.get(name) is not None:
            values[f.name] = _parse(f, from_file[name] or "", name)
    # the sample files live in the data folder unless they were set on their own
    data_dir = overrides.get("data_dir") or values.get("data_dir")
    if data_dir is not None:
        samples = {"buzz_json_file": "buzz.json", "smoker_csv_file": "smoker_temps.csv"}
        for name, file in samples.items():
            if name not in values and overrides.get(name) is None:
                values[name] = Path(data_dir) / file
    return Settings(**values).with_overrides(**overrides)
